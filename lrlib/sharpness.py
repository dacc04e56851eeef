"""Sharpness: the largest eigenvalue of the loss's Hessian with respect to the weights.

Gradient descent at learning rate ``lr`` on a quadratic is stable only where every
curvature is below ``2 / lr``; the largest Hessian eigenvalue (the *sharpness*) is
the curvature that decides it. :func:`sharpness` estimates it without forming the
Hessian, by power iteration on Hessian-vector products
``H v = d/dw (grad L(w) . v)`` computed with :func:`torch.autograd.grad`.
"""

import math
from collections.abc import Callable, Sequence

import torch
from torch import nn

from . import _checks

__all__ = ["sharpness"]


def _dot(a, b):
    return sum((x * y).sum() for x, y in zip(a, b))


def _normalized(vs):
    norm = math.sqrt(float(_dot(vs, vs)))
    if norm == 0.0:
        return None
    return [v / norm for v in vs]


def _power_iteration(hvp, v, iters, shift=0.0):
    """Power iteration on ``H - shift*I``: its eigenvalue of largest magnitude (Rayleigh)."""
    value = 0.0
    for _ in range(iters):
        hv = [h - shift * x for h, x in zip(hvp(v), v)]
        value = float(_dot(v, hv))
        nxt = _normalized(hv)
        if nxt is None:  # H v = shift v exactly: v is an eigenvector
            return value
        v = nxt
    return value


def sharpness(
    model: nn.Module, loss_fn: Callable, batch: Sequence, iters: int = 20, seed: int = 0
) -> float:
    """The top eigenvalue of the Hessian of ``loss_fn(model(x), y)`` in the model's weights.

    With ``L(w)`` the loss on ``batch = (x, y)`` and ``H = \\nabla^2 L(w)`` over
    every parameter that requires a gradient, power iteration repeats
    ``v <- H v / ||H v||`` from a random unit ``v`` (drawn from ``seed``) and
    returns the Rayleigh quotient ``v^T H v`` after ``iters`` products. This
    converges to the eigenvalue of largest magnitude; if that one is negative, a
    second pass on ``H - lambda I`` finds the top (most positive) eigenvalue. The
    model's mode, its weights and their ``.grad`` are left unchanged (the
    products use :func:`torch.autograd.grad`); dropout, if on, makes ``H``
    random, so call it on a model in eval mode or without dropout.

    Args:
        model: maps ``x`` to the input of ``loss_fn``.
        loss_fn: ``loss_fn(model(x), y)`` returns a scalar tensor (e.g.
            ``torch.nn.functional.cross_entropy``).
        batch: ``(x, y)``.
        iters: Hessian-vector products per pass, >= 1.
        seed: seeds the starting vector.

    Returns:
        The estimate of the largest Hessian eigenvalue, a float. Gradient descent
        at learning rate ``lr`` is stable on a quadratic with this curvature when
        it is below ``2 / lr``.

    Example: the loss ``0.5 * (3 a^2 + b^2)`` has Hessian ``diag(3, 1)``.

        >>> w = nn.Linear(2, 1, bias=False)
        >>> quadratic = lambda out, h: 0.5 * (h * w.weight[0] ** 2).sum()
        >>> round(sharpness(w, quadratic, (torch.zeros(1, 2), torch.tensor([3.0, 1.0]))), 4)
        3.0
    """
    if not isinstance(model, nn.Module):
        raise TypeError(f"model must be a torch.nn.Module, got {type(model).__name__}")
    if not callable(loss_fn):
        raise TypeError(f"loss_fn must be callable, got {loss_fn!r}")
    if not isinstance(batch, (tuple, list)) or len(batch) != 2:
        raise TypeError(f"batch must be a pair (x, y), got {type(batch).__name__}")
    iters = _checks.positive_int("iters", iters)
    seed = _checks.seed("seed", seed)
    params = [p for p in model.parameters() if p.requires_grad]
    if not params:
        raise ValueError("model has no parameter that requires a gradient")
    x, y = batch
    loss = loss_fn(model(x), y)
    if not isinstance(loss, torch.Tensor) or loss.numel() != 1:
        raise ValueError(f"loss_fn must return a scalar tensor, got {loss!r:.60}")
    grads = torch.autograd.grad(loss, params, create_graph=True, allow_unused=True)
    grads = [torch.zeros_like(p) if g is None else g for p, g in zip(params, grads)]

    def hvp(v):
        out = torch.autograd.grad(_dot(grads, v), params, retain_graph=True, allow_unused=True)
        return [torch.zeros_like(p) if h is None else h.detach() for p, h in zip(params, out)]

    gen = torch.Generator().manual_seed(seed)
    start = [torch.randn(p.shape, generator=gen, dtype=p.dtype).to(p.device) for p in params]
    v = _normalized(start)
    value = _power_iteration(hvp, v, iters)
    if value < 0:
        value += _power_iteration(hvp, v, iters, shift=value)
    return value
