"""lrlib: learning-rate schedules and schedulers equal to torch's, with the
training loops, LR range test and loss landscapes the wiki's lessons use."""

__version__ = "0.1.0"

from . import schedules
from .schedulers import (
    ChainedScheduler, ConstantLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR,
    ExponentialLR, LambdaLR, LinearLR, LRScheduler, MultiplicativeLR, MultiStepLR, OneCycleLR,
    PolynomialLR, ReduceLROnPlateau, SequentialLR, StepLR, preview,
    InverseSqrtLR, WarmupCosineLR, WarmupStableDecayLR,
)
from . import registry
from .utils import device, seed_everything
from . import data, models, landscapes
from .train import evaluate, fit, fit_seeds, sweep, History, Sweep
from .finder import lr_range_test
from .compare import compare
from . import claims
from . import lm, scale
from .lm import eval_lm, train_lm
from .scale import total_steps


def __getattr__(name):
    """Import ``lrlib.plot`` (and with it matplotlib's pyplot) on first use, not at ``import lrlib``."""
    if name == "plot":
        import importlib

        return importlib.import_module(".plot", __name__)
    raise AttributeError(f"module 'lrlib' has no attribute {name!r}")
