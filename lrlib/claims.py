"""One-line checks that back the sentences of a lesson, and glued numbers for its prose.

A lesson states a verdict in prose ("cosine beats a constant rate here") and backs it with
a check in a code cell, which prints the claim with its evidence and raises
:class:`ClaimFailed` (an ``AssertionError``, so nbval fails the lesson) when the run no
longer supports it::

    claims.check("cosine beats constant on digits", result.verdict("cosine") == "better",
                 evidence=result.row("cosine"), id="cosine-beats-constant")
    claims.verdict(result, "cosine", "better", id="cosine-beats-constant")  # the same, shorter
    claims.between("best lr", best_lr, 0.03, 0.3, id="best-lr")
    claims.seed("step-every-n-epochs", "wrong", "StepLR decays every N epochs",
                holds=decays_per_call, evidence="decayed after 3 calls at 17 batches per epoch")

An ``id`` ties a check to the prose: the lesson's Correction boxes and Key-takeaways bullets
name it with the role ``{claim}`id``` and the structure tests check that a check with that
id ran in the lesson (``tests/tools/lesson.py``). :func:`seed` records a verdict on a claim
of the source pages, which the errata page repeats. :func:`glue` stores a number for the
prose's ``{glue:text}`name``` role. Everything printed is rounded, so nbval can compare it.
"""

from __future__ import annotations

import math
import re
from numbers import Real

import numpy as np

__all__ = [
    "ID",
    "MARK",
    "SEED_VERDICTS",
    "ClaimFailed",
    "between",
    "check",
    "glue",
    "seed",
    "verdict",
]

MARK = "\u2713"  # the check mark every passing check prints
ID = re.compile(r"[a-z0-9]+(?:-[a-z0-9]+)*")  # a claim id: lowercase words joined by '-'
SEED_VERDICTS = ("confirmed", "imprecise", "wrong")


class ClaimFailed(AssertionError):
    """The run no longer supports a claim the lesson makes: change the run or the prose."""


def _text(value, digits: int = 3) -> str:
    """A stable text for ``value``: numbers to ``digits`` significant digits."""
    if isinstance(value, bool):
        return str(value)
    if isinstance(value, Real):
        return f"{float(value):.{digits}g}"
    if isinstance(value, (list, tuple)):
        return "[" + ", ".join(_text(v, digits) for v in value) + "]"
    return str(value)


def _check_id(id: str | None) -> None:
    if id is not None and (not isinstance(id, str) or not ID.fullmatch(id)):
        raise ValueError(
            "id must be lowercase letters and digits joined by '-' (like "
            f"'cosine-beats-constant'), got {id!r}"
        )


def _check_text(name: str, value) -> None:
    if not isinstance(value, str) or not value.strip() or "\n" in value:
        raise ValueError(f"{name} must be a non-empty single line, got {value!r}")


def check(claim: str, holds: bool, evidence: object = "", *, id: str | None = None) -> None:
    """Print ``✓ [id] claim — evidence`` if ``holds``, else raise :class:`ClaimFailed`.

    Args:
        claim: the sentence of the lesson, one line.
        holds: the statistic's test, a bool (``result.verdict("cosine") == "better"``).
        evidence: what shows it; numbers are printed to 3 significant digits, a
            :class:`lrlib.compare.Row` as its rounded line.
        id: the claim's id (lowercase words joined by ``-``) that the prose cites with
            ``{claim}`id```.

    Returns:
        None; the printed line is the lesson's visible check.

    >>> check("two steps halve the rate twice", 0.25 == 0.5 ** 2, evidence=0.25, id="halve")
    ✓ [halve] two steps halve the rate twice — 0.25
    >>> check("the rate grows", False, evidence="0.1 then 0.05")
    Traceback (most recent call last):
    ...
    lrlib.claims.ClaimFailed: ✗ the rate grows — 0.1 then 0.05 (the run no longer supports \
this claim: change the prose or the run)
    """
    _check_text("claim", claim)
    _check_id(id)
    if not isinstance(holds, (bool, np.bool_)):
        raise TypeError(
            f"holds must be a bool (the test of the claim), got {holds!r}; "
            "compare explicitly, e.g. result.verdict(arm) == 'better'"
        )
    tag = f"[{id}] " if id else ""
    line = f"{tag}{claim}" + (f" — {_text(evidence)}" if _text(evidence) else "")
    if not holds:
        raise ClaimFailed(
            f"\u2717 {line} (the run no longer supports this claim: change the prose or the run)"
        )
    print(f"{MARK} {line}")


def verdict(
    result, arm: str, expected: str, *, claim: str | None = None, id: str | None = None
) -> None:
    """Check the verdict of ``arm`` in a :func:`lrlib.compare.compare` result.

    Args:
        result: the :class:`lrlib.compare.Comparison`.
        arm: the arm whose verdict the prose states.
        expected: ``"better"``, ``"worse"``, ``"equivalent"`` (any bound) or ``"inconclusive"``.
        claim: the sentence; by default ``"<arm> vs <reference>: <expected>"``.
        id: the claim's id.

    Returns:
        None; prints the claim with the arm's rounded row as evidence.

    >>> from lrlib.compare import compare
    >>> r = compare({"constant": [95.1, 95.6, 94.8, 95.3, 95.0],
    ...              "cosine": [96.0, 96.3, 95.9, 96.1, 95.7]}, "constant")
    >>> verdict(r, "cosine", "better", id="cosine-wins")  # doctest: +NORMALIZE_WHITESPACE
    ✓ [cosine-wins] cosine vs constant: better — cosine - constant: +0.8
    [95% CI +0.6, +1.0; Holm +0.6, +1.0] p_Holm <0.001, 5 seeds: better
    """
    allowed = ("better", "worse", "equivalent", "inconclusive")
    if expected not in allowed:
        raise ValueError(f"expected must be one of {allowed}, got {expected!r}")
    row = result.row(arm)
    check(
        claim or f"{arm} vs {result.reference}: {expected}",
        row.verdict.split()[0] == expected,
        evidence=row,
        id=id,
    )


def between(
    name: str,
    value: float,
    low: float,
    high: float,
    *,
    claim: str | None = None,
    id: str | None = None,
    digits: int = 3,
) -> None:
    """Check ``low <= value <= high`` and print it.

    Args:
        name: what ``value`` is ("best lr").
        value: the run's number.
        low, high: the range the prose's claim allows.
        claim: the sentence; by default ``"<name> lies in [low, high]"``.
        id: the claim's id.
        digits: significant digits of the printed value.

    Returns:
        None.

    >>> between("validation accuracy", 0.9634, 0.95, 0.99, id="accuracy-high")
    ✓ [accuracy-high] validation accuracy lies in [0.95, 0.99] — validation accuracy = 0.963
    """
    for label, v in (("value", value), ("low", low), ("high", high)):
        if isinstance(v, bool) or not isinstance(v, Real) or math.isnan(v):
            raise TypeError(f"{label} must be a number, got {v!r}")
    if low > high:
        raise ValueError(f"low must be <= high, got low={low!r}, high={high!r}")
    check(
        claim or f"{name} lies in [{_text(low)}, {_text(high)}]",
        bool(low <= value <= high),
        evidence=f"{name} = {_text(value, digits)}",
        id=id,
    )


def seed(id: str, verdict: str, says: str, *, holds: bool, evidence: object = "") -> None:
    """Check the lesson's verdict on a claim of the source pages (the errata page repeats it).

    Args:
        id: the claim's id; the errata page names it as ``{claim}`lesson::id```.
        verdict: ``"confirmed"``, ``"imprecise"`` or ``"wrong"``.
        says: what the source page says, one line.
        holds: the test of the run that decides the verdict.
        evidence: what the run shows.

    Returns:
        None.

    >>> seed("exp-divides", "wrong", "ExponentialLR divides the rate by gamma",
    ...      holds=abs(0.1 * 0.5 - 0.05) < 1e-12, evidence="0.1 -> 0.05 with gamma 0.5")
    ✓ [exp-divides] seed claim wrong: "ExponentialLR divides the rate by gamma" — 0.1 -> 0.05 \
with gamma 0.5
    """
    if id is None:
        raise ValueError("a seed claim needs an id (the errata page links to it)")
    if verdict not in SEED_VERDICTS:
        raise ValueError(f"verdict must be one of {SEED_VERDICTS}, got {verdict!r}")
    _check_text("says", says)
    check(f'seed claim {verdict}: "{says}"', holds, evidence=evidence, id=id)


def glue(name: str, value: object, fmt: str = ".3g") -> None:
    """Store ``value``, formatted, for the prose's ``{glue:text}`name``` role.

    In a Jupyter kernel with myst-nb installed (the book's environment) the text is glued
    as a hidden output, which nbval compares like any other; elsewhere (Colab without
    myst-nb, a script) it is printed as ``name = text``. Glue the rounded text, never the
    raw float, so the page and nbval see the same stable digits.

    Args:
        name: the glue key, unique in the lesson (lowercase, digits, ``_`` or ``-``).
        value: the number (or text) from the run.
        fmt: a format spec for ``format(value, fmt)``: ``".3g"``, ``".1f"``, ``".0%"``;
            ``""`` for a string as it is.

    Returns nothing, so a cell may end with it (a returned value would be displayed by
    nbval's kernel even after a ``;``).

    >>> glue("best_lr", 0.031622, ".2g")
    best_lr = 0.032
    """
    if not isinstance(name, str) or not re.fullmatch(r"[a-z0-9][a-z0-9_-]*", name):
        raise ValueError(f"name must be lowercase letters, digits, '_' or '-', got {name!r}")
    if not isinstance(fmt, str):
        raise TypeError(f"fmt must be a format spec string like '.3g', got {fmt!r}")
    if isinstance(value, float) and not fmt:
        raise ValueError(f"a float must be glued rounded: give fmt (like '.3g') for {name!r}")
    text = format(value, fmt)
    if _in_kernel():
        try:
            from myst_nb import glue as myst_glue
        except ImportError:
            myst_glue = None
        if myst_glue is not None:
            myst_glue(name, text, display=False)
            return
    print(f"{name} = {text}")


def _in_kernel() -> bool:
    try:
        from IPython import get_ipython
    except ImportError:
        return False
    shell = get_ipython()
    return shell is not None and getattr(shell, "kernel", None) is not None
