# SPDX-License-Identifier: BSD-3-Clause
"""The four plastic weight stores: initialisation, saturation and validation.

A plastic weight is an even integer in ``[w_min, w_max] = [-256, 254]`` (8-bit
mixed-sign mantissa, exponent 0). Learning moves it by ``dw = 2``, one least
significant bit, and saturates::

    w <- min(max(w + dw_step, w_min), w_max)

The stores are ``w1`` (hid x in), ``w2`` (out x hid), ``w2t_pos`` (the +W2^T
store P, hid x out) and ``w2t_neg`` (the -W2^T store M, hid x out).

Lava's simulated Loihi 2 learning engine (lava-nc 0.10.0) saturates at
``LAVA_LEARNING_W_MAX = 255`` instead, after which that weight is odd until it
reaches -256 (docs/LOIHI2.md); the checks accept such stores when asked to.
"""

import numpy as np

from lava_backprop.errors import ShapeError, WeightError
from lava_backprop.params import CIRCUIT, NetworkSize
from lava_backprop.rng import check_random_state

__all__ = [
    "STORE_NAMES",
    "WEIGHT_DTYPE",
    "saturate",
    "bump",
    "glorot_init",
    "check_store",
    "check_stores",
    "LAVA_LEARNING_W_MAX",
]

STORE_NAMES = ("w1", "w2", "w2t_pos", "w2t_neg")
WEIGHT_DTYPE = np.int32

_INIT_LIMIT = 240

#: Upper bound of a weight learned by lava-nc 0.10.0's bit-accurate LearningDense.
LAVA_LEARNING_W_MAX = CIRCUIT.w_max + 1


def saturate(w: np.ndarray) -> np.ndarray:
    """Clip ``w`` to the plastic range ``[-256, 254]``, in place, and return it."""
    return np.clip(w, CIRCUIT.w_min, CIRCUIT.w_max, out=w)


def bump(w: np.ndarray, rows, cols, step: int, w_max: int = CIRCUIT.w_max) -> None:
    """``w[rows x cols] += step`` in place, saturated to ``[-256, w_max]``.

    ``rows`` and ``cols`` are index arrays; nothing happens if either is empty.
    """
    if len(rows) == 0 or len(cols) == 0:
        return
    block = np.ix_(rows, cols)
    if step > 0:
        w[block] = np.minimum(w[block] + step, w_max)
    else:
        w[block] = np.maximum(w[block] + step, CIRCUIT.w_min)


def glorot_init(size: NetworkSize, seed=None) -> tuple[np.ndarray, np.ndarray]:
    """Draw ``w1`` and ``w2`` as in the authors' code (ALGORITHM.md §6).

    Each matrix is Glorot-normal in units of ``theta``::

        w ~ N(0, 2 / (fan_in + fan_out)) * 1024
        w <- clip(w, -240, 240)
        w <- 2 * trunc(w / 2)       # toward zero, to an even integer

    Parameters
    ----------
    size : NetworkSize
        Layer sizes.
    seed : None, int or numpy.random.Generator
        Randomness; ``w1`` is drawn before ``w2`` from the same stream.

    Returns
    -------
    w1 : ndarray of int32, shape (n_hid, n_in)
    w2 : ndarray of int32, shape (n_out, n_hid)
    """
    rng = check_random_state(seed)
    mats = []
    for fan_out, fan_in in ((size.n_hid, size.n_in), (size.n_out, size.n_hid)):
        std = np.sqrt(2.0 / (fan_in + fan_out)) * CIRCUIT.theta
        w = np.clip(rng.normal(0.0, std, size=(fan_out, fan_in)), -_INIT_LIMIT, _INIT_LIMIT)
        mats.append((2 * np.trunc(w / 2)).astype(WEIGHT_DTYPE))
    return mats[0], mats[1]


def _first_bad(mask: np.ndarray, w: np.ndarray) -> str:
    idx = tuple(int(i) for i in np.argwhere(mask)[0])
    return f"{int(mask.sum())} value(s), first at index {idx}: {w[idx]!r}"


def check_store(name: str, w, shape: tuple[int, ...], *, w_max: int = CIRCUIT.w_max) -> np.ndarray:
    """Validate one weight store and return it as a fresh int32 array.

    Parameters
    ----------
    name : str
        Store name used in error messages.
    w : array_like
        Integer-valued, even weights in ``[-256, 254]``.
    shape : tuple of int
        Expected shape.
    w_max : {254, 255}
        Upper bound: the rule's 254, or `LAVA_LEARNING_W_MAX`, which also
        admits odd weights (a weight that saturated at 255 stays odd until it
        saturates at -256).

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
    if w_max not in (CIRCUIT.w_max, LAVA_LEARNING_W_MAX):
        raise ValueError(f"w_max must be {CIRCUIT.w_max} or {LAVA_LEARNING_W_MAX}, got {w_max}")
    out_of_range = (arr < CIRCUIT.w_min) | (arr > w_max)
    if out_of_range.any():
        raise WeightError(f"{name} has weights outside [{CIRCUIT.w_min}, {w_max}]: {_first_bad(out_of_range, arr)}")
    arr = arr.astype(WEIGHT_DTYPE)
    odd = (arr % CIRCUIT.dw) != 0
    if odd.any() and w_max == CIRCUIT.w_max:
        raise WeightError(
            f"{name} has odd weights (plastic weights are multiples of {CIRCUIT.dw}): {_first_bad(odd, arr)}"
        )
    return arr


def check_stores(
    w1, w2, w2t_pos=None, w2t_neg=None, *, w_max: int = CIRCUIT.w_max
) -> tuple[NetworkSize, dict[str, np.ndarray]]:
    """Validate the four stores and fill in the default transposed stores.

    ``w2t_pos`` defaults to ``w2.T``; ``w2t_neg`` to ``saturate(-w2.T)`` (so a
    weight of -256 in ``w2`` gives 254, not 256). ``w_max`` as in `check_store`.

    Returns
    -------
    size : NetworkSize
        Layer sizes read off ``w1`` and ``w2``.
    stores : dict of str to ndarray
        Fresh int32 copies under the names of `STORE_NAMES`.
    """
    w1_arr, w2_arr = np.asarray(w1), np.asarray(w2)
    if w1_arr.ndim != 2 or w2_arr.ndim != 2:
        raise ShapeError(f"w1 and w2 must be 2-D, got w1 with shape {w1_arr.shape} and w2 with shape {w2_arr.shape}")
    n_hid, n_in = w1_arr.shape
    n_out = w2_arr.shape[0]
    if w2_arr.shape[1] != n_hid:
        raise ShapeError(
            f"w2 must have shape (n_out, n_hid) = (n_out, {n_hid}) to follow w1 {w1_arr.shape}, got {w2_arr.shape}"
        )
    size = NetworkSize(int(n_in), int(n_hid), int(n_out))
    stores = {
        "w1": check_store("w1", w1_arr, (n_hid, n_in), w_max=w_max),
        "w2": check_store("w2", w2_arr, (n_out, n_hid), w_max=w_max),
    }
    w2t = stores["w2"].T
    stores["w2t_pos"] = (
        np.ascontiguousarray(w2t) if w2t_pos is None else check_store("w2t_pos", w2t_pos, (n_hid, n_out), w_max=w_max)
    )
    stores["w2t_neg"] = (
        np.ascontiguousarray(saturate(-w2t))
        if w2t_neg is None
        else check_store("w2t_neg", w2t_neg, (n_hid, n_out), w_max=w_max)
    )
    return size, stores
