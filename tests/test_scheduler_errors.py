"""Bad arguments raise ValueError or TypeError at construction, naming the
parameter and the value received.

Each entry of ``BAD_INPUTS`` is one scheduler built from a valid baseline
with a single argument replaced by a bad value. lrlib must raise at
construction with a message that contains the parameter's name and the value
(its repr or str). ``TORCH_ACCEPTS`` marks the entries that torch constructs
without a word (they fail later with a ZeroDivisionError or a NaN, or give a
nonsense schedule); ``test_torch_accepts_silently`` shows that it does, which
documents where lrlib is stricter.
"""

import math

import pytest
import torch
from torch.optim import lr_scheduler as torch_schedulers

import lrlib
from lrlib import registry

NAN, INF = math.nan, math.inf

# One valid configuration per class: the registry's first example of each scheduler
# that is not a composite (the bad values below replace one argument of it).
BASELINES = {
    entry.name: dict(entry.example.kwargs)
    for entry in registry.SCHEDULERS.values()
    if entry.kind != "composite"
}
BASELINES["ReduceLROnPlateau"] = {}  # torch's defaults, which the plateau entries below vary

# (class, parameter, bad value, torch's behaviour at construction[, the text of
# the value the message must show, when it may name only the offending element])
ACCEPTS, RAISES = "accepts", "raises"
NO_TWIN = "no torch class"  # the schedules of transformers, which torch lacks
BAD_INPUTS = [
    ("LambdaLR", "lr_lambda", 0.95, RAISES),  # torch: "'float' object is not callable"
    ("LambdaLR", "lr_lambda", "0.9 ** t", RAISES),
    ("LambdaLR", "lr_lambda", [abs, abs], RAISES, "2"),  # two functions for one group
    ("MultiplicativeLR", "lr_lambda", 0.95, RAISES),
    ("MultiplicativeLR", "lr_lambda", [abs, abs], RAISES, "2"),
    ("StepLR", "step_size", 0, ACCEPTS),  # ZeroDivisionError at the first step
    ("StepLR", "step_size", 2.5, ACCEPTS),
    ("StepLR", "step_size", -3, ACCEPTS),
    ("StepLR", "step_size", "10", ACCEPTS),
    ("StepLR", "gamma", -0.5, ACCEPTS),
    ("StepLR", "gamma", NAN, ACCEPTS),
    ("StepLR", "gamma", INF, ACCEPTS),
    ("MultiStepLR", "milestones", [-1, 10], ACCEPTS, "-1"),
    ("MultiStepLR", "milestones", "10,20", ACCEPTS),  # Counter of characters: never decays
    ("MultiStepLR", "milestones", [5, 7.5], ACCEPTS, "7.5"),  # 7.5 is never reached
    ("MultiStepLR", "milestones", 10, RAISES),  # torch: "'int' object is not iterable"
    ("MultiStepLR", "milestones", [20, 10], ACCEPTS),  # torch sorts them; lrlib asks for increasing
    ("MultiStepLR", "milestones", [10, 10], ACCEPTS),  # torch decays by gamma**2 there
    ("MultiStepLR", "milestones", [0, 10], ACCEPTS, "0"),  # a decay before the first step
    ("MultiStepLR", "gamma", NAN, ACCEPTS),
    ("MultiStepLR", "gamma", -0.1, ACCEPTS),
    ("ExponentialLR", "gamma", -0.9, ACCEPTS),
    ("ExponentialLR", "gamma", NAN, ACCEPTS),
    ("ExponentialLR", "gamma", INF, ACCEPTS),
    ("CosineAnnealingLR", "T_max", 0, ACCEPTS),  # ZeroDivisionError at the first step
    ("CosineAnnealingLR", "T_max", -10, ACCEPTS),
    ("CosineAnnealingLR", "T_max", NAN, ACCEPTS),
    ("CosineAnnealingLR", "eta_min", -0.1, ACCEPTS),
    ("CosineAnnealingLR", "eta_min", NAN, ACCEPTS),
    ("CosineAnnealingWarmRestarts", "T_0", 0, RAISES),
    ("CosineAnnealingWarmRestarts", "T_0", 2.5, RAISES),
    ("CosineAnnealingWarmRestarts", "T_mult", 0, RAISES),
    ("CosineAnnealingWarmRestarts", "T_mult", 1.5, RAISES),
    ("CosineAnnealingWarmRestarts", "eta_min", -0.1, ACCEPTS),
    ("CosineAnnealingWarmRestarts", "eta_min", NAN, ACCEPTS),
    ("CyclicLR", "step_size_up", 0, RAISES),  # torch: ZeroDivisionError, not ValueError
    ("CyclicLR", "step_size_up", -5, ACCEPTS),
    ("CyclicLR", "step_size_down", -1, ACCEPTS),
    ("CyclicLR", "base_momentum", 0.95, ACCEPTS),  # above max_momentum=0.9
    ("CyclicLR", "base_lr", 0.2, ACCEPTS),  # above max_lr=0.1: an upside-down cycle
    ("CyclicLR", "base_lr", NAN, ACCEPTS),
    ("CyclicLR", "base_lr", -0.01, ACCEPTS),
    ("CyclicLR", "max_lr", NAN, ACCEPTS),
    ("CyclicLR", "mode", "foo", RAISES),
    ("CyclicLR", "scale_mode", "foo", ACCEPTS),  # torch silently treats it as 'iterations'
    ("CyclicLR", "gamma", NAN, ACCEPTS),
    ("CyclicLR", "gamma", -0.5, ACCEPTS),
    ("OneCycleLR", "total_steps", None, RAISES),  # and no epochs / steps_per_epoch
    ("OneCycleLR", "total_steps", 0, RAISES),
    ("OneCycleLR", "total_steps", 2.5, RAISES),
    ("OneCycleLR", "pct_start", -0.1, RAISES),
    ("OneCycleLR", "pct_start", 1.5, RAISES),
    ("OneCycleLR", "pct_start", NAN, ACCEPTS),
    ("OneCycleLR", "anneal_strategy", "foo", RAISES),
    ("OneCycleLR", "div_factor", 0, RAISES),  # torch: ZeroDivisionError
    ("OneCycleLR", "div_factor", -5.0, ACCEPTS),
    ("OneCycleLR", "final_div_factor", 0, RAISES),  # torch: ZeroDivisionError
    ("OneCycleLR", "final_div_factor", NAN, ACCEPTS),
    ("OneCycleLR", "max_lr", -0.1, ACCEPTS),
    ("OneCycleLR", "max_lr", NAN, ACCEPTS),
    ("OneCycleLR", "base_momentum", 0.99, ACCEPTS),  # above max_momentum=0.95
    ("LinearLR", "start_factor", 0, RAISES),
    ("LinearLR", "start_factor", 1.5, RAISES),
    ("LinearLR", "start_factor", NAN, ACCEPTS),
    ("LinearLR", "end_factor", 1.5, RAISES),
    ("LinearLR", "end_factor", -0.1, RAISES),
    ("LinearLR", "end_factor", NAN, ACCEPTS),
    ("LinearLR", "total_iters", 0, ACCEPTS),  # stuck at start_factor forever
    ("LinearLR", "total_iters", -1, ACCEPTS),
    ("LinearLR", "total_iters", 2.5, ACCEPTS),
    ("ConstantLR", "factor", 1.5, RAISES),
    ("ConstantLR", "factor", -0.1, RAISES),
    ("ConstantLR", "factor", 0, ACCEPTS),  # ZeroDivisionError at total_iters
    ("ConstantLR", "factor", NAN, ACCEPTS),
    ("ConstantLR", "total_iters", -1, ACCEPTS),
    ("ConstantLR", "total_iters", 2.5, ACCEPTS),
    ("PolynomialLR", "power", -1.0, ACCEPTS),
    ("PolynomialLR", "power", NAN, ACCEPTS),
    ("PolynomialLR", "total_iters", 0, ACCEPTS),  # ZeroDivisionError at the first step
    ("ReduceLROnPlateau", "factor", 1.0, RAISES),
    ("ReduceLROnPlateau", "factor", 1.5, RAISES),
    ("ReduceLROnPlateau", "factor", -0.5, ACCEPTS),
    ("ReduceLROnPlateau", "factor", NAN, ACCEPTS),
    ("ReduceLROnPlateau", "mode", "foo", RAISES),
    ("ReduceLROnPlateau", "threshold_mode", "foo", RAISES),
    ("ReduceLROnPlateau", "patience", -1, ACCEPTS),
    ("ReduceLROnPlateau", "patience", 2.5, ACCEPTS),
    ("ReduceLROnPlateau", "cooldown", -1, ACCEPTS),
    ("ReduceLROnPlateau", "threshold", -0.1, ACCEPTS),
    ("ReduceLROnPlateau", "threshold", NAN, ACCEPTS),
    ("ReduceLROnPlateau", "min_lr", -0.1, ACCEPTS),
    ("ReduceLROnPlateau", "min_lr", NAN, ACCEPTS),
    ("ReduceLROnPlateau", "eps", -1e-8, ACCEPTS),
    ("ReduceLROnPlateau", "eps", NAN, ACCEPTS),
    ("WarmupCosineLR", "num_warmup_steps", -1, NO_TWIN),
    ("WarmupCosineLR", "num_warmup_steps", 2.5, NO_TWIN),
    ("WarmupCosineLR", "num_training_steps", 0, NO_TWIN),
    ("WarmupCosineLR", "num_training_steps", 3, NO_TWIN),  # shorter than the warmup
    ("WarmupCosineLR", "num_training_steps", None, NO_TWIN),
    ("WarmupCosineLR", "num_cycles", 0.0, NO_TWIN),
    ("WarmupCosineLR", "num_cycles", NAN, NO_TWIN),
    ("WarmupCosineLR", "eta_min", -0.01, NO_TWIN),
    ("WarmupCosineLR", "eta_min", NAN, NO_TWIN),
    ("WarmupCosineLR", "min_lr_rate", 1.5, NO_TWIN),
    ("WarmupCosineLR", "min_lr_rate", -0.1, NO_TWIN),
    ("WarmupCosineLR", "min_lr_rate", INF, NO_TWIN),
    ("WarmupCosineLR", "min_lr_rate", "0.1", NO_TWIN),
    ("WarmupStableDecayLR", "num_warmup_steps", -5, NO_TWIN),
    ("WarmupStableDecayLR", "num_decay_steps", -1, NO_TWIN),
    ("WarmupStableDecayLR", "num_decay_steps", NAN, NO_TWIN),
    ("WarmupStableDecayLR", "num_training_steps", 12, NO_TWIN),  # < warmup + decay = 15
    ("WarmupStableDecayLR", "num_training_steps", None, NO_TWIN),  # and no num_stable_steps
    ("WarmupStableDecayLR", "num_stable_steps", 20, NO_TWIN),  # 5 + 20 + 10 != 50
    ("WarmupStableDecayLR", "num_stable_steps", -1, NO_TWIN),
    ("WarmupStableDecayLR", "decay_type", "sqrt", NO_TWIN),
    ("WarmupStableDecayLR", "decay_type", "exponential", NO_TWIN),
    ("WarmupStableDecayLR", "warmup_type", "exp", NO_TWIN),
    ("WarmupStableDecayLR", "min_lr_ratio", 1.5, NO_TWIN),
    ("WarmupStableDecayLR", "min_lr_ratio", -0.1, NO_TWIN),
    ("WarmupStableDecayLR", "min_lr_ratio", NAN, NO_TWIN),
    ("WarmupStableDecayLR", "num_cycles", -0.5, NO_TWIN),
    ("InverseSqrtLR", "num_warmup_steps", -1, NO_TWIN),
    ("InverseSqrtLR", "num_warmup_steps", NAN, NO_TWIN),
    ("InverseSqrtLR", "timescale", 0, NO_TWIN),
    ("InverseSqrtLR", "timescale", 2.5, NO_TWIN),
]
BAD_INPUTS = [entry + (None,) * (5 - len(entry)) for entry in BAD_INPUTS]
TORCH_ACCEPTS = [entry for entry in BAD_INPUTS if entry[3] == ACCEPTS]


def make_optimizer(n_groups=1):
    groups = [
        {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.1 / (i + 1)}
        for i in range(n_groups)
    ]
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def bad_kwargs(name, param, value):
    kwargs = dict(BASELINES[name])
    kwargs[param] = value
    if name == "OneCycleLR" and param == "total_steps" and value is None:
        kwargs.pop("total_steps")
    return kwargs


def assert_names(message, param, value, case, shows=None):
    assert param in message, f"{case}: message {message!r} does not name {param!r}"
    if value is not None:
        texts = {shows} if shows else {repr(value), str(value)}
        assert any(text in message for text in texts), (
            f"{case}: message {message!r} does not give the value {value!r}"
        )


def entry_id(entry):
    name, param, value = entry[:3]
    return f"{name}-{param}={value!r}"


@pytest.mark.parametrize("entry", BAD_INPUTS, ids=entry_id)
def test_bad_argument_raises_naming_parameter_and_value(entry):
    name, param, value, _, shows = entry
    with pytest.raises((ValueError, TypeError)) as info:
        getattr(lrlib, name)(make_optimizer(), **bad_kwargs(name, param, value))
    assert_names(str(info.value), param, value, entry_id(entry), shows)


@pytest.mark.parametrize("entry", TORCH_ACCEPTS, ids=entry_id)
def test_torch_accepts_silently(entry):
    """Where lrlib is stricter: torch builds these without an error."""
    name, param, value = entry[:3]
    getattr(torch_schedulers, name)(make_optimizer(), **bad_kwargs(name, param, value))


def test_onecycle_needs_both_epochs_and_steps_per_epoch():
    for kwargs, missing in (
        ({"epochs": 10}, "steps_per_epoch"),
        ({"steps_per_epoch": 10}, "epochs"),
    ):
        with pytest.raises((ValueError, TypeError)) as info:
            lrlib.OneCycleLR(make_optimizer(), max_lr=0.1, **kwargs)
        assert missing in str(info.value), str(info.value)
    for param in ("epochs", "steps_per_epoch"):
        kwargs = {"epochs": 10, "steps_per_epoch": 10, param: 0}
        with pytest.raises((ValueError, TypeError)) as info:
            lrlib.OneCycleLR(make_optimizer(), max_lr=0.1, **kwargs)
        assert_names(str(info.value), param, 0, f"OneCycleLR {param}=0")


@pytest.mark.parametrize(
    "name, param",
    [
        ("CyclicLR", "max_lr"),
        ("CyclicLR", "base_momentum"),
        ("OneCycleLR", "max_lr"),
        ("ReduceLROnPlateau", "min_lr"),
    ],
)
def test_per_group_list_of_wrong_length(name, param):
    kwargs = dict(BASELINES[name])
    kwargs[param] = [0.05, 0.05, 0.05]
    with pytest.raises((ValueError, TypeError)) as info:
        getattr(lrlib, name)(make_optimizer(n_groups=2), **kwargs)
    message = str(info.value)
    assert param in message and "3" in message, message


def test_nan_in_a_per_group_list():
    with pytest.raises((ValueError, TypeError)) as info:
        lrlib.CyclicLR(make_optimizer(n_groups=2), base_lr=[0.01, NAN], max_lr=0.1)
    assert "base_lr" in str(info.value) and "nan" in str(info.value)


@pytest.mark.parametrize("name", list(BASELINES) + ["SequentialLR", "ChainedScheduler"])
def test_parameters_instead_of_an_optimizer(name):
    params = [torch.nn.Parameter(torch.zeros(1))]
    with pytest.raises(TypeError) as info:
        if name == "SequentialLR":
            lrlib.SequentialLR(params, [lrlib.ExponentialLR(make_optimizer(), 0.9)], milestones=[])
        elif name == "ChainedScheduler":
            lrlib.ChainedScheduler([lrlib.ExponentialLR(make_optimizer(), 0.9)], optimizer=params)
        else:
            getattr(lrlib, name)(params, **BASELINES[name])
    message = str(info.value)
    assert "optimizer" in message and "list" in message, message


def test_sequential_bad_milestones():
    def parts(opt):
        return [
            lrlib.LinearLR(opt, 0.1, total_iters=5),
            lrlib.ExponentialLR(opt, 0.9),
            lrlib.StepLR(opt, 5),
        ]

    for milestones, torch_raises in (
        ([5], True),
        ([20, 10], False),
        ([-5, 10], False),
        ([5, 5], False),
        ([5, 12.5], False),
        ("5,9", True),
    ):
        opt = make_optimizer()
        with pytest.raises((ValueError, TypeError)) as info:
            lrlib.SequentialLR(opt, parts(opt), milestones=milestones)
        assert "milestones" in str(info.value), str(info.value)
        if not torch_raises:  # documents where lrlib is stricter than torch
            opt = make_optimizer()
            torch_schedulers.SequentialLR(opt, parts(opt), milestones=milestones)


def test_composites_reject_empty_and_plateau():
    opt = make_optimizer()
    for build in (
        lambda: lrlib.SequentialLR(opt, [], milestones=[]),
        lambda: lrlib.ChainedScheduler([]),
        lambda: lrlib.SequentialLR(
            opt, [lrlib.ReduceLROnPlateau(opt), lrlib.ExponentialLR(opt, 0.9)], milestones=[5]
        ),
        lambda: lrlib.ChainedScheduler([lrlib.ReduceLROnPlateau(opt)]),
    ):
        with pytest.raises((ValueError, TypeError)):
            build()


def test_composites_reject_parts_on_another_optimizer():
    opt, other = make_optimizer(), make_optimizer()
    with pytest.raises(ValueError):
        lrlib.SequentialLR(
            opt, [lrlib.ExponentialLR(opt, 0.9), lrlib.ExponentialLR(other, 0.9)], milestones=[5]
        )
    with pytest.raises(ValueError):
        lrlib.ChainedScheduler([lrlib.ExponentialLR(opt, 0.9), lrlib.ExponentialLR(other, 0.9)])


def test_valid_baselines_construct():
    """The baselines themselves are valid: each failure above comes from the bad value."""
    for name, kwargs in BASELINES.items():
        getattr(lrlib, name)(make_optimizer(), **kwargs)


def test_warmup_cosine_takes_one_floor_not_both():
    """transformers' cosine_with_min_lr takes min_lr or min_lr_rate; giving both is an error."""
    with pytest.raises(ValueError) as info:
        lrlib.WarmupCosineLR(make_optimizer(), 5, 50, eta_min=0.001, min_lr_rate=0.1)
    message = str(info.value)
    assert "eta_min=0.001" in message and "min_lr_rate=0.1" in message, message
