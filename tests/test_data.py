"""lrlib.data: digits with fixed stratified splits; MNIST / Fashion-MNIST on IDX files written here.

No test downloads anything: the torchvision loaders read small IDX files that
the test writes in the layout torchvision expects, and any download attempt
fails the test.
"""
import struct

import numpy as np
import pytest
import torch
from sklearn.datasets import load_digits

import lrlib
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
    for X, y in (d.val, d.test):
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


@pytest.mark.parametrize("kwargs, error, words", [
    ({"seed": -1}, ValueError, "seed"),
    ({"seed": "0"}, TypeError, "seed"),
    ({"seed": 1.5}, TypeError, "seed"),
    ({"val_fraction": 0}, ValueError, "val_fraction"),
    ({"val_fraction": 1.0}, ValueError, "val_fraction"),
    ({"test_fraction": "0.2"}, TypeError, "test_fraction must be a number, got .0.2."),
    ({"val_fraction": 0.5, "test_fraction": 0.5}, ValueError, r"val_fraction \+ test_fraction"),
])
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
    assert torch.allclose(d.test[0], torch.tensor(test_x.reshape(30, -1) / 255.0, dtype=torch.float32))
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
