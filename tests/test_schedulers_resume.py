"""Resuming lrlib's schedulers from a checkpoint continues the exact sequence.

For random configurations of every class, a run is interrupted at two random
steps. At each interruption the optimizer's and the scheduler's state_dicts
are saved with ``torch.save`` (to memory or to a file) and loaded with
``torch.load(weights_only=True)`` (torch's default, spelled out so that an
environment variable cannot turn it off), into a fresh optimizer and a fresh
scheduler built with the same arguments, in torch's documented order: the
scheduler is constructed first (construction overwrites the groups' lrs),
then ``optimizer.load_state_dict``, then ``scheduler.load_state_dict``. The
resumed sequence must equal the uninterrupted one exactly, and torch's to
relative 1e-9.

CyclicLR's custom scale functions: torch never pickles a plain function or a
lambda into the state_dict (it stores None; a function could not be loaded with
weights_only=True anyway), so a resumed CyclicLR must be constructed with the
same scale_fn again; the random configurations do that. For a callable object,
torch saves its ``__dict__`` (plain numbers load fine with weights_only=True)
and restores it into the object given at construction: tested separately.
"""

import io
import warnings

import numpy as np
import pytest
import torch
from torch.optim import lr_scheduler as torch_schedulers

import lrlib

try:
    import scheduler_cases as sc
except ImportError:
    from tests import scheduler_cases as sc

RESUME_CONFIGURATIONS = {name: 6 for name in sc.CLASS_NAMES}
RESUME_CONFIGURATIONS.update(
    {
        "CyclicLR": 10,
        "OneCycleLR": 8,
        "CosineAnnealingWarmRestarts": 8,
        "ReduceLROnPlateau": 10,
        "SequentialLR": 8,
        "ChainedScheduler": 8,
    }
)
CASES = [c for name, n in RESUME_CONFIGURATIONS.items() for c in sc.make_cases(name, n, seed=1)]

pytestmark = pytest.mark.filterwarnings(
    "ignore:The epoch parameter in `scheduler.step\\(\\)`:UserWarning",
)


def save_and_load(opt, sched, path=None):
    """Checkpoint through torch.save / torch.load(weights_only=True)."""
    checkpoint = {"optimizer": opt.state_dict(), "scheduler": sched.state_dict()}
    if path is None:
        buffer = io.BytesIO()
        torch.save(checkpoint, buffer)
        buffer.seek(0)
        return torch.load(buffer, weights_only=True)
    torch.save(checkpoint, path)
    return torch.load(path, weights_only=True)


def resume(case, checkpoint):
    """Fresh optimizer and scheduler, state loaded in torch's documented order."""
    opt, sched = sc.build(case, "lrlib")
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        opt.load_state_dict(checkpoint["optimizer"])
        sched.load_state_dict(checkpoint["scheduler"])
    resume_warnings = [str(w.message) for w in caught if "load_state_dict" in str(w.message)]
    assert not resume_warnings, f"{case.id}: the safe order warned: {resume_warnings}"
    return opt, sched


def split_points(case):
    rng = np.random.default_rng([7, sc.name_seed(case.name), case.index])
    first, second = sorted(int(k) for k in rng.integers(0, case.steps + 1, size=2))
    return first, second


@pytest.mark.parametrize("case", CASES, ids=lambda c: c.id)
def test_resume_continues_the_uninterrupted_sequence(case, tmp_path):
    first, second = split_points(case)
    path = tmp_path / "checkpoint.pt" if case.index % 2 else None

    opt, sched = sc.build(case, "lrlib")
    uninterrupted = sc.as_arrays(sc.run(case, opt, sched))

    opt, sched = sc.build(case, "lrlib")
    shots = sc.run(case, opt, sched, 0, first)
    for start, stop in ((first, second), (second, case.steps)):
        opt, sched = resume(case, save_and_load(opt, sched, path))
        after_load = sc.snapshot(opt, sched)
        assert sc.as_arrays([after_load])[0].tolist() == sc.as_arrays(shots[-1:])[0].tolist(), (
            f"{case.id}: lrs right after loading the checkpoint of step {start} differ"
        )
        assert list(map(float, after_load[2])) == list(map(float, shots[-1][2])), (
            f"{case.id}: get_last_lr() right after loading the checkpoint of step {start} differs"
        )
        shots += sc.run(case, opt, sched, start, stop, initial=False)
    resumed = sc.as_arrays(shots)

    for what, ours, theirs in zip(
        ("lr", "momentum/beta1", "get_last_lr()"), resumed, uninterrupted
    ):
        if not np.array_equal(ours, theirs):
            call, group = np.argwhere(ours != theirs)[0]
            pytest.fail(
                f"{case.id}: resumed at steps {first} and {second}: {what} at call {call}, "
                f"group {group} is {ours[call, group]!r}, uninterrupted {theirs[call, group]!r}"
            )

    t_opt, t_sched = sc.build(case, "torch")
    torch_lrs = sc.as_arrays(sc.run(case, t_opt, t_sched))[0]
    np.testing.assert_allclose(
        resumed[0],
        torch_lrs,
        rtol=1e-9,
        atol=1e-12 * case.scale,
        err_msg=f"{case.id}: resumed lrs differ from torch's",
    )


def test_every_class_is_resumed():
    assert {c.name for c in CASES} == set(sc.CLASS_NAMES)
    cyclic = [c for c in CASES if c.name == "CyclicLR"]
    assert any("mode" in c.kwargs for c in cyclic) and any("scale_fn" in c.kwargs for c in cyclic)


@pytest.mark.parametrize("library", ["lrlib", "torch"])
def test_cyclic_callable_scale_object_state_is_restored(library):
    """A callable object's attributes travel in the state_dict, as torch does it."""
    module = {"lrlib": lrlib, "torch": torch_schedulers}[library]
    spec = {"kind": "sgd", "lrs": [0.1, 0.01], "momentum": 0.9}

    def make(scale):
        opt = sc.make_optimizer(spec)
        sched = module.CyclicLR(
            opt,
            base_lr=[0.01, 0.001],
            max_lr=[0.1, 0.05],
            step_size_up=7,
            scale_fn=scale,
            scale_mode="iterations",
        )
        opt.step()
        return opt, sched

    opt, sched = make(sc.GeometricScale(0.99))
    uninterrupted = []
    for _ in range(60):
        sched.step()
        uninterrupted.append([g["lr"] for g in opt.param_groups])

    opt, sched = make(sc.GeometricScale(0.99))
    resumed = []
    for _ in range(25):
        sched.step()
        resumed.append([g["lr"] for g in opt.param_groups])
    checkpoint = save_and_load(opt, sched)
    opt, sched = make(sc.GeometricScale(0.5))  # a stale object; its ratio must be overwritten
    opt.load_state_dict(checkpoint["optimizer"])
    sched.load_state_dict(checkpoint["scheduler"])
    for _ in range(35):
        sched.step()
        resumed.append([g["lr"] for g in opt.param_groups])
    assert resumed == uninterrupted
