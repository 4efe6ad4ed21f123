# SPDX-License-Identifier: BSD-3-Clause
"""InputLayer: the input population x and its memory m_x."""

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_backprop.procs.base_process import CheckedProcess, check_layer_args, layer_width


class InputLayer(CheckedProcess):
    """Input spikes ``x`` and their memory ``m_x``, replayed for learning.

    Memoryless neurons (bias -8192, theta 1024, 2-step refractoriness)::

        V[t] = -8192 + gates[t-1] . w_gate + sum_relays w s_src[t-1-d] + 520 drive[t-1]
        s[t] = V[t] > 1024 and not s[t-1]

    In a training ring ``x`` fires in phase 1 (the source's spikes through
    relay 520, opened by g01), ``m_x`` keeps it (x -> m_x) one phase before
    the first replay and replays it into ``x`` in every phase in which W1
    learns (phases 7 and 11 of the paper's ring). In an inference ring only
    ``x`` exists.

    Parameters
    ----------
    sizes : sequence of int
        Layer sizes of the network, ``[n_in, h_1, .., h_L, n_out]``.
    schedule : str
        A ring of `lava_backprop.schedule.SCHEDULES` for that depth.
    index : int
        Always 0: the input layer.
    name : str, optional

    Ports
    -----
    s_in_gate : InPort, shape (n_phases,)
    s_in_drive : InPort, shape (n_in,)
        Input spikes from the sample source.
    s_out : OutPort, shape (2 n_in,)
        The spikes of x and m_x side by side.

    Vars
    ----
    spike_counts : (populations,)
        Spikes of each population so far, in the schedule's order.
    weight_changes : (1,)
        Plastic updates applied so far (none: nothing is plastic here).
    """

    def __init__(self, *, sizes, schedule: str, index: int = 0, name=None, **kwargs):
        size, sched, layer = check_layer_args(sizes, schedule, index, "input")
        super().__init__(sizes=size.sizes, schedule=schedule, index=index, name=name, **kwargs)
        self.s_in_gate = InPort(shape=(sched.n_phases,))
        self.s_in_drive = InPort(shape=(size.n_in,))
        self.s_out = OutPort(shape=(layer_width(sched, layer, size.sizes),))
        self.spike_counts = Var(shape=(len(sched.layer_populations(layer)),), init=0)
        self.weight_changes = Var(shape=(1,), init=0)
