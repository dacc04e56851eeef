"""The figures every lesson shares, in one style.

Every function draws a new figure and returns it (a lesson ends the cell with
``;`` or assigns the figure, so it is shown once). :func:`style` is the same
look as a context manager, for a lesson's own figure.

Conventions every figure follows:

- one resolution, ``STYLE["figure.dpi"]``; no lesson sets its own;
- a learning rate is constant during an optimizer step (or an epoch, when a scheduler
  is stepped per epoch), so schedules are drawn as steps (``drawstyle="steps-post"``):
  ``lrs[t]`` holds from ``t`` to ``t + 1``, never a ramp between two values;
- curves that may overlap differ in line style as well as colour (:func:`line_style`),
  so a curve hidden under another still shows;
- epochs count from 1: epoch ``e`` spans ``e - 1`` to ``e`` on the axis (0 is the start
  of training) and its per-epoch numbers (``History.train_loss[e - 1]``, ...) are
  plotted at ``e``, its end, as the lessons' tables print them under "epoch e".
"""

import math
from contextlib import contextmanager

import matplotlib.pyplot as plt
import numpy as np
from cycler import cycler

__all__ = [
    "STYLE",
    "PALETTE",
    "LINESTYLES",
    "line_style",
    "style",
    "schedule",
    "schedules",
    "training",
    "seeds",
    "landscape",
    "range_test",
    "plot_spread",
]

PALETTE = ["#1f77b4", "#d62728", "#2ca02c", "#ff7f0e", "#9467bd", "#8c564b", "#17becf", "#7f7f7f"]
LINESTYLES = ["-", "--", ":", "-."]
STYLE = {
    "figure.figsize": (6.4, 3.8),
    "figure.dpi": 100,
    "font.size": 10,
    "axes.titlesize": 11,
    "axes.grid": True,
    "grid.alpha": 0.3,
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.prop_cycle": cycler(color=PALETTE),
    "legend.frameon": False,
    "lines.linewidth": 1.8,
}


@contextmanager
def style():
    """Context manager with the wiki's matplotlib style (``with lrlib.plot.style(): ...``)."""
    with plt.rc_context(STYLE):
        yield


def line_style(k: int) -> dict:
    """Colour, line style and width of the ``k``-th curve of a figure (keyword arguments of plot).

    The first curve is solid and wider, the next ones dashed, dotted and dash-dotted on
    top of it, so two curves that coincide both stay visible.

    Args:
        k: the curve's index in its figure (0 for the first).

    Returns:
        ``{"color": ..., "linestyle": ..., "linewidth": ...}``.

    >>> line_style(0)["linestyle"], line_style(1)["linestyle"]
    ('-', '--')
    >>> line_style(0)["linewidth"] > line_style(1)["linewidth"]
    True
    """
    if isinstance(k, bool) or not isinstance(k, (int, np.integer)) or k < 0:
        raise ValueError(f"k must be an int >= 0, got {k!r}")
    return {
        "color": PALETTE[k % len(PALETTE)],
        "linestyle": LINESTYLES[k % len(LINESTYLES)],
        "linewidth": 2.6 if k % len(LINESTYLES) == 0 else 1.6,
    }


def _steps(ax, lrs, per_unit=1, **kwargs):
    """``lrs[t]`` held from ``t / per_unit`` to ``(t + 1) / per_unit``, the last step drawn too."""
    lrs = np.append(lrs, lrs[-1])
    return ax.plot(np.arange(len(lrs)) / per_unit, lrs, drawstyle="steps-post", **kwargs)


def _new(title=None, xlabel=None, ylabel=None, log=False, size=None):
    with style():
        fig, ax = plt.subplots(figsize=size or STYLE["figure.figsize"], layout="constrained")
    if title:
        ax.set_title(title)
    if xlabel:
        ax.set_xlabel(xlabel)
    if ylabel:
        ax.set_ylabel(ylabel)
    if log:
        ax.set_yscale("log")
    return fig, ax


def _curve(values, name):
    values = np.asarray(values, dtype=float)
    if values.ndim != 1 or len(values) == 0:
        raise ValueError(
            f"{name} must be a non-empty 1-D sequence of numbers, got shape {values.shape}"
        )
    return values


def _check_log(log):
    if not isinstance(log, bool):
        raise TypeError(f"log must be True or False, got {log!r}")


def schedule(lrs, *, label=None, log=False, xlabel="step", title=None):
    """One schedule: ``lrs[t]`` held from ``t`` to ``t + 1``; ``log=True``: the lr on a log axis."""
    _check_log(log)
    lrs = _curve(lrs, "lrs")
    with style():
        fig, ax = _new(title, xlabel, "learning rate", log)
        _steps(ax, lrs, label=label, **line_style(0))
        if label:
            ax.legend()
    return fig


def schedules(curves, *, log=False, xlabel="step", title=None):
    """Several schedules on one axis: ``curves`` maps a label to its lr per step.

    Each is drawn as steps, in its own colour and line style (:func:`line_style`), so a
    schedule that coincides with another for a while stays visible.
    """
    _check_log(log)
    if not isinstance(curves, dict) or not curves:
        raise TypeError(
            f"curves must be a non-empty dict label -> lrs, got {type(curves).__name__}"
        )
    with style():
        fig, ax = _new(title, xlabel, "learning rate", log)
        for k, (label, lrs) in enumerate(curves.items()):
            lrs = _curve(lrs, f"curves[{label!r}]")
            _steps(ax, lrs, label=str(label), **line_style(k))
        ax.legend()
    return fig


def _histories(history):
    from .train import History

    if isinstance(history, History):
        return {None: history}
    if (
        isinstance(history, dict)
        and history
        and all(isinstance(h, History) for h in history.values())
    ):
        return history
    raise TypeError(
        f"history must be a History or a dict label -> History, got {type(history).__name__}"
    )


def _training_run(ax, lr_ax, h, label, color, metric):
    """Draw one run of :func:`training`: its curves on ``ax``, its lr on ``lr_ax`` (or None)."""
    name = "" if label is None else f"{label}: "
    per_step = np.arange(1, len(h.step_loss) + 1) / max(h.steps_per_epoch, 1)
    epochs = np.arange(1, h.epochs + 1)
    if metric == "loss":
        ax.plot(per_step, h.step_loss, color=color, alpha=0.25, linewidth=0.8)
        ax.plot(
            epochs,
            h.train_loss,
            color=color,
            marker="o",
            markersize=3,
            label=f"{name}train",
        )
        if h.val_loss:
            ax.plot(
                epochs,
                h.val_loss,
                color=color,
                linestyle=":",
                marker="s",
                markersize=3,
                label=f"{name}validation",
            )
    else:
        ax.plot(
            epochs,
            h.val_acc,
            color=color,
            marker="o",
            markersize=3,
            label=label if label is not None else "validation",
        )
    if lr_ax is not None:
        _steps(
            lr_ax,
            np.asarray(h.lr, dtype=float),
            max(h.steps_per_epoch, 1),
            color=color,
            linestyle="--",
            linewidth=1.0,
            alpha=0.8,
        )
    if h.diverged:
        ax.axvline(per_step[h.diverged.step], color=color, linewidth=0.8)
        ax.annotate(
            f"diverged (lr={h.diverged.lr:.3g})",
            (per_step[h.diverged.step], 0.95),
            xycoords=("data", "axes fraction"),
            ha="right",
            fontsize=8,
            color=color,
        )


def training(history, *, metric="loss", lr=True, title=None):
    """Training curves against epochs, with the lr on a second axis.

    ``history``: a :class:`lrlib.train.History` or a dict label -> History.
    ``metric="loss"``: train loss per step (faint), per epoch, and validation
    loss per epoch; ``metric="accuracy"``: validation accuracy per epoch.
    ``lr=True`` draws each run's lr per step, dashed, on the right axis, as steps.
    Epoch ``e`` spans ``e - 1`` to ``e``; its numbers are plotted at ``e``.
    """
    if metric not in ("loss", "accuracy"):
        raise ValueError(f"metric must be 'loss' or 'accuracy', got {metric!r}")
    runs = _histories(history)
    with style():
        fig, ax = _new(title, "epoch", "loss" if metric == "loss" else "validation accuracy")
        lr_ax = None
        if lr:
            lr_ax = ax.twinx()
            lr_ax.spines["right"].set_visible(True)
            lr_ax.grid(False)
            lr_ax.set_ylabel("learning rate")
        for k, (label, h) in enumerate(runs.items()):
            _training_run(ax, lr_ax, h, label, PALETTE[k % len(PALETTE)], metric)
        ax.legend(loc="best")
    return fig


def _as_runs(runs):
    if isinstance(runs, dict):
        if not runs:
            raise ValueError("runs must not be empty")
        return runs
    if isinstance(runs, list):
        return {None: runs}
    raise TypeError(
        f"runs must be the result of fit_seeds or a dict label -> runs, got {type(runs).__name__}"
    )


def seeds(runs, *, metric="val_acc", spread="std", title=None):
    """Mean over seeds (line) and spread (band) of a per-epoch metric, against epochs.

    ``runs``: the :class:`lrlib.train.Runs` of :func:`lrlib.fit_seeds`, or a
    dict label -> Runs to compare. ``spread="std"``: mean +- one standard
    deviation; ``"minmax"``: from the lowest to the highest seed.
    """
    if metric not in ("train_loss", "val_loss", "val_acc"):
        raise ValueError(f"metric must be 'train_loss', 'val_loss' or 'val_acc', got {metric!r}")
    if spread not in ("std", "minmax"):
        raise ValueError(f"spread must be 'std' or 'minmax', got {spread!r}")
    from .train import Runs

    groups = _as_runs(runs)
    ylabel = {
        "train_loss": "train loss",
        "val_loss": "validation loss",
        "val_acc": "validation accuracy",
    }[metric]
    with style():
        fig, ax = _new(title, "epoch", ylabel)
        for k, (label, group) in enumerate(groups.items()):
            if not isinstance(group, Runs):
                group = Runs(group, [h.seed for h in group], [])
            values = group.stack(metric)
            if values.size == 0:
                continue
            epochs = np.arange(1, values.shape[1] + 1)
            mean = group.mean(metric)
            if spread == "std":
                std = group.std(metric)
                low, high = mean - std, mean + std
            else:
                low, high = np.nanmin(values, axis=0), np.nanmax(values, axis=0)
            look = line_style(k)
            color = look["color"]
            text = f"{len(group)} seeds" if label is None else f"{label} ({len(group)} seeds)"
            ax.plot(epochs, mean, label=text, **look)
            ax.fill_between(epochs, low, high, color=color, alpha=0.2, linewidth=0)
        ax.legend()
    return fig


def _descents(descents):
    from .landscapes import Descent

    if isinstance(descents, Descent):
        return {None: descents}
    if isinstance(descents, dict):
        items = descents
    elif isinstance(descents, (list, tuple)):
        items = {None if len(descents) == 1 else f"run {i}": d for i, d in enumerate(descents)}
    else:
        raise TypeError(
            f"descents must be a Descent, a list or a dict label -> Descent, "
            f"got {type(descents).__name__}"
        )
    for d in items.values():
        if not isinstance(d, Descent):
            raise TypeError(
                f"descents must hold Descent results of landscapes.descend, got {type(d).__name__}"
            )
    return items


def _landscape_1d(ax, surface, runs):
    """:func:`landscape` of a 1-D surface: the curve, each path on it, the minima named."""
    x, fx = surface.grid(400)
    ax.plot(x, fx, color="0.3", linewidth=1.2)
    ((lo, hi),) = surface.bounds
    for k, (label, d) in enumerate(runs.items()):
        color = PALETTE[(k + 1) % len(PALETTE)]
        inside = (d.path[:, 0] >= lo) & (d.path[:, 0] <= hi)
        ax.plot(
            d.path[inside, 0],
            d.values[inside],
            color=color,
            marker=".",
            markersize=4,
            linewidth=0.8,
            label=label,
        )
        ax.plot(d.path[0, 0], d.values[0], "o", color=color)
        if inside[-1]:
            ax.plot(d.path[-1, 0], d.values[-1], "s", color=color)
    for name, point in surface.minima.items():
        ax.plot(point[0], surface.f(point), "*", color="k", markersize=10)
        ax.annotate(
            name,
            (point[0], surface.f(point)),
            textcoords="offset points",
            xytext=(0, -14),
            ha="center",
            fontsize=8,
        )


def _landscape_2d(ax, surface, runs, levels):
    """:func:`landscape` of a 2-D surface: contour lines, each path, minima and saddles."""
    X, Y, Z = surface.grid(200)
    ax.contour(X, Y, Z, levels=levels, cmap="Greys", linewidths=0.7)
    ax.grid(False)
    for k, (label, d) in enumerate(runs.items()):
        color = PALETTE[(k + 1) % len(PALETTE)]
        ax.plot(
            d.path[:, 0],
            d.path[:, 1],
            color=color,
            marker=".",
            markersize=3,
            linewidth=1.0,
            label=label,
        )
        ax.plot(*d.path[0], "o", color=color)
        ax.plot(*d.path[-1], "s", color=color)
    for point in surface.minima.values():
        ax.plot(*point, "*", color="k", markersize=11)
    for point in surface.saddles.values():
        ax.plot(*point, "x", color="k", markersize=8)
    (x_lo, x_hi), (y_lo, y_hi) = surface.bounds
    ax.set_xlim(x_lo, x_hi)
    ax.set_ylim(y_lo, y_hi)


def landscape(surface, descents=None, *, levels=30, title=None):
    """A surface with gradient-descent paths on it: contour lines for 2-D, the curve for 1-D.

    ``descents``: a :class:`lrlib.landscapes.Descent`, a list of them, a
    dict label -> Descent, or None for the surface alone. Minima are marked with
    stars, saddles with crosses; each path starts at a circle and ends at a square.
    """
    from .landscapes import Surface

    if not isinstance(surface, Surface):
        raise TypeError(
            f"surface must be an lrlib.landscapes.Surface, got {type(surface).__name__}"
        )
    runs = {} if descents is None else _descents(descents)
    with style():
        if surface.dim == 1:
            fig, ax = _new(title or surface.name, "x", "f(x)")
            _landscape_1d(ax, surface, runs)
        else:
            fig, ax = _new(title or surface.name, "x", "y", size=(5.6, 4.6))
            _landscape_2d(ax, surface, runs, levels)
        if any(label is not None for label in runs):
            ax.legend(loc="best")
    return fig


def range_test(result, *, title="LR range test"):
    """The LR range test curve (smoothed loss against lr, log axis) with both suggestions marked."""
    from .finder import RangeTest

    if not isinstance(result, RangeTest):
        raise TypeError(
            f"result must be the RangeTest of lr_range_test, got {type(result).__name__}"
        )
    with style():
        fig, ax = _new(title, "learning rate (log scale)", "loss")
        ax.set_xscale("log")
        ax.plot(
            result.lrs,
            result.raw_losses,
            color=PALETTE[7],
            alpha=0.35,
            linewidth=0.8,
            label="batch loss",
        )
        ax.plot(result.lrs, result.losses, color=PALETTE[0], label="smoothed loss")
        for value, name, color in (
            (result.suggestion, "steepest", PALETTE[1]),
            (result.valley, "valley", PALETTE[2]),
        ):
            if value is not None and math.isfinite(value):
                ax.axvline(
                    value, color=color, linestyle="--", linewidth=1.2, label=f"{name}: {value:.2g}"
                )
        finite = result.losses[np.isfinite(result.losses)]
        if finite.size:
            low, first = float(finite.min()), float(finite[0])
            ax.set_ylim(low - 0.1 * abs(first - low) - 1e-3, max(first, low) * 1.5 + 1e-3)
        ax.legend()
    return fig


def plot_spread(result, *, title=None):
    """The per-seed paired differences of a :func:`lrlib.compare.compare` result, one row per arm.

    Each dot is one seed's ``arm - reference``; the thick bar is the 95% interval, the thin
    bar the interval at Holm's level, the diamond the mean; the band is ``±equivalence``.
    Each row is labelled with its arm and verdict.
    """
    from .compare import Comparison

    if not isinstance(result, Comparison):
        raise TypeError(
            f"result must be the Comparison of lrlib.compare, got {type(result).__name__}"
        )
    goal = "higher" if result.higher_is_better else "lower"
    with style():
        fig, ax = _new(
            title or f"paired differences to {result.reference}",
            f"arm - {result.reference} ({goal} is better)",
            None,
            size=(6.4, 1.2 + 0.7 * len(result.rows)),
        )
        ax.axvline(0.0, color="0.3", linewidth=1.0)
        if result.equivalence is not None:
            ax.axvspan(
                -result.equivalence,
                result.equivalence,
                color=PALETTE[2],
                alpha=0.12,
                linewidth=0,
                label=f"±{result.equivalence:g}",
            )
        for k, row in enumerate(result.rows):
            y, color = len(result.rows) - 1 - k, PALETTE[k % len(PALETTE)]
            diffs = result.differences[row.arm]
            offsets = np.linspace(-0.15, 0.15, len(diffs))
            ax.plot(diffs, y + offsets, "o", color=color, alpha=0.6, markersize=4)
            ax.plot([row.holm_low, row.holm_high], [y, y], color=color, linewidth=1.0)
            ax.plot([row.low, row.high], [y, y], color=color, linewidth=4.0, alpha=0.8)
            ax.plot(row.mean, y, "D", color="k", markersize=5)
        ax.set_yticks(
            range(len(result.rows)), [f"{row.arm}\n{row.verdict}" for row in reversed(result.rows)]
        )
        ax.set_ylim(-0.6, len(result.rows) - 0.4)
        ax.grid(False, axis="y")
        if result.equivalence is not None:
            ax.legend(loc="lower left")
    return fig
