"""Cost of one scheduler.step(): lrlib's schedulers as a ratio to torch's.

For each class, the same configuration is built from lrlib and from
torch.optim.lr_scheduler on identical optimizers (one param group, then three),
and ``step()`` is timed over a run of steps. Repetitions of lrlib and torch are
interleaved (alternating which goes first) so that both see the same machine
load; each side's time per step is the median over repetitions, and the ratio
is the median, over repetitions, of lrlib's time / torch's time in the two
back-to-back runs of that repetition (robust to load from other processes that
comes and goes). Goal: no ratio above 1.0.

    python bench/bench_schedulers.py [--steps 200] [--repeats 61]
"""
import argparse
import gc
import statistics
import time
import warnings

import numpy as np
import torch
from torch.optim import lr_scheduler as torch_schedulers

import lrlib


def make_optimizer(n_groups):
    groups = [{"params": [torch.nn.Parameter(torch.zeros(1))], "lr": 0.1 / (i + 1)}
              for i in range(n_groups)]
    return torch.optim.SGD(groups, lr=0.1, momentum=0.9)


def builders(steps):
    """class name -> function(library module, optimizer) -> scheduler."""
    return {
        "StepLR": lambda m, o: m.StepLR(o, step_size=10, gamma=0.5),
        "MultiStepLR": lambda m, o: m.MultiStepLR(o, milestones=[50, 100, 200, 300], gamma=0.5),
        "ExponentialLR": lambda m, o: m.ExponentialLR(o, gamma=0.99),
        "CosineAnnealingLR": lambda m, o: m.CosineAnnealingLR(o, T_max=150, eta_min=1e-4),
        "CosineAnnealingWarmRestarts": lambda m, o: m.CosineAnnealingWarmRestarts(o, T_0=20, T_mult=2),
        "CyclicLR": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=25),
        "CyclicLR exp_range": lambda m, o: m.CyclicLR(o, base_lr=0.01, max_lr=0.1, step_size_up=25,
                                                      mode="exp_range", gamma=0.999),
        "OneCycleLR": lambda m, o: m.OneCycleLR(o, max_lr=0.1, total_steps=steps + 1),
        "LinearLR": lambda m, o: m.LinearLR(o, start_factor=0.1, total_iters=steps),
        "ConstantLR": lambda m, o: m.ConstantLR(o, factor=0.5, total_iters=steps // 2),
        "PolynomialLR": lambda m, o: m.PolynomialLR(o, total_iters=steps, power=2.0),
        "ReduceLROnPlateau": lambda m, o: m.ReduceLROnPlateau(o, patience=3, cooldown=1),
        "SequentialLR": lambda m, o: m.SequentialLR(
            o, [m.LinearLR(o, start_factor=0.1, total_iters=20), m.CosineAnnealingLR(o, T_max=steps)],
            milestones=[20]),
        "ChainedScheduler": lambda m, o: m.ChainedScheduler(
            [m.ConstantLR(o, factor=0.5, total_iters=50), m.ExponentialLR(o, gamma=0.99)]),
    }


def time_per_step(build, module, n_groups, steps, metrics):
    """Seconds per step() over one run of ``steps`` steps of a freshly built scheduler."""
    opt = make_optimizer(n_groups)
    sched = build(module, opt)
    opt.step()  # no gradients: moves nothing, keeps torch's step-order warning quiet
    step = sched.step
    if isinstance(sched, torch_schedulers.ReduceLROnPlateau):
        start = time.perf_counter()
        for value in metrics:
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
    parser.add_argument("--steps", type=int, default=200, help="step() calls per timed run")
    parser.add_argument("--repeats", type=int, default=61, help="timed runs per library")
    args = parser.parse_args()
    warnings.simplefilter("ignore")
    rng = np.random.default_rng(0)
    metrics = [float(v) for v in np.exp(-np.arange(args.steps) / 50) + 0.01 * rng.normal(size=args.steps)]
    libraries = {"lrlib": lrlib, "torch": torch_schedulers}

    print(f"scheduler.step() cost, lrlib / torch {torch.__version__}; median of {args.repeats} "
          f"interleaved runs of {args.steps} steps")
    header = f"{'scheduler':28s}"
    for n_groups in (1, 3):
        header += f" | {'torch us':>8s} {'lrlib us':>8s} {'ratio':>6s}  ({n_groups} group{'s' * (n_groups > 1)})"
    print(header)
    print("-" * len(header))
    worst = 0.0
    for name, build in builders(args.steps).items():
        row = f"{name:28s}"
        for n_groups in (1, 3):
            times = {"lrlib": [], "torch": []}
            pair_ratios = []
            for rep in range(args.repeats):
                order = ("lrlib", "torch") if rep % 2 == 0 else ("torch", "lrlib")
                for lib in order:
                    gc.disable()  # no collection inside a timed run (gc.collect() itself is slow)
                    try:
                        times[lib].append(time_per_step(build, libraries[lib], n_groups, args.steps, metrics))
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
