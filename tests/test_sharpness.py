"""lrlib.sharpness: the top Hessian eigenvalue, checked on quadratics with known eigenvalues."""

import doctest
import sys

import pytest
import torch
import torch.nn.functional as F
from torch import nn

import lrlib
from lrlib import sharpness


class Quadratic(nn.Module):
    """Weights ``w`` (split over two parameters); the loss 0.5 w^T A w + b^T w has Hessian A."""

    def __init__(self, n):
        super().__init__()
        self.a = nn.Parameter(torch.randn(n - n // 2, dtype=torch.float64))
        self.b = nn.Parameter(torch.randn(n // 2, dtype=torch.float64))

    def forward(self, x):
        return torch.cat([self.a, self.b])


def quadratic_loss(w, target):
    A, b = target
    return 0.5 * w @ A @ w + b @ w


def _matrix(eigenvalues, seed=0):
    """A symmetric matrix with the given eigenvalues in a random orthonormal basis."""
    gen = torch.Generator().manual_seed(seed)
    q, _ = torch.linalg.qr(
        torch.randn(len(eigenvalues), len(eigenvalues), generator=gen, dtype=torch.float64)
    )
    return q @ torch.diag(torch.tensor(eigenvalues, dtype=torch.float64)) @ q.T


@pytest.mark.parametrize(
    "eigenvalues",
    [
        [10.0, 3.0, 1.0, 0.5, 0.1],
        [7.0, -2.0, 0.3, 1.0],  # an indefinite Hessian: the top one, not the largest |.|
        [4.0, -9.0, 1.0, 2.0, -1.0],  # the most negative has the largest magnitude
    ],
)
def test_top_eigenvalue_of_a_quadratic(eigenvalues):
    torch.manual_seed(1)
    model = Quadratic(len(eigenvalues))
    A = _matrix(eigenvalues)
    b = torch.randn(len(eigenvalues), dtype=torch.float64)
    top = sharpness(model, quadratic_loss, (None, (A, b)), iters=200)
    assert top == pytest.approx(max(eigenvalues), rel=1e-6)


def test_does_not_depend_on_the_point_for_a_quadratic():
    model = Quadratic(4)
    A = _matrix([5.0, 2.0, 1.0, 0.1], seed=3)
    b = torch.zeros(4, dtype=torch.float64)
    first = sharpness(model, quadratic_loss, (None, (A, b)), iters=100)
    with torch.no_grad():
        model.a.add_(3.0)
    assert sharpness(model, quadratic_loss, (None, (A, b)), iters=100) == pytest.approx(first)
    assert first == pytest.approx(5.0, rel=1e-6)


def test_matches_the_full_hessian_of_a_small_network():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 4), nn.Tanh(), nn.Linear(4, 2)).double()
    x, y = torch.randn(16, 3, dtype=torch.float64), torch.randint(2, (16,))
    params = list(model.parameters())
    shapes = [p.shape for p in params]
    flat = torch.cat([p.detach().reshape(-1) for p in params])

    def loss_of(vec):
        chunks, i = [], 0
        for s in shapes:
            n = s.numel()
            chunks.append(vec[i : i + n].view(s))
            i += n
        h = torch.tanh(x @ chunks[0].T + chunks[1])
        return F.cross_entropy(h @ chunks[2].T + chunks[3], y)

    exact = torch.linalg.eigvalsh(torch.autograd.functional.hessian(loss_of, flat)).max()
    got = sharpness(model, F.cross_entropy, (x, y), iters=300)
    assert got == pytest.approx(float(exact), rel=1e-4)


def test_leaves_model_and_grads_alone_and_is_seeded():
    torch.manual_seed(0)
    model = nn.Sequential(nn.Linear(3, 5), nn.Tanh(), nn.Linear(5, 2))
    model.eval()
    x, y = torch.randn(8, 3), torch.randint(2, (8,))
    before = [p.detach().clone() for p in model.parameters()]
    a = sharpness(model, F.cross_entropy, (x, y), iters=5, seed=4)
    b = sharpness(model, F.cross_entropy, (x, y), iters=5, seed=4)
    assert a == b
    assert not model.training
    assert all(p.grad is None for p in model.parameters())
    assert all(torch.equal(p, q) for p, q in zip(model.parameters(), before))


def test_bad_arguments():
    model = Quadratic(2)
    batch = (None, (torch.eye(2, dtype=torch.float64), torch.zeros(2, dtype=torch.float64)))
    with pytest.raises(ValueError, match="iters"):
        sharpness(model, quadratic_loss, batch, iters=0)
    with pytest.raises(TypeError, match="seed"):
        sharpness(model, quadratic_loss, batch, seed=1.5)
    with pytest.raises(TypeError, match="model"):
        sharpness("model", quadratic_loss, batch)
    with pytest.raises(TypeError, match="batch"):
        sharpness(model, quadratic_loss, torch.zeros(2))
    with pytest.raises(TypeError, match="loss_fn"):
        sharpness(model, None, batch)


def test_exported_and_doctest():
    assert lrlib.sharpness is sharpness
    result = doctest.testmod(sys.modules["lrlib.sharpness"], extraglobs={"nn": nn, "torch": torch})
    assert result.attempted >= 1 and result.failed == 0
