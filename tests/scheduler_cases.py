"""Random scheduler configurations shared by the equality and resume tests.

Each :class:`Case` holds everything needed to build the same scheduler twice,
once from lrlib and once from ``torch.optim.lr_scheduler``, on identical fresh
optimizers, and to step it the same way (plain ``step()``, ``step(metric)`` for
ReduceLROnPlateau, ``step(epoch)`` with fractional epochs for
CosineAnnealingWarmRestarts). Arguments are drawn from a seeded numpy
generator, so the configurations are the same on every run and machine.

The drawn arguments stay inside what torch accepts *and* what makes a sensible
schedule (lrlib is stricter than torch; the stricter cases are in
test_scheduler_errors.py).
"""

import math
import zlib
from dataclasses import dataclass, field

import numpy as np
import torch
from torch.optim import lr_scheduler as torch_schedulers

import lrlib
from lrlib import registry

# Every class of lrlib's registry that torch also has (the others have no twin to equal).
CLASS_NAMES = tuple(name for name in registry.NAMES if hasattr(torch_schedulers, name))
COMPOSITES = tuple(name for name in CLASS_NAMES if registry.get(name).kind == "composite")
# Schedulers that scale the current lr of each group, so that they compose in
# ChainedScheduler (torch's "chainable" form), and have a closed form for step(epoch).
CHAINABLE = tuple(
    name
    for name in CLASS_NAMES
    if registry.get(name).kind == "chainable" and registry.get(name).schedule is not None
)


# Custom CyclicLR scale functions. Module-level functions (not lambdas) so a
# test id can name them; torch never pickles a plain function into a
# state_dict, so they are re-supplied at construction when resuming.
def half_sine_scale(x):
    """0.5 * (1 + sin(pi x / 2)): torch's documented example of a scale_fn."""
    return 0.5 * (1.0 + math.sin(x * math.pi / 2.0))


def harmonic_scale(x):
    """1 / (1 + x / 20): slow decay of the amplitude."""
    return 1.0 / (1.0 + x / 20.0)


def geometric_scale(x):
    """0.997 ** x: exponential decay of the amplitude."""
    return 0.997**x


SCALE_FUNCTIONS = (half_sine_scale, harmonic_scale, geometric_scale)


class GeometricScale:
    """A callable object as scale_fn: torch saves its ``__dict__`` in state_dict."""

    def __init__(self, ratio):
        self.ratio = ratio

    def __call__(self, x):
        return self.ratio**x


@dataclass
class Case:
    """One scheduler configuration and how to step it."""

    name: str  # the class name, same in lrlib and torch
    index: int
    optimizer: dict  # kind, lrs (one per group), momentum
    kwargs: dict  # constructor arguments (parts/milestones for composites)
    steps: int  # number of step() calls after construction
    variant: str = ""
    metrics: list = None  # ReduceLROnPlateau: one metric per step
    epochs: list = None  # CosineAnnealingWarmRestarts: epoch argument per step
    extra: dict = field(default_factory=dict)

    @property
    def id(self):
        tail = f"-{self.variant}" if self.variant else ""
        return f"{self.name}-{self.index:02d}{tail}"

    @property
    def scale(self):
        """Largest lr the schedule can reach; absolute tolerances are relative to it."""
        values = list(self.optimizer["lrs"])
        for key in ("max_lr", "base_lr"):
            value = self.kwargs.get(key)
            if value is not None:
                values.extend(value if isinstance(value, (list, tuple)) else [value])
        return max(values)


# ---------------------------------------------------------------------------
# Optimizers and building
# ---------------------------------------------------------------------------


def make_optimizer(spec):
    """A fresh optimizer with one single-element parameter per group."""
    params = [torch.nn.Parameter(torch.zeros(1)) for _ in spec["lrs"]]
    groups = [{"params": [p], "lr": lr} for p, lr in zip(params, spec["lrs"])]
    kind = spec["kind"]
    if kind == "sgd":
        return torch.optim.SGD(groups, lr=spec["lrs"][0], momentum=spec["momentum"])
    if kind == "adam":
        return torch.optim.Adam(groups, lr=spec["lrs"][0], betas=(spec["momentum"], 0.999))
    if kind == "adamw":
        return torch.optim.AdamW(groups, lr=spec["lrs"][0], betas=(spec["momentum"], 0.999))
    raise AssertionError(kind)


def _module(lib):
    return {"lrlib": lrlib, "torch": torch_schedulers}[lib]


def build(case, outer="lrlib", inner=None, optimizer=None):
    """Build (optimizer, scheduler) for ``case``.

    ``outer`` picks the library of the scheduler class ("lrlib" or "torch");
    for SequentialLR and ChainedScheduler ``inner`` picks the library of the
    parts (defaults to ``outer``).
    """
    inner = inner or outer
    opt = optimizer if optimizer is not None else make_optimizer(case.optimizer)
    if case.name in COMPOSITES:
        parts = [
            getattr(_module(inner), name)(opt, **dict(kw)) for name, kw in case.kwargs["parts"]
        ]
        if case.name == "SequentialLR":
            sched = _module(outer).SequentialLR(
                opt, parts, milestones=list(case.kwargs["milestones"])
            )
        elif case.kwargs.get("pass_optimizer"):
            sched = _module(outer).ChainedScheduler(parts, optimizer=opt)
        else:
            sched = _module(outer).ChainedScheduler(parts)
    else:
        kwargs = {k: (list(v) if isinstance(v, list) else v) for k, v in case.kwargs.items()}
        sched = getattr(_module(outer), case.name)(opt, **kwargs)
    # One optimizer step (no gradients, so nothing moves) so torch's
    # "scheduler stepped before optimizer" warning stays quiet.
    opt.step()
    return opt, sched


def step_once(case, sched, i):
    """The i-th step() call of the case (0-based)."""
    if case.metrics is not None:
        sched.step(case.metrics[i])
    elif case.epochs is not None:
        sched.step(case.epochs[i])
    else:
        sched.step()


def momentum_of(group):
    """SGD's momentum or Adam's beta1 of a param group."""
    return group["betas"][0] if "betas" in group else group.get("momentum", 0.0)


def snapshot(opt, sched):
    """(lrs, momenta, last_lrs) right now, one entry per param group."""
    lrs = [g["lr"] for g in opt.param_groups]
    moms = [momentum_of(g) for g in opt.param_groups]
    return lrs, moms, list(sched.get_last_lr())


def run(case, opt, sched, start=0, stop=None, initial=True):
    """Step calls ``start..stop-1``; returns the snapshots after each call.

    With ``start == 0`` and ``initial`` the snapshot right after construction
    comes first.
    """
    stop = case.steps if stop is None else stop
    shots = [snapshot(opt, sched)] if (start == 0 and initial) else []
    for i in range(start, stop):
        step_once(case, sched, i)
        shots.append(snapshot(opt, sched))
    return shots


def as_arrays(shots):
    """Snapshots -> three float arrays of shape (calls, groups)."""
    lrs = np.array([[float(v) for v in s[0]] for s in shots])
    moms = np.array([[float(v) for v in s[1]] for s in shots])
    last = np.array([[float(v) for v in s[2]] for s in shots])
    return lrs, moms, last


# ---------------------------------------------------------------------------
# Random arguments, one generator per class
# ---------------------------------------------------------------------------


def _f(x):
    return float(x)


def _i(x):
    return int(x)


def _optimizer(rng, kinds=("sgd", "adam", "adamw"), n_groups=None):
    n = n_groups or _i(rng.integers(1, 4))
    lrs = [_f(v) for v in 10.0 ** rng.uniform(-4, 0, size=n)]
    return {"kind": str(rng.choice(kinds)), "lrs": lrs, "momentum": _f(rng.uniform(0.5, 0.99))}


def _drop_some(rng, kwargs, names, p=0.25):
    """Leave out some arguments that have defaults, so the defaults are compared too."""
    for name in names:
        if name in kwargs and rng.random() < p:
            del kwargs[name]
    return kwargs


def _steplr(rng):
    kw = {"step_size": _i(rng.integers(1, 60)), "gamma": _f(rng.uniform(0.05, 0.99))}
    return _drop_some(rng, kw, ["gamma"]), _i(rng.integers(1, 400))


def _multisteplr(rng):
    k = _i(rng.integers(1, 6))
    milestones = sorted(_i(m) for m in rng.choice(np.arange(1, 300), size=k, replace=False))
    kw = {"milestones": milestones, "gamma": _f(rng.uniform(0.05, 0.99))}
    last = milestones[-1] if rng.random() < 0.8 else milestones[-1] // 2 + 1
    steps = _i(rng.integers(last, milestones[-1] + 60))
    return _drop_some(rng, kw, ["gamma"]), steps


def _exponentiallr(rng):
    return {"gamma": _f(rng.uniform(0.8, 0.999))}, _i(rng.integers(1, 400))


def _eta_min(rng, lrs):
    return 0.0 if rng.random() < 0.4 else _f(min(lrs) * rng.uniform(0.0, 0.5))


def _cosineannealinglr(rng, lrs):
    t_max = _i(rng.integers(1, 200))
    kw = {"T_max": t_max, "eta_min": _eta_min(rng, lrs)}
    # Stepped past T_max: torch's cosine goes back up with period 2 T_max.
    steps = _i(rng.integers(t_max, min(600, 4 * t_max + 10) + 1))
    return _drop_some(rng, kw, ["eta_min"]), steps


def _warm_restarts(rng, lrs):
    kw = {
        "T_0": _i(rng.integers(1, 60)),
        "T_mult": _i(rng.choice([1, 2, 3])),
        "eta_min": _eta_min(rng, lrs),
    }
    return _drop_some(rng, kw, ["T_mult", "eta_min"]), _i(rng.integers(1, 400))


def _linearlr(rng):
    kw = {
        "start_factor": _f(rng.uniform(0.01, 1.0)),
        "end_factor": _f(rng.uniform(0.0, 1.0)),
        "total_iters": _i(rng.integers(1, 200)),
    }
    if rng.random() < 0.3:
        kw["end_factor"] = 1.0
    return _drop_some(rng, kw, ["start_factor", "end_factor", "total_iters"]), _i(
        rng.integers(1, 400)
    )


def _constantlr(rng):
    total = _i(rng.integers(1, 150))
    kw = {"factor": _f(rng.uniform(0.01, 1.0)), "total_iters": total}
    steps = _i(rng.integers(max(1, total - 10), total + 100))
    return _drop_some(rng, kw, ["factor", "total_iters"]), steps


def _polynomiallr(rng):
    kw = {"total_iters": _i(rng.integers(1, 200)), "power": _f(rng.uniform(0.1, 3.0))}
    return _drop_some(rng, kw, ["total_iters", "power"]), _i(rng.integers(1, 400))


def halving_every_ten(t):
    """A plain function as lr_lambda: torch leaves it out of the state_dict."""
    return 0.5 ** (t // 10)


def gentle_factor(t):
    """A plain function as MultiplicativeLR's lr_lambda: 0.99 on odd steps, else 1."""
    return 0.99 if t % 2 else 1.0


def _lambda_factor(rng):
    kind = _i(rng.integers(0, 4))
    if kind == 0:
        return registry.ScheduleFactor("cosine_annealing", {"T_max": _i(rng.integers(5, 200))})
    if kind == 1:
        return registry.ScheduleFactor("exponential_decay", {"gamma": _f(rng.uniform(0.9, 0.999))})
    if kind == 2:
        return registry.ScheduleFactor(
            "linear",
            {"start_factor": _f(rng.uniform(0.05, 1.0)), "total_iters": _i(rng.integers(1, 100))},
        )
    return halving_every_ten


def _multiplicative_factor(rng):
    return (
        registry.ConstantFactor(_f(rng.uniform(0.9, 1.0))) if rng.random() < 0.6 else gentle_factor
    )


def _lambdas(rng, n_groups, make):
    """One lr_lambda, or a list of one per group; the variant names the kinds drawn."""
    if n_groups > 1 and rng.random() < 0.5:
        fns = [make(rng) for _ in range(n_groups)]
        kw = {"lr_lambda": fns}
    else:
        fns = [make(rng)]
        kw = {"lr_lambda": fns[0]}
    names = [getattr(fn, "function", getattr(fn, "__name__", type(fn).__name__)) for fn in fns]
    return kw, "+".join(names), _i(rng.integers(1, 300))


def _per_group_or_scalar(rng, values):
    return list(values) if (len(values) > 1 and rng.random() < 0.6) else values[0]


def _cycliclr(rng, index):
    variants = ("triangular", "triangular2", "exp_range", "custom-cycle", "custom-iterations")
    variant = variants[index % len(variants)]
    cycle_momentum = bool(rng.random() < 0.6)
    opt = _optimizer(rng, kinds=("sgd", "adam", "adamw"))
    n = len(opt["lrs"])
    base = [_f(v) for v in 10.0 ** rng.uniform(-4, -2, size=n)]
    if rng.random() < 0.4:
        base = [base[0]] * n
    top = [_f(b * rng.uniform(1.5, 20.0)) for b in base]
    kw = {
        "base_lr": _per_group_or_scalar(rng, base) if len(set(base)) == 1 else base,
        "max_lr": top if len(set(top)) > 1 else top[0],
        "step_size_up": _i(rng.integers(1, 100)),
    }
    if rng.random() < 0.5:
        kw["step_size_down"] = _i(rng.integers(1, 100))
    if variant.startswith("custom"):
        fn = SCALE_FUNCTIONS[_i(rng.integers(0, len(SCALE_FUNCTIONS)))]
        kw["scale_fn"] = fn
        kw["scale_mode"] = variant.split("-")[1]
        variant = f"{fn.__name__}-{kw['scale_mode']}"
    else:
        kw["mode"] = variant
        if variant == "exp_range":
            kw["gamma"] = _f(rng.uniform(0.99, 0.99999))
    kw["cycle_momentum"] = cycle_momentum
    if cycle_momentum:
        lo = [_f(v) for v in rng.uniform(0.5, 0.85, size=n)]
        hi = [_f(v) for v in rng.uniform(0.86, 0.99, size=n)]
        kw["base_momentum"] = _per_group_or_scalar(rng, lo)
        kw["max_momentum"] = _per_group_or_scalar(rng, hi)
        _drop_some(rng, kw, ["base_momentum", "max_momentum"])
        variant += f"-momentum-{opt['kind']}"
    return opt, kw, _i(rng.integers(1, 500)), variant


def _onecyclelr(rng, index):
    three_phase = bool(index % 2)
    strategy = ("cos", "linear")[(index // 2) % 2]
    cycle_momentum = bool(rng.random() < 0.7)
    opt = _optimizer(rng)
    n = len(opt["lrs"])
    top = [_f(v) for v in 10.0 ** rng.uniform(-3, 0, size=n)]
    kw = {"max_lr": _per_group_or_scalar(rng, top)}
    if rng.random() < 0.5:
        total = _i(rng.integers(10, 400))
        kw["total_steps"] = total
        how = "total_steps"
    else:
        epochs, per_epoch = _i(rng.integers(1, 20)), _i(rng.integers(5, 30))
        kw["epochs"], kw["steps_per_epoch"] = epochs, per_epoch
        total = epochs * per_epoch
        how = "epochs"
    # Keep every phase at least two steps long (shorter ones are degenerate).
    hi = 0.45 if three_phase else 0.95
    lo = min(hi, 2.5 / total + 0.01)
    kw["pct_start"] = _f(rng.uniform(lo, hi))
    kw["anneal_strategy"] = strategy
    kw["three_phase"] = three_phase
    kw["cycle_momentum"] = cycle_momentum
    kw["div_factor"] = _f(rng.uniform(2.0, 50.0))
    kw["final_div_factor"] = _f(10.0 ** rng.uniform(1, 5))
    if cycle_momentum:
        kw["base_momentum"] = _per_group_or_scalar(rng, [_f(v) for v in rng.uniform(0.5, 0.85, n)])
        kw["max_momentum"] = _per_group_or_scalar(rng, [_f(v) for v in rng.uniform(0.86, 0.99, n)])
    _drop_some(
        rng,
        kw,
        [
            "pct_start",
            "div_factor",
            "final_div_factor",
            "base_momentum",
            "max_momentum",
            "anneal_strategy",
        ],
        p=0.15,
    )
    variant = (
        f"{strategy}-{'three' if three_phase else 'two'}_phase-{how}"
        f"{'-momentum-' + opt['kind'] if cycle_momentum else ''}"
    )
    # Stepped total_steps times, as a training loop that steps after every batch does.
    return opt, kw, total, variant


def _noisy_metrics(rng, n, mode):
    shape = str(rng.choice(["decay", "plateaus", "random_walk", "rounded_decay"]))
    t = np.arange(n)
    scale = 10.0 ** rng.uniform(-2, 2)
    offset = rng.uniform(-1.0, 1.0) * scale
    if shape in ("decay", "rounded_decay"):
        tau = rng.uniform(5, 100)
        y = scale * np.exp(-t / tau) + offset + scale * rng.uniform(0, 0.1) * rng.normal(size=n)
    elif shape == "plateaus":
        length = _i(rng.integers(5, 60))
        levels = scale * np.cumsum(rng.uniform(0, 1, size=n // length + 1))[::-1]
        y = levels[t // length] + offset + scale * rng.uniform(0, 0.05) * rng.normal(size=n)
    else:
        y = offset + scale * 0.05 * np.cumsum(rng.normal(size=n))
    if shape == "rounded_decay":
        y = np.round(y / scale, 2) * scale  # many exact ties with the best value
    if mode == "max":
        y = -y
    return shape, [float(v) for v in y]


def _plateau(rng, index):
    mode = ("min", "max")[index % 2]
    threshold_mode = ("rel", "abs")[(index // 2) % 2]
    opt = _optimizer(rng)
    lrs = opt["lrs"]
    steps = _i(rng.integers(30, 400))
    shape, metrics = _noisy_metrics(rng, steps, mode)
    spread = float(np.ptp(metrics)) or 1.0
    kw = {
        "mode": mode,
        "threshold_mode": threshold_mode,
        "factor": _f(rng.uniform(0.1, 0.9)),
        "patience": _i(rng.integers(0, 8)),
        "cooldown": _i(rng.integers(0, 6)),
        "threshold": _f(10.0 ** rng.uniform(-5, -1))
        if threshold_mode == "rel"
        else _f(spread * 10.0 ** rng.uniform(-4, -1)),
    }
    if rng.random() < (0.5 if shape == "rounded_decay" else 0.1):
        # No threshold: an exact tie with the best value is not an improvement.
        kw["threshold"] = 0.0
        shape += "_threshold0"
    choice = rng.random()
    if choice < 0.3:
        kw["min_lr"] = 0.0
        min_kind = "zero"
    elif choice < 0.6:
        kw["min_lr"] = _f(min(lrs) * rng.uniform(0.001, 0.5))
        min_kind = "scalar"
    else:
        kw["min_lr"] = [_f(lr * rng.uniform(0.001, 0.5)) for lr in lrs]
        min_kind = "per_group"
    if rng.random() < 0.5:
        # An eps large enough to matter: small reductions are skipped.
        kw["eps"] = _f(min(lrs) * 10.0 ** rng.uniform(-3, -0.3))
    _drop_some(rng, kw, ["factor", "patience", "cooldown", "threshold", "min_lr"], p=0.15)
    if kw.get("mode") == "min" and rng.random() < 0.3:
        del kw["mode"]
    if kw.get("threshold_mode") == "rel" and rng.random() < 0.3:
        del kw["threshold_mode"]
    if rng.random() < 0.2:
        metrics = [torch.tensor(m) for m in metrics]  # 0-dim tensors, as a loss is
        shape += "_tensor"
    variant = f"{mode}-{threshold_mode}-{shape}-min_lr_{min_kind}"
    return opt, kw, steps, metrics, variant


def _part_kwargs(rng, name, lrs, span):
    """Arguments for one part of a composite scheduler, sized to ``span`` steps."""
    span = max(span, 2)
    if name == "StepLR":
        return {"step_size": _i(rng.integers(1, span)), "gamma": _f(rng.uniform(0.1, 0.95))}
    if name == "MultiStepLR":
        k = _i(rng.integers(1, 4))
        ms = sorted(
            _i(m) for m in rng.choice(np.arange(1, span + 1), size=min(k, span), replace=False)
        )
        return {"milestones": ms, "gamma": _f(rng.uniform(0.1, 0.95))}
    if name == "ExponentialLR":
        return {"gamma": _f(rng.uniform(0.9, 0.999))}
    if name == "CosineAnnealingLR":
        return {"T_max": _i(rng.integers(1, span + 1)), "eta_min": _eta_min(rng, lrs)}
    if name == "CosineAnnealingWarmRestarts":
        return {
            "T_0": _i(rng.integers(1, span + 1)),
            "T_mult": _i(rng.choice([1, 2])),
            "eta_min": _eta_min(rng, lrs),
        }
    if name == "LinearLR":
        return {
            "start_factor": _f(rng.uniform(0.01, 1.0)),
            "end_factor": _f(rng.uniform(0.05, 1.0)),
            "total_iters": _i(rng.integers(1, span + 1)),
        }
    if name == "ConstantLR":
        return {"factor": _f(rng.uniform(0.05, 1.0)), "total_iters": _i(rng.integers(1, span + 1))}
    if name == "PolynomialLR":
        return {"total_iters": _i(rng.integers(1, span + 1)), "power": _f(rng.uniform(0.3, 3.0))}
    raise AssertionError(name)


SEQUENTIAL_RECIPES = ("warmup_cosine", "constant_exponential", "warmup_restarts", "random")


def _sequential(rng, index):
    recipe = SEQUENTIAL_RECIPES[index % len(SEQUENTIAL_RECIPES)]
    opt = _optimizer(rng)
    lrs = opt["lrs"]
    if recipe == "warmup_cosine":
        warm = _i(rng.integers(1, 50))
        parts = [
            ("LinearLR", {"start_factor": _f(rng.uniform(0.01, 0.5)), "total_iters": warm}),
            (
                "CosineAnnealingLR",
                {"T_max": _i(rng.integers(10, 300)), "eta_min": _eta_min(rng, lrs)},
            ),
        ]
        milestones = [warm]
    elif recipe == "constant_exponential":
        k = _i(rng.integers(1, 40))
        parts = [
            ("ConstantLR", {"factor": _f(rng.uniform(0.05, 1.0)), "total_iters": k}),
            ("ExponentialLR", {"gamma": _f(rng.uniform(0.9, 0.999))}),
        ]
        milestones = [_i(rng.integers(1, 60))]
    elif recipe == "warmup_restarts":
        warm = _i(rng.integers(1, 30))
        parts = [
            ("LinearLR", {"start_factor": _f(rng.uniform(0.01, 0.5)), "total_iters": warm}),
            (
                "CosineAnnealingWarmRestarts",
                _part_kwargs(rng, "CosineAnnealingWarmRestarts", lrs, 60),
            ),
        ]
        milestones = [warm]
    else:
        pool = CHAINABLE + ("CosineAnnealingWarmRestarts",)
        k = _i(rng.integers(3, 6))
        milestones = sorted(_i(m) for m in rng.choice(np.arange(1, 300), size=k - 1, replace=False))
        bounds = [0] + milestones + [milestones[-1] + 100]
        names = [str(rng.choice(pool)) for _ in range(k)]
        parts = [
            (nm, _part_kwargs(rng, nm, lrs, bounds[j + 1] - bounds[j]))
            for j, nm in enumerate(names)
        ]
        recipe = "random-" + "+".join(names)
    steps = _i(rng.integers(milestones[-1], milestones[-1] + 300))
    return opt, {"parts": parts, "milestones": milestones}, steps, recipe


def _chained(rng, index):
    opt = _optimizer(rng)
    lrs = opt["lrs"]
    partners = (
        "ExponentialLR",
        "StepLR",
        "MultiStepLR",
        "CosineAnnealingLR",
        "LinearLR",
        "PolynomialLR",
    )
    if index % 3 != 2:
        pair = index - index // 3  # ordinal among the two-part chains
        partner = partners[pair % len(partners)]
        parts = [
            ("ConstantLR", _part_kwargs(rng, "ConstantLR", lrs, 60)),
            (partner, _part_kwargs(rng, partner, lrs, 200)),
        ]
        if (pair // len(partners)) % 2:
            parts.reverse()
    else:
        k = _i(rng.integers(2, 5))
        names = [str(rng.choice(CHAINABLE)) for _ in range(k)]
        parts = [(nm, _part_kwargs(rng, nm, lrs, 200)) for nm in names]
    recipe = "+".join(nm for nm, _ in parts)
    kwargs = {"parts": parts, "pass_optimizer": bool(rng.random() < 0.5)}
    return opt, kwargs, _i(rng.integers(1, 400)), recipe


def _fractional_epochs(rng):
    """Epoch arguments of the documented per-batch loop: step(epoch + i / iters)."""
    iters = _i(rng.integers(1, 9))
    n_epochs = _i(rng.integers(1, max(2, 400 // iters)))
    return [e + i / iters for e in range(n_epochs) for i in range(iters)], iters


def name_seed(name):
    """A seed of the class name alone, so that adding a class changes no other draw."""
    return zlib.crc32(name.encode())


def make_cases(name, count, seed=0):
    """``count`` random configurations of class ``name``."""
    rng = np.random.default_rng([seed, name_seed(name)])
    cases = []
    for index in range(count):
        metrics = epochs = None
        variant = ""
        if name in (
            "StepLR",
            "MultiStepLR",
            "ExponentialLR",
            "LinearLR",
            "ConstantLR",
            "PolynomialLR",
        ):
            opt = _optimizer(rng)
            gen = {
                "StepLR": _steplr,
                "MultiStepLR": _multisteplr,
                "ExponentialLR": _exponentiallr,
                "LinearLR": _linearlr,
                "ConstantLR": _constantlr,
                "PolynomialLR": _polynomiallr,
            }[name]
            kwargs, steps = gen(rng)
        elif name in ("LambdaLR", "MultiplicativeLR"):
            opt = _optimizer(rng)
            make = _lambda_factor if name == "LambdaLR" else _multiplicative_factor
            kwargs, variant, steps = _lambdas(rng, len(opt["lrs"]), make)
        elif name == "CosineAnnealingLR":
            opt = _optimizer(rng)
            kwargs, steps = _cosineannealinglr(rng, opt["lrs"])
            variant = "past_T_max" if steps > kwargs["T_max"] else ""
        elif name == "CosineAnnealingWarmRestarts":
            opt = _optimizer(rng)
            kwargs, steps = _warm_restarts(rng, opt["lrs"])
            if index % 2:
                # Fractional epochs. T_mult 3 is left out: torch computes the
                # cycle number with a float log, and math.log(243, 3) < 5 makes
                # its step(epoch) wrong at some exact restart epochs.
                kwargs["T_mult"] = _i(rng.choice([1, 2, 4]))
                kwargs["T_0"] = _i(rng.integers(1, 20))
                epochs, iters = _fractional_epochs(rng)
                steps = len(epochs)
                variant = f"fractional_epochs-{iters}_per_epoch"
            else:
                variant = "plain_steps"
        elif name == "CyclicLR":
            opt, kwargs, steps, variant = _cycliclr(rng, index)
        elif name == "OneCycleLR":
            opt, kwargs, steps, variant = _onecyclelr(rng, index)
        elif name == "ReduceLROnPlateau":
            opt, kwargs, steps, metrics, variant = _plateau(rng, index)
        elif name == "SequentialLR":
            opt, kwargs, steps, variant = _sequential(rng, index)
        elif name == "ChainedScheduler":
            opt, kwargs, steps, variant = _chained(rng, index)
        else:
            raise AssertionError(name)
        cases.append(Case(name, index, opt, kwargs, steps, variant, metrics, epochs))
    return cases
