"""Comparing arms (schedules, optimizers) over seeds: one protocol for every lesson.

Each arm is run with the same seeds, so the results are *paired*: seed ``i`` of
every arm shares the data order and initialisation. :func:`compare` takes the
per-seed results of each arm and, for every arm against a reference arm, gives

- the mean paired difference ``arm - reference`` with its 95% t-interval,
- the two-sided p-value of the paired t-test,
- Holm's step-down correction over the arms (adjusted p-value, and an interval
  at the level Holm's step uses for that arm, which excludes 0 exactly when
  Holm rejects "no difference"),
- a verdict: ``"better"``, ``"worse"``, ``"equivalent within ±d"`` (the
  Holm-level interval lies inside ``[-d, d]``: two one-sided tests at half
  that level) or ``"inconclusive"``.

The t distribution is computed here (regularized incomplete beta by a continued
fraction), so lrlib needs no scipy.
"""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

import numpy as np

__all__ = [
    "MIN_SEEDS",
    "Comparison",
    "Row",
    "compare",
    "holm",
    "paired_t_pvalue",
    "t_cdf",
    "t_quantile",
]

MIN_SEEDS = 5
BETTER, WORSE, INCONCLUSIVE = "better", "worse", "inconclusive"


# --------------------------------------------------------------------- the t distribution


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """The continued fraction of the incomplete beta function (modified Lentz method)."""
    tiny, eps = 1e-300, 1e-15
    c, d = 1.0, 1.0 - (a + b) * x / (a + 1.0)
    d = 1.0 / (d if abs(d) > tiny else tiny)
    result = d
    for m in range(1, 10_000):
        for numerator in (
            m * (b - m) * x / ((a + 2 * m - 1) * (a + 2 * m)),
            -(a + m) * (a + b + m) * x / ((a + 2 * m) * (a + 2 * m + 1)),
        ):
            d = 1.0 + numerator * d
            d = 1.0 / (d if abs(d) > tiny else tiny)
            c = 1.0 + numerator / c
            c = c if abs(c) > tiny else tiny
            result *= c * d
        if abs(c * d - 1.0) < eps:
            return result
    raise ArithmeticError(f"incomplete beta did not converge for a={a}, b={b}, x={x}")


def _regularized_beta(a: float, b: float, x: float) -> float:
    """I_x(a, b), the regularized incomplete beta function, for a, b > 0 and 0 <= x <= 1."""
    if x <= 0.0:
        return 0.0
    if x >= 1.0:
        return 1.0
    log_front = (
        a * math.log(x) + b * math.log1p(-x) + math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b)
    )
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, 1.0 - x) / b


def _check_df(df: float) -> float:
    if (
        isinstance(df, bool)
        or not isinstance(df, (int, float))
        or not df > 0
        or not math.isfinite(df)
    ):
        raise ValueError(f"df must be a positive finite number, got {df!r}")
    return float(df)


def t_cdf(t: float, df: float) -> float:
    """P(T <= t) for Student's t distribution with ``df`` degrees of freedom.

    Args:
        t: the value (``±inf`` allowed).
        df: degrees of freedom, > 0.

    Returns:
        The cumulative probability.

    >>> round(t_cdf(2.776, 4), 4)
    0.975
    """
    df = _check_df(df)
    if math.isnan(t):
        raise ValueError("t must be a number, got nan")
    if math.isinf(t):
        return 1.0 if t > 0 else 0.0
    tail = 0.5 * _regularized_beta(df / 2.0, 0.5, df / (df + t * t))
    return 1.0 - tail if t > 0 else tail


def t_quantile(p: float, df: float) -> float:
    """The ``p`` quantile of Student's t distribution with ``df`` degrees of freedom.

    Args:
        p: a probability in (0, 1).
        df: degrees of freedom, > 0.

    Returns:
        ``t`` with ``t_cdf(t, df) == p`` (to about 1e-12).

    >>> round(t_quantile(0.975, 4), 3)   # the table value for a 95% interval, 5 seeds
    2.776
    """
    df = _check_df(df)
    if not 0.0 < p < 1.0:
        raise ValueError(f"p must be in (0, 1), got {p!r}")
    if p < 0.5:
        return -t_quantile(1.0 - p, df)
    low, high = 0.0, 1.0
    while t_cdf(high, df) < p:
        low, high = high, high * 2.0
    for _ in range(200):
        mid = 0.5 * (low + high)
        if t_cdf(mid, df) < p:
            low = mid
        else:
            high = mid
        if high - low <= 1e-13 * max(1.0, high):
            break
    return 0.5 * (low + high)


def paired_t_pvalue(differences: Sequence[float]) -> float:
    """Two-sided p-value of the paired t-test of "mean difference = 0".

    Args:
        differences: per-seed differences, at least two.

    Returns:
        The p-value; 0.0 when every difference is the same non-zero value, 1.0 when all are 0.

    >>> round(paired_t_pvalue([1.0, 2.0, 3.0, 4.0, 5.0]), 4)
    0.0132
    """
    d = np.asarray(differences, dtype=float)
    if d.ndim != 1 or len(d) < 2:
        raise ValueError(f"differences must hold at least 2 values, got shape {d.shape}")
    mean, se = float(d.mean()), float(d.std(ddof=1)) / math.sqrt(len(d))
    if se == 0.0:
        return 1.0 if mean == 0.0 else 0.0
    df = len(d) - 1
    t = mean / se
    return _regularized_beta(df / 2.0, 0.5, df / (df + t * t))


def holm(pvalues: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given.

    The ``k``-th smallest of ``m`` p-values is multiplied by ``m - k + 1``; the adjusted
    values are made non-decreasing in that order and capped at 1.

    Args:
        pvalues: the raw p-values, each in [0, 1].

    Returns:
        The adjusted p-values; an arm is rejected at level alpha when its value is < alpha.

    >>> holm([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    p = [float(v) for v in pvalues]
    if any(not 0.0 <= v <= 1.0 for v in p):
        raise ValueError(f"pvalues must lie in [0, 1], got {pvalues!r}")
    m, adjusted, running = len(p), [0.0] * len(p), 0.0
    for k, i in enumerate(sorted(range(m), key=lambda j: p[j])):
        running = max(running, min(1.0, (m - k) * p[i]))
        adjusted[i] = round(running, 15)
    return adjusted


def _holm_levels(pvalues: Sequence[float], alpha: float) -> list[float]:
    """The level Holm's step uses for each arm: alpha/(m-k) at step k (from 0) while every
    earlier arm is rejected; the level of the first non-rejected step for all after it."""
    m = len(pvalues)
    levels, stopped = [0.0] * m, None
    for k, i in enumerate(sorted(range(m), key=lambda j: pvalues[j])):
        level = alpha / (m - k) if stopped is None else stopped
        if stopped is None and not pvalues[i] < level:
            stopped = level
        levels[i] = level
    return levels


# --------------------------------------------------------------------- the result


def _fmt(x: float, decimals: int) -> str:
    return f"{x:+.{decimals}f}"


def _decimals(values: Sequence[float], digits: int) -> int:
    """Decimals that show the largest of ``values`` with ``digits`` significant digits."""
    largest = max((abs(v) for v in values if math.isfinite(v)), default=0.0)
    if largest == 0.0:
        return digits - 1
    return max(0, digits - 1 - math.floor(math.log10(largest)))


def _fmt_p(p: float) -> str:
    return "<0.001" if p < 0.001 else f"{p:.2g}" if p < 0.1 else f"{p:.2f}"


@dataclass(frozen=True)
class Row:
    """One arm against the reference; differences are ``arm - reference``.

    ``low``/``high``: the 95% t-interval; ``holm_low``/``holm_high``: the interval at
    the level of Holm's step for this arm; ``p``: paired t-test; ``p_holm``: Holm-adjusted.
    """

    arm: str
    reference: str
    n: int
    mean: float
    low: float
    high: float
    holm_low: float
    holm_high: float
    p: float
    p_holm: float
    verdict: str
    digits: int = 2

    def __str__(self) -> str:
        dec = _decimals(
            [self.mean, self.low, self.high, self.holm_low, self.holm_high], self.digits
        )
        return (
            f"{self.arm} - {self.reference}: {_fmt(self.mean, dec)} "
            f"[95% CI {_fmt(self.low, dec)}, {_fmt(self.high, dec)}; Holm "
            f"{_fmt(self.holm_low, dec)}, {_fmt(self.holm_high, dec)}] "
            f"p_Holm {_fmt_p(self.p_holm)}, {self.n} seeds: {self.verdict}"
        )


@dataclass(frozen=True)
class Comparison:
    """The result of :func:`compare`: one :class:`Row` per arm, and the per-seed
    paired differences (``differences[arm]``) for :func:`lrlib.plot.plot_spread`."""

    reference: str
    rows: tuple
    differences: dict
    equivalence: float | None
    higher_is_better: bool
    alpha: float

    def row(self, arm: str) -> Row:
        """The :class:`Row` of ``arm``."""
        for row in self.rows:
            if row.arm == arm:
                return row
        raise KeyError(
            f"no arm {arm!r} in this comparison (arms: "
            f"{[r.arm for r in self.rows]}, reference: {self.reference!r})"
        )

    def verdict(self, arm: str) -> str:
        """``"better"``, ``"worse"``, ``"equivalent within ±d"`` or ``"inconclusive"``."""
        return self.row(arm).verdict

    def __str__(self) -> str:
        return "\n".join(str(row) for row in self.rows)

    def __repr__(self) -> str:
        goal = "higher" if self.higher_is_better else "lower"
        head = (
            f"Comparison against {self.reference!r} ({goal} is better, "
            f"alpha {self.alpha:g}, Holm over {len(self.rows)} arms"
            + ("" if self.equivalence is None else f", equivalence ±{self.equivalence:g}")
            + ")"
        )
        return head + "\n" + str(self)


# --------------------------------------------------------------------- compare


def _check_results(results_by_arm, reference) -> dict:
    if not isinstance(results_by_arm, Mapping) or len(results_by_arm) < 2:
        raise TypeError(
            "results_by_arm must be a mapping arm -> per-seed results with at "
            f"least two arms, got {results_by_arm!r}"
        )
    if reference not in results_by_arm:
        raise ValueError(
            f"reference must be one of the arms {list(results_by_arm)}, got {reference!r}"
        )
    arrays, n = {}, None
    for arm, values in results_by_arm.items():
        a = np.asarray(values, dtype=float)
        if a.ndim != 1:
            raise ValueError(f"results of arm {arm!r} must be a 1-D sequence, got shape {a.shape}")
        if len(a) < MIN_SEEDS:
            raise ValueError(
                f"arm {arm!r} has {len(a)} seeds; a comparison needs at least "
                f"{MIN_SEEDS} seeds paired across arms"
            )
        if not np.all(np.isfinite(a)):
            raise ValueError(f"arm {arm!r} has a non-finite result (nan or inf): {a.tolist()}")
        if n is not None and len(a) != n:
            raise ValueError(
                f"arm {arm!r} has {len(a)} seeds but the arms before it have {n}: "
                "results must be paired by seed, the same seeds in every arm"
            )
        arrays[str(arm)], n = a, len(a)
    return arrays


def _verdict(row_args: dict, equivalence, higher_is_better) -> str:
    low, high = row_args["holm_low"], row_args["holm_high"]
    if low > 0 or high < 0:
        return BETTER if (low > 0) == higher_is_better else WORSE
    if equivalence is not None and -equivalence < low and high < equivalence:
        return f"equivalent within ±{equivalence:g}"
    return INCONCLUSIVE


def compare(
    results_by_arm: Mapping[str, Sequence[float]],
    reference: str,
    equivalence: float | None = None,
    higher_is_better: bool = True,
    alpha: float = 0.05,
    digits: int = 2,
) -> Comparison:
    """Every arm against ``reference``, paired by seed, with Holm's correction over the arms.

    Args:
        results_by_arm: arm name -> one result per seed (a final accuracy, a loss), the
            seeds in the same order in every arm; at least 5 seeds.
        reference: the arm the others are compared with.
        equivalence: ``d`` > 0, the largest difference that does not matter (in the units
            of the results); ``None``: never conclude "equivalent".
        higher_is_better: True for accuracies, False for losses.
        alpha: family-wise error rate over the arms (the plain intervals are ``1 - alpha``).
        digits: significant digits of the printed differences.

    Returns:
        A :class:`Comparison`; ``result.verdict("cosine")`` is ``"better"``, ``"worse"``,
        ``"equivalent within ±d"`` or ``"inconclusive"``. An arm that differs significantly
        is "better" or "worse" even when the difference is smaller than ``d``.

    >>> r = compare({"constant": [95.1, 95.6, 94.8, 95.3, 95.0],
    ...              "cosine": [96.0, 96.3, 95.9, 96.1, 95.7]}, "constant")
    >>> r.verdict("cosine")
    'better'
    >>> print(r.row("cosine"))
    cosine - constant: +0.8 [95% CI +0.6, +1.0; Holm +0.6, +1.0] p_Holm <0.001, 5 seeds: better
    """
    arrays = _check_results(results_by_arm, reference)
    if equivalence is not None and not (
        isinstance(equivalence, (int, float)) and 0 < equivalence < math.inf
    ):
        raise ValueError(f"equivalence must be a positive number or None, got {equivalence!r}")
    if not isinstance(higher_is_better, bool):
        raise TypeError(f"higher_is_better must be True or False, got {higher_is_better!r}")
    if isinstance(alpha, bool) or not isinstance(alpha, (int, float)) or not 0 < alpha < 1:
        raise ValueError(f"alpha must be in (0, 1), got {alpha!r}")
    if isinstance(digits, bool) or not isinstance(digits, int) or not 1 <= digits <= 6:
        raise ValueError(f"digits must be an int from 1 to 6, got {digits!r}")
    arms = [a for a in arrays if a != reference]
    diffs = {a: arrays[a] - arrays[reference] for a in arms}
    n = len(arrays[reference])
    pvalues = [paired_t_pvalue(diffs[a]) for a in arms]
    adjusted, levels = holm(pvalues), _holm_levels(pvalues, alpha)
    rows = []
    for arm, p, p_adj, level in zip(arms, pvalues, adjusted, levels):
        d = diffs[arm]
        mean, se = float(d.mean()), float(d.std(ddof=1)) / math.sqrt(n)
        half, holm_half = (se * t_quantile(1 - a / 2, n - 1) for a in (alpha, level))
        args = {
            "arm": arm,
            "reference": reference,
            "n": n,
            "mean": mean,
            "low": mean - half,
            "high": mean + half,
            "holm_low": mean - holm_half,
            "holm_high": mean + holm_half,
            "p": p,
            "p_holm": p_adj,
            "digits": digits,
        }
        rows.append(Row(**args, verdict=_verdict(args, equivalence, higher_is_better)))
    return Comparison(
        reference=reference,
        rows=tuple(rows),
        differences=diffs,
        equivalence=None if equivalence is None else float(equivalence),
        higher_is_better=higher_is_better,
        alpha=float(alpha),
    )
