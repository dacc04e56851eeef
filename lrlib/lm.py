"""Training and evaluating a character-level language model on a :class:`lrlib.data.Text`.

:func:`lrlib.fit` trains classifiers on ``(X, y)`` splits; a language model
predicts the next character at every position of a window, so its loss is the
cross-entropy over ``(batch, T, vocab_size)`` logits, in nats per character.
:func:`train_lm` trains for a number of optimizer steps (there are no epochs:
each step draws ``batch_size`` random windows of ``corpus.block`` characters)
and :func:`eval_lm` measures the loss on every non-overlapping window of a
split, the same windows every time.
"""

import math
from dataclasses import dataclass, field
from typing import Optional

import torch
import torch.nn.functional as F
from torch import nn

from . import _checks
from .data import Text
from .train import seeded_rng

__all__ = ["train_lm", "eval_lm", "LMHistory"]


@dataclass
class LMHistory:
    """What :func:`train_lm` recorded.

    Per optimizer step: ``lr`` (the first parameter group's lr used by that
    step) and ``step_loss`` (the batch's mean loss, nats/char). At each
    evaluation: ``eval_step`` (steps done so far) and ``val_loss`` (nats/char).
    ``diverged`` is ``None``, or the index of the first step whose loss was
    NaN or infinite; the run stopped there and the step lists end with it.
    """

    lr: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    eval_step: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    diverged: Optional[int] = None
    seed: int = 0

    def __repr__(self):
        parts = [f"steps={len(self.step_loss)}"]
        if self.val_loss:
            parts.append(f"val_loss={self.val_loss[-1]:.4f} at step {self.eval_step[-1]}")
        if self.diverged is not None:
            parts.append(f"diverged at step {self.diverged}")
        return f"LMHistory({', '.join(parts)})"


def _check_corpus(corpus):
    if not isinstance(corpus, Text):
        raise TypeError(f"corpus must be an lrlib.data.Text, got {type(corpus).__name__}")


def _lm_loss(model, x, y):
    """Mean next-character cross-entropy of ``model`` on windows ``x`` with targets ``y``."""
    logits = model(x)
    return F.cross_entropy(logits.reshape(-1, logits.shape[-1]), y.reshape(-1))


def eval_lm(
    model: nn.Module,
    corpus: Text,
    split: str = "val",
    max_windows: Optional[int] = None,
    batch_size: int = 256,
    device=None,
) -> float:
    """Mean loss in nats/char of ``model`` on the windows of ``corpus.windows(split)``.

    Every non-overlapping window of ``corpus.block`` characters is scored at
    every position (early positions see little context), so the number is
    the same on every call; ``max_windows`` keeps only the first ones, for
    speed. The model runs in eval mode under ``torch.no_grad()`` and its mode
    is restored; it is not moved (``device``: where it is, None to read it
    from its parameters).

    Args:
        model: maps ids ``(batch, T)`` to logits ``(batch, T, vocab_size)``.
        corpus: an :class:`lrlib.data.Text`.
        split: ``"val"`` or ``"train"``.
        max_windows: evaluate the first this many windows only (None: all).
        batch_size: windows per forward pass (memory only; the result is the same).
        device: where the model is.

    Returns:
        The loss as a float.

    Example:
        >>> import lrlib
        >>> corpus = lrlib.data.text(block=32)
        >>> model = lrlib.models.tiny_transformer(corpus.vocab_size, 32)
        >>> round(eval_lm(model, corpus, max_windows=64), 1)       # untrained: ~ln(103)
        4.6
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    _check_corpus(corpus)
    batch_size = _checks.positive_int("batch_size", batch_size)
    x, y = corpus.windows(split)
    if max_windows is not None:
        x, y = x[: _checks.positive_int("max_windows", max_windows)], y[:max_windows]
    dev = _checks.resolve_device(device, model)
    was_training = model.training
    model.eval()
    total = torch.zeros((), dtype=torch.float64, device=dev)
    try:
        with torch.no_grad():
            for i in range(0, len(x), batch_size):
                xb, yb = x[i : i + batch_size].to(dev), y[i : i + batch_size].to(dev)
                total += _lm_loss(model, xb, yb).double() * len(xb)
    finally:
        model.train(was_training)
    return float(total) / len(x)


def _lm_step(model, optimizer, x, y, max_grad_norm):
    """One optimizer step on the batch ``(x, y)``, unless its loss is not finite: the loss."""
    loss = _lm_loss(model, x, y)
    value = loss.item()
    if math.isfinite(value):
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        if max_grad_norm is not None:
            nn.utils.clip_grad_norm_(model.parameters(), max_grad_norm)
        optimizer.step()
    return value


def train_lm(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    corpus: Text,
    steps: int,
    batch_size: int,
    scheduler=None,
    seed: int = 0,
    start_step: int = 0,
    eval_every: Optional[int] = None,
    eval_windows: Optional[int] = None,
    max_grad_norm: Optional[float] = None,
    device=None,
) -> LMHistory:
    """Train a language ``model`` for ``steps`` optimizer steps on ``corpus.train``.

    Each step draws ``batch_size`` random windows (``corpus.batches(batch_size,
    seed, start=start_step)``: the same windows for the same ``seed`` and
    step), computes the mean
    next-character cross-entropy, steps the optimizer, then the scheduler
    (once per step; a ``ReduceLROnPlateau`` instead at each evaluation, with
    the validation loss). Torch's global RNG is seeded with ``seed`` inside
    the run (for dropout) and restored afterwards. The run stops at the first
    non-finite loss (``LMHistory.diverged``); nothing raises.

    Args:
        model: maps ids ``(batch, T)`` to logits ``(batch, T, vocab_size)``.
        optimizer: built on ``model.parameters()``.
        corpus: an :class:`lrlib.data.Text`.
        steps: number of optimizer steps.
        batch_size: windows per step.
        scheduler: an lr scheduler on ``optimizer``, or None.
        seed: seeds the batches and torch's RNG during the run.
        start_step: the steps already taken by the run this one continues
            (a checkpoint's step): the batches are those of the uninterrupted
            run from its step ``start_step + 1`` on, so runs forked from one
            checkpoint and a run never stopped see the same batch at each step
            (paired by batch as well as by seed). ``eval_step`` counts from it.
        eval_every: evaluate on ``corpus.val`` after every this many steps and
            after the last (None: after the last step only).
        eval_windows: ``max_windows`` of each evaluation (None: all windows).
        max_grad_norm: clip the gradients' global norm to this before each step (None: no clip).
        device: where to train (None: where the model is); model and corpus are moved there.

    Returns:
        An :class:`LMHistory`.

    Example::

        >>> import lrlib, torch
        >>> corpus = lrlib.data.text(block=16)
        >>> model = lrlib.models.tiny_transformer(corpus.vocab_size, 16, d_model=16, n_layers=1)
        >>> opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
        >>> hist = train_lm(model, opt, corpus, steps=30, batch_size=8)
        >>> len(hist.lr), hist.step_loss[-1] < hist.step_loss[0]
        (30, True)
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    _check_corpus(corpus)
    _checks.optimizer(optimizer, model)
    _checks.scheduler(scheduler, optimizer)
    steps = _checks.positive_int("steps", steps)
    batch_size = _checks.positive_int("batch_size", batch_size)
    seed = _checks.seed("seed", seed)
    start_step = _checks.non_negative_int("start_step", start_step)
    eval_every = steps if eval_every is None else _checks.positive_int("eval_every", eval_every)
    if max_grad_norm is not None:
        max_grad_norm = _checks.real(
            "max_grad_norm", max_grad_norm, low=0.0, text="a positive number or None"
        )
    dev = _checks.resolve_device(device, model)
    model.to(dev)
    _checks.optimizer_state_device(optimizer)
    corpus = corpus.to(dev)
    plateau = isinstance(scheduler, torch.optim.lr_scheduler.ReduceLROnPlateau)
    hist = LMHistory(seed=seed)
    batches = corpus.batches(batch_size, seed=seed, start=start_step)
    was_training = model.training
    try:
        with seeded_rng(dev, seed):
            for step in range(1, steps + 1):
                model.train()
                x, y = next(batches)
                hist.lr.append(float(optimizer.param_groups[0]["lr"]))
                hist.step_loss.append(_lm_step(model, optimizer, x, y, max_grad_norm))
                if not math.isfinite(hist.step_loss[-1]):
                    hist.diverged = step - 1
                    break
                if scheduler is not None and not plateau:
                    scheduler.step()
                if step % eval_every == 0 or step == steps:
                    hist.eval_step.append(start_step + step)
                    hist.val_loss.append(eval_lm(model, corpus, "val", eval_windows, device=dev))
                    if plateau:
                        scheduler.step(hist.val_loss[-1])
    finally:
        model.train(was_training)
    return hist
