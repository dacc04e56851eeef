"""Argument checks shared by lrlib's modules (internal: not part of the public API).

Every check raises a ``TypeError`` (wrong kind of value) or a ``ValueError``
(right kind, wrong value) whose message names the parameter and the value it
got, and returns the value normalised (an ``int`` for a numpy integer, ...).
One rule per kind of argument, so the same argument is checked the same way
in every function that takes it.
"""

import math
import numbers

import numpy as np
import torch
from torch import nn

__all__ = [
    "positive_int",
    "real",
    "seed",
    "seeds",
    "flag",
    "callable_",
    "split",
    "as_splits",
    "resolve_device",
    "module",
    "model_output",
    "optimizer",
    "optimizer_state_device",
    "scheduler",
]

# The largest seed + 1: numpy's and scikit-learn's generators take seeds below 2**32, torch's
# below 2**64, so one bound that all of them accept.
SEED_BOUND = 2**32


def _is_int(value):
    return isinstance(value, (int, np.integer)) and not isinstance(value, bool)


def _int_at_least(name, value, low, what):
    if not _is_int(value):
        raise TypeError(f"{name} must be a {what} int, got {value!r}")
    if value < low:
        raise ValueError(f"{name} must be a {what} int, got {value!r}")
    return int(value)


def positive_int(name, value):
    """``value`` as an int if it is an int >= 1.

    >>> positive_int("epochs", 3)
    3
    """
    return _int_at_least(name, value, 1, "positive")


def non_negative_int(name, value):
    """``value`` as an int if it is an int >= 0.

    >>> non_negative_int("start_step", 0)
    0
    """
    return _int_at_least(name, value, 0, "non-negative")


def real(name, value, low=-math.inf, high=math.inf, low_open=True, high_open=True, text=None):
    """``value`` as a float if it is a real number in the interval from ``low`` to ``high``.

    ``low_open`` / ``high_open``: whether the bound itself is excluded. ``text``
    replaces the interval in the message (e.g. ``"a finite number > 0"``).

    >>> real("smooth", 0.5, 0, 1, low_open=False)
    0.5
    """
    if not isinstance(value, numbers.Real) or isinstance(value, bool):
        raise TypeError(f"{name} must be a number, got {value!r}")
    above = value > low if low_open else value >= low
    below = value < high if high_open else value <= high
    if not (above and below) or math.isnan(value):
        if text is None:
            text = "a number in {}{}, {}{}".format(
                "(" if low_open else "[", _fmt(low), _fmt(high), ")" if high_open else "]"
            )
        raise ValueError(f"{name} must be {text}, got {value!r}")
    return float(value)


def _fmt(bound):
    return str(int(bound)) if math.isfinite(bound) and bound == int(bound) else str(bound)


def seed(name, value):
    """``value`` as an int if it is a valid seed: an int in [0, 2**32).

    >>> seed("seed", 7)
    7
    """
    if not _is_int(value):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if not 0 <= value < SEED_BOUND:
        raise ValueError(f"{name} must be in [0, 2**32), got {value!r}")
    return int(value)


def _nonempty_list(name, value, what):
    """``value`` (any iterable but a single number) as a non-empty list; ``what`` it must be."""
    if isinstance(value, numbers.Number):
        raise TypeError(f"{name} must be {what}, got the number {value!r}")
    try:
        value = list(value)
    except TypeError:
        raise TypeError(f"{name} must be {what}, got {value!r}") from None
    if not value:
        raise ValueError(f"{name} must not be empty")
    return value


def seeds(value):
    """A non-empty list of distinct seeds (``range(5)``, a list of ints) as a list of ints."""
    value = _nonempty_list("seeds", value, "a list of ints such as range(5)")
    value = [seed("each seed in seeds", s) for s in value]
    if len(set(value)) != len(value):
        raise ValueError(f"seeds must be distinct, got {value}")
    return value


def lrs(value):
    """A non-empty list of finite learning rates > 0 as a list of floats.

    >>> lrs((0.1, 1))
    [0.1, 1.0]
    """
    value = _nonempty_list("lrs", value, "a list of learning rates")
    value = [real("each lr in lrs", v, 0, text="a finite number > 0") for v in value]
    if not all(math.isfinite(v) for v in value):
        raise ValueError(f"each lr in lrs must be a finite number > 0, got {value}")
    return value


def flag(name, value):
    """``value`` if it is True or False."""
    if not isinstance(value, bool):
        raise TypeError(f"{name} must be True or False, got {value!r}")
    return value


def callable_(name, value):
    """``value`` if it can be called (a factory such as ``make_model``)."""
    if not callable(value):
        raise TypeError(f"{name} must be callable, got {type(value).__name__}")
    return value


def factories(make_model, make_optimizer, make_scheduler):
    """The factories of ``fit_seeds`` and ``sweep``: callables, ``make_scheduler`` may be None."""
    for name, factory in (("make_model", make_model), ("make_optimizer", make_optimizer)):
        callable_(name, factory)
    if make_scheduler is not None:
        callable_("make_scheduler", make_scheduler)


def module(name, value):
    """``value`` if it is a ``torch.nn.Module``."""
    if not isinstance(value, nn.Module):
        raise TypeError(f"{name} must be a torch.nn.Module, got {type(value).__name__}")
    return value


def split(name, pair):
    """Validate one ``(X, y)`` pair and return it as ``(float tensor, int64 tensor)``."""
    if not (isinstance(pair, (tuple, list)) and len(pair) == 2):
        raise TypeError(f"{name} must be a pair (X, y) of tensors, got {type(pair).__name__}")
    X, y = pair
    if not isinstance(X, torch.Tensor) or not isinstance(y, torch.Tensor):
        raise TypeError(
            f"{name} must hold torch tensors, got X: {type(X).__name__}, y: {type(y).__name__}"
        )
    if not X.is_floating_point():
        raise TypeError(f"{name} features must be a floating-point tensor, got dtype {X.dtype}")
    if y.is_floating_point() or y.is_complex() or y.dtype == torch.bool:
        raise TypeError(f"{name} labels must be an integer tensor, got dtype {y.dtype}")
    if X.ndim < 2:
        raise ValueError(f"{name} features must have shape (n, ...), got shape {tuple(X.shape)}")
    if y.ndim != 1:
        raise ValueError(f"{name} labels must have shape (n,), got shape {tuple(y.shape)}")
    if len(X) != len(y):
        raise ValueError(
            f"{name} has {len(X)} feature rows but {len(y)} labels; they must have the same length"
        )
    if len(X) == 0:
        raise ValueError(f"{name} is empty")
    if not bool(torch.isfinite(X).all()):
        bad = int((~torch.isfinite(X)).sum())
        raise ValueError(f"{name} features contain {bad} NaN or infinite values")
    if bool((y < 0).any()):
        raise ValueError(f"{name} labels must be >= 0, got min {int(y.min())}")
    return X, y.long()


def as_splits(data):
    """The train and validation tensors of ``data`` (anything with ``.train``) as a Splits."""
    from .data import Splits

    if isinstance(data, Splits):
        return data
    if not hasattr(data, "train"):
        raise TypeError(
            f"data must have .train (and .val) as (X, y) pairs, like lrlib.data.digits(); "
            f"got {type(data).__name__}"
        )
    return Splits(
        data.train, getattr(data, "val", None), n_classes=getattr(data, "n_classes", None)
    )


def resolve_device(device, model):
    """``device`` as a ``torch.device``; None: where ``model``'s parameters are (CPU if none)."""
    if device is None:
        first = next(model.parameters(), None)
        return first.device if first is not None else torch.device("cpu")
    if isinstance(device, torch.device):
        return device
    if isinstance(device, str):
        try:
            return torch.device(device)
        except RuntimeError as err:
            raise ValueError(
                f"device must be 'cpu', 'cuda', 'cuda:0', ..., got {device!r}"
            ) from err
    raise TypeError(f"device must be None, a str or a torch.device, got {device!r}")


def model_output(model, X, n_classes, at_least=False):
    """The model maps a batch of X to (batch, n_classes) logits (at least n_classes: at_least)."""
    first = next(model.parameters(), None)
    x = X[:2] if first is None else X[:2].to(first.device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        model.train(was_training)
    if (
        not isinstance(out, torch.Tensor)
        or out.ndim != 2
        or (out.shape[1] < n_classes if at_least else out.shape[1] != n_classes)
    ):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        need = (
            f"n_classes >= {n_classes} (the labels go up to {n_classes - 1})"
            if at_least
            else f"n_classes={n_classes} for this data"
        )
        raise ValueError(
            f"model must return (batch, n_classes) logits with {need}; "
            f"for a batch of {len(x)} it returned {shape}"
        )


def optimizer(value, model, name="optimizer"):
    """``value`` is a torch optimizer over parameters of ``model`` only."""
    if not isinstance(value, torch.optim.Optimizer):
        raise TypeError(f"{name} must be a torch.optim.Optimizer, got {type(value).__name__}")
    own = {id(p) for p in model.parameters()}
    for group in value.param_groups:
        for p in group["params"]:
            if id(p) not in own:
                raise ValueError(
                    f"{name} updates a tensor of shape {tuple(p.shape)} that is not a parameter "
                    f"of the model; build the optimizer on model.parameters()"
                )
    return value


def optimizer_state_device(value):
    """The optimizer's saved state (momentum buffers, Adam's moments) sits with its parameter."""
    for param, state in value.state.items():
        for key, tensor in state.items():
            if (
                isinstance(tensor, torch.Tensor)
                and tensor.ndim > 0
                and tensor.device != param.device
            ):
                raise ValueError(
                    f"optimizer state {key!r} is on {tensor.device} but its parameter is on "
                    f"{param.device}: move the model to the device before building the optimizer "
                    f"or loading its state_dict (load_state_dict puts the state where the "
                    f"parameters are)"
                )


def scheduler(value, opt, name="scheduler"):
    """``value`` is None or an lr scheduler built on the optimizer ``opt``."""
    if value is None:
        return None
    if not callable(getattr(value, "step", None)) or not hasattr(value, "optimizer"):
        raise TypeError(
            f"{name} must be an lr scheduler (torch.optim.lr_scheduler or lrlib), "
            f"got {type(value).__name__}"
        )
    if value.optimizer is not opt:
        raise ValueError(
            f"{name} was built on another optimizer ({type(value.optimizer).__name__} at "
            f"{id(value.optimizer):#x}), not on the optimizer passed to training"
        )
    return value
