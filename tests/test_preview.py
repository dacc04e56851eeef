"""lrlib.preview gives the lr per step of a schedule without training.

Element ``i`` is the lr in effect for optimizer step ``i``: element 0 right
after construction, then one element after each ``scheduler.step()``; with
ReduceLROnPlateau, ``metrics[i]`` is the metric seen at the end of step ``i``.
preview must equal stepping the real scheduler by hand, lrlib's and torch's.
"""

import math

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as torch_schedulers

import lrlib
from lrlib import registry

# (class name, lr, steps, kwargs, label): every example of the registry for a scheduler
# stepped without a metric and built directly (not a composite).
CONFIGS = [
    (entry.name, example.lr, example.steps, example.kwargs, example.label)
    for entry in registry.SCHEDULERS.values()
    if entry.kind in ("chainable", "closed form")
    for example in entry.examples
]


def plateau_metrics(n=120):
    rng = np.random.default_rng(3)
    return [float(v) for v in np.exp(-np.arange(n) / 15) + 0.02 * rng.normal(size=n)]


def by_hand(module, name, steps, lr, kwargs, metrics=None, optimizer="sgd"):
    """Step the real scheduler: (lrs, momenta) per step, element 0 after construction."""
    param = torch.nn.Parameter(torch.zeros(1))
    opt = (
        torch.optim.SGD([param], lr=lr, momentum=0.9)
        if optimizer == "sgd"
        else torch.optim.Adam([param], lr=lr)
    )
    sched = getattr(module, name)(opt, **kwargs)
    group = opt.param_groups[0]

    def momentum():
        return group["betas"][0] if "betas" in group else group["momentum"]

    lrs, momenta = [group["lr"]], [momentum()]
    for i in range(steps - 1):
        opt.step()
        sched.step(metrics[i]) if metrics is not None else sched.step()
        lrs.append(group["lr"])
        momenta.append(momentum())
    return np.array(lrs), np.array(momenta)


def config_id(config):
    return f"{config[0]}-{config[4]}".rstrip("-").replace(" ", "_")


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_preview_equals_stepping_the_scheduler(config):
    name, lr, steps, kwargs, _ = config
    shown = lrlib.preview(getattr(lrlib, name), steps, lr=lr, **kwargs)
    assert isinstance(shown, np.ndarray) and shown.shape == (steps,) and shown.dtype == float
    ours, _ = by_hand(lrlib, name, steps, lr, kwargs)
    np.testing.assert_array_equal(shown, ours)
    if hasattr(torch_schedulers, name):  # transformers' schedules have no torch twin: see
        theirs, _ = by_hand(torch_schedulers, name, steps, lr, kwargs)  # test_equivalents
        np.testing.assert_allclose(shown, theirs, rtol=1e-9, atol=1e-12 * lr)
    assert len(np.unique(shown)) >= 2, "the configuration should show a moving schedule"


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize(
    "name, kwargs",
    [
        (
            "CyclicLR",
            {
                "base_lr": 0.01,
                "max_lr": 0.1,
                "step_size_up": 8,
                "base_momentum": 0.8,
                "max_momentum": 0.95,
            },
        ),
        (
            "OneCycleLR",
            {"max_lr": 0.3, "total_steps": 60, "base_momentum": 0.85, "max_momentum": 0.95},
        ),
    ],
)
def test_preview_returns_the_cycled_momentum(name, kwargs, optimizer):
    lrs, momenta = lrlib.preview(
        getattr(lrlib, name), 60, lr=0.1, return_momentum=True, optimizer=optimizer, **kwargs
    )
    theirs_lrs, theirs_momenta = by_hand(
        torch_schedulers, name, 60, 0.1, kwargs, optimizer=optimizer
    )
    np.testing.assert_allclose(lrs, theirs_lrs, rtol=1e-9)
    np.testing.assert_allclose(momenta, theirs_momenta, rtol=1e-9)
    assert momenta.min() == pytest.approx(kwargs["base_momentum"], abs=0.02)
    assert momenta.max() == pytest.approx(kwargs["max_momentum"])


@pytest.mark.parametrize("mode", ["min", "max"])
def test_preview_plateau_with_metrics(mode):
    metrics = plateau_metrics()
    if mode == "max":
        metrics = [-m for m in metrics]
    kwargs = {"mode": mode, "factor": 0.5, "patience": 3, "cooldown": 2, "min_lr": 1e-3}
    shown = lrlib.preview(lrlib.ReduceLROnPlateau, len(metrics), lr=0.1, metrics=metrics, **kwargs)
    theirs, _ = by_hand(torch_schedulers, "ReduceLROnPlateau", len(metrics), 0.1, kwargs, metrics)
    np.testing.assert_array_equal(shown, theirs)
    assert shown[0] == 0.1 and shown[-1] < 0.1, "the metric flattens, so the lr must be cut"
    # steps defaults to the number of metrics
    np.testing.assert_array_equal(
        lrlib.preview(lrlib.ReduceLROnPlateau, lr=0.1, metrics=metrics, **kwargs), shown
    )
    # 0-dim tensors, as a loss is, work the same
    np.testing.assert_array_equal(
        lrlib.preview(
            lrlib.ReduceLROnPlateau, lr=0.1, metrics=[torch.tensor(m) for m in metrics], **kwargs
        ),
        shown,
    )


def test_preview_of_a_composite_built_by_a_function():
    def warmup_then_cosine(opt):
        return lrlib.SequentialLR(
            opt,
            [
                lrlib.LinearLR(opt, start_factor=0.1, total_iters=10),
                lrlib.CosineAnnealingLR(opt, T_max=90),
            ],
            milestones=[10],
        )

    def torch_warmup_then_cosine(opt):
        return torch_schedulers.SequentialLR(
            opt,
            [
                torch_schedulers.LinearLR(opt, start_factor=0.1, total_iters=10),
                torch_schedulers.CosineAnnealingLR(opt, T_max=90),
            ],
            milestones=[10],
        )

    shown = lrlib.preview(warmup_then_cosine, 100, lr=0.1)
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.1, momentum=0.9)
    sched = torch_warmup_then_cosine(opt)
    theirs = [opt.param_groups[0]["lr"]]
    for _ in range(99):
        opt.step()
        sched.step()
        theirs.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(shown, theirs, rtol=1e-9, atol=1e-15)
    assert shown[0] == pytest.approx(0.01) and shown[10] == pytest.approx(0.1)


def test_preview_steps_is_the_length():
    for steps in (1, 2, 17):
        shown = lrlib.preview(lrlib.StepLR, steps, lr=0.1, step_size=3)
        assert shown.shape == (steps,)
        assert shown[0] == 0.1


@pytest.mark.parametrize("steps", [0, -1, 2.5, "10", math.nan])
def test_preview_bad_steps(steps):
    with pytest.raises((ValueError, TypeError)) as info:
        lrlib.preview(lrlib.StepLR, steps, lr=0.1, step_size=3)
    assert "steps" in str(info.value) and (
        repr(steps) in str(info.value) or str(steps) in str(info.value)
    )


def test_preview_plateau_metrics_of_wrong_length():
    metrics = plateau_metrics(30)
    with pytest.raises(ValueError) as info:
        lrlib.preview(lrlib.ReduceLROnPlateau, 40, lr=0.1, metrics=metrics)
    assert "metrics" in str(info.value) and "30" in str(info.value) and "40" in str(info.value)


def test_preview_plateau_needs_metrics():
    with pytest.raises(ValueError) as info:
        lrlib.preview(lrlib.ReduceLROnPlateau, 40, lr=0.1)
    assert "metrics" in str(info.value)


def test_preview_metrics_only_for_plateau():
    with pytest.raises(ValueError) as info:
        lrlib.preview(lrlib.StepLR, 5, lr=0.1, metrics=[1.0] * 5, step_size=2)
    assert "metrics" in str(info.value)


@pytest.mark.parametrize("lr", [-0.1, math.nan, "0.1"])
def test_preview_bad_lr(lr):
    with pytest.raises((ValueError, TypeError)) as info:
        lrlib.preview(lrlib.StepLR, 5, lr=lr, step_size=2)
    assert "lr" in str(info.value)


@pytest.mark.parametrize("name", registry.NAMES)
def test_preview_by_name_runs_every_example_of_the_registry(name):
    """preview(name) builds from the registry; it equals torch's twin, built the same way."""
    for example in registry.get(name).examples:
        shown = lrlib.preview(
            name, example.steps, lr=example.lr, metrics=example.metrics, **example.kwargs
        )
        assert shown.shape == (example.steps,) and len(np.unique(shown)) >= 2
        if not hasattr(torch_schedulers, name):
            continue
        param = torch.nn.Parameter(torch.zeros(1))
        opt = torch.optim.SGD([param], lr=example.lr, momentum=0.9)
        sched = registry.build(name, opt, torch_schedulers, **example.kwargs)
        theirs = [opt.param_groups[0]["lr"]]
        for i in range(example.steps - 1):
            opt.step()
            sched.step(example.metrics[i]) if example.metrics else sched.step()
            theirs.append(opt.param_groups[0]["lr"])
        np.testing.assert_allclose(shown, theirs, rtol=1e-9, atol=1e-12 * example.lr)


def test_preview_bad_scheduler_and_arguments():
    with pytest.raises(ValueError) as info:
        lrlib.preview("StepRL", 5, lr=0.1, step_size=2)
    assert "StepRL" in str(info.value) and "StepLR" in str(info.value)
    with pytest.raises(TypeError) as info:
        lrlib.preview(42, 5, lr=0.1)
    assert "scheduler" in str(info.value) and "42" in str(info.value)
    with pytest.raises(ValueError) as info:  # the scheduler's own checks still apply
        lrlib.preview(lrlib.StepLR, 5, lr=0.1, step_size=0)
    assert "step_size" in str(info.value)
    with pytest.raises((ValueError, TypeError)) as info:
        lrlib.preview(lrlib.StepLR, 5, lr=0.1, step_size=2, optimizer="lbfgs")
    assert "optimizer" in str(info.value) and "lbfgs" in str(info.value)
