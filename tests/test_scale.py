"""lrlib.scale.total_steps: optimizer steps under data parallelism and gradient accumulation.

The hand-computed cases state the rule; the sampler cases check it against
torch's own DistributedSampler and DataLoader lengths and a loop that steps
the way Lightning's does (after every A batches and on an epoch's last one).
"""

import math

import numpy as np
import pytest
import torch
from torch.utils.data import DataLoader, DistributedSampler

import lrlib
from lrlib.compare import t_quantile
from lrlib.scale import lr_exponent, total_steps


@pytest.mark.parametrize(
    "args, expected",
    [
        ((1000, 32), 32),  # ceil(1000 / 32)
        ((1000, 32, 3), 96),
        ((1024, 32), 32),
        ((1000, 32, 1, 1, 1, True), 31),  # drop_last: 1000 // 32
        ((1000, 32, 1, 2), 16),  # 500 per process
        ((1001, 32, 1, 2), 16),  # 501 per process: the sampler pads one
        ((1001, 10, 1, 2), 51),  # ceil(501 / 10)
        ((1001, 10, 1, 2, 1, True), 50),  # 501 // 10
        ((1000, 32, 1, 1, 4), 8),  # 32 batches / 4
        ((1000, 32, 1, 1, 5), 7),  # ceil(32 / 5): the last group steps too
        ((1000, 32, 3, 2, 4), 12),  # 16 batches, 4 steps, 3 epochs
        ((1000, 32, 3, 2, 3), 18),  # ceil(16 / 3) = 6 per epoch
        ((10, 32), 1),  # one short batch
        ((10, 32, 1, 1, 1, True), 0),  # no full batch: no step
        ((7, 1, 1, 8), 1),  # more processes than examples
        ((1000, 32, 0), 0),
    ],
)
def test_total_steps_by_hand(args, expected):
    assert total_steps(*args) == expected


def _simulated_steps(n, batch_size, epochs, devices, accumulate, drop_last):
    """Optimizer steps of rank 0 with torch's sampler and loader, stepping like Lightning."""
    sampler = DistributedSampler(range(n), num_replicas=devices, rank=0, shuffle=False)
    loader = DataLoader(range(n), batch_size=batch_size, sampler=sampler, drop_last=drop_last)
    steps = 0
    for _ in range(epochs):
        batches = len(loader)
        steps += sum(1 for i in range(batches) if (i + 1) % accumulate == 0 or i + 1 == batches)
    return steps


@pytest.mark.parametrize("n", [97, 100, 256, 1000])
@pytest.mark.parametrize("devices", [1, 2, 3, 8])
@pytest.mark.parametrize("accumulate", [1, 2, 4, 5])
@pytest.mark.parametrize("drop_last", [False, True])
def test_total_steps_matches_torch_sampler_and_loader(n, devices, accumulate, drop_last):
    expected = _simulated_steps(n, 16, 2, devices, accumulate, drop_last)
    assert (
        total_steps(
            n,
            16,
            epochs=2,
            devices=devices,
            accumulate_grad_batches=accumulate,
            drop_last=drop_last,
        )
        == expected
    )


def test_total_steps_is_exported_and_feeds_one_cycle():
    steps = lrlib.total_steps(1000, 32, epochs=2, devices=2, accumulate_grad_batches=4)
    assert steps == 2 * math.ceil(math.ceil(500 / 32) / 4)
    opt = torch.optim.SGD([torch.zeros(1, requires_grad=True)], lr=0.1)
    sched = torch.optim.lr_scheduler.OneCycleLR(opt, max_lr=0.1, total_steps=steps)
    for _ in range(steps):
        opt.step()
        sched.step()  # one more step would raise: total_steps is exactly the run's length


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"dataset_size": 0}, ValueError, "dataset_size must be >= 1, got 0"),
        ({"batch_size": 0}, ValueError, "batch_size must be >= 1"),
        ({"batch_size": 2.5}, TypeError, "batch_size must be an int"),
        ({"epochs": -1}, ValueError, "epochs must be >= 0"),
        ({"devices": 0}, ValueError, "devices must be >= 1"),
        ({"accumulate_grad_batches": 0}, ValueError, "accumulate_grad_batches must be >= 1"),
        ({"accumulate_grad_batches": True}, TypeError, "accumulate_grad_batches must be an int"),
        ({"drop_last": 1}, TypeError, "drop_last must be True or False"),
    ],
)
def test_total_steps_rejects_bad_arguments(kwargs, error, words):
    args = {"dataset_size": 100, "batch_size": 10, **kwargs}
    with pytest.raises(error, match=words):
        total_steps(**args)


# --------------------------------------------------------------------------- lr_exponent


@pytest.mark.parametrize("k", [-1.0, -0.5, 0.0, 0.5])
def test_lr_exponent_recovers_an_exact_power_law(k):
    sizes = [16, 32, 64, 128, 256]
    best = [[0.01 * (s / 16) ** k * c for c in (1.0, 2.0, 0.5)] for s in sizes]  # 3 seeds
    result = lr_exponent(sizes, best)
    assert result.per_seed == pytest.approx((k, k, k), abs=1e-9)
    assert result.mean == pytest.approx(k) and result.low == pytest.approx(k)
    assert result.high == pytest.approx(k)
    assert result.factor() == pytest.approx(16.0**k)


def test_lr_exponent_interval_is_the_t_interval_over_seeds():
    sizes = [1, 2, 4]
    slopes = [-1.0, -0.5, 0.0, -0.25, -0.75]
    best = [[2.0 ** (k * i) for k in slopes] for i in range(3)]  # log2(size) = 0, 1, 2
    result = lr_exponent(sizes, best)
    half = t_quantile(0.975, 4) * float(np.std(slopes, ddof=1)) / math.sqrt(5)
    assert result.per_seed == pytest.approx(tuple(slopes))
    assert (result.low, result.mean, result.high) == pytest.approx((-0.5 - half, -0.5, -0.5 + half))
    assert str(result) == f"k = -0.50 [95% CI {-0.5 - half:+.2f}, {-0.5 + half:+.2f}], 5 seeds"


@pytest.mark.parametrize(
    "sizes, best, level, words",
    [
        ([16], [[0.1, 0.1]], 0.95, "sizes"),
        ([16, 16], [[0.1, 0.1], [0.1, 0.1]], 0.95, "sizes"),
        ([16, -32], [[0.1, 0.1], [0.1, 0.1]], 0.95, "sizes"),
        ([16, 32], [[0.1], [0.1]], 0.95, "best_lrs"),
        ([16, 32, 64], [[0.1, 0.1], [0.1, 0.1]], 0.95, "best_lrs"),
        ([16, 32], [[0.1, float("nan")], [0.1, 0.1]], 0.95, "diverged"),
        ([16, 32], [[0.1, 0.0], [0.1, 0.1]], 0.95, "best lr"),
        ([16, 32], [[0.1, 0.2], [0.1, 0.1]], 1.0, "level"),
    ],
)
def test_lr_exponent_rejects_bad_arguments(sizes, best, level, words):
    with pytest.raises(ValueError, match=words):
        lr_exponent(sizes, best, level)
