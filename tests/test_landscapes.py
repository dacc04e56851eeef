"""lrlib.landscapes: exact gradients, known critical points, and gradient descent's stopping
reasons."""

import numpy as np
import pytest

import lrlib
from lrlib import landscapes
from lrlib.landscapes import Descent, Surface

SURFACES = [
    landscapes.quadratic_bowl(10),
    landscapes.double_well_1d(),
    landscapes.double_well_2d(),
    landscapes.sharp_local_well(),
    landscapes.saddle(),
]


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
def test_gradient_matches_finite_differences(surface):
    rng = np.random.default_rng(0)
    h = 1e-6
    for _ in range(5):
        x = rng.uniform(-1.5, 1.5, size=surface.dim)
        numeric = [
            (surface.f(x + h * e) - surface.f(x - h * e)) / (2 * h) for e in np.eye(surface.dim)
        ]
        assert np.allclose(surface.gradient(x), numeric, atol=1e-5)


@pytest.mark.parametrize("surface", SURFACES, ids=lambda s: s.name)
def test_listed_critical_points(surface):
    for point in list(surface.minima.values()) + list(surface.saddles.values()):
        assert np.allclose(surface.gradient(point), 0, atol=1e-9)
    for point in surface.minima.values():  # a minimum: every small move goes up
        for e in np.vstack([np.eye(surface.dim), -np.eye(surface.dim)]):
            assert surface.f(point + 1e-3 * e) > surface.f(point)
    grid = surface.grid(21)
    assert len(grid) == surface.dim + 1
    assert np.isfinite(grid[-1]).all()


def test_double_well_minima_global_below_local():
    for surface in (landscapes.double_well_1d(), landscapes.double_well_2d()):
        glob, local = surface.minima["global"], surface.minima["local"]
        assert surface.f(glob) < surface.f(local)
        assert glob[0] == pytest.approx(-1.3008, abs=1e-3) and local[0] == pytest.approx(
            1.1309, abs=1e-3
        )


def _curvature(surface, point, h=1e-5):
    return float((surface.gradient(point + h) - surface.gradient(point - h))[0] / (2 * h))


def test_sharp_local_well_has_the_sharper_minimum_on_the_local_side():
    wells = landscapes.sharp_local_well()
    glob, local, hump = wells.minima["global"], wells.minima["local"], wells.saddles["hump"]
    assert glob[0] < hump[0] < local[0]
    assert wells.f(glob) < wells.f(local) < wells.f(hump)
    limit_global, limit_local = 2 / _curvature(wells, glob), 2 / _curvature(wells, local)
    assert limit_local == pytest.approx(0.129, abs=1e-3)
    assert limit_global == pytest.approx(0.495, abs=1e-3)
    assert _curvature(wells, hump) < 0
    # a constant lr between the two limits leaves the local minimum for the global one ...
    for lr in (0.35, 0.45):
        run = landscapes.descend(wells, local + 1e-3, lr, tol=0)
        assert landscapes.ends_in(wells, run) == "global"
        assert landscapes.ends_in(wells, landscapes.descend(wells, glob + 1e-3, lr)) == "global"
    # ... one below the local limit stays, and one above the global limit settles in neither
    assert landscapes.ends_in(wells, landscapes.descend(wells, local + 1e-3, 0.1)) == "local"
    above = landscapes.descend(wells, local + 1e-3, 0.55, tol=0)
    assert landscapes.ends_in(wells, above) == "elsewhere"
    assert landscapes.ends_in(wells, above, within=0.6) == "global"


def test_saddle_goes_down_one_way_and_up_the_other():
    s = landscapes.saddle()
    origin = s.saddles["saddle"]
    assert s.f(origin + [0.1, 0]) > s.f(origin) > s.f(origin + [0, 0.1])


def test_bowl_converges_below_two_over_condition_and_diverges_above():
    bowl = landscapes.quadratic_bowl(condition=20)
    assert bowl.max_stable_lr == pytest.approx(0.1)
    slow = landscapes.descend(bowl, [1.5, 1.0], lr=0.095, max_iters=5000, tol=1e-8)
    assert slow.reason == "small_step" and np.linalg.norm(slow.x) < 1e-5
    fast = landscapes.descend(bowl, [1.5, 1.0], lr=0.105, max_iters=5000)
    assert fast.reason == "diverged" and np.linalg.norm(fast.x) > 1e6
    capped = landscapes.descend(bowl, [1.5, 1.0], lr=0.001, max_iters=50)
    assert capped.reason == "max_iters" and capped.iterations == 50
    assert capped.path.shape == (51, 2) and capped.values.shape == (51,)


def test_descent_is_plain_gradient_descent():
    well = landscapes.double_well_1d()
    run = landscapes.descend(well, 2.0, lr=0.01, max_iters=20)
    x = 2.0
    for t in range(20):
        x = x - 0.01 * (4 * x**3 - 6 * x + 1)
        assert run.path[t + 1, 0] == pytest.approx(x, rel=1e-12)
    assert np.allclose(run.values, well.f(run.path))
    assert "Descent(reason='max_iters', iterations=20" in repr(run)


def test_small_lr_stops_in_the_local_minimum_large_lr_jumps_the_hump():
    well = landscapes.double_well_1d()
    small = landscapes.descend(well, 2.0, lr=0.01, max_iters=10000, tol=1e-7)
    assert small.reason == "small_step"
    assert small.x[0] == pytest.approx(well.minima["local"][0], abs=1e-4)
    large = landscapes.descend(well, 2.0, lr=0.1, max_iters=10000, tol=1e-7)
    assert large.x[0] == pytest.approx(well.minima["global"][0], abs=1e-4)


def test_saddle_traps_a_start_on_its_axis():
    s = landscapes.saddle()
    trapped = landscapes.descend(s, [1.5, 0.0], lr=0.1, max_iters=2000, tol=1e-9)
    assert trapped.reason == "small_step" and np.allclose(trapped.x, [0, 0], atol=1e-8)
    escaped = landscapes.descend(s, [1.5, 1e-3], lr=0.1, max_iters=2000, tol=1e-9)
    assert np.allclose(escaped.x, [0, 1], atol=1e-4)


def test_schedule_as_a_callable_of_the_step():
    well = landscapes.double_well_1d()
    schedule = lambda t: lrlib.schedules.exponential_decay(t, base_lr=0.05, gamma=0.9)  # noqa: E731
    run = landscapes.descend(well, 2.0, lr=schedule, max_iters=30, tol=0)
    assert np.allclose(run.lrs, [0.05 * 0.9**t for t in range(30)])
    x = 2.0
    for t in range(30):
        x = x - 0.05 * 0.9**t * (4 * x**3 - 6 * x + 1)
    assert run.x[0] == pytest.approx(x, rel=1e-10)
    # a decaying lr ends with small steps: stopped by the tolerance before max_iters
    assert (
        landscapes.descend(well, 2.0, lr=schedule, max_iters=1000, tol=1e-6).reason == "small_step"
    )


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"lr": 0}, ValueError, "lr must be a finite number > 0, got 0"),
        ({"lr": -0.1}, ValueError, "lr"),
        ({"lr": "0.1"}, TypeError, "lr must be a number or a callable"),
        ({"lr": lambda t: float("nan")}, ValueError, r"lr\(0\) = nan"),
        ({"lr": lambda t: -1.0 if t == 3 else 0.1}, ValueError, r"lr\(3\) = -1.0"),
        ({"lr": lambda t: "fast"}, TypeError, r"lr\(0\) must return a number"),
        ({"x0": [1.0]}, ValueError, "x0 must have 2 coordinate"),
        ({"x0": [np.nan, 1.0]}, ValueError, "x0 must be finite"),
        ({"max_iters": 0}, ValueError, "max_iters must be >= 1"),
        ({"max_iters": 10.0}, TypeError, "max_iters must be an int"),
        ({"tol": -1}, ValueError, "tol"),
        ({"surface": "bowl"}, TypeError, "surface must be an lrlib.landscapes.Surface"),
    ],
)
def test_descend_rejects_bad_arguments(kwargs, error, words):
    args = {"surface": landscapes.quadratic_bowl(), "x0": [1.0, 1.0], "lr": 0.1, "max_iters": 10}
    args.update(kwargs)
    with pytest.raises(error, match=words):
        landscapes.descend(**args)


@pytest.mark.parametrize(
    "condition, error", [(0.5, ValueError), (float("inf"), ValueError), ("10", TypeError)]
)
def test_bowl_rejects_bad_condition(condition, error):
    with pytest.raises(error, match="condition"):
        landscapes.quadratic_bowl(condition)


def test_surface_rejects_points_of_the_wrong_size():
    with pytest.raises(ValueError, match="takes points with 2 coordinates"):
        landscapes.saddle().f([1.0, 2.0, 3.0])
    assert isinstance(SURFACES[0], Surface) and isinstance(
        landscapes.descend(SURFACES[0], [1, 1], 0.1, max_iters=1), Descent
    )


def test_ends_in_names_the_minimum_reached():
    well = landscapes.double_well_1d()
    assert landscapes.ends_in(well, landscapes.descend(well, 2.0, 0.01)) == "local"
    assert landscapes.ends_in(well, landscapes.descend(well, -2.0, 0.01)) == "global"
    assert landscapes.ends_in(well, landscapes.descend(well, 2.0, 0.2)) == "diverged"
    bouncing = landscapes.descend(well, 2.0, 0.15)  # in the global valley, never settling
    assert landscapes.ends_in(well, bouncing) == "elsewhere"
    assert landscapes.ends_in(well, bouncing, within=0.5) == "global"
    saddle = landscapes.saddle()
    assert landscapes.ends_in(saddle, landscapes.descend(saddle, [1.5, 0.0], 0.1)) == "elsewhere"


@pytest.mark.parametrize(
    "kwargs, error", [({"within": 0}, ValueError), ({"within": "1"}, TypeError)]
)
def test_ends_in_rejects_bad_arguments(kwargs, error):
    well = landscapes.double_well_1d()
    run = landscapes.descend(well, 2.0, 0.01)
    with pytest.raises(error, match="within"):
        landscapes.ends_in(well, run, **kwargs)
    with pytest.raises(TypeError, match="run"):
        landscapes.ends_in(well, run.x)
