# SPDX-License-Identifier: BSD-3-Clause
"""Argument checks shared by the processes."""

import numpy as np
from lava.magma.core.process.process import AbstractProcess

from lava_backprop.schedule import SCHEDULES
from lava_backprop.weights import LAVA_LEARNING_W_MAX, check_store

__all__ = ["CheckedProcess", "check_layer_args", "plastic_init"]


class CheckedProcess(AbstractProcess):
    """An AbstractProcess whose constructor may reject its arguments.

    Lava's ``__del__`` assumes ``AbstractProcess.__init__`` ran; a process
    that raised before calling it must not trip over that when collected.
    """

    def __del__(self):
        if "_runtime" in self.__dict__:
            super().__del__()


def check_layer_args(n_in: int, n_hid: int, n_out: int, schedule: str) -> int:
    """Validate sizes and the schedule name; return the number of phases."""
    for name, value in (("n_in", n_in), ("n_hid", n_hid), ("n_out", n_out)):
        if not isinstance(value, int) or isinstance(value, bool) or value < 1:
            raise ValueError(f"{name} must be a positive int, got {value!r}")
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; choose one of {sorted(SCHEDULES)}")
    return SCHEDULES[schedule].n_phases


def plastic_init(name: str, w, shape: tuple[int, int]) -> np.ndarray:
    """A validated initial weight store (zeros if ``w`` is None): even weights in
    ``[-256, 254]``, or any in ``[-256, 255]`` as Lava's simulated learning engine leaves them."""
    if w is None:
        return np.zeros(shape, dtype=np.int32)
    return check_store(name, w, shape, w_max=LAVA_LEARNING_W_MAX)
