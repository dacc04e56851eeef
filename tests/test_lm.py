"""lrlib.lm: train_lm and eval_lm on the pydoc text corpus with a very small transformer."""

import math

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import lrlib
from lrlib.lm import LMHistory, eval_lm, train_lm


@pytest.fixture(scope="module")
def corpus():
    return lrlib.data.text(block=16)


def _model(corpus, seed=0, **kwargs):
    kwargs = {"d_model": 16, "n_layers": 1, "n_heads": 2, **kwargs}
    return lrlib.models.tiny_transformer(corpus.vocab_size, corpus.block, seed=seed, **kwargs)


def _run(corpus, seed=0, steps=12, **kwargs):
    model = _model(corpus)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    hist = train_lm(
        model, opt, corpus, steps=steps, batch_size=8, seed=seed, eval_windows=40, **kwargs
    )
    return model, hist


def test_eval_lm_is_the_mean_cross_entropy_over_the_windows(corpus):
    model = _model(corpus)
    x, y = corpus.windows("val")
    x, y = x[:50], y[:50]
    with torch.no_grad():
        logits = model(x)
    expected = F.cross_entropy(logits.reshape(-1, corpus.vocab_size), y.reshape(-1)).item()
    assert eval_lm(model, corpus, max_windows=50) == pytest.approx(expected, rel=1e-6)
    assert eval_lm(model, corpus, max_windows=50, batch_size=7) == pytest.approx(expected, rel=1e-6)
    assert abs(expected - math.log(corpus.vocab_size)) < 0.1  # untrained: about uniform
    model.train()
    eval_lm(model, corpus, max_windows=5)
    assert model.training  # mode restored


def test_train_lm_records_every_step_and_the_evaluations(corpus):
    model, hist = _run(corpus, steps=20, eval_every=7)
    assert isinstance(hist, LMHistory)
    assert len(hist.lr) == len(hist.step_loss) == 20 and hist.diverged is None
    assert hist.eval_step == [7, 14, 20] and len(hist.val_loss) == 3
    assert hist.val_loss[-1] == pytest.approx(eval_lm(model, corpus, max_windows=40), rel=1e-6)
    assert "steps=20" in repr(hist)


def test_train_lm_is_fixed_by_the_seed_and_leaves_global_rng_alone(corpus):
    state = torch.get_rng_state()
    _, a = _run(corpus, seed=1)
    _, b = _run(corpus, seed=1)
    _, c = _run(corpus, seed=2)
    assert torch.equal(torch.get_rng_state(), state)
    assert a.step_loss == b.step_loss and a.val_loss == b.val_loss
    assert a.step_loss != c.step_loss


def test_a_run_resumed_at_a_step_is_the_uninterrupted_run(corpus):
    # 6 steps, a checkpoint, 6 more from start_step=6: the same batches, the same losses
    whole_model, whole = _run(corpus, seed=3, steps=12)
    model = _model(corpus)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    first = train_lm(model, opt, corpus, steps=6, batch_size=8, seed=3, eval_windows=40)
    state = lrlib.utils.round_trip({"model": model.state_dict(), "opt": opt.state_dict()})
    model = _model(corpus, seed=9)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    model.load_state_dict(state["model"])
    opt.load_state_dict(state["opt"])
    rest = train_lm(
        model, opt, corpus, steps=6, batch_size=8, seed=3, start_step=6, eval_windows=40
    )
    assert first.step_loss + rest.step_loss == pytest.approx(whole.step_loss, rel=1e-5)
    assert rest.eval_step == [12] and rest.val_loss == pytest.approx(whole.val_loss, rel=1e-5)
    skipped = next(corpus.batches(8, seed=3, start=6))
    stream = corpus.batches(8, seed=3)
    for _ in range(6):
        next(stream)
    assert all(torch.equal(a, b) for a, b in zip(skipped, next(stream)))


def test_train_lm_steps_the_scheduler_once_per_step(corpus):
    model = _model(corpus)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: 1 / (t + 1))
    hist = train_lm(model, opt, corpus, steps=5, batch_size=4, scheduler=sched, eval_windows=4)
    assert hist.lr == pytest.approx([0.1 / (t + 1) for t in range(5)])


def test_train_lm_steps_plateau_at_evaluations(corpus):
    model = _model(corpus)
    opt = torch.optim.SGD(model.parameters(), lr=0.0)  # the loss stays flat
    sched = torch.optim.lr_scheduler.ReduceLROnPlateau(opt, patience=0, factor=0.5)
    opt.param_groups[0]["lr"] = 1e-12
    hist = train_lm(
        model, opt, corpus, steps=6, batch_size=4, scheduler=sched, eval_every=2, eval_windows=4
    )
    # plateau stepped after steps 2, 4 and 6: the first sets the best, the next two halve
    assert hist.lr == pytest.approx([1e-12] * 4 + [5e-13] * 2)
    assert opt.param_groups[0]["lr"] == pytest.approx(2.5e-13)


def test_train_lm_learns_more_than_character_counts(corpus):
    text = lrlib.data.text(block=32)
    model = lrlib.models.tiny_transformer(text.vocab_size, 32, d_model=32, n_layers=1, n_heads=2)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-2)
    hist = train_lm(model, opt, text, steps=100, batch_size=16, eval_windows=200)
    assert hist.val_loss[-1] < text.unigram_loss - 0.2


class _Bomb(nn.Module):
    """Logits from an embedding, NaN from the fourth forward pass in training on."""

    def __init__(self, vocab_size):
        super().__init__()
        self.emb = nn.Embedding(vocab_size, vocab_size)
        self.calls = 0

    def forward(self, ids):
        self.calls += self.training
        out = self.emb(ids)
        return out * float("nan") if self.calls >= 4 else out


def test_train_lm_stops_at_the_first_non_finite_loss(corpus):
    model = _Bomb(corpus.vocab_size)
    opt = torch.optim.SGD(model.parameters(), lr=0.1)
    hist = train_lm(model, opt, corpus, steps=10, batch_size=4, eval_every=2, eval_windows=4)
    assert hist.diverged == 3 and len(hist.step_loss) == len(hist.lr) == 4
    assert math.isnan(hist.step_loss[-1]) and hist.eval_step == [2]
    assert "diverged at step 3" in repr(hist)


def test_train_lm_clips_the_gradient_norm(corpus):
    model = _model(corpus)
    before = [p.detach().clone() for p in model.parameters()]
    opt = torch.optim.SGD(model.parameters(), lr=1.0)
    train_lm(model, opt, corpus, steps=1, batch_size=4, max_grad_norm=1e-3, eval_windows=1)
    moved = torch.cat([(p.detach() - b).reshape(-1) for p, b in zip(model.parameters(), before)])
    assert float(moved.norm()) == pytest.approx(1e-3, rel=1e-3)  # one SGD step of the clipped norm


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"corpus": "text"}, TypeError, "corpus must be an lrlib.data.Text"),
        ({"steps": 0}, ValueError, "steps must be a positive int"),
        ({"batch_size": 2.0}, TypeError, "batch_size"),
        ({"eval_every": 0}, ValueError, "eval_every"),
        ({"seed": -1}, ValueError, "seed"),
        ({"start_step": -3}, ValueError, "start_step must be a non-negative int, got -3"),
        ({"start_step": 1.5}, TypeError, "start_step must be a non-negative int"),
        ({"max_grad_norm": 0}, ValueError, "max_grad_norm must be a positive number"),
        ({"scheduler": "cosine"}, TypeError, "scheduler must be an lr scheduler"),
        ({"model": "gpt"}, TypeError, "model must be a torch.nn.Module"),
    ],
)
def test_train_lm_rejects_bad_arguments(corpus, kwargs, error, words):
    model = _model(corpus)
    args = {
        "model": model,
        "optimizer": torch.optim.SGD(model.parameters(), lr=0.1),
        "corpus": corpus,
        "steps": 2,
        "batch_size": 4,
        **kwargs,
    }
    with pytest.raises(error, match=words):
        train_lm(**args)


def test_eval_lm_rejects_bad_arguments(corpus):
    model = _model(corpus)
    with pytest.raises(ValueError, match="split must be 'train' or 'val'"):
        eval_lm(model, corpus, split="test")
    with pytest.raises(ValueError, match="max_windows"):
        eval_lm(model, corpus, max_windows=0)
    with pytest.raises(TypeError, match="corpus"):
        eval_lm(model, "text")
