"""lrlib: learning-rate schedules and schedulers equal to torch's, with the
training loops, LR range test and loss landscapes the wiki's lessons use."""

__version__ = "0.1.0"

from . import schedules
from .schedulers import (
    ChainedScheduler, ConstantLR, CosineAnnealingLR, CosineAnnealingWarmRestarts, CyclicLR,
    ExponentialLR, LinearLR, LRScheduler, MultiStepLR, OneCycleLR, PolynomialLR,
    ReduceLROnPlateau, SequentialLR, StepLR, preview,
)
from .utils import device, seed_everything
from . import data, models, landscapes, plot
from .train import evaluate, fit, fit_seeds, History
from .finder import lr_range_test
from .compare import compare
from . import claims
from . import lm, scale
from .lm import eval_lm, train_lm
from .scale import total_steps
from .sharpness import sharpness
