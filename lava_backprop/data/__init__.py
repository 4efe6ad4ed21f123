# SPDX-License-Identifier: BSD-3-Clause
"""MNIST and Fashion-MNIST as spike vectors and one-hot targets.

>>> from lava_backprop.data import load_dataset
>>> train = load_dataset("mnist20", "train")       # doctest: +SKIP
>>> train.X.shape, train.T.shape                   # doctest: +SKIP
((60000, 400), (60000, 10))

See `lava_backprop.data.fetch` for where files are looked up and how they are
downloaded and verified, and `lava_backprop.data.encode` for the encodings.
"""

import logging
from dataclasses import dataclass

import numpy as np

from lava_backprop.data.encode import ENCODINGS, encode_images, one_hot
from lava_backprop.data.fetch import FILES, SOURCES, cache_dir, fetch_file, find_file
from lava_backprop.data.idx import read_idx_gz
from lava_backprop.errors import DataError

__all__ = ["Dataset", "ENCODINGS", "SPLITS", "load_dataset", "load_raw", "cache_dir"]

logger = logging.getLogger(__name__)

SPLITS = ("train", "test")


@dataclass(frozen=True)
class Dataset:
    """An encoded split of a dataset.

    Attributes
    ----------
    name, split : str
    X : ndarray of uint8, shape (n, n_in)
        Binary input spikes.
    labels : ndarray of int64, shape (n,)
    T : ndarray of uint8, shape (n, n_classes)
        One-hot targets.
    """

    name: str
    split: str
    X: np.ndarray
    labels: np.ndarray
    T: np.ndarray

    def __len__(self) -> int:
        return self.X.shape[0]

    @property
    def n_inputs(self) -> int:
        return self.X.shape[1]

    @property
    def n_classes(self) -> int:
        return self.T.shape[1]


def _check_name(name: str, split: str) -> None:
    if name not in ENCODINGS:
        raise ValueError(f"unknown dataset {name!r}; choose one of {sorted(ENCODINGS)}")
    if split not in SPLITS:
        raise ValueError(f"unknown split {split!r}; choose one of {SPLITS}")


def _local_or_fetched(source_name: str, file_name: str, data_dir, download: bool, mirrors):
    source = SOURCES[source_name]
    path, tried = find_file(source, file_name, data_dir)
    md5 = source.md5[file_name]
    if path is not None:
        try:
            return read_idx_gz(path, md5)
        except DataError:
            if path.parent != cache_dir() / source.folder or not download:
                raise
            logger.warning("cached %s is bad; fetching it again", path)
    elif not download:
        raise DataError(f"{file_name} not found; looked in:\n  " + "\n  ".join(map(str, tried)))
    return read_idx_gz(fetch_file(source, file_name, mirrors), md5)


def load_raw(source_name: str, split: str, data_dir=None, download: bool = True, mirrors=None):
    """Raw images (n, 28, 28) uint8 and labels (n,) of one split, verified."""
    images = _local_or_fetched(source_name, FILES[split, "images"], data_dir, download, mirrors)
    labels = _local_or_fetched(source_name, FILES[split, "labels"], data_dir, download, mirrors)
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise DataError(f"{source_name} {split}: {images.shape} images do not match {labels.shape} labels")
    return images, labels


def _load_tfds(source_name: str, split: str, data_dir):
    try:
        import tensorflow_datasets as tfds
    except ImportError as err:
        raise DataError(
            "the tfds backend needs tensorflow-datasets and tensorflow: pip install 'lava_backprop[tfds]'"
        ) from err
    tfds_name = {"mnist": "mnist", "fashion-mnist": "fashion_mnist"}[source_name]
    arrays = tfds.as_numpy(tfds.load(tfds_name, split=split, batch_size=-1, data_dir=data_dir))
    images, labels = np.asarray(arrays["image"]), np.asarray(arrays["label"])
    if images.ndim == 4:
        images = images[..., 0]
    return images.astype(np.uint8), labels


def load_dataset(
    name: str,
    split: str = "train",
    data_dir=None,
    *,
    download: bool = True,
    mirrors=None,
    backend: str = "idx",
) -> Dataset:
    """Load one split of an encoded dataset.

    Parameters
    ----------
    name : {"mnist20", "mnist28", "fashion28"}
        Encoding; see `lava_backprop.data.encode`.
    split : {"train", "test"}
    data_dir : path-like, optional
        Directory searched first (``<data_dir>/mnist/...`` or ``<data_dir>/...``).
    download : bool
        Fetch missing files from the mirrors into the user cache.
    mirrors : list of str, optional
        Base URLs to download from instead of the dataset's own.
    backend : {"idx", "tfds"}
        ``idx`` reads the IDX files; ``tfds`` asks tensorflow-datasets.

    Returns
    -------
    Dataset

    Raises
    ------
    DataError
        Missing, corrupt or unverifiable files, or labels out of range.
    """
    _check_name(name, split)
    enc = ENCODINGS[name]
    if backend == "idx":
        images, labels = load_raw(enc.source, split, data_dir, download, mirrors)
    elif backend == "tfds":
        images, labels = _load_tfds(enc.source, split, data_dir)
    else:
        raise ValueError(f"unknown backend {backend!r}; choose 'idx' or 'tfds'")
    labels = labels.astype(np.int64)
    return Dataset(name, split, encode_images(images, enc.crop), labels, one_hot(labels, enc.n_classes))
