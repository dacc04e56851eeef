"""lrlib.models: the MLP and the small CNN, built from a seed without touching torch's global RNG."""
import pytest
import torch
from torch import nn

import lrlib


def _weights(model):
    return [p.detach().clone() for p in model.parameters()]


def _same(a, b):
    return all(torch.equal(x, y) for x, y in zip(a, b))


def test_mlp_layers_and_output():
    model = lrlib.models.mlp(64, 10, hidden=(128, 32), activation="tanh")
    kinds = [type(m) for m in model]
    assert kinds == [nn.Linear, nn.Tanh, nn.Linear, nn.Tanh, nn.Linear]
    assert [m.out_features for m in model if isinstance(m, nn.Linear)] == [128, 32, 10]
    assert model(torch.rand(5, 64)).shape == (5, 10)
    assert lrlib.models.n_params(model) == 64 * 128 + 128 + 128 * 32 + 32 + 32 * 10 + 10
    assert lrlib.models.mlp(4, 3, hidden=()).__len__() == 1  # plain softmax regression


def test_seeded_construction_is_reproducible_and_leaves_global_rng_alone():
    state = torch.get_rng_state()
    a, b = lrlib.models.mlp(64, 10, seed=3), lrlib.models.mlp(64, 10, seed=3)
    c = lrlib.models.mlp(64, 10, seed=4)
    assert torch.equal(torch.get_rng_state(), state)
    assert _same(_weights(a), _weights(b))
    assert not _same(_weights(a), _weights(c))
    # seed=None draws from the global RNG, like torch does
    torch.manual_seed(11)
    d = lrlib.models.mlp(64, 10, seed=None)
    torch.manual_seed(11)
    e = lrlib.models.mlp(64, 10, seed=None)
    assert _same(_weights(d), _weights(e))
    assert not torch.equal(torch.get_rng_state(), state)
    torch.set_rng_state(state)


@pytest.mark.parametrize("shape, channels", [((1, 8, 8), (16, 32)), ((1, 28, 28), (8, 16)),
                                             ((3, 16, 12), (4,))])
def test_cnn_takes_flat_rows(shape, channels):
    c, h, w = shape
    model = lrlib.models.cnn(shape, 10, channels=channels, seed=0)
    assert isinstance(model[0], nn.Unflatten)
    out = model(torch.rand(3, c * h * w))
    assert out.shape == (3, 10)
    assert _same(_weights(model), _weights(lrlib.models.cnn(shape, 10, channels=channels, seed=0)))


@pytest.mark.parametrize("build, error, words", [
    (lambda: lrlib.models.mlp(0, 10), ValueError, "in_features must be a positive int, got 0"),
    (lambda: lrlib.models.mlp(64, 10.0), TypeError, "n_classes must be a positive int, got 10.0"),
    (lambda: lrlib.models.mlp(64, 10, hidden=(128, -1)), ValueError, "hidden"),
    (lambda: lrlib.models.mlp(64, 10, hidden="128"), TypeError, "hidden"),
    (lambda: lrlib.models.mlp(64, 10, activation="swish"), ValueError, "activation"),
    (lambda: lrlib.models.mlp(64, 10, seed="1"), TypeError, "seed"),
    (lambda: lrlib.models.mlp(64, 10, seed=-2), ValueError, "seed"),
    (lambda: lrlib.models.cnn((8, 8)), ValueError, r"input_shape must be \(channels, height, width\)"),
    (lambda: lrlib.models.cnn((1, 8, 8), channels=(4, 4, 4, 4)), ValueError, "too small"),
    (lambda: lrlib.models.cnn((1, 8, 8), channels=()), ValueError, "channels must not be empty"),
    (lambda: lrlib.models.n_params("model"), TypeError, "model"),
])
def test_bad_arguments(build, error, words):
    with pytest.raises(error, match=words):
        build()
