"""lrlib.lr_range_test: exponential sweep, bias-corrected smoothing, early stop, restore,
suggestions."""

import math

import numpy as np
import pytest
import torch

import lrlib
from lrlib.data import Splits
from lrlib.finder import RangeTest, steepest_lr, valley_lr

DIGITS = lrlib.data.digits(seed=0)
SMALL = Splits(train=(DIGITS.train[0][:512], DIGITS.train[1][:512]), n_classes=10)


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small models gain nothing from a second thread, and on a shared 2-core machine
    torch's spinning threads slow down ten-fold; the results are the same bits
    either way (see test_train.py: test_identical_losses_with_one_and_two_threads)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def setup(momentum=0.9):
    model = lrlib.models.mlp(64, 10, hidden=(32,), seed=0)
    return model, torch.optim.SGD(model.parameters(), lr=0.05, momentum=momentum)


def test_sweep_is_exponential_and_smoothing_is_bias_corrected():
    model, optimizer = setup()
    found = lrlib.lr_range_test(
        model,
        optimizer,
        SMALL,
        min_lr=1e-4,
        max_lr=1.0,
        steps=30,
        smooth=0.9,
        stop_factor=math.inf,
        batch_size=32,
    )
    assert isinstance(found, RangeTest) and found.stopped == "completed"
    assert len(found.lrs) == len(found.losses) == len(found.raw_losses) == 30
    assert found.lrs[0] == pytest.approx(1e-4) and found.lrs[-1] == pytest.approx(1.0)
    assert np.allclose(found.lrs[1:] / found.lrs[:-1], 10 ** (4 / 29))
    average, expected = 0.0, []
    for i, loss in enumerate(found.raw_losses):
        average = 0.9 * average + 0.1 * loss
        expected.append(average / (1 - 0.9 ** (i + 1)))
    assert np.allclose(found.losses, expected)
    assert found.losses[0] == pytest.approx(found.raw_losses[0])  # no bias toward 0 at the start
    assert found.min_loss_lr == found.lrs[np.argmin(found.losses)]


def test_stops_when_the_loss_explodes_and_suggests_an_lr_before_the_minimum():
    model, optimizer = setup()
    found = lrlib.lr_range_test(model, optimizer, SMALL, min_lr=1e-5, max_lr=1e3, steps=100)
    assert found.stopped in ("stop_factor", "diverged") and len(found.lrs) < 100
    if found.stopped == "stop_factor":
        assert found.losses[-1] > 4 * found.losses[:-1].min()
    assert found.lrs[0] <= found.suggestion <= found.min_loss_lr
    assert found.lrs[0] <= found.valley <= found.min_loss_lr
    assert "RangeTest(steps=" in repr(found)


def test_model_and_optimizer_are_restored():
    model, optimizer = setup()
    X, y = SMALL.train
    torch.nn.functional.cross_entropy(model(X[:64]), y[:64]).backward()
    optimizer.step()  # the optimizer now has momentum buffers and the params have grads
    weights = [p.detach().clone() for p in model.parameters()]
    grads = [p.grad.clone() for p in model.parameters()]
    state = optimizer.state_dict()
    buffers = [optimizer.state[p]["momentum_buffer"].clone() for p in model.parameters()]
    model.eval()
    torch_state = torch.get_rng_state()
    lrlib.lr_range_test(model, optimizer, SMALL, steps=40)
    assert all(torch.equal(a, p) for a, p in zip(weights, model.parameters()))
    assert all(torch.equal(g, p.grad) for g, p in zip(grads, model.parameters()))
    assert all(
        torch.equal(b, optimizer.state[p]["momentum_buffer"])
        for b, p in zip(buffers, model.parameters())
    )
    assert optimizer.param_groups[0]["lr"] == 0.05
    assert optimizer.state_dict()["param_groups"] == state["param_groups"]
    assert model.training is False
    assert torch.equal(torch.get_rng_state(), torch_state)


def test_same_seed_same_curve():
    curves = []
    for _ in range(2):
        model, optimizer = setup()
        curves.append(lrlib.lr_range_test(model, optimizer, SMALL, steps=30, seed=3).raw_losses)
    assert np.array_equal(curves[0], curves[1])


def test_suggestions_on_known_curves():
    lrs = np.logspace(-5, 0, 51)
    x = np.log10(lrs)
    # a smooth descent centred at lr = 1e-3, then a rise after 1e-1
    losses = 2 - np.tanh(3 * (x + 3)) + np.where(x > -1, 5 * (x + 1) ** 2, 0)
    assert steepest_lr(lrs, losses) == pytest.approx(1e-3)
    # longest descent: from the first point to the minimum near 1e-1; valley = its log-midpoint
    end = int(np.argmin(losses))
    assert valley_lr(lrs, losses) == pytest.approx(lrs[end // 2])
    # a loss that never falls has no suggestion
    assert steepest_lr(lrs, np.linspace(1, 2, 51)) is None
    assert valley_lr(lrs, np.linspace(1, 2, 51)) is None
    # small bumps do not cut the valley short
    bumpy = losses.copy()
    bumpy[10] += 0.001
    assert valley_lr(lrs, bumpy) in (
        pytest.approx(lrs[end // 2]),
        pytest.approx(lrs[(end + 1) // 2]),
    )
    with pytest.raises(ValueError, match="same length"):
        steepest_lr(lrs, losses[:-1])


@pytest.mark.parametrize(
    "change, error, words",
    [
        ({"min_lr": 0}, ValueError, "min_lr must be a finite number > 0, got 0"),
        ({"max_lr": float("nan")}, ValueError, "max_lr"),
        ({"min_lr": 1.0, "max_lr": 0.1}, ValueError, "min_lr must be smaller than max_lr"),
        ({"steps": 1}, ValueError, "steps must be >= 2"),
        ({"steps": 10.0}, TypeError, "steps"),
        ({"smooth": 1.0}, ValueError, r"smooth must be a number in \[0, 1\)"),
        ({"stop_factor": 1}, ValueError, "stop_factor must be a number > 1"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"min_lr": "1e-7"}, TypeError, "min_lr must be a number"),
        ({"optimizer": "sgd"}, TypeError, "optimizer"),
    ],
)
def test_bad_arguments(change, error, words):
    model, optimizer = setup()
    args = {"model": model, "optimizer": optimizer, "data": SMALL}
    args.update(change)
    with pytest.raises(error, match=words):
        lrlib.lr_range_test(**args)
