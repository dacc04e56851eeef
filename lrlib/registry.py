"""The one table of lrlib's schedulers: what each is, what shapes it, how to run it.

Every scheduler class of lrlib has one :class:`Entry` in :data:`SCHEDULERS`, keyed by
its class name. An entry holds the class, its pure schedule in :mod:`lrlib.schedules`
(None where there is none: LambdaLR and MultiplicativeLR take the schedule as a
function, the composites combine others, ReduceLROnPlateau follows a metric), its
shaping parameters (:class:`Param`: type, valid range, typical value, a range for a
slider) and examples (:class:`Example`) that :func:`lrlib.preview` can run.
:func:`lrlib.preview`, the tests, the benchmarks, the cheat sheet and the API page all
read this table; nothing else maps names to classes.

Everything in an entry is plain data except ``cls`` and ``schedule``, so
:meth:`Entry.to_json` gives a dict of str, int, float, bool, None, lists and dicts.

Adding a scheduler (see CONTRIBUTING.md): write its pure function in schedules.py,
its class in schedulers.py, then add one ``Entry(...)`` to ``_ENTRIES`` below.

>>> import lrlib
>>> get("StepLR").cls is lrlib.StepLR
True
>>> get("StepLR").example.kwargs
{'step_size': 10, 'gamma': 0.5}
"""

import math
from dataclasses import dataclass, field

from . import schedulers, schedules

__all__ = [
    "Param",
    "Example",
    "Entry",
    "ScheduleFactor",
    "ConstantFactor",
    "SCHEDULERS",
    "NAMES",
    "get",
    "build",
    "to_json",
]


@dataclass(frozen=True)
class Param:
    """One shaping parameter of a scheduler.

    ``type`` is "int", "float", "bool", "choice", "function", "int list" or
    "schedulers". ``low``/``high`` bound the valid values (None: unbounded;
    ``low_open``/``high_open``: the bound itself is excluded). ``display`` is a
    sensible (min, max) for a slider, ``log`` whether the slider is logarithmic.
    """

    name: str
    type: str
    typical: object
    doc: str
    low: float = None
    high: float = None
    low_open: bool = False
    high_open: bool = False
    display: tuple = None
    log: bool = False
    choices: tuple = ()

    def to_json(self):
        """This parameter as a dict of plain types."""
        return {
            "name": self.name,
            "type": self.type,
            "typical": _plain(self.typical),
            "doc": self.doc,
            "low": self.low,
            "high": self.high,
            "low_open": self.low_open,
            "high_open": self.high_open,
            "display": list(self.display) if self.display else None,
            "log": self.log,
            "choices": list(self.choices),
        }


@dataclass(frozen=True)
class Example:
    """A configuration :func:`lrlib.preview` can run: ``preview(name, steps, lr=lr, **kwargs)``.

    For SequentialLR and ChainedScheduler, ``kwargs["schedulers"]`` is a list of
    ``[name, kwargs]`` pairs that :func:`build` turns into schedulers. For
    ReduceLROnPlateau, ``metrics`` is the metric seen at each step.
    """

    kwargs: dict
    steps: int
    lr: float = 0.1
    label: str = ""
    metrics: tuple = None

    def to_json(self):
        """This example as a dict of plain types."""
        return {
            "kwargs": _plain(self.kwargs),
            "steps": self.steps,
            "lr": self.lr,
            "label": self.label,
            "metrics": list(self.metrics) if self.metrics is not None else None,
        }


@dataclass(frozen=True)
class Entry:
    """One scheduler: its class, pure schedule, parameters, examples and cheat-sheet facts.

    ``kind`` is "chainable" (scales the current lr, composes in ChainedScheduler),
    "closed form" (sets the lr from the step), "metric" (ReduceLROnPlateau) or
    "composite" (SequentialLR, ChainedScheduler). ``step_it``, ``shape`` and
    ``lesson`` (title, notebook path) are the cheat sheet's table row.
    """

    name: str
    cls: type
    schedule: object
    kind: str
    params: tuple
    examples: tuple
    step_it: str
    shape: str
    lesson: tuple
    cycles_momentum: bool = False

    @property
    def example(self):
        """The first of ``examples``: the tests, the benchmarks and the explorer start from it."""
        return self.examples[0]

    @property
    def param_names(self):
        return tuple(p.name for p in self.params)

    def to_json(self):
        """This entry as a dict of plain types (the class and function by name)."""
        return {
            "name": self.name,
            "class": f"lrlib.{self.cls.__name__}",
            "schedule": (
                f"lrlib.schedules.{self.schedule.__name__}" if self.schedule is not None else None
            ),
            "kind": self.kind,
            "params": [p.to_json() for p in self.params],
            "examples": [e.to_json() for e in self.examples],
            "step_it": self.step_it,
            "shape": self.shape,
            "lesson": list(self.lesson),
            "cycles_momentum": self.cycles_momentum,
        }


# --- callable objects for LambdaLR and MultiplicativeLR examples ---------------------------


@dataclass
class ScheduleFactor:
    """``lr_lambda`` for LambdaLR: the factor ``schedules.<function>(t, base_lr=1, **kwargs)``.

    A callable object, not a function, so torch's and lrlib's state_dict save its
    ``__dict__`` (plain data, loadable with ``torch.load(weights_only=True)``).

    >>> ScheduleFactor("exponential_decay", {"gamma": 0.5})(2)
    0.25
    """

    function: str
    kwargs: dict = field(default_factory=dict)

    def __call__(self, t):
        return getattr(schedules, self.function)(t, 1.0, **self.kwargs)


@dataclass
class ConstantFactor:
    """``lr_lambda`` for MultiplicativeLR: the same factor at every step.

    >>> ConstantFactor(0.9)(7)
    0.9
    """

    factor: float

    def __call__(self, t):
        return self.factor


def _plain(value):
    """``value`` with tuples as lists and callable objects as dicts: JSON's types only."""
    if isinstance(value, dict):
        return {k: _plain(v) for k, v in value.items()}
    if isinstance(value, (list, tuple)):
        return [_plain(v) for v in value]
    if isinstance(value, (ScheduleFactor, ConstantFactor)):
        return {"callable": type(value).__name__, **_plain(vars(value))}
    if isinstance(value, float) and not math.isfinite(value):
        return str(value)
    return value


# --- parameters shared by several schedulers ------------------------------------------------


def _gamma(typical, display, doc="multiplier applied at each decay"):
    return Param("gamma", "float", typical, doc, low=0.0, low_open=True, display=display)


_ETA_MIN = Param("eta_min", "float", 0.0, "floor of the cosine", low=0.0, display=(0.0, 0.05))
_TOTAL_ITERS = Param(
    "total_iters", "int", 5, "steps until the factor stops changing", low=1, display=(1, 200)
)
_LR_LAMBDA = Param(
    "lr_lambda", "function", None, "function of the step (or one per group) returning a factor"
)
_MOMENTUM = (
    Param("cycle_momentum", "bool", True, "cycle momentum (SGD) or beta1 (Adam) inversely"),
)


def _fraction(name, typical, doc, display, low_open=False, high_open=False):
    """A float parameter in [0, 1]; ``low_open``/``high_open`` exclude 0/1."""
    return Param(
        name,
        "float",
        typical,
        doc,
        low=0.0,
        high=1.0,
        low_open=low_open,
        high_open=high_open,
        display=display,
    )


def _log_scaled(name, typical, doc, display, low_open=False):
    """A float parameter >= 0 (``low_open``: > 0) shown on a logarithmic slider."""
    return Param(name, "float", typical, doc, low=0.0, low_open=low_open, display=display, log=True)


def _momenta(base, top):
    return _MOMENTUM + (
        _fraction("base_momentum", base, "momentum at the lr's peak", (0.5, 0.99), high_open=True),
        _fraction("max_momentum", top, "momentum where the lr is low", (0.5, 0.99), high_open=True),
    )


def _lesson(title, notebook):
    return (title, f"notebooks/{notebook}.ipynb")


def _plateau_metrics(n=80):
    """A validation loss that falls, then flattens: ReduceLROnPlateau cuts the lr on it."""
    return tuple(
        round(0.3 + 0.7 * math.exp(-t / 8) + 0.01 * math.sin(1.7 * t), 6) for t in range(n)
    )


_WARMUP = _lesson("Warmup", "20_warmup")
_SCHEDULERS_LESSON = _lesson("Schedulers", "04_schedulers")


# --- the table --------------------------------------------------------------------------------
# To add a scheduler (e.g. WarmupCosineLR): one Entry here, after its class and its pure
# function exist; every consumer (preview, tests, bench, cheat sheet check) picks it up.

_ENTRIES = (
    Entry(
        "LambdaLR",
        schedulers.LambdaLR,
        None,
        "closed form",
        (_LR_LAMBDA,),
        (Example({"lr_lambda": ScheduleFactor("cosine_annealing", {"T_max": 40})}, 50),),
        "either",
        "any shape: base lr times the function",
        _SCHEDULERS_LESSON,
    ),
    Entry(
        "MultiplicativeLR",
        schedulers.MultiplicativeLR,
        None,
        "chainable",
        (_LR_LAMBDA,),
        (Example({"lr_lambda": ConstantFactor(0.95)}, 50),),
        "either",
        "the running product of the function's factors",
        _SCHEDULERS_LESSON,
    ),
    Entry(
        "StepLR",
        schedulers.StepLR,
        schedules.step_decay,
        "chainable",
        (
            Param("step_size", "int", 30, "steps between decays", low=1, display=(1, 100)),
            _gamma(0.1, (0.05, 0.99)),
        ),
        (Example({"step_size": 10, "gamma": 0.5}, 50),),
        "per epoch",
        "staircase, equal stairs",
        _lesson("StepLR", "11_step_lr"),
    ),
    Entry(
        "MultiStepLR",
        schedulers.MultiStepLR,
        schedules.multistep_decay,
        "chainable",
        (
            Param("milestones", "int list", [30, 80], "steps at which the lr decays", low=1),
            _gamma(0.1, (0.05, 0.99)),
        ),
        (Example({"milestones": [10, 20], "gamma": 0.5}, 40),),
        "per epoch",
        "staircase, stairs at chosen steps",
        _lesson("MultiStepLR", "12_multistep_lr"),
    ),
    Entry(
        "ExponentialLR",
        schedulers.ExponentialLR,
        schedules.exponential_decay,
        "chainable",
        (_gamma(0.95, (0.8, 0.999), "multiplier applied at every step"),),
        (Example({"gamma": 0.9}, 40),),
        "per epoch",
        "smooth geometric decay",
        _lesson("ExponentialLR", "10_exponential_lr"),
    ),
    Entry(
        "CosineAnnealingLR",
        schedulers.CosineAnnealingLR,
        schedules.cosine_annealing,
        "chainable",
        (
            Param(
                "T_max",
                "int",
                100,
                "steps of the fall from base lr to eta_min",
                low=1,
                display=(1, 500),
            ),
            _ETA_MIN,
        ),
        (Example({"T_max": 10, "eta_min": 0.0}, 30),),
        "either",
        "half a cosine down to `eta_min`",
        _lesson("CosineAnnealingLR", "14_cosine_annealing_lr"),
    ),
    Entry(
        "CosineAnnealingWarmRestarts",
        schedulers.CosineAnnealingWarmRestarts,
        schedules.cosine_warm_restarts,
        "closed form",
        (
            Param("T_0", "int", 10, "length of the first cycle", low=1, display=(1, 100)),
            Param("T_mult", "int", 2, "growth of each cycle's length", low=1, display=(1, 4)),
            _ETA_MIN,
        ),
        (
            Example({"T_0": 10, "T_mult": 1, "eta_min": 0.0}, 40),
            Example({"T_0": 10, "T_mult": 2, "eta_min": 0.0}, 100, label="growing cycles"),
        ),
        "per batch (fractional epochs) or per epoch",
        "cosine, jumping back up at each restart",
        _lesson("Warm restarts", "21_warm_restarts"),
    ),
    Entry(
        "CyclicLR",
        schedulers.CyclicLR,
        schedules.cyclic,
        "closed form",
        (
            _log_scaled("base_lr", 0.001, "lower bound of the cycle", (1e-4, 0.1)),
            _log_scaled("max_lr", 0.01, "upper bound of the cycle", (1e-3, 1.0)),
            Param("step_size_up", "int", 2000, "steps of the rise", low=1, display=(1, 200)),
            Param(
                "step_size_down",
                "int",
                None,
                "steps of the fall (None: as the rise)",
                low=0,
                display=(1, 200),
            ),
            Param(
                "mode",
                "choice",
                "triangular",
                "how the amplitude shrinks",
                choices=("triangular", "triangular2", "exp_range"),
            ),
            _gamma(1.0, (0.99, 1.0), "exp_range: amplitude multiplier per step"),
            Param(
                "scale_mode",
                "choice",
                "cycle",
                "what a custom scale_fn is a function of",
                choices=("cycle", "iterations"),
            ),
        )
        + _momenta(0.8, 0.9),
        (
            Example({"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 10}, 60),
            Example(
                {"base_lr": 0.01, "max_lr": 0.1, "step_size_up": 15, "mode": "triangular2"},
                120,
                label="triangular2",
            ),
            Example(
                {
                    "base_lr": 0.01,
                    "max_lr": 0.1,
                    "step_size_up": 10,
                    "step_size_down": 20,
                    "mode": "exp_range",
                    "gamma": 0.99,
                },
                120,
                label="exp_range",
            ),
        ),
        "per batch",
        "triangles between two bounds",
        _lesson("CyclicLR", "15_cyclic_lr"),
        cycles_momentum=True,
    ),
    Entry(
        "OneCycleLR",
        schedulers.OneCycleLR,
        schedules.one_cycle,
        "closed form",
        (
            _log_scaled("max_lr", 0.1, "peak lr", (1e-3, 1.0), low_open=True),
            Param(
                "total_steps", "int", 1000, "steps of the whole cycle", low=1, display=(10, 1000)
            ),
            _fraction("pct_start", 0.3, "fraction of the steps spent rising", (0.05, 0.95)),
            Param(
                "anneal_strategy", "choice", "cos", "shape of each phase", choices=("cos", "linear")
            ),
            _log_scaled("div_factor", 25.0, "max_lr / initial lr", (1.0, 100.0), low_open=True),
            _log_scaled(
                "final_div_factor", 1e4, "initial lr / final lr", (1.0, 1e5), low_open=True
            ),
            Param("three_phase", "bool", False, "come back to the initial lr before the end"),
        )
        + _momenta(0.85, 0.95),
        (
            Example({"max_lr": 0.1, "total_steps": 100}, 100),
            Example(
                {
                    "max_lr": 0.3,
                    "epochs": 9,
                    "steps_per_epoch": 10,
                    "three_phase": True,
                    "anneal_strategy": "linear",
                },
                90,
                label="three phases, linear",
            ),
        ),
        "per batch",
        "one rise, then a long fall far below the start",
        _lesson("One-cycle", "22_one_cycle"),
        cycles_momentum=True,
    ),
    Entry(
        "LinearLR",
        schedulers.LinearLR,
        schedules.linear,
        "chainable",
        (
            _fraction("start_factor", 1 / 3, "factor at step 0", (0.01, 1.0), low_open=True),
            _fraction("end_factor", 1.0, "factor from total_iters on", (0.0, 1.0)),
            _TOTAL_ITERS,
        ),
        (Example({"start_factor": 0.5, "end_factor": 1.0, "total_iters": 10}, 30),),
        "either",
        "straight ramp, then flat",
        _WARMUP,
    ),
    Entry(
        "ConstantLR",
        schedulers.ConstantLR,
        schedules.constant,
        "chainable",
        (
            _fraction("factor", 1 / 3, "factor until total_iters", (0.01, 1.0), low_open=True),
            _TOTAL_ITERS,
        ),
        (Example({"factor": 0.5, "total_iters": 10}, 30),),
        "either",
        "low step, then flat",
        _WARMUP,
    ),
    Entry(
        "PolynomialLR",
        schedulers.PolynomialLR,
        schedules.polynomial,
        "chainable",
        (
            _TOTAL_ITERS,
            Param("power", "float", 1.0, "exponent of the decay", low=0.0, display=(0.1, 5.0)),
        ),
        (
            Example({"total_iters": 10, "power": 1.0}, 20),
            Example({"total_iters": 30, "power": 2.0}, 40, label="power 2"),
        ),
        "either",
        "decay to exactly 0",
        _lesson("Decaying to the end", "23_decay_to_end"),
    ),
    Entry(
        "ReduceLROnPlateau",
        schedulers.ReduceLROnPlateau,
        None,
        "metric",
        (
            Param(
                "mode",
                "choice",
                "min",
                "whether the metric should fall or rise",
                choices=("min", "max"),
            ),
            _fraction(
                "factor",
                0.1,
                "multiplier at each cut",
                (0.05, 0.95),
                low_open=True,
                high_open=True,
            ),
            Param(
                "patience", "int", 10, "bad steps tolerated before a cut", low=0, display=(0, 30)
            ),
            Param(
                "threshold", "float", 1e-4, "improvement that counts", low=0.0, display=(0.0, 0.1)
            ),
            Param(
                "threshold_mode",
                "choice",
                "rel",
                "threshold relative or absolute",
                choices=("rel", "abs"),
            ),
            Param(
                "cooldown",
                "int",
                0,
                "steps after a cut before counting again",
                low=0,
                display=(0, 20),
            ),
            Param("min_lr", "float", 0.0, "floor of the lr", low=0.0, display=(0.0, 0.01)),
            Param("eps", "float", 1e-8, "smallest change applied", low=0.0),
        ),
        (Example({"factor": 0.5, "patience": 3}, 80, metrics=_plateau_metrics()),),
        "per epoch, with the metric",
        "staircase placed by the metric",
        _lesson("ReduceLROnPlateau", "13_reduce_lr_on_plateau"),
    ),
    Entry(
        "SequentialLR",
        schedulers.SequentialLR,
        None,
        "composite",
        (
            Param("schedulers", "schedulers", None, "the schedulers to run one after another"),
            Param(
                "milestones", "int list", [10], "steps at which the next scheduler starts", low=1
            ),
        ),
        (
            Example(
                {
                    "schedulers": [
                        ["LinearLR", {"start_factor": 0.1, "total_iters": 10}],
                        ["CosineAnnealingLR", {"T_max": 90}],
                    ],
                    "milestones": [10],
                },
                100,
                label="warmup, then cosine",
            ),
        ),
        "as its parts",
        "its parts one after another",
        _WARMUP,
    ),
    Entry(
        "ChainedScheduler",
        schedulers.ChainedScheduler,
        None,
        "composite",
        (Param("schedulers", "schedulers", None, "chainable schedulers whose factors multiply"),),
        (
            Example(
                {
                    "schedulers": [
                        ["ConstantLR", {"factor": 0.5, "total_iters": 10}],
                        ["ExponentialLR", {"gamma": 0.95}],
                    ]
                },
                40,
            ),
        ),
        "as its parts",
        "the product of its parts",
        _SCHEDULERS_LESSON,
    ),
)

# --- the schedules of transformers' get_scheduler (issue 12, section 2) ------------------------

_NUM_WARMUP_STEPS = Param(
    "num_warmup_steps", "int", 100, "steps of the warmup", low=0, display=(0, 200)
)
_NUM_CYCLES = Param(
    "num_cycles",
    "float",
    0.5,
    "cosine periods over the decay (0.5: down once)",
    low=0.0,
    low_open=True,
    display=(0.25, 3.0),
)
_DECAY_LESSON = _lesson("Decaying to the end", "23_decay_to_end")

_ENTRIES += (
    Entry(
        "WarmupCosineLR",
        schedulers.WarmupCosineLR,
        schedules.warmup_cosine,
        "chainable",
        (
            _NUM_WARMUP_STEPS,
            Param(
                "num_training_steps",
                "int",
                1000,
                "step where the cosine reaches the floor",
                low=1,
                display=(1, 1000),
            ),
            _NUM_CYCLES,
            Param(
                "eta_min",
                "float",
                None,
                "floor as an lr (or give min_lr_rate, not both)",
                low=0.0,
                display=(0.0, 0.05),
            ),
            _fraction(
                "min_lr_rate", None, "floor as a fraction of each group's initial lr", (0.0, 0.5)
            ),
        ),
        (
            Example({"num_warmup_steps": 5, "num_training_steps": 50}, 60),
            Example(
                {"num_warmup_steps": 10, "num_training_steps": 100, "min_lr_rate": 0.1},
                110,
                label="floor at 10% of the lr",
            ),
        ),
        "per batch",
        "straight ramp from 0, then a cosine down to a floor",
        _WARMUP,
    ),
    Entry(
        "WarmupStableDecayLR",
        schedulers.WarmupStableDecayLR,
        schedules.warmup_stable_decay,
        "chainable",
        (
            _NUM_WARMUP_STEPS,
            Param("num_decay_steps", "int", 200, "steps of the cooldown", low=0, display=(0, 500)),
            Param(
                "num_training_steps",
                "int",
                1000,
                "all steps; the stable phase gets the rest",
                low=1,
                display=(1, 1000),
            ),
            Param(
                "num_stable_steps",
                "int",
                None,
                "steps at the full lr, instead of num_training_steps",
                low=0,
                display=(0, 1000),
            ),
            Param(
                "warmup_type",
                "choice",
                "linear",
                "shape of the warmup",
                choices=schedules.WARMUP_TYPES,
            ),
            Param(
                "decay_type",
                "choice",
                "cosine",
                "shape of the cooldown",
                choices=schedules.DECAY_TYPES,
            ),
            _fraction("min_lr_ratio", 0.0, "floor as a fraction of the initial lr", (0.0, 0.5)),
            _NUM_CYCLES,
        ),
        (
            Example({"num_warmup_steps": 5, "num_decay_steps": 10, "num_training_steps": 50}, 60),
            Example(
                {
                    "num_warmup_steps": 10,
                    "num_decay_steps": 30,
                    "num_training_steps": 100,
                    "decay_type": "1-sqrt",
                },
                110,
                label="1-sqrt cooldown",
            ),
        ),
        "per batch",
        "warmup, long flat stretch, short cooldown",
        _DECAY_LESSON,
    ),
    Entry(
        "InverseSqrtLR",
        schedulers.InverseSqrtLR,
        schedules.inverse_sqrt,
        "chainable",
        (
            _NUM_WARMUP_STEPS,
            Param(
                "timescale",
                "int",
                None,
                "steps over which the decay acts (None: the warmup's)",
                low=1,
                display=(1, 1000),
            ),
        ),
        (
            Example({"num_warmup_steps": 5}, 60),
            Example({"num_warmup_steps": 10, "timescale": 50}, 200, label="timescale 50"),
        ),
        "per batch",
        "straight ramp from 0, then a slow 1/sqrt(t) fall",
        _WARMUP,
    ),
)

SCHEDULERS = {entry.name: entry for entry in _ENTRIES}
"""Class name -> :class:`Entry`, for every scheduler of lrlib, in the cheat sheet's order."""

NAMES = tuple(SCHEDULERS)


def get(name):
    """The registry entry of a scheduler, by class name (or the class itself).

    Args:
        name: a class name such as ``"StepLR"``, or the class.

    Returns:
        The :class:`Entry`.

    >>> get("CyclicLR").cycles_momentum
    True
    """
    key = name.__name__ if isinstance(name, type) else name
    if not isinstance(key, str) or key not in SCHEDULERS:
        raise ValueError(
            f"name must be one of lrlib's schedulers ({', '.join(NAMES)}), got {name!r}"
        )
    return SCHEDULERS[key]


def build(name, optimizer, library=None, **kwargs):
    """Build scheduler ``name`` on ``optimizer`` from plain keyword arguments.

    For SequentialLR and ChainedScheduler, ``schedulers`` may be given as
    ``[name, kwargs]`` pairs, built first on the same optimizer.

    Args:
        name: class name of the scheduler.
        optimizer: the optimizer.
        library: the module to take classes from (default lrlib's); pass
            ``torch.optim.lr_scheduler`` to build torch's twin of the same configuration.
        **kwargs: the scheduler's arguments (an entry's ``example.kwargs``).

    Returns:
        The scheduler.

    >>> import torch
    >>> opt = torch.optim.SGD([torch.nn.Parameter(torch.zeros(1))], lr=0.1)
    >>> type(build("SequentialLR", opt, **get("SequentialLR").example.kwargs)).__name__
    'SequentialLR'
    """
    get(name)
    parts = kwargs.get("schedulers")
    if parts is not None:
        kwargs["schedulers"] = [
            build(p[0], optimizer, library, **dict(p[1])) if isinstance(p, (list, tuple)) else p
            for p in parts
        ]
    cls = getattr(library, name) if library is not None else SCHEDULERS[name].cls
    if name == "ChainedScheduler":
        return cls(kwargs.pop("schedulers"), optimizer=optimizer, **kwargs)
    return cls(optimizer, **kwargs)


def to_json():
    """The whole registry as plain data (for the explorer page): a list of entries' dicts."""
    return [entry.to_json() for entry in _ENTRIES]
