# SPDX-License-Identifier: BSD-3-Clause
"""ReadOut: the host-side probe of the output layer's read-out phase."""

from lava.magma.core.process.ports.ports import InPort
from lava.magma.core.process.variable import Var

from lava_backprop.procs.base_process import CheckedProcess
from lava_backprop.schedule import SCHEDULES


class ReadOut(CheckedProcess):
    """Stores each sample's output spikes and membrane input at the read-out phase.

    Dynamics: the step after the record gate (``g03``) arrives is the
    read-out phase; in it the process stores what arrives on its ports::

        o_rec[k % capacity] = o            # spikes of o
        z_rec[k % capacity] = z            # W2 h, the synaptic input of o

    where ``k`` counts the rings after the warm-up ring (one sample per
    ring). It computes nothing of the circuit: it is the probe that a
    hardware run puts on the o compartments, listening to the same spikes
    and the same synaptic current the neurons receive.

    Parameters
    ----------
    n_out : int
    schedule : str
        The ring the gates come from (`lava_backprop.schedule.SCHEDULES`).
    capacity : int
        Rows of the records.
    name : str, optional

    Ports
    -----
    s_in_gate : InPort, shape (n_phases,)
    s_in_o : InPort, shape (n_out,)
    a_in_z : InPort, shape (n_out,)

    Vars
    ----
    o_rec, z_rec : (capacity, n_out)
    """

    def __init__(self, *, n_out: int, schedule: str, capacity: int, name=None, **kwargs):
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {schedule!r}; choose one of {sorted(SCHEDULES)}")
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a positive int, got {capacity!r}")
        super().__init__(n_out=n_out, schedule=schedule, capacity=capacity, name=name, **kwargs)
        self.s_in_gate = InPort(shape=(SCHEDULES[schedule].n_phases,))
        self.s_in_o = InPort(shape=(n_out,))
        self.a_in_z = InPort(shape=(n_out,))
        self.o_rec = Var(shape=(capacity, n_out), init=0)
        self.z_rec = Var(shape=(capacity, n_out), init=0)
