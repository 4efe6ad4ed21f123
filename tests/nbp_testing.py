# SPDX-License-Identifier: BSD-3-Clause
"""Helpers shared by test modules (importable: ``pythonpath = tests``)."""

import numpy as np

EDGES = np.array([-256, -254, 252, 254])


def edgy_weights(rng, shape, p_edge=0.5):
    """Even weights, about half of them at or next to either end of the range."""
    uniform = rng.integers(-128, 128, size=shape) * 2
    return np.where(rng.random(shape) < p_edge, rng.choice(EDGES, size=shape), uniform).astype(np.int64)


def saturating_network(n_in, n_hid, n_out, n_samples, seed, p_input=0.3):
    """A network whose weights sit near both ends, and samples that keep pushing them.

    A handful of input patterns with fixed labels is repeated (with a few bits
    flipped), so the same weights are updated again and again and many
    updates hit +254 or -256.
    """
    rng = np.random.default_rng(seed)
    w1 = edgy_weights(rng, (n_hid, n_in)) * (rng.random((n_hid, n_in)) < 0.4)
    w2 = edgy_weights(rng, (n_out, n_hid))
    patterns = (rng.random((8, n_in)) < p_input).astype(np.uint8)
    labels_of = rng.integers(0, n_out, size=8)
    pick = rng.integers(0, 8, size=n_samples)
    X = patterns[pick] ^ (rng.random((n_samples, n_in)) < 0.05).astype(np.uint8)
    return w1, w2, X, labels_of[pick]
