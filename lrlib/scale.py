"""Arithmetic of training at scale: how many optimizer steps a run really takes, and how
the best learning rate moves with a model's size.

A per-step scheduler (OneCycleLR's ``total_steps``, a warmup length, a cosine
``T_max``) counts optimizer steps, and those are fewer than the batches a
script sees once the data is split over processes and gradients are
accumulated. :func:`total_steps` gives the count that PyTorch's
``DistributedSampler`` and Lightning's training loop produce.
:func:`lr_exponent` fits how the best learning rate scales with a size (a
width, a batch size) over seeds, with an interval.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .compare import t_quantile

__all__ = ["total_steps", "lr_exponent", "Exponent"]


def _count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def total_steps(
    dataset_size: int,
    batch_size: int,
    epochs: int = 1,
    devices: int = 1,
    accumulate_grad_batches: int = 1,
    drop_last: bool = False,
) -> int:
    """The number of optimizer steps of a run, as each process counts them.

    With ``N = dataset_size`` examples, ``W = devices`` processes (all
    processes of the run: devices times nodes), per-process batches of
    ``B = batch_size`` and gradients accumulated over ``A`` batches::

        per_process     = ceil(N / W)                  # DistributedSampler pads to equal shards
        batches         = ceil(per_process / B)        # floor(...) with drop_last=True
        steps_per_epoch = ceil(batches / A)            # the last, partial group still steps
        total           = steps_per_epoch * epochs

    ``DistributedSampler`` (which Lightning inserts under DDP) repeats a few
    examples so that every process gets ``ceil(N / W)``; ``drop_last`` is the
    DataLoader's, dropping each process's last incomplete batch. Lightning
    steps the optimizer after every ``A`` batches and on the epoch's last batch,
    which is also what ``Trainer.estimated_stepping_batches`` computes; pass the
    result as OneCycleLR's ``total_steps``. A run without a full batch per
    process (``drop_last=True`` and ``ceil(N / W) < B``) takes 0 steps.

    Args:
        dataset_size: examples in the training set.
        batch_size: examples per batch on each process.
        epochs: passes over the data.
        devices: number of processes (1: no data parallelism).
        accumulate_grad_batches: batches per optimizer step.
        drop_last: whether each process's DataLoader drops its last incomplete batch.

    Returns:
        The total number of optimizer (and per-step scheduler) steps, an int.

    Example:
        >>> total_steps(1000, 32)                 # ceil(1000 / 32)
        32
        >>> total_steps(1000, 32, epochs=3, devices=2, accumulate_grad_batches=4)
        12
    """
    n = _count("dataset_size", dataset_size, 1)
    batch_size = _count("batch_size", batch_size, 1)
    epochs = _count("epochs", epochs, 0)
    devices = _count("devices", devices, 1)
    accumulate = _count("accumulate_grad_batches", accumulate_grad_batches, 1)
    if not isinstance(drop_last, bool):
        raise TypeError(f"drop_last must be True or False, got {drop_last!r}")
    per_process = math.ceil(n / devices)
    batches = per_process // batch_size if drop_last else math.ceil(per_process / batch_size)
    return math.ceil(batches / accumulate) * epochs


@dataclass(frozen=True)
class Exponent:
    """The exponent ``k`` of ``best_lr ~ size**k``, from :func:`lr_exponent`.

    ``per_seed``: each seed's least-squares slope; ``mean``: their mean;
    ``low``/``high``: its t-interval at ``level`` over the seeds.
    """

    sizes: tuple
    per_seed: tuple
    mean: float
    low: float
    high: float
    level: float = 0.95

    def factor(self, k: float | None = None) -> float:
        """How much the best lr changes from the smallest size to the largest at exponent ``k``
        (``mean`` by default): ``(max(sizes) / min(sizes)) ** k``."""
        return (max(self.sizes) / min(self.sizes)) ** (self.mean if k is None else k)

    def __str__(self) -> str:
        return (
            f"k = {self.mean:+.2f} [{self.level:.0%} CI {self.low:+.2f}, {self.high:+.2f}], "
            f"{len(self.per_seed)} seeds"
        )


def lr_exponent(sizes: Sequence[float], best_lrs, level: float = 0.95) -> Exponent:
    """Fit ``log(best lr) = c + k log(size)`` for each seed; the mean ``k`` with its t-interval.

    For seed ``j``, ``k_j`` is the least-squares slope of ``log(best_lrs[:, j])``
    against ``log(sizes)``. The seeds are independent replicates, so the
    interval is ``mean(k) +- t * sd(k) / sqrt(n)`` with Student's ``t`` at
    ``n - 1`` degrees of freedom. ``k = 0``: the best lr does not move with
    size; ``k = -1``: it halves when the size doubles.

    Args:
        sizes: the sizes (widths, batch sizes), at least two distinct, > 0.
        best_lrs: array-like ``(len(sizes), n_seeds)``, the best lr of each seed
            at each size (a row is :meth:`lrlib.Sweep.best_lr` of that size's
            sweep); at least two seeds, every value finite and > 0.
        level: the interval's coverage, in (0, 1).

    Returns:
        An :class:`Exponent`.

    >>> k = lr_exponent([16, 64, 256], [[0.1, 0.1], [0.05, 0.025], [0.025, 0.00625]])
    >>> k.per_seed
    (-0.5, -1.0)
    >>> print(k)
    k = -0.75 [95% CI -3.93, +2.43], 2 seeds
    """
    x = np.asarray(sizes, dtype=float)
    if x.ndim != 1 or len(np.unique(x)) < 2 or not np.all(np.isfinite(x) & (x > 0)):
        raise ValueError(f"sizes must be at least two distinct numbers > 0, got {sizes!r}")
    y = np.asarray(best_lrs, dtype=float)
    if y.ndim != 2 or y.shape[0] != len(x) or y.shape[1] < 2:
        raise ValueError(
            f"best_lrs must have shape (len(sizes), n_seeds) = ({len(x)}, >= 2), got {y.shape}"
        )
    if not np.all(np.isfinite(y) & (y > 0)):
        raise ValueError(
            "every best lr must be a finite number > 0 (NaN: every lr of that seed "
            f"diverged), got {y.tolist()}"
        )
    if isinstance(level, bool) or not isinstance(level, (int, float)) or not 0 < level < 1:
        raise ValueError(f"level must be in (0, 1), got {level!r}")
    lx = np.log(x) - np.log(x).mean()
    ly = np.log(y)
    slopes = (lx @ (ly - ly.mean(axis=0))) / (lx @ lx)
    n, mean = len(slopes), float(slopes.mean())
    half = t_quantile(0.5 + level / 2, n - 1) * float(slopes.std(ddof=1)) / math.sqrt(n)
    return Exponent(
        sizes=tuple(float(v) for v in x),
        per_seed=tuple(round(float(v), 12) for v in slopes),
        mean=mean,
        low=mean - half,
        high=mean + half,
        level=float(level),
    )
