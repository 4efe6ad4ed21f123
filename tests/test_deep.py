# SPDX-License-Identifier: BSD-3-Clause
"""Deep nBP reference: one hidden layer is the paper's rule; two against a transcription."""

import numpy as np
import pytest
from nbp_testing import saturating_network

import lava_backprop as lb
from lava_backprop.deep import DeepNetwork, deep_glorot_init
from lava_backprop.errors import ShapeError

LO, HI = -256, 254


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_one_hidden_layer_is_the_reference_engine(seed):
    w1, w2, X, y = saturating_network(40, 24, 10, 250, seed)
    T = np.eye(10, dtype=np.uint8)[y]
    deep = DeepNetwork([w1, w2])
    o, z = deep.train(X, T)
    with lb.make_engine("reference", w1, w2) as ref:
        o_ref, z_ref = ref.train(X, T)
        w = ref.weights()
    np.testing.assert_array_equal(o, o_ref)
    np.testing.assert_array_equal(z, z_ref)
    got = deep.weights()
    for mine, theirs in (("W1", "w1"), ("W2", "w2"), ("P2", "w2t_pos"), ("M2", "w2t_neg")):
        np.testing.assert_array_equal(got[mine], w[theirs], err_msg=mine)


def transcription(Ws, X, T):
    """The module docstring, line by line, with Python ints."""
    Ws = [np.array(w, dtype=object) for w in Ws]
    P = {i: Ws[i - 1].T.copy() for i in range(2, len(Ws) + 1)}
    M = {i: np.clip(-Ws[i - 1].T, LO, HI) for i in range(2, len(Ws) + 1)}
    L = len(Ws) - 1
    outs = []
    for x, t in zip(X, T.astype(bool), strict=True):
        h = {0: np.array(x, dtype=object)}
        a = {}
        for i in range(1, L + 1):
            a[i] = Ws[i - 1].dot(h[i - 1])
            h[i] = np.array([int(v > 512) for v in a[i]], dtype=object)
        z = Ws[L].dot(h[L])
        o = np.array([v > 512 for v in z])
        dp = {L + 1: (t & ~o & np.array([v > 0 for v in z])).astype(int)}
        dn = {L + 1: (o & ~t & np.array([0 < v <= 1024 for v in z])).astype(int)}
        for i in range(L, 0, -1):
            b = np.array([0 < v <= 1024 for v in a[i]])
            dp[i] = (b & np.array([v > 0 for v in P[i + 1].dot(dp[i + 1]) + M[i + 1].dot(dn[i + 1])])).astype(int)
            dn[i] = (b & np.array([v > 0 for v in P[i + 1].dot(dn[i + 1]) + M[i + 1].dot(dp[i + 1])])).astype(int)
        for sign, same, other in ((2, dp, dn), (-2, dn, dp)):
            for i in range(L + 1, 0, -1):
                Ws[i - 1] = np.clip(Ws[i - 1] + sign * np.outer(same[i], h[i - 1]), LO, HI)
                if i >= 2:
                    P[i] = np.clip(P[i] + sign * np.outer(h[i - 1], same[i]), LO, HI)
                    M[i] = np.clip(M[i] + sign * np.outer(h[i - 1], other[i]), LO, HI)
        outs.append(o.astype(np.uint8))
    return Ws, P, M, np.array(outs)


@pytest.mark.parametrize(("sizes", "seed"), [((30, 20, 16, 10), 0), ((30, 20, 16, 10), 2), ((24, 16, 12, 8, 10), 3)])
def test_deeper_networks_match_the_transcription(sizes, seed):
    rng = np.random.default_rng(seed)
    # Glorot weights, the top layer doubled so that it starts at both bounds.
    Ws = deep_glorot_init(sizes, rng)
    Ws[-1] = np.clip(2 * Ws[-1], LO, HI)
    X = (rng.random((300, sizes[0])) < 0.5).astype(np.uint8)
    T = np.eye(sizes[-1], dtype=np.uint8)[rng.integers(0, sizes[-1], 300)]
    W_want, P_want, M_want, o_want = transcription(Ws, X, T)
    deep = DeepNetwork(Ws)
    o, _ = deep.train(X, T)
    np.testing.assert_array_equal(o, o_want)
    got = deep.weights()
    for i, w in enumerate(W_want, start=1):
        np.testing.assert_array_equal(got[f"W{i}"], w.astype(int), err_msg=f"W{i}")
    for i in P_want:
        np.testing.assert_array_equal(got[f"P{i}"], P_want[i].astype(int), err_msg=f"P{i}")
        np.testing.assert_array_equal(got[f"M{i}"], M_want[i].astype(int), err_msg=f"M{i}")
    # Errors reached every layer.
    for i, w in enumerate(Ws, start=1):
        assert (got[f"W{i}"] != w).any(), f"W{i} never learned"


def test_bad_shapes():
    w = deep_glorot_init([6, 5, 4, 3], seed=0)
    with pytest.raises(ShapeError, match="at least one hidden layer"):
        DeepNetwork(w[:1])
    with pytest.raises(ValueError, match="W2 must have shape"):
        DeepNetwork([w[0], np.zeros((4, 7), dtype=int), w[2]])
    net = DeepNetwork(w)
    with pytest.raises(ShapeError):
        net.train(np.zeros((2, 5)), np.zeros((2, 3)))
