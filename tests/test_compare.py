"""lrlib.compare: the t distribution against table values, Holm against a hand computation,
the verdicts, the coverage of the intervals on synthetic data, and the errors on bad input."""

import importlib
import math

import numpy as np
import pytest

from lrlib.compare import compare, holm, paired_t_pvalue, t_cdf, t_quantile

# lrlib.compare is the function (lrlib/__init__.py); the module is imported by its path.
cmp = importlib.import_module("lrlib.compare")

# Two-sided critical values t_{1-a/2, df} from a printed t table (3 decimals).
T_TABLE = [
    (0.975, 1, 12.706),
    (0.975, 2, 4.303),
    (0.975, 4, 2.776),
    (0.975, 9, 2.262),
    (0.975, 19, 2.093),
    (0.975, 29, 2.045),
    (0.975, 120, 1.980),
    (0.95, 4, 2.132),
    (0.95, 10, 1.812),
    (0.995, 4, 4.604),
    (0.995, 9, 3.250),
    (0.9995, 4, 8.610),
    (0.99, 20, 2.528),
    (0.9, 5, 1.476),
]


@pytest.mark.parametrize("p, df, expected", T_TABLE)
def test_t_quantile_matches_the_table(p, df, expected):
    assert round(t_quantile(p, df), 3) == expected
    assert round(t_quantile(1 - p, df), 3) == -expected
    assert t_cdf(t_quantile(p, df), df) == pytest.approx(p, abs=1e-12)


def test_t_quantile_closed_forms():
    # df = 1 is the Cauchy distribution; df = 2 has t = (2p - 1) / sqrt(2 p (1 - p)).
    for p in (0.6, 0.75, 0.9, 0.99):
        assert t_quantile(p, 1) == pytest.approx(math.tan(math.pi * (p - 0.5)), rel=1e-10)
        assert t_quantile(p, 2) == pytest.approx(
            (2 * p - 1) / math.sqrt(2 * p * (1 - p)), rel=1e-10
        )
    assert t_quantile(0.5, 7) == pytest.approx(0.0, abs=1e-12)
    assert t_quantile(0.975, 1e6) == pytest.approx(1.959966, abs=1e-5)  # the normal's


def test_t_distribution_matches_scipy_where_present():
    stats = pytest.importorskip("scipy.stats")
    for df in (1, 2.5, 4, 30, 500):
        for p in (0.51, 0.8, 0.975, 0.9999):
            assert t_quantile(p, df) == pytest.approx(stats.t.ppf(p, df), rel=1e-9)
        for t in (-40.0, -2.0, 0.3, 5.0):
            assert t_cdf(t, df) == pytest.approx(stats.t.cdf(t, df), abs=1e-12)


def test_paired_t_pvalue_by_hand():
    # d = 1..5: mean 3, sd sqrt(2.5), t = 3 / sqrt(0.5) = 4.243 with 4 df; two-sided p = 0.0132
    # (the table brackets it: t_{0.99,4} = 3.747 < 4.243 < t_{0.995,4} = 4.604).
    assert paired_t_pvalue([1, 2, 3, 4, 5]) == pytest.approx(0.013236, abs=1e-6)
    assert paired_t_pvalue([0.0] * 5) == 1.0
    assert paired_t_pvalue([0.2] * 5) == 0.0


def test_holm_by_hand():
    # sorted: 0.005*4 = 0.02, 0.01*3 = 0.03, 0.03*2 = 0.06, 0.04*1 = 0.04 -> raised to 0.06.
    assert holm([0.01, 0.04, 0.03, 0.005]) == pytest.approx([0.03, 0.06, 0.06, 0.02])
    assert holm([0.5, 0.9]) == [1.0, 1.0]
    assert holm([0.02]) == [0.02]
    with pytest.raises(ValueError, match="pvalues"):
        holm([0.1, 1.5])


def _arms(rng, means, n=5, sd=0.5, base=95.0):
    """Paired arms: a shared per-seed effect plus independent noise per arm."""
    seed_effect = rng.normal(0, 1.0, n)
    return {name: base + seed_effect + mean + rng.normal(0, sd, n) for name, mean in means.items()}


def test_compare_applies_holm_over_the_arms():
    rng = np.random.default_rng(3)
    for _ in range(50):
        arms = _arms(rng, {"ref": 0, "a": 0.4, "b": 0.6, "c": -0.3}, n=6)
        result = compare(arms, "ref")
        raw = [row.p for row in result.rows]
        assert [row.p_holm for row in result.rows] == pytest.approx(holm(raw))
        for row in result.rows:
            d = arms[row.arm] - arms["ref"]
            assert row.mean == pytest.approx(d.mean())
            assert row.p == pytest.approx(paired_t_pvalue(d))
            half = d.std(ddof=1) / math.sqrt(6) * t_quantile(0.975, 5)
            assert (row.low, row.high) == pytest.approx((d.mean() - half, d.mean() + half))
            # Holm's interval is at least as wide and excludes 0 exactly when Holm rejects.
            assert row.holm_low <= row.low + 1e-12 and row.holm_high >= row.high - 1e-12
            rejects = row.holm_low > 0 or row.holm_high < 0
            assert rejects == (row.p_holm < 0.05), row
            assert (row.verdict in ("better", "worse")) == rejects


def test_an_arm_significant_alone_can_be_inconclusive_after_holm():
    rng = np.random.default_rng(0)
    for _ in range(2000):
        result = compare(_arms(rng, {"ref": 0, "a": 0.3, "b": 0.3, "c": 0.3}), "ref")
        row = next((r for r in result.rows if r.p < 0.05 <= r.p_holm), None)
        if row is not None:
            break
    assert row is not None, "no data set found where Holm changes a decision"
    assert row.low > 0 and row.holm_low < 0
    assert row.verdict == "inconclusive"


def test_verdicts():
    ref = [95.0, 95.5, 94.8, 95.2, 95.1, 94.9]
    shift = [0.01, -0.02, 0.015, 0.0, -0.01, 0.005]
    arms = {
        "constant": ref,
        "cosine": [r + 1.0 + s for r, s in zip(ref, shift)],
        "step": [r - 1.0 + s for r, s in zip(ref, shift)],
        "linear": [r + s for r, s in zip(ref, shift)],
        "noisy": [r + s for r, s in zip(ref, [2, -3, 1, -2, 3, 0])],
    }
    result = compare(arms, "constant", equivalence=0.1)
    assert [result.verdict(a) for a in ("cosine", "step", "linear", "noisy")] == [
        "better",
        "worse",
        "equivalent within ±0.1",
        "inconclusive",
    ]
    no_bound = compare(arms, "constant")
    assert no_bound.verdict("linear") == "inconclusive"
    losses = compare(arms, "constant", higher_is_better=False)
    assert (losses.verdict("cosine"), losses.verdict("step")) == ("worse", "better")
    with pytest.raises(KeyError, match="nosuch"):
        result.verdict("nosuch")


def test_identical_differences_give_a_degenerate_interval():
    ref = [1.0, 2.0, 3.0, 4.0, 5.0]
    result = compare({"r": ref, "same": ref, "up": [v + 0.5 for v in ref]}, "r", equivalence=0.1)
    assert result.verdict("same") == "equivalent within ±0.1"
    assert result.verdict("up") == "better"
    assert (result.row("up").low, result.row("up").high) == (0.5, 0.5)


def test_interval_coverage_and_familywise_error_on_synthetic_data():
    rng = np.random.default_rng(12345)
    reps, covered, any_false_verdict = 1000, 0, 0
    for _ in range(reps):
        true = {"ref": 0.0, "a": 0.7, "b": 0.0, "c": 0.0}
        result = compare(_arms(rng, true, n=5), "ref")
        row = result.row("a")
        covered += row.low <= 0.7 <= row.high
        any_false_verdict += any(result.verdict(arm) != "inconclusive" for arm in ("b", "c"))
    assert 0.93 <= covered / reps <= 0.97, covered / reps
    assert any_false_verdict / reps <= 0.065, any_false_verdict / reps


def test_printed_table_is_rounded():
    result = compare(
        {
            "constant": [95.1, 95.6, 94.8, 95.3, 95.0],
            "cosine": [96.0, 96.3, 95.9, 96.1, 95.7],
            "linear": [95.12, 95.58, 94.85, 95.27, 95.03],
        },
        "constant",
        equivalence=0.5,
    )
    assert str(result.row("cosine")) == (
        "cosine - constant: +0.8 [95% CI +0.6, +1.0; Holm +0.6, +1.1] p_Holm <0.001, 5 seeds: "
        "better"
    )
    assert str(result.row("linear")) == (
        "linear - constant: +0.010 [95% CI -0.032, +0.052; Holm -0.032, +0.052] p_Holm 0.55, "
        "5 seeds: equivalent within ±0.5"
    )
    text = repr(result)
    assert text.splitlines()[0] == (
        "Comparison against 'constant' (higher is better, alpha 0.05, "
        "Holm over 2 arms, equivalence ±0.5)"
    )
    assert len(text.splitlines()) == 3


@pytest.mark.parametrize(
    "results, reference, kwargs, match",
    [
        ({"a": [1, 2, 3, 4, 5]}, "a", {}, "at least two arms"),
        ([1, 2, 3], "a", {}, "mapping"),
        ({"a": [1, 2, 3, 4, 5], "b": [1, 2, 3, 4, 5]}, "c", {}, "reference must be one of"),
        ({"a": [1, 2, 3, 4], "b": [1, 2, 3, 4]}, "a", {}, "arm 'a' has 4 seeds.*at least 5"),
        ({"a": [1, 2, 3, 4, 5], "b": [1, 2, 3, 4, 5, 6]}, "a", {}, "arm 'b' has 6 seeds but"),
        (
            {"a": [1, 2, 3, 4, 5], "b": [1, 2, float("nan"), 4, 5]},
            "a",
            {},
            "arm 'b' has a non-finite",
        ),
        ({"a": [1, 2, 3, 4, 5], "b": [[1, 2, 3, 4, 5]]}, "a", {}, "arm 'b' must be a 1-D"),
        ({"a": [1, 2, 3, 4, 5], "b": [1, 2, 3, 4, 5]}, "a", {"equivalence": -1}, "equivalence"),
        ({"a": [1, 2, 3, 4, 5], "b": [1, 2, 3, 4, 5]}, "a", {"alpha": 1.5}, "alpha"),
        (
            {"a": [1, 2, 3, 4, 5], "b": [1, 2, 3, 4, 5]},
            "a",
            {"higher_is_better": "yes"},
            "higher_is_better",
        ),
        ({"a": [1, 2, 3, 4, 5], "b": [1, 2, 3, 4, 5]}, "a", {"digits": 0}, "digits"),
    ],
)
def test_bad_input_is_rejected_naming_the_problem(results, reference, kwargs, match):
    with pytest.raises((ValueError, TypeError), match=match):
        compare(results, reference, **kwargs)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: t_quantile(1.0, 4), "p must be in"),
        (lambda: t_quantile(0.5, 0), "df must be"),
        (lambda: t_cdf(float("nan"), 3), "t must be"),
        (lambda: paired_t_pvalue([1.0]), "at least 2"),
    ],
)
def test_bad_input_to_the_t_functions(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_plot_spread_draws_every_arm_with_its_verdict():
    import matplotlib.pyplot as plt

    from lrlib.plot import plot_spread

    result = compare(
        {
            "constant": [95.1, 95.6, 94.8, 95.3, 95.0],
            "cosine": [96.0, 96.3, 95.9, 96.1, 95.7],
            "step": [95.0, 95.7, 94.6, 95.5, 95.1],
        },
        "constant",
        equivalence=0.5,
    )
    fig = plot_spread(result)
    ax = fig.axes[0]
    labels = [t.get_text() for t in ax.get_yticklabels()]
    assert labels == [f"step\n{result.verdict('step')}", "cosine\nbetter"]
    dots = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert sorted(len(line.get_xdata()) for line in dots) == [5, 5]
    assert np.allclose(sorted(dots[0].get_xdata()), sorted(result.differences["cosine"]))
    plt.close(fig)
    with pytest.raises(TypeError, match="Comparison"):
        plot_spread({"a": [1]})


def test_module_exports():
    assert cmp.MIN_SEEDS == 5
    import lrlib

    assert lrlib.compare is cmp.compare  # the function; the module is lrlib.compare in imports
