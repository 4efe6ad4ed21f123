# SPDX-License-Identifier: BSD-3-Clause
"""InputLayer: the input population x and its memory m_x."""

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_backprop.procs.base_process import CheckedProcess, check_layer_args


class InputLayer(CheckedProcess):
    """Input spikes ``x`` and their memory ``m_x``, replayed for learning.

    Memoryless neurons (bias -8192, theta 1024, 2-step refractoriness)::

        V[t] = -8192 + gates[t-1] . w_gate + sum_relays w s_src[t-1-d]
        s[t] = V[t] > 1024 and not s[t-1]

    In the training schedule ``x`` fires in phase 1 (the source's spikes
    through relay 520, opened by g01), ``m_x`` keeps it (x -> m_x, delay 4,
    opened by g06) and replays it into ``x`` in phases 7 and 11 (m_x -> x,
    delays 0 and 4, opened by g07 and g11). In the inference schedule only
    ``x`` exists.

    Parameters
    ----------
    n_in, n_hid, n_out : int
        Layer sizes.
    schedule : {"training", "inference"}
    name : str, optional

    Ports
    -----
    s_in_gate : InPort, shape (n_phases,)
    s_in_x_drive : InPort, shape (n_in,)
        Input spikes from the sample source.
    s_out_x, s_out_m_x : OutPort, shape (n_in,)
        Spikes of each population.

    Vars
    ----
    spike_counts : (populations,)
        Spikes of each population so far, in the schedule's order.
    weight_changes : (1,)
        Plastic updates applied so far (all copies).
    """

    def __init__(self, *, n_in: int, n_hid: int, n_out: int, schedule: str = "training", name=None, **kwargs):
        n_phases = check_layer_args(n_in, n_hid, n_out, schedule)
        super().__init__(n_in=n_in, n_hid=n_hid, n_out=n_out, schedule=schedule, name=name, **kwargs)
        self.s_in_gate = InPort(shape=(n_phases,))
        self.s_in_x_drive = InPort(shape=(n_in,))
        self.s_out_x = OutPort(shape=(n_in,))
        self.s_out_m_x = OutPort(shape=(n_in,))
        self.spike_counts = Var(shape=(2,), init=0)
        self.weight_changes = Var(shape=(1,), init=0)
