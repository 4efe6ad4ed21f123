# SPDX-License-Identifier: BSD-3-Clause
"""The integer reference's training loop, compiled: the rule of `lava_backprop.reference`, per sample.

For each sample, with the layers' stores as they stand::

    a_l = sum of the rows of W_l^T of the active h_{l-1};  h_l = [a_l > 512]
    top errors from z = a_{L+1}, o = [z > 512];  nothing more if both are empty
    d_l+- from the rows of P_{l+1}^T, M_{l+1}^T of the active errors, masked by [0 < a_l <= 1024]
    +2 on every (active pre, d+) block top-down, then -2 on every (active pre, d-) block, saturating

Every sum adds only the rows of the units that spiked, every update touches
only the blocks of active rows and columns, in int16 stores (the smallest
width that holds [-256, 254]) with int32 sums (exact: at most ``n * 256``).
The loop over samples runs in machine code (numba, compiled on first use
and cached on disk), so no Python runs per sample and no BLAS is called:
the kernel uses one core and yields its share when the cores are busy.
``tests/test_reference_exact.py`` holds it to the dense definition
(`lava_backprop.reference.dense_step`) and to an independent transcription,
bit for bit.
"""

import numba
import numpy as np

from lava_backprop.params import CIRCUIT

__all__ = ["STORE_DTYPE", "train_samples", "REPLAY", "ERROR_POS", "ERROR_NEG", "TRANSPOSED"]

#: Store width: the rule's weights are even integers in [-256, 254].
STORE_DTYPE = np.int16

_ACT, _LOW, _HIGH = CIRCUIT.act_threshold, CIRCUIT.lower_threshold, CIRCUIT.upper_threshold
_DW, _WMIN, _WMAX = CIRCUIT.dw, CIRCUIT.w_min, CIRCUIT.w_max
_SPARSE = 16  # below one active column in this many, an update visits the columns one by one
#: Kinds of closed landing (``peak[3]``): the replay of h_l through W_{l+1}, d_l+ and d_l- through
#: W_{l+1}, and the forward spikes of layer l+1 through P_{l+1}.
REPLAY, ERROR_POS, ERROR_NEG, TRANSPOSED = 0, 1, 2, 3


@numba.njit(cache=True, nogil=True)
def _row_sums(store, rows, n_rows, out):
    """``out = sum of store[rows[:n_rows]]`` (int32)."""
    out[:] = 0
    for q in range(n_rows):
        row = store[rows[q]]
        for i in range(out.shape[0]):
            out[i] += row[i]


@numba.njit(cache=True, nogil=True)
def _note(sums, peak, k, lay, kind):
    """Keep the largest entry of ``sums`` in ``peak`` if it is the largest yet."""
    for i in range(sums.shape[0]):
        if sums[i] > peak[0]:
            peak[0], peak[1], peak[2], peak[3] = sums[i], k, lay, kind


@numba.njit(cache=True, nogil=True)
def _landing(store, rows, n_rows, out, peak, k, lay, kind):
    """Sum ``store[rows[:n_rows]]`` into ``out`` and `_note` it."""
    _row_sums(store, rows, n_rows, out)
    _note(out, peak, k, lay, kind)


@numba.njit(cache=True, nogil=True)
def _bump(store, rows, n_rows, cols, col_mask, n_cols, step):
    """``store[rows x cols] += step``, saturated to the rule's range.

    ``cols`` holds ``n_cols`` column indices and ``col_mask`` the same as a
    0/1 mask. Few columns are visited one by one; many, by running the mask
    over the whole row, branch-free, which the compiler vectorises.
    """
    if n_rows == 0 or n_cols == 0:
        return
    sparse = n_cols * _SPARSE < store.shape[1]
    for q in range(n_rows):
        row = store[rows[q]]
        if sparse:
            for p in range(n_cols):
                row[cols[p]] = min(max(row[cols[p]] + step, _WMIN), _WMAX)
        else:
            for c in range(row.shape[0]):
                row[c] = min(max(row[c] + step * col_mask[c], _WMIN), _WMAX)


@numba.njit(cache=True, nogil=True)
def _update(wt, pt, mt, pre, pre_mask, n_pre, same, same_mask, n_same, other, n_other, step):
    """One sign of the update, top layer first: W by (pre, same), P by (same, pre), M by (other, pre)."""
    for lay in range(len(wt) - 1, -1, -1):
        _bump(wt[lay], pre[lay], n_pre[lay], same[lay], same_mask[lay], n_same[lay], step)
        if lay:
            _bump(pt[lay], same[lay], n_same[lay], pre[lay], pre_mask[lay], n_pre[lay], step)
            _bump(mt[lay], other[lay], n_other[lay], pre[lay], pre_mask[lay], n_pre[lay], step)


@numba.njit(cache=True, nogil=True)
def train_samples(wt, pt, mt, X, T, o_out, z_out, peak, limit):
    """Train on the rows of ``X`` in order, updating the stores in place; write each forward pass.

    With ``limit > 0`` it also takes every plastic sum that the circuit's ring
    lands on a closed population (docs/ALGORITHM.md §4.7), with the weights
    that sum reads there, keeps the largest in ``peak``, and stops after the
    first sample that lands more than ``limit``:

    - ``P_{l+1} s_{l+1}``, forward spikes, weights before the sample (replays
      of ``s_{l+1}`` read them before ``P_{l+1}`` changes);
    - ``W_{l+1} h_l``, the replay during the depression of ``W_{l+1}``: the
      weights after its potentiation, the most this sum reaches in a sample;
    - ``W_{l+1} d_l-`` after the sample's updates; ``W_{l+1} d_l+`` too, except
      with one hidden layer, where ``d_1+`` fires between W2's potentiation
      and its depression.

    Parameters
    ----------
    wt : tuple of int16 ndarray
        ``W_l^T`` of shape ``(n_{l-1}, n_l)`` for ``l = 1 .. L+1``.
    pt, mt : tuple of int16 ndarray
        ``P_l^T``, ``M_l^T`` of shape ``(n_l, n_{l-1})`` at index ``l - 1``;
        index 0 holds a placeholder (there is no ``P_1``).
    X : uint8 ndarray, shape (n, n_0)
    T : uint8 ndarray, shape (n, n_{L+1}), one-hot
    o_out : uint8 ndarray, shape (n, n_{L+1})
    z_out : int32 ndarray, shape (n, n_{L+1})
    peak : int64 ndarray, shape (4,)
        In and out: the largest closed landing so far, the sample (index in
        ``X``), the layer ``l`` and the kind (`REPLAY`, `ERROR_POS`,
        `ERROR_NEG`, `TRANSPOSED`) where it was taken.
    limit : int
        0 for no landings taken.

    Returns
    -------
    int
        The samples trained: ``n``, or one more than the sample whose landing passed ``limit``.
    """
    top = len(wt) - 1
    width = X.shape[1]
    for lay in range(top + 1):
        width = max(width, wt[lay].shape[1])
    acts = np.zeros((top + 1, width), dtype=np.int32)  # a_1 .. a_{L+1}
    pre = np.zeros((top + 1, width), dtype=np.int32)  # active h_0 .. h_L
    pos = np.zeros((top + 1, width), dtype=np.int32)  # d+ onto W_1 .. W_{L+1}
    neg = np.zeros((top + 1, width), dtype=np.int32)
    pre_mask = np.zeros((top + 1, width), dtype=np.int16)  # the same as 0/1 masks
    pos_mask = np.zeros((top + 1, width), dtype=np.int16)
    neg_mask = np.zeros((top + 1, width), dtype=np.int16)
    n_pre = np.zeros(top + 1, dtype=np.int64)
    n_pos = np.zeros(top + 1, dtype=np.int64)
    n_neg = np.zeros(top + 1, dtype=np.int64)
    sp = np.zeros(width, dtype=np.int32)
    sn = np.zeros(width, dtype=np.int32)
    land = np.zeros(width, dtype=np.int32)
    fired = np.zeros(width, dtype=np.int32)  # o's active units
    for k in range(X.shape[0]):
        n = 0
        for j in range(X.shape[1]):
            pre_mask[0, j] = X[k, j] != 0
            if X[k, j]:
                pre[0, n] = j
                n += 1
        n_pre[0] = n
        for lay in range(top + 1):
            a = acts[lay, : wt[lay].shape[1]]
            _row_sums(wt[lay], pre[lay], n_pre[lay], a)
            if lay < top:
                n = 0
                for i in range(a.shape[0]):
                    pre_mask[lay + 1, i] = a[i] > _ACT
                    if a[i] > _ACT:
                        pre[lay + 1, n] = i
                        n += 1
                n_pre[lay + 1] = n
        z = acts[top, : wt[top].shape[1]]
        n_p = n_n = n_o = 0
        for i in range(z.shape[0]):
            o = z[i] > _ACT
            o_out[k, i], z_out[k, i] = o, z[i]
            if o:
                fired[n_o] = i
                n_o += 1
            pos_mask[top, i] = T[k, i] and not o and z[i] > _LOW
            neg_mask[top, i] = o and not T[k, i] and z[i] <= _HIGH
            if pos_mask[top, i]:
                pos[top, n_p] = i
                n_p += 1
            elif neg_mask[top, i]:
                neg[top, n_n] = i
                n_n += 1
        n_pos[top], n_neg[top] = n_p, n_n
        if limit > 0:
            for lay in range(1, top + 1):
                if lay < top:
                    _landing(pt[lay], pre[lay + 1], n_pre[lay + 1], land[: pt[lay].shape[1]], peak, k, lay, TRANSPOSED)
                else:
                    _landing(pt[lay], fired, n_o, land[: pt[lay].shape[1]], peak, k, lay, TRANSPOSED)
        if n_p + n_n == 0:  # no error: every update is zero
            if limit > 0:
                for lay in range(top + 1):
                    _note(acts[lay, : wt[lay].shape[1]], peak, k, lay, REPLAY)
                if peak[0] > limit:
                    return k + 1
            continue
        # Backward, with the stores as they were before this sample.
        for lay in range(top, 0, -1):
            m = wt[lay].shape[0]
            sp[:m] = 0
            sn[:m] = 0
            for q in range(n_pos[lay]):
                rp, rm = pt[lay][pos[lay, q]], mt[lay][pos[lay, q]]
                for i in range(m):
                    sp[i] += rp[i]
                    sn[i] += rm[i]
            for q in range(n_neg[lay]):
                rp, rm = pt[lay][neg[lay, q]], mt[lay][neg[lay, q]]
                for i in range(m):
                    sn[i] += rp[i]
                    sp[i] += rm[i]
            a = acts[lay - 1]
            n_p = n_n = 0
            for i in range(m):
                b = _LOW < a[i] <= _HIGH
                pos_mask[lay - 1, i] = b and sp[i] > 0
                neg_mask[lay - 1, i] = b and sn[i] > 0
                if pos_mask[lay - 1, i]:
                    pos[lay - 1, n_p] = i
                    n_p += 1
                if neg_mask[lay - 1, i]:
                    neg[lay - 1, n_n] = i
                    n_n += 1
            n_pos[lay - 1], n_neg[lay - 1] = n_p, n_n
        _update(wt, pt, mt, pre, pre_mask, n_pre, pos, pos_mask, n_pos, neg, n_neg, _DW)
        if limit > 0:
            for lay in range(top + 1):
                _landing(wt[lay], pre[lay], n_pre[lay], land[: wt[lay].shape[1]], peak, k, lay, REPLAY)
            if top == 1:
                _landing(wt[1], pos[0], n_pos[0], land[: wt[1].shape[1]], peak, k, 1, ERROR_POS)
        _update(wt, pt, mt, pre, pre_mask, n_pre, neg, neg_mask, n_neg, pos, n_pos, -_DW)
        if limit > 0:
            for lay in range(1, top + 1):
                _landing(wt[lay], neg[lay - 1], n_neg[lay - 1], land[: wt[lay].shape[1]], peak, k, lay, ERROR_NEG)
                if top > 1:
                    _landing(wt[lay], pos[lay - 1], n_pos[lay - 1], land[: wt[lay].shape[1]], peak, k, lay, ERROR_POS)
            if peak[0] > limit:
                return k + 1
    return X.shape[0]
