"""lrlib's schedulers equal torch's, value for value, on random configurations.

Every configuration builds the scheduler twice, from lrlib and from
``torch.optim.lr_scheduler``, on identical fresh optimizers (one to three
param groups with different lrs; SGD, Adam or AdamW), steps both the same way
and compares, after construction and after every step:

- the lr of every param group,
- the momentum (SGD) or beta1 (Adam, AdamW) of every group, which CyclicLR and
  OneCycleLR cycle and every other scheduler must leave alone,
- ``get_last_lr()``,

to relative 1e-9. Values at or near zero (a cosine at its end with eta_min 0,
a polynomial decay at its end) get an absolute slack of 1e-12 times the
largest lr of the schedule.

The configurations come from a seeded generator (tests/scheduler_cases.py);
``CONFIGURATIONS`` gives their number per class and ``TOTAL_CONFIGURATIONS``
the sum, which is also printed by ``python tests/test_schedulers_equal_torch.py``.
SequentialLR and ChainedScheduler are compared in three layouts: lrlib's
container with lrlib's parts, torch's container with lrlib's parts, lrlib's
container with torch's parts, each against torch's container with torch's parts.
Smaller sets check ``step(epoch)`` (the closed form) and construction with
``last_epoch=k``.
"""

import inspect

import numpy as np
import pytest
from torch.optim import lr_scheduler as torch_schedulers

import lrlib

try:  # tests/ is a plain folder on sys.path (pytest's default rootdir-less import)
    import scheduler_cases as sc
except ImportError:  # tests/ imported as a package
    from tests import scheduler_cases as sc

RTOL = 1e-9
ATOL_FRACTION = 1e-12

CONFIGURATIONS = {name: 40 for name in sc.CLASS_NAMES}  # every class torch also has
CONFIGURATIONS.update(
    {
        "ExponentialLR": 30,
        "CosineAnnealingLR": 50,
        "CosineAnnealingWarmRestarts": 60,  # half plain steps, half fractional epochs
        # 20 each: triangular, triangular2, exp_range, custom cycle, custom iterations
        "CyclicLR": 100,
        "OneCycleLR": 80,  # cos/linear x two/three phases, total_steps or epochs*steps_per_epoch
        "ReduceLROnPlateau": 100,  # min/max x rel/abs, noisy metric sequences
        "SequentialLR": 60,
        "ChainedScheduler": 60,
    }
)
TOTAL_CONFIGURATIONS = sum(CONFIGURATIONS.values())

# A composite is compared in three layouts: (library of the container, library of the parts).
COMPOSITE_LAYOUTS = (("lrlib", "lrlib"), ("torch", "lrlib"), ("lrlib", "torch"))

CASES = {name: sc.make_cases(name, count) for name, count in CONFIGURATIONS.items()}
SINGLE_CASES = [c for name in CONFIGURATIONS if name not in sc.COMPOSITES for c in CASES[name]]
COMPOSITE_CASES = [c for name in sc.COMPOSITES for c in CASES[name]]

pytestmark = pytest.mark.filterwarnings(
    # torch's deprecation notice for step(epoch), used on purpose with
    # CosineAnnealingWarmRestarts' fractional epochs.
    "ignore:The epoch parameter in `scheduler.step\\(\\)`:UserWarning",
)


def assert_sequences_close(actual, expected, what, case):
    """Fail with the first differing call and group when the sequences differ."""
    actual = np.asarray(actual, dtype=float)
    expected = np.asarray(expected, dtype=float)
    assert actual.shape == expected.shape, (
        f"{case.id}: {what}: lrlib gives {actual.shape} (calls, groups), torch {expected.shape}"
    )
    tolerance = RTOL * np.abs(expected) + ATOL_FRACTION * case.scale
    bad = ~(np.abs(actual - expected) <= tolerance)  # NaN counts as bad
    if bad.any():
        call, group = np.argwhere(bad)[0]
        pytest.fail(
            f"{case.id}: {what} differs from torch at call {call} (0 = right after "
            f"construction), group {group}: lrlib {actual[call, group]!r}, torch "
            f"{expected[call, group]!r}; {int(bad.sum())} of {bad.size} values off. "
            f"optimizer={case.optimizer} kwargs={case.kwargs}"
        )


def assert_plain_floats(shots, case):
    """lrlib writes Python floats, as torch does.

    A numpy scalar in a param group would make the optimizer's state_dict
    unloadable with torch.load(weights_only=True).
    """
    for call, (lrs, moms, last) in enumerate(shots):
        for what, values in (
            ("param_group['lr']", lrs),
            ("momentum/beta1", moms),
            ("get_last_lr()", last),
        ):
            for group, value in enumerate(values):
                assert type(value) is float, (
                    f"{case.id}: {what} of group {group} after call {call} is "
                    f"{type(value).__name__} {value!r}, torch writes a float"
                )


def compare(case, ours, theirs):
    ours_shots, theirs_shots = ours, theirs
    lrs, moms, last = sc.as_arrays(ours_shots)
    t_lrs, t_moms, t_last = sc.as_arrays(theirs_shots)
    assert_sequences_close(lrs, t_lrs, "lr", case)
    assert_sequences_close(moms, t_moms, "momentum/beta1", case)
    assert_sequences_close(last, t_last, "get_last_lr()", case)


@pytest.mark.parametrize("case", SINGLE_CASES, ids=lambda c: c.id)
def test_scheduler_equals_torch(case):
    opt, sched = sc.build(case, "lrlib")
    assert isinstance(sched, torch_schedulers.LRScheduler)
    ours = sc.run(case, opt, sched)
    t_opt, t_sched = sc.build(case, "torch")
    theirs = sc.run(case, t_opt, t_sched)
    compare(case, ours, theirs)
    assert_plain_floats(ours, case)


@pytest.mark.parametrize(
    "layout", COMPOSITE_LAYOUTS, ids=lambda layout: f"{layout[0]}_of_{layout[1]}_parts"
)
@pytest.mark.parametrize("case", COMPOSITE_CASES, ids=lambda c: c.id)
def test_composite_equals_torch(case, layout):
    outer, inner = layout
    opt, sched = sc.build(case, outer, inner)
    ours = sc.run(case, opt, sched)
    t_opt, t_sched = sc.build(case, "torch", "torch")
    theirs = sc.run(case, t_opt, t_sched)
    compare(case, ours, theirs)
    assert_plain_floats(ours, case)


CLOSED_FORM_CLASSES = sc.CHAINABLE + ("CosineAnnealingWarmRestarts",)
# T_mult=3 left out for warm restarts:
# see test_warm_restarts_step_epoch_restarts_where_torch_misses.
CLOSED_FORM_CASES = [
    c
    for name in CLOSED_FORM_CLASSES
    for c in sc.make_cases(name, 12, seed=3)
    if c.kwargs.get("T_mult") != 3
]
LAST_EPOCH_CASES = [
    c
    for name in CLOSED_FORM_CLASSES + ("CyclicLR", "OneCycleLR")
    for c in sc.make_cases(name, 6, seed=4)
]


def stepped_to(case, module, epochs):
    opt, sched = sc.build(case, module)
    values = []
    for epoch in epochs:
        sched.step(epoch)
        values.append([g["lr"] for g in opt.param_groups] + list(sched.get_last_lr()))
    return np.array(values, dtype=float)


@pytest.mark.parametrize("case", CLOSED_FORM_CASES, ids=lambda c: c.id)
def test_step_to_an_epoch_equals_torch(case):
    """step(epoch) (deprecated in torch, but SequentialLR uses it) jumps by the closed form."""
    rng = np.random.default_rng([5, case.index])
    epochs = [int(e) for e in rng.integers(0, 300, size=30)]
    ours, theirs = stepped_to(case, "lrlib", epochs), stepped_to(case, "torch", epochs)
    assert_sequences_close(ours, theirs, f"lr after step(epoch) for epochs {epochs}", case)


@pytest.mark.parametrize("case", LAST_EPOCH_CASES, ids=lambda c: c.id)
def test_construction_with_last_epoch_equals_torch(case):
    """torch's older resume path: a new scheduler with last_epoch=k on the stepped optimizer."""
    k = max(1, case.steps // 2)
    results = []
    for module in ("lrlib", "torch"):
        opt, sched = sc.build(case, module)
        for i in range(k):
            sc.step_once(case, sched, i)
        cls = getattr(sc._module(module), case.name)
        resumed = cls(opt, last_epoch=k, **case.kwargs)
        shots = [sc.snapshot(opt, resumed)]
        for _ in range(min(5, case.steps - k)):
            resumed.step()
            shots.append(sc.snapshot(opt, resumed))
        results.append(sc.as_arrays(shots))
    for what, ours, theirs in zip(("lr", "momentum/beta1", "get_last_lr()"), *results):
        assert_sequences_close(ours, theirs, f"{what} after construction with last_epoch={k}", case)


def test_onecycle_stepped_past_total_steps_raises_like_torch():
    for module in (lrlib, torch_schedulers):
        opt = sc.make_optimizer({"kind": "sgd", "lrs": [0.1], "momentum": 0.9})
        sched = module.OneCycleLR(opt, max_lr=0.1, total_steps=10)
        opt.step()
        for _ in range(10):
            sched.step()
        with pytest.raises(ValueError, match="10"):
            sched.step()


def test_every_variant_is_drawn():
    """The random draw covers each mode the issue names (guards the generator itself)."""
    ids = [c.id for c in SINGLE_CASES + COMPOSITE_CASES]

    def count(*words):
        return sum(all(w in i for w in words) for i in ids)

    for words in [
        ("CyclicLR", "triangular-"),
        ("CyclicLR", "triangular2"),
        ("CyclicLR", "exp_range"),
        ("CyclicLR", "scale-cycle"),
        ("CyclicLR", "scale-iterations"),
        ("CyclicLR", "momentum-sgd"),
        ("CyclicLR", "momentum-adam"),
        ("OneCycleLR", "cos-two"),
        ("OneCycleLR", "linear-three"),
        ("OneCycleLR", "total_steps"),
        ("OneCycleLR", "epochs"),
        ("OneCycleLR", "momentum-sgd"),
        ("OneCycleLR", "momentum-adamw"),
        ("CosineAnnealingLR", "past_T_max"),
        ("CosineAnnealingWarmRestarts", "fractional"),
        ("CosineAnnealingWarmRestarts", "plain"),
        ("ReduceLROnPlateau", "min-rel"),
        ("ReduceLROnPlateau", "max-abs"),
        ("ReduceLROnPlateau", "min-abs"),
        ("ReduceLROnPlateau", "max-rel"),
        ("ReduceLROnPlateau", "per_group"),
        ("ReduceLROnPlateau", "min_lr_scalar"),
        ("ReduceLROnPlateau", "tensor"),
        ("ReduceLROnPlateau", "rounded"),
        ("SequentialLR", "warmup_cosine"),
        ("SequentialLR", "constant_exponential"),
        ("SequentialLR", "warmup_restarts"),
        ("SequentialLR", "random"),
        ("ChainedScheduler", "ConstantLR+ExponentialLR"),
        ("ChainedScheduler", "ConstantLR+StepLR"),
        ("ChainedScheduler", "ConstantLR+MultiStepLR"),
        ("ChainedScheduler", "ConstantLR+CosineAnnealingLR"),
        ("LambdaLR", "cosine_annealing"),
        ("LambdaLR", "halving_every_ten"),
        ("MultiplicativeLR", "ConstantFactor"),
        ("MultiplicativeLR", "gentle_factor"),
    ]:
        assert count(*words) >= 2, f"no more than {count(*words)} configuration(s) with {words}"
    plateau = CASES["ReduceLROnPlateau"]
    assert any(c.kwargs.get("cooldown", 0) > 0 for c in plateau)
    assert any("eps" in c.kwargs for c in plateau)
    assert any(len(c.optimizer["lrs"]) == 3 for c in SINGLE_CASES)
    assert max(c.steps for c in SINGLE_CASES) >= 300


@pytest.mark.parametrize(
    "T_0, T_mult, restart", [(1, 3, 121), (2, 3, 242), (1, 10, 111), (1, 3, 364)]
)
def test_warm_restarts_step_epoch_restarts_where_torch_misses(T_0, T_mult, restart):
    """The one place lrlib differs from torch on purpose.

    torch's CosineAnnealingWarmRestarts.step(epoch) takes the cycle number from
    int(math.log(...)), and math.log(243, 3) = 4.999... puts epoch 121
    (T_0=1, T_mult=3) at the end of the previous cycle (lr = eta_min) instead of
    at a restart (lr = base_lr). lrlib restarts there. The random fractional-epoch
    configurations above leave T_mult=3 out for this reason.
    """
    opt = sc.make_optimizer({"kind": "sgd", "lrs": [0.1], "momentum": 0.9})
    sched = lrlib.CosineAnnealingWarmRestarts(opt, T_0=T_0, T_mult=T_mult, eta_min=0.001)
    sched.step(restart)
    assert opt.param_groups[0]["lr"] == 0.1
    sched.step(restart - 0.5)
    assert 0.001 < opt.param_groups[0]["lr"] < 0.0011


@pytest.mark.parametrize("name", sc.CLASS_NAMES)
def test_class_is_torch_lrscheduler_with_torch_signature(name):
    ours, theirs = getattr(lrlib, name), getattr(torch_schedulers, name)
    assert issubclass(ours, torch_schedulers.LRScheduler)
    ours_params = inspect.signature(ours.__init__).parameters
    theirs_params = inspect.signature(theirs.__init__).parameters
    assert list(ours_params) == list(theirs_params), f"{name}: argument names or order differ"
    for arg, param in theirs_params.items():
        assert ours_params[arg].default == param.default, (
            f"{name}({arg}=...): default {ours_params[arg].default!r}, torch {param.default!r}"
        )
        assert ours_params[arg].kind == param.kind, f"{name}({arg}): kind differs"


if __name__ == "__main__":
    for name, count in CONFIGURATIONS.items():
        print(f"{name:28s} {count:4d}")
    print(f"{'total configurations':28s} {TOTAL_CONFIGURATIONS:4d}")
    print(f"composites are compared in {len(COMPOSITE_LAYOUTS)} layouts each")
    print(
        f"plus {len(CLOSED_FORM_CASES)} configurations stepped with step(epoch) and "
        f"{len(LAST_EPOCH_CASES)} rebuilt with last_epoch=k"
    )
