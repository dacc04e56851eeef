"""lrlib.plot: every shared figure is drawn from the data it is given and returned."""

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402
import pytest  # noqa: E402
from matplotlib.figure import Figure  # noqa: E402

import lrlib  # noqa: E402
from lrlib import landscapes  # noqa: E402
from lrlib.finder import RangeTest  # noqa: E402
from lrlib.train import Divergence, History, Runs  # noqa: E402


@pytest.fixture(autouse=True)
def close_figures():
    yield
    plt.close("all")


def _history(seed=0, epochs=3, steps=4, diverged=False):
    rng = np.random.default_rng(seed)
    n = epochs * steps
    return History(
        lr=list(np.linspace(0.1, 0.01, n)),
        step_loss=list(2 - np.arange(n) / n),
        train_loss=list(rng.uniform(0.5, 1, epochs)),
        val_loss=list(rng.uniform(0.5, 1, epochs)),
        val_acc=list(rng.uniform(0.8, 0.9, epochs)),
        diverged=diverged,
        steps_per_epoch=steps,
        seed=seed,
    )


def _ydata(ax):
    return [np.asarray(line.get_ydata(), dtype=float) for line in ax.get_lines()]


def test_schedule_and_schedules():
    lrs = 0.1 * 0.9 ** np.arange(20)
    fig = lrlib.plot.schedule(lrs, label="exp", log=True, title="decay")
    assert isinstance(fig, Figure)
    ax = fig.axes[0]
    assert (
        ax.get_yscale() == "log"
        and ax.get_title() == "decay"
        and ax.get_ylabel() == "learning rate"
    )
    assert np.allclose(_ydata(ax)[0][:-1], lrs) and _ydata(ax)[0][-1] == lrs[-1]
    fig = lrlib.plot.schedules({"a": lrs, "b": lrs[::-1], "c": np.ones(5)})
    ax = fig.axes[0]
    assert ax.get_yscale() == "linear" and len(ax.get_lines()) == 3
    assert [t.get_text() for t in ax.get_legend().get_texts()] == ["a", "b", "c"]
    with pytest.raises(TypeError, match="curves must be a non-empty dict"):
        lrlib.plot.schedules([lrs])
    with pytest.raises(ValueError, match="lrs must be a non-empty 1-D"):
        lrlib.plot.schedule([])
    with pytest.raises(TypeError, match="log must be True or False"):
        lrlib.plot.schedule(lrs, log="yes")


def test_training_curves_with_lr_on_a_second_axis():
    h = _history()
    fig = lrlib.plot.training(h)
    loss_ax, lr_ax = fig.axes
    assert lr_ax.get_ylabel() == "learning rate" and np.allclose(_ydata(lr_ax)[0][:-1], h.lr)
    curves = _ydata(loss_ax)
    assert np.allclose(curves[0], h.step_loss) and np.allclose(curves[1], h.train_loss)
    assert np.allclose(curves[2], h.val_loss)
    # steps sit at their fraction of an epoch: the last step of epoch 1 at x = 1
    assert loss_ax.get_lines()[0].get_xdata()[3] == pytest.approx(1.0)
    fig = lrlib.plot.training({"a": h, "b": _history(1)}, metric="accuracy", lr=False)
    assert len(fig.axes) == 1 and len(fig.axes[0].get_lines()) == 2
    diverged = _history(diverged=Divergence(step=5, epoch=1, lr=0.05, loss=float("nan")))
    fig = lrlib.plot.training(diverged)
    assert any("diverged" in t.get_text() for t in fig.axes[0].texts)
    with pytest.raises(ValueError, match="metric must be 'loss' or 'accuracy'"):
        lrlib.plot.training(h, metric="acc")
    with pytest.raises(TypeError, match="history must be a History"):
        lrlib.plot.training([h])


def test_seeds_mean_and_spread():
    runs = Runs([_history(s) for s in range(4)], range(4), [])
    fig = lrlib.plot.seeds(runs, metric="val_acc")
    ax = fig.axes[0]
    assert np.allclose(_ydata(ax)[0], runs.mean("val_acc"))
    band = ax.collections[0].get_paths()[0].vertices[:, 1]
    mean, std = runs.mean("val_acc"), runs.std("val_acc")
    assert np.isclose(band.max(), (mean + std).max()) and np.isclose(band.min(), (mean - std).min())
    fig = lrlib.plot.seeds({"x": runs, "y": [_history(9)]}, metric="val_loss", spread="minmax")
    values = runs.stack("val_loss")
    band = fig.axes[0].collections[0].get_paths()[0].vertices[:, 1]
    assert np.isclose(band.max(), values.max()) and np.isclose(band.min(), values.min())
    assert [t.get_text() for t in fig.axes[0].get_legend().get_texts()] == [
        "x (4 seeds)",
        "y (1 seeds)",
    ]
    with pytest.raises(ValueError, match="spread must be 'std' or 'minmax'"):
        lrlib.plot.seeds(runs, spread="iqr")
    with pytest.raises(ValueError, match="metric must be"):
        lrlib.plot.seeds(runs, metric="lr")


def test_landscape_paths_on_contours_and_on_a_curve():
    bowl = landscapes.quadratic_bowl(5)
    runs = {
        f"lr={lr}": landscapes.descend(bowl, [1.5, 1.0], lr, max_iters=30) for lr in (0.1, 0.35)
    }
    fig = lrlib.plot.landscape(bowl, runs)
    ax = fig.axes[0]
    assert ax.collections, "contour lines are drawn"
    path_lines = [line for line in ax.get_lines() if line.get_label() in runs]
    assert len(path_lines) == 2
    assert np.allclose(path_lines[0].get_xdata(), runs["lr=0.1"].path[:, 0])
    assert np.allclose(path_lines[1].get_ydata(), runs["lr=0.35"].path[:, 1])
    well = landscapes.double_well_1d()
    fig = lrlib.plot.landscape(well, landscapes.descend(well, 2.0, 0.01, max_iters=50))
    assert fig.axes[0].get_xlabel() == "x" and len(fig.axes[0].get_lines()) >= 3
    assert isinstance(lrlib.plot.landscape(landscapes.saddle()), Figure)
    with pytest.raises(TypeError, match="surface must be"):
        lrlib.plot.landscape("bowl")
    with pytest.raises(TypeError, match="descents must"):
        lrlib.plot.landscape(bowl, "path")


def test_range_test_marks_both_suggestions():
    lrs = np.logspace(-5, 0, 40)
    losses = 2 - np.tanh(np.log10(lrs) + 3)
    result = RangeTest(
        lrs=lrs,
        losses=losses,
        raw_losses=losses + 0.01,
        suggestion=1e-3,
        valley=3e-4,
        min_loss_lr=1.0,
        stopped="completed",
    )
    fig = lrlib.plot.range_test(result)
    ax = fig.axes[0]
    assert ax.get_xscale() == "log"
    vertical = [
        line.get_xdata()[0]
        for line in ax.get_lines()
        if line.get_label().startswith(("steepest", "valley"))
    ]
    assert vertical == [1e-3, 3e-4]
    labels = [t.get_text() for t in ax.get_legend().get_texts()]
    assert "steepest: 0.001" in labels and "valley: 0.0003" in labels
    with pytest.raises(TypeError, match="result must be the RangeTest"):
        lrlib.plot.range_test({"lrs": lrs})


def test_style_context():
    with lrlib.plot.style():
        assert plt.rcParams["axes.spines.top"] is False
    assert lrlib.plot.STYLE["axes.grid"] is True


def test_schedules_are_steps_held_for_a_whole_step():
    lrs = [0.1, 0.1, 0.01, 0.01]  # per epoch: epoch 3 uses 0.01 from start to end
    for fig in (lrlib.plot.schedule(lrs), lrlib.plot.schedules({"a": lrs})):
        line = fig.axes[0].get_lines()[0]
        assert line.get_drawstyle() == "steps-post"
        assert list(line.get_xdata()) == [0, 1, 2, 3, 4] and list(line.get_ydata()) == lrs + [0.01]
    h = _history()
    lr_line = lrlib.plot.training(h).axes[1].get_lines()[0]
    assert lr_line.get_drawstyle() == "steps-post"
    # step t of an epoch of 4 steps starts at t / 4: epoch 2 starts at x = 1
    assert lr_line.get_xdata()[0] == 0 and lr_line.get_xdata()[4] == pytest.approx(1.0)


def test_overlapping_curves_stay_visible():
    same = np.linspace(0.1, 0.0, 30)
    fig = lrlib.plot.schedules({"a": same, "b": same, "c": same, "d": same})
    lines = fig.axes[0].get_lines()
    assert len({line.get_linestyle() for line in lines}) == 4
    assert lines[0].get_linewidth() > lines[1].get_linewidth()
    runs = Runs([_history(s) for s in range(2)], range(2), [])
    lines = lrlib.plot.seeds({"x": runs, "y": runs}).axes[0].get_lines()
    assert lines[0].get_linestyle() != lines[1].get_linestyle()
    assert lrlib.plot.line_style(4) == lrlib.plot.line_style(0) | {"color": lrlib.plot.PALETTE[4]}
    with pytest.raises(ValueError, match="k must be"):
        lrlib.plot.line_style(-1)


def test_epochs_count_from_one_at_their_end():
    h = _history(epochs=3)
    loss_ax = lrlib.plot.training(h, lr=False).axes[0]
    assert list(loss_ax.get_lines()[1].get_xdata()) == [1, 2, 3]  # train loss of epochs 1..3
    runs = Runs([_history(s) for s in range(2)], range(2), [])
    assert list(lrlib.plot.seeds(runs).axes[0].get_lines()[0].get_xdata()) == [1, 2, 3]


def test_every_figure_has_the_same_dpi():
    h = _history()
    runs = Runs([h], [0], [])
    figs = [
        lrlib.plot.schedule([0.1]),
        lrlib.plot.schedules({"a": [0.1]}),
        lrlib.plot.training(h),
        lrlib.plot.seeds(runs),
    ]
    assert {fig.dpi for fig in figs} == {lrlib.plot.STYLE["figure.dpi"]}
