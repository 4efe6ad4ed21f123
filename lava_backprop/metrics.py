# SPDX-License-Identifier: BSD-3-Clause
"""Classification metrics of a binary output layer (docs/ALGORITHM.md §8).

For output spikes ``o``, membrane read-out ``z`` and one-hot targets ``t``::

    exact_match = mean_n  all_j (o_nj == t_nj)
    argmax_o    = mean_n  [argmax_j o_nj == label_n]   # ties -> lowest index
    argmax_z    = mean_n  [argmax_j z_nj == label_n]   # ties -> lowest index
    mse         = mean_nj (o_nj - t_nj)^2
"""

import numpy as np

from lava_backprop.errors import ShapeError

__all__ = ["METRIC_NAMES", "classification_metrics"]

METRIC_NAMES = ("exact_match", "argmax_o", "argmax_z", "mse")


def classification_metrics(o, z, T, per_class: int = 1) -> dict[str, float]:
    """The four metrics of a batch, as fractions in [0, 1] (mse: per element).

    Parameters
    ----------
    o : array_like of 0/1, shape (n, n_out)
    z : array_like, shape (n, n_out)
    T : array_like of 0/1, shape (n, n_out)
        Targets: one class's ``per_class`` neurons set (one-hot for 1).
    per_class : int
        Output neurons per class. A class's score is the sum over its
        neurons (spikes for argmax(o), read-outs for argmax(z)); ties go to
        the lowest class.

    Returns
    -------
    dict
        ``exact_match`` (o equals T on every neuron), ``argmax_o``,
        ``argmax_z``, ``mse`` and ``n``.
    """
    o, z, T = np.asarray(o), np.asarray(z), np.asarray(T)
    if not (o.shape == z.shape == T.shape) or o.ndim != 2:
        raise ShapeError(f"o, z and T must share one 2-D shape, got {o.shape}, {z.shape}, {T.shape}")
    n = o.shape[0]
    if n == 0:
        return {name: float("nan") for name in METRIC_NAMES} | {"n": 0}
    if per_class < 1 or o.shape[1] % per_class:
        raise ShapeError(f"per_class={per_class} does not divide the {o.shape[1]} output neurons into classes")

    def by_class(a):
        return np.asarray(a, dtype=np.int64).reshape(n, -1, per_class).sum(axis=2)

    labels = np.argmax(by_class(T), axis=1)
    diff = o.astype(np.int64) - T.astype(np.int64)
    return {
        "exact_match": float(np.mean(np.all(diff == 0, axis=1))),
        "argmax_o": float(np.mean(np.argmax(by_class(o), axis=1) == labels)),
        "argmax_z": float(np.mean(np.argmax(by_class(z), axis=1) == labels)),
        "mse": float(np.mean(diff**2)),
        "n": int(n),
    }
