# SPDX-License-Identifier: BSD-3-Clause
"""IDX parsing, encodings, file lookup and the dataset files themselves."""

import gzip
import struct
import sys
import types

import numpy as np
import pytest

from lava_backprop.data import load_dataset
from lava_backprop.data.encode import SPIKE_LEVEL, encode_images, one_hot
from lava_backprop.data.fetch import FILES, SOURCES, find_file
from lava_backprop.data.idx import read_idx_gz
from lava_backprop.errors import DataError, ShapeError

# Label counts of the MNIST training set, from shared/data/README.md.
MNIST_TRAIN_COUNTS = [5923, 6742, 5958, 6131, 5842, 5421, 5918, 6265, 5851, 5949]


def write_idx(path, array, type_code=0x08):
    header = struct.pack(">BBBB", 0, 0, type_code, array.ndim) + struct.pack(f">{array.ndim}I", *array.shape)
    with gzip.open(path, "wb") as f:
        f.write(header + array.astype(np.uint8).tobytes())


def test_read_idx_roundtrip(tmp_path):
    a = np.arange(2 * 3 * 4, dtype=np.uint8).reshape(2, 3, 4)
    write_idx(tmp_path / "a.gz", a)
    np.testing.assert_array_equal(read_idx_gz(tmp_path / "a.gz"), a)


def test_read_idx_errors(tmp_path):
    a = np.zeros((2, 3), dtype=np.uint8)
    write_idx(tmp_path / "a.gz", a)
    with pytest.raises(DataError, match="checksum mismatch"):
        read_idx_gz(tmp_path / "a.gz", md5="0" * 32)
    with pytest.raises(DataError, match="file not found"):
        read_idx_gz(tmp_path / "missing.gz")
    (tmp_path / "plain").write_bytes(b"not gzip at all")
    with pytest.raises(DataError, match="corrupt or truncated"):
        read_idx_gz(tmp_path / "plain")
    data = (tmp_path / "a.gz").read_bytes()
    (tmp_path / "cut.gz").write_bytes(data[: len(data) // 2])
    with pytest.raises(DataError, match="corrupt or truncated"):
        read_idx_gz(tmp_path / "cut.gz")
    write_idx(tmp_path / "int.gz", a, type_code=0x0C)
    with pytest.raises(DataError, match="type code 0x0c"):
        read_idx_gz(tmp_path / "int.gz")
    with gzip.open(tmp_path / "short.gz", "wb") as f:
        f.write(struct.pack(">BBBBII", 0, 0, 8, 2, 2, 3) + b"\x00" * 5)
    with pytest.raises(DataError, match="IDX body has 5 bytes"):
        read_idx_gz(tmp_path / "short.gz")
    with gzip.open(tmp_path / "magic.gz", "wb") as f:
        f.write(b"\x01\x02\x08\x01\x00\x00\x00\x01\x00")
    with pytest.raises(DataError, match="bad magic"):
        read_idx_gz(tmp_path / "magic.gz")


def test_encode_threshold_and_crop():
    img = np.zeros((1, 28, 28), dtype=np.uint8)
    img[0, 4, 4] = SPIKE_LEVEL  # first pixel inside the crop: spikes
    img[0, 4, 5] = SPIKE_LEVEL - 1  # 128: silent
    img[0, 3, 10] = 255  # in the cropped border
    img[0, 23, 23] = 255  # last pixel inside the crop
    x20 = encode_images(img, crop=4)
    assert x20.shape == (1, 400) and x20.dtype == np.uint8
    assert np.flatnonzero(x20[0]).tolist() == [0, 399]
    x28 = encode_images(img, crop=0)
    assert np.flatnonzero(x28[0]).tolist() == [3 * 28 + 10, 4 * 28 + 4, 23 * 28 + 23]
    with pytest.raises(ShapeError):
        encode_images(img[0], crop=0)
    with pytest.raises(ShapeError, match="cannot crop 14"):
        encode_images(img, crop=14)


def test_one_hot_rejects_labels_out_of_range():
    np.testing.assert_array_equal(one_hot(np.array([2, 0]), 3), [[0, 0, 1], [1, 0, 0]])
    with pytest.raises(DataError, match="label 10 at sample 1 is outside"):
        one_hot(np.array([0, 10]), 10)


def test_mnist20_from_shared_files(data_root):
    train = load_dataset("mnist20", "train", data_root)
    assert train.X.shape == (60000, 400) and train.T.shape == (60000, 10)
    np.testing.assert_array_equal(np.bincount(train.labels), MNIST_TRAIN_COUNTS)
    np.testing.assert_array_equal(train.T.argmax(axis=1), train.labels)
    # The encoding is the crop of the full 28x28 one.
    full = load_dataset("mnist28", "train", data_root)
    np.testing.assert_array_equal(full.X.reshape(-1, 28, 28)[:, 4:24, 4:24].reshape(-1, 400), train.X)
    assert 0.95 < train.X.sum() / full.X.sum() < 1  # the 4-pixel border holds little ink
    assert 0.2 < train.X.mean() < 0.3


def test_fashion28_from_shared_files(data_root):
    test = load_dataset("fashion28", "test", data_root)
    assert test.X.shape == (10000, 784)
    np.testing.assert_array_equal(np.bincount(test.labels), [1000] * 10)


def test_unknown_names(data_root):
    with pytest.raises(ValueError, match="unknown dataset 'cifar'"):
        load_dataset("cifar", "train", data_root)
    with pytest.raises(ValueError, match="unknown split 'val'"):
        load_dataset("mnist20", "val", data_root)
    with pytest.raises(ValueError, match="unknown backend"):
        load_dataset("mnist20", "test", data_root, backend="torch")


def make_fake_source(root, n=5, seed=0):
    """Valid-looking IDX files for the test split under root/mnist/."""
    rng = np.random.default_rng(seed)
    (root / "mnist").mkdir(parents=True, exist_ok=True)
    write_idx(root / "mnist" / FILES["test", "images"], rng.integers(0, 256, (n, 28, 28)))
    write_idx(root / "mnist" / FILES["test", "labels"], rng.integers(0, 10, n))


def test_lookup_order(tmp_path, monkeypatch):
    explicit, env = tmp_path / "explicit", tmp_path / "env"
    for d in (explicit, env):
        (d / "mnist").mkdir(parents=True)
        (d / "mnist" / "x.gz").write_bytes(b"")
    (tmp_path / "flat").mkdir()
    (tmp_path / "flat" / "x.gz").write_bytes(b"")
    monkeypatch.setenv("LAVA_BACKPROP_DATA", str(env))
    source = SOURCES["mnist"]
    assert find_file(source, "x.gz", explicit)[0] == explicit / "mnist" / "x.gz"
    assert find_file(source, "x.gz", None)[0] == env / "mnist" / "x.gz"
    assert find_file(source, "x.gz", tmp_path / "flat")[0] == tmp_path / "flat" / "x.gz"
    monkeypatch.delenv("LAVA_BACKPROP_DATA")
    path, tried = find_file(source, "x.gz", None)
    assert path is None and "lava_backprop" in str(tried[-1])


def test_missing_files_without_download_list_where_we_looked(tmp_path, monkeypatch):
    monkeypatch.delenv("LAVA_BACKPROP_DATA", raising=False)
    with pytest.raises(DataError, match=r"t10k-images-idx3-ubyte.gz not found; looked in:\n.*empty"):
        load_dataset("mnist20", "test", tmp_path / "empty", download=False)


def test_wrong_contents_in_user_directory_are_reported_not_replaced(tmp_path, monkeypatch):
    monkeypatch.delenv("LAVA_BACKPROP_DATA", raising=False)
    make_fake_source(tmp_path)
    before = (tmp_path / "mnist" / FILES["test", "images"]).read_bytes()
    with pytest.raises(DataError, match="checksum mismatch"):
        load_dataset("mnist20", "test", tmp_path, mirrors=["http://127.0.0.1:9/"])
    assert (tmp_path / "mnist" / FILES["test", "images"]).read_bytes() == before


@pytest.fixture
def fake_tfds(monkeypatch):
    calls = {}

    def load(name, split, batch_size, data_dir):
        calls.update(name=name, split=split, batch_size=batch_size)
        rng = np.random.default_rng(1)
        return {"image": rng.integers(0, 256, (7, 28, 28, 1)).astype(np.uint8), "label": rng.integers(0, 10, 7)}

    module = types.SimpleNamespace(load=load, as_numpy=lambda ds: ds)
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", module)
    return calls, load


def test_tfds_backend_encodes_like_idx(fake_tfds):
    calls, load = fake_tfds
    ds = load_dataset("fashion28", "test", backend="tfds")
    assert calls == {"name": "fashion_mnist", "split": "test", "batch_size": -1}
    raw = load("fashion_mnist", "test", -1, None)
    np.testing.assert_array_equal(ds.X, encode_images(raw["image"][..., 0], 0))
    np.testing.assert_array_equal(ds.labels, raw["label"])


def test_tfds_backend_missing_says_how_to_install(monkeypatch):
    monkeypatch.setitem(sys.modules, "tensorflow_datasets", None)
    with pytest.raises(DataError, match=r"pip install 'lava_backprop\[tfds\]'"):
        load_dataset("mnist20", "test", backend="tfds")


def test_shift_images_moves_each_image_by_its_own_offset_zero_filled():
    from lava_backprop.data.encode import random_shifts, shift_images

    rng = np.random.default_rng(0)
    X = (rng.random((6, 25)) < 0.5).astype(np.uint8)
    offsets = np.array([[0, 0], [1, 0], [0, -2], [-1, 1], [4, 4], [5, 0]])
    out = shift_images(X, offsets).reshape(6, 5, 5)
    img = X.reshape(6, 5, 5)
    np.testing.assert_array_equal(out[0], img[0])
    np.testing.assert_array_equal(out[1, 1:], img[1, :-1])
    assert not out[1, 0].any()
    np.testing.assert_array_equal(out[2, :, :3], img[2, :, 2:])
    assert not out[2, :, 3:].any()
    np.testing.assert_array_equal(out[3, :4, 1:], img[3, 1:, :4])
    assert out[4].sum() == img[4, 0, 0] and not out[5].any()
    draws = random_shifts(np.random.default_rng(1), 5000, 2)
    assert draws.min() == -2 and draws.max() == 2 and set(np.unique(draws)) == {-2, -1, 0, 1, 2}
    np.testing.assert_array_equal(draws, random_shifts(np.random.default_rng(1), 5000, 2))
    with pytest.raises(ShapeError, match="square"):
        shift_images(np.zeros((2, 24), dtype=np.uint8), np.zeros((2, 2), dtype=int))
