# SPDX-License-Identifier: BSD-3-Clause
"""SampleSource: streams each sample's input and target spikes into the circuit."""

from lava.magma.core.process.ports.ports import OutPort

from lava_backprop.boundary import check_latency
from lava_backprop.procs.base_process import CheckedProcess, check_capacity, check_schedule


class SampleSource(CheckedProcess):
    """Emits sample ``k``'s input ``x`` and target ``t`` at the steps the schedule gives them.

    Runs on its own clock, without the gates: a stream whose drive gate is
    ``g`` is sent in step::

        step_of(k, g + 1) + startup - adapter_latency     # lava_backprop.boundary.Timing

    ``startup`` being 0 next to the CPU models' chain and 1 next to the
    built-in ring (which starts a step later). Ring 0 is the warm-up; ring
    ``k + 1`` carries sample ``k``. In the training schedule ``x`` is sent in
    phase 0 (x fires in phase 1, opened by g01) and ``t`` in phase 2 (t fires
    in phase 3, opened by g03); both reach their population through relay
    weight 520. With ``adapter_latency`` > 0 the spikes leave that many steps
    early, to reach a chip through an adapter with that latency on time.

    The samples come from a sample buffer the host fills between runs: a
    file of ``capacity`` rows ``[x | t]`` of uint8 (memory-mapped, so no
    ``Var.set`` per sample); sample ``k`` is row ``k % capacity``, read in
    the step its spikes are sent.

    Parameters
    ----------
    n_in, n_out : int
        Widths of x and t.
    schedule : str
        A ring of `lava_backprop.schedule.SCHEDULES`.
    buffer_path : str
        The sample buffer file.
    capacity : int
        Rows in the buffer.
    builtins : bool
        The layers are compositions of Loihi 2 built-ins (``startup`` 1).
    adapter_latency : int
        Steps the spikes take to reach the chip.
    name : str, optional

    Ports
    -----
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
        builtins: bool = False,
        adapter_latency: int = 0,
        name: str | None = None,
        **kwargs,
    ):
        sched, capacity = check_schedule(schedule), check_capacity(capacity)
        adapter_latency = check_latency(adapter_latency, sched)
        super().__init__(
            n_in=n_in,
            n_out=n_out,
            schedule=schedule,
            buffer_path=buffer_path,
            capacity=capacity,
            builtins=bool(builtins),
            adapter_latency=adapter_latency,
            name=name,
            **kwargs,
        )
        self.s_out_x_drive = OutPort(shape=(n_in,))
        self.s_out_t_drive = OutPort(shape=(n_out,))
