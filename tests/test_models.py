"""lrlib.models: the MLP, the small CNN and the tiny transformer, built from a seed without
touching torch's global RNG."""

import math

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


@pytest.mark.parametrize(
    "shape, channels", [((1, 8, 8), (16, 32)), ((1, 28, 28), (8, 16)), ((3, 16, 12), (4,))]
)
def test_cnn_takes_flat_rows(shape, channels):
    c, h, w = shape
    model = lrlib.models.cnn(shape, 10, channels=channels, seed=0)
    assert isinstance(model[0], nn.Unflatten)
    out = model(torch.rand(3, c * h * w))
    assert out.shape == (3, 10)
    assert _same(_weights(model), _weights(lrlib.models.cnn(shape, 10, channels=channels, seed=0)))


@pytest.mark.parametrize(
    "build, error, words",
    [
        (lambda: lrlib.models.mlp(0, 10), ValueError, "in_features must be a positive int, got 0"),
        (
            lambda: lrlib.models.mlp(64, 10.0),
            TypeError,
            "n_classes must be a positive int, got 10.0",
        ),
        (lambda: lrlib.models.mlp(64, 10, hidden=(128, -1)), ValueError, "hidden"),
        (lambda: lrlib.models.mlp(64, 10, hidden="128"), TypeError, "hidden"),
        (lambda: lrlib.models.mlp(64, 10, activation="swish"), ValueError, "activation"),
        (lambda: lrlib.models.mlp(64, 10, seed="1"), TypeError, "seed"),
        (lambda: lrlib.models.mlp(64, 10, seed=-2), ValueError, "seed"),
        (
            lambda: lrlib.models.cnn((8, 8)),
            ValueError,
            r"input_shape must be \(channels, height, width\)",
        ),
        (lambda: lrlib.models.cnn((1, 8, 8), channels=(4, 4, 4, 4)), ValueError, "too small"),
        (
            lambda: lrlib.models.cnn((1, 8, 8), channels=()),
            ValueError,
            "channels must not be empty",
        ),
        (lambda: lrlib.models.n_params("model"), TypeError, "model"),
    ],
)
def test_bad_arguments(build, error, words):
    with pytest.raises(error, match=words):
        build()


def test_cnn_for_mnist_parameter_count():
    model = lrlib.models.cnn((1, 28, 28), 10, channels=(8, 16))
    convs = (1 * 8 * 9 + 8) + (8 * 16 * 9 + 16)
    assert lrlib.models.n_params(model) == convs + 16 * 7 * 7 * 10 + 10 == 9098


# --------------------------------------------------------------------------- tiny transformer


def _transformer_params(V, block, d, layers, ratio):
    h = ratio * d
    per_block = 2 * 2 * d + (3 * d * d + 3 * d) + (d * d + d) + (d * h + h) + (h * d + d)
    return V * d + block * d + layers * per_block + 2 * d + d * V + V


@pytest.mark.parametrize(
    "kwargs",
    [
        {},
        {"d_model": 32, "n_layers": 1, "n_heads": 2},
        {"d_model": 48, "n_layers": 3, "mlp_ratio": 2},
    ],
)
def test_tiny_transformer_shapes_and_parameter_count(kwargs):
    model = lrlib.models.tiny_transformer(103, 64, **kwargs)
    d, layers = kwargs.get("d_model", 64), kwargs.get("n_layers", 2)
    expected = _transformer_params(103, 64, d, layers, kwargs.get("mlp_ratio", 4))
    assert lrlib.models.n_params(model) == expected
    assert lrlib.models.n_params(model) < 300_000
    ids = torch.randint(103, (3, 20), generator=torch.Generator().manual_seed(0))
    assert model(ids).shape == (3, 20, 103)


def test_tiny_transformer_is_causal():
    model = lrlib.models.tiny_transformer(50, 32, d_model=32, n_layers=2, n_heads=4).eval()
    ids = torch.randint(50, (2, 32), generator=torch.Generator().manual_seed(1))
    changed = ids.clone()
    changed[:, 20] = (ids[:, 20] + 1) % 50
    with torch.no_grad():
        a, b = model(ids), model(changed)
    assert torch.equal(a[:, :20], b[:, :20])  # earlier positions cannot see position 20
    assert not torch.allclose(a[:, 20:], b[:, 20:])  # position 20 and later do
    with torch.no_grad():  # a prefix gives the same logits as the full sequence
        assert torch.allclose(model(ids[:, :10]), a[:, :10], atol=1e-6)


def test_tiny_transformer_is_reproducible_and_leaves_global_rng_alone():
    state = torch.get_rng_state()
    a = lrlib.models.tiny_transformer(30, 16, seed=2)
    b = lrlib.models.tiny_transformer(30, 16, seed=2)
    c = lrlib.models.tiny_transformer(30, 16, seed=3)
    assert torch.equal(torch.get_rng_state(), state)
    assert _same(_weights(a), _weights(b)) and not _same(_weights(a), _weights(c))
    torch.manual_seed(4)
    d = lrlib.models.tiny_transformer(30, 16, seed=None)
    torch.manual_seed(4)
    assert _same(_weights(d), _weights(lrlib.models.tiny_transformer(30, 16, seed=None)))
    torch.set_rng_state(state)
    # GPT-2 initialisation: small weights, zero biases
    assert abs(float(a.tokens.weight.detach().std()) - 0.02) < 0.005
    assert float(a.head.bias.detach().abs().max()) == 0.0


def test_tiny_transformer_dropout_only_in_training():
    model = lrlib.models.tiny_transformer(30, 16, dropout=0.5)
    ids = torch.randint(30, (2, 16), generator=torch.Generator().manual_seed(0))
    model.eval()
    assert torch.equal(model(ids), model(ids))
    model.train()
    torch.manual_seed(0)
    first = model(ids)
    assert not torch.equal(first, model(ids))
    torch.manual_seed(0)
    assert torch.equal(first, model(ids))


@pytest.mark.parametrize(
    "build, error, words",
    [
        (lambda: lrlib.models.tiny_transformer(0, 16), ValueError, "vocab_size"),
        (lambda: lrlib.models.tiny_transformer(30, 16.0), TypeError, "block"),
        (
            lambda: lrlib.models.tiny_transformer(30, 16, d_model=30, n_heads=4),
            ValueError,
            "d_model must be a multiple of n_heads=4, got 30",
        ),
        (lambda: lrlib.models.tiny_transformer(30, 16, n_layers=0), ValueError, "n_layers"),
        (lambda: lrlib.models.tiny_transformer(30, 16, dropout=1.0), ValueError, "dropout"),
        (lambda: lrlib.models.tiny_transformer(30, 16, seed="0"), TypeError, "seed"),
        (
            lambda: lrlib.models.tiny_transformer(30, 16)(torch.zeros(1, 17, dtype=torch.long)),
            ValueError,
            r"T <= block=16, got \(1, 17\)",
        ),
    ],
)
def test_tiny_transformer_rejects_bad_arguments(build, error, words):
    with pytest.raises(error, match=words):
        build()


# --------------------------------------------------------------------------- muP


def test_mup_mlp_is_the_standard_mlp_at_base_width_and_rescales_as_table_3():
    base = lrlib.models.mup_mlp(16, base_width=16, seed=3)
    standard = lrlib.models.mlp(64, 10, hidden=(16, 16), seed=3)
    for a, b in zip(base.parameters(), standard.parameters()):
        assert torch.equal(a, b)
    wide = lrlib.models.mup_mlp(256, base_width=16, seed=3)
    standard = lrlib.models.mlp(64, 10, hidden=(256, 256), seed=3)
    names = [name for name, _ in wide.named_parameters()]
    for name, a, b in zip(names, wide.parameters(), standard.parameters()):
        if name == "4.weight":  # the output weights: variance 1/fan_in**2 (times a constant)
            assert torch.allclose(a, b * 0.25)
        elif name in ("2.bias", "4.bias"):  # torch's bias scale at the base width, any width
            assert torch.allclose(a, b * 4.0)
            bound = 1 / math.sqrt(16)  # torch's bias: uniform in +-1/sqrt(fan_in)
            assert a.abs().max() <= bound and a.abs().max() > 0.8 * bound
        else:  # input weights and biases, hidden weights: torch's
            assert torch.equal(a, b)


def test_mup_adam_groups_follow_table_3():
    model = lrlib.models.mup_mlp(128, base_width=32, n_hidden=3)
    groups = lrlib.models.mup_adam_groups(model, 0.01, base_width=32)
    lr_of = {id(p): g["lr"] for g in groups for p in g["params"]}
    assert len(lr_of) == sum(len(g["params"]) for g in groups)  # each parameter once
    expected = {}
    for name, _ in model.named_parameters():
        first_weight = name == "0.weight"
        expected[name] = 0.01 if first_weight or name.endswith("bias") else 0.01 * 32 / 128
    assert {name: lr_of[id(p)] for name, p in model.named_parameters()} == expected
    assert groups[0]["lr"] == 0.01  # History records the first group's lr: the global one
    at_base = lrlib.models.mup_adam_groups(lrlib.models.mup_mlp(32, 32), 0.01, 32)
    assert [g["lr"] for g in at_base] == [0.01]  # the standard Adam


def _change_after_adam_steps(model, groups, steps=3):
    X = torch.randn(256, 64, generator=torch.Generator().manual_seed(0))
    y = torch.randint(0, 10, (256,), generator=torch.Generator().manual_seed(1))
    optimizer = torch.optim.Adam(groups)
    before = model(X).detach()
    for _ in range(steps):
        optimizer.zero_grad()
        nn.functional.cross_entropy(model(X), y).backward()
        optimizer.step()
    return float((model(X).detach() - before).abs().mean())


def test_mup_keeps_the_change_of_the_output_the_same_at_every_width():
    # The "coordinate check" of Yang et al.: under the standard parametrisation the
    # output moves more per Adam step the wider the model; under muP it does not.
    change = {}
    for width in (64, 1024):
        sp = lrlib.models.mlp(64, 10, hidden=(width, width))
        mup = lrlib.models.mup_mlp(width, base_width=64)
        change["sp", width] = _change_after_adam_steps(
            sp, [{"params": sp.parameters(), "lr": 1e-3}]
        )
        change["mup", width] = _change_after_adam_steps(
            mup, lrlib.models.mup_adam_groups(mup, 1e-3, base_width=64)
        )
    assert change["sp", 1024] > 5 * change["sp", 64]
    assert 0.7 < change["mup", 1024] / change["mup", 64] < 1.3


@pytest.mark.parametrize(
    "build, error, words",
    [
        (lambda: lrlib.models.mup_mlp(0, 16), ValueError, "width"),
        (lambda: lrlib.models.mup_mlp(32, 1.5), TypeError, "base_width"),
        (lambda: lrlib.models.mup_mlp(32, 16, n_hidden=0), ValueError, "n_hidden"),
        (
            lambda: lrlib.models.mup_adam_groups(lrlib.models.mup_mlp(32, 16), 0, 16),
            ValueError,
            "lr",
        ),
        (
            lambda: lrlib.models.mup_adam_groups(lrlib.models.mup_mlp(32, 16), 1e-3, 0),
            ValueError,
            "base_width",
        ),
        (lambda: lrlib.models.mup_adam_groups(nn.Linear(3, 3), 1e-3, 16), TypeError, "model"),
    ],
)
def test_mup_rejects_bad_arguments(build, error, words):
    with pytest.raises(error, match=words):
        build()
