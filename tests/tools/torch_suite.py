"""Run PyTorch's own scheduler tests with lrlib's classes in place of torch's.

PyTorch's test file (``test/optim/test_lrscheduler.py`` in pytorch/pytorch) is the
acceptance test of lrlib's drop-in claim. It is not part of this repository: download
it, then run, from the repository root,

    python -m tests.tools.torch_suite /path/to/test_lrscheduler.py [-k WORD] [-v] [--torch]

Every scheduler class lrlib has (those of :data:`lrlib.registry.SCHEDULERS` that
torch also has) replaces torch's in ``torch.optim.lr_scheduler`` while the file is
imported and run, so both ``from torch.optim.lr_scheduler import StepLR`` and
``torch.optim.lr_scheduler.StepLR(...)`` in the tests get lrlib's. ``--torch`` runs the
file on torch's own classes, for comparison. The tests named in :data:`DEPARTURES`
fail on purpose (lrlib is stricter there; book/api.md and tests/test_departures.py give
the reasons); they are reported apart, and one that passes is reported as stale.
The exit status is 0 when every other test passes.

The file needs ``torch.testing._internal`` (in the torch wheel) and the ``expecttest``
package; without it, a stand-in with what the scheduler tests use is put in place.
"""

import argparse
import contextlib
import importlib.util
import re
import sys
import types
import unittest
import warnings

import torch.optim.lr_scheduler as torch_lr_scheduler

import lrlib
from lrlib import registry

# test name -> (the departure it hits, a pattern its failure must show). The departures
# are listed in book/api.md ("Where lrlib departs from torch") and asserted in
# tests/test_departures.py. A listed test that fails for another reason is a failure.
_MOMENTUM = ("momentum >= 1 rejected", r"ValueError: base_momentum(\[\d\])? must be in \[0, 1\)")
DEPARTURES = {
    "test_raise_error_when_last_epoch_is_greater_than_0_and_initial_lr_is_not_specified": (
        "missing initial_lr: ValueError (torch's text, then the fix), not KeyError",
        r"ValueError: param 'initial_lr' is not specified in param_groups\[0\]",
    ),
    **{
        name: _MOMENTUM
        for name in (
            "test_cycle_lr_triangular_mode_one_lr",
            "test_cycle_lr_triangular2_mode_one_lr",
            "test_cycle_lr_exp_range_mode_one_lr",
            "test_cycle_lr_triangular_mode",
            "test_cycle_lr_triangular2_mode",
            "test_cycle_lr_exp_range_mode",
            "test_cycle_lr_triangular_mode_step_size_up_down",
            "test_cycle_lr_triangular2_mode_step_size_up_down",
            "test_cycle_lr_exp_range_mode_step_size_up_down",
            "test_onecycle_lr_linear_annealing",
            "test_onecycle_lr_linear_annealing_three_phases",
            "test_onecycle_lr_cosine_annealing",
            "test_onecycle_lr_legacy_state_dict",
            "test_cycle_lr_with_adam",
        )
    },
}


def substituted_names():
    """The names lrlib replaces in torch.optim.lr_scheduler: its classes torch also has."""
    return [name for name in registry.NAMES if hasattr(torch_lr_scheduler, name)]


@contextlib.contextmanager
def lrlib_in_place_of_torch(enabled=True):
    """Within the block, torch.optim.lr_scheduler.<Name> is lrlib's class."""
    saved = {name: getattr(torch_lr_scheduler, name) for name in substituted_names()}
    try:
        if enabled:
            for name in saved:
                setattr(torch_lr_scheduler, name, getattr(lrlib, name))
        yield sorted(saved) if enabled else []
    finally:
        for name, cls in saved.items():
            setattr(torch_lr_scheduler, name, cls)


def _ensure_expecttest():
    """torch.testing._internal imports expecttest; stand in for it when it is absent."""
    try:
        import expecttest  # noqa: F401
    except ImportError:
        stand_in = types.ModuleType("expecttest")
        stand_in.TestCase = unittest.TestCase
        stand_in.ACCEPT = False
        sys.modules["expecttest"] = stand_in


def load(path):
    """Import the test file as a module (after the substitution is in place)."""
    _ensure_expecttest()
    sys.argv = sys.argv[:1]  # common_utils parses sys.argv on import
    spec = importlib.util.spec_from_file_location("torch_test_lrscheduler", path)
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module
    spec.loader.exec_module(module)
    return module


_ACTIVE_DEPARTURES = {}


def _base_name(test_id):
    """The departure a test hits, by its exact name; None for every other test."""
    name = test_id.split(".")[-1]
    return name if name in _ACTIVE_DEPARTURES else None


class _Result(unittest.TextTestResult):
    """Sorts outcomes into passed, failed, skipped, departures and stale departures."""

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.passed, self.departed, self.stale = [], [], []

    def addSuccess(self, test):
        super().addSuccess(test)
        (self.stale if _base_name(test.id()) else self.passed).append(test.id())

    def _failed(self, test, err, kind):
        text = self._exc_info_to_string(err, test)
        departure = _base_name(test.id())
        if departure and re.search(DEPARTURES[departure][1], text):
            self.departed.append((test.id(), text))
        else:
            getattr(self, kind).append((test, text))

    def addFailure(self, test, err):
        self._failed(test, err, "failures")

    def addError(self, test, err):
        self._failed(test, err, "errors")


def run(path, torch_only=False, keyword=None, verbosity=1):
    """Run the file; return the result (passed, failures, errors, skipped, departed, stale)."""
    _ACTIVE_DEPARTURES.clear()
    if not torch_only:
        _ACTIVE_DEPARTURES.update(DEPARTURES)
    with lrlib_in_place_of_torch(not torch_only) as names:
        module = load(path)
        # every TestCase of the file, without the file's load_tests (CI sharding)
        suite = unittest.TestSuite(
            unittest.defaultTestLoader.loadTestsFromTestCase(cls)
            for cls in vars(module).values()
            if isinstance(cls, type)
            and issubclass(cls, unittest.TestCase)
            and cls.__module__ == module.__name__
        )
        if keyword:
            suite = unittest.TestSuite(t for t in _flatten(suite) if keyword in t.id())
        runner = unittest.TextTestRunner(
            resultclass=_Result, verbosity=verbosity, stream=sys.stdout
        )
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", DeprecationWarning)
            result = runner.run(suite)
    print(f"\nclasses substituted: {', '.join(names) if names else 'none (torch run)'}")
    print(
        f"passed {len(result.passed)}, failed {len(result.failures)}, errors "
        f"{len(result.errors)}, skipped {len(result.skipped)}, deliberate departures "
        f"{len(result.departed)}, stale departures {len(result.stale)}"
    )
    for test_id, _ in result.departed:
        print(f"  departure: {test_id}: {DEPARTURES[_base_name(test_id)][0]}")
    for test_id in result.stale:
        print(f"  STALE departure (passes now, remove it from DEPARTURES): {test_id}")
    return result


def _flatten(suite):
    for item in suite:
        if isinstance(item, unittest.TestSuite):
            yield from _flatten(item)
        else:
            yield item


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("path", help="PyTorch's test/optim/test_lrscheduler.py")
    parser.add_argument("-k", dest="keyword", help="run only tests whose id contains this")
    parser.add_argument("-v", action="store_const", const=2, default=1, dest="verbosity")
    parser.add_argument("--torch", action="store_true", help="run on torch's own classes")
    args = parser.parse_args(argv)
    result = run(args.path, args.torch, args.keyword, args.verbosity)
    ok = not (result.failures or result.errors or result.stale)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
