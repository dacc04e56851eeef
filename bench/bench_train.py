"""Benchmark of lrlib's training loops, printing ratios measured in one run.

1. ``fit`` against a bare hand-written loop over the same tensors, model,
   batches (drawn the same way, ``index_select``) and scheduler, doing the
   same work (per-step loss kept, one validation pass per epoch): what ``fit``
   adds is its checks and bookkeeping. Goal: at most 1.10x the bare loop's
   time per epoch.
2. ``fit_seeds`` with 5 seeds against 5 sequential ``fit`` calls, with the
   largest difference of their losses. Goal: at least 3x faster.
3. ``sweep`` over 12 learning rates x 5 seeds (SGD with momentum, one-cycle
   per member) against the 60 sequential ``fit`` calls it stands for, with
   the largest difference of their losses. Goal: at least 8x faster on 2
   CPU cores. Timed once each (the sequential side takes a while). The lrs
   go up to 0.5; near the top a run can be chaotic, so that the 1e-7 rounding
   difference of a batched matrix product grows to a visible one in either way
   of running it. Each member farther than 1e-5 from its fit is shown with its
   own fit's change when its initial weights move by 1e-7.

Each timing is the best of a few repeats (the machine may be shared), taken
in alternation so that a slow moment hits both sides. On a machine with CUDA
the same runs are timed on the GPU as well.

Run: ``python bench/bench_train.py`` (``make bench``).
"""

import math
import os
import time

import numpy as np
import torch
import torch.nn.functional as F

import lrlib

EPOCHS = 10
BATCH = 64
SEEDS = range(5)
REPEATS = 7
SWEEP_LRS = [round(float(v), 6) for v in np.logspace(-3, math.log10(0.5), 12)]


def make_model(seed):
    return lrlib.models.mlp(64, 10, hidden=(128,), seed=seed)


def make_optimizer(model):
    return torch.optim.SGD(model.parameters(), lr=0.05, momentum=0.9)


def make_scheduler(optimizer, steps):
    return lrlib.OneCycleLR(optimizer, max_lr=0.2, total_steps=steps)


def bare_loop(data, device, seed=0):
    """The loop one writes by hand: same shuffling, steps, scheduler and per-epoch validation."""
    model = make_model(seed).to(device)
    optimizer = make_optimizer(model)
    X, y = (t.to(device) for t in data.train)
    Xv, yv = (t.to(device) for t in data.val)
    n = len(X)
    scheduler = make_scheduler(optimizer, EPOCHS * math.ceil(n / BATCH))
    generator = torch.Generator().manual_seed(seed)
    losses, val = [], []
    for _ in range(EPOCHS):
        perm = torch.randperm(n, generator=generator).to(device)
        model.train()
        epoch_losses = torch.empty(math.ceil(n / BATCH), device=device)
        for b, i in enumerate(range(0, n, BATCH)):
            idx = perm[i : i + BATCH]
            loss = F.cross_entropy(model(X.index_select(0, idx)), y.index_select(0, idx))
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            optimizer.step()
            scheduler.step()
            epoch_losses[b] = loss.detach()
        losses += epoch_losses.tolist()
        model.eval()
        with torch.no_grad():
            out = model(Xv)
            val.append(
                (F.cross_entropy(out, yv).item(), (out.argmax(1) == yv).float().mean().item())
            )
    return losses


def one_fit(data, device, seed=0):
    model = make_model(seed)
    optimizer = make_optimizer(model)
    steps = EPOCHS * math.ceil(len(data.train[0]) / BATCH)
    return lrlib.fit(
        model,
        optimizer,
        data,
        EPOCHS,
        BATCH,
        make_scheduler(optimizer, steps),
        seed=seed,
        device=device,
        progress=False,
    )


def seeds_at_once(data, device):
    steps = EPOCHS * math.ceil(len(data.train[0]) / BATCH)
    return lrlib.fit_seeds(
        lambda s: make_model(s).to(device),
        make_optimizer,
        data,
        SEEDS,
        lambda o: make_scheduler(o, steps),
        epochs=EPOCHS,
        batch_size=BATCH,
        device=device,
        progress=False,
    )


def seeds_one_by_one(data, device):
    return [one_fit(data, device, seed) for seed in SEEDS]


def sweep_make_optimizer(model, lr):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def sweep_at_once(data, device):
    steps = EPOCHS * math.ceil(len(data.train[0]) / BATCH)
    return lrlib.sweep(
        lambda s: make_model(s).to(device),
        sweep_make_optimizer,
        data,
        SWEEP_LRS,
        SEEDS,
        lambda o, lr: lrlib.OneCycleLR(o, max_lr=lr, total_steps=steps),
        epochs=EPOCHS,
        batch_size=BATCH,
        device=device,
        progress=False,
    )


def sweep_fit(data, device, lr, seed, nudge=0.0):
    """The sequential fit that one member of the sweep stands for.

    ``nudge`` > 0 multiplies each initial weight by ``1 + nudge * noise`` (standard normal
    noise from a fixed generator): a change of the size of float32 rounding for 1e-7.
    """
    steps = EPOCHS * math.ceil(len(data.train[0]) / BATCH)
    model = make_model(seed)
    if nudge:
        noise = torch.Generator().manual_seed(1234)
        with torch.no_grad():
            for p in model.parameters():
                p.mul_(1 + nudge * torch.randn(p.shape, generator=noise))
    optimizer = sweep_make_optimizer(model, lr)
    scheduler = lrlib.OneCycleLR(optimizer, max_lr=lr, total_steps=steps)
    return lrlib.fit(
        model, optimizer, data, EPOCHS, BATCH, scheduler, seed=seed, device=device, progress=False
    )


def sweep_one_by_one(data, device):
    return [sweep_fit(data, device, lr, seed) for lr in SWEEP_LRS for seed in SEEDS]


def loss_gap(a, b):
    """The largest difference of two runs' per-step losses (relative once above 1)."""
    return max(abs(x - y) / max(1.0, abs(y)) for x, y in zip(a.step_loss, b.step_loss))


def chaos_report(data, device, seq, batched, tol=1e-5):
    """Members farther than tol from their fit, each with its own fit's sensitivity.

    A member is chaotic when its own sequential fit moves by more than tol
    once its initial weights are changed by one part in 10**7 (about float32's
    rounding, the size of the difference between a batched and a plain matrix
    product): a difference of that size between batched and sequential runs is
    then rounding amplified by the configuration, not an error of the sweep.
    """
    members = [(lr, seed) for lr in SWEEP_LRS for seed in SEEDS]
    gaps = [loss_gap(r, h) for h, r in zip(seq, batched)]
    far = [i for i, g in enumerate(gaps) if g > tol]
    close = [g for g in gaps if g <= tol]
    print(
        f"  {len(close)}/{len(gaps)} members within {tol:g} of their fit at every step "
        f"(largest {max(close, default=0):.1e})"
    )
    for i in far:
        lr, seed = members[i]
        own = loss_gap(sweep_fit(data, device, lr, seed, nudge=1e-7), seq[i])
        print(
            f"  lr={lr:g} seed {seed}: sweep vs fit {gaps[i]:.1e}; its own fit with the initial "
            f"weights changed by 1e-7 (relative) moves by {own:.1e} "
            f"({'chaotic' if own > tol else 'NOT chaotic'})"
        )


def bench_sweep(data, device):
    """Sweep 12 lrs x 5 seeds batched and as sequential fits: the ratio, the worst difference."""
    sweep_at_once(data, device)  # warm-up
    t_seq, seq = timed(sweep_one_by_one, data, device)
    t_batched, result = timed(sweep_at_once, data, device)
    batched = [h for row in result.histories for h in row]
    diff = max(loss_gap(r, h) for h, r in zip(seq, batched))
    n = len(SWEEP_LRS) * len(SEEDS)
    print(
        f"  {n} x fit     {t_seq:8.3f} s   ({len(SWEEP_LRS)} lrs x {len(SEEDS)} seeds, one-cycle)"
    )
    print(
        f"  sweep      {t_batched:8.3f} s   speed-up = {t_seq / t_batched:.2f}x "
        f"(goal >= 8x on 2 cores; max |loss difference| per step {diff:.1e}, "
        f"diverged {int(result.diverged.sum())}/{n})"
    )
    chaos_report(data, device, seq, batched)
    return t_seq / t_batched


def timed(fn, *args):
    if args and isinstance(args[-1], str) and args[-1].startswith("cuda"):
        torch.cuda.synchronize()
    start = time.perf_counter()
    result = fn(*args)
    if args and isinstance(args[-1], str) and args[-1].startswith("cuda"):
        torch.cuda.synchronize()
    return time.perf_counter() - start, result


def best_of(pairs):
    """Time each function in alternation REPEATS times; best time of each."""
    best = [math.inf] * len(pairs)
    results = [None] * len(pairs)
    for _ in range(REPEATS):
        for k, (fn, args) in enumerate(pairs):
            seconds, results[k] = timed(fn, *args)
            best[k] = min(best[k], seconds)
    return best, results


def bench(device):
    data = lrlib.data.digits(seed=0)
    load = " ".join(f"{v:.1f}" for v in os.getloadavg()) if hasattr(os, "getloadavg") else "?"
    print(
        f"device: {device}, torch {torch.__version__}, {torch.get_num_threads()} threads, "
        f"{os.cpu_count()} CPUs (load average {load}), digits train={len(data.train[0])}, "
        f"batch {BATCH}, {EPOCHS} epochs, best of {REPEATS}"
    )
    one_fit(data, device)  # warm-up
    bare_loop(data, device)
    (t_bare, t_fit), (bare_losses, hist) = best_of(
        [(bare_loop, (data, device)), (one_fit, (data, device))]
    )
    same = max(abs(a - b) for a, b in zip(bare_losses, hist.step_loss))
    print(f"  bare loop  {1e3 * t_bare / EPOCHS:8.2f} ms/epoch")
    print(
        f"  fit        {1e3 * t_fit / EPOCHS:8.2f} ms/epoch   "
        f"ratio fit/bare = {t_fit / t_bare:.3f}x "
        f"(goal <= 1.10x; max |loss difference| {same:.1e})"
    )

    seeds_at_once(data, device)  # warm-up
    (t_seq, t_batched), (seq, runs) = best_of(
        [(seeds_one_by_one, (data, device)), (seeds_at_once, (data, device))]
    )
    diff = max(abs(a - b) for h, r in zip(seq, runs) for a, b in zip(h.step_loss, r.step_loss))
    print(f"  {len(SEEDS)} x fit     {t_seq:8.3f} s")
    print(
        f"  fit_seeds  {t_batched:8.3f} s   speed-up = {t_seq / t_batched:.2f}x "
        f"(goal >= 3x; max |loss difference| per step {diff:.1e})"
    )
    return {
        "fit/bare": t_fit / t_bare,
        "seeds speed-up": t_seq / t_batched,
        "fit ms/epoch": 1e3 * t_fit / EPOCHS,
        "fit_seeds s": t_batched,
        "sweep speed-up": bench_sweep(data, device),
    }


def main():
    results = {"cpu": bench("cpu")}
    if torch.cuda.is_available():
        results["cuda"] = bench("cuda")
    print(
        "summary: "
        + "; ".join(
            f"{dev}: fit/bare {r['fit/bare']:.3f}x, fit_seeds speed-up {r['seeds speed-up']:.2f}x, "
            f"sweep speed-up {r['sweep speed-up']:.2f}x, fit {r['fit ms/epoch']:.1f} ms/epoch"
            for dev, r in results.items()
        )
    )


if __name__ == "__main__":
    main()
