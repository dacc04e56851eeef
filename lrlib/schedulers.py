"""Torch-compatible learning-rate schedulers whose maths comes from :mod:`lrlib.schedules`.

Every class has the name, signature and defaults of its twin in
``torch.optim.lr_scheduler`` and sets the same learning rates (and momenta) step by
step. Where torch's scheduler is chainable (it scales the current lr of each group,
so it composes with others), ours is chainable the same way: the factor it applies
is the ratio of consecutive values of the closed-form schedule.

Unlike torch, every argument is checked at construction: a bad value raises
``ValueError`` or ``TypeError`` naming the parameter and the value received.
"""

import math
import numbers
import types
import warnings
from collections import Counter

import numpy as np
import torch
from torch.optim import Optimizer
from torch.optim import lr_scheduler as _torch

from . import schedules

__all__ = [
    "LRScheduler",
    "LambdaLR",
    "MultiplicativeLR",
    "StepLR",
    "MultiStepLR",
    "ExponentialLR",
    "CosineAnnealingLR",
    "CosineAnnealingWarmRestarts",
    "CyclicLR",
    "OneCycleLR",
    "LinearLR",
    "ConstantLR",
    "PolynomialLR",
    "ReduceLROnPlateau",
    "SequentialLR",
    "ChainedScheduler",
    "preview",
]

LRScheduler = _torch.LRScheduler


# --- argument checks -------------------------------------------------------------------


def _describe(value):
    text = repr(value)
    return text if len(text) <= 80 else text[:77] + "..."


def _check_optimizer(optimizer):
    if not isinstance(optimizer, Optimizer):
        raise TypeError(
            f"optimizer must be a torch.optim.Optimizer, got {type(optimizer).__name__} "
            f"{_describe(optimizer)}; build one first, "
            f"e.g. torch.optim.SGD(model.parameters(), lr=0.1)"
        )
    return optimizer


def _check_int(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, numbers.Integral):
        raise TypeError(f"{name} must be an int, got {type(value).__name__} {_describe(value)}")
    if value < minimum:
        raise ValueError(f"{name} must be an int >= {minimum}, got {_describe(value)}")
    return int(value)


def _check_real(name, value, low=None, high=None, low_open=False, high_open=False):
    """Check that ``value`` is a finite real number in the given interval; return it.

    A 0-d real tensor (``torch.tensor(0.01)``, which torch's optimizers and schedulers
    accept) comes back as a float, so it never aliases the caller's tensor.
    """
    if (
        isinstance(value, torch.Tensor)
        and value.ndim == 0
        and not value.is_complex()
        and value.dtype != torch.bool
    ):
        value = value.item()
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(
            f"{name} must be a real number, got {type(value).__name__} {_describe(value)}"
        )
    if not math.isfinite(value):
        raise ValueError(f"{name} must be a finite number, got {_describe(value)}")
    too_low = low is not None and (value <= low if low_open else value < low)
    too_high = high is not None and (value >= high if high_open else value > high)
    if too_low or too_high:
        left = "(" if low_open or low is None else "["
        right = ")" if high_open or high is None else "]"
        lo = "-inf" if low is None else f"{low:g}"
        hi = "inf" if high is None else f"{high:g}"
        raise ValueError(f"{name} must be in {left}{lo}, {hi}{right}, got {_describe(value)}")
    return value


def _check_choice(name, value, choices):
    if not isinstance(value, str) or value not in choices:
        raise ValueError(
            f"{name} must be one of {', '.join(map(repr, choices))}, got {_describe(value)}"
        )
    return value


def _check_bool(name, value):
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {_describe(value)}")
    return value


def _per_group(name, optimizer, value, **limits):
    """One checked value per parameter group, from a scalar or a list/tuple of len(param_groups)."""
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(
                f"{name} must have one value per parameter group ({n}), "
                f"got {len(value)}: {_describe(value)}"
            )
        return [_check_real(f"{name}[{i}]", v, **limits) for i, v in enumerate(value)]
    return [_check_real(name, value, **limits)] * n


def _check_last_epoch(last_epoch, optimizer):
    """last_epoch: -1 (a new schedule) or the step to resume from (needs the optimizer's state)."""
    last_epoch = _check_int("last_epoch", last_epoch, -1)
    if last_epoch != -1:
        for i, group in enumerate(optimizer.param_groups):
            if "initial_lr" not in group:
                raise ValueError(
                    # torch's text (torch raises KeyError), then what lrlib adds
                    f"param 'initial_lr' is not specified in param_groups[{i}] when resuming "
                    f"scheduler with last_epoch >= 0. lrlib: "
                    f"last_epoch={last_epoch} resumes a schedule, but param_groups[{i}] of the "
                    f"optimizer has no 'initial_lr': load the optimizer's state_dict (saved while "
                    f"the scheduler ran) before building the scheduler, or leave last_epoch=-1 and "
                    f"load the scheduler's state_dict instead"
                )
    return last_epoch


def _check_gamma(gamma):
    return _check_real("gamma", gamma, low=0.0, low_open=True)


def _current_lrs(optimizer):
    return [group["lr"] for group in optimizer.param_groups]


_HOW_TO = "https://pytorch.org/docs/stable/optim.html#how-to-adjust-learning-rate"

STEP_ORDER_WARNING = (
    # torch's text, word for word (users filter warnings by it), then what lrlib adds
    "Detected call of `lr_scheduler.step()` before `optimizer.step()`. "
    "In PyTorch 1.1.0 and later, you should call them in the opposite order: "
    "`optimizer.step()` before `lr_scheduler.step()`.  Failure to do this "
    "will result in PyTorch skipping the first value of the learning rate schedule. "
    f"See more details at {_HOW_TO}"
    "\nlrlib: this warning is false if you train with torch.amp.GradScaler: "
    "scaler.step(optimizer) skips optimizer.step() when the gradients contain inf or NaN, "
    "which is common in the first iterations while the scaler calibrates its scale, so "
    "your loop can be in the right order. To tell the cases apart: if your code calls "
    "optimizer.step() (or scaler.step(optimizer)) before scheduler.step() and "
    "scaler.get_scale() dropped during the first iteration, the scaler skipped the step "
    "and nothing is wrong but this: the lrs of the skipped iterations were not used (the "
    "schedule advanced, the weights did not); otherwise "
    "swap the two calls."
)

STEP_OVERRIDDEN_WARNING = (
    "Seems like `optimizer.step()` has been overridden after learning rate scheduler "
    "initialization. Please, make sure to call `optimizer.step()` before "
    f"`lr_scheduler.step()`. See more details at {_HOW_TO}"
)


_COMPOSITE_LOADING = []  # non-empty while SequentialLR/ChainedScheduler loads its parts


def _load_composite(scheduler, load, state_dict):
    """Load a composite's state: check its own _last_lr, not its parts'."""
    _warn_if_resumed_lrs_differ(scheduler, state_dict)
    _COMPOSITE_LOADING.append(scheduler)
    try:
        load(state_dict)
    finally:
        _COMPOSITE_LOADING.pop()


def _warn_if_resumed_lrs_differ(scheduler, state):
    """Warn when a group's lr differs from the lr the loaded state says it had (its _last_lr).

    The resume trap: loading the optimizer's state and *then* building a LinearLR or
    ConstantLR scales the loaded lr by the start factor once more, silently in torch.
    """
    saved = state.get("_last_lr")
    if saved is None or _COMPOSITE_LOADING:
        return  # a part of a composite: only the composite's own _last_lr is the group's lr
    for i, (group, then) in enumerate(zip(scheduler.optimizer.param_groups, saved)):
        now, then = float(group["lr"]), float(then)
        if not math.isclose(now, then, rel_tol=1e-9, abs_tol=1e-15):
            warnings.warn(
                f"lrlib: {type(scheduler).__name__}.load_state_dict(): param_groups[{i}]['lr'] "
                f"is {now!r} but the loaded scheduler state says the lr was {then!r} (its "
                f"_last_lr). The lr was probably changed after the optimizer's state was "
                f"loaded, e.g. by building the scheduler afterwards: a LinearLR or ConstantLR "
                f"built then applies its start factor a second time. Safe order: build the "
                f"optimizer and the scheduler, then load both states: "
                f"optimizer.load_state_dict(...), then scheduler.load_state_dict(...).",
                UserWarning,
                stacklevel=3,
            )
            return


class _Schedule(LRScheduler):
    """Base of lrlib's schedulers: torch's LRScheduler with a leaner ``step()``, same behaviour.

    ``step()`` warns, as torch's does, when it is called before ``optimizer.step()``;
    it then asks :meth:`get_lr` (or the closed form, for ``step(epoch)``) for the new
    lrs and writes them into the optimizer's parameter groups.
    """

    def step(self, epoch=None):
        """Advance the schedule by one step (call it after ``optimizer.step()``)."""
        if self._step_count == 1:
            self._warn_on_step_order()
        self._step_count += 1
        if epoch is not None:
            warnings.warn(_torch.EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self._update_lr(epoch)

    def _update_lr(self, epoch=None):
        """Move to the next step (or to ``epoch``, by the closed form) and write the new lrs."""
        if epoch is None:
            self.last_epoch += 1
            self._write_lrs(self.get_lr)
        else:
            self.last_epoch = epoch
            self._write_lrs(getattr(self, "_get_closed_form_lr", self.get_lr))

    def _write_lrs(self, compute):
        """Write the lrs that ``compute()`` returns into the optimizer's parameter groups."""
        self._get_lr_called_within_step = True
        try:
            values = compute()
        finally:
            self._get_lr_called_within_step = False
        # inline, not _set_group: this runs at every step of every scheduler
        groups = self.optimizer.param_groups
        for group, lr in zip(groups, values):
            if isinstance(group["lr"], torch.Tensor):
                group["lr"].fill_(float(lr))
            else:
                group["lr"] = lr
        self._last_lr = [
            g["lr"].clone() if isinstance(g["lr"], torch.Tensor) else g["lr"] for g in groups
        ]

    def _warn_on_step_order(self):
        step = self.optimizer.step
        if not (hasattr(step, "_wrapped_by_lr_sched") or hasattr(step, "_with_counter")):
            warnings.warn(STEP_OVERRIDDEN_WARNING, UserWarning, stacklevel=3)
        elif not (
            getattr(self.optimizer, "_opt_called", False)
            or getattr(self.optimizer, "_step_count", 0) >= 1
        ):
            warnings.warn(STEP_ORDER_WARNING, UserWarning, stacklevel=3)

    def load_state_dict(self, state_dict):
        """Load a state from :meth:`state_dict`; warns if the optimizer's lrs disagree with it."""
        _warn_if_resumed_lrs_differ(self, state_dict)
        self.__dict__.update(state_dict)

    def _warn_if_called_outside_step(self):
        if not getattr(self, "_get_lr_called_within_step", True):
            warnings.warn(
                "To get the last learning rate computed by the scheduler, "
                "please use `get_last_lr()`.",
                UserWarning,
                stacklevel=3,
            )

    _is_initial = False

    def _initial_step(self):
        # LRScheduler.__init__ (and SequentialLR, when a scheduler's turn comes) makes one
        # initial step; get_lr() must know it is that step, on every torch version.
        self._is_initial = True
        try:
            super()._initial_step()
        finally:
            self._is_initial = False

    def _is_initial_step(self):
        return self._is_initial

    def _scaled(self, factor):
        return [group["lr"] * factor for group in self.optimizer.param_groups]

    def _decay_new(self, count):
        """The current lrs times ``gamma`` once per decay that step ``t`` adds (``count``)."""
        t = self.last_epoch
        return self._scaled(self.gamma ** (count(t) - count(t - 1)))


# --- a factor given by a function ---------------------------------------------------------


def _check_lr_lambdas(optimizer, lr_lambda):
    """One callable per parameter group, from a callable or a list/tuple of len(param_groups).

    The messages begin with torch's own ("Expected 2 lr_lambdas, but got 3", "lr_lambda
    should be a function, but got float") so that code filtering torch's errors still
    matches, then name the parameter and the value.
    """
    n = len(optimizer.param_groups)
    if isinstance(lr_lambda, (list, tuple)):
        if len(lr_lambda) != n:
            raise ValueError(
                f"Expected {n} lr_lambdas, but got {len(lr_lambda)}: lr_lambda "
                f"must be one function, or a list of one function per parameter "
                f"group ({n}), got {_describe(lr_lambda)}"
            )
        lambdas = list(lr_lambda)
    else:
        lambdas = [lr_lambda] * n
    for i, fn in enumerate(lambdas):
        if not callable(fn):
            where = f"lr_lambda[{i}]" if isinstance(lr_lambda, (list, tuple)) else "lr_lambda"
            raise TypeError(
                f"lr_lambda should be a function, but got {type(fn).__name__}: "
                f"{where} must be a function of the step returning a factor, "
                f"e.g. lambda step: 0.95 ** step, got {_describe(fn)}"
            )
    return lambdas


class _LambdaState:
    """What LambdaLR and MultiplicativeLR share: torch's signature and checks, and
    state_dict as torch's LambdaLR has it: a function or lambda is not saved (None in
    ``lr_lambdas``), a callable object is saved as a copy of its ``__dict__``."""

    def __init__(self, optimizer, lr_lambda, last_epoch=-1):
        _check_optimizer(optimizer)
        self.lr_lambdas = _check_lr_lambdas(optimizer, lr_lambda)
        super().__init__(optimizer, _check_last_epoch(last_epoch, optimizer))

    def state_dict(self):
        """The scheduler's state; ``lr_lambdas`` holds None or a callable object's ``__dict__``."""
        state = {
            key: value
            for key, value in self.__dict__.items()
            if key not in ("optimizer", "lr_lambdas")
        }
        state["lr_lambdas"] = [
            None if isinstance(fn, types.FunctionType) else fn.__dict__.copy()
            for fn in self.lr_lambdas
        ]
        return state

    def load_state_dict(self, state_dict):
        """Load a state from :meth:`state_dict`; callable objects get their ``__dict__`` back."""
        state = dict(state_dict)
        saved = state.pop("lr_lambdas")
        _warn_if_resumed_lrs_differ(self, state)
        self.__dict__.update(state)
        for fn, fn_state in zip(self.lr_lambdas, saved):
            if fn_state is not None:
                fn.__dict__.update(fn_state)


class LambdaLR(_LambdaState, _Schedule):
    """Set the lr to ``base_lr * lr_lambda(t)``: any schedule given as a function of the step.

    ``lr_lambda`` is one function, or a list of one per parameter group. In a
    state_dict, functions and lambdas are not saved (re-supply them when resuming);
    a callable object is saved as its ``__dict__``, as torch does.
    """

    def get_lr(self):
        self._warn_if_called_outside_step()
        t = self.last_epoch
        return [base_lr * fn(t) for fn, base_lr in zip(self.lr_lambdas, self.base_lrs)]


class MultiplicativeLR(_LambdaState, _Schedule):
    """Multiply the lr by ``lr_lambda(t)`` at every step: ``lr_t = lr_{t-1} * lr_lambda(t)``.

    Chainable: it scales the current lr, so it composes in ChainedScheduler. The
    state_dict keeps functions out as :class:`LambdaLR` does.
    """

    def get_lr(self):
        self._warn_if_called_outside_step()
        if self._is_initial_step():
            return _current_lrs(self.optimizer)
        t = self.last_epoch
        return [
            group["lr"] * fn(t) for fn, group in zip(self.lr_lambdas, self.optimizer.param_groups)
        ]


# --- decays by gamma -------------------------------------------------------------------


class StepLR(_Schedule):
    """Multiply the lr by ``gamma`` every ``step_size`` steps.

    ``lr = base_lr * gamma ** (t // step_size)``.
    """

    def __init__(self, optimizer, step_size, gamma=0.1, last_epoch=-1):
        _check_optimizer(optimizer)
        self.step_size = _check_int("step_size", step_size, 1)
        self.gamma = _check_gamma(gamma)
        super().__init__(optimizer, _check_last_epoch(last_epoch, optimizer))

    def get_lr(self):
        self._warn_if_called_outside_step()
        if self.last_epoch == 0:
            return _current_lrs(self.optimizer)
        return self._decay_new(lambda t: schedules.step_decay_count(t, self.step_size))

    def _get_closed_form_lr(self):
        return [
            schedules.step_decay(self.last_epoch, base_lr, self.step_size, self.gamma)
            for base_lr in self.base_lrs
        ]


class MultiStepLR(_Schedule):
    """Multiply the lr by ``gamma`` at each milestone: ``lr = base_lr * gamma ** #{m <= t}``."""

    def __init__(self, optimizer, milestones, gamma=0.1, last_epoch=-1):
        _check_optimizer(optimizer)
        if isinstance(milestones, (str, bytes)) or not hasattr(milestones, "__iter__"):
            raise TypeError(
                f"milestones must be a list of ints, got {type(milestones).__name__} "
                f"{_describe(milestones)}"
            )
        milestones = list(milestones)
        for i, m in enumerate(milestones):
            _check_int(f"milestones[{i}]", m, 1)
        if any(b <= a for a, b in zip(milestones, milestones[1:])):
            raise ValueError(f"milestones must be strictly increasing, got {_describe(milestones)}")
        self.milestones = Counter(int(m) for m in milestones)
        self._sorted_milestones = sorted(self.milestones)
        self.gamma = _check_gamma(gamma)
        super().__init__(optimizer, _check_last_epoch(last_epoch, optimizer))

    def get_lr(self):
        self._warn_if_called_outside_step()
        if self.last_epoch not in self.milestones:  # the count changes only at a milestone
            return _current_lrs(self.optimizer)
        return self._decay_new(
            lambda t: schedules.multistep_decay_count(t, self._sorted_milestones)
        )

    def _get_closed_form_lr(self):
        return [
            schedules.multistep_decay(self.last_epoch, base_lr, self._sorted_milestones, self.gamma)
            for base_lr in self.base_lrs
        ]


class ExponentialLR(_Schedule):
    """Multiply the lr by ``gamma`` every step: ``lr = base_lr * gamma ** t``."""

    def __init__(self, optimizer, gamma, last_epoch=-1):
        _check_optimizer(optimizer)
        self.gamma = _check_gamma(gamma)
        super().__init__(optimizer, _check_last_epoch(last_epoch, optimizer))

    def get_lr(self):
        self._warn_if_called_outside_step()
        if self._is_initial_step():
            return _current_lrs(self.optimizer)
        # consecutive values of base_lr * gamma**t differ by the factor gamma
        return self._scaled(self.gamma)

    def _get_closed_form_lr(self):
        return [
            schedules.exponential_decay(self.last_epoch, base_lr, self.gamma)
            for base_lr in self.base_lrs
        ]


# --- cosine ------------------------------------------------------------------------------


class CosineAnnealingLR(_Schedule):
    """Cosine from base_lr to eta_min over T_max steps.

    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``. Stepped past
    T_max it keeps following the cosine and climbs back towards base_lr.
    """

    def __init__(self, optimizer, T_max, eta_min=0.0, last_epoch=-1):
        _check_optimizer(optimizer)
        self.T_max = _check_int("T_max", T_max, 1)
        self.eta_min = _check_real("eta_min", eta_min, low=0.0)
        super().__init__(optimizer, _check_last_epoch(last_epoch, optimizer))

    def _unit(self, t):
        return schedules.cosine_annealing(t, 1.0, self.T_max, 0.0)

    def get_lr(self):
        self._warn_if_called_outside_step()
        t, eta_min = self.last_epoch, self.eta_min
        if self._is_initial_step():
            return _current_lrs(self.optimizer)
        if (t - 1 - self.T_max) % (2 * self.T_max) == 0:
            # leaving the trough, where the unit cosine is 0 and no ratio exists: the rise
            # mirrors the first fall, unit(0) - unit(1)
            rise = self._unit(0) - self._unit(1)
            return [
                group["lr"] + (base_lr - eta_min) * rise
                for base_lr, group in zip(self.base_lrs, self.optimizer.param_groups)
            ]
        ratio = self._unit(t) / self._unit(t - 1)
        return [ratio * (group["lr"] - eta_min) + eta_min for group in self.optimizer.param_groups]

    def _get_closed_form_lr(self):
        return [
            schedules.cosine_annealing(self.last_epoch, base_lr, self.T_max, self.eta_min)
            for base_lr in self.base_lrs
        ]


class CosineAnnealingWarmRestarts(_Schedule):
    """SGDR: cosine annealing restarted every T_i steps, T_i = T_0 * T_mult**i.

    ``step(epoch)`` accepts fractional epochs (``epoch + i / iters_per_epoch``).
    """

    def __init__(self, optimizer, T_0, T_mult=1, eta_min=0.0, last_epoch=-1):
        _check_optimizer(optimizer)
        self.T_0 = _check_int("T_0", T_0, 1)
        self.T_i = self.T_0
        self.T_mult = _check_int("T_mult", T_mult, 1)
        self.eta_min = _check_real("eta_min", eta_min, low=0.0)
        self.T_cur = _check_last_epoch(last_epoch, optimizer)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_outside_step()
        return [
            schedules.cosine_annealing(self.T_cur, base_lr, self.T_i, self.eta_min)
            for base_lr in self.base_lrs
        ]

    def step(self, epoch=None):
        """Advance one step, or jump to ``epoch`` (a float is allowed: a fraction of an epoch)."""
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            epoch = _check_real("epoch", epoch, low=0.0)
            self.T_cur, self.T_i = schedules.warm_restart_position(epoch, self.T_0, self.T_mult)
            if self.T_i == int(self.T_i):
                self.T_i = int(self.T_i)
        self.last_epoch = math.floor(epoch)
        self._write_lrs(self.get_lr)


def _set_group(group, key, value):
    if isinstance(group[key], torch.Tensor):
        group[key].fill_(float(value))
    else:
        group[key] = value


# --- cycles ------------------------------------------------------------------------------


def _momentum_key(scheduler_name, optimizer):
    """'betas' for Adam-like optimizers (beta1 is cycled), 'momentum' for SGD-like ones."""
    if "betas" in optimizer.defaults:
        return "betas"
    if "momentum" in optimizer.defaults:
        return "momentum"
    raise ValueError(
        f"cycle_momentum=True needs an optimizer with momentum or betas, but "
        f"{type(optimizer).__name__} has neither; pass cycle_momentum=False to "
        f"{scheduler_name}"
    )


def _set_momentum(group, key, value):
    if key == "betas":
        group["betas"] = (value, *group["betas"][1:])
    else:
        group["momentum"] = value


def _check_momentum_bounds(optimizer, base_momentum, max_momentum):
    base = _per_group("base_momentum", optimizer, base_momentum, low=0.0, high=1.0, high_open=True)
    top = _per_group("max_momentum", optimizer, max_momentum, low=0.0, high=1.0, high_open=True)
    for i, (b, m) in enumerate(zip(base, top)):
        if b > m:
            raise ValueError(
                f"base_momentum must be <= max_momentum (momentum falls from "
                f"max_momentum to base_momentum as the lr rises), got "
                f"base_momentum={_describe(b)} > max_momentum={_describe(m)}"
                + (f" for parameter group {i}" if len(base) > 1 else "")
            )
    return base, top


def _start_momentum_cycle(optimizer, key, base_momentums, max_momentums):
    for b, m, group in zip(base_momentums, max_momentums, optimizer.param_groups):
        _set_momentum(group, key, m)
        group["max_momentum"] = m
        group["base_momentum"] = b


class CyclicLR(_Schedule):
    """Cyclical learning rate (Smith, 2017): the lr moves between base_lr and max_lr in triangles.

    ``lr = base_lr + (max_lr - base_lr) * height(t) * scale``; see
    :func:`lrlib.schedules.cyclic`. With ``cycle_momentum`` the momentum (or Adam's
    beta1) moves the other way, from max_momentum down to base_momentum at the lr's peak.
    """

    def __init__(
        self,
        optimizer,
        base_lr,
        max_lr,
        step_size_up=2000,
        step_size_down=None,
        mode="triangular",
        gamma=1.0,
        scale_fn=None,
        scale_mode="cycle",
        cycle_momentum=True,
        base_momentum=0.8,
        max_momentum=0.9,
        last_epoch=-1,
    ):
        _check_optimizer(optimizer)
        base_lrs = _per_group("base_lr", optimizer, base_lr, low=0.0)
        self.max_lrs = _per_group("max_lr", optimizer, max_lr, low=0.0)
        for i, (b, m) in enumerate(zip(base_lrs, self.max_lrs)):
            if b > m:
                raise ValueError(
                    f"base_lr must be <= max_lr, got base_lr={_describe(b)} > "
                    f"max_lr={_describe(m)}"
                    + (f" for parameter group {i}" if len(base_lrs) > 1 else "")
                )
        self.step_size_up = _check_int("step_size_up", step_size_up, 1)
        self.step_size_down = (
            self.step_size_up
            if step_size_down is None
            else _check_int("step_size_down", step_size_down, 0)
        )
        self.mode = _check_choice("mode", mode, ("triangular", "triangular2", "exp_range"))
        self.gamma = _check_gamma(gamma)
        if scale_fn is not None and not callable(scale_fn):
            raise TypeError(f"scale_fn must be callable or None, got {_describe(scale_fn)}")
        self._scale_fn_custom = scale_fn
        self.scale_mode = _check_choice("scale_mode", scale_mode, ("cycle", "iterations"))
        self._init_scale_fn()
        self.cycle_momentum = _check_bool("cycle_momentum", cycle_momentum)
        last_epoch = _check_last_epoch(last_epoch, optimizer)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                _set_group(group, "lr", lr)
        if self.cycle_momentum:
            self._momentum_key = _momentum_key("CyclicLR", optimizer)
            self.base_momentums, self.max_momentums = _check_momentum_bounds(
                optimizer, base_momentum, max_momentum
            )
            if last_epoch == -1:
                _start_momentum_cycle(
                    optimizer, self._momentum_key, self.base_momentums, self.max_momentums
                )
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def get_lr(self):
        self._warn_if_called_outside_step()
        t = self.last_epoch
        cycle, height = schedules.cyclic_position(t, self.step_size_up, self.step_size_down)
        scale = schedules.cyclic_scale(
            t, cycle, self.mode, self.gamma, self._scale_fn_custom, self.scale_mode
        )
        if self.cycle_momentum:  # inversely to the lr: from max_momentum down to base_momentum
            for group, b, m in zip(
                self.optimizer.param_groups, self.base_momentums, self.max_momentums
            ):
                _set_momentum(
                    group, self._momentum_key, schedules.cyclic_value(m, b, height, scale)
                )
        return [
            schedules.cyclic_value(base_lr, max_lr, height, scale)
            for base_lr, max_lr in zip(self.base_lrs, self.max_lrs)
        ]

    def _init_scale_fn(self):
        """``_scale_fn_ref``, as torch names it: the built-in scale of ``mode`` (a function)."""
        if self._scale_fn_custom is None:
            self._scale_fn_ref, self.scale_mode = schedules.cyclic_scale_fn(self.mode, self.gamma)

    def scale_fn(self, x):
        """The amplitude scale at ``x`` (the cycle or the step, per ``scale_mode``)."""
        fn = self._scale_fn_custom if self._scale_fn_custom is not None else self._scale_fn_ref
        return fn(x)

    def state_dict(self):
        """The scheduler's state; a custom scale_fn is saved as its ``__dict__`` (as torch does)."""
        state = super().state_dict()
        state.pop("_scale_fn_ref", None)  # a function of mode: rebuilt on loading
        fn = state.pop("_scale_fn_custom")
        state["_scale_fn_custom"] = None
        if fn is not None and not isinstance(fn, type(lambda: 0)):
            state["_scale_fn_custom"] = fn.__dict__.copy()
        return state

    def load_state_dict(self, state_dict):
        """Load a state from :meth:`state_dict`; a custom scale_fn gets its ``__dict__`` back."""
        state = dict(state_dict)
        fn_state = state.pop("_scale_fn_custom", None)
        _warn_if_resumed_lrs_differ(self, state)
        self.__dict__.update(state)
        if fn_state is not None:
            self._scale_fn_custom.__dict__.update(fn_state)
        self._init_scale_fn()


def _one_cycle_total_steps(total_steps, epochs, steps_per_epoch):
    """OneCycleLR's length: total_steps, or epochs * steps_per_epoch (both given: they agree)."""
    if epochs is not None or steps_per_epoch is not None:
        if epochs is None or steps_per_epoch is None:
            missing = "epochs" if epochs is None else "steps_per_epoch"
            raise ValueError(
                f"OneCycleLR needs both epochs and steps_per_epoch, got {missing}=None"
            )
        epochs = _check_int("epochs", epochs, 1)
        steps_per_epoch = _check_int("steps_per_epoch", steps_per_epoch, 1)
    if total_steps is not None:
        total_steps = _check_int("total_steps", total_steps, 1)
        if epochs is not None and total_steps != epochs * steps_per_epoch:
            raise ValueError(
                f"total_steps={total_steps} disagrees with epochs * steps_per_epoch "
                f"= {epochs} * {steps_per_epoch} = {epochs * steps_per_epoch}; "
                f"give one or the other"
            )
        return total_steps
    if epochs is not None:
        return epochs * steps_per_epoch
    raise ValueError(
        "OneCycleLR needs total_steps, or epochs and steps_per_epoch; "
        "got total_steps=None, epochs=None, steps_per_epoch=None"
    )


def _one_cycle_phases(total_steps, pct_start, three_phase):
    """The phases of :func:`lrlib.schedules.one_cycle_phases`; each must hold a step."""
    phases = schedules.one_cycle_phases(total_steps, pct_start, three_phase)
    start = 0.0
    for end, _, _ in phases:
        if end <= start:
            raise ValueError(
                f"pct_start={_describe(pct_start)} with total_steps={total_steps} leaves "
                f"a phase of the cycle with no steps (phases end at steps "
                f"{', '.join(f'{p[0]:.4g}' for p in phases)}); "
                f"raise total_steps or move pct_start towards 0.5"
            )
        start = end
    return phases


class OneCycleLR(_Schedule):
    """The 1cycle policy (Smith and Topin, 2019): up to max_lr, then anneal far below the start.

    The lr starts at ``max_lr / div_factor``, reaches ``max_lr`` after ``pct_start`` of
    ``total_steps`` and ends at ``initial_lr / final_div_factor``; see
    :func:`lrlib.schedules.one_cycle`. Stepping past ``total_steps`` raises ValueError.
    """

    def __init__(
        self,
        optimizer,
        max_lr,
        total_steps=None,
        epochs=None,
        steps_per_epoch=None,
        pct_start=0.3,
        anneal_strategy="cos",
        cycle_momentum=True,
        base_momentum=0.85,
        max_momentum=0.95,
        div_factor=25.0,
        final_div_factor=1e4,
        three_phase=False,
        last_epoch=-1,
    ):
        _check_optimizer(optimizer)
        self.total_steps = _one_cycle_total_steps(total_steps, epochs, steps_per_epoch)
        self.pct_start = _check_real("pct_start", pct_start, low=0.0, high=1.0)
        self.three_phase = _check_bool("three_phase", three_phase)
        self._phases = _one_cycle_phases(self.total_steps, pct_start, three_phase)
        self._anneal_func_type = _check_choice(
            "anneal_strategy", anneal_strategy, ("cos", "linear")
        )
        max_lrs = _per_group("max_lr", optimizer, max_lr, low=0.0, low_open=True)
        div_factor = _check_real("div_factor", div_factor, low=0.0, low_open=True)
        final_div_factor = _check_real("final_div_factor", final_div_factor, low=0.0, low_open=True)
        last_epoch = _check_last_epoch(last_epoch, optimizer)
        if last_epoch == -1:
            for max_lr_i, group in zip(max_lrs, optimizer.param_groups):
                group["initial_lr"] = max_lr_i / div_factor
                group["max_lr"] = max_lr_i
                group["min_lr"] = group["initial_lr"] / final_div_factor
        self.cycle_momentum = _check_bool("cycle_momentum", cycle_momentum)
        if self.cycle_momentum:
            self._momentum_key = _momentum_key("OneCycleLR", optimizer)
            base_momentums, max_momentums = _check_momentum_bounds(
                optimizer, base_momentum, max_momentum
            )
            if last_epoch == -1:
                _start_momentum_cycle(optimizer, self._momentum_key, base_momentums, max_momentums)
        super().__init__(optimizer, last_epoch)

    def get_lr(self):
        self._warn_if_called_outside_step()
        t = self.last_epoch
        if t > self.total_steps:
            raise ValueError(
                f"OneCycleLR was stepped {t} times but total_steps is {self.total_steps}: "
                f"build it with the number of optimizer steps the training really takes "
                f"(epochs * batches per epoch, counted after gradient accumulation)"
            )
        phase, pct = schedules.one_cycle_position(t, self._phases)
        _, start, end = self._phases[phase]
        lrs = []
        for group in self.optimizer.param_groups:
            lrs.append(
                schedules.anneal(
                    group[self._LR_KEYS[start]],
                    group[self._LR_KEYS[end]],
                    pct,
                    self._anneal_func_type,
                )
            )
            if self.cycle_momentum:
                _set_momentum(
                    group,
                    self._momentum_key,
                    schedules.anneal(
                        group[self._MOMENTUM_KEYS[start]],
                        group[self._MOMENTUM_KEYS[end]],
                        pct,
                        self._anneal_func_type,
                    ),
                )
        return lrs

    # the param-group entries holding each named point of the cycle, for the lr and the momentum
    _LR_KEYS = {"initial": "initial_lr", "max": "max_lr", "min": "min_lr"}
    _MOMENTUM_KEYS = {"initial": "max_momentum", "max": "base_momentum", "min": "max_momentum"}


# --- warmup and decay to the end -----------------------------------------------------------


class LinearLR(_Schedule):
    """Scale the lr by a factor going linearly from start_factor to end_factor in total_iters steps.

    ``lr = base_lr * (start + (end - start) * min(t, total_iters) / total_iters)``.
    """

    def __init__(
        self, optimizer, start_factor=1.0 / 3, end_factor=1.0, total_iters=5, last_epoch=-1
    ):
        _check_optimizer(optimizer)
        self.start_factor = _check_real(
            "start_factor", start_factor, low=0.0, high=1.0, low_open=True
        )
        self.end_factor = _check_real("end_factor", end_factor, low=0.0, high=1.0)
        self.total_iters = _check_int("total_iters", total_iters, 1)
        super().__init__(optimizer, _check_last_epoch(last_epoch, optimizer))

    def _unit(self, t):
        return schedules.linear(t, 1.0, self.start_factor, self.end_factor, self.total_iters)

    def get_lr(self):
        self._warn_if_called_outside_step()
        t = self.last_epoch
        if t == 0:
            return self._scaled(self._unit(0))
        if self._is_initial_step() or t > self.total_iters:
            return _current_lrs(self.optimizer)
        return self._scaled(
            schedules.linear_factor(t, self.start_factor, self.end_factor, self.total_iters)
        )

    def _get_closed_form_lr(self):
        return [
            schedules.linear(
                self.last_epoch, base_lr, self.start_factor, self.end_factor, self.total_iters
            )
            for base_lr in self.base_lrs
        ]


class ConstantLR(_Schedule):
    """Scale the lr by ``factor`` for the first total_iters steps, then use base_lr."""

    def __init__(self, optimizer, factor=1.0 / 3, total_iters=5, last_epoch=-1):
        _check_optimizer(optimizer)
        self.factor = _check_real("factor", factor, low=0.0, high=1.0, low_open=True)
        self.total_iters = _check_int("total_iters", total_iters, 1)
        super().__init__(optimizer, _check_last_epoch(last_epoch, optimizer))

    def _unit(self, t):
        return schedules.constant(t, 1.0, self.factor, self.total_iters)

    def get_lr(self):
        self._warn_if_called_outside_step()
        t = self.last_epoch
        if t == 0:
            return self._scaled(self._unit(0))
        if t != self.total_iters:
            return _current_lrs(self.optimizer)
        return self._scaled(self._unit(t) / self._unit(t - 1))

    def _get_closed_form_lr(self):
        return [
            schedules.constant(self.last_epoch, base_lr, self.factor, self.total_iters)
            for base_lr in self.base_lrs
        ]


class PolynomialLR(_Schedule):
    """Decay to 0 at total_iters.

    ``lr = base_lr * (1 - min(t, total_iters) / total_iters) ** power``.
    """

    def __init__(self, optimizer, total_iters=5, power=1.0, last_epoch=-1):
        _check_optimizer(optimizer)
        self.total_iters = _check_int("total_iters", total_iters, 1)
        self.power = _check_real("power", power, low=0.0)
        super().__init__(optimizer, _check_last_epoch(last_epoch, optimizer))

    def get_lr(self):
        self._warn_if_called_outside_step()
        t = self.last_epoch
        if self._is_initial_step() or t > self.total_iters:
            return _current_lrs(self.optimizer)
        return self._scaled(schedules.polynomial_factor(t, self.total_iters, self.power))

    def _get_closed_form_lr(self):
        return [
            schedules.polynomial(self.last_epoch, base_lr, self.total_iters, self.power)
            for base_lr in self.base_lrs
        ]


# --- on plateau ----------------------------------------------------------------------------


class ReduceLROnPlateau(_torch.ReduceLROnPlateau):
    """Multiply the lr by ``factor`` once the metric has not improved for over ``patience`` steps.

    Step it with the metric: ``scheduler.step(val_loss)``. "Improved" means beating the
    best value by the threshold (:func:`lrlib.schedules.plateau_improved`); the cut is
    :func:`lrlib.schedules.plateau_reduced`. After a cut, ``cooldown`` steps pass
    before bad steps are counted again.
    """

    def __init__(
        self,
        optimizer,
        mode="min",
        factor=0.1,
        patience=10,
        threshold=1e-4,
        threshold_mode="rel",
        cooldown=0,
        min_lr=0,
        eps=1e-8,
    ):
        _check_optimizer(optimizer)
        _check_choice("mode", mode, ("min", "max"))
        _check_real("factor", factor, low=0.0, high=1.0, low_open=True, high_open=True)
        _check_int("patience", patience, 0)
        _check_real("threshold", threshold, low=0.0)
        _check_choice("threshold_mode", threshold_mode, ("rel", "abs"))
        _check_int("cooldown", cooldown, 0)
        if isinstance(min_lr, (list, tuple)):
            _per_group("min_lr", optimizer, min_lr, low=0.0)
        else:
            _check_real("min_lr", min_lr, low=0.0)
        _check_real("eps", eps, low=0.0)
        super().__init__(
            optimizer,
            mode=mode,
            factor=factor,
            patience=patience,
            threshold=threshold,
            threshold_mode=threshold_mode,
            cooldown=cooldown,
            min_lr=min_lr,
            eps=eps,
        )

    def step(self, metrics, epoch=None):
        """Record this step's metric (e.g. the validation loss); cut the lr if it has plateaued."""
        try:
            current = float(metrics)
        except (TypeError, ValueError):
            raise TypeError(
                f"metrics must be a number (e.g. the validation loss), got {_describe(metrics)}"
            ) from None
        if not math.isfinite(current):
            raise ValueError(
                f"metrics must be finite, got {current!r}: the training has diverged, "
                f"a plateau scheduler cannot help"
            )
        if epoch is None:
            epoch = self.last_epoch + 1
        else:
            warnings.warn(_torch.EPOCH_DEPRECATION_WARNING, UserWarning, stacklevel=2)
        self.last_epoch = epoch
        if schedules.plateau_improved(
            current, self.best, self.mode, self.threshold, self.threshold_mode
        ):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.cooldown_counter > 0:  # bad steps do not count while cooling down
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            self._reduce_lr(epoch)
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = [
            g["lr"].clone() if isinstance(g["lr"], torch.Tensor) else g["lr"]
            for g in self.optimizer.param_groups
        ]

    def _is_better(self, a, best):
        return schedules.plateau_improved(a, best, self.mode, self.threshold, self.threshold_mode)

    def _reduce_lr(self, epoch):
        if len(self.optimizer.param_groups) != len(self.min_lrs):
            if self.default_min_lr is None:
                raise RuntimeError(
                    # torch's text, then what lrlib adds
                    f"The number of param groups in the `optimizer` "
                    f"({len(self.optimizer.param_groups)}) differs from when "
                    f"`ReduceLROnPlateau` was initialized ({len(self.min_lrs)}), usually due to "
                    f"a new param group being added to the optimizer. Please modify the "
                    f"`min_lrs` field to match the length of the `optimizer` param groups. "
                    f"lrlib: min_lr was given per group, {self.min_lrs!r}; append the new "
                    f"group's floor, e.g. scheduler.min_lrs.append(0.0)"
                )
            self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
        for group, min_lr in zip(self.optimizer.param_groups, self.min_lrs):
            old_lr = float(group["lr"])
            new_lr = schedules.plateau_reduced(old_lr, self.factor, min_lr, self.eps)
            if new_lr != old_lr:
                _set_group(group, "lr", new_lr)


# --- composition ------------------------------------------------------------------------------


def _check_schedulers(owner, schedulers, optimizer):
    if isinstance(schedulers, LRScheduler) or not isinstance(schedulers, (list, tuple)):
        raise TypeError(f"schedulers must be a list of schedulers, got {_describe(schedulers)}")
    if not schedulers:
        raise ValueError(f"{owner} needs at least one scheduler, got schedulers=[]")
    for i, s in enumerate(schedulers):
        if not isinstance(s, LRScheduler):
            raise TypeError(
                f"schedulers[{i}] must be a learning-rate scheduler, got "
                f"{type(s).__name__} {_describe(s)}"
            )
        if isinstance(s, _torch.ReduceLROnPlateau):
            raise ValueError(
                f"schedulers[{i}] is a ReduceLROnPlateau, which {owner} cannot "
                f"drive: it needs the metric at each step"
            )
        if s.optimizer is not optimizer:
            raise ValueError(
                f"schedulers[{i}] ({type(s).__name__}) was built on another "
                f"optimizer; every scheduler must share the same one"
            )


class SequentialLR(_torch.SequentialLR):
    """Run schedulers one after another, switching at the milestones (e.g. warmup, then cosine).

    At each milestone the next scheduler starts from its own beginning.
    """

    def __init__(self, optimizer, schedulers, milestones, last_epoch=-1):
        _check_optimizer(optimizer)
        _check_schedulers("SequentialLR", schedulers, optimizer)
        if isinstance(milestones, (str, bytes)) or not isinstance(milestones, (list, tuple)):
            raise TypeError(f"milestones must be a list of ints, got {_describe(milestones)}")
        for i, m in enumerate(milestones):
            _check_int(f"milestones[{i}]", m, 1)
        if any(b <= a for a, b in zip(milestones, milestones[1:])):
            raise ValueError(f"milestones must be strictly increasing, got {_describe(milestones)}")
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(
                f"SequentialLR needs one milestone fewer than schedulers: got "
                f"{len(schedulers)} schedulers and milestones={_describe(milestones)}"
            )
        super().__init__(
            optimizer, list(schedulers), list(milestones), _check_last_epoch(last_epoch, optimizer)
        )

    def load_state_dict(self, state_dict):
        """Load a state from ``state_dict()``; warns if the optimizer's lrs disagree with it."""
        _load_composite(self, super().load_state_dict, state_dict)


class ChainedScheduler(_torch.ChainedScheduler):
    """Step several chainable schedulers together; their factors multiply.

    For example a constant factor and a decay.
    """

    def __init__(self, schedulers, optimizer=None):
        if (
            optimizer is None
            and isinstance(schedulers, (list, tuple))
            and schedulers
            and isinstance(schedulers[0], LRScheduler)
        ):
            optimizer = schedulers[0].optimizer
        if optimizer is not None:
            _check_optimizer(optimizer)
        _check_schedulers("ChainedScheduler", schedulers, optimizer)
        super().__init__(list(schedulers), optimizer)

    def load_state_dict(self, state_dict):
        """Load a state from ``state_dict()``; warns if the optimizer's lrs disagree with it."""
        _load_composite(self, super().load_state_dict, state_dict)


# --- preview ------------------------------------------------------------------------------------


def preview(
    scheduler, steps=None, lr=0.1, metrics=None, return_momentum=False, optimizer="sgd", **kwargs
):
    """The lr at each of ``steps`` steps of a schedule, without training.

    ``scheduler`` is a scheduler class (built as ``scheduler(optimizer, **kwargs)``), its
    name in :mod:`lrlib.registry` (``"SequentialLR"`` takes its parts as
    ``schedulers=[[name, kwargs], ...]``; see :func:`lrlib.registry.build`), or a
    function of the optimizer returning a scheduler. Element ``i`` is the lr in effect for
    optimizer step ``i``: element 0 right after construction, then one element after each
    ``scheduler.step()``. For ReduceLROnPlateau pass ``metrics``, the metric observed
    at the end of each step (``steps`` defaults to ``len(metrics)``).
    ``optimizer`` is 'sgd' (momentum 0.9) or 'adam'; with ``return_momentum=True``
    the momentum (SGD) or beta1 (Adam) per step comes back too: ``(lrs, momenta)``.
    """
    if metrics is not None:
        metrics = [float(m) for m in metrics]
        if steps is None:
            steps = len(metrics)
        elif steps != len(metrics):
            raise ValueError(f"steps must equal len(metrics) ({len(metrics)}), got steps={steps!r}")
    if steps is None:
        raise ValueError("preview needs steps, the number of steps to show")
    steps = _check_int("steps", steps, 1)
    _check_real("lr", lr, low=0.0)
    _check_choice("optimizer", optimizer, ("sgd", "adam"))
    param = torch.nn.Parameter(torch.zeros(1))
    opt = (
        torch.optim.SGD([param], lr=lr, momentum=0.9)
        if optimizer == "sgd"
        else torch.optim.Adam([param], lr=lr)
    )
    if isinstance(scheduler, str):
        from . import registry  # registry imports this module

        sched = registry.build(scheduler, opt, **kwargs)
    elif isinstance(scheduler, type):
        sched = scheduler(opt, **kwargs)
    elif callable(scheduler):
        if kwargs:
            raise TypeError(
                f"keyword arguments {sorted(kwargs)} go to a scheduler class; "
                f"a function of the optimizer takes none"
            )
        sched = scheduler(opt)
    else:
        raise TypeError(
            f"scheduler must be a scheduler class, its name or a function of the "
            f"optimizer, got {_describe(scheduler)}"
        )
    plateau = isinstance(sched, _torch.ReduceLROnPlateau)
    if plateau and metrics is None:
        raise ValueError("ReduceLROnPlateau needs metrics, the metric observed at each step")
    if metrics is not None and not plateau:
        raise ValueError(f"metrics are only for ReduceLROnPlateau, not {type(sched).__name__}")
    group = opt.param_groups[0]
    momentum_key = "betas" if optimizer == "adam" else "momentum"

    def momentum():
        return group["betas"][0] if momentum_key == "betas" else group["momentum"]

    lrs, momenta = [float(group["lr"])], [momentum()]
    for i in range(steps - 1):
        opt.step()  # no gradient: changes nothing, but keeps torch's step-order check quiet
        sched.step(metrics[i]) if plateau else sched.step()
        lrs.append(float(group["lr"]))
        momenta.append(momentum())
    if return_momentum:
        return np.array(lrs), np.array(momenta)
    return np.array(lrs)


# --- the schedules of transformers' get_scheduler ----------------------------------------------

__all__ += ["WarmupCosineLR", "WarmupStableDecayLR", "InverseSqrtLR"]


class _UnitSchedule(_Schedule):
    """A schedule ``lr = base_lr * unit(t)``, stepped by the ratio of consecutive unit values.

    That ratio scales each group's current lr, so the scheduler is chainable like
    torch's LinearLR. Where the previous value is 0 (a warmup from 0 at its first step)
    no ratio exists: the lr then moves by the difference, ``base_lr * (unit(t) -
    unit(t - 1))``, as torch's CosineAnnealingLR leaves its trough. At step 0 the current
    lr is multiplied by ``unit(0)``, as LinearLR multiplies it by its start factor.
    ``unit(t)`` is kept for the next step, which needs it as ``unit(t - 1)``.
    """

    _unit_step = None  # the step whose unit value _unit_value holds

    def _unit(self, t):
        raise NotImplementedError

    def _floors(self, t):
        """Per-group floors the lr scales towards at step t (None: 0)."""
        return None

    def get_lr(self):
        self._warn_if_called_outside_step()
        t = self.last_epoch
        if t == 0:
            self._unit_step, self._unit_value = 0, self._unit(0)
            return self._scaled(self._unit_value)
        if self._is_initial_step():
            return _current_lrs(self.optimizer)
        before = self._unit_value if self._unit_step == t - 1 else self._unit(t - 1)
        now = self._unit(t)
        self._unit_step, self._unit_value = t, now
        return self._chain(now, before, self._floors(t))

    def _chain(self, now, before, floors=None):
        """Move each group's lr from ``unit(t - 1)`` to ``unit(t)``, above an optional floor."""
        groups = self.optimizer.param_groups
        if floors is None:
            if before == 0:  # leaving 0, where no ratio exists: add the rise
                rise = now - before
                return [g["lr"] + base_lr * rise for base_lr, g in zip(self.base_lrs, groups)]
            return self._scaled(now / before)
        if before == 0:
            rise = now - before
            return [
                g["lr"] + (base_lr - floor) * rise
                for base_lr, floor, g in zip(self.base_lrs, floors, groups)
            ]
        ratio = now / before
        return [floor + (g["lr"] - floor) * ratio for floor, g in zip(floors, groups)]


def _check_steps(name, value):
    return _check_int(name, value, 0)


class WarmupCosineLR(_UnitSchedule):
    """Linear warmup from 0, then a cosine down to a floor at num_training_steps.

    transformers' ``get_cosine_schedule_with_warmup`` (no floor) and
    ``get_cosine_with_min_lr_schedule_with_warmup`` as a torch scheduler; the formula is
    :func:`lrlib.schedules.warmup_cosine`. As in transformers the lr is 0 at step 0.

    Args:
        optimizer: the wrapped optimizer.
        num_warmup_steps: steps of the linear warmup (0: none).
        num_training_steps: the step where the cosine reaches the floor (with 0.5 cycles).
        num_cycles: cosine periods over the decay; 0.5 (the default) is a half cosine.
        eta_min: the floor as an absolute lr, the same for every group (as in torch's
            CosineAnnealingLR; transformers' ``min_lr``, which it turns into a fraction of
            ``optimizer.defaults['lr']``, so the two agree on groups with that lr).
        min_lr_rate: the floor as a fraction of each group's initial lr, in [0, 1]
            (transformers' ``min_lr_rate``). Give eta_min or min_lr_rate, not both;
            with neither the floor is 0.
        last_epoch: the step to resume from (-1: a new schedule).

    Chainable: each step scales the current lr by the warmup's ratio, then the distance
    to the floor by the cosine's, as CosineAnnealingLR does. From an lr of 0 (the first
    warmup step, a trough of the cosine) no ratio exists and the lr is set to the
    schedule's value, so in a ChainedScheduler put it first.
    """

    def __init__(
        self,
        optimizer,
        num_warmup_steps,
        num_training_steps,
        num_cycles=0.5,
        eta_min=None,
        min_lr_rate=None,
        last_epoch=-1,
    ):
        _check_optimizer(optimizer)
        self.num_warmup_steps = _check_steps("num_warmup_steps", num_warmup_steps)
        self.num_training_steps = _check_int("num_training_steps", num_training_steps, 1)
        if self.num_training_steps < self.num_warmup_steps:
            raise ValueError(
                f"num_training_steps must be >= num_warmup_steps "
                f"({self.num_warmup_steps}), got {num_training_steps!r}"
            )
        self.num_cycles = _check_real("num_cycles", num_cycles, low=0.0, low_open=True)
        if eta_min is not None and min_lr_rate is not None:
            raise ValueError(
                f"give the floor as eta_min (an lr) or as min_lr_rate (a fraction "
                f"of the initial lr), not both: got eta_min={eta_min!r}, "
                f"min_lr_rate={min_lr_rate!r}"
            )
        self.eta_min = None if eta_min is None else _check_real("eta_min", eta_min, low=0.0)
        self.min_lr_rate = (
            None
            if min_lr_rate is None
            else _check_real("min_lr_rate", min_lr_rate, low=0.0, high=1.0)
        )
        super().__init__(optimizer, _check_last_epoch(last_epoch, optimizer))

    def _floor_values(self):
        if self.min_lr_rate is not None:
            return [self.min_lr_rate * base_lr for base_lr in self.base_lrs]
        return [self.eta_min or 0.0] * len(self.base_lrs)

    def _floors(self, t):
        # past the warmup the unit schedule is the cosine factor: the distance to the floor scales
        return None if t <= self.num_warmup_steps else self._floor_values()

    def _unit(self, t):
        return schedules.warmup_cosine(
            t, 1.0, self.num_warmup_steps, self.num_training_steps, self.num_cycles
        )

    def _get_closed_form_lr(self):
        return [
            schedules.warmup_cosine(
                self.last_epoch,
                base_lr,
                self.num_warmup_steps,
                self.num_training_steps,
                self.num_cycles,
                floor,
            )
            for base_lr, floor in zip(self.base_lrs, self._floor_values())
        ]


class WarmupStableDecayLR(_UnitSchedule):
    """Warmup-stable-decay (WSD): warm up, hold the lr, then cool down to a floor.

    transformers' ``get_wsd_schedule`` as a torch scheduler, with its parameters; the
    formula is :func:`lrlib.schedules.warmup_stable_decay`. The cooldown shape
    ``decay_type`` is 'linear', 'cosine' or '1-sqrt' (Hägele et al., 2024,
    arXiv:2405.18392). The warmup starts at ``min_lr_ratio * base_lr`` (0 by default).

    Args:
        optimizer: the wrapped optimizer.
        num_warmup_steps: steps of the warmup.
        num_decay_steps: steps of the cooldown.
        num_training_steps: all steps; the stable phase gets what warmup and cooldown leave.
        num_stable_steps: steps of the stable phase, instead of num_training_steps (giving
            both is allowed when they agree; transformers warns and uses num_stable_steps).
        warmup_type: 'linear', 'cosine' or '1-sqrt'.
        decay_type: 'linear', 'cosine' or '1-sqrt'.
        min_lr_ratio: the floor as a fraction of each group's initial lr, in [0, 1].
        num_cycles: cosine periods of a 'cosine' cooldown (0.5: a half cosine).
        last_epoch: the step to resume from (-1: a new schedule).

    Chainable: each step scales the current lr by the ratio of consecutive values; from
    an lr of 0 (the first warmup step when min_lr_ratio is 0) the lr is set to the
    schedule's value, so in a ChainedScheduler put it first.
    """

    def __init__(
        self,
        optimizer,
        num_warmup_steps,
        num_decay_steps,
        num_training_steps=None,
        num_stable_steps=None,
        warmup_type="linear",
        decay_type="cosine",
        min_lr_ratio=0.0,
        num_cycles=0.5,
        last_epoch=-1,
    ):
        _check_optimizer(optimizer)
        self.num_warmup_steps = _check_steps("num_warmup_steps", num_warmup_steps)
        self.num_decay_steps = _check_steps("num_decay_steps", num_decay_steps)
        self.num_stable_steps = self._stable_steps(num_training_steps, num_stable_steps)
        self.num_training_steps = (
            self.num_warmup_steps + self.num_stable_steps + self.num_decay_steps
        )
        self.warmup_type = _check_choice("warmup_type", warmup_type, schedules.WARMUP_TYPES)
        self.decay_type = _check_choice("decay_type", decay_type, schedules.DECAY_TYPES)
        self.min_lr_ratio = _check_real("min_lr_ratio", min_lr_ratio, low=0.0, high=1.0)
        self.num_cycles = _check_real("num_cycles", num_cycles, low=0.0, low_open=True)
        super().__init__(optimizer, _check_last_epoch(last_epoch, optimizer))

    def _stable_steps(self, num_training_steps, num_stable_steps):
        """The stable phase's length, from num_stable_steps or from num_training_steps."""
        if num_training_steps is None and num_stable_steps is None:
            raise ValueError(
                "WarmupStableDecayLR needs num_training_steps or num_stable_steps, "
                "got num_training_steps=None, num_stable_steps=None"
            )
        ends = self.num_warmup_steps + self.num_decay_steps
        if num_stable_steps is not None:
            stable = _check_steps("num_stable_steps", num_stable_steps)
            if num_training_steps is not None and num_training_steps != ends + stable:
                raise ValueError(
                    f"num_stable_steps={num_stable_steps!r} disagrees with num_training_steps="
                    f"{num_training_steps!r}: num_warmup_steps + num_stable_steps + "
                    f"num_decay_steps = {ends + stable}; give one or the other"
                )
            return stable
        total = _check_int("num_training_steps", num_training_steps, 1)
        if total < ends:
            raise ValueError(
                f"num_training_steps must be >= num_warmup_steps + num_decay_steps "
                f"({ends}), got {num_training_steps!r}"
            )
        return total - ends

    def _at(self, t, base_lr):
        return schedules.warmup_stable_decay(
            t,
            base_lr,
            self.num_warmup_steps,
            self.num_stable_steps,
            self.num_decay_steps,
            self.warmup_type,
            self.decay_type,
            self.min_lr_ratio,
            self.num_cycles,
        )

    def _unit(self, t):
        return self._at(t, 1.0)

    def _get_closed_form_lr(self):
        return [self._at(self.last_epoch, base_lr) for base_lr in self.base_lrs]


class InverseSqrtLR(_UnitSchedule):
    """Linear warmup from 0, then a decay as ``1 / sqrt(t)``.

    ``lr = base_lr / sqrt((t + timescale - W) / timescale)`` from step W on.

    transformers' ``get_inverse_sqrt_schedule`` as a torch scheduler; the formula is
    :func:`lrlib.schedules.inverse_sqrt`. The lr is 0 at step 0 and ``base_lr`` at step W.

    Args:
        optimizer: the wrapped optimizer.
        num_warmup_steps: steps of the warmup (W).
        timescale: steps over which the decay acts; None (the default) means
            num_warmup_steps, or 10000 when num_warmup_steps is 0, as in transformers.
        last_epoch: the step to resume from (-1: a new schedule).

    Chainable: each step scales the current lr by the ratio of consecutive values; from
    the lr of 0 at step 0 the lr is set to the schedule's value, so in a ChainedScheduler
    put it first.
    """

    def __init__(self, optimizer, num_warmup_steps, timescale=None, last_epoch=-1):
        _check_optimizer(optimizer)
        self.num_warmup_steps = _check_steps("num_warmup_steps", num_warmup_steps)
        self.timescale = None if timescale is None else _check_int("timescale", timescale, 1)
        super().__init__(optimizer, _check_last_epoch(last_epoch, optimizer))

    def _unit(self, t):
        return schedules.inverse_sqrt(t, 1.0, self.num_warmup_steps, self.timescale)

    def _get_closed_form_lr(self):
        return [
            schedules.inverse_sqrt(self.last_epoch, base_lr, self.num_warmup_steps, self.timescale)
            for base_lr in self.base_lrs
        ]
