# SPDX-License-Identifier: BSD-3-Clause
"""Integer nBP for any number of hidden layers (reference semantics).

For layer sizes ``[n_0, n_1, ..., n_L, n_{L+1}]`` (input, L hidden layers,
output), weights ``W_l`` of shape (n_l, n_{l-1}) and, for ``l >= 2``, the
transposed stores ``P_l`` (+W_l^T) and ``M_l`` (-W_l^T)::

    h_0 = x;  a_l = W_l h_{l-1};  h_l = [a_l > 512]            l = 1 .. L
    z = W_{L+1} h_L;  o = [z > 512]
    d_{L+1}+ = t and not o and [z > 0];  d_{L+1}- = o and not t and [0 < z <= 1024]
    d_l+ = [0 < a_l <= 1024] and [P_{l+1} d_{l+1}+ + M_{l+1} d_{l+1}- > 0]     l = L .. 1
    d_l- = [0 < a_l <= 1024] and [P_{l+1} d_{l+1}- + M_{l+1} d_{l+1}+ > 0]     (stores before the sample)
    potentiation, l = L+1 .. 1:  W_l += 2 d_l+ h_{l-1}^T;  P_l += 2 h_{l-1} d_l+^T;  M_l += 2 h_{l-1} d_l-^T
    depression,   l = L+1 .. 1:  W_l -= 2 d_l- h_{l-1}^T;  P_l -= 2 h_{l-1} d_l-^T;  M_l -= 2 h_{l-1} d_l+^T

each update saturating to [-256, 254]. With one hidden layer this is exactly
`lava_backprop.reference` (the paper's circuit); for more, the update order
(all potentiation top-down, then all depression top-down) is the natural
extension of the paper's phases 5, 7, 9, 11, which a deeper gating schedule
has to realise.
"""

import numpy as np

from lava_backprop.errors import ShapeError
from lava_backprop.params import CIRCUIT
from lava_backprop.rng import check_random_state
from lava_backprop.weights import bump, check_store, saturate

__all__ = ["DeepNetwork", "deep_glorot_init"]

_ACT, _LOW, _HIGH, _DW = CIRCUIT.act_threshold, CIRCUIT.lower_threshold, CIRCUIT.upper_threshold, CIRCUIT.dw


def deep_glorot_init(sizes, seed=None) -> list[np.ndarray]:
    """Glorot-normal weights for ``sizes = [n_0, ..., n_{L+1}]`` (ALGORITHM.md §6 recipe)."""
    rng = check_random_state(seed)
    out = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        std = np.sqrt(2.0 / (fan_in + fan_out)) * CIRCUIT.theta
        w = np.clip(rng.normal(0.0, std, size=(fan_out, fan_in)), -240, 240)
        out.append((2 * np.trunc(w / 2)).astype(np.int32))
    return out


class DeepNetwork:
    """A deep nBP network trained with the rule of the module docstring.

    Parameters
    ----------
    weights : list of array of int
        ``W_1 .. W_{L+1}``, each (n_l, n_{l-1}).
    transposed : list of (P, M) pairs, optional
        Stores for ``l = 2 .. L+1``; default ``P_l = W_l^T``, ``M_l = clip(-W_l^T)``.
    """

    def __init__(self, weights, transposed=None):
        if len(weights) < 2:
            raise ShapeError("a network needs at least one hidden layer: two weight matrices")
        self.w = []
        for i, w in enumerate(weights, start=1):
            w = np.asarray(w)
            expected = (w.shape[0], self.w[-1].shape[0]) if self.w else w.shape
            if w.ndim != 2:
                raise ShapeError(f"W{i} must be 2-D, got shape {w.shape}")
            self.w.append(check_store(f"W{i}", w, expected).astype(np.float32))
        self.sizes = [self.w[0].shape[1]] + [w.shape[0] for w in self.w]
        if transposed is None:
            transposed = [(w.T, saturate(-w.T.copy())) for w in self.w[1:]]
        if len(transposed) != len(self.w) - 1:
            raise ShapeError(f"need {len(self.w) - 1} transposed store pairs, got {len(transposed)}")
        self.pos, self.neg = [], []
        for i, (p, m) in enumerate(transposed, start=2):
            shape = self.w[i - 1].T.shape
            self.pos.append(check_store(f"P{i}", p, shape).astype(np.float32).T.copy())  # stored as (n_l, n_{l-1})
            self.neg.append(check_store(f"M{i}", m, shape).astype(np.float32).T.copy())

    def _forward(self, x):
        hs, acts = [x], []
        for w in self.w[:-1]:
            a = w @ hs[-1]
            acts.append(a)
            hs.append((a > _ACT).astype(np.float32))
        z = self.w[-1] @ hs[-1]
        return hs, acts, z

    def train(self, X, T) -> tuple[np.ndarray, np.ndarray]:
        """Train on samples in order; return each forward pass's (o, z) before its update."""
        X = np.asarray(X, dtype=np.float32)
        T = np.asarray(T).astype(bool)
        n, n_out = X.shape[0], self.sizes[-1]
        if X.shape[1] != self.sizes[0] or T.shape != (n, n_out):
            raise ShapeError(f"X must be (n, {self.sizes[0]}) and T (n, {n_out}); got {X.shape}, {T.shape}")
        o_all = np.zeros((n, n_out), dtype=np.uint8)
        z_all = np.zeros((n, n_out), dtype=np.int32)
        L = len(self.w) - 1
        for k in range(n):
            hs, acts, z = self._forward(X[k])
            o = z > _ACT
            o_all[k], z_all[k] = o, z
            t = T[k]
            d_pos = [None] * (L + 2)  # d_pos[l] for layer l = 1 .. L+1
            d_neg = [None] * (L + 2)
            d_pos[L + 1] = t & ~o & (z > _LOW)
            d_neg[L + 1] = o & ~t & (z > _LOW) & ~(z > _HIGH)
            if not (d_pos[L + 1].any() or d_neg[L + 1].any()):
                continue
            for layer in range(L, 0, -1):
                a = acts[layer - 1]
                b = (a > _LOW) & ~(a > _HIGH)
                p, m = self.pos[layer - 1], self.neg[layer - 1]  # stores of W_{layer+1}, (n_{l+1}, n_l)
                up = d_pos[layer + 1].astype(np.float32) @ p + d_neg[layer + 1].astype(np.float32) @ m
                un = d_neg[layer + 1].astype(np.float32) @ p + d_pos[layer + 1].astype(np.float32) @ m
                d_pos[layer], d_neg[layer] = b & (up > 0), b & (un > 0)
            pre = [np.flatnonzero(h) for h in hs]  # active units of h_0 .. h_L
            for sign, d_same, d_other in ((+_DW, d_pos, d_neg), (-_DW, d_neg, d_pos)):
                for layer in range(L + 1, 0, -1):
                    rows = np.flatnonzero(d_same[layer])
                    bump(self.w[layer - 1], rows, pre[layer - 1], sign)
                    if layer >= 2:
                        bump(self.pos[layer - 2], rows, pre[layer - 1], sign)
                        bump(self.neg[layer - 2], np.flatnonzero(d_other[layer]), pre[layer - 1], sign)
        return o_all, z_all

    def predict(self, X) -> tuple[np.ndarray, np.ndarray]:
        """Forward pass of a batch: output spikes and membrane read-out."""
        h = np.asarray(X, dtype=np.float32)
        for w in self.w[:-1]:
            h = (h @ w.T > _ACT).astype(np.float32)
        z = h @ self.w[-1].T
        return (z > _ACT).astype(np.uint8), z.astype(np.int32)

    def weights(self) -> dict:
        """``W1 ..``, ``P2 ..``, ``M2 ..`` as int32 arrays (P, M in (n_{l-1}, n_l) layout)."""
        out = {f"W{i}": w.astype(np.int32) for i, w in enumerate(self.w, start=1)}
        out |= {f"P{i}": p.T.astype(np.int32) for i, p in enumerate(self.pos, start=2)}
        out |= {f"M{i}": m.T.astype(np.int32) for i, m in enumerate(self.neg, start=2)}
        return out
