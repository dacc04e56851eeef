"""lrlib.evaluate: a trained model's loss and accuracy on one split, as fit records them."""

import pytest
import torch
import torch.nn.functional as F

import lrlib
from lrlib.data import Splits

DIGITS = lrlib.data.digits(seed=0)
SMALL = Splits(
    train=(DIGITS.train[0][:256], DIGITS.train[1][:256]),
    val=(DIGITS.val[0][:128], DIGITS.val[1][:128]),
    test=(DIGITS.test[0][:100], DIGITS.test[1][:100]),
    n_classes=10,
)


def mlp(seed=0):
    return lrlib.models.mlp(64, 10, hidden=(32,), seed=seed)


def test_evaluate_equals_the_formula_on_the_test_split():
    model = mlp()
    lrlib.fit(
        model,
        torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9),
        SMALL,
        epochs=10,
        batch_size=64,
        progress=False,
    )
    loss, accuracy = lrlib.evaluate(model, SMALL.test)
    X, y = SMALL.test
    with torch.no_grad():
        logits = model(X)
    assert isinstance(loss, float) and isinstance(accuracy, float)
    assert loss == pytest.approx(F.cross_entropy(logits, y).item(), rel=1e-6)
    assert accuracy == (logits.argmax(1) == y).double().mean().item()
    assert 0.3 < accuracy <= 1.0  # trained: well above chance (0.1)


def test_evaluate_matches_what_fit_records_for_validation():
    model = mlp(seed=3)
    hist = lrlib.fit(
        model,
        torch.optim.SGD(model.parameters(), lr=0.05),
        SMALL,
        epochs=2,
        batch_size=64,
        progress=False,
    )
    assert lrlib.evaluate(model, SMALL.val) == (hist.val_loss[-1], hist.val_acc[-1])


def test_evaluate_on_fit_seeds_models_gives_each_seed_its_own_numbers():
    runs = lrlib.fit_seeds(
        mlp,
        lambda m: torch.optim.SGD(m.parameters(), lr=0.1),
        SMALL,
        seeds=[0, 1],
        epochs=2,
        batch_size=64,
        progress=False,
    )
    for hist, model in zip(runs, runs.models):
        loss, accuracy = lrlib.evaluate(model, SMALL.val)
        assert loss == pytest.approx(hist.val_loss[-1], rel=1e-5)
        assert accuracy == pytest.approx(hist.val_acc[-1], abs=1e-12)
    assert lrlib.evaluate(runs.models[0], SMALL.test) != lrlib.evaluate(runs.models[1], SMALL.test)


def test_evaluate_restores_the_mode_and_leaves_weights_alone():
    model = mlp()
    model.train()
    before = [p.detach().clone() for p in model.parameters()]
    lrlib.evaluate(model, SMALL.test)
    assert model.training
    model.eval()
    lrlib.evaluate(model, SMALL.test)
    assert not model.training
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))


@pytest.mark.parametrize(
    "model, split, error, words",
    [
        ("not a model", SMALL.test, TypeError, "model must be a torch.nn.Module, got str"),
        (mlp(), DIGITS.test[0], TypeError, "split must be a pair (X, y)"),
        (
            mlp(),
            (DIGITS.test[0], DIGITS.test[1][:5]),
            ValueError,
            "split has 359 feature rows but 5",
        ),
        (mlp(), (DIGITS.test[0].long(), DIGITS.test[1]), TypeError, "split features must be"),
        (
            lrlib.models.mlp(64, 5, hidden=(8,)),
            SMALL.test,
            ValueError,
            "n_classes >= 10 (the labels go up to 9); for a batch of 2 it returned (2, 5)",
        ),
    ],
)
def test_evaluate_rejects_bad_arguments(model, split, error, words):
    with pytest.raises(error) as info:
        lrlib.evaluate(model, split)
    assert words in str(info.value)
