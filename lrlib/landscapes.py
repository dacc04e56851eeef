"""Small loss surfaces and plain gradient descent on them.

Each surface is a :class:`Surface`: a function of 1 or 2 variables with its
exact gradient, the points of interest (minima, saddles) and a plotting box.
:func:`descend` runs plain gradient descent

    x_{t+1} = x_t - lr_t * grad f(x_t)

with a constant lr or any schedule (a callable ``t -> lr``, e.g. a function of
:mod:`lrlib.schedules`), and stops on the criteria of the source wiki: the
iteration limit is reached, or the step (the update) is smaller than a
tolerance; or, where the lr is too large, the iterate blows up.
"""

import math
from dataclasses import dataclass, field

import numpy as np

__all__ = [
    "Surface",
    "Descent",
    "quadratic_bowl",
    "double_well_1d",
    "double_well_2d",
    "sharp_local_well",
    "saddle",
    "descend",
    "ends_in",
]


@dataclass(frozen=True, eq=False)
class Surface:
    """A loss surface ``f`` of ``dim`` (1 or 2) variables with its exact gradient.

    ``f(x)`` and ``gradient(x)`` take ``x`` of shape ``(..., dim)`` (a point or
    a grid of points). ``minima`` and ``saddles`` map a label to a point,
    ``bounds`` is the plotting box ``((lo, hi), ...)`` per variable, ``formula``
    the surface in LaTeX. ``max_stable_lr`` (quadratic bowl only) is the
    largest constant lr with which gradient descent still converges.
    """

    name: str
    dim: int
    func: object = field(repr=False)
    grad_func: object = field(repr=False)
    bounds: tuple
    formula: str
    minima: dict = field(default_factory=dict)
    saddles: dict = field(default_factory=dict)
    max_stable_lr: float = None

    def _point(self, x):
        x = np.asarray(x, dtype=float)
        if self.dim == 1 and (x.ndim == 0 or x.shape[-1] != 1):
            x = x[..., None]
        if x.shape[-1] != self.dim:
            raise ValueError(
                f"{self.name} takes points with {self.dim} coordinates, got shape {x.shape}"
            )
        return x

    def f(self, x):
        """The surface's value at ``x`` (shape ``(..., dim)``; a number for a 1-D surface)."""
        return self.func(self._point(x))

    def gradient(self, x):
        """The exact gradient at ``x``, shape ``(..., dim)``."""
        return self.grad_func(self._point(x))

    __call__ = f

    def grid(self, n=200):
        """Points to draw the surface: ``(x, f)`` for 1-D, ``(X, Y, Z)`` meshes for 2-D."""
        axes = [np.linspace(lo, hi, n) for lo, hi in self.bounds]
        if self.dim == 1:
            return axes[0], self.f(axes[0][:, None])
        X, Y = np.meshgrid(*axes)
        return X, Y, self.f(np.stack([X, Y], axis=-1))


def _real_roots(coefficients):
    roots = np.roots(coefficients)
    return np.sort(roots[np.abs(roots.imag) < 1e-9].real)


def quadratic_bowl(condition=10.0):
    """The bowl ``f(x, y) = (x^2 + condition * y^2) / 2``, minimum at the origin.

    Its curvatures are 1 and ``condition`` (the condition number). Plain
    gradient descent converges from every start iff ``lr < 2 / condition``
    (``surface.max_stable_lr``); near that limit it zig-zags along the steep
    axis while crawling along the flat one.
    """
    if isinstance(condition, bool) or not isinstance(condition, (int, float, np.number)):
        raise TypeError(f"condition must be a number, got {condition!r}")
    if not (math.isfinite(condition) and condition >= 1):
        raise ValueError(f"condition must be a finite number >= 1, got {condition!r}")
    k = float(condition)
    return Surface(
        name=f"quadratic bowl (condition {k:g})",
        dim=2,
        func=lambda p: 0.5 * (p[..., 0] ** 2 + k * p[..., 1] ** 2),
        grad_func=lambda p: np.stack([p[..., 0], k * p[..., 1]], axis=-1),
        bounds=((-2.0, 2.0), (-2.0, 2.0)),
        formula=rf"f(x, y) = \tfrac{{1}}{{2}}\left(x^2 + {k:g}\,y^2\right)",
        minima={"global": np.zeros(2)},
        max_stable_lr=2.0 / k,
    )


def _well(x):
    return x**4 - 3 * x**2 + x


def _well_slope(x):
    return 4 * x**3 - 6 * x + 1


def _well_points():
    """Critical points of the double well: (global min, local max, local min) in x."""
    left, middle, right = _real_roots([4, 0, -6, 1])
    return left, middle, right


def double_well_1d():
    """``f(x) = x^4 - 3x^2 + x``: a global minimum near x = -1.30 and a local one near x = 1.13.

    A hump near x = 0.17 separates them: started on the right, a small lr
    settles in the local minimum; a larger one can jump the hump.
    """
    return _two_wells(
        "double well (1-D)", _well, _well_slope, _well_points(), 2.2, r"f(x) = x^4 - 3x^2 + x"
    )


def double_well_2d():
    """``f(x, y) = x^4 - 3x^2 + x + y^2``: the 1-D double well along x, a parabola along y.

    A global minimum near (-1.30, 0), a local one near (1.13, 0), and a saddle
    between them near (0.17, 0).
    """
    left, middle, right = _well_points()
    return Surface(
        name="double well (2-D)",
        dim=2,
        func=lambda p: _well(p[..., 0]) + p[..., 1] ** 2,
        grad_func=lambda p: np.stack([_well_slope(p[..., 0]), 2 * p[..., 1]], axis=-1),
        bounds=((-2.2, 2.2), (-1.5, 1.5)),
        formula=r"f(x, y) = x^4 - 3x^2 + x + y^2",
        minima={"global": np.array([left, 0.0]), "local": np.array([right, 0.0])},
        saddles={"saddle": np.array([middle, 0.0])},
    )


def _wells(x):
    return x**2 / 50 - 2 * np.exp(-((x + 1) ** 2)) - np.exp(-8 * (x - 1) ** 2)


def _wells_slope(x):
    return x / 25 + 4 * (x + 1) * np.exp(-((x + 1) ** 2)) + 16 * (x - 1) * np.exp(-8 * (x - 1) ** 2)


def _bisect(func, lo, hi):
    """The zero of ``func`` between ``lo`` and ``hi`` (signs differ there), to float precision."""
    f_lo = func(lo)
    while True:
        mid = 0.5 * (lo + hi)
        if mid in (lo, hi):
            return lo if abs(func(lo)) <= abs(func(hi)) else hi
        f_mid = func(mid)
        if f_mid == 0:
            return mid
        if (f_mid < 0) == (f_lo < 0):
            lo, f_lo = mid, f_mid
        else:
            hi = mid


def sharp_local_well():
    """Two Gaussian wells on a shallow parabola, the *local* minimum the sharper one.

    ``f(x) = x^2/50 - 2 exp(-(x+1)^2) - exp(-8 (x-1)^2)``: a wide, deep global
    minimum near x = -0.99 (curvature about 4.0, so ``2/curvature`` about 0.50), a
    narrow, shallower local one near x = 0.99 (curvature about 15.5, ``2/curvature``
    about 0.13) and a hump near x = 0.44 between them. It is the double well's
    opposite: there the global minimum is the sharper one. A constant lr between
    the two limits cannot settle in the local minimum; one large enough carries the
    run over the hump into the global one.

    >>> wells = sharp_local_well()
    >>> [round(float(p[0]), 3) for p in (wells.minima["global"], wells.minima["local"])]
    [-0.99, 0.988]
    >>> ends_in(wells, descend(wells, 1.2, 0.1)), ends_in(wells, descend(wells, 1.2, 0.4))
    ('local', 'global')
    """
    points = [_bisect(_wells_slope, a, b) for a, b in ((-1.5, -0.5), (0.0, 0.8), (0.8, 1.2))]
    formula = r"f(x) = \tfrac{1}{50}x^2 - 2e^{-(x+1)^2} - e^{-8(x-1)^2}"
    return _two_wells("sharp local well (1-D)", _wells, _wells_slope, points, 2.5, formula)


def _two_wells(name, func, slope, points, half_width, formula):
    """A 1-D surface with a global minimum left, a hump, and a local minimum right."""
    left, middle, right = points
    return Surface(
        name=name,
        dim=1,
        func=lambda p: func(p[..., 0]),
        grad_func=lambda p: slope(p[..., 0])[..., None],
        bounds=((-half_width, half_width),),
        formula=formula,
        minima={"global": np.array([left]), "local": np.array([right])},
        saddles={"hump": np.array([middle])},
    )


def saddle():
    """``f(x, y) = x^2 + y^4/4 - y^2/2``: a saddle at the origin between minima at (0, +-1).

    Along x the origin is a minimum, along y a maximum. The gradient vanishes
    at the saddle, so a start on the line y = 0 ends there, and a start just
    off it lingers near it before escaping.
    """
    return Surface(
        name="saddle",
        dim=2,
        func=lambda p: p[..., 0] ** 2 + p[..., 1] ** 4 / 4 - p[..., 1] ** 2 / 2,
        grad_func=lambda p: np.stack([2 * p[..., 0], p[..., 1] ** 3 - p[..., 1]], axis=-1),
        bounds=((-2.0, 2.0), (-1.8, 1.8)),
        formula=r"f(x, y) = x^2 + \tfrac{1}{4}y^4 - \tfrac{1}{2}y^2",
        minima={"upper": np.array([0.0, 1.0]), "lower": np.array([0.0, -1.0])},
        saddles={"saddle": np.zeros(2)},
    )


@dataclass(frozen=True, eq=False)
class Descent:
    """A gradient-descent run: ``path`` (iterates, shape ``(iterations + 1, dim)``),
    ``values`` (f at each iterate), ``lrs`` (the lr of each step) and ``reason``,
    why it stopped: ``"max_iters"``, ``"small_step"`` or ``"diverged"``."""

    path: np.ndarray
    values: np.ndarray
    lrs: np.ndarray
    reason: str

    @property
    def iterations(self):
        """Number of steps taken."""
        return len(self.lrs)

    @property
    def x(self):
        """The last iterate."""
        return self.path[-1]

    @property
    def f(self):
        """f at the last iterate."""
        return float(self.values[-1])

    def __repr__(self):
        x = np.array2string(self.x, precision=4, suppress_small=True)
        return (
            f"Descent(reason={self.reason!r}, iterations={self.iterations}, x={x}, f={self.f:.4g})"
        )


def _lr_value(lr, t):
    value = lr(t) if callable(lr) else lr
    try:
        value = float(value)
    except (TypeError, ValueError):
        raise TypeError(f"lr({t}) must return a number, got {value!r}") from None
    if not (math.isfinite(value) and value >= 0):
        raise ValueError(f"lr must be a finite number >= 0, got lr({t}) = {value!r}")
    return value


def descend(surface, x0, lr, max_iters=1000, tol=1e-6, blowup=1e6):
    """Plain gradient descent on ``surface`` from ``x0``; returns a :class:`Descent`.

    ``lr`` is a number or a schedule: a callable ``t -> lr`` of the step
    ``t = 0, 1, ...``, e.g. ``lambda t: lrlib.schedules.exponential_decay(t, 0.5, 0.99)``.
    Stops when ``max_iters`` steps are done (``"max_iters"``), when a step
    moves the point by less than ``tol`` (``"small_step"``: the loss barely
    changes any more, which is also what happens at a saddle or a local
    minimum), or when the point leaves the ball of radius ``blowup`` or stops
    being finite (``"diverged"``: the lr is too large).
    """
    if not isinstance(surface, Surface):
        raise TypeError(
            f"surface must be an lrlib.landscapes.Surface, got {type(surface).__name__}"
        )
    x = np.array(x0, dtype=float).reshape(-1)
    if x.shape != (surface.dim,):
        raise ValueError(f"x0 must have {surface.dim} coordinate(s) for {surface.name}, got {x0!r}")
    if not np.all(np.isfinite(x)):
        raise ValueError(f"x0 must be finite, got {x0!r}")
    if not callable(lr):
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.number)):
            raise TypeError(f"lr must be a number or a callable t -> lr, got {lr!r}")
        if not (math.isfinite(lr) and lr > 0):
            raise ValueError(f"lr must be a finite number > 0, got {lr!r}")
    if isinstance(max_iters, bool) or not isinstance(max_iters, (int, np.integer)):
        raise TypeError(f"max_iters must be an int, got {max_iters!r}")
    if max_iters < 1:
        raise ValueError(f"max_iters must be >= 1, got {max_iters!r}")
    for name, value in (("tol", tol), ("blowup", blowup)):
        if isinstance(value, bool) or not isinstance(value, (int, float, np.number)):
            raise TypeError(f"{name} must be a number, got {value!r}")
    if not (math.isfinite(tol) and tol >= 0):
        raise ValueError(f"tol must be a finite number >= 0, got {tol!r}")
    if not blowup > 0:
        raise ValueError(f"blowup must be > 0, got {blowup!r}")

    path, values, lrs = [x.copy()], [float(surface.f(x))], []
    reason = "max_iters"
    with np.errstate(over="ignore", invalid="ignore"):
        for t in range(int(max_iters)):
            step_lr = _lr_value(lr, t)
            step = step_lr * surface.gradient(x)
            x = x - step
            lrs.append(step_lr)
            path.append(x.copy())
            values.append(float(surface.f(x)))
            if (
                not (np.all(np.isfinite(x)) and math.isfinite(values[-1]))
                or np.linalg.norm(x) > blowup
            ):
                reason = "diverged"
                break
            if np.linalg.norm(step) < tol:
                reason = "small_step"
                break
    return Descent(path=np.array(path), values=np.array(values), lrs=np.array(lrs), reason=reason)


def ends_in(surface, run, within=1e-3):
    """Where a :class:`Descent` ended: ``"diverged"``, the label of a minimum, or ``"elsewhere"``.

    A run ends in a minimum when its last iterate lies within ``within`` of it (Euclidean
    distance); a run still bouncing, or stopped on a slope or at a saddle, is ``"elsewhere"``.

    Args:
        surface: the :class:`Surface` the run descended (its ``minima`` are looked up).
        run: the :class:`Descent`.
        within: the largest distance from a minimum, a number > 0.

    Returns:
        ``"diverged"``, a key of ``surface.minima``, or ``"elsewhere"``.

    >>> well = double_well_1d()
    >>> ends_in(well, descend(well, 2.0, 0.01)), ends_in(well, descend(well, 2.0, 0.2))
    ('local', 'diverged')
    """
    if not isinstance(surface, Surface):
        raise TypeError(
            f"surface must be an lrlib.landscapes.Surface, got {type(surface).__name__}"
        )
    if not isinstance(run, Descent):
        raise TypeError(f"run must be an lrlib.landscapes.Descent, got {type(run).__name__}")
    if isinstance(within, bool) or not isinstance(within, (int, float, np.number)):
        raise TypeError(f"within must be a number, got {within!r}")
    if not (math.isfinite(within) and within > 0):
        raise ValueError(f"within must be a finite number > 0, got {within!r}")
    if run.reason == "diverged":
        return "diverged"
    for label, point in surface.minima.items():
        if np.linalg.norm(run.x - point) < within:
            return label
    return "elsewhere"
