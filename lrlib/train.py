"""Training loops: :func:`fit` for one run, :func:`fit_seeds` for several seeds at once.

Both train a classifier with cross-entropy on the in-memory tensors of
:mod:`lrlib.data`. A batch is drawn by indexing tensors that already sit on
the device with a shuffled index (no DataLoader, no per-sample Python). Each
step is: forward, loss, backward, ``optimizer.step()``, then (with
``step_every="batch"``) ``scheduler.step()``; the scheduler always steps after
the optimizer. ``ReduceLROnPlateau`` is stepped once per epoch with the
validation loss.

Both return :class:`History` objects: the lr and the train loss of every
step, and per epoch the train loss, validation loss and validation accuracy.
When the loss becomes NaN or infinite, the run stops and ``History.diverged``
says at which step and lr (nothing raises), so a lesson can show an lr that
is too high.
"""
import contextlib
import copy
import math
import os
import warnings
from dataclasses import dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from .data import Splits, _check_split
from .models import _positive_int

__all__ = ["fit", "fit_seeds", "evaluate", "History", "Runs", "Divergence"]

_PLATEAU = torch.optim.lr_scheduler.ReduceLROnPlateau
_EVAL_CHUNK = 2048
_STEP_EVERY = ("batch", "epoch")
# Optimizers whose update of an element depends on that element's own gradient
# and state only: one instance over the seeds' stacked weights equals one
# instance per seed.
_ELEMENTWISE_OPTIMIZERS = tuple(
    getattr(torch.optim, name) for name in
    ("SGD", "Adam", "AdamW", "Adamax", "NAdam", "RAdam", "Adagrad", "Adadelta", "RMSprop",
     "Rprop", "ASGD") if hasattr(torch.optim, name))
# Parameter-free modules that act element by element, whatever the shape.
_ELEMENTWISE_MODULES = (nn.ReLU, nn.LeakyReLU, nn.ELU, nn.GELU, nn.SiLU, nn.Tanh, nn.Sigmoid,
                        nn.Softplus, nn.Mish, nn.Hardtanh, nn.Identity)


# --------------------------------------------------------------------------- results

@dataclass(frozen=True)
class Divergence:
    """Where a run diverged: ``step`` (index into ``History.lr`` / ``step_loss``),
    ``epoch`` (0-based), the ``lr`` of that step and its non-finite ``loss``."""

    step: int
    epoch: int
    lr: float
    loss: float

    def __str__(self):
        return (f"diverged at step {self.step} (epoch {self.epoch}), lr={self.lr:.4g}, "
                f"loss={self.loss}")


@dataclass
class History:
    """What one training run recorded.

    Per step (one entry per optimizer step): ``lr`` (the lr of the first
    parameter group used by that step) and ``step_loss`` (the batch's mean
    train loss). Per completed epoch: ``train_loss`` (mean over the epoch's
    examples), ``val_loss`` and ``val_acc`` (empty without validation data).
    ``diverged`` is ``False`` or a :class:`Divergence`; a diverged run's step
    lists end with the non-finite step, and its epoch lists hold the epochs
    completed before it.
    """

    lr: list = field(default_factory=list)
    step_loss: list = field(default_factory=list)
    train_loss: list = field(default_factory=list)
    val_loss: list = field(default_factory=list)
    val_acc: list = field(default_factory=list)
    diverged: object = False
    steps_per_epoch: int = 0
    seed: int = 0

    def _record_steps(self, lrs, losses, epoch):
        """Append an epoch's per-step lrs and losses; stop at the first non-finite loss.

        Returns True, with ``diverged`` set, when the epoch held a non-finite loss.
        """
        bad = next((i for i, v in enumerate(losses) if not math.isfinite(v)), None)
        if bad is None:
            self.lr += lrs
            self.step_loss += losses
            return False
        self.lr += lrs[:bad + 1]
        self.step_loss += losses[:bad + 1]
        step = len(self.step_loss) - 1
        self.diverged = Divergence(step, epoch, self.lr[step], self.step_loss[step])
        return True

    @property
    def epochs(self):
        """Number of completed epochs."""
        return len(self.train_loss)

    def final(self, digits=4):
        """The last epoch's numbers, rounded to ``digits`` decimals, as a dict (for printing)."""
        def last(values):
            return round(values[-1], digits) if values else None
        return {"epochs": self.epochs, "train_loss": last(self.train_loss),
                "val_loss": last(self.val_loss), "val_acc": last(self.val_acc),
                "diverged": str(self.diverged) if self.diverged else False}

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
            out[i, :len(row)] = row
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
        """Mean and standard deviation over seeds of the last epoch's numbers, rounded, as a dict."""
        out = {}
        for key in ("train_loss", "val_loss", "val_acc"):
            last = [getattr(h, key)[-1] for h in self if getattr(h, key)]
            if last:
                out[key] = (round(float(np.mean(last)), digits), round(float(np.std(last)), digits))
        out["diverged"] = sum(bool(h.diverged) for h in self)
        return out

    def __repr__(self):
        return f"Runs(seeds={self.seeds}, final={self.final()})"


# --------------------------------------------------------------------------- checks



def _check_seed(name, seed):
    if isinstance(seed, bool) or not isinstance(seed, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {seed!r}")
    if not 0 <= seed < 2**63:
        raise ValueError(f"{name} must be >= 0, got {seed!r}")
    return int(seed)


def _check_common(epochs, batch_size, step_every, progress):
    epochs = _positive_int("epochs", epochs)
    batch_size = _positive_int("batch_size", batch_size)
    if step_every not in _STEP_EVERY:
        raise ValueError(f"step_every must be 'batch' or 'epoch', got {step_every!r}")
    if not isinstance(progress, bool):
        raise TypeError(f"progress must be True or False, got {progress!r}")
    return epochs, batch_size


def _as_splits(data):
    """The train and validation tensors of ``data`` (anything with ``.train``), validated."""
    if isinstance(data, Splits):
        return data
    if not hasattr(data, "train"):
        raise TypeError(
            f"data must have .train (and .val) as (X, y) pairs, like lrlib.data.digits(); "
            f"got {type(data).__name__}")
    return Splits(data.train, getattr(data, "val", None), n_classes=getattr(data, "n_classes", None))


def _resolve_device(device, model):
    if device is None:
        first = next(model.parameters(), None)
        return first.device if first is not None else torch.device("cpu")
    if isinstance(device, torch.device):
        return device
    if isinstance(device, str):
        try:
            return torch.device(device)
        except RuntimeError as err:
            raise ValueError(f"device must be 'cpu', 'cuda', 'cuda:0', ..., got {device!r}") from err
    raise TypeError(f"device must be None, a str or a torch.device, got {device!r}")


def _check_model_output(model, X, n_classes, at_least=False):
    """The model maps a batch of X to (batch, n_classes) logits; at least n_classes with at_least."""
    first = next(model.parameters(), None)
    x = X[:2] if first is None else X[:2].to(first.device)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            out = model(x)
    finally:
        model.train(was_training)
    if (not isinstance(out, torch.Tensor) or out.ndim != 2
            or (out.shape[1] < n_classes if at_least else out.shape[1] != n_classes)):
        shape = tuple(out.shape) if isinstance(out, torch.Tensor) else type(out).__name__
        need = (f"n_classes >= {n_classes} (the labels go up to {n_classes - 1})" if at_least
                else f"n_classes={n_classes} for this data")
        raise ValueError(f"model must return (batch, n_classes) logits with {need}; "
                         f"for a batch of {len(x)} it returned {shape}")


def _check_optimizer(optimizer, model, name="optimizer"):
    if not isinstance(optimizer, torch.optim.Optimizer):
        raise TypeError(f"{name} must be a torch.optim.Optimizer, got {type(optimizer).__name__}")
    own = {id(p) for p in model.parameters()}
    for group in optimizer.param_groups:
        for p in group["params"]:
            if id(p) not in own:
                raise ValueError(
                    f"{name} updates a tensor of shape {tuple(p.shape)} that is not a parameter "
                    f"of the model; build the optimizer on model.parameters()")


def _check_optimizer_state_device(optimizer):
    """The optimizer's saved state (momentum buffers, Adam's moments) must sit with its parameter."""
    for param, state in optimizer.state.items():
        for key, value in state.items():
            if isinstance(value, torch.Tensor) and value.ndim > 0 and value.device != param.device:
                raise ValueError(
                    f"optimizer state {key!r} is on {value.device} but its parameter is on "
                    f"{param.device}: move the model to the device before building the optimizer "
                    f"or loading its state_dict (load_state_dict puts the state where the "
                    f"parameters are)")


def _check_scheduler(scheduler, optimizer, name="scheduler"):
    if scheduler is None:
        return
    if not callable(getattr(scheduler, "step", None)) or not hasattr(scheduler, "optimizer"):
        raise TypeError(
            f"{name} must be an lr scheduler (torch.optim.lr_scheduler or lrlib), "
            f"got {type(scheduler).__name__}")
    if scheduler.optimizer is not optimizer:
        raise ValueError(
            f"{name} was built on another optimizer ({type(scheduler.optimizer).__name__} at "
            f"{id(scheduler.optimizer):#x}), not on the optimizer passed to training")


def _reads_loss_every_step(device):
    """Whether the loop reads each step's loss back at once (CPU) or once per epoch.

    On the CPU reading a loss is free, so training stops at the first
    non-finite loss. On a GPU it would wait for the device at every step, so
    the losses are kept on the device and read once per epoch.
    """
    return device.type == "cpu"


def _as_float(value):
    return float(value.item()) if isinstance(value, torch.Tensor) else float(value)


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
def _seeded_rng(device, seed):
    """Seed torch's RNG of ``device`` (and the CPU's) with ``seed``; restore both on exit."""
    devices = [device.index or 0] if device.type == "cuda" else []
    with torch.random.fork_rng(devices=devices):
        torch.default_generator.manual_seed(seed)
        if devices:
            torch.cuda.manual_seed(seed)
        yield


# --------------------------------------------------------------------------- fit

def _evaluate(forward, X, y):
    """Mean cross-entropy and accuracy of ``forward`` on ``(X, y)``, as 0-d tensors (no sync)."""
    loss_sum = torch.zeros((), device=X.device)
    correct = torch.zeros((), device=X.device, dtype=torch.long)
    for i in range(0, len(X), _EVAL_CHUNK):
        out = forward(X[i:i + _EVAL_CHUNK])
        target = y[i:i + _EVAL_CHUNK]
        loss_sum += F.cross_entropy(out, target, reduction="sum")
        correct += (out.argmax(-1) == target).sum()
    return loss_sum / len(X), correct.double() / len(X)


def _epoch_mean(step_losses, n, batch_size):
    """Mean train loss over an epoch's ``n`` examples from its per-batch means."""
    sizes = [min(batch_size, n - i) for i in range(0, n, batch_size)]
    return sum(loss * size for loss, size in zip(step_losses, sizes)) / n


def evaluate(model, split, device=None):
    """Mean cross-entropy and accuracy of a trained ``model`` on one split: ``(loss, accuracy)``.

    For ``split = (X, y)`` (e.g. ``data.test``) with logits ``z_i = model(X_i)``::

        loss = mean_i CE(z_i, y_i)        accuracy = mean_i [argmax z_i == y_i]

    both as Python floats, the same numbers :func:`fit` records for the
    validation split. The model runs in eval mode under ``torch.no_grad()``
    and its mode is restored. ``device``: where to evaluate (None: where the
    model's parameters are); the model is not moved, so pass the device it
    is on. Use it on ``runs.models`` of :func:`fit_seeds` to measure each
    seed's model on the test split.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    X, y = _check_split("split", split)
    dev = _resolve_device(device, model)
    X, y = X.to(dev), y.to(dev)
    _check_model_output(model, X, int(y.max()) + 1, at_least=True)
    was_training = model.training
    model.eval()
    try:
        with torch.no_grad():
            loss, accuracy = _evaluate(model, X, y)
    finally:
        model.train(was_training)
    return loss.item(), accuracy.item()


def fit(model, optimizer, data, epochs, batch_size, scheduler=None, step_every="batch", seed=0,
        device=None, progress=True):
    """Train ``model`` with cross-entropy on ``data`` and return a :class:`History`.

    - ``data``: a :class:`lrlib.data.Splits` (or anything with ``.train`` and
      ``.val`` as ``(X, y)`` tensor pairs); ``val`` may be ``None``.
    - ``epochs`` passes over ``data.train`` in batches of ``batch_size`` (the
      last batch of an epoch may be smaller), shuffled by a generator of its
      own seeded with ``seed``; torch's global RNG is seeded with ``seed``
      inside the run (for dropout) and restored afterwards.
    - ``scheduler``: stepped after every optimizer step (``step_every="batch"``)
      or after every epoch (``"epoch"``); a ``ReduceLROnPlateau`` is stepped
      once per epoch with the validation loss.
    - ``device``: where to train (None: where the model's parameters are);
      the model is moved there and the data copied there once.
    - ``progress``: a tqdm bar over epochs (a widget in notebooks); also off
      when the environment variable ``TQDM_DISABLE`` is set. Nothing else is
      printed.

    On CPU the loss is checked after every step; on a GPU it is read once per
    epoch (no host synchronisation per step), so the weights may have taken a
    few more steps after the first non-finite loss. Either way the history
    ends at that step.
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    _check_optimizer(optimizer, model)
    _check_scheduler(scheduler, optimizer)
    epochs, batch_size = _check_common(epochs, batch_size, step_every, progress)
    seed = _check_seed("seed", seed)
    splits = _as_splits(data)
    plateau = isinstance(scheduler, _PLATEAU)
    if plateau and splits.val is None:
        raise ValueError("scheduler is ReduceLROnPlateau, which needs validation data: data.val is None")
    dev = _resolve_device(device, model)
    model.to(dev)
    _check_optimizer_state_device(optimizer)
    X, y = (t.to(dev) for t in splits.train)
    val = None if splits.val is None else tuple(t.to(dev) for t in splits.val)
    _check_model_output(model, X, splits.n_classes)

    n = len(X)
    n_batches = math.ceil(n / batch_size)
    check_each_step = _reads_loss_every_step(dev)
    hist = History(steps_per_epoch=n_batches, seed=seed)
    generator = torch.Generator().manual_seed(seed)
    was_training = model.training
    bar = _progress_bar(progress, epochs, "fit")
    try:
        with _seeded_rng(dev, seed):
            for epoch in range(epochs):
                perm = torch.randperm(n, generator=generator).to(dev)
                epoch_lrs, epoch_losses = [], []
                buffer = None if check_each_step else torch.empty(n_batches, device=dev)
                model.train()
                for b in range(n_batches):
                    idx = perm[b * batch_size:(b + 1) * batch_size]
                    epoch_lrs.append(_as_float(optimizer.param_groups[0]["lr"]))
                    loss = F.cross_entropy(model(X.index_select(0, idx)), y.index_select(0, idx))
                    if check_each_step:
                        value = loss.item()
                        epoch_losses.append(value)
                        if not math.isfinite(value):
                            break
                    else:
                        buffer[b] = loss.detach()
                    optimizer.zero_grad(set_to_none=True)
                    loss.backward()
                    optimizer.step()
                    if scheduler is not None and step_every == "batch" and not plateau:
                        scheduler.step()
                if not check_each_step:
                    epoch_losses = buffer.tolist()
                if hist._record_steps(epoch_lrs, epoch_losses, epoch):
                    break
                hist.train_loss.append(_epoch_mean(epoch_losses, n, batch_size))
                if val is not None:
                    model.eval()
                    with torch.no_grad():
                        val_loss, val_acc = (v.item() for v in _evaluate(model, *val))
                    hist.val_loss.append(val_loss)
                    hist.val_acc.append(val_acc)
                if scheduler is not None:
                    if plateau:
                        scheduler.step(hist.val_loss[-1])
                    elif step_every == "epoch":
                        scheduler.step()
                if bar is not None:
                    bar.set_postfix(_postfix(hist), refresh=False)
                    bar.update(1)
    finally:
        model.train(was_training)
        if bar is not None:
            bar.close()
    return hist


def _postfix(hist):
    out = {"loss": f"{hist.train_loss[-1]:.4f}"}
    if hist.val_acc:
        out["val_acc"] = f"{hist.val_acc[-1]:.4f}"
    return out


# --------------------------------------------------------------------------- fit_seeds

def _stacked_module(models, device):
    """A copy of ``models[0]`` whose every parameter is the seeds' parameters stacked on dim 0."""
    stacked = copy.deepcopy(models[0])
    for name, param in models[0].named_parameters():
        owner, _, attr = name.rpartition(".")
        value = torch.stack([m.get_parameter(name).detach() for m in models]).to(device)
        setattr(stacked.get_submodule(owner), attr, nn.Parameter(value, param.requires_grad))
    return stacked


def _layer_program(stacked):
    """Batched forward of an ``nn.Sequential`` of ``Linear`` and elementwise layers (an MLP).

    Returns ``forward(xT)`` for per-seed inputs laid out ``(seeds, features,
    batch)``, giving logits ``(seeds, classes, batch)``; None when the model
    holds another kind of layer (then ``torch.func.vmap`` is used). Each
    ``Linear`` is one ``baddbmm(bias, weight, xT)`` over the stacked weights.
    With the batch last, autograd computes each weight's gradient as
    ``grad @ x`` straight into the weight's own (seeds, out, in) layout; with
    the batch first (what vmap does) it computes the transpose and copies it,
    which at the lessons' sizes costs more than the product itself.
    """
    if not isinstance(stacked, nn.Sequential):
        return None
    steps = []
    for layer in stacked:
        if type(layer) is nn.Linear:
            if layer.bias is None:
                steps.append(lambda xT, w=layer.weight: torch.bmm(w, xT))
            else:
                steps.append(lambda xT, w=layer.weight, b=layer.bias:
                             torch.baddbmm(b.unsqueeze(2), w, xT))
        elif isinstance(layer, _ELEMENTWISE_MODULES):
            steps.append(layer)
        else:
            return None

    def forward(xT):
        for step in steps:
            xT = step(xT)
        return xT
    return forward


def _batched_forwards(stacked, n_seeds):
    """``(train_forward, eval_forward)`` returning logits laid out ``(seeds, classes, batch)``.

    ``train_forward`` takes per-seed inputs ``(seeds, batch, ...)``,
    ``eval_forward`` one input ``(batch, ...)`` shared by every seed.
    """
    program = _layer_program(stacked)
    if program is not None:
        return (lambda x: program(x.transpose(1, 2)),
                lambda x: program(x.t().expand(n_seeds, -1, -1)))
    from torch.func import functional_call, vmap

    params = dict(stacked.named_parameters())

    def one(p, x):
        return functional_call(stacked, p, (x,))
    per_seed, shared = vmap(one, in_dims=(0, 0)), vmap(one, in_dims=(0, None))
    return (lambda x: per_seed(params, x).transpose(1, 2)), \
        (lambda x: shared(params, x).transpose(1, 2))


def _evaluate_stacked(forward, X, y):
    """Per-seed mean cross-entropy and accuracy, tensors of shape ``(seeds,)`` (no sync)."""
    loss_sum = correct = 0
    for i in range(0, len(X), _EVAL_CHUNK):
        out = forward(X[i:i + _EVAL_CHUNK])  # (seeds, classes, rows)
        target = y[i:i + _EVAL_CHUNK].expand(out.shape[0], -1)
        loss_sum = loss_sum + F.cross_entropy(out, target, reduction="none").sum(1)
        correct = correct + (out.argmax(1) == target).sum(1)
    return loss_sum / len(X), correct.double() / len(X)


def _check_factory(name, factory):
    if not callable(factory):
        raise TypeError(f"{name} must be callable, got {type(factory).__name__}")


def fit_seeds(make_model, make_optimizer, data, seeds, make_scheduler=None, *, epochs, batch_size,
              step_every="batch", device=None, progress=True):
    """Train one model per seed, all seeds at once, and return their :class:`Runs`.

    ``make_model(seed)`` builds a seed's model (its initialisation must depend
    on the seed only, e.g. ``lambda s: lrlib.models.mlp(64, 10, seed=s)``),
    ``make_optimizer(model)`` its optimizer and ``make_scheduler(optimizer)``
    (optional) its scheduler. Each seed's history equals
    ``fit(model, opt, data, epochs, batch_size, sched, step_every, seed=seed)``
    with those objects (to float rounding: losses within 1e-5), including its
    own shuffling.

    How: the seeds' weights are stacked into one tensor per parameter and run
    as one batched model (``baddbmm`` for an MLP's layers, ``torch.func.vmap``
    with ``functional_call`` for any other model), so one forward, backward and
    optimizer step serve every seed. An elementwise optimizer (SGD, Adam,
    AdamW, RMSprop, ...) with a schedule that depends on the step only is one
    optimizer over the stacked weights; ``ReduceLROnPlateau`` (whose lr
    depends on each seed's validation loss) or any other optimizer gets one
    instance per seed over views of the stacked weights. Models with buffers
    (BatchNorm) or dropout are not supported.
    """
    _check_factory("make_model", make_model)
    _check_factory("make_optimizer", make_optimizer)
    if make_scheduler is not None:
        _check_factory("make_scheduler", make_scheduler)
    epochs, batch_size = _check_common(epochs, batch_size, step_every, progress)
    if isinstance(seeds, (int, np.integer)) and not isinstance(seeds, bool):
        raise TypeError(f"seeds must be a list of ints such as range(5), got the int {seeds!r}")
    try:
        seeds = list(seeds)
    except TypeError:
        raise TypeError(f"seeds must be a list of ints such as range(5), got {seeds!r}") from None
    if not seeds:
        raise ValueError("seeds must not be empty")
    seeds = [_check_seed("each seed in seeds", s) for s in seeds]
    if len(set(seeds)) != len(seeds):
        raise ValueError(f"seeds must be distinct, got {seeds}")
    splits = _as_splits(data)

    models = [make_model(s) for s in seeds]
    for s, m in zip(seeds, models):
        if not isinstance(m, nn.Module):
            raise TypeError(f"make_model({s}) must return a torch.nn.Module, got {type(m).__name__}")
    shapes = [(k, tuple(p.shape)) for k, p in models[0].named_parameters()]
    for s, m in zip(seeds, models):
        if [(k, tuple(p.shape)) for k, p in m.named_parameters()] != shapes:
            raise ValueError(f"make_model({s}) built a model with other parameters than "
                             f"make_model({seeds[0]}); every seed needs the same architecture")
    if any(True for _ in models[0].buffers()):
        raise ValueError("fit_seeds supports models without buffers (no BatchNorm); use fit per seed")
    if any(isinstance(mod, nn.modules.dropout._DropoutNd) for mod in models[0].modules()):
        raise ValueError("fit_seeds cannot batch models with dropout (random per seed); use fit per seed")
    dev = _resolve_device(device, models[0])
    _check_model_output(models[0], splits.train[0], splits.n_classes)

    # What kind of optimizer and scheduler: probed on the first seed's own model.
    probe_opt = make_optimizer(models[0])
    _check_optimizer(probe_opt, models[0], "make_optimizer(model)")
    probe_sched = make_scheduler(probe_opt) if make_scheduler is not None else None
    _check_scheduler(probe_sched, probe_opt, "make_scheduler(optimizer)")
    plateau = isinstance(probe_sched, _PLATEAU)
    if plateau and splits.val is None:
        raise ValueError("make_scheduler gives ReduceLROnPlateau, which needs validation data: "
                         "data.val is None")
    shared = type(probe_opt) in _ELEMENTWISE_OPTIMIZERS and not plateau
    del probe_opt, probe_sched

    n_seeds = len(seeds)
    stacked = _stacked_module(models, dev)
    params = dict(stacked.named_parameters())
    if shared:
        optimizers = [make_optimizer(stacked)]
        _check_optimizer(optimizers[0], stacked, "make_optimizer(model)")
    else:  # one optimizer per seed, on views of the stacked weights
        optimizers = []
        for i, m in enumerate(models):
            for name, p in params.items():
                owner, _, attr = name.rpartition(".")
                setattr(m.get_submodule(owner), attr, nn.Parameter(p.detach()[i], p.requires_grad))
            optimizers.append(make_optimizer(m))
            _check_optimizer(optimizers[-1], m, "make_optimizer(model)")
    schedulers = [None] * len(optimizers)
    if make_scheduler is not None:
        schedulers = [make_scheduler(o) for o in optimizers]
        for o, s in zip(optimizers, schedulers):
            _check_scheduler(s, o, "make_scheduler(optimizer)")
    per_seed_views = None if shared else [dict(m.named_parameters()) for m in models]

    train_forward, eval_forward = _batched_forwards(stacked, n_seeds)
    X, y = (t.to(dev) for t in splits.train)
    val = None if splits.val is None else tuple(t.to(dev) for t in splits.val)
    n = len(X)
    n_batches = math.ceil(n / batch_size)
    check_each_step = _reads_loss_every_step(dev)
    generators = [torch.Generator().manual_seed(s) for s in seeds]
    hists = [History(steps_per_epoch=n_batches, seed=s) for s in seeds]
    alive = [True] * n_seeds
    step_sched = make_scheduler is not None and step_every == "batch" and not plateau

    def lr_row():
        if shared:
            return [_as_float(optimizers[0].param_groups[0]["lr"])] * n_seeds
        return [_as_float(o.param_groups[0]["lr"]) for o in optimizers]

    bar = _progress_bar(progress, epochs, f"fit_seeds x{n_seeds}")
    try:
        for epoch in range(epochs):
            perm = torch.stack([torch.randperm(n, generator=g) for g in generators]).to(dev)
            lr_rows, rows = [], []
            buffer = None if check_each_step else torch.empty(n_batches, n_seeds, device=dev)
            stacked.train()
            for b in range(n_batches):
                idx = perm[:, b * batch_size:(b + 1) * batch_size].reshape(-1)
                lr_rows.append(lr_row())
                out = train_forward(X.index_select(0, idx).view(n_seeds, -1, *X.shape[1:]))
                losses = F.cross_entropy(out, y.index_select(0, idx).view(n_seeds, -1),
                                         reduction="none").mean(1)
                if check_each_step:
                    rows.append(losses.tolist())
                    if not math.isfinite(sum(v for v, a in zip(rows[-1], alive) if a)):
                        for i, v in enumerate(rows[-1]):
                            if alive[i] and not math.isfinite(v):
                                alive[i] = False
                        if not any(alive):
                            break
                else:
                    buffer[b] = losses.detach()
                if shared:
                    optimizers[0].zero_grad(set_to_none=True)
                    losses.sum().backward()
                    optimizers[0].step()
                    if step_sched:
                        schedulers[0].step()
                    continue
                for p in params.values():
                    p.grad = None
                losses.sum().backward()
                for i in range(n_seeds):
                    if not alive[i]:
                        continue
                    for name, view in per_seed_views[i].items():
                        grad = params[name].grad
                        view.grad = None if grad is None else grad[i]
                    optimizers[i].step()
                    if step_sched:
                        schedulers[i].step()
            if not check_each_step:
                rows = buffer.tolist()
            columns = list(zip(*rows)) if rows else [() for _ in seeds]
            val_stats = None
            if val is not None and any(alive):
                stacked.eval()
                with torch.no_grad():
                    val_stats = [v.tolist() for v in _evaluate_stacked(eval_forward, *val)]
            for i in range(n_seeds):
                hist = hists[i]
                if hist.diverged:
                    continue
                losses_i = list(columns[i])
                lrs_i = [row[i] for row in lr_rows[:len(losses_i)]]
                if hist._record_steps(lrs_i, losses_i, epoch):
                    alive[i] = False
                    continue
                hist.train_loss.append(_epoch_mean(losses_i, n, batch_size))
                if val_stats is not None:
                    hist.val_loss.append(val_stats[0][i])
                    hist.val_acc.append(val_stats[1][i])
                if make_scheduler is not None:
                    if plateau:
                        schedulers[i].step(hist.val_loss[-1])
                    elif step_every == "epoch" and not shared:
                        schedulers[i].step()
            if shared and make_scheduler is not None and step_every == "epoch":
                schedulers[0].step()
            if not any(alive):
                break
            if bar is not None:
                bar.update(1)
    finally:
        if bar is not None:
            bar.close()

    # Hand each seed its trained weights, as plain parameters of its own model.
    with torch.no_grad():
        for i, m in enumerate(models):
            for name, p in params.items():
                owner, _, attr = name.rpartition(".")
                setattr(m.get_submodule(owner), attr, nn.Parameter(p[i].clone(), p.requires_grad))
    return Runs(hists, seeds, models)
