"""Device choice and seeding shared by every lesson."""

import os
import random

# Intel MKL's strict reproducible mode: its matrix products give the same bits
# whatever the number of threads, so a lesson prints the same numbers on one
# core and on many. It must be set before the first matrix product of the
# process (MKL reads it then); importing lrlib first, as every lesson does,
# ensures that. A value the user already set wins.
os.environ.setdefault("MKL_CBWR", "AUTO,STRICT")

import numpy as np  # noqa: E402
import torch  # noqa: E402

from . import _checks  # noqa: E402


def device():
    """Return ``"cuda"`` when a CUDA GPU is present, else ``"cpu"``."""
    return "cuda" if torch.cuda.is_available() else "cpu"


def seed_everything(seed=0):
    """Seed python's ``random``, numpy and torch (CPU and CUDA) with ``seed``.

    Also asks torch for deterministic algorithms where it has them (a warning,
    not an error, where an op has none), so a lesson prints the same numbers on
    every run of the same machine.
    """
    seed = _checks.seed("seed", seed)
    os.environ.setdefault("CUBLAS_WORKSPACE_CONFIG", ":4096:8")
    random.seed(seed)
    np.random.seed(seed)
    torch.manual_seed(seed)
    torch.use_deterministic_algorithms(True, warn_only=True)
    return seed


def round_trip(checkpoint):
    """``checkpoint`` saved to memory with ``torch.save`` and loaded back, as a resumed run sees it.

    What a new process sees when it loads a checkpoint file: tensors are copies, and
    ``torch.load`` runs with ``weights_only=True`` (torch's default since 2.6), so only
    tensors, numbers, strings and plain containers come back; anything else raises
    ``pickle.UnpicklingError``. Nothing is written to disk.

    Args:
        checkpoint: what a training loop would save, e.g. ``{"model": model.state_dict(),
            "optimizer": optimizer.state_dict(), "scheduler": scheduler.state_dict()}``.

    Returns:
        The loaded copy.

    >>> saved = {"weights": torch.ones(2), "epoch": 3}
    >>> loaded = round_trip(saved)
    >>> loaded["epoch"], torch.equal(loaded["weights"], saved["weights"])
    (3, True)
    >>> loaded["weights"] is saved["weights"]
    False
    """
    import io

    buffer = io.BytesIO()
    torch.save(checkpoint, buffer)
    buffer.seek(0)
    return torch.load(buffer, weights_only=True)
