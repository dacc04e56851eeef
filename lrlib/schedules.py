"""Every learning-rate schedule of the wiki as a pure, closed-form function of the step.

Each function takes the step ``t`` (the number of ``scheduler.step()`` calls made so
far: an int, a float, or a numpy array of them) and returns the learning rate at
that step: a float for a scalar ``t``, an array of the same shape for an array.
Nothing here keeps state or imports torch; :mod:`lrlib.schedulers` builds torch
schedulers on these formulas, and the lessons plot them.

>>> cosine_annealing([0, 50, 100], base_lr=0.1, T_max=100)
array([0.1 , 0.05, 0.  ])
"""

import bisect
import math

import numpy as np

__all__ = [
    "step_decay",
    "step_decay_count",
    "multistep_decay",
    "multistep_decay_count",
    "exponential_decay",
    "cosine_annealing",
    "cosine_warm_restarts",
    "warm_restart_position",
    "cyclic",
    "cyclic_momentum",
    "cyclic_position",
    "cyclic_scale",
    "cyclic_scale_fn",
    "cyclic_value",
    "one_cycle_position",
    "one_cycle",
    "one_cycle_momentum",
    "one_cycle_phases",
    "piecewise_anneal",
    "anneal",
    "linear",
    "linear_factor",
    "constant",
    "polynomial",
    "polynomial_factor",
    "plateau_improved",
    "plateau_reduced",
]


class _ScalarOps:
    """Python's math for a scalar step: fast, returns plain floats."""

    cos = staticmethod(math.cos)
    sqrt = staticmethod(math.sqrt)
    floor = staticmethod(math.floor)
    minimum = staticmethod(min)
    maximum = staticmethod(max)

    @staticmethod
    def where(condition, a, b):
        return a if condition else b

    @staticmethod
    def bisect_right(sorted_values, t):
        return bisect.bisect_right(sorted_values, t)


class _ArrayOps:
    """numpy for an array of steps: vectorised, returns arrays."""

    cos = staticmethod(np.cos)
    sqrt = staticmethod(np.sqrt)
    floor = staticmethod(np.floor)
    minimum = staticmethod(np.minimum)
    maximum = staticmethod(np.maximum)
    where = staticmethod(np.where)

    @staticmethod
    def bisect_right(sorted_values, t):
        return np.searchsorted(np.asarray(sorted_values), t, side="right")


_SCALAR_TYPES = (int, float, np.integer, np.floating)


def _ops(t):
    """Return ``(t, ops)``: ``t`` as a number or float array, and the matching maths."""
    kind = type(t)
    if kind is int or kind is float or isinstance(t, _SCALAR_TYPES):
        return t, _ScalarOps
    return np.asarray(t, dtype=float), _ArrayOps


# --- decays by a factor gamma -----------------------------------------------------


def step_decay_count(t, step_size):
    """Number of decays made by step ``t``: ``floor(t / step_size)``."""
    return t // step_size


def step_decay(t, base_lr, step_size, gamma=0.1):
    """StepLR: ``lr = base_lr * gamma ** floor(t / step_size)``."""
    t, _ = _ops(t)
    return base_lr * gamma ** step_decay_count(t, step_size)


def multistep_decay_count(t, milestones):
    """Number of milestones reached by step ``t``: ``#{m in milestones : m <= t}``."""
    t, ops = _ops(t)
    return ops.bisect_right(sorted(milestones), t)


def multistep_decay(t, base_lr, milestones, gamma=0.1):
    """MultiStepLR: ``lr = base_lr * gamma ** #{m in milestones : m <= t}``."""
    return base_lr * gamma ** multistep_decay_count(t, milestones)


def exponential_decay(t, base_lr, gamma):
    """ExponentialLR: ``lr = base_lr * gamma ** t`` (multiplied by gamma, not divided)."""
    t, _ = _ops(t)
    return base_lr * gamma**t


# --- cosine -----------------------------------------------------------------------


def cosine_annealing(t, base_lr, T_max, eta_min=0.0):
    """CosineAnnealingLR: ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * t / T_max)) / 2``.

    The curve reaches ``eta_min`` at ``t = T_max`` and, stepped further, climbs back
    to ``base_lr`` at ``t = 2 * T_max``: a cosine of period ``2 * T_max``.
    """
    t, ops = _ops(t)
    return eta_min + (base_lr - eta_min) * (1 + ops.cos(math.pi * t / T_max)) / 2


def warm_restart_position(t, T_0, T_mult=1):
    """Where step ``t`` lies in SGDR's cycles: ``(T_cur, T_i)``.

    The cycles have lengths ``T_0, T_0 * T_mult, T_0 * T_mult**2, ...``; ``T_i`` is the
    length of the cycle that holds ``t`` and ``T_cur`` the time since its restart.
    ``t`` may be fractional (an epoch plus the fraction of it done).
    """
    t, ops = _ops(t)
    if T_mult == 1:
        return t % T_0, T_0 + 0 * t
    # index n of the cycle: the largest n with T_0 * (T_mult**n - 1) / (T_mult - 1) <= t,
    # from the logarithm, then corrected by one where rounding put it off by one.
    ratio = np.asarray(t, dtype=float) / T_0 * (T_mult - 1) + 1
    n = np.floor(np.log(np.maximum(ratio, 1.0)) / math.log(T_mult))
    start = T_0 * (T_mult**n - 1) / (T_mult - 1)
    n = np.where(start > t, n - 1, n)
    n = np.where(T_0 * (T_mult ** (n + 1) - 1) / (T_mult - 1) <= t, n + 1, n)
    start = T_0 * (T_mult**n - 1) / (T_mult - 1)
    T_cur, T_i = t - start, T_0 * T_mult**n
    if ops is _ScalarOps:
        return float(T_cur), float(T_i)
    return T_cur, T_i


def cosine_warm_restarts(t, base_lr, T_0, T_mult=1, eta_min=0.0):
    """CosineAnnealingWarmRestarts (SGDR): a cosine over ``T_cur`` in a cycle of length ``T_i``.

    ``lr = eta_min + (base_lr - eta_min) * (1 + cos(pi * T_cur / T_i)) / 2`` with
    ``(T_cur, T_i) = warm_restart_position(t, T_0, T_mult)``.
    """
    T_cur, T_i = warm_restart_position(t, T_0, T_mult)
    return cosine_annealing(T_cur, base_lr, T_i, eta_min)


# --- cyclic (Smith, 2017) -----------------------------------------------------------


def cyclic_position(t, step_size_up=2000, step_size_down=None):
    """Where step ``t`` lies in a triangular cycle: ``(cycle, height)``.

    ``cycle = floor(1 + t / (up + down))`` counts cycles from 1; ``height`` in [0, 1]
    rises linearly over ``step_size_up`` steps and falls over ``step_size_down``.
    """
    t, ops = _ops(t)
    up = float(step_size_up)
    down = up if step_size_down is None else float(step_size_down)
    total = up + down
    ratio = up / total
    cycle = ops.floor(1 + t / total)
    x = 1.0 + t / total - cycle
    if ops is _ScalarOps:
        height = x / ratio if x <= ratio else (x - 1) / (ratio - 1)
    else:
        with np.errstate(divide="ignore", invalid="ignore"):
            height = np.where(x <= ratio, x / ratio, (x - 1) / (ratio - 1))
    return cycle, height


def cyclic_scale_fn(mode, gamma=1.0):
    """CyclicLR's built-in amplitude scale for ``mode`` and what it is a function of.

    Returns ``(function, scale_mode)``: ``1`` of the cycle ('triangular'),
    ``1 / 2**(cycle - 1)`` ('triangular2'), ``gamma**t`` of the step ('exp_range').

    >>> fn, of = cyclic_scale_fn("triangular2")
    >>> fn(3), of
    (0.25, 'cycle')
    """
    if mode == "triangular":
        return _triangular, "cycle"
    if mode == "triangular2":
        return _triangular2, "cycle"
    if mode == "exp_range":
        return (lambda x: gamma**x), "iterations"
    raise ValueError(f"mode must be 'triangular', 'triangular2' or 'exp_range', got {mode!r}")


def _triangular(cycle):
    return 1.0


def _triangular2(cycle):
    return 1 / 2.0 ** (cycle - 1)


def cyclic_scale(t, cycle, mode="triangular", gamma=1.0, scale_fn=None, scale_mode="cycle"):
    """The amplitude scale of CyclicLR at step ``t`` in cycle ``cycle``.

    1 for 'triangular', ``1 / 2**(cycle - 1)`` for 'triangular2', ``gamma**t`` for
    'exp_range'; a custom ``scale_fn`` replaces them and is evaluated on the cycle
    number (``scale_mode='cycle'``) or on the step (``scale_mode='iterations'``).
    """
    if scale_fn is None:
        scale_fn, scale_mode = cyclic_scale_fn(mode, gamma)
    x = cycle if scale_mode == "cycle" else t
    if isinstance(x, np.ndarray):
        return np.array([scale_fn(v) for v in x.ravel()], dtype=float).reshape(x.shape)
    return scale_fn(x)


def cyclic_value(low, high, height, scale):
    """A point of the cycle: ``low + (high - low) * height * scale``."""
    return low + (high - low) * height * scale


def cyclic(
    t,
    base_lr,
    max_lr,
    step_size_up=2000,
    step_size_down=None,
    mode="triangular",
    gamma=1.0,
    scale_fn=None,
    scale_mode="cycle",
):
    """CyclicLR: ``lr = base_lr + (max_lr - base_lr) * height(t) * scale``.

    ``height`` is the triangle of :func:`cyclic_position`, ``scale`` comes from
    :func:`cyclic_scale`. ``max_lr`` is reached only where the scale is 1.
    """
    t, _ = _ops(t)
    cycle, height = cyclic_position(t, step_size_up, step_size_down)
    return cyclic_value(
        base_lr, max_lr, height, cyclic_scale(t, cycle, mode, gamma, scale_fn, scale_mode)
    )


def cyclic_momentum(
    t,
    base_momentum,
    max_momentum,
    step_size_up=2000,
    step_size_down=None,
    mode="triangular",
    gamma=1.0,
    scale_fn=None,
    scale_mode="cycle",
):
    """CyclicLR's momentum, cycled inversely to the lr: from max_momentum down to base_momentum.

    ``momentum = max_momentum - (max_momentum - base_momentum) * height(t) * scale``.
    """
    return cyclic(
        t,
        max_momentum,
        base_momentum,
        step_size_up,
        step_size_down,
        mode,
        gamma,
        scale_fn,
        scale_mode,
    )


# --- one-cycle (Smith and Topin, 2019) ------------------------------------------------


def anneal(start, end, pct, strategy="cos"):
    """Move from ``start`` to ``end`` as ``pct`` goes from 0 to 1.

    'cos': ``end + (start - end) / 2 * (1 + cos(pi * pct))``;
    'linear': ``start + (end - start) * pct``.
    """
    if strategy == "cos":
        _, ops = _ops(pct)
        return end + (start - end) / 2.0 * (ops.cos(math.pi * pct) + 1)
    if strategy == "linear":
        return (end - start) * pct + start
    raise ValueError(f"anneal_strategy must be 'cos' or 'linear', got {strategy!r}")


def one_cycle_phases(total_steps, pct_start=0.3, three_phase=False):
    """The phases of one-cycle as ``(end_step, start, end)``; start, end name the lr at each end.

    Two phases: warm up from ``initial`` to ``max`` until step ``pct_start * total_steps - 1``,
    then anneal to ``min`` at ``total_steps - 1``. Three phases: up, back down to ``initial``
    symmetrically, then to ``min``.
    """
    up_end = float(pct_start * total_steps) - 1
    if three_phase:
        return [
            (up_end, "initial", "max"),
            (float(2 * pct_start * total_steps) - 2, "max", "initial"),
            (total_steps - 1, "initial", "min"),
        ]
    return [(up_end, "initial", "max"), (total_steps - 1, "max", "min")]


def one_cycle_position(t, phases):
    """Index of the phase that holds step ``t`` and the fraction ``pct`` of it done."""
    start_step = 0.0
    last = len(phases) - 1
    for i, (end_step, _, _) in enumerate(phases):
        if t <= end_step or i == last:
            return i, (t - start_step) / (end_step - start_step)
        start_step = end_step
    raise ValueError("phases must not be empty")


def piecewise_anneal(t, values, phases, anneal_strategy="cos"):
    """Anneal through ``phases`` (as from :func:`one_cycle_phases`), naming lrs in ``values``.

    In the phase that holds ``t``, the lr moves from ``values[start]`` to
    ``values[end]`` by :func:`anneal`, ``pct`` being the fraction of the phase done.
    """
    if isinstance(t, _SCALAR_TYPES):
        i, pct = one_cycle_position(t, phases)
        _, start, end = phases[i]
        return anneal(values[start], values[end], pct, anneal_strategy)
    t = np.asarray(t, dtype=float)
    return np.array(
        [piecewise_anneal(float(v), values, phases, anneal_strategy) for v in t.ravel()],
        dtype=float,
    ).reshape(t.shape)


def one_cycle(
    t,
    max_lr,
    total_steps,
    pct_start=0.3,
    anneal_strategy="cos",
    div_factor=25.0,
    final_div_factor=1e4,
    three_phase=False,
):
    """OneCycleLR: from ``initial = max_lr / div_factor`` up to ``max_lr``, then down.

    It ends at ``initial / final_div_factor``.

    Each phase of :func:`one_cycle_phases` is traversed with :func:`anneal`.
    """
    initial = max_lr / div_factor
    values = {"initial": initial, "max": max_lr, "min": initial / final_div_factor}
    return piecewise_anneal(
        t, values, one_cycle_phases(total_steps, pct_start, three_phase), anneal_strategy
    )


def one_cycle_momentum(
    t,
    base_momentum,
    max_momentum,
    total_steps,
    pct_start=0.3,
    anneal_strategy="cos",
    three_phase=False,
):
    """OneCycleLR's momentum, inverse to the lr.

    ``max_momentum`` where the lr is low, ``base_momentum`` at its peak.
    """
    values = {"initial": max_momentum, "max": base_momentum, "min": max_momentum}
    return piecewise_anneal(
        t, values, one_cycle_phases(total_steps, pct_start, three_phase), anneal_strategy
    )


# --- warmup and decay to the end ------------------------------------------------------


def linear(t, base_lr, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
    """LinearLR: ``lr = base_lr * (start + (end - start) * min(t, total_iters) / total_iters)``."""
    t, ops = _ops(t)
    return base_lr * (
        start_factor + (end_factor - start_factor) * ops.minimum(total_iters, t) / total_iters
    )


def linear_factor(t, start_factor=1.0 / 3, end_factor=1.0, total_iters=5):
    """LinearLR's step ratio ``linear(t) / linear(t - 1)``, for ``1 <= t <= total_iters``.

    ``1 + (end - start) / (total_iters * start + (t - 1) * (end - start))``: one division per
    step where the ratio of two closed-form values needs two evaluations.
    """
    t, _ = _ops(t)
    change = end_factor - start_factor
    return 1.0 + change / (total_iters * start_factor + (t - 1) * change)


def constant(t, base_lr, factor=1.0 / 3, total_iters=5):
    """ConstantLR: ``lr = base_lr * factor`` while ``t < total_iters``, then ``base_lr``."""
    t, ops = _ops(t)
    return base_lr * ops.where(t < total_iters, factor, 1.0)


def polynomial(t, base_lr, total_iters=5, power=1.0):
    """PolynomialLR: ``lr = base_lr * (1 - min(t, total_iters) / total_iters) ** power``.

    0 from total_iters on.
    """
    t, ops = _ops(t)
    return base_lr * (1.0 - ops.minimum(total_iters, t) / total_iters) ** power


def polynomial_factor(t, total_iters=5, power=1.0):
    """PolynomialLR's step ratio ``polynomial(t) / polynomial(t - 1)``, ``1 <= t <= total_iters``.

    ``((1 - t / total_iters) / (1 - (t - 1) / total_iters)) ** power``.
    """
    t, _ = _ops(t)
    return ((1.0 - t / total_iters) / (1.0 - (t - 1) / total_iters)) ** power


# --- reduce on plateau -----------------------------------------------------------------


def plateau_improved(current, best, mode="min", threshold=1e-4, threshold_mode="rel"):
    """Whether ``current`` beats ``best`` by more than the threshold.

    min/rel: ``current < best * (1 - threshold)``; min/abs: ``current < best - threshold``;
    max/rel: ``current > best * (1 + threshold)``; max/abs: ``current > best + threshold``.
    """
    if mode == "min":
        return current < (best * (1.0 - threshold) if threshold_mode == "rel" else best - threshold)
    return current > (best * (threshold + 1.0) if threshold_mode == "rel" else best + threshold)


def plateau_reduced(lr, factor=0.1, min_lr=0.0, eps=1e-8):
    """ReduceLROnPlateau's cut: ``max(lr * factor, min_lr)``, kept if it lowers the lr by > eps."""
    new_lr = max(lr * factor, min_lr)
    return new_lr if lr - new_lr > eps else lr


# --- the schedules of transformers' get_scheduler: warmup, then cosine, WSD, 1/sqrt(t) ----------

WARMUP_TYPES = ("linear", "cosine", "1-sqrt")
DECAY_TYPES = ("linear", "cosine", "1-sqrt")

__all__ += [
    "linear_warmup",
    "cosine_wave",
    "warmup_cosine",
    "warmup_shape",
    "cooldown_shape",
    "warmup_stable_decay",
    "inverse_sqrt",
    "WARMUP_TYPES",
    "DECAY_TYPES",
]


def linear_warmup(t, num_warmup_steps):
    """The fraction of the peak lr after ``t`` steps of a linear warmup from 0.

    ``t / max(1, num_warmup_steps)``, as in Hugging Face transformers: 0 at step 0, so
    the first optimizer step trains with lr 0; meaningful for ``t <= num_warmup_steps``.

    Args:
        t: the step (number of ``scheduler.step()`` calls), a number or an array.
        num_warmup_steps: steps the warmup lasts (0: no warmup).

    Returns:
        The fraction, a float for a scalar ``t``, an array for an array.

    >>> linear_warmup([0, 1, 4], 4)
    array([0.  , 0.25, 1.  ])
    """
    t, _ = _ops(t)
    return t / max(1, num_warmup_steps)


def cosine_wave(progress, num_cycles=0.5):
    """transformers' cosine factor: ``0.5 * (1 + cos(2 * pi * num_cycles * progress))``.

    From 1 at ``progress = 0``; with ``num_cycles = 0.5`` (the default) a half cosine down
    to 0 at ``progress = 1``, with ``num_cycles = 1`` a full wave, back up to 1.

    Args:
        progress: the fraction of the decay done, a number or an array.
        num_cycles: the number of cosine periods over ``progress`` from 0 to 1.

    Returns:
        The factor in [0, 1], a float or an array.

    >>> cosine_wave([0.0, 0.5, 1.0])
    array([1. , 0.5, 0. ])
    """
    progress, ops = _ops(progress)
    return 0.5 * (1.0 + ops.cos(math.pi * float(num_cycles) * 2.0 * progress))


def warmup_cosine(t, base_lr, num_warmup_steps, num_training_steps, num_cycles=0.5, eta_min=0.0):
    """Linear warmup from 0, then a cosine from ``base_lr`` to the floor ``eta_min``.

    ``base_lr * t / W`` for ``t < W``, then ``eta_min + (base_lr - eta_min) * cosine_wave(p,
    num_cycles)`` with ``p = (t - W) / max(1, num_training_steps - W)``: transformers'
    ``cosine`` schedule (``eta_min = 0``) and ``cosine_with_min_lr`` (``eta_min =
    min_lr_rate * base_lr``). Past ``num_training_steps`` the cosine goes on.

    Args:
        t: the step, a number or an array.
        base_lr: the peak lr, reached at step ``W = num_warmup_steps``.
        num_warmup_steps: steps of the warmup.
        num_training_steps: the step where the cosine (with 0.5 cycles) reaches ``eta_min``.
        num_cycles: cosine periods over the decay (0.5: a half cosine down to the floor).
        eta_min: the floor, an absolute lr.

    Returns:
        The lr at step ``t``, a float or an array.

    >>> warmup_cosine([0, 1, 2, 4, 6], 0.1, num_warmup_steps=2, num_training_steps=6)
    array([0.  , 0.05, 0.1 , 0.05, 0.  ])
    """
    return _by_phase(
        _warmup_cosine_at, t, base_lr, num_warmup_steps, num_training_steps, num_cycles, eta_min
    )


def _by_phase(schedule_at, t, *args):
    """``schedule_at(t, *args)`` for a scalar ``t``; element by element for an array.

    Each step computes only the phase it falls in (a scheduler's step stays cheap), and
    the array form gives the scalar calls' values exactly.
    """
    if isinstance(t, _SCALAR_TYPES):
        return schedule_at(t, *args)
    t = np.asarray(t, dtype=float)
    return np.array([schedule_at(v, *args) for v in t.ravel().tolist()], dtype=float).reshape(
        t.shape
    )


def _warmup_cosine_at(t, base_lr, num_warmup_steps, num_training_steps, num_cycles, eta_min):
    if t < num_warmup_steps:
        return base_lr * linear_warmup(t, num_warmup_steps)
    progress = (t - num_warmup_steps) / max(1, num_training_steps - num_warmup_steps)
    return eta_min + (base_lr - eta_min) * cosine_wave(progress, num_cycles)


def _shape_ops(progress, kind, kinds, name):
    if kind not in kinds:
        raise ValueError(f"{name} must be one of {', '.join(map(repr, kinds))}, got {kind!r}")
    return _ops(progress)


def warmup_shape(progress, warmup_type="linear"):
    """How a warmup rises from 0 to 1 as ``progress`` goes from 0 to 1.

    'linear': ``progress``; 'cosine': ``0.5 * (1 - cos(pi * progress))``; '1-sqrt':
    ``1 - sqrt(1 - progress)`` (transformers' WSD warmups).

    Args:
        progress: the fraction of the warmup done, in [0, 1], a number or an array.
        warmup_type: 'linear', 'cosine' or '1-sqrt'.

    Returns:
        The fraction of the peak reached, a float or an array.

    >>> warmup_shape([0.0, 0.75, 1.0], "1-sqrt")
    array([0. , 0.5, 1. ])
    """
    progress, ops = _shape_ops(progress, warmup_type, WARMUP_TYPES, "warmup_type")
    if warmup_type == "linear":
        return progress
    if warmup_type == "cosine":
        return 0.5 * (1.0 - ops.cos(math.pi * progress))
    return 1.0 - ops.sqrt(1.0 - progress)


def cooldown_shape(progress, decay_type="cosine", num_cycles=0.5):
    """How a cooldown falls from 1 to 0 as ``progress`` goes from 0 to 1.

    'linear': ``1 - progress``; 'cosine': :func:`cosine_wave`; '1-sqrt': ``1 - sqrt(progress)``,
    the cooldown of Hägele et al. (2024, arXiv:2405.18392), which stays high longer.

    Args:
        progress: the fraction of the cooldown done, in [0, 1], a number or an array.
        decay_type: 'linear', 'cosine' or '1-sqrt'.
        num_cycles: cosine periods, for 'cosine' only (0.5: a half cosine).

    Returns:
        The fraction of the peak left, a float or an array.

    >>> cooldown_shape([0.0, 0.25, 1.0], "1-sqrt")
    array([1. , 0.5, 0. ])
    """
    progress, ops = _shape_ops(progress, decay_type, DECAY_TYPES, "decay_type")
    if decay_type == "linear":
        return 1.0 - progress
    if decay_type == "cosine":
        return cosine_wave(progress, num_cycles)
    return 1.0 - ops.sqrt(progress)


def warmup_stable_decay(
    t,
    base_lr,
    num_warmup_steps,
    num_stable_steps,
    num_decay_steps,
    warmup_type="linear",
    decay_type="cosine",
    min_lr_ratio=0.0,
    num_cycles=0.5,
):
    """Warmup-stable-decay (WSD): warm up, hold ``base_lr``, cool down to a floor.

    With ``r = min_lr_ratio``, ``W, S, D`` the three phases' lengths, the lr is ``base_lr``
    times ``r + (1 - r) * warmup_shape(t / max(1, W))`` for ``t < W``, 1 for ``t < W + S``,
    ``r + (1 - r) * cooldown_shape((t - W - S) / max(1, D))`` for ``t < W + S + D``, then
    ``r``: transformers' ``warmup_stable_decay``. The warmup starts from ``r``, not 0.

    Args:
        t: the step, a number or an array.
        base_lr: the lr of the stable phase.
        num_warmup_steps: steps of the warmup (W).
        num_stable_steps: steps at ``base_lr`` (S).
        num_decay_steps: steps of the cooldown (D).
        warmup_type: 'linear', 'cosine' or '1-sqrt' (:func:`warmup_shape`).
        decay_type: 'linear', 'cosine' or '1-sqrt' (:func:`cooldown_shape`).
        min_lr_ratio: the floor as a fraction of ``base_lr``, in [0, 1].
        num_cycles: cosine periods of a 'cosine' cooldown.

    Returns:
        The lr at step ``t``, a float or an array.

    >>> warmup_stable_decay([0, 1, 2, 3, 4, 5], 1.0, 1, 2, 2, decay_type="linear")
    array([0. , 1. , 1. , 1. , 0.5, 0. ])
    """
    return _by_phase(
        _warmup_stable_decay_at,
        t,
        base_lr,
        num_warmup_steps,
        num_stable_steps,
        num_decay_steps,
        warmup_type,
        decay_type,
        min_lr_ratio,
        num_cycles,
    )


def _warmup_stable_decay_at(
    t,
    base_lr,
    num_warmup_steps,
    num_stable_steps,
    num_decay_steps,
    warmup_type,
    decay_type,
    min_lr_ratio,
    num_cycles,
):
    if t < num_warmup_steps:
        shape = warmup_shape(linear_warmup(t, num_warmup_steps), warmup_type)
        return base_lr * (shape * (1.0 - min_lr_ratio) + min_lr_ratio)
    stable_end = num_warmup_steps + num_stable_steps
    if t < stable_end:
        return base_lr * 1.0
    if t < stable_end + num_decay_steps:
        progress = (t - stable_end) / max(1, num_decay_steps)
        shape = cooldown_shape(progress, decay_type, num_cycles)
        return base_lr * (shape * (1.0 - min_lr_ratio) + min_lr_ratio)
    return base_lr * min_lr_ratio


def inverse_sqrt(t, base_lr, num_warmup_steps, timescale=None):
    """Linear warmup from 0, then ``base_lr / sqrt((t + timescale - W) / timescale)``.

    The decay falls as ``1 / sqrt(t)``, from ``base_lr`` at ``t = W = num_warmup_steps``;
    transformers' ``inverse_sqrt``. ``timescale`` defaults to ``W``, or 10000 when ``W = 0``;
    with ``timescale = W`` the decay is ``base_lr * sqrt(W / t)``.

    Args:
        t: the step, a number or an array.
        base_lr: the peak lr, at the end of the warmup.
        num_warmup_steps: steps of the warmup.
        timescale: steps over which the decay acts (None: the default above).

    Returns:
        The lr at step ``t``, a float or an array.

    >>> inverse_sqrt([0, 2, 4, 16], 1.0, num_warmup_steps=4)
    array([0. , 0.5, 1. , 0.5])
    """
    if timescale is None:
        timescale = num_warmup_steps or 10_000
    return _by_phase(_inverse_sqrt_at, t, base_lr, num_warmup_steps, timescale)


def _inverse_sqrt_at(t, base_lr, num_warmup_steps, timescale):
    if t < num_warmup_steps:
        return base_lr * linear_warmup(t, num_warmup_steps)
    shift = timescale - num_warmup_steps
    return base_lr * (1.0 / math.sqrt((t + shift) / timescale))
