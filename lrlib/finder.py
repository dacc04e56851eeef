"""The learning-rate range test (Smith, 2017): sweep the lr upward and watch the loss.

Starting from ``min_lr``, every batch trains with an lr ``(max_lr/min_lr)**(1/(steps-1))``
times larger than the last, so the lrs are evenly spaced on a log axis:

    lr_i = min_lr * (max_lr / min_lr) ** (i / (steps - 1)),   i = 0 .. steps-1

The raw batch losses are noisy, so they are smoothed by an exponential moving
average with a bias correction (the average starts at 0, so early values are
divided by ``1 - smooth**(i+1)``):

    avg_i = smooth * avg_{i-1} + (1 - smooth) * loss_i,   smoothed_i = avg_i / (1 - smooth**(i+1))

The sweep stops early once the smoothed loss exceeds ``stop_factor`` times the
best one seen (the lr is now far too large) or the run diverges by the rule
:func:`lrlib.fit` stops at (:class:`lrlib.train.DivergenceWatch`: a non-finite loss, or
10 consecutive losses above 10 times the larger of the first loss and ``log(n_classes)``). The
model's weights and the optimizer's state and lr are restored afterwards, so
the sweep leaves no trace.
"""

import contextlib
import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import _checks
from .train import DivergenceWatch, seeded_rng

__all__ = ["lr_range_test", "RangeTest", "steepest_lr", "valley_lr"]


@dataclass(frozen=True)
class RangeTest:
    """Result of :func:`lr_range_test`.

    ``lrs``, ``losses`` (smoothed) and ``raw_losses`` (per batch) are arrays of
    the steps taken. ``suggestion`` is the steepest-descent lr and ``valley``
    the valley lr (see :func:`steepest_lr` and :func:`valley_lr`); either is
    None when the loss never fell. ``min_loss_lr`` is the lr of the lowest
    smoothed loss (usually too large to train with: the loss is about to rise).
    ``stopped`` is ``"completed"``, ``"stop_factor"`` or ``"diverged"``.
    """

    lrs: np.ndarray
    losses: np.ndarray
    raw_losses: np.ndarray
    suggestion: float
    valley: float
    min_loss_lr: float
    stopped: str

    def __repr__(self):
        def fmt(v):
            return "None" if v is None else f"{v:.3g}"

        return (
            f"RangeTest(steps={len(self.lrs)}, stopped={self.stopped!r}, "
            f"suggestion={fmt(self.suggestion)}, valley={fmt(self.valley)}, "
            f"min_loss_lr={fmt(self.min_loss_lr)})"
        )


def _as_curve(lrs, losses):
    lrs = np.asarray(lrs, dtype=float)
    losses = np.asarray(losses, dtype=float)
    if lrs.ndim != 1 or lrs.shape != losses.shape:
        raise ValueError(
            f"lrs and losses must be 1-D of the same length, got shapes "
            f"{lrs.shape} and {losses.shape}"
        )
    return lrs, losses


def steepest_lr(lrs, losses):
    """The lr where the (smoothed) loss falls fastest per unit of ``log(lr)``.

    Looks only at the stretch before the lowest loss: argmin of
    ``d loss / d log(lr)`` (``np.gradient``). None when fewer than 3 points
    precede the minimum. It marks where training makes the most progress per
    step; being a derivative of a noisy curve, it can jump between runs.
    """
    lrs, losses = _as_curve(lrs, losses)
    end = int(np.argmin(losses)) + 1 if len(losses) else 0
    if end < 3:
        return None
    slope = np.gradient(losses[:end], np.log(lrs[:end]))
    return float(lrs[int(np.argmin(slope))])


def valley_lr(lrs, losses):
    """The lr halfway (on the log axis) through the longest stretch where the loss keeps falling.

    The stretch is the longest strictly decreasing subsequence of ``losses``
    (not necessarily contiguous, so small bumps do not cut it). None when the
    loss never falls. It lies below :func:`steepest_lr`, often by a large
    factor; it is no safer a pick: on digits it moved more from seed to seed
    than the steepest point and trained worse than a tuned rate (lesson "The
    LR range test"). A starting point to confirm with a real run.
    """
    lrs, losses = _as_curve(lrs, losses)
    n = len(losses)
    if n < 2:
        return None
    length = np.ones(n, dtype=int)
    previous = np.full(n, -1)
    for i in range(1, n):
        candidates = np.where(losses[:i] > losses[i], length[:i], 0)
        j = int(np.argmax(candidates))
        if candidates[j] > 0:
            length[i] = candidates[j] + 1
            previous[i] = j
    end = int(np.argmax(length))
    if length[end] < 2:
        return None
    start = end
    while previous[start] >= 0:
        start = int(previous[start])
    return float(lrs[(start + end) // 2])


def _check_arguments(min_lr, max_lr, steps, smooth, stop_factor, batch_size, seed):
    min_lr = _checks.real("min_lr", min_lr, 0, text="a finite number > 0")
    max_lr = _checks.real("max_lr", max_lr, 0, text="a finite number > 0")
    if min_lr >= max_lr:
        raise ValueError(
            f"min_lr must be smaller than max_lr, got min_lr={min_lr}, max_lr={max_lr}"
        )
    steps = _checks.positive_int("steps", steps)
    if steps < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    if isinstance(smooth, (int, float)) and not isinstance(smooth, bool):
        smooth = _checks.real("smooth", smooth, 0, 1, low_open=False)
    else:
        raise ValueError(f"smooth must be a number in [0, 1), got {smooth!r}")
    if (
        isinstance(stop_factor, bool)
        or not isinstance(stop_factor, (int, float))
        or not stop_factor > 1
    ):
        raise ValueError(f"stop_factor must be a number > 1 (or math.inf), got {stop_factor!r}")
    return (
        min_lr,
        max_lr,
        steps,
        smooth,
        stop_factor,
        _checks.positive_int("batch_size", batch_size),
        _checks.seed("seed", seed),
    )


@contextlib.contextmanager
def _restored(model, optimizer):
    """Put the model's weights, gradients and mode and the optimizer's state back on exit."""
    saved_model = copy.deepcopy(model.state_dict())
    saved_optimizer = copy.deepcopy(optimizer.state_dict())
    params = list(model.parameters())
    saved_grads = [None if p.grad is None else p.grad.detach().clone() for p in params]
    was_training = model.training
    try:
        yield
    finally:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_optimizer)
        for p, grad in zip(params, saved_grads):
            p.grad = grad
        model.train(was_training)


def _run(model, optimizer, X, y, n_classes, schedule, smooth, stop_factor, batch_size, generator):
    """The sweep itself: ``(lrs, raw losses, smoothed losses, stopped)``."""
    n = len(X)
    lrs, raw, smoothed = [], [], []
    average, best, stopped = 0.0, math.inf, "completed"
    perm, cursor = None, n
    watch = DivergenceWatch(n_classes)
    model.train()
    for i, lr in enumerate(schedule):
        for group in optimizer.param_groups:
            group["lr"] = lr
        if cursor >= n:
            perm, cursor = torch.randperm(n, generator=generator).to(X.device), 0
        idx = perm[cursor : cursor + batch_size]
        cursor += batch_size
        loss = F.cross_entropy(model(X.index_select(0, idx)), y.index_select(0, idx))
        value = loss.item()
        if watch.see(value):
            stopped = "diverged"
            break
        average = smooth * average + (1 - smooth) * value
        current = average / (1 - smooth ** (i + 1))
        lrs.append(lr)
        raw.append(value)
        smoothed.append(current)
        if current > stop_factor * best:
            stopped = "stop_factor"
            break
        best = min(best, current)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
    if stopped == "completed" and watch.finish():
        stopped = "diverged"
    return np.array(lrs), np.array(raw), np.array(smoothed), stopped


def lr_range_test(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    data,
    min_lr: float = 1e-7,
    max_lr: float = 10,
    steps: int = 100,
    smooth: float = 0.98,
    stop_factor: float = 4,
    batch_size: int = 64,
    seed: int = 0,
    device=None,
) -> RangeTest:
    """Run the LR range test and return a :class:`RangeTest`; model and optimizer are restored.

    One batch per step from ``data.train`` (shuffled by ``seed``, as many
    passes as needed) with the lr of every parameter group set to
    ``min_lr * (max_lr/min_lr)**(i/(steps-1))``. Stops after ``steps`` steps,
    when the smoothed loss exceeds ``stop_factor`` times its best, or when a
    run diverges (:class:`lrlib.train.DivergenceWatch`, the rule of :func:`lrlib.fit`).

    Two suggestions, both read off the smoothed curve:

    - ``suggestion`` (steepest): where the loss falls fastest. The classic
      reading of the test; picks an aggressive lr, and the point moves with
      the noise of the curve.
    - ``valley``: halfway (on the log axis) through the longest descent.
      Smaller than the steepest point, often by a large factor; not steadier
      from run to run (see :func:`valley_lr`).

    Both are starting points for the lr of a constant schedule or the peak
    of a one-cycle / cyclic schedule, to be confirmed by a real run.

    Args:
        model: the classifier (restored afterwards).
        optimizer: a torch optimizer over its parameters (restored afterwards).
        data: a :class:`lrlib.data.Splits` or anything with ``.train``.
        min_lr, max_lr: the first and the last lr of the sweep.
        steps: the number of steps (>= 2).
        smooth: the factor of the loss's moving average, in [0, 1).
        stop_factor: stop once the smoothed loss exceeds this times its best (> 1).
        batch_size: examples per step.
        seed: seeds the shuffle and torch's RNG during the test.
        device: where to run (None: where the model is).

    Returns:
        A :class:`RangeTest`.

    >>> import lrlib
    >>> model = lrlib.models.mlp(64, 10, hidden=(32,))
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> test = lr_range_test(model, opt, lrlib.data.digits(), min_lr=1e-4, max_lr=10, steps=50)
    >>> test.stopped in ("completed", "stop_factor", "diverged"), len(test.lrs) <= 50
    (True, True)
    """
    _checks.module("model", model)
    _checks.optimizer(optimizer, model)
    min_lr, max_lr, steps, smooth, stop_factor, batch_size, seed = _check_arguments(
        min_lr, max_lr, steps, smooth, stop_factor, batch_size, seed
    )
    splits = _checks.as_splits(data)
    dev = _checks.resolve_device(device, model)
    model.to(dev)
    X, y = (t.to(dev) for t in splits.train)
    _checks.model_output(model, X, splits.n_classes)
    ratio = max_lr / min_lr
    schedule = [min_lr * ratio ** (i / (steps - 1)) for i in range(steps)]
    generator = torch.Generator().manual_seed(seed)
    with _restored(model, optimizer), seeded_rng(dev, seed):
        lrs, raw, smoothed, stopped = _run(
            model,
            optimizer,
            X,
            y,
            splits.n_classes,
            schedule,
            smooth,
            stop_factor,
            batch_size,
            generator,
        )
    return RangeTest(
        lrs=lrs,
        losses=smoothed,
        raw_losses=raw,
        suggestion=steepest_lr(lrs, smoothed),
        valley=valley_lr(lrs, smoothed),
        min_loss_lr=float(lrs[np.argmin(smoothed)]) if len(lrs) else None,
        stopped=stopped,
    )
