"""Two traps torch leaves silent or misleading, which lrlib names.

1. The resume trap: loading the optimizer's state and *then* building a LinearLR or
   ConstantLR scales the loaded lr by the start factor a second time. lrlib's
   ``load_state_dict`` warns, naming the group, both lrs and the safe order.
2. With ``torch.amp.GradScaler``, the step-order warning fires although the loop is in
   the right order: the scaler skipped ``optimizer.step()`` on inf gradients. lrlib's
   warning says so and how to tell the two cases apart.
"""

import warnings

import pytest
import torch
from torch.optim import lr_scheduler as torch_schedulers

import lrlib


def sgd():
    return torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1, momentum=0.9)


MAKERS = {
    "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=10),
    "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.25, total_iters=10),
}


def checkpoint_after(make, steps=3):
    opt = sgd()
    sched = make(lrlib, opt)
    for _ in range(steps):
        opt.step()
        sched.step()
    return opt.state_dict(), sched.state_dict(), opt.param_groups[0]["lr"]


def caught(fn):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        result = fn()
    return result, [str(w.message) for w in seen]


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_loading_the_optimizer_before_building_the_scheduler_warns(name):
    make = MAKERS[name]
    opt_state, sched_state, lr = checkpoint_after(make)

    def wrong_order():
        opt = sgd()
        opt.load_state_dict(opt_state)
        sched = make(lrlib, opt)  # scales the loaded lr by the factor once more
        sched.load_state_dict(sched_state)
        return opt.param_groups[0]["lr"]

    now, messages = caught(wrong_order)
    assert now != pytest.approx(lr), "the trap itself: the lr is off after resuming"
    assert len(messages) == 1, messages
    text = messages[0]
    assert "param_groups[0]" in text and repr(now) in text and repr(lr) in text, text
    assert "build the optimizer and the scheduler, then load both states" in text, text


@pytest.mark.parametrize("name", sorted(MAKERS))
def test_the_safe_order_resumes_without_a_warning(name):
    make = MAKERS[name]
    opt_state, sched_state, lr = checkpoint_after(make)

    def safe_order():
        opt = sgd()
        sched = make(lrlib, opt)
        opt.load_state_dict(opt_state)
        sched.load_state_dict(sched_state)
        return opt.param_groups[0]["lr"]

    now, messages = caught(safe_order)
    assert now == lr and messages == []


def test_torch_is_silent_in_the_resume_trap():
    """The behaviour lrlib improves on: torch resumes at the wrong lr without a word."""
    opt_state, sched_state, _ = checkpoint_after(MAKERS["LinearLR"])
    opt = sgd()
    opt.load_state_dict(opt_state)
    sched = MAKERS["LinearLR"](torch_schedulers, opt)
    _, messages = caught(lambda: sched.load_state_dict(sched_state))
    assert messages == []


def _gradscaler_first_step_skipped(module):
    """One iteration in the right order whose gradients are inf: the scaler skips the step."""
    param = torch.nn.Parameter(torch.ones(1))
    opt = torch.optim.SGD([param], lr=0.1)
    sched = module.StepLR(opt, step_size=1)
    scaler = torch.amp.GradScaler("cpu", init_scale=2.0**16)
    scale_before = scaler.get_scale()

    def iteration():
        opt.zero_grad()
        scaler.scale((param * float("inf")).sum()).backward()
        scaler.step(opt)  # skipped: the gradients are not finite
        scaler.update()
        sched.step()

    _, messages = caught(iteration)
    return messages, scale_before, scaler.get_scale()


def test_gradscaler_skipping_the_first_step_is_explained():
    theirs, _, _ = _gradscaler_first_step_skipped(torch_schedulers)
    ours, before, after = _gradscaler_first_step_skipped(lrlib)
    assert after < before, "the scaler lowered its scale: it skipped optimizer.step()"
    assert len(theirs) == len(ours) == 1
    assert ours[0].startswith(theirs[0])
    assert "GradScaler" in ours[0] and "scaler.get_scale()" in ours[0], ours[0]
    assert "skips optimizer.step()" in ours[0]
    # every skipped iteration's lr is lost, not only the first (a scaler often skips several)
    assert "the lrs of the skipped iterations were not used" in ours[0], ours[0]
