# SPDX-License-Identifier: BSD-3-Clause
"""Bit-exact integer reference of what the nBP circuit computes per sample.

For a network ``[n_0, .., n_{L+1}]`` and one sample ``x = h_0`` (binary) with
one-hot target ``t`` (docs/ALGORITHM.md §3)::

    a_l = W_l h_{l-1};  h_l = [a_l > 512];  b_l = [0 < a_l <= 1024]     l = 1 .. L
    z = W_{L+1} h_L;  o = [z > 512]
    d_{L+1}+ = t and not o and [z > 0];  d_{L+1}- = o and not t and [0 < z <= 1024]
    d_l+ = b_l and [P_{l+1} d_{l+1}+ + M_{l+1} d_{l+1}- > 0]           l = L .. 1
    d_l- = b_l and [P_{l+1} d_{l+1}- + M_{l+1} d_{l+1}+ > 0]           (P, M before the sample)
    for l = L+1 .. 1:  W_l += 2 d_l+ h_{l-1}^T;  P_l += 2 h_{l-1} d_l+^T;  M_l += 2 h_{l-1} d_l-^T
    for l = L+1 .. 1:  W_l -= 2 d_l- h_{l-1}^T;  P_l -= 2 h_{l-1} d_l-^T;  M_l -= 2 h_{l-1} d_l+^T

with saturation to ``[-256, 254]`` after each update (``P_l``, ``M_l`` exist
for ``l >= 2``). With one hidden layer these are the paper's phases 5, 7, 9
and 11. This module imports no Lava.
"""

import numpy as np

from lava_backprop.engine import Engine
from lava_backprop.errors import CircuitError
from lava_backprop.kernel import ERROR_NEG, ERROR_POS, REPLAY, STORE_DTYPE, train_samples
from lava_backprop.params import CIRCUIT
from lava_backprop.schedule.layout import names

__all__ = ["ReferenceEngine", "DenseEngine", "dense_step", "forward"]

_ACT = CIRCUIT.act_threshold  # 512
_LOW = CIRCUIT.lower_threshold  # 0
_HIGH = CIRCUIT.upper_threshold  # 1024
_DW = CIRCUIT.dw
_WMIN, _WMAX = CIRCUIT.w_min, CIRCUIT.w_max
#: The most synaptic input a guarded closed population takes and stays silent (docs/ALGORITHM.md §4.7).
CLOSED_LIMIT = CIRCUIT.theta - CIRCUIT.bias - CIRCUIT.gate_inhibit  # 17344


def forward(X: np.ndarray, weights) -> tuple[np.ndarray, np.ndarray]:
    """Inference pass of a batch: ``h_l = [W_l h_{l-1} > 512]``, ``z = W_{L+1} h_L``, ``o = [z > 512]``.

    Parameters
    ----------
    X : ndarray of 0/1, shape (n, n_in)
    weights : list of ndarray of int
        ``W_1 .. W_{L+1}``, ``W_l`` of shape (n_l, n_{l-1}).

    Returns
    -------
    o : ndarray of uint8, shape (n, n_out)
    z : ndarray of int32, shape (n, n_out)

    Notes
    -----
    Computed with float32 matrix products: every operand and partial sum is
    an integer of magnitude below ``2**24``, which float32 represents exactly.
    """
    _check_exact_range([w.shape[1] for w in weights])
    h = np.asarray(X, dtype=np.float32)
    for w in weights[:-1]:
        h = (h @ w.T.astype(np.float32) > _ACT).astype(np.float32)
    z = h @ weights[-1].T.astype(np.float32)
    return (z > _ACT).astype(np.uint8), z.astype(np.int32)


def _check_exact_range(fan_ins) -> None:
    # Largest possible synaptic sum must stay exact in float32.
    if max(fan_ins) * max(-_WMIN, _WMAX) >= 2**24:
        raise ValueError(f"layers of {max(fan_ins)} neurons exceed the exact float32 range")


class ReferenceEngine(Engine):
    """The integer reference of nBP, compiled and fast by sparsity.

    Implements the per-sample rule of the module docstring exactly, for any
    number of hidden layers, in `lava_backprop.kernel`: int16 stores, each
    ``W_l`` kept transposed so that the active units of the layer below
    select its rows, and ``P_l``, ``M_l`` kept as ``P_l^T``, ``M_l^T`` so
    that the active errors select theirs. Only those rows are summed and
    only the active blocks updated; a sample whose output has no error skips
    the backward pass and every update, since all of them are then zero.
    `predict` is the batched `forward`.

    With ``check_circuit=True`` it also takes, in every sample, each plastic
    sum that the training circuit lands on a closed population, with the
    weights it reads there (`lava_backprop.kernel.train_samples`), so that a
    whole run is known to be one the circuit trains exactly without
    simulating its steps: the largest so far is `closed_peak`, and the first
    sample that lands more than `CLOSED_LIMIT` (where the circuit raises
    `CircuitError` rather than compute something else) raises
    `CircuitError` here too, after that sample's update.

    Parameters
    ----------
    weights, transposed
        Initial stores; see `lava_backprop.make_engine`.
    check_circuit : bool

    See Also
    --------
    DenseEngine : the same rule written densely, one matrix product per line.
    """

    name = "reference"

    def __init__(self, weights, transposed=None, check_circuit: bool = False):
        self.check_circuit = bool(check_circuit)
        self._peak = np.array([np.iinfo(np.int64).min, -1, 0, 0], dtype=np.int64)
        self._trained = 0
        super().__init__(weights, transposed)

    @property
    def closed_peak(self) -> dict | None:
        """The largest input landed on a closed population so far (``check_circuit``), or None.

        ``{"input", "limit", "sample", "population", "sum"}``: the sample counts
        from 0 over every `train` call; ``sum`` names the synapses and spikes.
        """
        if self._peak[1] < 0:
            return None
        value, sample, lay, kind = (int(v) for v in self._peak)
        return {"input": value, "limit": CLOSED_LIMIT, "sample": sample} | _landing_names(self.size.n_hidden, lay, kind)

    def _load(self, stores):
        _check_exact_range(self.size.sizes[:-1])
        n = self.size.n_hidden + 1
        self._wt = _stores_list([stores[f"w{i}"].T for i in range(1, n + 1)])  # (n_{l-1}, n_l)
        none = np.zeros((0, 0))
        self._pt = _stores_list([none] + [stores[f"w{i}t_pos"].T for i in range(2, n + 1)])
        self._mt = _stores_list([none] + [stores[f"w{i}t_neg"].T for i in range(2, n + 1)])

    def _weights(self):
        n = self.size.n_hidden + 1
        out = {f"w{i}": self._wt[i - 1].T for i in range(1, n + 1)}
        for i in range(2, n + 1):
            out[f"w{i}t_pos"], out[f"w{i}t_neg"] = self._pt[i - 1].T, self._mt[i - 1].T
        return out

    def _predict(self, X):
        return forward(X, [w.T for w in self._wt])

    def _train(self, X, T):
        n = X.shape[0]
        o = np.zeros((n, self.size.n_out), dtype=np.uint8)
        z = np.zeros((n, self.size.n_out), dtype=np.int32)
        X, T = np.ascontiguousarray(X, dtype=np.uint8), np.ascontiguousarray(T, dtype=np.uint8)
        peak = self._peak.copy()
        limit = CLOSED_LIMIT if self.check_circuit else 0
        done = train_samples(self._wt, self._pt, self._mt, X, T, o, z, peak, limit)
        if peak[1] >= 0 and peak[0] > self._peak[0]:
            self._peak[:] = peak
            self._peak[1] += self._trained
        self._trained += done
        if peak[0] > limit > 0:
            p = self.closed_peak
            raise CircuitError(
                f"sample {p['sample']} lands {p['sum']} = {p['input']} on the closed {p['population']}, above the "
                f"{CLOSED_LIMIT} it tolerates silent: the circuit would stop there, so this is not a run the "
                "circuit trains exactly (the engine holds the weights after that sample)"
            )
        return o, z


def _landing_names(n_hidden: int, lay: int, kind: int) -> dict:
    """Population and sum of a closed landing (a `lava_backprop.kernel` kind) in the ring's names."""
    nm = names(n_hidden)
    pre = "x" if lay == 0 else nm[lay]["h"]
    if kind == REPLAY:
        return {"population": f"{nm[lay + 1]['h']}*", "sum": f"W{lay + 1} {pre}"}
    if kind in (ERROR_POS, ERROR_NEG):
        return {"population": f"{nm[lay + 1]['h']}*", "sum": f"W{lay + 1} d{lay}{'+' if kind == ERROR_POS else '-'}"}
    return {"population": nm[lay]["t"], "sum": f"P{lay + 1} {nm[lay + 1]['h']}"}


def _stores_list(stores) -> tuple:
    """The kernel's tuple of C-contiguous `STORE_DTYPE` copies of ``stores``."""
    return tuple(np.ascontiguousarray(w, dtype=STORE_DTYPE) for w in stores)


class DenseEngine(Engine):
    """The integer reference written densely: int64 matrices, one line per rule.

    Every sample computes every product and applies every (possibly empty)
    outer-product update over the full matrices, exactly as the module
    docstring reads (`dense_step`). It is the baseline that `ReferenceEngine`
    is measured against (``benchmarks/bench_reference.py``), not a way to
    train.

    Parameters
    ----------
    weights, transposed
        Initial stores; see `lava_backprop.make_engine`.
    """

    name = "dense"

    def _load(self, stores):
        self._w = {k: v.astype(np.int64) for k, v in stores.items()}

    def _weights(self):
        return self._w

    def _predict(self, X):
        h = X.astype(np.int64)
        for i in range(1, self.size.n_hidden + 1):
            h = (h @ self._w[f"w{i}"].T > _ACT).astype(np.int64)
        z = h @ self._w[f"w{self.size.n_hidden + 1}"].T
        return (z > _ACT).astype(np.uint8), z.astype(np.int32)

    def _train(self, X, T):
        n = X.shape[0]
        o_all = np.zeros((n, self.size.n_out), dtype=np.uint8)
        z_all = np.zeros((n, self.size.n_out), dtype=np.int32)
        for k in range(n):
            o_all[k], z_all[k] = dense_step(self._w, X[k], T[k])
        return o_all, z_all


def dense_step(stores: dict, x, t) -> tuple[np.ndarray, np.ndarray]:
    """One sample of the rule, written densely; updates int64 ``stores`` in place.

    Parameters
    ----------
    stores : dict of str to ndarray of int64
        ``w1 .. w<L+1>`` and ``w<l>t_pos``, ``w<l>t_neg`` for ``l = 2 .. L+1``.
    x : array of 0/1, shape (n_in,)
    t : array of 0/1, shape (n_out,)

    Returns
    -------
    o : ndarray of bool, shape (n_out,)
    z : ndarray of int64, shape (n_out,)
        The forward pass, before the update.
    """
    n = sum(1 for key in stores if key[1:].isdigit())  # L + 1
    W = {i: stores[f"w{i}"] for i in range(1, n + 1)}
    P = {i: stores[f"w{i}t_pos"] for i in range(2, n + 1)}
    M = {i: stores[f"w{i}t_neg"] for i in range(2, n + 1)}
    h, a = {0: np.asarray(x, dtype=np.int64)}, {}
    for i in range(1, n + 1):
        a[i] = W[i] @ h[i - 1]
        h[i] = (a[i] > _ACT).astype(np.int64)
    t = np.asarray(t, dtype=bool)
    z, o = a[n], a[n] > _ACT
    d_pos = {n: (t & ~o & (z > _LOW)).astype(np.int64)}
    d_neg = {n: (o & ~t & (z > _LOW) & ~(z > _HIGH)).astype(np.int64)}
    for i in range(n - 1, 0, -1):
        b = (a[i] > _LOW) & ~(a[i] > _HIGH)
        d_pos[i] = (b & (P[i + 1] @ d_pos[i + 1] + M[i + 1] @ d_neg[i + 1] > 0)).astype(np.int64)
        d_neg[i] = (b & (P[i + 1] @ d_neg[i + 1] + M[i + 1] @ d_pos[i + 1] > 0)).astype(np.int64)
    for sign, same, other in ((+_DW, d_pos, d_neg), (-_DW, d_neg, d_pos)):
        for i in range(n, 0, -1):
            np.clip(W[i] + sign * np.outer(same[i], h[i - 1]), _WMIN, _WMAX, out=W[i])
            if i >= 2:
                np.clip(P[i] + sign * np.outer(h[i - 1], same[i]), _WMIN, _WMAX, out=P[i])
                np.clip(M[i] + sign * np.outer(h[i - 1], other[i]), _WMIN, _WMAX, out=M[i])
    return o, z
