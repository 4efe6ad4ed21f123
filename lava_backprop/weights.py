# SPDX-License-Identifier: BSD-3-Clause
"""The plastic weight stores: initialisation, saturation and validation.

A plastic weight is an even integer in ``[w_min, w_max] = [-256, 254]`` (8-bit
mixed-sign mantissa, exponent 0). Learning moves it by ``dw = 2``, one least
significant bit, and saturates::

    w <- min(max(w + dw_step, w_min), w_max)

A network ``[n_0, .., n_{L+1}]`` has the stores ``w1 .. w<L+1>`` (``W_l``,
shape (n_l, n_{l-1})) and, for ``l = 2 .. L+1``, ``w<l>t_pos`` (``P_l``, the
+W_l^T store) and ``w<l>t_neg`` (``M_l``, the -W_l^T store), each of shape
(n_{l-1}, n_l); `NetworkSize.store_names` lists them (docs/ALGORITHM.md §3).
Every engine, ``loihi2-sim`` included, keeps its stores in that range.
"""

import os
from collections.abc import Mapping

import numpy as np

from lava_backprop.errors import ShapeError, WeightError
from lava_backprop.params import CIRCUIT, NetworkSize
from lava_backprop.rng import check_random_state

__all__ = [
    "WEIGHT_DTYPE",
    "check_memory",
    "saturate",
    "bump",
    "glorot_init",
    "check_store",
    "check_stores",
]

WEIGHT_DTYPE = np.int32

_INIT_LIMIT = 240


def saturate(w: np.ndarray) -> np.ndarray:
    """Clip ``w`` to the plastic range ``[-256, 254]``, in place, and return it."""
    return np.clip(w, CIRCUIT.w_min, CIRCUIT.w_max, out=w)


def bump(w: np.ndarray, rows, cols, step: int) -> None:
    """``w[rows x cols] += step`` in place, saturated to ``[-256, 254]``.

    ``rows`` and ``cols`` are index arrays; nothing happens if either is empty.
    """
    if len(rows) == 0 or len(cols) == 0:
        return
    block = np.ix_(rows, cols)
    if step > 0:
        w[block] = np.minimum(w[block] + step, CIRCUIT.w_max)
    else:
        w[block] = np.maximum(w[block] + step, CIRCUIT.w_min)


#: Bytes per weight an engine holds at most while training: the float64 draw of
#: the initialisation, the int32 stores and the float32 (or int64) working copies.
_BYTES_PER_WEIGHT = 24


def _available_memory() -> int | None:
    try:
        with open("/proc/meminfo") as f:
            for line in f:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE")
    except (OSError, ValueError, AttributeError):
        return None


def check_memory(size: NetworkSize, available: int | None = None) -> int:
    """Refuse, before anything is allocated, a network whose stores cannot fit in memory.

    Counts every store (``W_l``, ``P_l``, ``M_l``) at 24 bytes a weight (the
    float64 draw of the initialisation, the int32 stores, the engines' working
    copies), against the memory the system reports available
    (``MemAvailable``), or ``available`` bytes. Returns the bytes needed.

    Raises
    ------
    ShapeError
        If the estimate exceeds what is available.
    """
    weights = sum(int(np.prod(size.store_shape(name), dtype=object)) for name in size.store_names)
    need = weights * _BYTES_PER_WEIGHT
    available = _available_memory() if available is None else available
    if available is not None and need > available:
        raise ShapeError(
            f"a {size} network has {weights:,} plastic weights and needs about {need / 2**30:,.1f} GiB of memory "
            f"to train; {available / 2**30:,.1f} GiB are available"
        )
    return need


def glorot_init(size: NetworkSize, seed=None, scale: float = 1.0) -> list[np.ndarray]:
    """Draw ``W_1 .. W_{L+1}`` as in the authors' code (docs/ALGORITHM.md §8).

    Each matrix is Glorot-normal in units of ``theta``, its standard
    deviation times ``scale`` (1 in the authors' code)::

        w ~ N(0, 2 / (fan_in + fan_out)) * 1024 * scale
        w <- clip(w, -240, 240)
        w <- 2 * trunc(w / 2)       # toward zero, to an even integer

    Parameters
    ----------
    size : NetworkSize
        Layer sizes; a network too large for the memory is refused first
        (`check_memory`).
    seed : None, int or numpy.random.Generator
        Randomness; the matrices are drawn input side first from one stream.
    scale : float
        Positive factor on the standard deviation.

    Returns
    -------
    list of ndarray of int32
        ``W_l`` of shape (n_l, n_{l-1}), ``l = 1 .. L+1``.
    """
    if not scale > 0:
        raise ValueError(f"the initial weight scale must be positive, got {scale!r}")
    check_memory(size)
    rng = check_random_state(seed)
    mats = []
    for fan_in, fan_out in zip(size.sizes[:-1], size.sizes[1:], strict=True):
        std = np.sqrt(2.0 / (fan_in + fan_out)) * CIRCUIT.theta * scale
        w = np.clip(rng.normal(0.0, std, size=(fan_out, fan_in)), -_INIT_LIMIT, _INIT_LIMIT)
        mats.append((2 * np.trunc(w / 2)).astype(WEIGHT_DTYPE))
    return mats


def _first_bad(mask: np.ndarray, w: np.ndarray) -> str:
    idx = tuple(int(i) for i in np.argwhere(mask)[0])
    return f"{int(mask.sum())} value(s), first at index {idx}: {w[idx]!r}"


def check_store(name: str, w, shape: tuple[int, ...]) -> np.ndarray:
    """Validate one weight store and return it as a fresh int32 array.

    Parameters
    ----------
    name : str
        Store name used in error messages.
    w : array_like
        Integer-valued, even weights in ``[-256, 254]``.
    shape : tuple of int
        Expected shape.

    Raises
    ------
    ShapeError
        If ``w`` does not have ``shape``.
    WeightError
        If ``w`` is not numeric, or holds non-integer, odd or out-of-range values.
    """
    arr = np.asarray(w)
    if arr.shape != tuple(shape):
        raise ShapeError(f"{name} must have shape {tuple(shape)}, got {arr.shape}")
    if arr.dtype == bool or not np.issubdtype(arr.dtype, np.number) or np.iscomplexobj(arr):
        raise WeightError(f"{name} must hold real integers, got dtype {arr.dtype}")
    if not np.issubdtype(arr.dtype, np.integer):
        bad = ~np.isfinite(arr) | (arr != np.round(arr))
        if bad.any():
            raise WeightError(f"{name} has non-integer weights: {_first_bad(bad, arr)}")
    out_of_range = (arr < CIRCUIT.w_min) | (arr > CIRCUIT.w_max)
    if out_of_range.any():
        raise WeightError(
            f"{name} has weights outside [{CIRCUIT.w_min}, {CIRCUIT.w_max}]: {_first_bad(out_of_range, arr)}"
        )
    arr = arr.astype(WEIGHT_DTYPE)
    odd = (arr % CIRCUIT.dw) != 0
    if odd.any():
        raise WeightError(
            f"{name} has odd weights (plastic weights are multiples of {CIRCUIT.dw}): {_first_bad(odd, arr)}"
        )
    return arr


def check_stores(weights, transposed=None) -> tuple[NetworkSize, dict[str, np.ndarray]]:
    """Validate a network's stores and fill in the default transposed stores.

    Parameters
    ----------
    weights : sequence of array_like, or mapping of str to array_like
        ``[W_1, .., W_{L+1}]`` with ``W_l`` of shape (n_l, n_{l-1}); or the
        stores by name (``w1 ..``, and optionally ``w<l>t_pos`` / ``w<l>t_neg``),
        as `Engine.weights` and checkpoints hold them.
    transposed : sequence of (P, M) pairs, optional
        ``(P_l, M_l)`` for ``l = 2 .. L+1``, each (n_{l-1}, n_l). A missing
        store (None) defaults to ``P_l = W_l^T`` or ``M_l = saturate(-W_l^T)``
        (so -256 in ``W_l`` gives 254 in ``M_l``, not 256).

    Returns
    -------
    size : NetworkSize
        Layer sizes read off the weights.
    stores : dict of str to ndarray
        Fresh int32 copies under the names of ``size.store_names``.

    Raises
    ------
    ShapeError
        Fewer than two matrices, shapes that do not chain, a wrong number of
        transposed pairs, or a mapping with unknown or missing stores.
    WeightError
        Invalid weight values (see `check_store`).
    """
    if isinstance(weights, Mapping):
        if transposed is not None:
            raise ShapeError("give the transposed stores inside the mapping, not as a second argument")
        weights, transposed = _split(weights)
    if isinstance(weights, np.ndarray) or not all(np.ndim(w) == 2 for w in weights):
        raise ShapeError("weights must be a list of 2-D matrices [W1, .., W_{L+1}]")
    mats = [np.asarray(w) for w in weights]
    if len(mats) < 2:
        raise ShapeError(f"a network needs at least one hidden layer: two or more weight matrices, got {len(mats)}")
    sizes = [mats[0].shape[1]] + [w.shape[0] for w in mats]
    size = NetworkSize(*(int(v) for v in sizes))
    stores = {f"w{i}": check_store(f"w{i}", w, size.store_shape(f"w{i}")) for i, w in enumerate(mats, 1)}
    n = len(mats)
    pairs = [(None, None)] * (n - 1) if transposed is None else list(transposed)
    if len(pairs) != n - 1:
        raise ShapeError(f"need {n - 1} transposed store pair(s) (P_l, M_l) for l = 2 .. {n}, got {len(pairs)}")
    for i, (p, m) in enumerate(pairs, start=2):
        wt = stores[f"w{i}"].T
        for name, given, default in ((f"w{i}t_pos", p, wt), (f"w{i}t_neg", m, -wt)):
            if given is None:
                stores[name] = saturate(np.ascontiguousarray(default, dtype=WEIGHT_DTYPE))
            else:
                stores[name] = check_store(name, given, size.store_shape(name))
    return size, stores


def _split(stores: Mapping) -> tuple[list, list]:
    """``(weights, transposed)`` from stores by name."""
    n = sum(1 for key in stores if key[1:].isdigit() and key[0] == "w")
    if n < 2 or any(f"w{i}" not in stores for i in range(1, n + 1)):
        raise ShapeError(f"stores must hold w1 .. w<L+1> (at least w1 and w2), got {sorted(stores)}")
    known = set(NetworkSize(*([1] * (n + 1))).store_names)
    unknown = sorted(set(stores) - known)
    if unknown:
        raise ShapeError(f"unknown stores {unknown} for a network of {n} weight matrices; expected {sorted(known)}")
    weights = [stores[f"w{i}"] for i in range(1, n + 1)]
    transposed = [(stores.get(f"w{i}t_pos"), stores.get(f"w{i}t_neg")) for i in range(2, n + 1)]
    return weights, transposed
