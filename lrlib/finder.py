"""The learning-rate range test (Smith, 2017): sweep the lr upward and watch the loss.

Starting from ``min_lr``, every batch trains with an lr ``(max_lr/min_lr)**(1/(steps-1))``
times larger than the last, so the lrs are evenly spaced on a log axis:

    lr_i = min_lr * (max_lr / min_lr) ** (i / (steps - 1)),   i = 0 .. steps-1

The raw batch losses are noisy, so they are smoothed by an exponential moving
average with a bias correction (the average starts at 0, so early values are
divided by ``1 - smooth**(i+1)``):

    avg_i = smooth * avg_{i-1} + (1 - smooth) * loss_i,   smoothed_i = avg_i / (1 - smooth**(i+1))

The sweep stops early once the smoothed loss exceeds ``stop_factor`` times the
best one seen (the lr is now far too large) or a loss is NaN/infinite. The
model's weights and the optimizer's state and lr are restored afterwards, so
the sweep leaves no trace.
"""
import copy
import math
from dataclasses import dataclass

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .train import (_as_splits, _check_model_output, _check_optimizer, _check_seed,
                    _positive_int, _seeded_rng, _resolve_device)

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
        return (f"RangeTest(steps={len(self.lrs)}, stopped={self.stopped!r}, "
                f"suggestion={fmt(self.suggestion)}, valley={fmt(self.valley)}, "
                f"min_loss_lr={fmt(self.min_loss_lr)})")


def _as_curve(lrs, losses):
    lrs = np.asarray(lrs, dtype=float)
    losses = np.asarray(losses, dtype=float)
    if lrs.ndim != 1 or lrs.shape != losses.shape:
        raise ValueError(f"lrs and losses must be 1-D of the same length, got shapes "
                         f"{lrs.shape} and {losses.shape}")
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
    """The lr halfway (on the log axis) through the longest stretch over which the loss keeps falling.

    The stretch is the longest strictly decreasing subsequence of ``losses``
    (not necessarily contiguous, so small bumps do not cut it). None when the
    loss never falls. Less sensitive to noise than :func:`steepest_lr` and
    usually a little smaller: a safe default for a first run.
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


def _positive_float(name, value):
    if isinstance(value, bool) or not isinstance(value, (int, float, np.floating, np.integer)):
        raise TypeError(f"{name} must be a number, got {value!r}")
    if not (math.isfinite(value) and value > 0):
        raise ValueError(f"{name} must be a finite number > 0, got {value!r}")
    return float(value)


def lr_range_test(model, optimizer, data, min_lr=1e-7, max_lr=10, steps=100, smooth=0.98,
                  stop_factor=4, batch_size=64, seed=0, device=None):
    """Run the LR range test and return a :class:`RangeTest`; model and optimizer are restored.

    One batch per step from ``data.train`` (shuffled by ``seed``, as many
    passes as needed) with the lr of every parameter group set to
    ``min_lr * (max_lr/min_lr)**(i/(steps-1))``. Stops after ``steps`` steps,
    when the smoothed loss exceeds ``stop_factor`` times its best, or at a
    NaN/infinite loss.

    Two suggestions, both read off the smoothed curve:

    - ``suggestion`` (steepest): where the loss falls fastest. The classic
      reading of the test; picks an aggressive lr, and the point moves with
      the noise of the curve.
    - ``valley``: halfway through the longest descent. Steadier from run to
      run and a little smaller: the one to try first when one run is all
      there is.

    Both are starting points for the lr of a constant schedule or the peak
    of a one-cycle / cyclic schedule, to be confirmed by a real run.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    _check_optimizer(optimizer, model)
    min_lr = _positive_float("min_lr", min_lr)
    max_lr = _positive_float("max_lr", max_lr)
    if min_lr >= max_lr:
        raise ValueError(f"min_lr must be smaller than max_lr, got min_lr={min_lr}, max_lr={max_lr}")
    steps = _positive_int("steps", steps)
    if steps < 2:
        raise ValueError(f"steps must be >= 2, got {steps}")
    if isinstance(smooth, bool) or not isinstance(smooth, (int, float)) or not 0 <= smooth < 1:
        raise ValueError(f"smooth must be a number in [0, 1), got {smooth!r}")
    if (isinstance(stop_factor, bool) or not isinstance(stop_factor, (int, float))
            or not stop_factor > 1):
        raise ValueError(f"stop_factor must be a number > 1 (or math.inf), got {stop_factor!r}")
    batch_size = _positive_int("batch_size", batch_size)
    seed = _check_seed("seed", seed)
    splits = _as_splits(data)
    dev = _resolve_device(device, model)
    model.to(dev)
    X, y = (t.to(dev) for t in splits.train)
    _check_model_output(model, X, splits.n_classes)

    saved_model = copy.deepcopy(model.state_dict())
    saved_optimizer = copy.deepcopy(optimizer.state_dict())
    params = list(model.parameters())
    saved_grads = [None if p.grad is None else p.grad.detach().clone() for p in params]
    was_training = model.training
    generator = torch.Generator().manual_seed(seed)
    n = len(X)
    ratio = max_lr / min_lr
    lrs, raw, smoothed = [], [], []
    average, best, stopped = 0.0, math.inf, "completed"
    perm, cursor = None, n
    try:
        with _seeded_rng(dev, seed):
            model.train()
            for i in range(steps):
                lr = min_lr * ratio ** (i / (steps - 1))
                for group in optimizer.param_groups:
                    group["lr"] = lr
                if cursor >= n:
                    perm, cursor = torch.randperm(n, generator=generator).to(dev), 0
                idx = perm[cursor:cursor + batch_size]
                cursor += batch_size
                loss = F.cross_entropy(model(X.index_select(0, idx)), y.index_select(0, idx))
                value = loss.item()
                if not math.isfinite(value):
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
    finally:
        model.load_state_dict(saved_model)
        optimizer.load_state_dict(saved_optimizer)
        for p, grad in zip(params, saved_grads):
            p.grad = grad
        model.train(was_training)
    lrs, smoothed = np.array(lrs), np.array(smoothed)
    return RangeTest(lrs=lrs, losses=smoothed, raw_losses=np.array(raw),
                     suggestion=steepest_lr(lrs, smoothed), valley=valley_lr(lrs, smoothed),
                     min_loss_lr=float(lrs[np.argmin(smoothed)]) if len(lrs) else None,
                     stopped=stopped)
