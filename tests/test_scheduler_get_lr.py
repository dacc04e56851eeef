"""get_lr() called by a user, outside step(): it warns and returns what torch's returns.

A common pitfall the lessons show; lrlib must reproduce it exactly, right after
construction (the initial step is over) and after some steps.
"""

import warnings

import pytest
import torch
from torch.optim import lr_scheduler as torch_schedulers

import lrlib
from lrlib import registry

# Every scheduler of the registry that torch also has and that sets the lr from the step
# (not the plateau, not the composites), built from its first example.
MAKERS = {
    entry.name: (lambda name, kwargs: lambda M, o: registry.build(name, o, M, **kwargs))(
        entry.name, entry.example.kwargs
    )
    for entry in registry.SCHEDULERS.values()
    if entry.kind in ("chainable", "closed form") and hasattr(torch_schedulers, entry.name)
}


def _get_lr_after(module, make, steps):
    """get_lr() outside step() after ``steps`` steps, and the warnings it gave."""
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    scheduler = make(module, optimizer)
    for _ in range(steps):
        optimizer.step()
        scheduler.step()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        values = scheduler.get_lr()
    return values, [str(w.message) for w in caught]


@pytest.mark.parametrize("steps", [0, 1, 4])
@pytest.mark.parametrize("name", sorted(MAKERS))
def test_get_lr_outside_step_equals_torch(name, steps):
    ours, our_warnings = _get_lr_after(lrlib, MAKERS[name], steps)
    theirs, their_warnings = _get_lr_after(torch_schedulers, MAKERS[name], steps)
    assert ours == pytest.approx(theirs, rel=1e-12)
    assert any("get_last_lr()" in w for w in our_warnings)
    assert len(our_warnings) == len(their_warnings)


@pytest.mark.parametrize("name", ["StepLR", "ExponentialLR", "CosineAnnealingLR", "OneCycleLR"])
def test_resuming_with_last_epoch_without_optimizer_state_names_the_problem(name):
    optimizer = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)
    with pytest.raises(KeyError):  # torch's own error
        _with_last_epoch(torch_schedulers, name, optimizer)
    with pytest.raises(ValueError, match=r"last_epoch=5 .*initial_lr"):
        _with_last_epoch(lrlib, name, optimizer)


def _with_last_epoch(module, name, optimizer):
    kwargs = {
        "StepLR": dict(step_size=2),
        "ExponentialLR": dict(gamma=0.9),
        "CosineAnnealingLR": dict(T_max=10),
        "OneCycleLR": dict(max_lr=0.1, total_steps=20),
    }
    return getattr(module, name)(optimizer, last_epoch=5, **kwargs[name])
