"""Arithmetic of training at scale: how many optimizer steps a run really takes.

A per-step scheduler (OneCycleLR's ``total_steps``, a warmup length, a cosine
``T_max``) counts optimizer steps, and those are fewer than the batches a
script sees once the data is split over processes and gradients are
accumulated. :func:`total_steps` gives the count that PyTorch's
``DistributedSampler`` and Lightning's training loop produce.
"""
import math

import numpy as np

__all__ = ["total_steps"]


def _count(name, value, minimum):
    if isinstance(value, bool) or not isinstance(value, (int, np.integer)):
        raise TypeError(f"{name} must be an int, got {value!r}")
    if value < minimum:
        raise ValueError(f"{name} must be >= {minimum}, got {value!r}")
    return int(value)


def total_steps(dataset_size, batch_size, epochs=1, devices=1, accumulate_grad_batches=1,
                drop_last=False):
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
