# SPDX-License-Identifier: BSD-3-Clause
"""Spike encodings of the image datasets (docs/ALGORITHM.md §8).

A pixel spikes iff its raw uint8 value is at least 129::

    x = [image[c:H-c, c:W-c] >= 129]      # c: border crop, then flattened

``mnist20`` crops 4 pixels from every border of MNIST's 28x28 (400 inputs, a
crop, not a resize); ``mnist28`` and ``fashion28`` keep all 784 pixels.
"""

from dataclasses import dataclass

import numpy as np

from lava_backprop.errors import DataError, ShapeError

__all__ = ["Encoding", "ENCODINGS", "SPIKE_LEVEL", "encode_images", "one_hot", "shift_images", "random_shifts"]

SPIKE_LEVEL = 129


@dataclass(frozen=True)
class Encoding:
    """How one named input set is made from a dataset.

    Parameters
    ----------
    source : str
        Key of `lava_backprop.data.fetch.SOURCES`.
    crop : int
        Pixels removed from every border.
    n_classes : int
        Number of labels.
    """

    source: str
    crop: int
    n_classes: int = 10

    def n_inputs(self, height: int = 28, width: int = 28) -> int:
        return (height - 2 * self.crop) * (width - 2 * self.crop)


ENCODINGS = {
    "mnist20": Encoding("mnist", crop=4),
    "mnist28": Encoding("mnist", crop=0),
    "fashion28": Encoding("fashion-mnist", crop=0),
}


def encode_images(images: np.ndarray, crop: int) -> np.ndarray:
    """Binary spike vectors of shape (n, (H - 2 crop) (W - 2 crop)) as uint8."""
    images = np.asarray(images)
    if images.ndim != 3:
        raise ShapeError(f"images must have shape (n, height, width), got {images.shape}")
    n, height, width = images.shape
    if not 0 <= 2 * crop < min(height, width):
        raise ShapeError(f"cannot crop {crop} pixels from each border of {height}x{width} images")
    window = images[:, crop : height - crop, crop : width - crop]
    return (window >= SPIKE_LEVEL).reshape(n, -1).astype(np.uint8)


def one_hot(labels: np.ndarray, n_classes: int) -> np.ndarray:
    """One-hot uint8 targets of shape (n, n_classes); labels must be in range."""
    labels = np.asarray(labels)
    bad = (labels < 0) | (labels >= n_classes)
    if bad.any():
        i = int(np.argmax(bad))
        raise DataError(f"label {int(labels[i])} at sample {i} is outside [0, {n_classes})")
    out = np.zeros((labels.shape[0], n_classes), dtype=np.uint8)
    out[np.arange(labels.shape[0]), labels] = 1
    return out


def shift_images(X: np.ndarray, offsets: np.ndarray) -> np.ndarray:
    """Each square image of ``X`` moved by its ``(down, right)`` offset, zero-filled, as uint8.

    Parameters
    ----------
    X : array of 0/1, shape (n, side * side)
        Row-major images, as `encode_images` writes them.
    offsets : array of int, shape (n, 2)
    """
    X, offsets = np.asarray(X), np.asarray(offsets)
    n, n_in = X.shape
    side = int(round(n_in**0.5))
    if side * side != n_in or offsets.shape != (n, 2):
        raise ShapeError(f"cannot shift {X.shape} images (square, row-major) by {offsets.shape} offsets")
    images, out = X.reshape(n, side, side), np.zeros((n, side, side), dtype=np.uint8)
    for dy, dx in np.unique(offsets, axis=0):
        rows = np.flatnonzero((offsets == (dy, dx)).all(axis=1))
        src = images[rows, max(0, -dy) : side - max(0, dy), max(0, -dx) : side - max(0, dx)]
        out[rows, max(0, dy) : side + min(0, dy), max(0, dx) : side + min(0, dx)] = src
    return out.reshape(n, n_in)


def random_shifts(rng: np.random.Generator, n: int, max_shift: int) -> np.ndarray:
    """``n`` offsets, each coordinate uniform in ``[-max_shift, max_shift]``, drawn from ``rng``."""
    return rng.integers(-max_shift, max_shift + 1, size=(n, 2))
