"""WarmupCosineLR, WarmupStableDecayLR and InverseSqrtLR: the schedules of transformers.

These classes have no twin in torch, so instead of torch's values:

- stepping them one step at a time gives, at every step of a whole run and in every
  param group, the closed form of :mod:`lrlib.schedules` to relative 1e-9 (they step by
  the ratio of consecutive values, which is what makes them chainable);
- the pure functions take arrays and give the scalar calls' values;
- a run interrupted by ``torch.save`` / ``torch.load(weights_only=True)`` of both states
  continues exactly as the uninterrupted run;
- they compose: in SequentialLR (first or later) and in ChainedScheduler;
- ``preview`` and ``step(epoch)`` give the closed form.

``make equivalents`` (tests/test_equivalents.py) checks them against transformers itself.
"""

import io
import warnings

import numpy as np
import pytest
import torch

import lrlib
from lrlib import schedules

LRS = (0.1, 0.03, 0.5)  # one lr per param group

# (class name, kwargs, steps): whole runs, past the end of each schedule
CONFIGS = [
    ("WarmupCosineLR", {"num_warmup_steps": 10, "num_training_steps": 100}, 130),
    (
        "WarmupCosineLR",
        {"num_warmup_steps": 1, "num_training_steps": 60, "num_cycles": 1.5, "eta_min": 0.002},
        80,
    ),
    ("WarmupCosineLR", {"num_warmup_steps": 0, "num_training_steps": 50, "min_lr_rate": 0.1}, 70),
    ("WarmupCosineLR", {"num_warmup_steps": 25, "num_training_steps": 25, "num_cycles": 1.0}, 40),
    (
        "WarmupStableDecayLR",
        {
            "num_warmup_steps": 10,
            "num_decay_steps": 30,
            "num_training_steps": 100,
            "decay_type": "1-sqrt",
        },
        120,
    ),
    (
        "WarmupStableDecayLR",
        {
            "num_warmup_steps": 7,
            "num_decay_steps": 20,
            "num_stable_steps": 15,
            "warmup_type": "cosine",
            "min_lr_ratio": 0.1,
        },
        50,
    ),
    (
        "WarmupStableDecayLR",
        {
            "num_warmup_steps": 5,
            "num_decay_steps": 40,
            "num_stable_steps": 0,
            "warmup_type": "1-sqrt",
            "decay_type": "cosine",
            "num_cycles": 1.0,
            "min_lr_ratio": 0.05,
        },
        60,
    ),
    (
        "WarmupStableDecayLR",
        {
            "num_warmup_steps": 0,
            "num_decay_steps": 25,
            "num_training_steps": 60,
            "decay_type": "linear",
        },
        70,
    ),
    ("InverseSqrtLR", {"num_warmup_steps": 10}, 200),
    ("InverseSqrtLR", {"num_warmup_steps": 0}, 100),
    ("InverseSqrtLR", {"num_warmup_steps": 20, "timescale": 5}, 150),
    ("InverseSqrtLR", {"num_warmup_steps": 1, "timescale": 300}, 150),
]
NAMES = ("WarmupCosineLR", "WarmupStableDecayLR", "InverseSqrtLR")


def config_id(config):
    name, kwargs, _ = config
    return name + "-" + "-".join(f"{k}={v}" for k, v in kwargs.items())


def make_optimizer(lrs=LRS, kind="sgd"):
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": lr} for lr in lrs]
    if kind == "adam":
        return torch.optim.Adam(groups, lr=lrs[0])
    return torch.optim.SGD(groups, lr=lrs[0], momentum=0.9)


def lrs_of(opt):
    return [float(g["lr"]) for g in opt.param_groups]


def closed_form(name, kwargs, t, base_lr):
    """The lr from lrlib.schedules alone, as the class documents it."""
    kw = dict(kwargs)
    if name == "WarmupCosineLR":
        rate = kw.pop("min_lr_rate", None)
        if rate is not None:
            kw["eta_min"] = rate * base_lr
        return schedules.warmup_cosine(t, base_lr, **kw)
    if name == "WarmupStableDecayLR":
        stable = kw.pop("num_stable_steps", None)
        total = kw.pop("num_training_steps", None)
        if stable is None:
            stable = total - kw["num_warmup_steps"] - kw["num_decay_steps"]
        return schedules.warmup_stable_decay(
            t, base_lr, kw.pop("num_warmup_steps"), stable, kw.pop("num_decay_steps"), **kw
        )
    return schedules.inverse_sqrt(t, base_lr, **kw)


def stepped(name, kwargs, steps, kind="sgd"):
    """The lr of every group after construction and after each step: shape (steps, groups)."""
    opt = make_optimizer(kind=kind)
    sched = getattr(lrlib, name)(opt, **kwargs)
    out = [lrs_of(opt)]
    for _ in range(steps - 1):
        opt.step()
        sched.step()
        out.append(lrs_of(opt))
    return np.array(out)


@pytest.mark.parametrize("kind", ["sgd", "adam"])
@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_stepping_equals_the_closed_form(config, kind):
    name, kwargs, steps = config
    ours = stepped(name, kwargs, steps, kind)
    t = np.arange(steps)
    expected = np.stack([closed_form(name, kwargs, t, lr) for lr in LRS], axis=1)
    np.testing.assert_allclose(ours, expected, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_closed_form_method_and_step_epoch(config):
    name, kwargs, steps = config
    opt = make_optimizer()
    sched = getattr(lrlib, name)(opt, **kwargs)
    for t in (steps - 1, 3, 0, steps // 2, 1):
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")  # torch's deprecation of step(epoch)
            sched.step(t)
        expected = [closed_form(name, kwargs, t, lr) for lr in LRS]
        np.testing.assert_allclose(sched._get_closed_form_lr(), expected, rtol=1e-12)
        np.testing.assert_allclose(lrs_of(opt), expected, rtol=1e-12)
        opt.step()
        sched.step()  # a plain step after the jump continues from step t
        expected = [closed_form(name, kwargs, t + 1, lr) for lr in LRS]
        np.testing.assert_allclose(lrs_of(opt), expected, rtol=1e-12, atol=1e-15)


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_arrays_in_arrays_out(config):
    name, kwargs, steps = config
    t = np.arange(steps).reshape(-1, 2) if steps % 2 == 0 else np.arange(steps)
    values = closed_form(name, kwargs, t, 0.1)
    assert isinstance(values, np.ndarray) and values.shape == t.shape
    scalars = [closed_form(name, kwargs, int(s), 0.1) for s in t.ravel()]
    assert all(isinstance(s, float) for s in scalars)
    assert values.ravel().tolist() == scalars


def test_warmups_from_zero_give_lr_zero_at_step_zero_as_transformers():
    for name, kwargs, _ in CONFIGS:
        ours = stepped(name, kwargs, 3)
        warms = kwargs["num_warmup_steps"] > 0
        floor = kwargs.get("min_lr_ratio", 0.0)
        np.testing.assert_allclose(ours[0], np.array(LRS) * (floor if warms else 1.0), rtol=1e-15)


def test_preview_equals_the_closed_form():
    for name, kwargs, steps in CONFIGS:
        shown = lrlib.preview(getattr(lrlib, name), steps, lr=0.2, **kwargs)
        np.testing.assert_allclose(
            shown, closed_form(name, kwargs, np.arange(steps), 0.2), rtol=1e-9, atol=1e-15
        )


def save_and_load(opt, sched):
    buffer = io.BytesIO()
    torch.save({"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)


@pytest.mark.parametrize("config", CONFIGS, ids=config_id)
def test_resume_from_a_checkpoint_continues_exactly(config):
    name, kwargs, steps = config
    uninterrupted = stepped(name, kwargs, steps, "adam")
    cuts = sorted({1, kwargs["num_warmup_steps"], steps // 3, steps - 2})
    opt = make_optimizer(kind="adam")
    sched = getattr(lrlib, name)(opt, **kwargs)
    resumed = [lrs_of(opt)]
    done = 0
    for cut in cuts + [steps - 1]:
        for _ in range(cut - done):
            opt.step()
            sched.step()
            resumed.append(lrs_of(opt))
        done = cut
        checkpoint = save_and_load(opt, sched)
        opt = make_optimizer(kind="adam")
        sched = getattr(lrlib, name)(opt, **kwargs)  # construction resets the lrs...
        opt.load_state_dict(checkpoint["optimizer"])  # ...which the loaded states restore
        sched.load_state_dict(checkpoint["scheduler"])
        assert lrs_of(opt) == resumed[-1]
        assert [float(v) for v in sched.get_last_lr()] == resumed[-1]
    assert np.array_equal(np.array(resumed), uninterrupted)


def test_state_dict_holds_plain_values():
    for name, kwargs, _ in CONFIGS:
        state = getattr(lrlib, name)(make_optimizer(), **kwargs).state_dict()
        for key, value in state.items():
            assert isinstance(value, (int, float, str, bool, list, type(None))), (name, key, value)


@pytest.mark.parametrize("position", ["first", "second"])
@pytest.mark.parametrize("config", [CONFIGS[0], CONFIGS[5], CONFIGS[8]], ids=config_id)
def test_in_sequential_lr(config, position):
    name, kwargs, steps = config
    opt = make_optimizer()
    ours = getattr(lrlib, name)(opt, **kwargs)
    other = lrlib.ConstantLR(opt, factor=0.5, total_iters=1000)
    milestone = 12
    parts = [ours, other] if position == "first" else [other, ours]
    seq = lrlib.SequentialLR(opt, parts, milestones=[milestone])
    got = [lrs_of(opt)]
    for _ in range(steps - 1):
        opt.step()
        seq.step()
        got.append(lrs_of(opt))
    got = np.array(got)
    t = np.arange(steps)
    for i, lr in enumerate(LRS):
        if position == "first":
            expected = np.where(t < milestone, closed_form(name, kwargs, t, lr), 0.5 * lr)
        else:  # the schedule starts from its own step 0 at the milestone
            expected = np.where(
                t < milestone, 0.5 * lr, closed_form(name, kwargs, np.maximum(t - milestone, 0), lr)
            )
        np.testing.assert_allclose(got[:, i], expected, rtol=1e-9, atol=1e-15)


UNFLOORED = [c for c in CONFIGS if not {"eta_min", "min_lr_rate"} & set(c[1])]


@pytest.mark.parametrize("config", UNFLOORED, ids=config_id)
def test_chained_with_a_decay_multiplies_the_factors(config):
    """Chainable: listed first, each step's ratio scales whatever the others made of the lr.

    Where the schedule was 0 at the step before, no ratio exists and the lr restarts
    from the closed form: the decay's factor counts from there. (A floor given as an
    absolute eta_min stays absolute, as in torch's CosineAnnealingLR: not tested here.)
    """
    name, kwargs, steps = config
    opt = make_optimizer()
    parts = [getattr(lrlib, name)(opt, **kwargs), lrlib.ExponentialLR(opt, gamma=0.98)]
    chained = lrlib.ChainedScheduler(parts)
    got = [lrs_of(opt)]
    for _ in range(steps - 1):
        opt.step()
        chained.step()
        got.append(lrs_of(opt))
    t = np.arange(steps)
    unit = closed_form(name, kwargs, t, 1.0)
    last_zero = np.maximum.accumulate(np.where(unit == 0, t, 0))
    since = t - np.concatenate([[0], last_zero[:-1]])
    expected = np.stack([closed_form(name, kwargs, t, lr) * 0.98**since for lr in LRS], axis=1)
    np.testing.assert_allclose(np.array(got), expected, rtol=1e-9, atol=1e-15)


def test_leaving_zero_restarts_from_the_closed_form():
    """After a step at lr 0 no ratio exists: the lr becomes base_lr * unit(1), as documented.

    Factors that other chained schedulers applied before that step are then lost, so a
    warmup from 0 goes first in a ChainedScheduler.
    """
    opt = make_optimizer()
    parts = [
        lrlib.ConstantLR(opt, factor=0.5, total_iters=50),
        lrlib.WarmupCosineLR(opt, num_warmup_steps=4, num_training_steps=20),
    ]
    chained = lrlib.ChainedScheduler(parts)
    assert lrs_of(opt) == [0.0] * len(LRS)
    opt.step()
    chained.step()
    np.testing.assert_allclose(lrs_of(opt), np.array(LRS) / 4, rtol=1e-15)


def test_wsd_phases_are_where_transformers_puts_them():
    opt = make_optimizer([1.0])
    lrlib.WarmupStableDecayLR(
        opt,
        num_warmup_steps=4,
        num_decay_steps=4,
        num_stable_steps=2,
        decay_type="linear",
        min_lr_ratio=0.2,
    )
    t = np.arange(12)
    values = schedules.warmup_stable_decay(t, 1.0, 4, 2, 4, decay_type="linear", min_lr_ratio=0.2)
    np.testing.assert_allclose(
        values, [0.2, 0.4, 0.6, 0.8, 1.0, 1.0, 1.0, 0.8, 0.6, 0.4, 0.2, 0.2], rtol=1e-12
    )


def test_cooldown_shapes_of_hagele_et_al():
    p = np.linspace(0, 1, 11)
    np.testing.assert_allclose(schedules.cooldown_shape(p, "1-sqrt"), 1 - np.sqrt(p))
    np.testing.assert_allclose(schedules.cooldown_shape(p, "linear"), 1 - p)
    np.testing.assert_allclose(schedules.cooldown_shape(p, "cosine"), (1 + np.cos(np.pi * p)) / 2)
    # 1-sqrt holds the lr higher than linear early in the cooldown, lower late
    assert schedules.cooldown_shape(0.04, "1-sqrt") < schedules.cooldown_shape(0.04, "linear")
    with pytest.raises(ValueError, match="decay_type"):
        schedules.cooldown_shape(p, "sqrt")
    with pytest.raises(ValueError, match="warmup_type"):
        schedules.warmup_shape(p, "exp")


def test_inverse_sqrt_timescale_default():
    # timescale=None: num_warmup_steps, or 10000 without a warmup
    assert schedules.inverse_sqrt(30, 1.0, 8) == schedules.inverse_sqrt(30, 1.0, 8, timescale=8)
    assert schedules.inverse_sqrt(30, 1.0, 0) == schedules.inverse_sqrt(30, 1.0, 0, 10_000)
    shown = lrlib.preview(lrlib.InverseSqrtLR, 50, lr=1.0, num_warmup_steps=0)
    np.testing.assert_allclose(shown, 1 / np.sqrt((np.arange(50) + 10_000) / 10_000), rtol=1e-12)
    # with timescale = W: base_lr * sqrt(W / t) after the warmup
    t = np.arange(8, 100)
    np.testing.assert_allclose(schedules.inverse_sqrt(t, 1.0, 8), np.sqrt(8 / t), rtol=1e-14)


def test_new_classes_are_public_and_documented():
    for name in NAMES:
        cls = getattr(lrlib, name)
        assert name in lrlib.schedulers.__all__
        assert issubclass(cls, lrlib.LRScheduler) and cls.__doc__
        assert "last_epoch" in cls.__init__.__code__.co_varnames
