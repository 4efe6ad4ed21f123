# SPDX-License-Identifier: BSD-3-Clause
"""SampleSource: streams each sample's input and target spikes into the circuit."""

from lava.magma.core.process.ports.ports import InPort, OutPort

from lava_backprop.procs.base_process import CheckedProcess
from lava_backprop.schedule import SCHEDULES


class SampleSource(CheckedProcess):
    """Emits sample ``k``'s input ``x`` and target ``t`` when their gates arrive.

    Driven by the gating chain, not by a clock: the ``j``-th arrival of gate 0
    starts ring ``j``; ring 0 is the warm-up and ring ``j >= 1`` carries
    sample ``k = j - 1``. In the training schedule ``x`` is emitted in phase 0
    (x fires in phase 1, opened by g01) and ``t`` in phase 2 (t fires in phase
    3, opened by g03); both reach their population through relay weight 520.

    The samples come from a sample buffer the host fills between runs: a
    file of ``capacity`` rows ``[x | t]`` of uint8 (memory-mapped, so no
    ``Var.set`` per sample); sample ``k`` is row ``k % capacity``. A row is
    read when its spikes are sent, one step after the gate arrived.

    Parameters
    ----------
    n_in, n_out : int
        Widths of x and t.
    schedule : {"training", "inference"}
    buffer_path : str
        The sample buffer file.
    capacity : int
        Rows in the buffer.
    name : str, optional

    Ports
    -----
    s_in_gate : InPort, shape (n_phases,)
    s_out_x_drive : OutPort, shape (n_in,)
    s_out_t_drive : OutPort, shape (n_out,)
    """

    def __init__(
        self,
        *,
        n_in: int,
        n_out: int,
        schedule: str,
        buffer_path: str,
        capacity: int,
        name: str | None = None,
        **kwargs,
    ):
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {schedule!r}; choose one of {sorted(SCHEDULES)}")
        if capacity < 1:
            raise ValueError(f"capacity must be positive, got {capacity}")
        super().__init__(
            n_in=n_in, n_out=n_out, schedule=schedule, buffer_path=buffer_path, capacity=capacity, name=name, **kwargs
        )
        self.s_in_gate = InPort(shape=(SCHEDULES[schedule].n_phases,))
        self.s_out_x_drive = OutPort(shape=(n_in,))
        self.s_out_t_drive = OutPort(shape=(n_out,))
