"""The helpers lessons share (lrlib.models' lesson block, lrlib.utils.round_trip)."""

import pickle

import pytest
import torch

import lrlib
from lrlib.models import dead_units, digits_mlp, sgd, two_groups
from lrlib.utils import round_trip


def test_digits_mlp_is_the_lessons_model():
    for seed in (0, 3):
        ours, theirs = digits_mlp(seed), lrlib.models.mlp(64, 10, hidden=(128,), seed=seed)
        assert [tuple(p.shape) for p in ours.parameters()] == [(128, 64), (128,), (10, 128), (10,)]
        assert all(torch.equal(a, b) for a, b in zip(ours.parameters(), theirs.parameters()))
    assert not torch.equal(digits_mlp(0)[0].weight, digits_mlp(1)[0].weight)
    assert [m.out_features for m in digits_mlp(0, hidden=(64,)) if hasattr(m, "out_features")] == [
        64,
        10,
    ]


def test_sgd_builds_one_optimizer_per_model():
    make = sgd(0.3, weight_decay=1e-3)
    a, b = digits_mlp(0), digits_mlp(1)
    opt_a, opt_b = make(a), make(b)
    assert isinstance(opt_a, torch.optim.SGD) and opt_a is not opt_b
    group = opt_a.param_groups[0]
    assert (group["lr"], group["momentum"], group["weight_decay"]) == (0.3, 0.9, 1e-3)
    assert group["params"][0] is a[0].weight
    assert sgd(0.1, momentum=0).__call__(a).param_groups[0]["momentum"] == 0


@pytest.mark.parametrize(
    "kwargs, error",
    [
        ({"lr": -0.1}, ValueError),
        ({"lr": float("nan")}, ValueError),
        ({"lr": "0.1"}, TypeError),
        ({"lr": 0.1, "momentum": -1}, ValueError),
        ({"lr": True}, TypeError),
        ({"lr": 0.1, "weight_decay": float("inf")}, ValueError),
    ],
)
def test_sgd_rejects_bad_arguments(kwargs, error):
    name = [k for k in kwargs if k != "lr" or len(kwargs) == 1][-1]
    with pytest.raises(error, match=name):
        sgd(**kwargs)


def test_two_groups():
    opt = two_groups(0.1, 0.03)
    assert [g["lr"] for g in opt.param_groups] == [0.1, 0.03]
    assert all(len(g["params"]) == 1 and g["momentum"] == 0 for g in opt.param_groups)
    scheduler = lrlib.StepLR(opt, step_size=1, gamma=0.5)
    opt.step()
    scheduler.step()
    assert [g["lr"] for g in opt.param_groups] == [0.05, 0.015]
    with pytest.raises(ValueError, match="second_lr"):
        two_groups(0.1, -1.0)
    with pytest.raises(TypeError, match="first_lr"):
        two_groups(None, 0.1)


def test_dead_units_counts_units_silent_on_every_row():
    model = digits_mlp(0)
    X = torch.randn(40, 64, generator=torch.Generator().manual_seed(1))
    with torch.no_grad():
        model[0].weight[:5] = 0.0
        model[0].bias[:5] = -1.0  # 5 units always off
        model[0].weight[5] = 0.0
        model[0].bias[5] = 1.0  # always on
    hidden = torch.relu(X @ model[0].weight.T + model[0].bias)
    expected = int((hidden == 0).all(dim=0).sum())
    assert expected >= 5
    assert dead_units(model, X) == expected
    # a unit that is on for one row only is alive
    with torch.no_grad():
        model[0].weight[6] = 0.0
        model[0].bias[6] = -1.0
        model[0].weight[6, 0] = 1e3
    X[0, 0] = 1.0
    hidden = torch.relu(X @ model[0].weight.T + model[0].bias)
    assert dead_units(model, X) == int((hidden == 0).all(dim=0).sum())
    assert hidden[:, 6].max() > 0


def test_dead_units_rejects_other_models_and_inputs():
    with pytest.raises(TypeError, match="model"):
        dead_units(lrlib.models.cnn(), torch.zeros(2, 64))
    with pytest.raises(ValueError, match="X"):
        dead_units(digits_mlp(0), torch.zeros(2, 63))


def test_round_trip_copies_what_a_checkpoint_holds():
    model = digits_mlp(0)
    optimizer = sgd(0.1)(model)
    model(torch.zeros(3, 64)).sum().backward()
    optimizer.step()
    scheduler = lrlib.StepLR(optimizer, step_size=2)
    saved = {
        "model": model.state_dict(),
        "optimizer": optimizer.state_dict(),
        "scheduler": scheduler.state_dict(),
        "epoch": 4,
    }
    loaded = round_trip(saved)
    assert loaded["epoch"] == 4 and loaded["scheduler"] == saved["scheduler"]
    for key, tensor in saved["model"].items():
        assert torch.equal(loaded["model"][key], tensor)
        assert loaded["model"][key].data_ptr() != tensor.data_ptr()
    buffer = loaded["optimizer"]["state"][0]["momentum_buffer"]
    assert torch.equal(buffer, saved["optimizer"]["state"][0]["momentum_buffer"])


class _Custom:
    pass


def test_round_trip_refuses_what_weights_only_refuses():
    with pytest.raises(pickle.UnpicklingError):
        round_trip({"object": _Custom()})
