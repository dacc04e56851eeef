"""Cost of one scheduler.step(): lrlib's schedulers as a ratio to torch's.

For each example of lrlib's registry, the same configuration is built from lrlib and from
torch.optim.lr_scheduler on identical optimizers (one param group, then three),
and ``step()`` is timed over a run of steps. The schedules of Hugging Face transformers,
which torch has no class for, are compared with what transformers builds for them: a
torch ``LambdaLR`` whose lambda is the schedule's formula (lrlib's pure function, with
its keyword arguments bound by ``functools.partial``, as transformers binds its own).

Repetitions of lrlib and torch are interleaved (alternating which goes first) so that
both see the same machine load; each side's time per step is the median over
repetitions, and the ratio is the median, over repetitions, of lrlib's time / torch's
time in the two back-to-back runs of that repetition (robust to load from other
processes that comes and goes). Goal: no ratio above 1.0.

    python bench/bench_schedulers.py [--repeats 61]
"""

import argparse
import functools
import gc
import statistics
import time
import warnings

import torch
from torch.optim import lr_scheduler as torch_schedulers

import lrlib
from lrlib import registry, schedules


def make_optimizer(n_groups):
    groups = [
        {"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.1 / (i + 1)}
        for i in range(n_groups)
    ]
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def transformers_factor(name, kwargs, lr=0.1):
    """The lambda of the LambdaLR that transformers builds for lrlib's ``name(**kwargs)``.

    The factor of the lr at step t, in [0, 1]: lrlib's pure schedule with ``base_lr=1``,
    its arguments bound once. ``lr`` is the optimizer's lr (an absolute floor becomes a
    fraction of it, as transformers' ``min_lr`` does).
    """
    kw = dict(kwargs)
    if name == "WarmupCosineLR":
        rate, floor = kw.pop("min_lr_rate", None), kw.pop("eta_min", None)
        kw["eta_min"] = rate if rate is not None else (floor or 0.0) / lr
        function = schedules.warmup_cosine
    elif name == "WarmupStableDecayLR":
        total = kw.pop("num_training_steps", None)
        if kw.get("num_stable_steps") is None:
            kw["num_stable_steps"] = total - kw["num_warmup_steps"] - kw["num_decay_steps"]
        function = schedules.warmup_stable_decay
    elif name == "InverseSqrtLR":
        function = schedules.inverse_sqrt
    else:
        raise ValueError(f"{name} has neither a torch class nor a transformers schedule")
    return functools.partial(function, base_lr=1.0, **kw)


def _builder(name, kwargs):
    """function(library module, optimizer) -> scheduler, for lrlib's or torch's twin."""

    def build(module, optimizer):
        if module is torch_schedulers and not hasattr(module, name):
            return module.LambdaLR(optimizer, transformers_factor(name, kwargs))
        return registry.build(name, optimizer, module, **kwargs)

    return build


def builders():
    """label -> (function(library module, optimizer) -> scheduler, step() calls, metrics).

    Every example of every scheduler of lrlib's registry: each is stepped as many times
    as its example runs (``steps - 1`` calls after construction). Its torch twin is the
    class of the same name, or for transformers' schedules a LambdaLR
    (:func:`transformers_factor`); the label says so.
    """
    table = {}
    for entry in registry.SCHEDULERS.values():
        twin = "" if hasattr(torch_schedulers, entry.name) else " (vs LambdaLR)"
        for example in entry.examples:
            label = f"{entry.name} {example.label}".strip() + twin
            table[label] = (
                _builder(entry.name, example.kwargs),
                example.steps - 1,
                example.metrics,
            )
    return table


def time_per_step(build, module, n_groups, steps, metrics):
    """Seconds per step() over one run of ``steps`` steps of a freshly built scheduler."""
    opt = make_optimizer(n_groups)
    sched = build(module, opt)
    opt.step()  # no gradients: moves nothing, keeps torch's step-order warning quiet
    step = sched.step
    if metrics is not None:
        values = metrics[:steps]
        start = time.perf_counter()
        for value in values:
            step(value)
        stop = time.perf_counter()
    else:
        start = time.perf_counter()
        for _ in range(steps):
            step()
        stop = time.perf_counter()
    return (stop - start) / steps


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeats", type=int, default=61, help="timed runs per library")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    libraries = {"lrlib": lrlib, "torch": torch_schedulers}

    print(
        f"scheduler.step() cost, lrlib / torch {torch.__version__}; median of {args.repeats} "
        f"interleaved runs of each registry example's steps"
    )
    header = f"{'scheduler':52s}"
    for n_groups in (1, 3):
        groups = f"{n_groups} group{'s' * (n_groups > 1)}"
        header += f" | {'torch us':>8s} {'lrlib us':>8s} {'ratio':>6s}  ({groups})"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for name, (build, steps, metrics) in builders().items():
        row = f"{name:52s}"
        for n_groups in (1, 3):
            times = {"lrlib": [], "torch": []}
            pair_ratios = []
            for rep in range(args.repeats):
                order = ("lrlib", "torch") if rep % 2 == 0 else ("torch", "lrlib")
                for lib in order:
                    gc.disable()  # no collection inside a timed run (gc.collect() itself is slow)
                    try:
                        times[lib].append(
                            time_per_step(build, libraries[lib], n_groups, steps, metrics)
                        )
                    finally:
                        gc.enable()
                pair_ratios.append(times["lrlib"][-1] / times["torch"][-1])
            ours = statistics.median(times["lrlib"])
            theirs = statistics.median(times["torch"])
            # Median of the ratios of back-to-back runs: robust to load that comes and goes.
            ratio = statistics.median(pair_ratios)
            worst = max(worst, ratio)
            flag = "*" if ratio > 1.0 else " "
            row += f" | {theirs * 1e6:8.2f} {ours * 1e6:8.2f} {ratio:5.2f}x{flag}{'':13s}"
        print(row)
    print(f"\nworst ratio {worst:.2f}x (goal: no class above 1.00x; * marks those above)")


if __name__ == "__main__":
    main()
