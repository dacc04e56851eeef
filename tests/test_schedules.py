"""lrlib.schedules: pure, vectorised schedule formulas that equal torch's schedulers.

For each schedule function and several random parameter sets:

- an array of steps in gives an array of the same shape out (1-D and 2-D,
  int or float steps, or a list), element for element equal to the scalar
  calls, and a scalar step gives a float;
- the values over a run equal the lr (or momentum) that torch's scheduler
  sets at each step, to relative 1e-9.
"""

import math

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as torch_schedulers

from lrlib import schedules


def half_sine_scale(x):
    return 0.5 * (1.0 + math.sin(x * math.pi / 2.0))


def geometric_scale(x):
    return 0.995**x


def draw(rng, kind):
    """(schedule function, kwargs, torch class, torch kwargs, steps, base lr, what to compare)."""
    lr = float(10 ** rng.uniform(-3, 0))
    if kind == "step_decay":
        step_size, gamma = int(rng.integers(1, 40)), float(rng.uniform(0.1, 0.9))
        return (
            schedules.step_decay,
            {"base_lr": lr, "step_size": step_size, "gamma": gamma},
            "StepLR",
            {"step_size": step_size, "gamma": gamma},
            200,
            lr,
            "lr",
        )
    if kind == "multistep_decay":
        ms = sorted(
            int(m)
            for m in rng.choice(np.arange(1, 200), size=int(rng.integers(1, 5)), replace=False)
        )
        gamma = float(rng.uniform(0.1, 0.9))
        return (
            schedules.multistep_decay,
            {"base_lr": lr, "milestones": ms, "gamma": gamma},
            "MultiStepLR",
            {"milestones": ms, "gamma": gamma},
            220,
            lr,
            "lr",
        )
    if kind == "exponential_decay":
        gamma = float(rng.uniform(0.9, 0.999))
        return (
            schedules.exponential_decay,
            {"base_lr": lr, "gamma": gamma},
            "ExponentialLR",
            {"gamma": gamma},
            300,
            lr,
            "lr",
        )
    if kind == "cosine_annealing":
        t_max, eta_min = int(rng.integers(1, 100)), float(lr * rng.uniform(0, 0.3))
        return (
            schedules.cosine_annealing,
            {"base_lr": lr, "T_max": t_max, "eta_min": eta_min},
            "CosineAnnealingLR",
            {"T_max": t_max, "eta_min": eta_min},
            3 * t_max + 5,
            lr,
            "lr",
        )
    if kind == "cosine_warm_restarts":
        t0, mult, eta_min = (
            int(rng.integers(1, 30)),
            int(rng.choice([1, 2, 3])),
            float(lr * rng.uniform(0, 0.3)),
        )
        return (
            schedules.cosine_warm_restarts,
            {"base_lr": lr, "T_0": t0, "T_mult": mult, "eta_min": eta_min},
            "CosineAnnealingWarmRestarts",
            {"T_0": t0, "T_mult": mult, "eta_min": eta_min},
            300,
            lr,
            "lr",
        )
    if kind in ("cyclic", "cyclic_momentum"):
        base, top = float(lr / rng.uniform(2, 20)), lr
        kw = {
            "step_size_up": int(rng.integers(1, 40)),
            "step_size_down": int(rng.integers(1, 40)) if rng.random() < 0.5 else None,
        }
        variant = int(rng.integers(0, 5))
        if variant < 3:
            kw["mode"] = ("triangular", "triangular2", "exp_range")[variant]
            if variant == 2:
                kw["gamma"] = float(rng.uniform(0.99, 0.9999))
        else:
            kw["scale_fn"] = (half_sine_scale, geometric_scale)[int(rng.integers(0, 2))]
            kw["scale_mode"] = ("cycle", "iterations")[variant - 3]
        if kind == "cyclic":
            return (
                schedules.cyclic,
                {"base_lr": base, "max_lr": top, **kw},
                "CyclicLR",
                {"base_lr": base, "max_lr": top, "cycle_momentum": False, **kw},
                300,
                top,
                "lr",
            )
        lo, hi = float(rng.uniform(0.5, 0.85)), float(rng.uniform(0.86, 0.99))
        return (
            schedules.cyclic_momentum,
            {"base_momentum": lo, "max_momentum": hi, **kw},
            "CyclicLR",
            {"base_lr": base, "max_lr": top, "base_momentum": lo, "max_momentum": hi, **kw},
            300,
            hi,
            "momentum",
        )
    if kind in ("one_cycle", "one_cycle_momentum"):
        total = int(rng.integers(20, 300))
        three = bool(rng.random() < 0.5)
        kw = {
            "total_steps": total,
            "pct_start": float(rng.uniform(0.1, 0.45 if three else 0.9)),
            "anneal_strategy": ("cos", "linear")[int(rng.integers(0, 2))],
            "three_phase": three,
        }
        div, final = float(rng.uniform(2, 50)), float(10 ** rng.uniform(1, 5))
        if kind == "one_cycle":
            return (
                schedules.one_cycle,
                {"max_lr": lr, "div_factor": div, "final_div_factor": final, **kw},
                "OneCycleLR",
                {
                    "max_lr": lr,
                    "div_factor": div,
                    "final_div_factor": final,
                    "cycle_momentum": False,
                    **kw,
                },
                total,
                lr,
                "lr",
            )
        lo, hi = float(rng.uniform(0.5, 0.85)), float(rng.uniform(0.86, 0.99))
        return (
            schedules.one_cycle_momentum,
            {"base_momentum": lo, "max_momentum": hi, **kw},
            "OneCycleLR",
            {"max_lr": lr, "base_momentum": lo, "max_momentum": hi, **kw},
            total,
            hi,
            "momentum",
        )
    if kind == "linear":
        kw = {
            "start_factor": float(rng.uniform(0.01, 1)),
            "end_factor": float(rng.uniform(0, 1)),
            "total_iters": int(rng.integers(1, 100)),
        }
        return schedules.linear, {"base_lr": lr, **kw}, "LinearLR", kw, 150, lr, "lr"
    if kind == "constant":
        kw = {"factor": float(rng.uniform(0.01, 1)), "total_iters": int(rng.integers(1, 100))}
        return schedules.constant, {"base_lr": lr, **kw}, "ConstantLR", kw, 150, lr, "lr"
    if kind == "polynomial":
        kw = {"total_iters": int(rng.integers(1, 100)), "power": float(rng.uniform(0.1, 3))}
        return schedules.polynomial, {"base_lr": lr, **kw}, "PolynomialLR", kw, 150, lr, "lr"
    raise AssertionError(kind)


KINDS = (
    "step_decay",
    "multistep_decay",
    "exponential_decay",
    "cosine_annealing",
    "cosine_warm_restarts",
    "cyclic",
    "cyclic_momentum",
    "one_cycle",
    "one_cycle_momentum",
    "linear",
    "constant",
    "polynomial",
)
PER_KIND = 8
DRAWS = [
    (kind, i, draw(np.random.default_rng([11, k, i]), kind))
    for k, kind in enumerate(KINDS)
    for i in range(PER_KIND)
]


def draw_id(entry):
    kind, i, (_, kwargs, *_rest) = entry
    extra = kwargs.get("mode") or getattr(kwargs.get("scale_fn"), "__name__", "")
    return f"{kind}-{i}" + (f"-{extra}-{kwargs.get('scale_mode', '')}".rstrip("-") if extra else "")


def torch_sequence(name, kwargs, steps, lr, what):
    """The lr (or momentum) torch's scheduler sets after construction and each step."""
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=lr, momentum=0.9)
    sched = getattr(torch_schedulers, name)(opt, **kwargs)
    group = opt.param_groups[0]
    values = [group[what]]
    opt.step()
    for _ in range(steps - 1):
        sched.step()
        values.append(group[what])
    return np.array(values)


@pytest.mark.parametrize("entry", DRAWS, ids=draw_id)
def test_array_in_array_out_equal_to_scalar_calls(entry):
    _, _, (fn, kwargs, _, _, steps, scale, _) = entry
    t = np.arange(steps)
    values = fn(t, **kwargs)
    assert isinstance(values, np.ndarray) and values.shape == t.shape, type(values)
    assert values.dtype == np.float64
    scalars = [fn(int(s), **kwargs) for s in t]
    for s, v in zip(t[:3], scalars[:3]):
        assert isinstance(v, float), f"{fn.__name__}({s}) returned {type(v).__name__}"
    np.testing.assert_allclose(values, scalars, rtol=1e-13, atol=1e-15 * scale)
    # 2-D float array, and a plain list
    grid = t[: (steps // 2) * 2].reshape(2, -1).astype(float)
    np.testing.assert_allclose(
        fn(grid, **kwargs), values[: grid.size].reshape(grid.shape), rtol=1e-13, atol=1e-15 * scale
    )
    np.testing.assert_allclose(
        fn(list(t[:10]), **kwargs), values[:10], rtol=1e-13, atol=1e-15 * scale
    )


@pytest.mark.parametrize("entry", DRAWS, ids=draw_id)
def test_schedule_equals_torch_scheduler(entry):
    _, _, (fn, kwargs, name, torch_kwargs, steps, scale, what) = entry
    values = fn(np.arange(steps), **kwargs)
    theirs = torch_sequence(name, torch_kwargs, steps, scale if what == "lr" else 0.1, what)
    np.testing.assert_allclose(
        values,
        theirs,
        rtol=1e-9,
        atol=1e-12 * scale,
        err_msg=f"{fn.__name__}({kwargs}) differs from torch's {name}",
    )


@pytest.mark.filterwarnings("ignore:The epoch parameter in `scheduler.step\\(\\)`:UserWarning")
@pytest.mark.parametrize("T_0, T_mult, iters", [(3, 1, 4), (5, 2, 3), (2, 2, 7), (4, 4, 5)])
def test_warm_restarts_fractional_epochs_equal_torch(T_0, T_mult, iters):
    epochs = np.array([e + i / iters for e in range(60) for i in range(iters)])
    values = schedules.cosine_warm_restarts(epochs, 0.1, T_0, T_mult, 0.001)
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.1)
    sched = torch_schedulers.CosineAnnealingWarmRestarts(opt, T_0, T_mult, 0.001)
    theirs = []
    for epoch in epochs:
        sched.step(float(epoch))
        theirs.append(opt.param_groups[0]["lr"])
    np.testing.assert_allclose(values, theirs, rtol=1e-9, atol=1e-13)


@pytest.mark.parametrize("T_0, T_mult", [(1, 3), (2, 3), (1, 10), (3, 2), (5, 1)])
def test_warm_restarts_restart_at_every_restart_epoch(T_0, T_mult):
    """At the k-th restart epoch T_cur is exactly 0 (the lr is base_lr), arrays and scalars.

    torch's step(epoch) takes the cycle number from a float logarithm and misses
    some of these (T_0=1, T_mult=3, epoch 121: math.log(243, 3) < 5).
    """
    restarts = [T_0 * (T_mult**k - 1) // (T_mult - 1) if T_mult > 1 else T_0 * k for k in range(12)]
    restarts = [r for r in restarts if r < 10**6]
    t_cur, t_i = schedules.warm_restart_position(np.array(restarts), T_0, T_mult)
    np.testing.assert_array_equal(t_cur, 0)
    np.testing.assert_array_equal(
        t_i, [T_0 * T_mult**k for k in range(len(restarts))] if T_mult > 1 else T_0
    )
    np.testing.assert_array_equal(
        schedules.cosine_warm_restarts(np.array(restarts), 0.1, T_0, T_mult), 0.1
    )
    for r in restarts:
        assert schedules.cosine_warm_restarts(r, 0.1, T_0, T_mult) == 0.1
        assert schedules.cosine_warm_restarts(r - 0.5, 0.1, T_0, T_mult) < 0.1 or r == 0


@pytest.mark.parametrize(
    "start, end, total",
    [(1 / 3, 1.0, 5), (0.01, 1.0, 37), (1.0, 0.0, 40), (0.5, 0.2, 7), (0.9, 0.9, 3)],
)
def test_linear_factor_is_the_ratio_of_consecutive_values(start, end, total):
    t = np.arange(1, total + 1)
    ratio = schedules.linear(t, 1.0, start, end, total) / schedules.linear(
        t - 1, 1.0, start, end, total
    )
    np.testing.assert_allclose(
        schedules.linear_factor(t, start, end, total), ratio, rtol=1e-12, atol=1e-15
    )
    assert schedules.linear_factor(int(t[-1]), start, end, total) == pytest.approx(
        ratio[-1], rel=1e-12
    )


@pytest.mark.parametrize("total, power", [(5, 1.0), (40, 2.0), (17, 0.5), (3, 0.0)])
def test_polynomial_factor_is_the_ratio_of_consecutive_values(total, power):
    t = np.arange(1, total + 1)
    ratio = schedules.polynomial(t, 1.0, total, power) / schedules.polynomial(
        t - 1, 1.0, total, power
    )
    np.testing.assert_allclose(
        schedules.polynomial_factor(t, total, power), ratio, rtol=1e-12, atol=1e-15
    )
    assert schedules.polynomial_factor(int(t[-1]), total, power) == pytest.approx(
        ratio[-1], abs=1e-15
    )


def test_plateau_rules_equal_torch():
    """plateau_improved and plateau_reduced decide as torch's ReduceLROnPlateau does."""
    rng = np.random.default_rng(5)
    param = torch.nn.Parameter(torch.zeros(1))
    opt = torch.optim.SGD([param], lr=0.1)
    values = [0.0, 1.0, -1.0, 0.5, 0.99995, 1.00005, -0.99995, 1e-4] + list(rng.normal(size=40))
    for mode in ("min", "max"):
        for threshold_mode in ("rel", "abs"):
            for threshold in (0.0, 1e-4, 0.1):
                reference = torch_schedulers.ReduceLROnPlateau(
                    opt, mode=mode, threshold=threshold, threshold_mode=threshold_mode
                )
                for best in values[:8] + [math.inf, -math.inf]:
                    for current in values:
                        expected = reference._is_better(current, best)
                        got = schedules.plateau_improved(
                            current, best, mode, threshold, threshold_mode
                        )
                        assert bool(got) == expected, (
                            mode,
                            threshold_mode,
                            threshold,
                            current,
                            best,
                        )
    for lr, factor, min_lr, eps in [
        (0.1, 0.5, 0.0, 1e-8),
        (0.1, 0.5, 0.08, 1e-8),
        (0.1, 0.5, 0.2, 1e-8),
        (1e-8, 0.5, 0.0, 1e-8),
        (0.1, 0.1, 0.0, 0.095),
        (0.1, 0.1, 0.0, 0.085),
    ]:
        expected = max(lr * factor, min_lr)
        expected = expected if lr - expected > eps else lr
        assert schedules.plateau_reduced(lr, factor, min_lr, eps) == expected


def test_every_public_function_has_a_docstring():
    for name in schedules.__all__:
        doc = getattr(schedules, name).__doc__ or ""
        assert len(doc.strip()) > 20, f"schedules.{name} has no docstring"
