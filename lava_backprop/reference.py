# SPDX-License-Identifier: BSD-3-Clause
"""Bit-exact integer reference of what the nBP circuit computes per sample.

For one sample ``x`` (binary) with one-hot target ``t`` (ALGORITHM.md §5)::

    a  = W1 x;   h = [a > 512];   b_h = [a > 0] and not [a > 1024]   # phases 2
    z  = W2 h;   o = [z > 512];   o< = [z > 0];   o> = [z > 1024]     # and 3
    d+ = t and not o and o<;      d- = o and not t and o< and not o>  # phase 4
    d1+ = b_h and [P d+ + M d- > 0]                                   # phase 6
    d1- = b_h and [P d- + M d+ > 0]                                   # phase 10
    W2 += 2 d+ h^T;  P += 2 h d+^T;  M += 2 h d-^T                    # phase 5
    W1 += 2 d1+ x^T                                                   # phase 7
    W2 -= 2 d- h^T;  P -= 2 h d-^T;  M -= 2 h d+^T                    # phase 9
    W1 -= 2 d1- x^T                                                   # phase 11

with saturation to ``[-256, 254]`` after each update. The backward pass reads
P and M as they were before the sample. This module imports no Lava.
"""

import numpy as np

from lava_backprop.engine import Engine
from lava_backprop.params import CIRCUIT
from lava_backprop.weights import LAVA_LEARNING_W_MAX, bump

__all__ = ["ReferenceEngine", "DenseEngine", "dense_step", "forward"]

_ACT = CIRCUIT.act_threshold  # 512
_LOW = CIRCUIT.lower_threshold  # 0
_HIGH = CIRCUIT.upper_threshold  # 1024
_DW = CIRCUIT.dw
_WMIN, _WMAX = CIRCUIT.w_min, CIRCUIT.w_max


def forward(X: np.ndarray, w1: np.ndarray, w2: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Inference pass of a batch: ``o = [W2 [W1 x > 512] > 512]``, ``z = W2 h``.

    Parameters
    ----------
    X : ndarray of 0/1, shape (n, n_in)
    w1 : ndarray of int, shape (n_hid, n_in)
    w2 : ndarray of int, shape (n_out, n_hid)

    Returns
    -------
    o : ndarray of uint8, shape (n, n_out)
    z : ndarray of int32, shape (n, n_out)

    Notes
    -----
    Computed with float32 matrix products: every operand and partial sum is
    an integer of magnitude below ``2**24``, which float32 represents exactly.
    """
    _check_exact_range(w1.shape[1], w2.shape[1])
    h = (X.astype(np.float32) @ w1.T.astype(np.float32)) > _ACT
    z = h.astype(np.float32) @ w2.T.astype(np.float32)
    return (z > _ACT).astype(np.uint8), z.astype(np.int32)


def _check_w_max(w_max: int) -> int:
    if w_max not in (_WMAX, LAVA_LEARNING_W_MAX):
        raise ValueError(
            f"w_max must be {_WMAX} (the rule) or {LAVA_LEARNING_W_MAX} (Lava's learning engine), got {w_max}"
        )
    return w_max


def _check_exact_range(n_in: int, n_hid: int) -> None:
    # Largest possible synaptic sum must stay exact in float32.
    if max(n_in, n_hid) * max(-_WMIN, _WMAX) >= 2**24:
        raise ValueError(f"layers of {max(n_in, n_hid)} neurons exceed the exact float32 range")


class ReferenceEngine(Engine):
    """The integer reference of nBP, fast by sparsity.

    Implements the per-sample rule of the module docstring exactly. It stores
    ``W1`` transposed and all weights as float32 holding even integers (exact,
    see `forward`), gathers only the rows of active inputs and hidden units,
    and skips the backward pass and every update of a sample whose output has
    no error (``d+`` and ``d-`` empty), since all of them are then zero.

    Parameters
    ----------
    w1, w2, w2t_pos, w2t_neg : array_like of int
        Initial stores; see `lava_backprop.make_engine`.
    w_max : {254, 255}
        Upper saturation bound; see `DenseEngine`.

    See Also
    --------
    DenseEngine : the same rule written densely, one matrix product per line.
    """

    name = "reference"

    def __init__(self, w1, w2, w2t_pos=None, w2t_neg=None, *, w_max: int = _WMAX):
        self.w_max = _check_w_max(w_max)
        super().__init__(w1, w2, w2t_pos, w2t_neg)

    def _load(self, stores):
        _check_exact_range(self.size.n_in, self.size.n_hid)
        f32 = np.float32
        self._w1t = np.ascontiguousarray(stores["w1"].T, dtype=f32)  # (in, hid)
        self._w2 = np.ascontiguousarray(stores["w2"], dtype=f32)  # (out, hid)
        self._pt = np.ascontiguousarray(stores["w2t_pos"].T, dtype=f32)  # P^T (out, hid)
        self._mt = np.ascontiguousarray(stores["w2t_neg"].T, dtype=f32)  # M^T (out, hid)

    def _weights(self):
        return {"w1": self._w1t.T, "w2": self._w2, "w2t_pos": self._pt.T, "w2t_neg": self._mt.T}

    def _predict(self, X):
        return forward(X, self._w1t.T, self._w2)

    def _train(self, X, T):
        n = X.shape[0]
        o_all = np.zeros((n, self.size.n_out), dtype=np.uint8)
        z_all = np.zeros((n, self.size.n_out), dtype=np.int32)
        Xf = X.astype(np.float32)
        Tb = T.astype(bool)
        w1t, w2, pt, mt = self._w1t, self._w2, self._pt, self._mt
        for k in range(n):
            a = Xf[k] @ w1t
            ih = np.flatnonzero(a > _ACT)
            z = w2[:, ih].sum(axis=1)
            o, low, high = z > _ACT, z > _LOW, z > _HIGH
            z_all[k], o_all[k] = z, o
            t = Tb[k]
            pos = np.flatnonzero(t & ~o & low)
            neg = np.flatnonzero(o & ~t & low & ~high)
            if pos.size == 0 and neg.size == 0:
                continue
            # Backward pass with the stores as they were before this sample.
            mask = (a > _LOW) & ~(a > _HIGH)
            d1p = np.flatnonzero(mask & (pt[pos].sum(axis=0) + mt[neg].sum(axis=0) > 0))
            d1m = np.flatnonzero(mask & (pt[neg].sum(axis=0) + mt[pos].sum(axis=0) > 0))
            ix = np.flatnonzero(X[k])
            # Phase 5, 7, 9, 11 in order, saturating after each.
            bump(w2, pos, ih, +_DW, self.w_max)
            bump(pt, pos, ih, +_DW, self.w_max)
            bump(mt, neg, ih, +_DW, self.w_max)
            bump(w1t, ix, d1p, +_DW, self.w_max)
            bump(w2, neg, ih, -_DW)
            bump(pt, neg, ih, -_DW)
            bump(mt, pos, ih, -_DW)
            bump(w1t, ix, d1m, -_DW)
        return o_all, z_all


class DenseEngine(Engine):
    """The integer reference written densely: int64 matrices, one line per rule.

    Every sample computes every product and applies every (possibly empty)
    outer-product update over the full matrices, exactly as the module
    docstring reads. It is the baseline that `ReferenceEngine` is measured
    against (``benchmarks/bench_reference.py``), not a way to train.

    Parameters
    ----------
    w1, w2, w2t_pos, w2t_neg : array_like of int
        Initial stores; see `lava_backprop.make_engine`.
    w_max : {254, 255}
        Upper saturation bound of the updates. 254 is the rule; 255 is what
        lava-nc 0.10.0's learning engine does (``loihi2-sim``, docs/LOIHI2.md),
        so ``w_max=255`` predicts that engine bit for bit.
    """

    name = "dense"

    def __init__(self, w1, w2, w2t_pos=None, w2t_neg=None, *, w_max: int = _WMAX):
        self.w_max = _check_w_max(w_max)
        super().__init__(w1, w2, w2t_pos, w2t_neg)

    def _load(self, stores):
        self._w = {k: v.astype(np.int64) for k, v in stores.items()}

    def _weights(self):
        return self._w

    def _predict(self, X):
        w = self._w
        h = (X.astype(np.int64) @ w["w1"].T > _ACT).astype(np.int64)
        z = h @ w["w2"].T
        return (z > _ACT).astype(np.uint8), z.astype(np.int32)

    def _train(self, X, T):
        n = X.shape[0]
        o_all = np.zeros((n, self.size.n_out), dtype=np.uint8)
        z_all = np.zeros((n, self.size.n_out), dtype=np.int32)
        for k in range(n):
            v = dense_step(self._w, X[k], T[k], self.w_max)
            o_all[k], z_all[k] = v["o"], v["z"]
        return o_all, z_all


def dense_step(stores: dict, x, t, w_max: int = _WMAX) -> dict:
    """One sample of the rule, written densely; updates int64 ``stores`` in place.

    Parameters
    ----------
    stores : dict of str to ndarray of int64
        ``w1``, ``w2``, ``w2t_pos``, ``w2t_neg``.
    x : array of 0/1, shape (n_in,)
    t : array of 0/1, shape (n_out,)
    w_max : int
        Upper saturation bound (the rule's is 254; see `DenseEngine`).

    Returns
    -------
    dict
        The sample's vectors: ``a, h, b_h, z, o, o_lo, o_hi, d_pos, d_neg``,
        ``up, un`` (backward sums > 0, before the mask) and ``d1_pos, d1_neg``.
    """
    w1, w2, p, m = (stores[k] for k in ("w1", "w2", "w2t_pos", "w2t_neg"))
    x, t = np.asarray(x, dtype=np.int64), np.asarray(t, dtype=bool)
    a = w1 @ x
    h = (a > _ACT).astype(np.int64)
    b_h = (a > _LOW) & ~(a > _HIGH)
    z = w2 @ h
    o, o_lo, o_hi = z > _ACT, z > _LOW, z > _HIGH
    d_pos = (t & ~o & o_lo).astype(np.int64)
    d_neg = (o & ~t & o_lo & ~o_hi).astype(np.int64)
    up, un = p @ d_pos + m @ d_neg > 0, p @ d_neg + m @ d_pos > 0
    d1_pos, d1_neg = (b_h & up).astype(np.int64), (b_h & un).astype(np.int64)
    np.clip(w2 + _DW * np.outer(d_pos, h), _WMIN, w_max, out=w2)
    np.clip(p + _DW * np.outer(h, d_pos), _WMIN, w_max, out=p)
    np.clip(m + _DW * np.outer(h, d_neg), _WMIN, w_max, out=m)
    np.clip(w1 + _DW * np.outer(d1_pos, x), _WMIN, w_max, out=w1)
    np.clip(w2 - _DW * np.outer(d_neg, h), _WMIN, w_max, out=w2)
    np.clip(p - _DW * np.outer(h, d_neg), _WMIN, w_max, out=p)
    np.clip(m - _DW * np.outer(h, d_pos), _WMIN, w_max, out=m)
    np.clip(w1 - _DW * np.outer(d1_neg, x), _WMIN, w_max, out=w1)
    return {
        "a": a,
        "h": h,
        "b_h": b_h,
        "z": z,
        "o": o,
        "o_lo": o_lo,
        "o_hi": o_hi,
        "d_pos": d_pos,
        "d_neg": d_neg,
        "up": up,
        "un": un,
        "d1_pos": d1_pos,
        "d1_neg": d1_neg,
    }
