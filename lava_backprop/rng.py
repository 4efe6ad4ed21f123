# SPDX-License-Identifier: BSD-3-Clause
"""One entry point for randomness: every seed goes through `check_random_state`."""

import numbers

import numpy as np

__all__ = ["check_random_state"]


def check_random_state(seed=None) -> np.random.Generator:
    """Turn ``seed`` into a `numpy.random.Generator`.

    Parameters
    ----------
    seed : None, int or numpy.random.Generator
        None draws fresh entropy; an int seeds a new PCG64 generator; a
        Generator is returned as it is, so callers can share one stream.

    Returns
    -------
    numpy.random.Generator
    """
    if seed is None or isinstance(seed, numbers.Integral) and not isinstance(seed, bool):
        if seed is not None and seed < 0:
            raise ValueError(f"seed must be a non-negative int, got {seed}")
        return np.random.default_rng(seed)
    if isinstance(seed, np.random.Generator):
        return seed
    raise ValueError(f"seed must be None, an int or a numpy Generator, got {type(seed).__name__}")
