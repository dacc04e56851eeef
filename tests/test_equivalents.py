"""Equivalent schedules in other libraries, checked by running them.

The lesson "Lightning and other libraries" (notebooks/31) has tables of the schedules
that Hugging Face transformers, timm, Keras and optax offer and the PyTorch scheduler
(or lrlib formula) each one equals. This module checks every row that claims an
equality, step by step, and pins the differences the tables warn about (an lr of 0 at
the first warmup step, a boundary that changes one step later, defaults that differ
from torch's).

Those libraries are not part of the book's environment, so CI skips the tests that
need them. ``make equivalents`` installs the versions pinned in
``requirements-equivalents.txt`` beside ``.venv`` and runs them. The one test that needs
none, :func:`test_the_lesson_tables_name_only_what_this_module_runs`, runs everywhere.
"""

import json
import math
import os
import re
import warnings
from pathlib import Path

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as torch_schedulers

import lrlib
from lrlib import schedules

LR = 0.5
STEPS = 60


def assert_close(ours, theirs, float32=False):
    """Equal to float64 rounding, or to float32's where the library computes in float32."""
    rtol, atol = (3e-5, 1e-8) if float32 else (1e-9, 1e-12)
    np.testing.assert_allclose(
        np.asarray(ours, dtype=float), np.asarray(theirs, dtype=float), rtol=rtol, atol=atol
    )


def assert_close32(ours, theirs):
    assert_close(ours, theirs, float32=True)


def function_lrs(schedule, steps=STEPS):
    """Keras' and optax's schedules are functions of the step count."""
    return np.array([float(schedule(t)) for t in range(steps)])


def hf_lrs(make, steps=STEPS, lr=LR):
    """Hugging Face schedules are LambdaLR objects: preview them like any torch scheduler."""
    return lrlib.preview(make, steps, lr=lr)


# --------------------------------------------------------------- Hugging Face transformers


@pytest.fixture(scope="module")
def hf():
    return pytest.importorskip("transformers.optimization")


def test_hf_linear_warmup_then_linear_decay(hf):
    W, T = 10, STEPS
    theirs = hf_lrs(lambda o: hf.get_linear_schedule_with_warmup(o, W, T))
    t = np.arange(STEPS)
    warm = schedules.linear(t, LR, start_factor=0.0, end_factor=1.0, total_iters=W)
    decay = schedules.polynomial(t - W, LR, total_iters=T - W, power=1.0)
    assert_close(theirs, np.where(t < W, warm, decay))
    assert theirs[0] == 0.0  # the first step trains with lr 0
    with pytest.raises(ValueError, match="start_factor"):
        lrlib.LinearLR(
            torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR), start_factor=0.0
        )  # torch's LinearLR cannot start at 0 either


def test_hf_cosine_with_warmup_is_cosine_annealing_after_the_warmup(hf):
    W, T = 10, STEPS
    theirs = hf_lrs(lambda o: hf.get_cosine_schedule_with_warmup(o, W, T))
    t = np.arange(STEPS)
    ours = np.where(t < W, LR * t / W, schedules.cosine_annealing(t - W, LR, T_max=T - W))
    assert_close(theirs, ours)
    # after the warmup, the same curve as torch's CosineAnnealingLR started at step W
    after = lrlib.preview(lrlib.CosineAnnealingLR, T - W, lr=LR, T_max=T - W)
    assert_close(theirs[W:], after)


def test_hf_hard_restarts_equal_warm_restarts(hf):
    W, T, cycles = 5, 65, 3  # (T - W) / cycles = 20 steps per cycle
    theirs = hf_lrs(
        lambda o: hf.get_cosine_with_hard_restarts_schedule_with_warmup(o, W, T, num_cycles=cycles),
        steps=T,
    )
    restarts = lrlib.preview(lrlib.CosineAnnealingWarmRestarts, T - W, lr=LR, T_0=20)
    assert_close(theirs[W:], restarts)


def test_hf_polynomial_decay_ends_at_an_absolute_lr_end(hf):
    W, T = 5, STEPS
    theirs = hf_lrs(
        lambda o: hf.get_polynomial_decay_schedule_with_warmup(o, W, T, lr_end=0.0, power=2.0)
    )
    after = lrlib.preview(lrlib.PolynomialLR, T - W, lr=LR, total_iters=T - W, power=2.0)
    assert_close(theirs[W:], after)
    # lr_end defaults to 1e-7, an absolute lr (not a fraction of the initial one)
    default = hf_lrs(lambda o: hf.get_polynomial_decay_schedule_with_warmup(o, W, T), steps=T + 5)
    assert default[-1] == pytest.approx(1e-7, rel=1e-6)


def test_hf_constant_with_warmup(hf):
    theirs = hf_lrs(lambda o: hf.get_constant_schedule_with_warmup(o, 8))
    t = np.arange(STEPS)
    assert_close(theirs, schedules.linear(t, LR, start_factor=0.0, end_factor=1.0, total_iters=8))


def test_hf_inverse_sqrt_has_no_torch_class(hf):
    W = 10
    theirs = hf_lrs(lambda o: hf.get_inverse_sqrt_schedule(o, num_warmup_steps=W))
    t = np.arange(STEPS)
    # timescale defaults to the warmup length: lr = base / sqrt(t / W) once t >= W
    expected = np.where(t < W, LR * t / W, LR / np.sqrt(np.maximum(t, 1) / W))
    assert_close(theirs, expected)


def test_hf_wsd_is_warmup_stable_decay(hf):
    W, S, D = 5, 30, 25
    theirs = hf_lrs(
        lambda o: hf.get_wsd_schedule(o, W, D, num_stable_steps=S, decay_type="linear"),
        steps=W + S + D,
    )
    t = np.arange(W + S + D)
    decay = schedules.polynomial(t - W - S, LR, total_iters=D, power=1.0)
    expected = np.where(t < W, LR * t / W, np.where(t < W + S, LR, decay))
    assert_close(theirs, expected)


# --------------------------------------------------------------------------------- timm


@pytest.fixture(scope="module")
def timm_scheduler():
    return pytest.importorskip("timm.scheduler")


def timm_lrs(make, steps=STEPS, lr=LR):
    """timm's schedulers are set for an epoch with step(epoch), not advanced by step()."""
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=lr, momentum=0.9)
    sched = make(opt)
    out = []
    for t in range(steps):
        sched.step(t)
        out.append(opt.param_groups[0]["lr"])
    return np.array(out)


def test_timm_schedulers_are_not_torch_lrschedulers(timm_scheduler):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    sched = timm_scheduler.CosineLRScheduler(opt, t_initial=10)
    assert not isinstance(sched, torch_schedulers.LRScheduler)
    assert isinstance(lrlib.CosineAnnealingLR(opt, T_max=10), torch_schedulers.LRScheduler)


def test_timm_cosine_equals_cosine_annealing_then_holds(timm_scheduler):
    T = 40
    theirs = timm_lrs(lambda o: timm_scheduler.CosineLRScheduler(o, t_initial=T, lr_min=0.01))
    ours = lrlib.preview(lrlib.CosineAnnealingLR, STEPS, lr=LR, T_max=T, eta_min=0.01)
    assert_close(theirs[:T], ours[:T])
    # past t_initial timm holds lr_min; torch's cosine climbs back up
    assert np.allclose(theirs[T:], 0.01) and ours[-1] > 0.1


def test_timm_cosine_cycles_equal_warm_restarts(timm_scheduler):
    theirs = timm_lrs(
        lambda o: timm_scheduler.CosineLRScheduler(o, t_initial=10, cycle_mul=2, cycle_limit=3),
        steps=70,
    )
    ours = lrlib.preview(lrlib.CosineAnnealingWarmRestarts, 70, lr=LR, T_0=10, T_mult=2)
    assert_close(theirs, ours)


def test_timm_step_equals_steplr(timm_scheduler):
    theirs = timm_lrs(lambda o: timm_scheduler.StepLRScheduler(o, decay_t=7, decay_rate=0.5))
    assert_close(theirs, lrlib.preview(lrlib.StepLR, STEPS, lr=LR, step_size=7, gamma=0.5))


def test_timm_multistep_decays_one_step_before_the_milestone(timm_scheduler):
    theirs = timm_lrs(
        lambda o: timm_scheduler.MultiStepLRScheduler(o, decay_t=[10, 25], decay_rate=0.1)
    )
    torch_like = lrlib.preview(lrlib.MultiStepLR, STEPS, lr=LR, milestones=[10, 25])
    assert_close(theirs, lrlib.preview(lrlib.MultiStepLR, STEPS, lr=LR, milestones=[9, 24]))
    assert not np.allclose(theirs, torch_like)


def test_timm_plateau_defaults_to_mode_max(timm_scheduler):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", FutureWarning)  # deprecated from timm 1.0.31 on
        sched = timm_scheduler.PlateauLRScheduler(opt)
    assert sched.lr_scheduler.mode == "max"


def test_timm_poly_defaults_to_power_half(timm_scheduler):
    T = 40
    theirs = timm_lrs(lambda o: timm_scheduler.PolyLRScheduler(o, t_initial=T), steps=T)
    assert_close(theirs, lrlib.preview(lrlib.PolynomialLR, T, lr=LR, total_iters=T, power=0.5))


# -------------------------------------------------------------------------------- Keras


@pytest.fixture(scope="module")
def keras_schedules():
    os.environ.setdefault("KERAS_BACKEND", "jax")
    return pytest.importorskip("keras").optimizers.schedules


def test_keras_exponential_decay_staircase_is_steplr(keras_schedules):
    theirs = function_lrs(
        keras_schedules.ExponentialDecay(LR, decay_steps=7, decay_rate=0.5, staircase=True)
    )
    assert_close32(theirs, lrlib.preview(lrlib.StepLR, STEPS, lr=LR, step_size=7, gamma=0.5))


def test_keras_exponential_decay_smooth_is_exponentiallr_with_the_root(keras_schedules):
    theirs = function_lrs(keras_schedules.ExponentialDecay(LR, decay_steps=7, decay_rate=0.5))
    assert_close32(theirs, lrlib.preview(lrlib.ExponentialLR, STEPS, lr=LR, gamma=0.5 ** (1 / 7)))


def test_keras_piecewise_constant_changes_one_step_after_the_boundary(keras_schedules):
    theirs = function_lrs(keras_schedules.PiecewiseConstantDecay([10, 25], [LR, LR / 10, LR / 100]))
    torch_like = lrlib.preview(lrlib.MultiStepLR, STEPS, lr=LR, milestones=[10, 25])
    one_later = lrlib.preview(lrlib.MultiStepLR, STEPS, lr=LR, milestones=[11, 26])
    assert_close32(theirs, one_later)
    assert not np.allclose(theirs, torch_like)


def test_keras_cosine_decay_alpha_is_a_fraction(keras_schedules):
    T = 40
    theirs = function_lrs(keras_schedules.CosineDecay(LR, decay_steps=T, alpha=0.1))
    ours = lrlib.preview(lrlib.CosineAnnealingLR, STEPS, lr=LR, T_max=T, eta_min=0.1 * LR)
    assert_close32(theirs[: T + 1], ours[: T + 1])
    assert np.allclose(theirs[T:], 0.1 * LR)  # holds alpha * lr after decay_steps


def test_keras_cosine_decay_warmup_comes_before_decay_steps(keras_schedules):
    W, D = 10, 40
    theirs = function_lrs(
        keras_schedules.CosineDecay(0.0, decay_steps=D, warmup_target=LR, warmup_steps=W),
        steps=W + D + 1,
    )
    t = np.arange(W + D + 1)
    expected = np.where(t < W, LR * t / W, schedules.cosine_annealing(t - W, LR, T_max=D))
    assert_close32(theirs, expected)


def test_keras_cosine_decay_restarts_doubles_by_default(keras_schedules):
    theirs = function_lrs(keras_schedules.CosineDecayRestarts(LR, first_decay_steps=10), steps=70)
    ours = lrlib.preview(lrlib.CosineAnnealingWarmRestarts, 70, lr=LR, T_0=10, T_mult=2)
    assert_close32(theirs, ours)


def test_keras_polynomial_decay_ends_at_1e4_by_default(keras_schedules):
    T = 40
    theirs = function_lrs(
        keras_schedules.PolynomialDecay(LR, decay_steps=T, end_learning_rate=0.0, power=2.0)
    )
    assert_close32(
        theirs[: T + 1], lrlib.preview(lrlib.PolynomialLR, T + 1, lr=LR, total_iters=T, power=2.0)
    )
    default = function_lrs(keras_schedules.PolynomialDecay(LR, decay_steps=T), steps=T + 5)
    assert default[-1] == pytest.approx(1e-4, rel=1e-5)


def test_keras_inverse_time_decay(keras_schedules):
    theirs = function_lrs(keras_schedules.InverseTimeDecay(LR, decay_steps=10, decay_rate=0.5))
    t = np.arange(STEPS)
    assert_close32(theirs, LR / (1 + 0.5 * t / 10))


# -------------------------------------------------------------------------------- optax


@pytest.fixture(scope="module")
def optax():
    return pytest.importorskip("optax")


def test_optax_exponential_decay(optax):
    theirs = function_lrs(
        optax.exponential_decay(LR, transition_steps=7, decay_rate=0.5, staircase=True)
    )
    assert_close32(theirs, lrlib.preview(lrlib.StepLR, STEPS, lr=LR, step_size=7, gamma=0.5))
    theirs = function_lrs(optax.exponential_decay(LR, transition_steps=1, decay_rate=0.9))
    assert_close32(theirs, lrlib.preview(lrlib.ExponentialLR, STEPS, lr=LR, gamma=0.9))


def test_optax_piecewise_constant_is_multisteplr(optax):
    theirs = function_lrs(optax.piecewise_constant_schedule(LR, {10: 0.1, 25: 0.1}))
    assert_close32(theirs, lrlib.preview(lrlib.MultiStepLR, STEPS, lr=LR, milestones=[10, 25]))


def test_optax_cosine_decay(optax):
    T = 40
    theirs = function_lrs(optax.cosine_decay_schedule(LR, decay_steps=T, alpha=0.1))
    ours = lrlib.preview(lrlib.CosineAnnealingLR, T + 1, lr=LR, T_max=T, eta_min=0.1 * LR)
    assert_close32(theirs[: T + 1], ours)


def test_optax_warmup_cosine_counts_the_warmup_in_decay_steps(optax):
    W, T = 10, STEPS
    theirs = function_lrs(
        optax.warmup_cosine_decay_schedule(0.0, LR, warmup_steps=W, decay_steps=T)
    )
    t = np.arange(STEPS)
    expected = np.where(t < W, LR * t / W, schedules.cosine_annealing(t - W, LR, T_max=T - W))
    assert_close32(theirs, expected)


def test_optax_polynomial_and_linear(optax):
    T = 40
    theirs = function_lrs(optax.polynomial_schedule(LR, 0.0, power=2, transition_steps=T))
    assert_close32(
        theirs, lrlib.preview(lrlib.PolynomialLR, STEPS, lr=LR, total_iters=T, power=2.0)
    )
    theirs = function_lrs(optax.linear_schedule(0.1 * LR, LR, transition_steps=T))
    assert_close32(
        theirs, lrlib.preview(lrlib.LinearLR, STEPS, lr=LR, start_factor=0.1, total_iters=T)
    )


def test_optax_cosine_onecycle_against_onecyclelr(optax):
    T = 100
    theirs = function_lrs(optax.cosine_onecycle_schedule(T, LR), steps=T)
    ours = lrlib.preview(lrlib.OneCycleLR, T, lr=LR, max_lr=LR, total_steps=T)
    assert theirs[0] == pytest.approx(ours[0], rel=1e-6)  # max_lr / 25
    assert theirs.max() == pytest.approx(LR, rel=1e-6)
    assert math.isclose(float(np.argmax(theirs)), 30) and int(np.argmax(ours)) == 29


# ------------------------------------- transformers' schedules as lrlib classes, step by step

LRS = (LR, 0.05, 0.2)  # param groups; optimizer.defaults["lr"] is the first


def group_lrs(make, steps, lrs=LRS):
    """The lr of every group after construction and each step(): shape (steps, groups)."""
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs]
    opt = torch.optim.SGD(groups, lr=lrs[0])
    sched = make(opt)
    out = [[g["lr"] for g in opt.param_groups]]
    for _ in range(steps - 1):
        opt.step()
        sched.step()
        out.append([g["lr"] for g in opt.param_groups])
    return np.array(out)


def assert_same_run(ours, theirs):
    """Equal to relative 1e-12 at every step, in every group; a 0 must be a 0."""
    np.testing.assert_allclose(ours, theirs, rtol=1e-12, atol=0)


# (lrlib kwargs, transformers function name, its kwargs, steps)
HF_COSINE = [
    (
        {"num_warmup_steps": 10, "num_training_steps": 200},
        "get_cosine_schedule_with_warmup",
        {"num_warmup_steps": 10, "num_training_steps": 200},
        260,
    ),
    (
        {"num_warmup_steps": 0, "num_training_steps": 100, "num_cycles": 1.5},
        "get_cosine_schedule_with_warmup",
        {"num_warmup_steps": 0, "num_training_steps": 100, "num_cycles": 1.5},
        150,
    ),
    (
        {"num_warmup_steps": 1, "num_training_steps": 400, "num_cycles": 1.0},
        "get_cosine_schedule_with_warmup",
        {"num_warmup_steps": 1, "num_training_steps": 400, "num_cycles": 1.0},
        450,
    ),
    (
        {"num_warmup_steps": 20, "num_training_steps": 300, "min_lr_rate": 0.1},
        "get_cosine_with_min_lr_schedule_with_warmup",
        {"num_warmup_steps": 20, "num_training_steps": 300, "min_lr_rate": 0.1},
        320,
    ),
    (
        {"num_warmup_steps": 7, "num_training_steps": 90, "num_cycles": 0.75, "min_lr_rate": 0.02},
        "get_cosine_with_min_lr_schedule_with_warmup",
        {"num_warmup_steps": 7, "num_training_steps": 90, "num_cycles": 0.75, "min_lr_rate": 0.02},
        120,
    ),
]
HF_WSD = [
    (
        {
            "num_warmup_steps": w,
            "num_decay_steps": d,
            **total,
            "warmup_type": up,
            "decay_type": down,
            "min_lr_ratio": r,
            "num_cycles": cycles,
        },
        steps,
    )
    for (w, d, total, r, cycles, steps) in [
        (10, 40, {"num_training_steps": 200}, 0.0, 0.5, 230),
        (25, 100, {"num_stable_steps": 300}, 0.1, 0.5, 450),
        (1, 30, {"num_stable_steps": 0}, 0.05, 1.0, 40),
        (0, 60, {"num_training_steps": 100}, 0.0, 0.5, 110),
    ]
    for up in ("linear", "cosine", "1-sqrt")
    for down in ("linear", "cosine", "1-sqrt")
]
HF_INVERSE_SQRT = [
    ({"num_warmup_steps": 10}, 300),
    ({"num_warmup_steps": 0}, 200),
    ({"num_warmup_steps": 20, "timescale": 5}, 300),
    ({"num_warmup_steps": 1, "timescale": 300}, 300),
    ({"num_warmup_steps": 100}, 2000),
]


@pytest.mark.parametrize("ours, name, theirs, steps", HF_COSINE, ids=[str(c[0]) for c in HF_COSINE])
def test_hf_cosine_schedules_equal_warmup_cosine_lr(hf, ours, name, theirs, steps):
    expected = group_lrs(lambda o: getattr(hf, name)(o, **theirs), steps)
    assert_same_run(group_lrs(lambda o: lrlib.WarmupCosineLR(o, **ours), steps), expected)
    kw = dict(ours)
    rate = kw.pop("min_lr_rate", 0.0)
    t = np.arange(steps)
    closed = np.stack([schedules.warmup_cosine(t, lr, eta_min=rate * lr, **kw) for lr in LRS], 1)
    assert_same_run(closed, expected)
    assert expected[0, 0] == (0.0 if ours["num_warmup_steps"] else LR)


def test_hf_min_lr_is_a_fraction_of_the_default_lr_and_eta_min_is_absolute(hf):
    """transformers turns min_lr into min_lr / optimizer.defaults['lr'] for every group;
    lrlib's eta_min is the same absolute floor in every group, as in torch's CosineAnnealingLR."""
    kw = {"num_warmup_steps": 5, "num_training_steps": 80}
    steps = 100
    theirs = group_lrs(
        lambda o: hf.get_cosine_with_min_lr_schedule_with_warmup(o, min_lr=0.005, **kw), steps
    )
    ours = group_lrs(lambda o: lrlib.WarmupCosineLR(o, eta_min=0.005, **kw), steps)
    assert_same_run(ours[:, 0], theirs[:, 0])  # the group whose lr is the default
    assert theirs[80, 1] == pytest.approx(0.005 * LRS[1] / LR) and ours[80, 1] == 0.005


@pytest.mark.parametrize("ours, steps", HF_WSD, ids=[str(c[0]) for c in HF_WSD])
def test_hf_wsd_equals_warmup_stable_decay_lr(hf, ours, steps):
    expected = group_lrs(lambda o: hf.get_wsd_schedule(o, **ours), steps)
    assert_same_run(group_lrs(lambda o: lrlib.WarmupStableDecayLR(o, **ours), steps), expected)
    kw = dict(ours)
    w, d = kw.pop("num_warmup_steps"), kw.pop("num_decay_steps")
    s = kw.pop("num_stable_steps", None)
    if s is None:
        s = kw.pop("num_training_steps") - w - d
    t = np.arange(steps)
    closed = np.stack([schedules.warmup_stable_decay(t, lr, w, s, d, **kw) for lr in LRS], 1)
    assert_same_run(closed, expected)


def test_hf_wsd_with_both_lengths_warns_where_lrlib_checks_them(hf):
    opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=LR)
    with pytest.warns(UserWarning, match="num_stable_steps will be used"):
        hf.get_wsd_schedule(opt, 5, 10, num_training_steps=50, num_stable_steps=20)
    with pytest.raises(ValueError, match="num_stable_steps=20"):
        lrlib.WarmupStableDecayLR(opt, 5, 10, num_training_steps=50, num_stable_steps=20)
    lrlib.WarmupStableDecayLR(opt, 5, 10, num_training_steps=50, num_stable_steps=35)


@pytest.mark.parametrize("ours, steps", HF_INVERSE_SQRT, ids=[str(c[0]) for c in HF_INVERSE_SQRT])
def test_hf_inverse_sqrt_equals_inverse_sqrt_lr(hf, ours, steps):
    expected = group_lrs(lambda o: hf.get_inverse_sqrt_schedule(o, **ours), steps)
    assert_same_run(group_lrs(lambda o: lrlib.InverseSqrtLR(o, **ours), steps), expected)
    t = np.arange(steps)
    closed = np.stack([schedules.inverse_sqrt(t, lr, **ours) for lr in LRS], 1)
    assert_same_run(closed, expected)


# ------------------------------------------------ the lesson's tables name only what runs here

LESSON = Path(__file__).resolve().parents[1] / "notebooks" / "31_lightning_and_libraries.ipynb"
_CALL = re.compile(r"`((?:lrlib\.)?[A-Za-z_]\w*)\(")  # `name(` in a table cell


def table_names(notebook=LESSON):
    """Every function or class called in the first two columns of the lesson's tables."""
    cells = json.loads(notebook.read_text(encoding="utf-8"))["cells"]
    markdown = "\n".join("".join(c["source"]) for c in cells if c["cell_type"] == "markdown")
    names = set()
    for line in markdown.splitlines():
        columns = line.split(" | ")
        if line.startswith("| `") and len(columns) >= 3:
            names.update(_CALL.findall(" ".join(columns[:2])))
    return names


def test_the_lesson_tables_name_only_what_this_module_runs():
    """A row of the tables is a fact this module checks: every name in it appears in a test here."""
    names = table_names()
    assert len(names) >= 30, sorted(names)  # the four tables were found
    source = (
        Path(__file__)
        .read_text(encoding="utf-8")
        .split("# ------------------------------------------------ the lesson's")[0]
    )
    missing = sorted(
        n for n in names if not re.search(rf"\b{re.escape(n.split('.')[-1])}\b", source)
    )
    assert not missing, (
        f"the lesson's tables name {missing}, which tests/test_equivalents.py never runs"
    )
