"""lrlib.losslaw: the areas S1 and S2 against the paper's double sum, and fits of known laws."""

import numpy as np
import pytest

import lrlib
from lrlib.losslaw import LossLaw, annealing_areas, fit_loss_law, predict_loss


def double_sum(lrs, decay):
    """S2 after each step written as the double sum, with eta_0 = eta_1 (a reference)."""
    eta = [lrs[0], *lrs]  # eta[0] .. eta[n]
    out = [0.0]
    for s in range(1, len(lrs) + 1):
        total = 0.0
        for i in range(1, s + 1):
            for k in range(1, i + 1):
                total += (eta[k - 1] - eta[k]) * decay ** (i - k)
        out.append(total)
    return np.array(out)


def test_areas_equal_the_double_sum():
    rng = np.random.default_rng(0)
    lrs = rng.uniform(0.01, 1.0, size=40)
    for decay in (0.0, 0.5, 0.9, 0.999, 1.0):
        s1, s2 = annealing_areas(lrs, decay)
        assert np.allclose(s1, np.concatenate([[0.0], np.cumsum(lrs)]))
        assert np.allclose(s2, double_sum(list(lrs), decay))


def test_constant_rate_has_no_annealing_area():
    s1, s2 = annealing_areas([0.1] * 10)
    assert s1[-1] == pytest.approx(1.0) and np.all(s2 == 0)


def test_one_drop_builds_up_to_its_size_over_the_memory():
    # one drop d at step 2: m_k = d * decay**(k-2), so S2 grows by d, d*decay, d*decay**2, ...
    s1, s2 = annealing_areas([1.0, 0.5, 0.5, 0.5], decay=0.5)
    assert s2.tolist() == [0.0, 0.0, 0.5, 0.75, 0.875]
    # decay = 1: each step adds the whole drop so far (eta_0 - eta_k)
    _, s2 = annealing_areas([1.0, 0.5, 0.25], decay=1.0)
    assert s2.tolist() == [0.0, 0.0, 0.5, 1.25]


def synthetic(lrs, law):
    """The loss ``law`` gives after 0..n steps, with NaN at step 0."""
    curve = predict_loss(law, lrs)
    curve[0] = np.nan
    return curve


TRUE = LossLaw(L0=1.5, A=0.8, alpha=0.4, C=2.0, decay=0.9, rms=0.0)
CONSTANT = [0.05] * 200
COSINE = [0.025 * (1 + np.cos(np.pi * k / 200)) for k in range(200)]
WSD = [0.05] * 160 + [0.05 * (1 - k / 40) for k in range(1, 41)]


def test_fit_recovers_a_known_law_and_predicts_a_third_schedule():
    curves = [(lrs, synthetic(lrs, TRUE)) for lrs in (CONSTANT, COSINE)]
    law = fit_loss_law(curves, decay=0.9)
    assert law.alpha == pytest.approx(0.4)
    for name in ("L0", "A", "C"):
        assert getattr(law, name) == pytest.approx(getattr(TRUE, name), rel=1e-6)
    assert law.rms < 1e-9
    assert np.allclose(predict_loss(law, WSD)[1:], synthetic(WSD, TRUE)[1:])


def test_fit_without_annealing_cannot_follow_a_cooldown():
    curves = [(lrs, synthetic(lrs, TRUE)) for lrs in (CONSTANT, COSINE)]
    law = fit_loss_law(curves, decay=0.9, annealing=False)
    assert law.C == 0.0 and not law.annealing and law.rms > 1e-3


def test_nan_points_and_start_are_skipped():
    curve = synthetic(CONSTANT, TRUE)
    sparse = np.full_like(curve, np.nan)
    sparse[::10] = curve[::10]
    sparse[5] = 100.0  # an outlier before `start`: must not count
    law = fit_loss_law([(CONSTANT, sparse), (COSINE, synthetic(COSINE, TRUE))], 0.9, start=6)
    assert law.alpha == pytest.approx(0.4) and law.rms < 1e-9


def test_a_curve_measured_for_fewer_steps_fits():
    half = synthetic(CONSTANT, TRUE)[:101]
    law = fit_loss_law([(CONSTANT, half), (COSINE, synthetic(COSINE, TRUE))], decay=0.9)
    assert law.C == pytest.approx(2.0)


def test_predict_is_inf_where_nothing_was_trained():
    assert np.isinf(predict_loss(TRUE, [0.1, 0.1])[0])
    assert np.isinf(predict_loss(TRUE, [0.0, 0.1])[1])


@pytest.mark.parametrize(
    "lrs",
    [[], [0.1, -0.1], [[0.1, 0.1]], [0.1, float("nan")]],
)
def test_bad_lrs(lrs):
    with pytest.raises(ValueError, match="lrs"):
        annealing_areas(lrs)


@pytest.mark.parametrize("decay", [-0.1, 1.5, float("nan")])
def test_bad_decay(decay):
    with pytest.raises(ValueError, match="decay"):
        annealing_areas([0.1], decay)


def test_bad_fit_arguments():
    curve = (CONSTANT, synthetic(CONSTANT, TRUE))
    with pytest.raises(TypeError, match="list of"):
        fit_loss_law(curve)
    with pytest.raises(ValueError, match="at least one"):
        fit_loss_law([])
    with pytest.raises(ValueError, match="alphas"):
        fit_loss_law([curve], alphas=[0.0, 0.5])
    with pytest.raises(ValueError, match="losses"):
        fit_loss_law([(CONSTANT, np.ones(202))])
    with pytest.raises(ValueError, match="at least 4"):
        fit_loss_law([(CONSTANT, [np.nan, 2.0, 1.9, 1.8])])
    with pytest.raises(ValueError, match="start"):
        fit_loss_law([curve], start=0)
    with pytest.raises(TypeError, match="LossLaw"):
        predict_loss({"L0": 1.0}, CONSTANT)


def test_exported():
    assert lrlib.losslaw.fit_loss_law is fit_loss_law
