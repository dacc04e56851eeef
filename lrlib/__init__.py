"""lrlib: learning-rate schedules and schedulers equal to torch's, with the
training loops, LR range test and loss landscapes the wiki's lessons use."""

__version__ = "0.1.0"

from . import claims, data, landscapes, lm, losslaw, models, registry, scale, schedules
from .compare import compare
from .finder import lr_range_test
from .lm import eval_lm, train_lm
from .scale import total_steps
from .schedulers import (
    ChainedScheduler,
    ConstantLR,
    CosineAnnealingLR,
    CosineAnnealingWarmRestarts,
    CyclicLR,
    ExponentialLR,
    InverseSqrtLR,
    LambdaLR,
    LinearLR,
    LRScheduler,
    MultiplicativeLR,
    MultiStepLR,
    OneCycleLR,
    PolynomialLR,
    ReduceLROnPlateau,
    SequentialLR,
    StepLR,
    WarmupCosineLR,
    WarmupStableDecayLR,
    preview,
)
from .sharpness import sharpness
from .train import History, Sweep, evaluate, fit, fit_seeds, sweep
from .utils import device, seed_everything


def __getattr__(name):
    """Import ``lrlib.plot`` (and with it matplotlib's pyplot) on first use.

    Not at ``import lrlib``: a library user who never plots never imports pyplot.
    """
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'lrlib' has no attribute {name!r}")
