"""lrlib.total_steps against real two-process DDP training with Lightning on the CPU (gloo).

One launch of a small script (written to a temporary folder) does every run: Lightning's
``strategy="ddp"`` starts a second process that runs the script too, and each process writes
what it saw. The tests then check lrlib's step count against the steps the Trainer made, that
both processes used the same learning rate at every step, and ReduceLROnPlateau with and
without ``sync_dist``. The launch costs two Python start-ups with torch and Lightning (about
15 s on two idle cores), so the tests share it.
"""

import json
import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

import lrlib

pytest.importorskip("lightning")
pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[1]
N_TRAIN = len(lrlib.data.digits().train[0])
EPOCHS = 2
# (devices, batch_size, accumulate_grad_batches, drop_last): shares that split unevenly
# (N_TRAIN = 1079 is odd: the sampler repeats one example so each rank gets 540, which with
# batches of 36 and drop_last makes 15 full batches, not 14), partial accumulation groups
# and dropped last batches.
COUNTS = [
    (2, 32, 1, False),
    (2, 32, 3, False),
    (2, 50, 2, True),
    (2, 16, 4, True),
    (2, 36, 2, True),
    (1, 32, 4, False),
    (1, 50, 2, True),
]
PLATEAU_EPOCHS = 4

SCRIPT = textwrap.dedent("""
    import json, logging, os, warnings

    import lightning as L
    import torch
    import torch.nn.functional as F
    from torch.utils.data import DataLoader, TensorDataset

    import lrlib

    torch.set_num_threads(1)
    logging.getLogger("lightning.pytorch").setLevel(logging.ERROR)
    warnings.simplefilter("ignore")
    folder = os.path.dirname(os.path.abspath(__file__))
    with open(os.path.join(folder, "runs.json")) as f:
        runs = json.load(f)
    data = lrlib.data.digits()
    X, y = data.val
    # Rank 0's validation share has the true labels, rank 1's the labels shifted by one.
    val = TensorDataset(X.repeat_interleave(2, 0), torch.stack([y, (y + 1) % 10], 1).flatten())


    class Recorder(L.Callback):
        def __init__(self):
            self.lrs = []

        def on_before_optimizer_step(self, trainer, module, optimizer):
            self.lrs.append(optimizer.param_groups[0]["lr"])


    class Net(L.LightningModule):
        def __init__(self, run):
            super().__init__()
            self.run = run
            self.model = lrlib.models.mlp(64, 10, hidden=(16,), seed=0)
            self.scheduler_steps, self.metrics_seen, self.shard_losses = 0, [], []

        def training_step(self, batch, batch_idx):
            return F.cross_entropy(self.model(batch[0]), batch[1])

        def validation_step(self, batch, batch_idx):
            loss = F.cross_entropy(self.model(batch[0]), batch[1])
            self.shard_losses.append(loss.item())
            self.log("val_loss", loss, sync_dist=self.run["sync_dist"])

        def configure_optimizers(self):
            opt = torch.optim.SGD(self.parameters(), lr=0.1, momentum=0.9)
            if self.run["plateau"]:
                return {"optimizer": opt, "lr_scheduler": {"monitor": "val_loss", "scheduler":
                        lrlib.ReduceLROnPlateau(opt, factor=0.5, patience=0)}}
            return {"optimizer": opt, "lr_scheduler": {"interval": "step", "scheduler":
                    lrlib.OneCycleLR(opt, max_lr=0.1,
                                     total_steps=self.trainer.estimated_stepping_batches)}}

        def lr_scheduler_step(self, scheduler, metric):
            self.scheduler_steps += 1
            if metric is not None:
                self.metrics_seen.append(float(metric))
            super().lr_scheduler_step(scheduler, metric)


    os.makedirs(os.path.join(folder, "results"), exist_ok=True)
    for run in sorted(runs, key=lambda run: -run["devices"]):  # the first run starts rank 1
        if run["devices"] == 1 and torch.distributed.is_initialized() \\
                and torch.distributed.get_rank() > 0:
            continue
        lrlib.seed_everything(0)
        train = DataLoader(TensorDataset(*data.train), batch_size=run["batch_size"],
                           shuffle=True, drop_last=run["drop_last"])
        recorder, module = Recorder(), Net(run)
        trainer = L.Trainer(
            accelerator="cpu", devices=run["devices"], max_epochs=run["epochs"],
            strategy="ddp" if run["devices"] > 1 else "auto",
            accumulate_grad_batches=run["accumulate"], callbacks=[recorder], logger=False,
            num_sanity_val_steps=0, enable_checkpointing=False, enable_progress_bar=False,
            enable_model_summary=False)
        val_loaders = [DataLoader(val, batch_size=len(X))] if run["plateau"] else []
        trainer.fit(module, train, val_loaders)
        record = {"estimated": trainer.estimated_stepping_batches,
                  "global_step": trainer.global_step, "scheduler_steps": module.scheduler_steps,
                  "lrs": recorder.lrs, "metrics_seen": module.metrics_seen,
                  "shard_losses": module.shard_losses,
                  "weights": [p.detach().flatten().tolist() for p in module.parameters()]}
        name = os.path.join(folder, "results", f"{run['name']}.rank{trainer.global_rank}.json")
        with open(name, "w") as f:
            json.dump(record, f)
""")


def _name(devices, batch, accumulate, drop_last):
    return f"d{devices}-b{batch}-a{accumulate}-drop{int(drop_last)}"


@pytest.fixture(scope="module")
def results(tmp_path_factory):
    """results[run name][rank]: what each process recorded, from one launch."""
    folder = tmp_path_factory.mktemp("ddp")
    runs = [
        {
            "name": _name(*c),
            "devices": c[0],
            "batch_size": c[1],
            "accumulate": c[2],
            "drop_last": c[3],
            "epochs": EPOCHS,
            "plateau": False,
            "sync_dist": False,
        }
        for c in COUNTS
    ]
    runs += [
        {
            "name": f"plateau-sync{int(s)}",
            "devices": 2,
            "batch_size": 32,
            "accumulate": 1,
            "drop_last": False,
            "epochs": PLATEAU_EPOCHS,
            "plateau": True,
            "sync_dist": s,
        }
        for s in (True, False)
    ]
    (folder / "train_ddp.py").write_text(SCRIPT)
    (folder / "runs.json").write_text(json.dumps(runs))
    env = dict(
        os.environ,
        PYTHONPATH=os.pathsep.join([str(ROOT)] + [p for p in [os.environ.get("PYTHONPATH")] if p]),
    )
    proc = subprocess.Popen(
        [sys.executable, "train_ddp.py"],
        cwd=folder,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        start_new_session=True,
    )
    try:
        _, err = proc.communicate(timeout=300)
    except subprocess.TimeoutExpired:
        os.killpg(proc.pid, signal.SIGKILL)  # the script and the rank it started
        proc.communicate()
        pytest.fail("the DDP script ran for more than 300 s")
    assert proc.returncode == 0, err[-4000:]
    found = {}
    for path in sorted((folder / "results").glob("*.json")):
        run, rank = path.stem.split(".rank")
        found.setdefault(run, {})[int(rank)] = json.loads(path.read_text())
    return found


@pytest.mark.parametrize("config", COUNTS, ids=[_name(*c) for c in COUNTS])
def test_total_steps_equals_the_trainers_steps(results, config):
    devices, batch, accumulate, drop_last = config
    by_rank = results[_name(*config)]
    assert sorted(by_rank) == list(range(devices))
    expected = lrlib.total_steps(N_TRAIN, batch, EPOCHS, devices, accumulate, drop_last=drop_last)
    for record in by_rank.values():
        assert record["scheduler_steps"] == expected
        assert record["global_step"] == expected
        assert record["estimated"] == expected
        assert len(record["lrs"]) == expected


def test_every_rank_uses_the_same_lr_at_every_step(results):
    two_process = [results[_name(*c)] for c in COUNTS if c[0] == 2]
    two_process.append(results["plateau-sync1"])
    for by_rank in two_process:
        assert by_rank[0]["lrs"] == by_rank[1]["lrs"]
        assert by_rank[0]["weights"] == by_rank[1]["weights"]
    # and the one-cycle runs ran their whole cycle: the last step is near zero
    assert all(by_rank[0]["lrs"][-1] < 1e-5 for by_rank in two_process[:-1])


def test_synced_plateau_acts_on_the_mean_over_ranks_on_every_rank(results):
    synced = results["plateau-sync1"]
    mean = np.mean([synced[0]["shard_losses"], synced[1]["shard_losses"]], axis=0)
    assert synced[0]["shard_losses"] != synced[1]["shard_losses"]
    for rank in (0, 1):
        assert len(synced[rank]["metrics_seen"]) == PLATEAU_EPOCHS
        np.testing.assert_allclose(synced[rank]["metrics_seen"], mean, rtol=1e-6)
    per_epoch = len(synced[0]["lrs"]) // PLATEAU_EPOCHS
    lrs = synced[0]["lrs"][::per_epoch]
    assert lrs == synced[1]["lrs"][::per_epoch]
    np.testing.assert_allclose(
        lrs,
        lrlib.preview(lrlib.ReduceLROnPlateau, lr=0.1, factor=0.5, patience=0, metrics=mean),
        rtol=1e-12,
    )
    assert min(lrs) < 0.1  # the plateau did cut


def test_unsynced_plateau_acts_on_each_ranks_own_metric_and_ranks_diverge(results):
    unsynced = results["plateau-sync0"]
    for rank in (0, 1):
        assert unsynced[rank]["metrics_seen"] == unsynced[rank]["shard_losses"]
    assert unsynced[0]["lrs"] != unsynced[1]["lrs"]
    assert unsynced[0]["weights"] != unsynced[1]["weights"]
