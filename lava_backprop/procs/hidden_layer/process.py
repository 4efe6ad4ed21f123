# SPDX-License-Identifier: BSD-3-Clause
"""HiddenLayer: h with its derivative bounds, memory, mask, backprop target; W1, +W2^T, -W2^T."""

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_backprop.procs.base_process import CheckedProcess, check_layer_args, plastic_init


class HiddenLayer(CheckedProcess):
    """The hidden populations and the plastic synapses onto them.

    Memoryless neurons (bias -8192, theta 1024, 24-bit voltage; 2-step
    refractoriness except h1T)::

        V[t] = -8192 + gates[t-1] . w_gate + sum_relays w s_src[t-1-d]
               + W1 x[t-1]                       # onto h, h<, h>
               + P o[t-1] + M oT-[t-1]           # onto h1T
        s[t] = V[t] > 1024

    Phases (training): forward ``h = [W1 x > 512]``, ``h< = [W1 x > 0]``,
    ``h> = [W1 x > 1024]`` (2); ``m_h`` keeps h (3) and replays it into h and
    h1T (5, 9); ``c_h = h< and not h>`` (6); backward pass ``h1T = [P d+ +
    M d- > 0]`` (6) and ``[P d- + M d+ > 0]`` (10); ``h* = c_h and h1T``
    (7, 11). Plastic stores learn on same-step pre/post spikes::

        W[post, pre] += +2 in phases 5 and 7, -2 otherwise; saturate to [-256, 254]

    W1 is one store for its three copies (x -> h, h<, h>), which always
    receive identical updates; the model checks this every time x fires.

    Parameters
    ----------
    n_in, n_hid, n_out : int
    schedule : {"training", "inference"}
    w1 : array of int, shape (n_hid, n_in)
    w2t_pos, w2t_neg : array of int, shape (n_hid, n_out), optional
        The +W2^T and -W2^T stores (training only).
    name : str, optional

    Ports
    -----
    s_in_gate : InPort, shape (n_phases,)
    s_in_x : InPort, shape (n_in,)
    s_in_o, s_in_ot : InPort, shape (n_out,)
        Spikes of o and oT- (pre of the transposed stores).
    s_out_h, s_out_h_lo, s_out_h_hi, s_out_m_h, s_out_c_h, s_out_h1t : OutPort, shape (n_hid,)

    Vars
    ----
    spike_counts : (populations,)
        Spikes of each population so far, in the schedule's order.
    weight_changes : (1,)
        Plastic updates applied so far (all copies).
    w1 : (n_hid, n_in)
    w2t_pos, w2t_neg : (n_hid, n_out)
    """

    def __init__(
        self,
        *,
        n_in: int,
        n_hid: int,
        n_out: int,
        w1,
        w2t_pos=None,
        w2t_neg=None,
        schedule: str = "training",
        name=None,
        **kwargs,
    ):
        n_phases = check_layer_args(n_in, n_hid, n_out, schedule)
        w1 = plastic_init("w1", w1, (n_hid, n_in))
        w2t_pos = plastic_init("w2t_pos", w2t_pos, (n_hid, n_out))
        w2t_neg = plastic_init("w2t_neg", w2t_neg, (n_hid, n_out))
        super().__init__(n_in=n_in, n_hid=n_hid, n_out=n_out, schedule=schedule, name=name, **kwargs)
        self.s_in_gate = InPort(shape=(n_phases,))
        self.s_in_x = InPort(shape=(n_in,))
        self.s_in_o = InPort(shape=(n_out,))
        self.s_in_ot = InPort(shape=(n_out,))
        for pop in ("h", "h_lo", "h_hi", "m_h", "c_h", "h1t"):
            setattr(self, f"s_out_{pop}", OutPort(shape=(n_hid,)))
        self.w1 = Var(shape=(n_hid, n_in), init=w1)
        self.w2t_pos = Var(shape=(n_hid, n_out), init=w2t_pos)
        self.w2t_neg = Var(shape=(n_hid, n_out), init=w2t_neg)
        self.spike_counts = Var(shape=(6,), init=0)
        self.weight_changes = Var(shape=(1,), init=0)
