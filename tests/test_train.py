"""lrlib.fit and lrlib.fit_seeds: honest loops, divergence, determinism, batched seeds equal
to fit."""

import math
import warnings

import numpy as np
import pytest
import torch
from torch import nn
from torch.optim import lr_scheduler as torch_schedulers

import lrlib
from lrlib.data import Splits
from lrlib.train import DIVERGENCE_PATIENCE as PATIENCE
from lrlib.train import Divergence, History, Runs

DIGITS = lrlib.data.digits(seed=0)
# A small slice of digits for the tests that check mechanics, not accuracy:
# 4 batches of 64 per epoch, 128 validation examples.
SMALL = Splits(
    train=(DIGITS.train[0][:256], DIGITS.train[1][:256]),
    val=(DIGITS.val[0][:128], DIGITS.val[1][:128]),
    n_classes=10,
)
STEPS = 4


@pytest.fixture(autouse=True, scope="module")
def one_thread():
    """Small models gain nothing from a second thread, and on a shared 2-core machine
    torch's spinning threads slow down ten-fold; the results are the same bits
    either way (see test_identical_losses_with_one_and_two_threads)."""
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(threads)


def mlp(seed=0):
    return lrlib.models.mlp(64, 10, hidden=(32,), seed=seed)


def sgd(model, lr=0.1):
    return torch.optim.SGD(model.parameters(), lr=lr, momentum=0.9)


def quiet_fit(model, optimizer, data=SMALL, epochs=2, batch_size=64, **kwargs):
    return lrlib.fit(model, optimizer, data, epochs, batch_size, progress=False, **kwargs)


# --------------------------------------------------------------------------- fit


def test_digits_mlp_reaches_95_percent_validation_accuracy():
    model = lrlib.models.mlp(64, 10, hidden=(128,), seed=0)
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    steps_per_epoch = math.ceil(len(DIGITS.train[0]) / 32)
    scheduler = torch_schedulers.OneCycleLR(optimizer, max_lr=0.1, total_steps=10 * steps_per_epoch)
    hist = lrlib.fit(
        model, optimizer, DIGITS, epochs=10, batch_size=32, scheduler=scheduler, progress=False
    )
    assert hist.val_acc[-1] >= 0.95, hist.val_acc
    assert hist.train_loss[-1] < hist.train_loss[0] / 5
    # the model is trained in place: its own accuracy on the validation split agrees
    with torch.no_grad():
        acc = (model(DIGITS.val[0]).argmax(1) == DIGITS.val[1]).double().mean().item()
    assert acc == pytest.approx(hist.val_acc[-1], abs=1e-12)


def test_history_records_every_step_and_epoch():
    model = mlp()
    optimizer = sgd(model)
    hist = quiet_fit(model, optimizer, epochs=3)
    assert isinstance(hist, History) and hist.diverged is False
    assert hist.steps_per_epoch == STEPS and hist.epochs == 3
    assert len(hist.lr) == len(hist.step_loss) == 3 * STEPS
    assert len(hist.train_loss) == len(hist.val_loss) == len(hist.val_acc) == 3
    assert hist.lr == [0.1] * 12
    for e in range(3):  # equal batches: the epoch loss is the mean of its steps
        assert hist.train_loss[e] == pytest.approx(
            np.mean(hist.step_loss[e * STEPS : (e + 1) * STEPS])
        )
    assert all(0 <= a <= 1 for a in hist.val_acc)
    final = hist.final(digits=2)
    assert final == {
        "epochs": 3,
        "train_loss": round(hist.train_loss[-1], 2),
        "val_loss": round(hist.val_loss[-1], 2),
        "val_acc": round(hist.val_acc[-1], 2),
        "diverged": False,
    }
    assert repr(hist).startswith("History(epochs=3, steps=12, train_loss=")


def test_last_partial_batch_counts_by_its_size():
    data = Splits(train=(SMALL.train[0][:150], SMALL.train[1][:150]), val=None)
    model = mlp()
    hist = quiet_fit(model, sgd(model), data=data, epochs=1)
    assert hist.steps_per_epoch == 3 and hist.val_loss == [] and hist.val_acc == []
    expected = (hist.step_loss[0] * 64 + hist.step_loss[1] * 64 + hist.step_loss[2] * 22) / 150
    assert hist.train_loss[0] == pytest.approx(expected)


def test_scheduler_steps_after_the_optimizer_each_batch():
    model = mlp()
    optimizer = sgd(model)
    scheduler = torch_schedulers.StepLR(optimizer, step_size=3, gamma=0.5)
    with warnings.catch_warnings():
        # torch warns when scheduler.step() comes before optimizer.step()
        warnings.simplefilter("error")
        hist = quiet_fit(model, optimizer, epochs=2, scheduler=scheduler)
    assert hist.lr == pytest.approx([0.1 * 0.5 ** (k // 3) for k in range(2 * STEPS)])
    assert scheduler.last_epoch == 2 * STEPS


def test_scheduler_steps_each_epoch():
    model = mlp()
    optimizer = sgd(model)
    scheduler = torch_schedulers.ExponentialLR(optimizer, gamma=0.5)
    hist = quiet_fit(model, optimizer, epochs=3, scheduler=scheduler, step_every="epoch")
    assert hist.lr == pytest.approx([0.1] * STEPS + [0.05] * STEPS + [0.025] * STEPS)


def test_reduce_on_plateau_gets_the_validation_loss():
    seen = []

    class Recording(torch_schedulers.ReduceLROnPlateau):
        def step(self, metrics):
            seen.append(metrics)
            super().step(metrics)

    model = mlp()
    optimizer = sgd(model)
    # threshold=10: no epoch counts as an improvement, so patience 0 halves the lr every epoch
    scheduler = Recording(optimizer, factor=0.5, patience=0, threshold=10.0)
    hist = quiet_fit(model, optimizer, epochs=3, scheduler=scheduler)  # step_every="batch" too
    assert seen == hist.val_loss
    assert hist.lr == pytest.approx([0.1] * STEPS + [0.05] * STEPS + [0.025] * STEPS)


def test_divergence_stops_at_the_step_and_says_where():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=1e8)  # the loss is 1e14 at step 1
    counter = torch_schedulers.LambdaLR(optimizer, lambda step: 1.0)  # counts optimizer steps
    hist = quiet_fit(model, optimizer, epochs=5, scheduler=counter)
    d = hist.diverged
    # on the CPU training stops at the step judged diverged: the steps before it were taken
    judged = len(hist.step_loss) - 1
    assert counter.last_epoch == judged
    assert isinstance(d, Divergence) and bool(d)
    # the excursion began at step 1; it is judged at a non-finite loss or after PATIENCE steps
    assert d.step == 1 and d.loss == hist.step_loss[1] > lrlib.train.DIVERGENCE_FACTOR * 2.4
    assert not math.isfinite(hist.step_loss[-1]) or judged == d.step + PATIENCE - 1
    assert all(v < 10 for v in hist.step_loss[: d.step])
    assert d.lr == hist.lr[d.step] == 1e8 and d.epoch == d.step // STEPS
    assert hist.epochs == d.epoch  # only completed epochs are in the epoch lists
    assert f"step {d.step}" in str(d) and "lr=1e+08" in str(d)
    assert "diverged" in hist.final()["diverged"] and "diverged=<" in repr(hist)


def test_same_seed_same_history_other_seed_other_shuffle():
    runs = []
    for seed in (0, 0, 1):
        model = mlp()  # same initial weights each time
        runs.append(quiet_fit(model, sgd(model), seed=seed))
    assert runs[0].step_loss == runs[1].step_loss and runs[0].val_loss == runs[1].val_loss
    assert runs[0].step_loss != runs[2].step_loss


def test_fit_leaves_global_rng_and_model_mode_alone():
    model = mlp()
    model.eval()
    state = torch.get_rng_state()
    quiet_fit(model, sgd(model), epochs=1)
    assert torch.equal(torch.get_rng_state(), state)
    assert model.training is False


def test_dropout_is_seeded_by_fit():
    def run(seed=5):
        with torch.random.fork_rng():
            torch.manual_seed(0)
            model = nn.Sequential(nn.Linear(64, 32), nn.ReLU(), nn.Dropout(0.5), nn.Linear(32, 10))
        torch.rand(3)  # moves torch's global RNG on: fit must not depend on it
        return quiet_fit(model, sgd(model), epochs=1, seed=seed).step_loss

    assert run() == run()


def test_identical_losses_with_one_and_two_threads():
    threads = torch.get_num_threads()
    histories = []
    try:
        for n in (1, 2):
            torch.set_num_threads(n)
            model = lrlib.models.mlp(64, 10, hidden=(128,), seed=0)
            histories.append(quiet_fit(model, sgd(model), data=DIGITS, epochs=2))
    finally:
        torch.set_num_threads(threads)
    one, two = histories
    if torch.backends.mkl.is_available():  # lrlib asks MKL for its thread-count-proof mode
        assert one.step_loss == two.step_loss and one.val_loss == two.val_loss
    else:  # other BLAS libraries promise less
        assert np.allclose(one.step_loss, two.step_loss, rtol=0, atol=1e-6)


def test_progress_bar_and_tqdm_disable(capfd, monkeypatch):
    monkeypatch.delenv("TQDM_DISABLE", raising=False)
    model = mlp()
    quiet_fit(model, sgd(model), epochs=1)
    assert capfd.readouterr() == ("", "")
    lrlib.fit(model, sgd(model), SMALL, 2, 64)  # progress=True is the default
    out, err = capfd.readouterr()
    assert out == "" and "2/2" in err and "epoch" in err
    monkeypatch.setenv("TQDM_DISABLE", "1")
    lrlib.fit(model, sgd(model), SMALL, 2, 64, progress=True)
    assert capfd.readouterr() == ("", "")


def test_model_is_moved_to_the_requested_device():
    model = mlp()
    hist = quiet_fit(model, sgd(model), epochs=1, device="cpu")
    assert hist.epochs == 1 and next(model.parameters()).device.type == "cpu"


class _NoTrain:
    val = SMALL.val


@pytest.mark.parametrize(
    "change, error, words",
    [
        ({"epochs": 0}, ValueError, "epochs must be a positive int, got 0"),
        ({"epochs": 2.5}, TypeError, "epochs must be a positive int, got 2.5"),
        ({"epochs": True}, TypeError, "epochs"),
        ({"batch_size": -8}, ValueError, "batch_size must be a positive int, got -8"),
        ({"batch_size": "64"}, TypeError, "batch_size"),
        ({"step_every": "step"}, ValueError, "step_every must be 'batch' or 'epoch', got 'step'"),
        ({"progress": "yes"}, TypeError, "progress"),
        ({"seed": -1}, ValueError, "seed"),
        ({"device": "gpu"}, ValueError, "device"),
        ({"device": 0}, TypeError, "device"),
        ({"data": _NoTrain()}, TypeError, "data must have .train"),
        (
            {"data": Splits((SMALL.train[0], SMALL.train[1]), n_classes=12)},
            ValueError,
            r"n_classes=10 for this data|n_classes=12",
        ),
    ],
)
def test_fit_rejects_bad_arguments(change, error, words):
    model = mlp()
    args = {"model": model, "optimizer": sgd(model), "data": SMALL, "epochs": 1, "batch_size": 64}
    args.update(change)
    with pytest.raises(error, match=words):
        lrlib.fit(**args)


def test_fit_rejects_inconsistent_objects():
    model, other = mlp(), mlp(1)
    optimizer = sgd(model)
    with pytest.raises(ValueError, match="scheduler was built on another optimizer"):
        quiet_fit(model, optimizer, scheduler=torch_schedulers.StepLR(sgd(model), 2))
    with pytest.raises(TypeError, match="scheduler must be an lr scheduler"):
        quiet_fit(model, optimizer, scheduler="cosine")
    with pytest.raises(
        ValueError, match="optimizer updates a tensor .* not a parameter of the model"
    ):
        quiet_fit(model, sgd(other))
    with pytest.raises(TypeError, match="optimizer must be a torch.optim.Optimizer"):
        quiet_fit(model, "sgd")
    with pytest.raises(TypeError, match="model must be a torch.nn.Module"):
        quiet_fit(lambda x: x, optimizer)
    with pytest.raises(
        ValueError, match=r"model must return \(batch, n_classes\) logits with n_classes=10"
    ):
        narrow = lrlib.models.mlp(64, 7)
        quiet_fit(narrow, sgd(narrow))
    X, y = SMALL.train
    with pytest.raises(ValueError, match="train has 256 feature rows but 255 labels"):
        quiet_fit(model, optimizer, data=_pair((X, y[:-1])))
    bad = X.clone()
    bad[0, 0] = float("inf")
    with pytest.raises(ValueError, match="train features contain 1 NaN or infinite"):
        quiet_fit(model, optimizer, data=_pair((bad, y)))
    no_val = Splits((X, y))
    with pytest.raises(ValueError, match="ReduceLROnPlateau, which needs validation data"):
        quiet_fit(
            model, optimizer, data=no_val, scheduler=torch_schedulers.ReduceLROnPlateau(optimizer)
        )


def _pair(train):
    """A data object that is not a Splits (anything with .train / .val works)."""

    class Data:
        pass

    data = Data()
    data.train, data.val = train, None
    return data


# --------------------------------------------------------------------------- fit_seeds


def _sequential(make_model, make_optimizer, make_scheduler, seeds, data, **kwargs):
    out = []
    for seed in seeds:
        model = make_model(seed)
        optimizer = make_optimizer(model)
        scheduler = make_scheduler(optimizer) if make_scheduler else None
        out.append(
            lrlib.fit(
                model, optimizer, data, scheduler=scheduler, seed=seed, progress=False, **kwargs
            )
        )
    return out


def _assert_same_histories(batched, sequential, tol=1e-5):
    assert len(batched) == len(sequential)
    for b, s in zip(batched, sequential):
        assert b.seed == s.seed and b.steps_per_epoch == s.steps_per_epoch
        assert len(b.step_loss) == len(s.step_loss) and b.epochs == s.epochs
        assert b.lr == pytest.approx(s.lr, rel=1e-12)
        finite = [(x, y) for x, y in zip(b.step_loss, s.step_loss) if math.isfinite(y)]
        # within tol, relative to the loss once it is above 1 (a diverging step's loss is ~1e6)
        assert all(abs(x - y) <= tol * max(1, abs(y)) for x, y in finite), max(
            abs(x - y) for x, y in finite
        )
        for key in ("train_loss", "val_loss", "val_acc"):
            # relative once above 1 too (a run that ends out of range: ~1e17)
            assert np.allclose(getattr(b, key), getattr(s, key), rtol=tol, atol=tol), key
        assert bool(b.diverged) == bool(s.diverged)
        if s.diverged:
            assert (b.diverged.step, b.diverged.epoch, b.diverged.lr) == (
                s.diverged.step,
                s.diverged.epoch,
                s.diverged.lr,
            )


def test_fit_seeds_equals_fit_seed_by_seed_mlp_one_cycle():
    seeds = [0, 1, 7]
    make_scheduler = lambda o: torch_schedulers.OneCycleLR(o, max_lr=0.2, total_steps=3 * STEPS)  # noqa: E731
    runs = lrlib.fit_seeds(
        mlp, sgd, SMALL, seeds, make_scheduler, epochs=3, batch_size=64, progress=False
    )
    assert isinstance(runs, Runs) and runs.seeds == seeds
    _assert_same_histories(
        runs, _sequential(mlp, sgd, make_scheduler, seeds, SMALL, epochs=3, batch_size=64)
    )
    # each seed shuffles its own way and starts from its own weights
    assert runs[0].step_loss[:STEPS] != runs[1].step_loss[:STEPS]
    # the trained models come back, one per seed
    for model, hist in zip(runs.models, runs):
        with torch.no_grad():
            acc = (model(SMALL.val[0]).argmax(1) == SMALL.val[1]).double().mean().item()
        assert acc == pytest.approx(hist.val_acc[-1], abs=1e-12)


def test_fit_seeds_with_plateau_uses_one_optimizer_per_seed():
    make_optimizer = lambda m: torch.optim.Adam(m.parameters(), lr=5e-2)  # noqa: E731
    # threshold=0.1: an epoch must improve by 10% to count, so the seeds' lrs part ways
    make_scheduler = lambda o: torch_schedulers.ReduceLROnPlateau(  # noqa: E731
        o, factor=0.5, patience=0, threshold=0.1
    )
    runs = lrlib.fit_seeds(
        mlp,
        make_optimizer,
        SMALL,
        [0, 1, 2],
        make_scheduler,
        epochs=5,
        batch_size=32,
        progress=False,
    )
    sequential = _sequential(
        mlp, make_optimizer, make_scheduler, [0, 1, 2], SMALL, epochs=5, batch_size=32
    )
    _assert_same_histories(runs, sequential)
    assert len({tuple(h.lr) for h in runs}) > 1 and min(h.lr[-1] for h in runs) < 5e-2


def test_fit_seeds_equals_fit_for_a_cnn_through_vmap_and_epoch_steps():
    def make_model(seed):
        return lrlib.models.cnn((1, 8, 8), 10, channels=(4, 8), seed=seed)

    def make_optimizer(model):
        return torch.optim.AdamW(model.parameters(), lr=3e-3)

    def make_scheduler(optimizer):
        return torch_schedulers.StepLR(optimizer, step_size=1, gamma=0.5)

    runs = lrlib.fit_seeds(
        make_model,
        make_optimizer,
        SMALL,
        [3, 4],
        make_scheduler,
        epochs=2,
        batch_size=64,
        step_every="epoch",
        progress=False,
    )
    _assert_same_histories(
        runs,
        _sequential(
            make_model,
            make_optimizer,
            make_scheduler,
            [3, 4],
            SMALL,
            epochs=2,
            batch_size=64,
            step_every="epoch",
        ),
    )
    assert runs[0].lr == [3e-3] * STEPS + [1.5e-3] * STEPS


def test_fit_seeds_one_seed_diverging_leaves_the_others_alone():
    def make_model(seed):
        model = mlp(seed)
        if seed == 1:  # a broken initialisation: the loss is NaN at the first step
            with torch.no_grad():
                model[0].weight.fill_(float("nan"))
        return model

    runs = lrlib.fit_seeds(
        make_model, sgd, SMALL, [0, 1, 2], epochs=2, batch_size=64, progress=False
    )
    assert [bool(h.diverged) for h in runs] == [False, True, False]
    assert runs[1].diverged.step == 0 and runs[1].epochs == 0
    _assert_same_histories(
        runs, _sequential(make_model, sgd, None, [0, 1, 2], SMALL, epochs=2, batch_size=64)
    )
    assert runs.final()["diverged"] == 1
    assert runs.stack("val_acc").shape == (3, 2) and np.isnan(runs.stack("val_acc")[1]).all()


def test_runs_summaries():
    runs = lrlib.fit_seeds(mlp, sgd, SMALL, range(3), epochs=2, batch_size=64, progress=False)
    acc = np.array([h.val_acc for h in runs])
    assert np.allclose(runs.stack("val_acc"), acc)
    assert np.allclose(runs.mean("val_acc"), acc.mean(0)) and np.allclose(
        runs.std("val_acc"), acc.std(0)
    )
    final = runs.final(digits=3)
    assert final["val_acc"] == (round(acc[:, -1].mean(), 3), round(acc[:, -1].std(), 3))
    assert "Runs(seeds=[0, 1, 2]" in repr(runs)
    with pytest.raises(ValueError, match="key must be a per-step or per-epoch field"):
        runs.stack("accuracy")


def test_fit_seeds_progress_respects_tqdm_disable(capfd, monkeypatch):
    monkeypatch.setenv("TQDM_DISABLE", "1")
    lrlib.fit_seeds(mlp, sgd, SMALL, [0, 1], epochs=1, batch_size=64)
    assert capfd.readouterr() == ("", "")


def _with_dropout(seed):
    return nn.Sequential(nn.Linear(64, 10), nn.Dropout(0.1))


def _with_batchnorm(seed):
    return nn.Sequential(nn.Linear(64, 10), nn.BatchNorm1d(10))


@pytest.mark.parametrize(
    "change, error, words",
    [
        ({"seeds": 5}, TypeError, "seeds must be a list of ints such as range"),
        ({"seeds": []}, ValueError, "seeds must not be empty"),
        ({"seeds": [1, 1]}, ValueError, "seeds must be distinct"),
        ({"seeds": [0, -3]}, ValueError, "seed"),
        ({"make_model": "mlp"}, TypeError, "make_model must be callable"),
        (
            {"make_model": lambda s: "model"},
            TypeError,
            r"make_model\(0\) must return a torch.nn.Module",
        ),
        (
            {"make_model": lambda s: lrlib.models.mlp(64, 10, hidden=(8 + s,))},
            ValueError,
            "every seed needs the same architecture",
        ),
        ({"make_model": _with_dropout}, ValueError, "dropout"),
        ({"make_model": _with_batchnorm}, ValueError, "buffers"),
        ({"make_optimizer": lambda m: "sgd"}, TypeError, "make_optimizer"),
        (
            {"make_scheduler": lambda o: torch_schedulers.StepLR(sgd(mlp()), 2)},
            ValueError,
            "built on another optimizer",
        ),
        ({"epochs": 0}, ValueError, "epochs"),
        ({"batch_size": 0}, ValueError, "batch_size"),
        ({"step_every": "iteration"}, ValueError, "step_every"),
    ],
)
def test_fit_seeds_rejects_bad_arguments(change, error, words):
    args = {
        "make_model": mlp,
        "make_optimizer": sgd,
        "data": SMALL,
        "seeds": [0, 1],
        "make_scheduler": None,
        "epochs": 1,
        "batch_size": 64,
        "progress": False,
    }
    args.update(change)
    with pytest.raises(error, match=words):
        lrlib.fit_seeds(**args)


def test_reading_losses_once_per_epoch_gives_the_same_history(monkeypatch):
    """The GPU way (losses kept on the device, read once per epoch), run here on the CPU."""

    def both(run):
        per_step = run()
        monkeypatch.setattr(lrlib.train, "_reads_loss_every_step", lambda device: False)
        per_epoch = run()
        monkeypatch.undo()
        return per_step, per_epoch

    def fit_run(lr):
        model = mlp()
        return quiet_fit(model, torch.optim.SGD(model.parameters(), lr=lr), epochs=2)

    for lr in (0.1, 1e8):  # a normal run and one that diverges at step 3
        a, b = both(lambda lr=lr: fit_run(lr))
        assert a.step_loss[:-1] == b.step_loss[:-1] and a.val_loss == b.val_loss
        assert a.diverged == b.diverged or (a.diverged.step, a.diverged.lr) == (
            b.diverged.step,
            b.diverged.lr,
        )
    a, b = both(
        lambda: lrlib.fit_seeds(mlp, sgd, SMALL, [0, 1], epochs=2, batch_size=64, progress=False)
    )
    assert [h.step_loss for h in a] == [h.step_loss for h in b]
    assert [h.val_acc for h in a] == [h.val_acc for h in b]


# --------------------------------------------------------------------------- CUDA


@pytest.mark.skipif(not torch.cuda.is_available(), reason="needs a CUDA GPU")
def test_cuda_path_matches_cpu():
    cpu_model, gpu_model = mlp(), mlp()
    cpu = quiet_fit(cpu_model, sgd(cpu_model), epochs=2)
    gpu = quiet_fit(gpu_model, sgd(gpu_model), epochs=2, device="cuda")
    assert next(gpu_model.parameters()).device.type == "cuda"
    assert len(gpu.step_loss) == len(cpu.step_loss) and gpu.lr == cpu.lr
    assert np.allclose(gpu.step_loss, cpu.step_loss, atol=1e-4)
    assert np.allclose(gpu.val_acc, cpu.val_acc, atol=0.02)
    runs = lrlib.fit_seeds(
        mlp, sgd, SMALL, [0, 1], epochs=2, batch_size=64, device="cuda", progress=False
    )
    assert np.allclose(runs[0].step_loss, cpu.step_loss, atol=1e-4)
    assert next(runs.models[0].parameters()).device.type == "cuda"
    # divergence on the GPU is read once per epoch and truncated at the same step
    model = mlp()
    hist = quiet_fit(model, torch.optim.SGD(model.parameters(), lr=1e8), epochs=3, device="cuda")
    model = mlp()
    ref = quiet_fit(model, torch.optim.SGD(model.parameters(), lr=1e8), epochs=3)
    assert hist.diverged and hist.diverged.step == ref.diverged.step


def test_optimizer_state_on_another_device_than_the_model_is_refused():
    # A resumed optimizer whose momentum buffers stayed behind when the model moved (the GPU
    # case: model built on the CPU, state loaded, then fit(..., device="cuda")). The meta
    # device stands in for the GPU so the check runs on any machine.
    model = mlp()
    opt = sgd(model)
    lrlib.fit(model, opt, SMALL, epochs=1, batch_size=64, progress=False)
    first = next(iter(opt.state))
    opt.state[first]["momentum_buffer"] = opt.state[first]["momentum_buffer"].to("meta")
    with pytest.raises(
        ValueError,
        match=r"optimizer state 'momentum_buffer' is on meta but its "
        r"parameter is on cpu: move the model",
    ):
        lrlib.fit(model, opt, SMALL, epochs=1, batch_size=64, progress=False)


# --------------------------------------------------------------------------- divergence rule


def test_a_finite_loss_far_above_the_start_is_divergence():
    """SGD at lr=1e4 on digits: the loss jumps to ~1e12 and never comes back; that is divergence."""
    model = lrlib.models.mlp(64, 10, hidden=(128,), seed=0)
    hist = lrlib.fit(
        model,
        torch.optim.SGD(model.parameters(), lr=1e4),
        DIGITS,
        epochs=3,
        batch_size=64,
        progress=False,
    )
    d = hist.diverged
    assert d and math.isfinite(d.loss) and d.loss > lrlib.train.DIVERGENCE_FACTOR * math.log(10)
    # out of range from step 1 on, for PATIENCE steps: stopped at the last of them
    assert d.step == 1 and len(hist.step_loss) == d.step + PATIENCE and hist.epochs == 0
    assert all(lrlib.train.diverges(v, hist.step_loss[0], 10) for v in hist.step_loss[1:])


def test_a_short_excursion_is_not_a_divergence():
    # SGD at lr=10 on digits: the loss leaves the range for a step or two, then settles at
    # chance (a dead network): a failure, but not a divergence
    model = lrlib.models.mlp(64, 10, hidden=(128,), seed=0)
    hist = lrlib.fit(
        model, torch.optim.SGD(model.parameters(), lr=10.0), DIGITS, 2, 64, progress=False
    )
    out = [lrlib.train.diverges(v, hist.step_loss[0], 10) for v in hist.step_loss]
    assert 0 < sum(out) < PATIENCE and not out[-1]
    assert hist.diverged is False and hist.epochs == 2


def test_divergence_watch_patience_nan_and_end():
    bound = lrlib.train.DIVERGENCE_FACTOR * math.log(10)
    high, low = 2 * bound, 1.0
    watch = lrlib.train.DivergenceWatch(10)
    seen = [watch.see(v) for v in [2.3] + [high] * (PATIENCE - 1) + [low]]
    assert not any(seen) and watch.start is None and not watch.finish()
    seen = [watch.see(v) for v in [high] * PATIENCE]
    assert seen == [False] * (PATIENCE - 1) + [True] and watch.start == PATIENCE + 1
    nan = lrlib.train.DivergenceWatch(10)
    assert [nan.see(v) for v in (2.3, high, float("nan"))] == [False, False, True]
    assert nan.start == 1
    ends = lrlib.train.DivergenceWatch(10)
    assert not any(ends.see(v) for v in (2.3, low, high)) and ends.finish()


def test_fit_reports_a_run_that_ends_out_of_range():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    # an lr of 1e4 on the last 3 steps only: the run ends out of range, before PATIENCE
    ramp = torch_schedulers.LambdaLR(optimizer, lambda step: 1e5 if step >= 2 * STEPS - 3 else 1.0)
    hist = quiet_fit(model, optimizer, epochs=2, scheduler=ramp)
    assert hist.diverged and hist.diverged.step >= 2 * STEPS - 3 and hist.epochs == 2


def test_diverges_rule():
    assert lrlib.train.diverges(float("inf"), 2.3, 10) and lrlib.train.diverges(float("nan"), 2, 10)
    limit = lrlib.train.DIVERGENCE_FACTOR * math.log(10)
    assert lrlib.train.diverges(limit * 1.01, 0.1, 10)
    assert not lrlib.train.diverges(limit * 0.99, 0.1, 10)
    # a run that starts high is judged against its own start
    assert not lrlib.train.diverges(limit * 2, 50.0, 10)


def test_range_test_stops_at_a_diverging_loss():
    model = mlp()
    optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
    # stop_factor=inf: only the divergence rule can stop it
    result = lrlib.lr_range_test(
        model, optimizer, SMALL, min_lr=1e-3, max_lr=1e6, steps=60, stop_factor=math.inf
    )
    assert result.stopped == "diverged" and len(result.lrs) < 60
    out = [lrlib.train.diverges(v, result.raw_losses[0], 10) for v in result.raw_losses]
    trailing = len(out) - next(i for i in range(len(out), 0, -1) if not out[i - 1])
    # stopped within PATIENCE steps of leaving the range for good
    assert trailing < PATIENCE and (trailing > 0 or len(out) + 1 < 60)


def test_import_lrlib_does_not_import_pyplot():
    import subprocess
    import sys

    code = (
        "import sys, lrlib; assert 'matplotlib.pyplot' not in sys.modules; "
        "lrlib.plot; assert 'matplotlib.pyplot' in sys.modules"
    )
    subprocess.run([sys.executable, "-c", code], check=True)


# --------------------------------------------------------------------------- sweep

LRS = [0.01, 0.05, 0.3]


def _sweep_vs_fit(make_optimizer, make_scheduler, lrs=LRS, seeds=(0, 1), epochs=2, **kwargs):
    result = lrlib.sweep(
        mlp,
        make_optimizer,
        SMALL,
        lrs,
        seeds,
        make_scheduler,
        epochs=epochs,
        batch_size=64,
        progress=False,
        **kwargs,
    )
    worst = 0.0
    for i, lr in enumerate(lrs):
        sequential = []
        for seed in seeds:
            model = mlp(seed)
            optimizer = make_optimizer(model, lr)
            scheduler = make_scheduler(optimizer, lr) if make_scheduler else None
            sequential.append(
                lrlib.fit(
                    model,
                    optimizer,
                    SMALL,
                    epochs,
                    64,
                    scheduler,
                    seed=seed,
                    progress=False,
                    **kwargs,
                )
            )
        _assert_same_histories(result.histories[i], sequential)
        worst = max(
            [worst]
            + [
                abs(a - b) / max(1, abs(b))
                for h, s in zip(result.histories[i], sequential)
                for a, b in zip(h.step_loss, s.step_loss)
            ]
        )
    return result, worst


def _one_cycle(optimizer, lr):
    return torch_schedulers.OneCycleLR(optimizer, max_lr=lr, total_steps=2 * STEPS)


@pytest.mark.parametrize(
    "make_optimizer",
    [
        lambda m, lr: torch.optim.SGD(m.parameters(), lr=lr),
        lambda m, lr: torch.optim.SGD(m.parameters(), lr=lr, momentum=0.9),
        lambda m, lr: torch.optim.SGD(
            m.parameters(), lr=lr, momentum=0.9, nesterov=True, weight_decay=1e-3
        ),
        lambda m, lr: torch.optim.Adam(m.parameters(), lr=lr / 10),
        lambda m, lr: torch.optim.Adam(m.parameters(), lr=lr / 10, weight_decay=1e-2, amsgrad=True),
        lambda m, lr: torch.optim.AdamW(m.parameters(), lr=lr / 10, weight_decay=0.1),
    ],
    ids=["sgd", "sgd-momentum", "sgd-nesterov-wd", "adam", "adam-wd-amsgrad", "adamw"],
)
@pytest.mark.parametrize("make_scheduler", [None, _one_cycle], ids=["constant", "one-cycle"])
def test_sweep_equals_fit_member_by_member(make_optimizer, make_scheduler):
    result, worst = _sweep_vs_fit(make_optimizer, make_scheduler)
    assert worst <= 1e-5
    assert result.final("val_acc").shape == (3, 2) and not result.diverged.any()


def _per_group(kind, scale=1.0):
    """An optimizer whose output weights get a quarter of the lr (muP's rule has this form)."""

    def make_optimizer(m, lr):
        groups = [
            {"params": [m[0].weight, m[0].bias, m[2].bias]},
            {"params": [m[2].weight], "lr": scale * lr / 4},
        ]
        return kind(groups, lr=scale * lr)

    return make_optimizer


@pytest.mark.parametrize(
    "make_optimizer",
    [
        _per_group(lambda g, lr: torch.optim.SGD(g, lr=lr, momentum=0.9)),
        _per_group(torch.optim.Adam, scale=0.1),
    ],
    ids=["sgd", "adam"],
)
@pytest.mark.parametrize(
    "make_scheduler",
    [
        None,
        lambda o, lr: torch_schedulers.OneCycleLR(
            o, max_lr=[g["lr"] for g in o.param_groups], total_steps=2 * STEPS
        ),
    ],
    ids=["constant", "one-cycle"],
)
def test_sweep_gives_each_parameter_group_its_own_lr(make_optimizer, make_scheduler):
    # Each member's groups keep their own lrs (a multiple of the member's lr), as fit does.
    result, worst = _sweep_vs_fit(make_optimizer, make_scheduler)
    assert worst <= 1e-5


def test_sweep_with_epoch_steps_and_plateau():
    def make_optimizer(m, lr):
        return torch.optim.AdamW(m.parameters(), lr=lr / 10)

    _sweep_vs_fit(
        make_optimizer, lambda o, lr: torch_schedulers.StepLR(o, 1, gamma=0.5), step_every="epoch"
    )
    _sweep_vs_fit(
        make_optimizer,
        lambda o, lr: torch_schedulers.ReduceLROnPlateau(o, factor=0.5, patience=0, threshold=0.1),
        epochs=3,
    )


def test_sweep_result_arrays_and_a_diverging_member():
    def make_optimizer(m, lr):
        return torch.optim.SGD(m.parameters(), lr=lr, momentum=0.9)

    result, _ = _sweep_vs_fit(make_optimizer, None, lrs=[0.05, 0.3, 1e4], epochs=2)
    assert result.diverged[2].all() and not result.diverged[:2].any()
    acc = result.final("val_acc")
    assert np.isnan(acc[2]).all()
    assert acc[0, 1] == result.histories[0][1].val_acc[-1]
    loss = result.final("val_loss")
    assert result.best_lr().tolist() == [[0.05, 0.3][k] for k in np.argmin(loss[:2], axis=0)]
    runs = result.runs(0.3)
    assert isinstance(runs, Runs) and runs.seeds == [0, 1] and runs[1] is result.histories[1][1]
    # each member's trained model comes back (the diverged one as it was when it stopped)
    model = result.models[1][0]
    with torch.no_grad():
        own = (model(SMALL.val[0]).argmax(1) == SMALL.val[1]).double().mean().item()
    assert own == pytest.approx(acc[1, 0], abs=1e-12)
    assert "Sweep(lrs x seeds = 3 x 2" in repr(result)


@pytest.mark.parametrize(
    "change, error, words",
    [
        ({"lrs": 0.1}, TypeError, "lrs must be a list"),
        ({"lrs": []}, ValueError, "lrs must not be empty"),
        ({"lrs": [0.1, -1]}, ValueError, "each lr in lrs must be a finite number > 0, got -1"),
        ({"seeds": [0, 0]}, ValueError, "seeds must be distinct"),
        (
            {"make_optimizer": lambda m, lr: torch.optim.RMSprop(m.parameters(), lr=lr)},
            TypeError,
            "sweep batches SGD, Adam and AdamW; make_optimizer built a RMSprop",
        ),
        (
            {
                "make_optimizer": lambda m, lr: torch.optim.SGD(
                    m.parameters(), lr=lr, nesterov=lr > 0.05, momentum=0.9
                )
            },
            ValueError,
            "nesterov must be the same for every member",
        ),
        ({"make_scheduler": lambda o, lr: "cosine"}, TypeError, "make_scheduler"),
        ({"epochs": 0}, ValueError, "epochs must be a positive int, got 0"),
    ],
)
def test_sweep_rejects_bad_arguments(change, error, words):
    args = {
        "make_model": mlp,
        "make_optimizer": lambda m, lr: torch.optim.SGD(m.parameters(), lr),
        "data": SMALL,
        "lrs": [0.01, 0.1],
        "seeds": [0, 1],
        "epochs": 1,
        "batch_size": 64,
        "progress": False,
    }
    args.update(change)
    with pytest.raises(error, match=words):
        lrlib.sweep(**args)


class _ModalSGD(torch.optim.SGD):
    """An SGD with schedule-free's train()/eval() switches, recording the mode of each step."""

    def __init__(self, params, lr):
        super().__init__(params, lr=lr)
        self.mode, self.modes_at_step = "eval", []

    def train(self):
        self.mode = "train"

    def eval(self):
        self.mode = "eval"

    def step(self, closure=None):
        self.modes_at_step.append(self.mode)
        return super().step(closure)


def test_fit_switches_an_optimizer_with_modes():
    model = mlp()
    optimizer = _ModalSGD(model.parameters(), lr=0.1)
    hist = quiet_fit(model, optimizer, epochs=2)
    assert optimizer.modes_at_step == ["train"] * len(hist.step_loss)
    assert optimizer.mode == "eval"  # evaluated and returned at the eval point


def test_fit_with_schedule_free_validates_at_x():
    schedulefree = pytest.importorskip("schedulefree")
    model = lrlib.models.mlp(64, 10, hidden=(32,), seed=0)
    opt = schedulefree.AdamWScheduleFree(model.parameters(), lr=0.01, warmup_steps=5)
    hist = lrlib.fit(model, opt, DIGITS, 2, 64, progress=False)  # no opt.train() needed
    assert not opt.param_groups[0]["train_mode"]
    loss, acc = lrlib.evaluate(model, DIGITS.val)
    assert hist.val_loss[-1] == pytest.approx(loss, rel=1e-6) and hist.val_acc[-1] == acc
    opt.train()  # y, where the gradients were taken: another point, another loss
    assert lrlib.evaluate(model, DIGITS.val)[0] != pytest.approx(loss, rel=1e-6)
