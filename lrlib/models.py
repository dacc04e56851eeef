"""The small models the lessons train, built reproducibly from a seed.

Both builders return a plain ``nn.Sequential`` that takes flattened inputs
``(batch, features)``, the layout of :mod:`lrlib.data`, and returns one logit
per class. With ``seed`` set (the default), the initial weights depend on the
seed only, and torch's global random state is left as it was.
"""
import math

import numpy as np
import torch
from torch import nn

from . import _checks

__all__ = ["mlp", "cnn", "n_params"]

_ACTIVATIONS = {"relu": nn.ReLU, "tanh": nn.Tanh, "gelu": nn.GELU, "sigmoid": nn.Sigmoid,
                "silu": nn.SiLU}


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
    """A multilayer perceptron: ``Linear -> activation`` for each width in ``hidden``, then ``Linear``.

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
            f"(height and width must be >= {shrink})")

    def make():
        layers, width = [nn.Unflatten(1, input_shape)], c
        for out in channels:
            layers += [nn.Conv2d(width, out, 3, padding=1), nn.ReLU(), nn.MaxPool2d(2)]
            width = out
        layers += [nn.Flatten(), nn.Linear(width * (h // shrink) * (w // shrink), n_classes)]
        return nn.Sequential(*layers)

    return _build(seed, make)


def n_params(model):
    """Number of trainable parameters of ``model``."""
    _checks.module("model", model)
    return sum(math.prod(p.shape) for p in model.parameters() if p.requires_grad)
