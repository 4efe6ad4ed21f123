# SPDX-License-Identifier: BSD-3-Clause
"""HiddenLayer: one hidden layer h_l with its bounds, memories, mask and backward target; W_l, P_{l+1}, M_{l+1}."""

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_backprop.procs.base_process import CheckedProcess, check_layer_args, layer_width, plastic_init


class HiddenLayer(CheckedProcess):
    """The populations of hidden layer ``l`` and the plastic synapses onto them.

    Memoryless neurons (bias -8192, theta 1024, 24-bit voltage; 2-step
    refractoriness except the backward target ``ht``)::

        V[t] = -8192 + gates[t-1] . w_gate + sum_relays w s_src[t-1-d]
               + W_l below[t-1]                              # onto h, h_lo, h_hi
               + P_{l+1} above[t-1] + M_{l+1} above_neg[t-1]  # onto ht
        s[t] = V[t] > 1024

    Phases (docs/ALGORITHM.md §4-5): forward ``h = [W_l h_{l-1} > 512]``,
    ``h_lo = [.. > 0]``, ``h_hi = [.. > 1024]``; ``m_h`` keeps h and replays
    it into h and ``ht`` while the layer above learns; ``c_h = h_lo and not
    h_hi`` is the derivative mask; ``ht`` sums the backward pass ``[P d+ +
    M d- > 0]`` (and its mirror); the trio carries the masked errors while
    ``W_l`` learns (for deeper networks kept in ``d_pos`` / ``d_neg`` and
    mirrored by ``hn``). Plastic stores learn on same-step pre/post spikes::

        W[post, pre] += +2 in potentiation phases, -2 in the other learning phases; saturate to [-256, 254]

    ``W_l`` is one store for its three copies (onto h, h_lo, h_hi), which
    always receive identical updates; the model checks this every time its
    pre fires.

    Parameters
    ----------
    sizes : sequence of int
        Layer sizes ``[n_0, .., n_{L+1}]``.
    schedule : str
        A ring of `lava_backprop.schedule.SCHEDULES` for that depth.
    index : int
        ``l`` in ``1 .. L``.
    w : array of int, shape (n_l, n_{l-1})
        ``W_l``.
    wt_pos, wt_neg : array of int, shape (n_l, n_{l+1}), optional
        ``P_{l+1}`` and ``M_{l+1}`` (training rings); zeros if not given.
    name : str, optional

    Ports
    -----
    s_in_gate : InPort, shape (n_phases,)
    s_in_below : InPort, shape (width of the layer below,)
        The layer below's spikes (`lava_backprop.procs.base_process.layer_slices`);
        its activity (x or h_{l-1}) is the pre of ``W_l``.
    s_in_above : InPort, shape (width of the layer above,)
        The layer above's spikes; its carriers (o or h_{l+1}, and oT- or
        h_{l+1}N) are the pre of ``P_{l+1}`` and ``M_{l+1}``.
    s_out : OutPort, shape (populations x n_l,)
        The spikes of the layer's populations side by side, in the
        schedule's order (h, h_lo, h_hi, m_h, c_h, ht[, hn, d_pos, d_neg]).

    Vars
    ----
    w : (n_l, n_{l-1})
    wt_pos, wt_neg : (n_l, n_{l+1})
    spike_counts : (populations,)
        Spikes of each population so far, in the schedule's order.
    weight_changes : (1,)
        Plastic updates applied so far (all copies).
    """

    def __init__(self, *, sizes, schedule: str, index: int, w, wt_pos=None, wt_neg=None, name=None, **kwargs):
        size, sched, layer = check_layer_args(sizes, schedule, index, "hidden")
        n_below, n, n_above = size.sizes[index - 1 : index + 2]
        w = plastic_init(f"w{index}", w, (n, n_below))
        wt_pos = plastic_init(f"w{index + 1}t_pos", wt_pos, (n, n_above))
        wt_neg = plastic_init(f"w{index + 1}t_neg", wt_neg, (n, n_above))
        super().__init__(sizes=size.sizes, schedule=schedule, index=index, name=name, **kwargs)
        self.s_in_gate = InPort(shape=(sched.n_phases,))
        self.s_in_below = InPort(shape=(layer_width(sched, sched.layers[index - 1], size.sizes),))
        self.s_in_above = InPort(shape=(layer_width(sched, sched.layers[index + 1], size.sizes),))
        self.s_out = OutPort(shape=(layer_width(sched, layer, size.sizes),))
        self.w = Var(shape=w.shape, init=w)
        self.wt_pos = Var(shape=wt_pos.shape, init=wt_pos)
        self.wt_neg = Var(shape=wt_neg.shape, init=wt_neg)
        self.spike_counts = Var(shape=(len(sched.layer_populations(layer)),), init=0)
        self.weight_changes = Var(shape=(1,), init=0)
