"""A loss curve predicted from the learning-rate schedule: the law of Tissue et al. (2024).

Tissue, Wang and Wang (arXiv:2408.11029) fit the loss of a language model after
``s`` steps as::

    L(s) = L0 + A * S1(s)**(-alpha) - C * S2(s)

where ``S1`` is the *forward area*, the sum of the rates used so far, and ``S2``
the *annealing area*: each decrease of the rate ``eta[k-1] - eta[k]`` adds to a
momentum-like sum that decays by the factor ``decay`` (their lambda) per step,
and ``S2`` sums that momentum over the steps::

    m[k]  = decay * m[k-1] + (eta[k-1] - eta[k])
    S2(s) = m[1] + ... + m[s]
          = sum over i <= s, k <= i of (eta[k-1] - eta[k]) * decay**(i - k)

Here ``eta[k]`` is the rate used by step ``k`` (``k = 1..n``) and this module sets
``eta[0] = eta[1]``, so ``m[1] = 0``: a schedule that never changes its rate has
``S2 = 0``. A rise of the rate (a warmup) enters with a negative sign, as the
formula says; the lessons' schedules have none.

The four constants are fitted on the curves of some schedules and the law then
predicts the curve of another from its rates alone. :func:`fit_loss_law` does
least squares on ``L0, A, C`` for each ``alpha`` of a grid and keeps the best
``alpha`` (numpy only).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from . import _checks

__all__ = ["LossLaw", "annealing_areas", "fit_loss_law", "predict_loss"]

DEFAULT_ALPHAS = np.round(np.arange(0.02, 2.0001, 0.02), 2)


def _rates(lrs) -> np.ndarray:
    rates = np.asarray(lrs, dtype=float)
    if rates.ndim != 1 or len(rates) == 0 or not np.all(np.isfinite(rates)) or rates.min() < 0:
        raise ValueError(f"lrs must be a non-empty 1-D sequence of rates >= 0, got {lrs!r:.60}")
    return rates


def _decay(decay) -> float:
    return _checks.real("decay", decay, low=0.0, high=1.0, low_open=False, high_open=False)


def annealing_areas(lrs: Sequence[float], decay: float = 0.999) -> tuple[np.ndarray, np.ndarray]:
    """The forward area ``S1`` and the annealing area ``S2`` after ``0, 1, ..., n`` steps.

    Args:
        lrs: the rate used by each of the ``n`` steps, in order (``History.lr``).
        decay: the factor ``lambda`` by which the annealing momentum decays per
            step, in ``[0, 1]`` (the paper uses 0.999 for runs of tens of
            thousands of steps; 1 keeps every decrease for ever, 0 forgets it at
            once).

    Returns:
        ``(S1, S2)``, two arrays of length ``n + 1``; entry ``k`` belongs to the
        weights after ``k`` steps (entry 0 is 0 for both).

    Example:
        >>> s1, s2 = annealing_areas([1.0, 1.0, 0.5, 0.5], decay=0.5)
        >>> s1.tolist(), s2.tolist()    # the drop of 0.5 at step 3 counts 0.5, then 0.25
        ([0.0, 1.0, 2.0, 2.5, 3.0], [0.0, 0.0, 0.0, 0.5, 0.75])
    """
    rates = _rates(lrs)
    decay = _decay(decay)
    drops = np.concatenate([[0.0], rates[:-1] - rates[1:]])  # eta_{k-1} - eta_k, eta_0 = eta_1
    momentum = np.empty_like(drops)
    m = 0.0
    for k, drop in enumerate(drops):
        m = decay * m + drop
        momentum[k] = m
    zero = [0.0]
    return np.concatenate([zero, np.cumsum(rates)]), np.concatenate([zero, np.cumsum(momentum)])


@dataclass(frozen=True)
class LossLaw:
    """The fitted constants of ``L = L0 + A * S1**-alpha - C * S2`` and the ``decay`` of ``S2``.

    ``rms`` is the root-mean-square residual of the fit, in the loss's units;
    ``annealing`` is False for a law fitted without the ``S2`` term (``C = 0``).
    """

    L0: float
    A: float
    alpha: float
    C: float
    decay: float
    rms: float
    annealing: bool = True

    def __repr__(self):
        return (
            f"LossLaw(L0={self.L0:.3g}, A={self.A:.3g}, alpha={self.alpha:.3g}, "
            f"C={self.C:.3g}, decay={self.decay:g}, rms={self.rms:.2g})"
        )


def _losses(losses, n) -> np.ndarray:
    values = np.asarray(losses, dtype=float)
    if values.ndim != 1 or not 1 <= len(values) <= n + 1:
        raise ValueError(
            f"losses must be a 1-D sequence of at most len(lrs) + 1 = {n + 1} values "
            f"(the loss after 0, 1, ... steps), got shape {values.shape}"
        )
    return values


def _design(lrs, losses, decay, start):
    """``(S1, S2)`` and the losses of the fitted points of one curve (finite, from ``start``)."""
    rates = _rates(lrs)
    values = _losses(losses, len(rates))
    s1, s2 = annealing_areas(rates, decay)
    keep = np.arange(len(values)) >= start
    keep &= np.isfinite(values) & (s1[: len(values)] > 0)
    return s1[: len(values)][keep], s2[: len(values)][keep], values[keep]


def fit_loss_law(
    curves: Sequence[tuple[Sequence[float], Sequence[float]]],
    decay: float = 0.999,
    alphas: Sequence[float] = DEFAULT_ALPHAS,
    start: int = 1,
    annealing: bool = True,
) -> LossLaw:
    """Fit ``L0, A, alpha, C`` to the loss curves of one or more schedules.

    For each ``alpha`` of the grid, ``L0, A, C`` are the least-squares solution
    over every fitted point of every curve; the ``alpha`` with the smallest
    squared error wins.

    Args:
        curves: pairs ``(lrs, losses)``: the rate of each step, and
            ``losses[k]``, the loss of the weights after ``k`` steps (``k = 0,
            1, ...``; a run's ``step_loss`` has this layout, since step ``k + 1``
            measures its batch before it updates). NaN entries are skipped, so a
            curve measured every few steps fits too.
        decay: the ``lambda`` of :func:`annealing_areas`.
        alphas: the grid of exponents, each > 0.
        start: fit the points after ``start`` or more steps (>= 1; ``S1`` is 0 at step 0).
        annealing: False drops the ``S2`` term (``C = 0``): the law then sees the
            schedule only through ``S1``.

    Returns:
        A :class:`LossLaw`.

    Example:
        >>> lrs = [0.1] * 50 + [0.1 - 0.002 * k for k in range(1, 50)]
        >>> s1, s2 = annealing_areas(lrs, 0.9)
        >>> loss = 2.0 + 1.5 * s1[1:] ** -0.5 - 3.0 * s2[1:]
        >>> fit_loss_law([(lrs, [np.nan, *loss])], decay=0.9)
        LossLaw(L0=2, A=1.5, alpha=0.5, C=3, decay=0.9, rms=...)
    """
    if isinstance(curves, tuple) and len(curves) == 2 and np.ndim(curves[0]) == 1:
        raise TypeError("curves must be a list of (lrs, losses) pairs; wrap one pair in a list")
    if len(curves) == 0:
        raise ValueError("curves must hold at least one (lrs, losses) pair")
    decay = _decay(decay)
    grid = np.asarray(alphas, dtype=float)
    if grid.ndim != 1 or len(grid) == 0 or not np.all(grid > 0):
        raise ValueError(f"alphas must be a non-empty 1-D grid of numbers > 0, got {alphas!r:.60}")
    start = _checks.positive_int("start", start)
    parts = [_design(lrs, losses, decay, start) for lrs, losses in curves]
    s1, s2, y = (np.concatenate(column) for column in zip(*parts))
    if len(y) < 4:
        raise ValueError(f"at least 4 finite losses from step {start} are needed, got {len(y)}")
    best = None
    for alpha in grid:
        columns = [np.ones_like(s1), s1**-alpha] + ([-s2] if annealing else [])
        X = np.stack(columns, axis=1)
        coef, *_ = np.linalg.lstsq(X, y, rcond=None)
        sse = float(np.sum((X @ coef - y) ** 2))
        if best is None or sse < best[0]:
            best = (sse, float(alpha), coef)
    sse, alpha, coef = best
    C = float(coef[2]) if annealing else 0.0
    rms = float(np.sqrt(sse / len(y)))
    return LossLaw(float(coef[0]), float(coef[1]), alpha, C, decay, rms, annealing)


def predict_loss(law: LossLaw, lrs: Sequence[float]) -> np.ndarray:
    """The loss curve ``law`` predicts for a schedule: entry ``k`` after ``k`` steps.

    Args:
        law: a fitted :class:`LossLaw`.
        lrs: the rate used by each of the ``n`` steps.

    Returns:
        An array of length ``n + 1``; where ``S1 = 0`` (entry 0) it is ``inf``.

    Example:
        >>> law = LossLaw(L0=2.0, A=1.0, alpha=0.5, C=4.0, decay=0.0, rms=0.0)
        >>> predict_loss(law, [0.25, 0.25, 0.125]).round(3).tolist()
        [inf, 4.0, 3.414, 2.765]
    """
    if not isinstance(law, LossLaw):
        raise TypeError(f"law must be a LossLaw (from fit_loss_law), got {type(law).__name__}")
    s1, s2 = annealing_areas(lrs, law.decay)
    with np.errstate(divide="ignore"):
        return law.L0 + law.A * s1**-law.alpha - law.C * s2
