"""Datasets as in-memory tensors with fixed train / validation / test splits.

Every loader returns a :class:`Splits`: ``.train``, ``.val`` and ``.test`` are
``(X, y)`` pairs, ``X`` a float32 tensor of shape ``(n, features)`` (images are
flattened; ``input_shape`` says how to fold them back) and ``y`` an int64
tensor of class labels. The whole dataset lives in memory, so a training loop
draws a batch by indexing a tensor: no DataLoader, no per-sample Python.

- :func:`digits`: scikit-learn's 8x8 handwritten digits, real data that ships
  with scikit-learn, so it works offline. The default of every lesson.
- :func:`mnist`, :func:`fashion_mnist`: 28x28 images through torchvision, for
  readers who are online (Colab).
"""
import math
from dataclasses import dataclass

import numpy as np
import torch

from . import _checks

__all__ = ["Splits", "digits", "mnist", "fashion_mnist"]


@dataclass(frozen=True, eq=False)
class Splits:
    """A dataset held in memory: ``train``, ``val``, ``test`` as ``(X, y)`` tensor pairs.

    ``n_classes`` is the number of classes, ``input_shape`` the shape of one
    example before flattening (``(1, 8, 8)`` for digits), ``name`` a label.
    ``val`` or ``test`` may be ``None`` for data without that split.
    """

    train: tuple
    val: tuple = None
    test: tuple = None
    n_classes: int = None
    input_shape: tuple = None
    name: str = "data"

    def __post_init__(self):
        set_ = object.__setattr__
        set_(self, "train", _checks.split("train", self.train))
        for split in ("val", "test"):
            value = getattr(self, split)
            if value is not None:
                set_(self, split, _checks.split(split, value))
        n_features = self.train[0].shape[1:]
        for split in ("val", "test"):
            value = getattr(self, split)
            if value is not None and value[0].shape[1:] != n_features:
                raise ValueError(
                    f"{split} features have shape {tuple(value[0].shape[1:])} per example, "
                    f"train has {tuple(n_features)}")
        labels_max = max(int(s[1].max()) for s in self.splits().values())
        if self.n_classes is None:
            set_(self, "n_classes", labels_max + 1)
        elif isinstance(self.n_classes, bool) or not isinstance(self.n_classes, (int, np.integer)):
            raise TypeError(f"n_classes must be an int, got {self.n_classes!r}")
        elif self.n_classes <= labels_max:
            raise ValueError(
                f"n_classes={self.n_classes} but the labels go up to {labels_max}")
        if self.input_shape is None:
            set_(self, "input_shape", tuple(n_features))
        else:
            shape = tuple(int(d) for d in self.input_shape)
            if math.prod(shape) != math.prod(n_features):
                raise ValueError(
                    f"input_shape={shape} holds {math.prod(shape)} values but each example "
                    f"has {math.prod(n_features)}")
            set_(self, "input_shape", shape)

    @property
    def n_features(self):
        """Number of input values per example (``prod(input_shape)``)."""
        return math.prod(self.input_shape)

    def splits(self):
        """The splits that are present, as a dict ``{"train": (X, y), ...}``."""
        return {k: getattr(self, k) for k in ("train", "val", "test") if getattr(self, k) is not None}

    def to(self, device):
        """A copy with every tensor on ``device``."""
        moved = {k: (X.to(device), y.to(device)) for k, (X, y) in self.splits().items()}
        return Splits(**moved, n_classes=self.n_classes, input_shape=self.input_shape,
                      name=self.name)

    def __repr__(self):
        sizes = ", ".join(f"{k}={len(v[0])}" for k, v in self.splits().items())
        return (f"Splits({self.name!r}, {sizes}, input_shape={self.input_shape}, "
                f"n_classes={self.n_classes})")


def _stratified_split(y, size, seed):
    """Indices ``(rest, held_out)`` with ``size`` examples held out, stratified by label."""
    from sklearn.model_selection import train_test_split

    index = np.arange(len(y))
    rest, held = train_test_split(index, test_size=size, stratify=y, random_state=seed)
    return np.sort(rest), np.sort(held)


def digits(seed=0, val_fraction=0.2, test_fraction=0.2):
    """scikit-learn's handwritten digits (1797 8x8 images, 10 classes) as a :class:`Splits`.

    Pixels are scaled from 0..16 to [0, 1]. The test split (``test_fraction``
    of the data) and then the validation split (``val_fraction`` of the data)
    are drawn stratified by class, fixed by ``seed``; the rest is train
    (60/20/20 by default: 1079/359/359 examples).
    """
    from sklearn.datasets import load_digits

    _checks.seed("seed", seed)
    _checks.real("val_fraction", val_fraction, 0, 1)
    _checks.real("test_fraction", test_fraction, 0, 1)
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction must be < 1, got {val_fraction} + {test_fraction}")
    raw = load_digits()
    X = (raw.data / 16.0).astype(np.float32)
    y = raw.target.astype(np.int64)
    n = len(y)
    n_test = round(test_fraction * n)
    n_val = round(val_fraction * n)
    rest, test = _stratified_split(y, n_test, seed)
    train_pos, val_pos = _stratified_split(y[rest], n_val, seed)
    train, val = rest[train_pos], rest[val_pos]

    def pair(idx):
        return torch.from_numpy(X[idx]), torch.from_numpy(y[idx])

    return Splits(pair(train), pair(val), pair(test), n_classes=10, input_shape=(1, 8, 8),
                  name="digits")


def _torchvision_images(dataset_name, root, download, seed, val_size, train_size):
    try:
        import torchvision.datasets as tvd
    except ImportError as err:  # pragma: no cover - torchvision is in requirements.txt
        raise ImportError(
            f"lrlib.data.{dataset_name.lower()} needs torchvision: pip install torchvision") from err
    _checks.seed("seed", seed)
    if not isinstance(download, bool):
        raise TypeError(f"download must be True or False, got {download!r}")
    cls = getattr(tvd, dataset_name)
    full = cls(root, train=True, download=download)
    test = cls(root, train=False, download=download)
    X = full.data.reshape(len(full.data), -1).float().div_(255.0)
    y = full.targets.long()
    n = len(y)
    for name, value in (("val_size", val_size), ("train_size", train_size)):
        if value is None and name == "train_size":
            continue
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if val_size >= n:
        raise ValueError(f"val_size must be smaller than the {n} training images, got {val_size}")
    labels = y.numpy()
    rest, val = _stratified_split(labels, val_size, seed)
    if train_size is not None:
        if train_size > len(rest):
            raise ValueError(
                f"train_size must be at most the {len(rest)} images left after validation, "
                f"got {train_size}")
        if train_size < len(rest):
            _, keep = _stratified_split(labels[rest], train_size, seed)
            rest = rest[keep]
    rest, val = torch.from_numpy(rest), torch.from_numpy(val)
    X_test = test.data.reshape(len(test.data), -1).float().div_(255.0)
    return Splits((X[rest], y[rest]), (X[val], y[val]), (X_test, test.targets.long()),
                  n_classes=10, input_shape=(1, 28, 28), name=dataset_name.lower())


def mnist(root="data", download=True, seed=0, val_size=5000, train_size=None):
    """MNIST (28x28 handwritten digits) through torchvision as a :class:`Splits`.

    Downloads into ``root`` when ``download`` is true and the files are not
    there yet. Pixels are scaled to [0, 1]; ``val_size`` training images are
    held out for validation, stratified and fixed by ``seed``; ``train_size``
    (optional) keeps a stratified subset of the rest, for fast CPU runs. The
    official 10 000 test images are the test split.
    """
    return _torchvision_images("MNIST", root, download, seed, val_size, train_size)


def fashion_mnist(root="data", download=True, seed=0, val_size=5000, train_size=None):
    """Fashion-MNIST (28x28 clothing images, 10 classes) as a :class:`Splits`; see :func:`mnist`."""
    return _torchvision_images("FashionMNIST", root, download, seed, val_size, train_size)
