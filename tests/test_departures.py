"""Where lrlib departs from torch on purpose, and where it speaks torch's words.

Each departure listed in book/api.md ("Where lrlib departs from torch") has a test
here that shows torch and lrlib behaving differently, as stated. PyTorch's own test
file, run with ``python -m tests.tools.torch_suite``, fails exactly on these (its
``DEPARTURES``). Everywhere else, an error or warning that torch also gives carries
torch's text first (users filter warnings and match errors by it), then lrlib's own.
"""

import re
import warnings
from pathlib import Path

import pytest
import torch
from torch.optim import lr_scheduler as torch_schedulers

import lrlib
from tests.tools import torch_suite

API_PAGE = Path(__file__).resolve().parents[1] / "book" / "api.md"


def sgd(lr=0.1, groups=1):
    params = [{"params": [torch.nn.Parameter(torch.zeros(1))]} for _ in range(groups)]
    return torch.optim.SGD(params, lr=lr, momentum=0.9)


def message_of(build):
    """The text of the exception ``build()`` raises, with its type."""
    with pytest.raises(Exception) as info:
        build()
    return type(info.value), str(info.value).strip("'\"")


# --- the deliberate departures ----------------------------------------------------------


@pytest.mark.parametrize(
    "name, kwargs",
    [
        ("CyclicLR", {"base_lr": 1, "max_lr": 5, "base_momentum": 1, "max_momentum": 5}),
        ("OneCycleLR", {"max_lr": 25, "total_steps": 10, "base_momentum": 1, "max_momentum": 22}),
    ],
)
def test_momentum_of_one_or_more_rejected_where_torch_accepts(name, kwargs):
    """Departure 1: a momentum (or beta1) >= 1 makes SGD's velocity grow without bound."""
    getattr(torch_schedulers, name)(sgd(), **kwargs)  # torch builds it
    kind, text = message_of(lambda: getattr(lrlib, name)(sgd(), **kwargs))
    assert kind is ValueError and "base_momentum" in text and "1" in text, text


def test_missing_initial_lr_is_a_value_error_with_torch_text_and_the_fix():
    """Departure 2: ValueError naming initial_lr and the fix, where torch raises KeyError."""
    theirs_kind, theirs = message_of(lambda: torch_schedulers.StepLR(sgd(), 3, last_epoch=1))
    ours_kind, ours = message_of(lambda: lrlib.StepLR(sgd(), 3, last_epoch=1))
    assert theirs_kind is KeyError and ours_kind is ValueError
    first_line = re.split(r"\\n|\n", theirs)[0]  # a KeyError's str escapes its newlines
    assert ours.startswith(first_line), (ours, theirs)
    assert "load the optimizer's state_dict" in ours


def test_every_departure_of_the_torch_suite_is_on_the_api_page():
    page = API_PAGE.read_text()
    reasons = {reason for reason, _ in torch_suite.DEPARTURES.values()}
    assert len(reasons) == 2
    for reason in reasons:
        assert reason.split(":")[0] in page, f"book/api.md does not list the departure {reason!r}"


# --- torch's words first ------------------------------------------------------------------


def _warnings_of(module, make, order):
    opt = sgd()
    sched = make(module, opt)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        for _ in range(2):
            if order == "scheduler first":
                sched.step()
                opt.step()
            else:
                opt.step()
                sched.step()
    return [str(w.message) for w in caught]


@pytest.mark.parametrize("name", ["StepLR", "LambdaLR", "CyclicLR", "OneCycleLR"])
def test_step_order_warning_begins_with_torch_text(name):
    def make(module, opt):
        return lrlib.registry.build(name, opt, module, **lrlib.registry.get(name).example.kwargs)

    theirs = _warnings_of(torch_schedulers, make, "scheduler first")
    ours = _warnings_of(lrlib, make, "scheduler first")
    assert len(theirs) == len(ours) == 1
    assert ours[0].startswith(theirs[0]), ours[0]
    assert "how-to-adjust-learning-rate" in ours[0]


@pytest.mark.parametrize(
    "build, torch_build",
    [
        (lambda: lrlib.LambdaLR(sgd(groups=2), [lambda t: 1.0] * 3), None),
        (
            lambda: lrlib.MultiplicativeLR(sgd(groups=2), [lambda t: 1.0] * 3),
            lambda: torch_schedulers.MultiplicativeLR(sgd(groups=2), [lambda t: 1.0] * 3),
        ),
        (
            lambda: lrlib.MultiplicativeLR(sgd(), 0.95),
            lambda: torch_schedulers.MultiplicativeLR(sgd(), 0.95),
        ),
    ],
)
def test_errors_begin_with_torch_text(build, torch_build):
    torch_build = torch_build or (
        lambda: torch_schedulers.LambdaLR(sgd(groups=2), [lambda t: 1.0] * 3)
    )
    theirs_kind, theirs = message_of(torch_build)
    ours_kind, ours = message_of(build)
    assert ours_kind is theirs_kind and ours.startswith(theirs), (ours, theirs)
    assert "lr_lambda" in ours


def test_plateau_param_groups_error_begins_with_torch_text():
    def run(module):
        opt = sgd(groups=2)
        sched = module.ReduceLROnPlateau(opt, patience=0, min_lr=[1e-5, 1e-4])
        opt.add_param_group({"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.05})
        sched.step(1.0)
        sched.step(2.0)

    theirs_kind, theirs = message_of(lambda: run(torch_schedulers))
    ours_kind, ours = message_of(lambda: run(lrlib))
    assert ours_kind is theirs_kind is RuntimeError
    assert ours.startswith(theirs) and "min_lrs.append" in ours, ours


def test_lambda_lr_state_dict_layout_equals_torch():
    """Functions and lambdas are left out (None), a callable object's __dict__ is saved."""
    factor = lrlib.registry.ConstantFactor(0.9)

    def keep(t):
        return 1.0

    for lambdas in ([factor, keep], [lambda t: 0.5, factor]):
        ours = lrlib.MultiplicativeLR(sgd(groups=2), lambdas).state_dict()
        theirs = torch_schedulers.MultiplicativeLR(sgd(groups=2), lambdas).state_dict()
        assert ours["lr_lambdas"] == theirs["lr_lambdas"]
        assert sorted(ours) == sorted(theirs)
    assert re.search("factor", repr(ours["lr_lambdas"]))
