# SPDX-License-Identifier: BSD-3-Clause
"""ReadOut: the host-side probe of the output layer's read-out phase."""

from lava.magma.core.process.ports.ports import InPort, RefPort
from lava.magma.core.process.variable import Var

from lava_backprop.boundary import check_latency, read_extra
from lava_backprop.procs.base_process import CheckedProcess, check_capacity, check_schedule

#: How o's current reaches the read-out: read through ``ref_u``, or sent to ``a_in_u`` by a state reader.
STATE_MODES = ("ref", "port")


class ReadOut(CheckedProcess):
    """Stores each sample's output spikes and ``z = W_{L+1} h_L`` at the read-out phase.

    Dynamics: in the read-out step of sample ``k`` (o fires there:
    `lava_backprop.boundary.Timing.read_step` of the built-in ring, from the
    schedule, with no gate input)::

        o_rec[k % capacity] = o                     # spikes of o
        z_rec[k % capacity] = (u >> 6) - extra      # u: o's current, 64 (W h + extra)

    where o is the part ``o_at .. o_at + n_out`` of the output layer's
    spikes and currents, ``extra`` o's gate weight in that phase (`lava_backprop.boundary.read_extra`):
    a ``LIFReset`` that resets every step holds that step's synaptic input
    in ``u``. ``u`` is read through ``ref_u`` in the read-out step (one
    management phase per sample), or, with ``state="port"``, arrives on
    ``a_in_u`` from a state reader the step after. Spikes and ``u`` arrive
    ``adapter_latency`` steps late when they come through host-chip
    adapters. It computes nothing of the circuit: it is the probe a hardware
    run puts on the o compartments.

    Parameters
    ----------
    n_out : int
    schedule : str
        The ring (`lava_backprop.schedule.SCHEDULES`).
    capacity : int
        Rows of the records.
    width : int, optional
        Neurons of the output layer (all its populations); default ``n_out``.
    o_at : int
        Where o starts among them.
    state : {"ref", "port"}
        How o's current arrives (see above).
    adapter_latency : int
        Steps messages from the chip take to arrive.
    name : str, optional

    Ports
    -----
    s_in_o : InPort, shape (width,)
        The output layer's spikes.
    ref_u : RefPort, shape (width,)
        Connected to the output layer's ``u`` with ``state="ref"``.
    a_in_u : InPort, shape (width,)
        The output layer's ``u`` from a state reader, with ``state="port"``.

    Vars
    ----
    o_rec, z_rec : (capacity, n_out)
    o_u : (n_out,)
        o's ``u`` as last read.
    """

    def __init__(
        self,
        *,
        n_out: int,
        schedule: str,
        capacity: int,
        width: int | None = None,
        o_at: int = 0,
        state: str = "ref",
        adapter_latency: int = 0,
        name=None,
        **kwargs,
    ):
        sched, capacity = check_schedule(schedule), check_capacity(capacity)
        if state not in STATE_MODES:
            raise ValueError(f"state must be one of {STATE_MODES}, got {state!r}")
        adapter_latency = check_latency(adapter_latency, sched)
        extra = read_extra(sched)
        width = n_out if width is None else width
        if not isinstance(o_at, int) or not 0 <= o_at <= width - n_out:
            raise ValueError(f"o ({n_out} neurons) at {o_at!r} does not fit in a layer of {width}")
        super().__init__(
            n_out=n_out,
            o_at=o_at,
            schedule=schedule,
            capacity=capacity,
            state=state,
            adapter_latency=adapter_latency,
            extra=extra,
            name=name,
            **kwargs,
        )
        self.s_in_o = InPort(shape=(width,))
        self.ref_u = RefPort(shape=(width,))
        self.a_in_u = InPort(shape=(width,))
        self.o_rec = Var(shape=(capacity, n_out), init=0)
        self.z_rec = Var(shape=(capacity, n_out), init=0)
        self.o_u = Var(shape=(n_out,), init=0)
