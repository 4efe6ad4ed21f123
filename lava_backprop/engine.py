# SPDX-License-Identifier: BSD-3-Clause
"""The engine interface shared by every way of running nBP.

An engine owns the weight stores of one network ``[n_in, h_1, .., h_L, n_out]``
and runs nBP samples on them: the integer reference in numpy, and the Lava and
Loihi circuits. Each must produce the same spikes and weights for the same
input (docs/ALGORITHM.md §3).
"""

import abc
import importlib

import numpy as np

from lava_backprop.errors import EngineError, LabelError, ShapeError, SpikeError
from lava_backprop.weights import check_stores

__all__ = [
    "Engine",
    "ENGINES",
    "make_engine",
    "available_engines",
    "check_spikes",
    "check_targets",
]

# name -> "module:Class"; imported only when asked for, so that the
# reference engine never imports Lava.
ENGINES: dict[str, str] = {
    "reference": "lava_backprop.reference:ReferenceEngine",
    "dense": "lava_backprop.reference:DenseEngine",
    "lava-fixed": "lava_backprop.lava_engine:LavaFixedEngine",
    "lava-float": "lava_backprop.lava_engine:LavaFloatEngine",
    "loihi2-sim": "lava_backprop.lava_engine:Loihi2SimEngine",
    "loihi2": "lava_backprop.lava_engine:Loihi2Engine",
}


def available_engines() -> list[str]:
    """Names accepted by `make_engine`."""
    return sorted(ENGINES)


def make_engine(name: str, weights, transposed=None, *legacy, **options) -> "Engine":
    """Build the engine called ``name`` on the given network.

    Parameters
    ----------
    name : str
        One of `available_engines`.
    weights : list of array_like of int, or mapping of str to array_like
        ``[W_1, .., W_{L+1}]``, ``W_l`` of shape (n_l, n_{l-1}), for ``L >= 1``
        hidden layers; or the stores by name, as `Engine.weights` returns them
        (see `lava_backprop.weights.check_stores`).
    transposed : list of (P, M) pairs, optional
        ``(P_l, M_l)`` for ``l = 2 .. L+1``, shape (n_{l-1}, n_l); defaults
        ``P_l = W_l^T`` and ``M_l = clip(-W_l^T, -256, 254)``.
    **options
        Passed to the engine's constructor, except ``per_class``: output
        neurons per class (population read-out, default 1). The output layer
        holds ``n_out / per_class`` classes side by side, ``per_class``
        neurons each; a label trains its class's neurons to fire, the rule
        unchanged (`Engine.per_class`).

    Notes
    -----
    The two-matrix form of one hidden layer, ``make_engine(name, w1, w2,
    w2t_pos=None, w2t_neg=None)``, is read as ``make_engine(name, [w1, w2],
    [(w2t_pos, w2t_neg)])``.

    Example
    -------
    >>> import numpy as np, lava_backprop as lb
    >>> weights = lb.glorot_init(lb.NetworkSize(4, 3, 3, 2), seed=0)
    >>> with lb.make_engine("reference", weights) as engine:
    ...     o, z = engine.predict(np.eye(4, dtype=np.uint8))
    """
    if name not in ENGINES:
        raise EngineError(f"unknown engine {name!r}; choose one of {available_engines()}")
    if isinstance(weights, np.ndarray):  # make_engine(name, w1, w2, w2t_pos=None, w2t_neg=None)
        names = ("w2t_pos", "w2t_neg")
        if len(legacy) > len(names):
            raise TypeError("make_engine(name, w1, w2, w2t_pos=None, w2t_neg=None) takes at most four matrices")
        given = dict(zip(names, legacy, strict=False)) | {k: options.pop(k) for k in names if k in options}
        weights, transposed = [weights, transposed], [(given.get("w2t_pos"), given.get("w2t_neg"))]
    elif legacy:
        raise TypeError("make_engine(name, weights, transposed=None, **options) takes no more positional arguments")
    per_class = options.pop("per_class", 1)
    module_name, cls_name = ENGINES[name].split(":")
    cls = getattr(importlib.import_module(module_name), cls_name)
    engine = cls(weights, transposed, **options)
    try:
        engine.per_class = check_per_class(per_class, engine.size.n_out)
    except ValueError:
        engine.close()
        raise
    return engine


def check_per_class(per_class, n_out: int) -> int:
    """``per_class`` as an int that divides ``n_out``, or ValueError."""
    if isinstance(per_class, bool) or not isinstance(per_class, (int, np.integer)) or per_class < 1:
        raise ValueError(f"per_class must be a positive integer, got {per_class!r}")
    if n_out % per_class:
        raise ValueError(f"per_class={per_class} does not divide the {n_out} output neurons into classes")
    return int(per_class)


def check_spikes(X, n_in: int, name: str = "X") -> np.ndarray:
    """Validate a batch of binary input vectors and return it as uint8.

    Raises
    ------
    ShapeError
        If ``X`` is not of shape (n, n_in).
    SpikeError
        If ``X`` holds a value other than 0 and 1.
    """
    arr = np.asarray(X)
    if arr.ndim != 2 or arr.shape[1] != n_in:
        raise ShapeError(f"{name} must have shape (n_samples, {n_in}), got {arr.shape}")
    if arr.dtype == bool:
        return arr.astype(np.uint8)
    if not np.issubdtype(arr.dtype, np.number):
        raise SpikeError(f"{name} must be numeric 0/1 spikes, got dtype {arr.dtype}")
    bad = (arr != 0) & (arr != 1)
    if bad.any():
        idx = tuple(int(i) for i in np.argwhere(bad)[0])
        raise SpikeError(
            f"{name} must hold spikes 0 or 1; {int(bad.sum())} value(s) are not, first at index {idx}: {arr[idx]!r}"
        )
    return arr.astype(np.uint8)


def check_targets(T, n_samples: int, n_out: int, per_class: int = 1) -> np.ndarray:
    """Validate targets and return them as uint8 of shape (n, n_out): the class's ``per_class`` neurons set.

    ``T`` is either such a matrix (one-hot when ``per_class`` is 1) or
    integer labels of shape (n,) in ``[0, n_out / per_class)``.

    Raises
    ------
    ShapeError
        If ``T`` does not have n_samples rows or the right width.
    LabelError
        If a label is out of range or a row does not name one class.
    """
    arr = np.asarray(T)
    n_classes = n_out // per_class
    if arr.ndim == 1:
        if arr.shape[0] != n_samples:
            raise ShapeError(f"T has {arr.shape[0]} labels for {n_samples} samples")
        if not np.issubdtype(arr.dtype, np.integer) or arr.dtype == bool:
            raise LabelError(f"labels must be integers, got dtype {arr.dtype}")
        bad = (arr < 0) | (arr >= n_classes)
        if bad.any():
            i = int(np.argmax(bad))
            raise LabelError(f"labels must lie in [0, {n_classes}); label {arr[i]} at sample {i} does not")
        onehot = np.zeros((n_samples, n_classes), dtype=np.uint8)
        onehot[np.arange(n_samples), arr] = 1
        return np.repeat(onehot, per_class, axis=1)
    if arr.ndim != 2 or arr.shape != (n_samples, n_out):
        raise ShapeError(f"T must have shape ({n_samples}, {n_out}) or ({n_samples},), got {arr.shape}")
    targets = check_spikes(arr, n_out, name="T")
    blocks = targets.reshape(n_samples, n_classes, per_class)
    whole = blocks.all(axis=2)
    wrong = (whole.sum(axis=1) != 1) | (blocks.sum(axis=(1, 2)) != per_class)
    if wrong.any():
        i = int(np.argmax(wrong))
        what = "one-hot" if per_class == 1 else f"one class's {per_class} neurons set"
        raise LabelError(f"T must be {what}; row {i} has {int(targets[i].sum())} ones")
    return targets


class Engine(abc.ABC):
    """An nBP network ``x -> h_1 -> .. -> h_L -> o`` with its weight stores.

    Training a sample runs the rule of docs/ALGORITHM.md §3, as the training
    ring routes it (12 phases for one hidden layer on the CPU circuit, more
    for deeper networks or the Loihi 2 parity ring): forward pass, output
    error, ternary errors of every hidden layer through the transposed stores
    as they were before the sample, then potentiation of every layer top-down
    and depression top-down, by one LSB with saturation. Prediction runs the
    inference ring with fixed weights.

    Parameters
    ----------
    weights, transposed
        Initial stores; see `make_engine`. They are copied.

    Attributes
    ----------
    size : NetworkSize

    Notes
    -----
    Engines are context managers; `close` releases what they hold (a Lava
    runtime, hardware) and is safe to call twice.
    """

    name: str = ""
    #: Output neurons per class (population read-out); set by `make_engine`.
    per_class: int = 1

    def __init__(self, weights, transposed=None):
        self.size, stores = check_stores(weights, transposed)
        self._closed = False
        self._load(stores)

    @abc.abstractmethod
    def _load(self, stores: dict[str, np.ndarray]) -> None:
        """Take validated int32 copies of the stores."""

    @abc.abstractmethod
    def _train(self, X: np.ndarray, T: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Train on validated samples; return the forward pass (o, z)."""

    @abc.abstractmethod
    def _predict(self, X: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """Infer validated samples; return (o, z)."""

    @abc.abstractmethod
    def _weights(self) -> dict[str, np.ndarray]:
        """Current stores as int arrays."""

    def train(self, X, T) -> tuple[np.ndarray, np.ndarray]:
        """Train on samples in order, one nBP step (one ring of the training circuit) each.

        Parameters
        ----------
        X : array_like of 0/1, shape (n, n_in)
        T : array_like, shape (n, n_out): one class's `per_class` neurons set (one-hot), or (n,) class labels

        Returns
        -------
        o : ndarray of uint8, shape (n, n_out)
            Output spikes of each sample's forward pass (phase 3).
        z : ndarray of int32, shape (n, n_out)
            Membrane read-out ``W_{L+1} h_L`` of that forward pass.
        """
        self._check_open()
        X = check_spikes(X, self.size.n_in)
        T = check_targets(T, X.shape[0], self.size.n_out, self.per_class)
        return self._train(X, T)

    def predict(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Forward pass with fixed weights: ``h_l = [W_l h_{l-1} > 512]``, ``o = [W_{L+1} h_L > 512]``.

        Returns
        -------
        o : ndarray of uint8, shape (n, n_out)
        z : ndarray of int32, shape (n, n_out)
            Membrane read-out ``W_{L+1} h_L``.
        """
        self._check_open()
        return self._predict(check_spikes(X, self.size.n_in))

    def weights(self) -> dict[str, np.ndarray]:
        """Every store as a fresh int32 array, under ``self.size.store_names``."""
        self._check_open()
        stores = self._weights()
        return {k: np.array(stores[k], dtype=np.int32) for k in self.size.store_names}

    def close(self) -> None:
        """Release resources; later calls other than `close` raise EngineError."""
        self._closed = True

    def _check_open(self):
        if self._closed:
            raise EngineError(f"the {self.name} engine is closed")

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False

    def __repr__(self):
        state = "closed" if self._closed else "open"
        return f"<{type(self).__name__} {self.size} {state}>"
