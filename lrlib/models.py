"""The small models the lessons train, built reproducibly from a seed.

:func:`mlp` and :func:`cnn` return a plain ``nn.Sequential`` that takes
flattened inputs ``(batch, features)``, the layout of :mod:`lrlib.data`, and
returns one logit per class. :func:`tiny_transformer` is a character-level
language model for :func:`lrlib.data.text`: ids ``(batch, T)`` in, logits
``(batch, T, vocab_size)`` out. With ``seed`` set (the default), the initial
weights depend on the seed only, and torch's global random state is left as
it was.
"""

import math
from typing import Optional

import numpy as np
import torch
import torch.nn.functional as F
from torch import nn

from . import _checks

__all__ = ["mlp", "cnn", "tiny_transformer", "TinyTransformer", "n_params"]

_ACTIVATIONS = {
    "relu": nn.ReLU,
    "tanh": nn.Tanh,
    "gelu": nn.GELU,
    "sigmoid": nn.Sigmoid,
    "silu": nn.SiLU,
}


def _int_tuple(name, value, allow_empty=True):
    if isinstance(value, (int, np.integer)) and not isinstance(value, bool):
        value = (value,)
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{name} must be a tuple of ints, got {value!r}")
    if not value and not allow_empty:
        raise ValueError(f"{name} must not be empty, got {value!r}")
    for v in value:
        _checks.positive_int(f"each entry of {name}", v)
    return tuple(int(v) for v in value)


def _build(seed, make):
    """Call ``make()`` with torch's CPU generator seeded by ``seed`` (None: global RNG)."""
    if seed is None:
        return make()
    seed = _checks.seed("seed (an int or None)", seed)
    with torch.random.fork_rng(devices=[]):
        torch.default_generator.manual_seed(int(seed))
        return make()


def mlp(in_features, n_classes, hidden=(128,), activation="relu", seed=0):
    """A multilayer perceptron: ``Linear -> activation`` per width in ``hidden``, then ``Linear``.

    ``mlp(64, 10, hidden=(128,))`` is 64 -> 128 -> ReLU -> 10, torch's default
    initialisation drawn from ``seed`` (``None``: from torch's global RNG).
    ``activation`` is one of ``relu``, ``tanh``, ``gelu``, ``sigmoid``, ``silu``.
    """
    in_features = _checks.positive_int("in_features", in_features)
    n_classes = _checks.positive_int("n_classes", n_classes)
    hidden = _int_tuple("hidden", hidden)
    if activation not in _ACTIVATIONS:
        raise ValueError(f"activation must be one of {sorted(_ACTIVATIONS)}, got {activation!r}")

    def make():
        layers, width = [], in_features
        for h in hidden:
            layers += [nn.Linear(width, h), _ACTIVATIONS[activation]()]
            width = h
        layers.append(nn.Linear(width, n_classes))
        return nn.Sequential(*layers)

    return _build(seed, make)


def cnn(input_shape=(1, 8, 8), n_classes=10, channels=(16, 32), seed=0):
    """A small convolutional network for flattened images of shape ``input_shape`` (C, H, W).

    For each entry of ``channels``: 3x3 convolution (padding 1) -> ReLU -> 2x2
    max pooling; then one ``Linear`` to ``n_classes``. Takes the flattened
    ``(batch, C*H*W)`` rows of :mod:`lrlib.data` (an ``Unflatten`` folds them
    back), so it trains on the same tensors as :func:`mlp`: ``(1, 8, 8)`` for
    digits, ``(1, 28, 28)`` for MNIST.
    """
    input_shape = _int_tuple("input_shape", input_shape, allow_empty=False)
    if len(input_shape) != 3:
        raise ValueError(f"input_shape must be (channels, height, width), got {input_shape!r}")
    n_classes = _checks.positive_int("n_classes", n_classes)
    channels = _int_tuple("channels", channels, allow_empty=False)
    c, h, w = input_shape
    shrink = 2 ** len(channels)
    if h < shrink or w < shrink:
        raise ValueError(
            f"input_shape {input_shape} is too small for {len(channels)} 2x2 poolings "
            f"(height and width must be >= {shrink})"
        )

    def make():
        layers, width = [nn.Unflatten(1, input_shape)], c
        for out in channels:
            layers += [nn.Conv2d(width, out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            width = out
        layers += [nn.Flatten(), nn.Linear(width * (h // shrink) * (w // shrink), n_classes)]
        return nn.Sequential(*layers)

    return _build(seed, make)


class _Block(nn.Module):
    """Pre-norm transformer block: ``x + attn(ln(x))``, then ``x + mlp(ln(x))``, causal."""

    def __init__(self, d_model, n_heads, hidden, dropout):
        super().__init__()
        self.n_heads, self.dropout = n_heads, dropout
        self.ln1, self.ln2 = nn.LayerNorm(d_model), nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.mlp = nn.Sequential(
            nn.Linear(d_model, hidden), nn.GELU(), nn.Linear(hidden, d_model), nn.Dropout(dropout)
        )

    def forward(self, x):
        B, T, D = x.shape
        q, k, v = self.qkv(self.ln1(x)).view(B, T, 3, self.n_heads, D // self.n_heads).unbind(2)
        att = F.scaled_dot_product_attention(
            q.transpose(1, 2),
            k.transpose(1, 2),
            v.transpose(1, 2),
            is_causal=True,
            dropout_p=self.dropout if self.training else 0.0,
        )
        x = x + F.dropout(
            self.proj(att.transpose(1, 2).reshape(B, T, D)), self.dropout, self.training
        )
        return x + self.mlp(self.ln2(x))


class TinyTransformer(nn.Module):
    """A decoder-only (GPT-style) character model; build it with :func:`tiny_transformer`.

    ``forward(ids)`` takes int64 ids of shape ``(batch, T)`` with ``T <= block``
    and returns logits ``(batch, T, vocab_size)``; position ``t`` sees ids
    ``0..t`` only.
    """

    def __init__(self, vocab_size, block, d_model, n_layers, n_heads, mlp_ratio, dropout):
        super().__init__()
        self.block = block
        self.tokens = nn.Embedding(vocab_size, d_model)
        self.positions = nn.Embedding(block, d_model)
        self.drop = nn.Dropout(dropout)
        self.blocks = nn.ModuleList(
            _Block(d_model, n_heads, mlp_ratio * d_model, dropout) for _ in range(n_layers)
        )
        self.ln = nn.LayerNorm(d_model)
        self.head = nn.Linear(d_model, vocab_size)
        for module in self.modules():  # GPT-2's initialisation: small normal weights
            if isinstance(module, (nn.Linear, nn.Embedding)):
                nn.init.normal_(module.weight, std=0.02)
            if isinstance(module, nn.Linear):
                nn.init.zeros_(module.bias)

    def forward(self, ids):
        if ids.ndim != 2 or ids.shape[1] > self.block:
            raise ValueError(
                f"ids must have shape (batch, T) with T <= block={self.block}, "
                f"got {tuple(ids.shape)}"
            )
        x = self.tokens(ids) + self.positions(torch.arange(ids.shape[1], device=ids.device))
        x = self.drop(x)
        for block in self.blocks:
            x = block(x)
        return self.head(self.ln(x))


def tiny_transformer(
    vocab_size: int,
    block: int,
    d_model: int = 64,
    n_layers: int = 2,
    n_heads: int = 4,
    mlp_ratio: int = 4,
    dropout: float = 0.0,
    seed: Optional[int] = 0,
) -> "TinyTransformer":
    """A small pre-norm causal transformer for character-level language modelling.

    Token and learned position embeddings, ``n_layers`` blocks of causal
    multi-head self-attention and a GELU MLP (``mlp_ratio * d_model`` wide),
    each behind a LayerNorm with a residual connection, a final LayerNorm and
    a linear head. Weights start as GPT-2's (normal, std 0.02; biases zero),
    drawn from ``seed``. The defaults have about 117,000 parameters for the
    103 characters of :func:`lrlib.data.text` (117,479 with ``block=64``).

    Args:
        vocab_size: number of distinct tokens.
        block: the longest sequence the model takes (its positions).
        d_model: width of the residual stream; a multiple of ``n_heads``.
        n_layers: number of transformer blocks.
        n_heads: attention heads per block.
        mlp_ratio: width of each MLP relative to ``d_model``.
        dropout: dropout probability on attention, residual branches and embeddings.
        seed: seeds the initial weights (``None``: torch's global RNG).

    Returns:
        A :class:`TinyTransformer`: ids ``(batch, T)`` -> logits ``(batch, T, vocab_size)``.

    Example:
        >>> model = tiny_transformer(vocab_size=103, block=64)
        >>> model(torch.zeros(2, 10, dtype=torch.long)).shape
        torch.Size([2, 10, 103])
    """
    vocab_size = _checks.positive_int("vocab_size", vocab_size)
    block = _checks.positive_int("block", block)
    d_model = _checks.positive_int("d_model", d_model)
    n_layers = _checks.positive_int("n_layers", n_layers)
    n_heads = _checks.positive_int("n_heads", n_heads)
    mlp_ratio = _checks.positive_int("mlp_ratio", mlp_ratio)
    if d_model % n_heads:
        raise ValueError(f"d_model must be a multiple of n_heads={n_heads}, got {d_model}")
    if isinstance(dropout, bool) or not isinstance(dropout, (int, float)) or not 0 <= dropout < 1:
        raise ValueError(f"dropout must be a number in [0, 1), got {dropout!r}")
    return _build(
        seed,
        lambda: TinyTransformer(
            vocab_size, block, d_model, n_layers, n_heads, mlp_ratio, float(dropout)
        ),
    )


def n_params(model):
    """Number of trainable parameters of ``model``."""
    _checks.module("model", model)
    return sum(math.prod(p.shape) for p in model.parameters() if p.requires_grad)


# ---------------------------------------------------------------- what the lessons share
# The standard model of the lessons, the optimizers they build for it, and what they measure
# on it. A lesson calls these instead of defining its own copy.
__all__ += ["digits_mlp", "sgd", "two_groups", "dead_units"]


def digits_mlp(seed: int = 0, hidden: tuple = (128,)) -> nn.Sequential:
    """The lessons' standard model for the digits data: ``mlp(64, 10, hidden, seed=seed)``.

    A function of the seed, so it is the ``make_model`` of :func:`lrlib.fit_seeds`.

    Args:
        seed: the seed of the initial weights.
        hidden: the widths of the hidden layers (one layer of 128 by default).

    Returns:
        64 inputs (8x8 pixels) -> ReLU hidden layers -> 10 logits.

    >>> model = digits_mlp(0)
    >>> n_params(model)
    9610
    >>> torch.equal(model[0].weight, digits_mlp(0)[0].weight)
    True
    """
    return mlp(64, 10, hidden=hidden, seed=seed)


class _SGDFactory:
    """``make_optimizer(model)``: SGD over the model's parameters with fixed arguments."""

    def __init__(self, lr, momentum, weight_decay):
        for name, value in (("lr", lr), ("momentum", momentum), ("weight_decay", weight_decay)):
            if isinstance(value, bool) or not isinstance(value, (int, float, np.floating)):
                raise TypeError(f"{name} must be a number, got {value!r}")
            if not (math.isfinite(value) and value >= 0):
                raise ValueError(f"{name} must be a finite number >= 0, got {value!r}")
        self.lr, self.momentum, self.weight_decay = float(lr), float(momentum), float(weight_decay)

    def __call__(self, model: nn.Module) -> torch.optim.SGD:
        return torch.optim.SGD(
            model.parameters(), lr=self.lr, momentum=self.momentum, weight_decay=self.weight_decay
        )

    def __repr__(self):
        return (
            f"sgd(lr={self.lr:g}, momentum={self.momentum:g}, weight_decay={self.weight_decay:g})"
        )


def sgd(lr: float, momentum: float = 0.9, weight_decay: float = 0.0):
    """The ``make_optimizer`` of :func:`lrlib.fit_seeds`: SGD with these arguments, per model.

    Args:
        lr: the learning rate (>= 0).
        momentum: the momentum (0.9, the lessons' default; 0 for plain SGD).
        weight_decay: L2 penalty added to the gradient (0 by default).

    Returns:
        A function of a model that returns ``torch.optim.SGD(model.parameters(), ...)``.

    >>> make_optimizer = sgd(0.1)
    >>> make_optimizer
    sgd(lr=0.1, momentum=0.9, weight_decay=0)
    >>> make_optimizer(digits_mlp(0)).param_groups[0]["momentum"]
    0.9
    """
    return _SGDFactory(lr, momentum, weight_decay)


def two_groups(first_lr: float = 0.1, second_lr: float = 0.02) -> torch.optim.SGD:
    """An SGD optimizer with two parameter groups, to watch a scheduler set each group's lr.

    Each group holds one parameter (a zero), no momentum: nothing is trained.

    Args:
        first_lr: the initial lr of group 0.
        second_lr: the initial lr of group 1.

    Returns:
        ``torch.optim.SGD`` with ``param_groups[0]["lr"] == first_lr`` and
        ``param_groups[1]["lr"] == second_lr``.

    >>> [group["lr"] for group in two_groups(0.1, 0.03).param_groups]
    [0.1, 0.03]
    """
    groups = []
    for name, lr in (("first_lr", first_lr), ("second_lr", second_lr)):
        if isinstance(lr, bool) or not isinstance(lr, (int, float, np.floating)):
            raise TypeError(f"{name} must be a number, got {lr!r}")
        if not (math.isfinite(lr) and lr >= 0):
            raise ValueError(f"{name} must be a finite number >= 0, got {lr!r}")
        groups.append({"params": [nn.Parameter(torch.zeros(1))], "lr": float(lr)})
    return torch.optim.SGD(groups)


def dead_units(model: nn.Sequential, X: torch.Tensor) -> int:
    """How many units of the first hidden layer are dead on ``X``: their output is 0 on every row.

    A ReLU unit whose pre-activation is negative for every input gets no gradient and
    stays dead; a large learning rate can kill most of them. ``model`` starts with
    ``Linear -> activation`` (as :func:`mlp` and :func:`digits_mlp` do); ``X`` is moved
    to the model's device. For the share, divide by ``model[0].out_features``.

    Args:
        model: an ``nn.Sequential`` whose first two modules are a Linear layer and its
            activation.
        X: the inputs, shape ``(rows, in_features)``.

    Returns:
        The number of units of the first hidden layer that output 0 for every row of ``X``.

    >>> model = digits_mlp(0)
    >>> X = torch.randn(50, 64, generator=torch.Generator().manual_seed(0))
    >>> dead_units(model, X)
    0
    >>> with torch.no_grad():
    ...     model[0].bias[:3] = -100.0
    >>> dead_units(model, X)
    3
    """
    if (
        not isinstance(model, nn.Sequential)
        or len(model) < 2
        or not isinstance(model[0], nn.Linear)
    ):
        raise TypeError(
            f"model must be an nn.Sequential starting with Linear -> activation, "
            f"got {type(model).__name__}"
        )
    if not isinstance(X, torch.Tensor) or X.ndim != 2 or X.shape[1] != model[0].in_features:
        shape = tuple(X.shape) if isinstance(X, torch.Tensor) else type(X).__name__
        raise ValueError(f"X must be a tensor of shape (rows, {model[0].in_features}), got {shape}")
    with torch.no_grad():
        hidden = model[:2](X.to(next(model.parameters()).device))
    return int((hidden == 0).all(dim=0).sum())


# ---------------------------------------------------------------- width: muP
# The maximal-update parametrisation (muP) of an MLP trained with Adam, in the form of
# Table 3 of Yang et al. (2022): three kinds of weights, each with its own rule.
__all__ += ["mup_mlp", "mup_adam_groups"]


def mup_mlp(
    width: int,
    base_width: int,
    n_hidden: int = 2,
    in_features: int = 64,
    n_classes: int = 10,
    seed: int = 0,
) -> nn.Sequential:
    """An MLP of ``n_hidden`` ReLU layers of ``width`` units, initialised in muP for Adam.

    It is ``mlp(in_features, n_classes, hidden=(width,) * n_hidden, seed=seed)``
    (torch's default initialisation: weight variance proportional to
    ``1/fan_in``, bias variance too) rescaled as Table 3 of Yang et al. (2022)
    asks, relative to ``base_width``:

    - output weights times ``sqrt(base_width / width)``: variance proportional
      to ``1/fan_in**2``;
    - biases of every layer after the first times ``sqrt(fan_in / base_width)``:
      a variance that does not depend on the width (a bias's fan_in is 1 in
      the table), the one torch gives at the base width.

    At ``width == base_width`` it is exactly the standard model. Train it
    with :func:`mup_adam_groups`.

    Args:
        width: the units of every hidden layer.
        base_width: the width at which muP equals the standard parametrisation
            (the width the learning rate was tuned at).
        n_hidden: the number of hidden layers (>= 1).
        in_features: inputs per example (64 for digits).
        n_classes: outputs.
        seed: the seed of the initial weights.

    Returns:
        ``Linear -> ReLU`` per hidden layer, then ``Linear``.

    >>> wide, narrow = mup_mlp(256, base_width=16), mlp(64, 10, hidden=(256, 256))
    >>> round(float(wide[-1].weight.std() / narrow[-1].weight.std()), 6)  # sqrt(16 / 256)
    0.25
    >>> torch.equal(mup_mlp(16, 16)[-1].weight, mlp(64, 10, hidden=(16, 16))[-1].weight)
    True
    """
    width = _checks.positive_int("width", width)
    base_width = _checks.positive_int("base_width", base_width)
    n_hidden = _checks.positive_int("n_hidden", n_hidden)
    model = mlp(in_features, n_classes, hidden=(width,) * n_hidden, seed=seed)
    linears = [m for m in model if isinstance(m, nn.Linear)]
    with torch.no_grad():
        linears[-1].weight.mul_(math.sqrt(base_width / width))
        for layer in linears[1:]:
            layer.bias.mul_(math.sqrt(layer.in_features / base_width))
    return model


def mup_adam_groups(model: nn.Sequential, lr: float, base_width: int) -> list:
    """Adam's parameter groups for muP (Table 3 of Yang et al. 2022): per-layer learning rates.

    With ``fan_in`` the inputs of a layer, Adam's learning rate is, per kind of weight::

        input weights (the first Linear) and every bias:   lr
        hidden weights and output weights:                 lr * base_width / fan_in

    so at ``fan_in == base_width`` every group has ``lr``: the standard Adam.
    The first group is the one at ``lr`` (what :class:`lrlib.History` records);
    then one group per distinct multiplier. These are Adam's rules only (SGD's
    column of the table differs).

    Args:
        model: an ``nn.Sequential`` with at least two ``nn.Linear`` layers
            (:func:`mup_mlp`).
        lr: the global learning rate (> 0), the one a sweep tunes.
        base_width: the width at which muP equals the standard parametrisation.

    Returns:
        A list of ``{"params": [...], "lr": ...}`` dicts for ``torch.optim.Adam``.

    >>> groups = mup_adam_groups(mup_mlp(64, base_width=16), lr=0.01, base_width=16)
    >>> [(len(g["params"]), g["lr"]) for g in groups]  # 1 input weight + 3 biases; 2 weights
    [(4, 0.01), (2, 0.0025)]
    """
    lr = _checks.real("lr", lr, 0, text="a finite number > 0")
    base_width = _checks.positive_int("base_width", base_width)
    linears = [m for m in model.modules() if isinstance(m, nn.Linear)]
    if not isinstance(model, nn.Sequential) or len(linears) < 2:
        raise TypeError(
            f"model must be an nn.Sequential with at least two Linear layers, "
            f"got {type(model).__name__} with {len(linears)}"
        )
    by_multiplier = {1.0: [linears[0].weight] + [m.bias for m in linears if m.bias is not None]}
    for layer in linears[1:]:
        by_multiplier.setdefault(base_width / layer.in_features, []).append(layer.weight)
    return [{"params": params, "lr": lr * k} for k, params in by_multiplier.items()]
