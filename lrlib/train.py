"""Training loops: :func:`fit` for one run, :func:`fit_seeds` for several seeds at once,
:func:`sweep` for a grid of learning rates x seeds at once.

All three train a classifier with cross-entropy on the in-memory tensors of
:mod:`lrlib.data`, through one loop (``_train``): a run is a set of
members (one for ``fit``), each with its own shuffle. A batch is drawn by
indexing tensors that already sit on the device with a shuffled index (no
DataLoader, no per-sample Python). Each step is: forward, loss, backward,
``optimizer.step()``, then (with ``step_every="batch"``) ``scheduler.step()``;
the scheduler always steps after the optimizer. ``ReduceLROnPlateau`` is
stepped once per epoch with the validation loss.

They return :class:`History` objects: the lr and the train loss of every
step, and per epoch the train loss, validation loss and validation accuracy.
When a loss diverges (see :func:`diverges`) the run stops and
``History.diverged`` says at which step and lr (nothing raises), so a lesson
can show an lr that is too high.
"""

import contextlib
import copy
import math
import os
import warnings
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from typing import Callable, Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import _batched, _checks

__all__ = [
    "fit",
    "fit_seeds",
    "sweep",
    "evaluate",
    "diverges",
    "seeded_rng",
    "History",
    "Runs",
    "Sweep",
    "Divergence",
    "DIVERGENCE_FACTOR",
    "DIVERGENCE_PATIENCE",
    "DivergenceWatch",
]

_PLATEAU = torch.optim.lr_scheduler.ReduceLROnPlateau
_STEP_EVERY = ("batch", "epoch")

# --------------------------------------------------------------------------- divergence

DIVERGENCE_FACTOR = 10.0
DIVERGENCE_PATIENCE = 10


def diverges(loss: float, first_loss: float, n_classes: int) -> bool:
    """Whether one step's train ``loss`` is out of any useful range.

    Out of range: NaN or infinite, or larger than ``DIVERGENCE_FACTOR`` (10)
    times the larger of the run's first step loss and ``log(n_classes)``.
    ``log(n_classes)`` is the cross-entropy of an even guess over the
    classes, about where a fresh network starts; ten times that puts a
    probability below ``C**-10`` on the right class on average. The first
    loss counts when it is larger (a badly scaled initialisation), so such a
    run is judged against where it started.

    One such step is not yet a divergence: a run *diverges* (see
    :class:`DivergenceWatch`, used by :func:`fit`, :func:`fit_seeds`,
    :func:`sweep` and :func:`lrlib.lr_range_test`) at a non-finite loss, or
    when its loss stays out of range for ``DIVERGENCE_PATIENCE`` (10)
    consecutive steps, or when it ends out of range. Measured on the
    lessons' tasks: SGD at lr=1e4 on digits stays more than a thousand times
    above its first loss for good; AdamW at lr=0.1 on MNIST and SGD at lr=10
    on digits leave the range for a few steps and come back (the first to a
    useful model, the second to a dead one at chance accuracy, which is a
    failure but not a divergence: watch the accuracy too).

    Args:
        loss: the loss of one step (a batch's mean cross-entropy).
        first_loss: the loss of the run's first step.
        n_classes: the number of classes of the data.

    Returns:
        True when the step's loss is out of range.

    >>> diverges(3e12, 2.3, 10), diverges(float("nan"), 2.3, 10), diverges(20.0, 2.3, 10)
    (True, True, False)
    """
    if not math.isfinite(loss):
        return True
    return loss > DIVERGENCE_FACTOR * max(first_loss, math.log(n_classes))


class DivergenceWatch:
    """One run's divergence, judged step by step from its losses.

    :meth:`see` takes each step's loss and returns True at the step where the
    run is judged diverged: a non-finite loss, or the ``DIVERGENCE_PATIENCE``-th
    consecutive step out of range (:func:`diverges`). :meth:`finish` says
    whether a run that ended is out of range at its end. ``start`` is the first
    step of the excursion out of range (None while in range).

    Args:
        n_classes: the number of classes of the data.

    >>> watch = DivergenceWatch(10)
    >>> [watch.see(x) for x in (2.3, 40.0, 1.0)], watch.start
    ([False, False, False], None)
    >>> any(watch.see(40.0) for _ in range(DIVERGENCE_PATIENCE)), watch.start
    (True, 3)
    """

    def __init__(self, n_classes: int):
        self.n_classes = n_classes
        self.first: Optional[float] = None
        self.steps = 0
        self.start: Optional[int] = None

    def see(self, loss: float) -> bool:
        """Take the next step's loss; True when the run has diverged at it."""
        if self.first is None:
            self.first = loss
        step, self.steps = self.steps, self.steps + 1
        if not diverges(loss, self.first, self.n_classes):
            self.start = None
            return False
        if self.start is None:
            self.start = step
        return not math.isfinite(loss) or step - self.start + 1 >= DIVERGENCE_PATIENCE

    def finish(self) -> bool:
        """Whether the run, now ended, is out of range at its last step."""
        return self.start is not None


@dataclass(frozen=True)
class Divergence:
    """Where a run diverged: ``step``, the first step of the excursion out of range that
    did not come back (an index into ``History.lr`` / ``step_loss``), its ``epoch``
    (0-based), and that step's ``lr`` and ``loss`` (see :class:`DivergenceWatch`)."""

    step: int
    epoch: int
    lr: float
    loss: float

    def __str__(self) -> str:
        return (
            f"diverged at step {self.step} (epoch {self.epoch}), lr={self.lr:.4g}, "
            f"loss={self.loss:.4g}"
        )


@dataclass
class History:
    """What one training run recorded.

    Per step (one entry per optimizer step): ``lr`` (the lr of the first
    parameter group used by that step) and ``step_loss`` (the batch's mean
    train loss). Per completed epoch: ``train_loss`` (mean over the epoch's
    examples), ``val_loss`` and ``val_acc`` (empty without validation data).
    ``diverged`` is ``False`` or a :class:`Divergence` (see
    :class:`DivergenceWatch`); a run stopped as diverged has step lists that
    end with the step at which it was judged diverged, and epoch lists that
    hold the epochs completed before it (a run that ends out of range is
    diverged too, with its lists complete).
    """

    lr: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    diverged: object = False
    steps_per_epoch: int = 0
    seed: int = 0

    @property
    def epochs(self):
        """Number of completed epochs."""
        return len(self.train_loss)

    def final(self, digits=4):
        """The last epoch's numbers, rounded to ``digits`` decimals, as a dict (for printing)."""

        def last(values):
            return round(values[-1], digits) if values else None

        return {
            "epochs": self.epochs,
            "train_loss": last(self.train_loss),
            "val_loss": last(self.val_loss),
            "val_acc": last(self.val_acc),
            "diverged": str(self.diverged) if self.diverged else False,
        }

    def __repr__(self):
        parts = [f"epochs={self.epochs}", f"steps={len(self.step_loss)}"]
        for key in ("train_loss", "val_loss", "val_acc"):
            values = getattr(self, key)
            if values:
                parts.append(f"{key}={values[-1]:.4f}")
        if self.diverged:
            parts.append(f"diverged=<{self.diverged}>")
        return f"History({', '.join(parts)})"


class Runs(list):
    """The histories of :func:`fit_seeds`, one per seed, in the order of ``seeds``.

    ``runs.seeds`` are the seeds, ``runs.models`` the trained models (one per
    seed). ``stack(key)`` gives an array ``(n_seeds, length)`` of a History
    field (NaN-padded where a run diverged early); ``mean(key)`` and
    ``std(key)`` reduce it over the seeds.
    """

    def __init__(self, histories, seeds, models):
        super().__init__(histories)
        self.seeds = list(seeds)
        self.models = list(models)

    def stack(self, key):
        """Array of shape ``(n_seeds, longest)`` with field ``key`` of every run, NaN-padded."""
        if key not in ("lr", "step_loss", "train_loss", "val_loss", "val_acc"):
            raise ValueError(f"key must be a per-step or per-epoch field of History, got {key!r}")
        rows = [getattr(h, key) for h in self]
        out = np.full((len(rows), max((len(r) for r in rows), default=0)), np.nan)
        for i, row in enumerate(rows):
            out[i, : len(row)] = row
        return out

    def mean(self, key):
        """Mean over the seeds of field ``key``, per step or epoch (NaN where all diverged)."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanmean(self.stack(key), axis=0)

    def std(self, key):
        """Standard deviation (ddof=0) over the seeds of field ``key``, per step or epoch."""
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            return np.nanstd(self.stack(key), axis=0)

    def final(self, digits=4):
        """Mean and standard deviation over seeds of the last epoch's numbers, rounded: a dict."""
        out = {}
        for key in ("train_loss", "val_loss", "val_acc"):
            last = [getattr(h, key)[-1] for h in self if getattr(h, key)]
            if last:
                out[key] = (round(float(np.mean(last)), digits), round(float(np.std(last)), digits))
        out["diverged"] = sum(bool(h.diverged) for h in self)
        return out

    def __repr__(self):
        return f"Runs(seeds={self.seeds}, final={self.final()})"


class Sweep:
    """The result of :func:`sweep`: one History per (learning rate, seed).

    ``sweep.lrs`` and ``sweep.seeds`` are the grid's axes; ``histories[i][j]``
    and ``models[i][j]`` belong to ``lrs[i]`` and ``seeds[j]``. The arrays
    below are shaped ``(n_lrs, n_seeds)``, NaN where a run diverged.
    """

    def __init__(self, lrs, seeds, histories, models):
        self.lrs, self.seeds = list(lrs), list(seeds)
        n = len(self.seeds)
        self.histories = [histories[i * n : (i + 1) * n] for i in range(len(self.lrs))]
        self.models = [models[i * n : (i + 1) * n] for i in range(len(self.lrs))]

    def runs(self, lr: float) -> "Runs":
        """The :class:`Runs` (over seeds) of learning rate ``lr`` (a value of ``lrs``)."""
        if lr not in self.lrs:
            raise ValueError(f"lr must be one of {self.lrs}, got {lr!r}")
        i = self.lrs.index(lr)
        return Runs(self.histories[i], self.seeds, self.models[i])

    def final(self, key: str = "val_acc") -> np.ndarray:
        """``(n_lrs, n_seeds)`` array of the last epoch's ``key`` (NaN for a diverged run)."""
        if key not in ("train_loss", "val_loss", "val_acc"):
            raise ValueError(f"key must be 'train_loss', 'val_loss' or 'val_acc', got {key!r}")
        return np.array(
            [
                [getattr(h, key)[-1] if getattr(h, key) and not h.diverged else np.nan for h in row]
                for row in self.histories
            ]
        )

    @property
    def diverged(self) -> np.ndarray:
        """``(n_lrs, n_seeds)`` booleans: which runs diverged."""
        return np.array([[bool(h.diverged) for h in row] for row in self.histories])

    def best_lr(self, key: str = "val_loss") -> np.ndarray:
        """Per seed, the lr with the best last-epoch ``key`` (lowest loss, highest accuracy)."""
        values = self.final(key)
        if key == "val_acc":
            values = -values
        values = np.where(np.isnan(values), np.inf, values)
        best = np.argmin(values, axis=0)
        ok = np.isfinite(values.min(axis=0))
        return np.where(ok, np.array(self.lrs)[best], np.nan)

    def __repr__(self):
        acc = self.final("val_acc")
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            mean = np.nanmean(acc, axis=1)
        cells = ", ".join(f"{lr:.3g}: {m:.4f}" for lr, m in zip(self.lrs, mean))
        return (
            f"Sweep(lrs x seeds = {len(self.lrs)} x {len(self.seeds)}, mean final val_acc "
            f"{{{cells}}}, diverged={int(self.diverged.sum())})"
        )


# --------------------------------------------------------------------------- the loop


def _reads_loss_every_step(device):
    """Whether the loop reads each step's loss back at once (CPU) or once per epoch.

    On the CPU reading a loss is free, so training stops at the step that
    diverges. On a GPU it would wait for the device at every step, so the
    losses are kept on the device and read once per epoch.
    """
    return device.type == "cpu"


def _tqdm_disabled_by_env():
    """True when the environment variable TQDM_DISABLE asks for no progress bars.

    Read at call time: tqdm reads TQDM_* only once, when it is imported, and its
    notebook widget ignores TQDM_DISABLE.
    """
    value = os.environ.get("TQDM_DISABLE", "").strip().lower()
    return value not in ("", "0", "false", "no", "off")


def _progress_bar(progress, total, desc):
    if not progress or _tqdm_disabled_by_env():
        return None
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # "IProgress not found" when ipywidgets is missing
        from tqdm.auto import tqdm
    # disable=False: the decision is made here, at call time; tqdm itself read TQDM_DISABLE
    # once, when it was first imported, and may still hold that stale default.
    return tqdm(total=total, desc=desc, unit="epoch", disable=False)


@contextlib.contextmanager
def seeded_rng(device: torch.device, seed: int):
    """Seed torch's RNG of ``device`` (and the CPU's) with ``seed``; restore both on exit.

    Args:
        device: the device whose generator is seeded as well as the CPU's.
        seed: the seed.

    >>> with seeded_rng(torch.device("cpu"), 0):
    ...     a = torch.rand(1)
    >>> with seeded_rng(torch.device("cpu"), 0):
    ...     b = torch.rand(1)
    >>> bool(a == b)
    True
    """
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.default_generator.manual_seed(seed)
        if devices:
            torch.cuda.manual_seed(seed)
        yield


class _Stepper:
    """Steps one scheduler at the right moments: per batch, per epoch, or on the val loss."""

    def __init__(self, scheduler, step_every):
        self.scheduler = scheduler
        plateau = isinstance(scheduler, _PLATEAU)
        self.per_batch = scheduler is not None and step_every == "batch" and not plateau
        self.per_epoch = scheduler is not None and step_every == "epoch" and not plateau
        self.plateau = plateau

    def after_batch(self):
        if self.per_batch:
            self.scheduler.step()

    def after_epoch(self, val_loss):
        if self.plateau:
            self.scheduler.step(val_loss)
        elif self.per_epoch:
            self.scheduler.step()


def _optimizer_mode(optimizer, train):
    """Switch an optimizer with modes (schedule-free's ``train()``/``eval()``); else nothing."""
    switch = getattr(optimizer, "train" if train else "eval", None)
    if callable(switch):
        switch()


class _Single:
    """fit's one member: a model, its optimizer and its scheduler stepper."""

    n = 1

    def __init__(self, model, optimizer, stepper):
        self.model, self.optimizer, self.stepper = model, optimizer, stepper

    def train(self, mode=True):
        self.model.train(mode)
        _optimizer_mode(self.optimizer, mode)

    def lrs(self):
        return [float(self.optimizer.param_groups[0]["lr"])]

    def losses(self, X, y, idx):
        i = idx[0]
        return F.cross_entropy(self.model(X.index_select(0, i)), y.index_select(0, i))

    def apply(self, loss, alive):
        self.optimizer.zero_grad(set_to_none=True)
        loss.backward()
        self.optimizer.step()
        self.stepper.after_batch()

    def evaluate(self, X, y):
        with torch.no_grad():
            loss, accuracy = _evaluate(self.model, X, y)
        return loss.reshape(1), accuracy.reshape(1)

    def end_epoch(self, val_losses, alive):
        self.stepper.after_epoch(None if val_losses is None else val_losses[0])

    def stop(self, member):
        pass


class _Watch:
    """Each member's divergence: a :class:`DivergenceWatch` each, alive or not, and the
    step at which it was judged diverged."""

    def __init__(self, n, n_classes):
        self.runs = [DivergenceWatch(n_classes) for _ in range(n)]
        self.alive = [True] * n
        self.step_of = [None] * n
        self.steps = 0

    def see(self, row):
        """Take one step's losses (one per member); return the members that diverge at it."""
        new = []
        for i, value in enumerate(row):
            if self.alive[i] and self.runs[i].see(value):
                self.alive[i], self.step_of[i] = False, self.steps
                new.append(i)
        self.steps += 1
        return new

    def finish(self):
        """At the end of training: the live members that end out of range (diverged too)."""
        return [i for i, run in enumerate(self.runs) if self.alive[i] and run.finish()]


def _train_epoch(members, watch, X, y, perm, batch_size, each_step):
    """One pass over the data; returns per step the members' lrs and losses (lists of rows)."""
    n_batches = math.ceil(perm.shape[1] / batch_size)
    lr_rows, loss_rows = [], []
    buffer = None if each_step else torch.empty(n_batches, members.n, device=X.device)
    members.train()
    for b in range(n_batches):
        lr_rows.append(members.lrs())
        losses = members.losses(X, y, perm[:, b * batch_size : (b + 1) * batch_size])
        if each_step:
            row = losses.tolist()
            loss_rows.append(row if isinstance(row, list) else [row])
            for i in watch.see(loss_rows[-1]):
                members.stop(i)
            if not any(watch.alive):
                break
        else:
            buffer[b] = losses.detach()
        members.apply(losses, watch.alive)
    if not each_step:
        loss_rows = buffer.tolist()
        for row in loss_rows:
            watch.see(row)
    return lr_rows, loss_rows


def _record_epoch(hists, epoch, first_step, lr_rows, loss_rows, watch, val_stats, n, batch_size):
    """Append one epoch to each member's history; a member that diverged gets its steps up to it."""
    for i, hist in enumerate(hists):
        if hist.diverged:
            continue
        lrs = [row[i] for row in lr_rows]
        losses = [row[i] for row in loss_rows]
        if watch.step_of[i] is not None:
            cut = watch.step_of[i] - first_step + 1
            hist.lr += lrs[:cut]
            hist.step_loss += losses[:cut]
            _mark_diverged(hist, watch.runs[i].start)
            continue
        hist.lr += lrs
        hist.step_loss += losses
        hist.train_loss.append(_epoch_mean(losses, n, batch_size))
        if val_stats is not None:
            hist.val_loss.append(val_stats[0][i])
            hist.val_acc.append(val_stats[1][i])


def _mark_diverged(hist, start):
    """Record that ``hist``'s run diverged, by the excursion that began at step ``start``."""
    epoch = start // hist.steps_per_epoch
    hist.diverged = Divergence(start, epoch, hist.lr[start], hist.step_loss[start])


def _train(members, hists, shuffles, data, n_classes, epochs, batch_size, bar):
    """The training loop of fit, fit_seeds and sweep.

    ``members``: a :class:`_Single` or a :class:`lrlib._batched.Stacked` with
    an update (see :class:`_Members`); ``hists``: one History per member;
    ``shuffles``: ``(generators, rows)``, one generator per seed and, when
    several members share a seed (a sweep), each member's row in them (else None).
    """
    (X, y), val = data
    generators, rows = shuffles
    n = len(X)
    watch = _Watch(members.n, n_classes)
    each_step = _reads_loss_every_step(X.device)
    for epoch in range(epochs):
        perm = torch.stack([torch.randperm(n, generator=g) for g in generators]).to(X.device)
        if rows is not None:
            perm = perm[rows]
        first_step = watch.steps
        lr_rows, loss_rows = _train_epoch(members, watch, X, y, perm, batch_size, each_step)
        val_stats = None
        if val is not None and any(watch.alive):
            members.train(False)
            val_stats = [v.tolist() for v in members.evaluate(*val)]
        _record_epoch(hists, epoch, first_step, lr_rows, loss_rows, watch, val_stats, n, batch_size)
        if not any(watch.alive):
            break
        members.end_epoch(None if val_stats is None else val_stats[0], watch.alive)
        if bar is not None:
            bar.set_postfix(_postfix(hists[0]), refresh=False)
            bar.update(1)
    for i in watch.finish():
        _mark_diverged(hists[i], watch.runs[i].start)


class _Members:
    """A :class:`lrlib._batched.Stacked` with its update: what :func:`_train` drives."""

    def __init__(self, stacked, update):
        self.stacked, self.update, self.n = stacked, update, stacked.n
        self.train, self.losses, self.evaluate = stacked.train, stacked.losses, stacked.evaluate
        self.stop = stacked.stop
        self.lrs, self.apply, self.end_epoch = update.lrs, update.apply, update.end_epoch


def _postfix(hist):
    out = {}
    if hist.train_loss:
        out["loss"] = f"{hist.train_loss[-1]:.4f}"
    if hist.val_acc:
        out["val_acc"] = f"{hist.val_acc[-1]:.4f}"
    return out


def _evaluate(forward, X, y):
    """Mean cross-entropy and accuracy of ``forward`` on ``(X, y)``, as 0-d tensors (no sync)."""
    loss_sum = torch.zeros((), device=X.device)
    correct = torch.zeros((), device=X.device, dtype=torch.long)
    for i in range(0, len(X), _batched.EVAL_CHUNK):
        out = forward(X[i : i + _batched.EVAL_CHUNK])
        target = y[i : i + _batched.EVAL_CHUNK]
        loss_sum += F.cross_entropy(out, target, reduction="sum")
        correct += (out.argmax(-1) == target).sum()
    return loss_sum / len(X), correct.double() / len(X)


def _epoch_mean(step_losses, n, batch_size):
    """Mean train loss over an epoch's ``n`` examples from its per-batch means."""
    sizes = [min(batch_size, n - i) for i in range(0, n, batch_size)]
    return sum(loss * size for loss, size in zip(step_losses, sizes)) / n


# --------------------------------------------------------------------------- public API


def evaluate(model: nn.Module, split: tuple, device=None) -> tuple:
    """Mean cross-entropy and accuracy of a trained ``model`` on one split: ``(loss, accuracy)``.

    For ``split = (X, y)`` (e.g. ``data.test``) with logits ``z_i = model(X_i)``::

        loss = mean_i CE(z_i, y_i)        accuracy = mean_i [argmax z_i == y_i]

    both as Python floats, the same numbers :func:`fit` records for the
    validation split. The model runs in eval mode under ``torch.no_grad()``
    and its mode is restored. Use it on ``runs.models`` of :func:`fit_seeds`
    to measure each seed's model on the test split.

    Args:
        model: a classifier returning ``(batch, n_classes)`` logits.
        split: an ``(X, y)`` pair of tensors.
        device: where to evaluate (None: where the model's parameters are);
            the model is not moved, so pass the device it is on.

    Returns:
        ``(loss, accuracy)`` as floats.

    >>> import lrlib
    >>> data = lrlib.data.digits()
    >>> loss, acc = evaluate(lrlib.models.mlp(64, 10), data.test)
    >>> 0.0 <= acc <= 1.0 and loss > 0
    True
    """
    _checks.module("model", model)
    X, y = _checks.split("split", split)
    dev = _checks.resolve_device(device, model)
    X, y = X.to(dev), y.to(dev)
    _checks.model_output(model, X, int(y.max()) + 1, at_least=True)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            loss, accuracy = _evaluate(model, X, y)
    finally:
        model.train(was_training)
    return loss.item(), accuracy.item()


def _check_loop(epochs, batch_size, step_every, progress):
    epochs = _checks.positive_int("epochs", epochs)
    batch_size = _checks.positive_int("batch_size", batch_size)
    if step_every not in _STEP_EVERY:
        raise ValueError(f"step_every must be 'batch' or 'epoch', got {step_every!r}")
    _checks.flag("progress", progress)
    return epochs, batch_size


def _on_device(splits, dev):
    train = tuple(t.to(dev) for t in splits.train)
    return train, None if splits.val is None else tuple(t.to(dev) for t in splits.val)


def fit(
    model: nn.Module,
    optimizer: torch.optim.Optimizer,
    data,
    epochs: int,
    batch_size: int,
    scheduler=None,
    step_every: str = "batch",
    seed: int = 0,
    device=None,
    progress: bool = True,
) -> "History":
    """Train ``model`` with cross-entropy on ``data`` and return a :class:`History`.

    On CPU the loss is checked after every step; on a GPU it is read once per
    epoch (no host synchronisation per step), so the weights may have taken a
    few more steps after the step that diverged. Either way the history ends
    at that step (see :class:`DivergenceWatch` for the rule).

    An optimizer with modes, such as the ``schedulefree`` package's
    (``optimizer.train()`` / ``optimizer.eval()``), is switched to train mode
    for the training steps and to eval mode for each validation and at the
    end, so the validation numbers and the returned model are at the point
    such an optimizer means to be evaluated (schedule-free: the average ``x``).

    Args:
        model: the classifier, trained in place.
        optimizer: a torch optimizer over ``model``'s parameters.
        data: a :class:`lrlib.data.Splits` (or anything with ``.train`` and
            ``.val`` as ``(X, y)`` tensor pairs); ``val`` may be ``None``.
        epochs: passes over ``data.train``.
        batch_size: examples per step (the last batch of an epoch may be
            smaller), shuffled by a generator of its own seeded with ``seed``.
        scheduler: stepped after every optimizer step (``step_every="batch"``)
            or after every epoch (``"epoch"``); a ``ReduceLROnPlateau`` is
            stepped once per epoch with the validation loss.
        step_every: ``"batch"`` or ``"epoch"``.
        seed: the shuffle's seed; torch's global RNG is seeded with it inside
            the run (for dropout) and restored afterwards.
        device: where to train (None: where the model's parameters are); the
            model is moved there and the data copied there once.
        progress: a tqdm bar over epochs (also off when the environment
            variable ``TQDM_DISABLE`` is set). Nothing else is printed.

    Returns:
        The run's :class:`History`.

    >>> import lrlib
    >>> data = lrlib.data.digits()
    >>> model = lrlib.models.mlp(64, 10, hidden=(32,))
    >>> opt = torch.optim.SGD(model.parameters(), lr=0.1)
    >>> hist = fit(model, opt, data, epochs=2, batch_size=64, progress=False)
    >>> hist.epochs, len(hist.step_loss), hist.diverged
    (2, 34, False)
    """
    _checks.module("model", model)
    _checks.optimizer(optimizer, model)
    _checks.scheduler(scheduler, optimizer)
    epochs, batch_size = _check_loop(epochs, batch_size, step_every, progress)
    seed = _checks.seed("seed", seed)
    splits = _checks.as_splits(data)
    if isinstance(scheduler, _PLATEAU) and splits.val is None:
        raise ValueError(
            "scheduler is ReduceLROnPlateau, which needs validation data: data.val is None"
        )
    dev = _checks.resolve_device(device, model)
    model.to(dev)
    _checks.optimizer_state_device(optimizer)
    tensors = _on_device(splits, dev)
    _checks.model_output(model, tensors[0][0], splits.n_classes)
    hist = History(steps_per_epoch=math.ceil(len(tensors[0][0]) / batch_size), seed=seed)
    members = _Single(model, optimizer, _Stepper(scheduler, step_every))
    was_training = model.training
    bar = _progress_bar(progress, epochs, "fit")
    try:
        with seeded_rng(dev, seed):
            _train(
                members,
                [hist],
                ([torch.Generator().manual_seed(seed)], None),
                tensors,
                splits.n_classes,
                epochs,
                batch_size,
                bar,
            )
    finally:
        model.train(was_training)
        _optimizer_mode(optimizer, False)
        if bar is not None:
            bar.close()
    return hist


def _check_models(models, labels):
    """The members' models: modules of one architecture, without buffers or dropout."""
    for label, m in zip(labels, models):
        if not isinstance(m, nn.Module):
            raise TypeError(
                f"make_model({label}) must return a torch.nn.Module, got {type(m).__name__}"
            )
    shapes = [(k, tuple(p.shape)) for k, p in models[0].named_parameters()]
    for label, m in zip(labels, models):
        if [(k, tuple(p.shape)) for k, p in m.named_parameters()] != shapes:
            raise ValueError(
                f"make_model({label}) built a model with other parameters than "
                f"make_model({labels[0]}); every seed needs the same architecture"
            )
    if any(True for _ in models[0].buffers()):
        raise ValueError(
            "batched runs support models without buffers (no BatchNorm); use fit per seed"
        )
    if any(isinstance(mod, nn.modules.dropout._DropoutNd) for mod in models[0].modules()):
        raise ValueError(
            "batched runs cannot batch models with dropout (random per seed); use fit per seed"
        )


def _run_members(members, hists, shuffles, splits, dev, epochs, batch_size, progress, desc):
    """Train stacked members with a progress bar, then hand each its weights back."""
    bar = _progress_bar(progress, epochs, desc)
    try:
        _train(
            members,
            hists,
            shuffles,
            _on_device(splits, dev),
            splits.n_classes,
            epochs,
            batch_size,
            bar,
        )
    finally:
        if bar is not None:
            bar.close()
    members.stacked.hand_back()


def _seed_update(stacked, make_optimizer, make_scheduler, step_every, splits):
    """fit_seeds' update: one shared optimizer when it is elementwise, else one per seed."""

    def check_optimizer(optimizer, model):
        return _checks.optimizer(optimizer, model, "make_optimizer(model)")

    def make_stepper(optimizer):
        scheduler = None if make_scheduler is None else make_scheduler(optimizer)
        _checks.scheduler(scheduler, optimizer, "make_scheduler(optimizer)")
        if isinstance(scheduler, _PLATEAU) and splits.val is None:
            raise ValueError(
                "make_scheduler gives ReduceLROnPlateau, which needs validation "
                "data: data.val is None"
            )
        return _Stepper(scheduler, step_every)

    # What kind of optimizer and scheduler: probed on the first seed's own model.
    probe = check_optimizer(make_optimizer(stacked.models[0]), stacked.models[0])
    shared = type(probe) in _batched.ELEMENTWISE_OPTIMIZERS and not make_stepper(probe).plateau
    if shared:
        optimizer = check_optimizer(make_optimizer(stacked.module), stacked.module)
        return _batched.SharedUpdate(optimizer, make_stepper(optimizer), stacked.n)
    return _batched.PerMemberUpdate(stacked, make_optimizer, make_stepper, check_optimizer)


def fit_seeds(
    make_model: Callable,
    make_optimizer: Callable,
    data,
    seeds: Iterable[int],
    make_scheduler: Optional[Callable] = None,
    *,
    epochs: int,
    batch_size: int,
    step_every: str = "batch",
    device=None,
    progress: bool = True,
) -> "Runs":
    """Train one model per seed, all seeds at once, and return their :class:`Runs`.

    Each seed's history equals ``fit(model, opt, data, epochs, batch_size,
    sched, step_every, seed=seed)`` with the objects the factories build (to
    float rounding: losses within 1e-5), including its own shuffling. The
    seeds' weights are stacked and trained as one batched model (see
    ``lrlib._batched``). An elementwise optimizer (SGD, Adam, AdamW,
    RMSprop, ...) with a schedule that depends on the step only is one
    optimizer over the stacked weights; ``ReduceLROnPlateau`` or any other
    optimizer gets one instance per seed over views of them. Models with
    buffers (BatchNorm) or dropout are not supported.

    Args:
        make_model: ``make_model(seed)`` builds a seed's model; its
            initialisation must depend on the seed only.
        make_optimizer: ``make_optimizer(model)`` builds its optimizer.
        data: as for :func:`fit`.
        seeds: distinct ints, e.g. ``range(5)``.
        make_scheduler: ``make_scheduler(optimizer)`` builds its scheduler (optional).
        epochs, batch_size, step_every, device, progress: as for :func:`fit`.

    Returns:
        :class:`Runs`, one History per seed, with the trained models.

    >>> import lrlib
    >>> runs = fit_seeds(lambda s: lrlib.models.mlp(64, 10, hidden=(32,), seed=s),
    ...                  lambda m: torch.optim.SGD(m.parameters(), lr=0.1), lrlib.data.digits(),
    ...                  range(3), epochs=1, batch_size=64, progress=False)
    >>> runs.seeds, runs.stack("val_acc").shape
    ([0, 1, 2], (3, 1))
    """
    _checks.factories(make_model, make_optimizer, make_scheduler)
    epochs, batch_size = _check_loop(epochs, batch_size, step_every, progress)
    seeds = _checks.seeds(seeds)
    splits = _checks.as_splits(data)
    models = [make_model(s) for s in seeds]
    _check_models(models, seeds)
    dev = _checks.resolve_device(device, models[0])
    _checks.model_output(models[0], splits.train[0], splits.n_classes)
    stacked = _batched.Stacked(models, dev)
    members = _Members(
        stacked, _seed_update(stacked, make_optimizer, make_scheduler, step_every, splits)
    )
    steps = math.ceil(len(splits.train[0]) / batch_size)
    hists = [History(steps_per_epoch=steps, seed=s) for s in seeds]
    generators = [torch.Generator().manual_seed(s) for s in seeds]
    _run_members(
        members,
        hists,
        (generators, None),
        splits,
        dev,
        epochs,
        batch_size,
        progress,
        f"fit_seeds x{len(seeds)}",
    )
    return Runs(hists, seeds, models)


def _sweep_members(models, lrs, make_optimizer, make_scheduler, step_every, splits):
    """Each member's own (never stepped) optimizer and its scheduler stepper, checked."""
    optimizers, steppers = [], []
    for k, model in enumerate(models):
        lr = lrs[k]
        optimizer = _checks.optimizer(make_optimizer(model, lr), model, "make_optimizer(model, lr)")
        if type(optimizer) not in _batched.SUPPORTED:
            raise TypeError(
                f"sweep batches SGD, Adam and AdamW; make_optimizer built a "
                f"{type(optimizer).__name__}: use fit_seeds per lr"
            )
        scheduler = None if make_scheduler is None else make_scheduler(optimizer, lr)
        _checks.scheduler(scheduler, optimizer, "make_scheduler(optimizer, lr)")
        if isinstance(scheduler, _PLATEAU) and splits.val is None:
            raise ValueError(
                "make_scheduler gives ReduceLROnPlateau, which needs validation "
                "data: data.val is None"
            )
        optimizer.step()  # no gradients yet, so a no-op; it lets the scheduler step silently
        optimizers.append(optimizer)
        steppers.append(_Stepper(scheduler, step_every))
    return optimizers, steppers


def sweep(
    make_model: Callable,
    make_optimizer: Callable,
    data,
    lrs: Sequence[float],
    seeds: Iterable[int] = range(5),
    make_scheduler: Optional[Callable] = None,
    *,
    epochs: int,
    batch_size: int,
    step_every: str = "batch",
    device=None,
    progress: bool = True,
) -> "Sweep":
    """Train every (learning rate, seed) pair at once, as one batched model: a :class:`Sweep`.

    Each member's history equals ``fit(model, opt, data, epochs, batch_size,
    sched, step_every, seed=seed)`` with ``model = make_model(seed)``, ``opt =
    make_optimizer(model, lr)`` and ``sched = make_scheduler(opt, lr)``, to
    float rounding (losses within 1e-5). Each member has its own optimizer
    and scheduler objects, which set its lr (and momentum or betas) at every
    step; the update itself (SGD with momentum, Adam or AdamW, torch's
    formulas) is applied to all members' stacked weights at once, each with
    its own numbers (see ``lrlib._batched.BatchedUpdate``).

    Args:
        make_model: ``make_model(seed)`` builds a seed's model (the same one for every lr).
        make_optimizer: ``make_optimizer(model, lr)`` builds an SGD, Adam or
            AdamW optimizer at that lr.
        data: as for :func:`fit`.
        lrs: the learning rates, positive numbers.
        seeds: distinct ints, e.g. ``range(5)``.
        make_scheduler: ``make_scheduler(optimizer, lr)`` (optional); ``lr``
            is there for schedulers that take the peak lr (``OneCycleLR``).
        epochs, batch_size, step_every, device, progress: as for :func:`fit`.

    Returns:
        :class:`Sweep` with a History per (lr, seed) and arrays over the grid.

    >>> import lrlib
    >>> result = sweep(lambda s: lrlib.models.mlp(64, 10, hidden=(32,), seed=s),
    ...                lambda m, lr: torch.optim.SGD(m.parameters(), lr=lr, momentum=0.9),
    ...                lrlib.data.digits(), lrs=[0.01, 0.1], seeds=range(2), epochs=2,
    ...                batch_size=64, progress=False)
    >>> result.final("val_acc").shape, result.best_lr().tolist()
    ((2, 2), [0.1, 0.1])
    """
    _checks.factories(make_model, make_optimizer, make_scheduler)
    lrs = _checks.lrs(lrs)
    epochs, batch_size = _check_loop(epochs, batch_size, step_every, progress)
    seeds = _checks.seeds(seeds)
    splits = _checks.as_splits(data)
    first = [make_model(s) for s in seeds]
    _check_models(first, seeds)
    models = [copy.deepcopy(m) for _ in lrs for m in first]
    dev = _checks.resolve_device(device, first[0])
    _checks.model_output(first[0], splits.train[0], splits.n_classes)
    member_lrs = [lr for lr in lrs for _ in seeds]
    stacked = _batched.Stacked(models, dev)
    optimizers, steppers = _sweep_members(
        models, member_lrs, make_optimizer, make_scheduler, step_every, splits
    )
    members = _Members(stacked, _batched.BatchedUpdate(stacked, optimizers, steppers))
    steps = math.ceil(len(splits.train[0]) / batch_size)
    hists = [History(steps_per_epoch=steps, seed=s) for _ in lrs for s in seeds]
    shuffles = (
        [torch.Generator().manual_seed(s) for s in seeds],
        torch.arange(len(lrs) * len(seeds), device=dev) % len(seeds),
    )
    _run_members(
        members,
        hists,
        shuffles,
        splits,
        dev,
        epochs,
        batch_size,
        progress,
        f"sweep {len(lrs)} lrs x {len(seeds)} seeds",
    )
    return Sweep(lrs, seeds, hists, models)
