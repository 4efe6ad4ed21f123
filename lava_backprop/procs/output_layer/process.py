# SPDX-License-Identifier: BSD-3-Clause
"""OutputLayer: o with its derivative bounds, target, error and transpose-error; W_{L+1}; read-out."""

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_backprop.boundary import check_latency
from lava_backprop.procs.base_process import (
    CheckedProcess,
    check_capacity,
    check_layer_args,
    layer_width,
    plastic_init,
)


class OutputLayer(CheckedProcess):
    """The output populations, the plastic ``W_{L+1}`` onto them and the per-sample read-out.

    Memoryless neurons (bias -8192, theta 1024, 24-bit voltage, 2-step
    refractoriness)::

        V[t] = -8192 + gates[t-1] . w_gate + sum_relays w s_src[t-1-d] + W_{L+1} h_L[t-1]
        s[t] = V[t] > 1024

    Phases (training, docs/ALGORITHM.md §4-5): ``o = [z > 512]``, ``o_lo =
    [z > 0]``, ``o_hi = [z > 1024]`` with ``z = W_{L+1} h_L``, and the target
    ``t``; then ``d_pos = t and not o and o_lo``, ``d_neg = o and not t and
    o_lo and not o_hi`` through relays, with o_lo (weight 8704) as their gate;
    while ``W_{L+1}`` potentiates, ``o* = d+`` and ``ot = d-``; while it
    depresses, ``o* = d-`` and ``ot = d+``. ``W_{L+1}`` (one store for its
    three copies onto o, o_lo, o_hi) learns ``+2`` and ``-2`` on those
    coincidences, saturating.

    In the read-out phase of sample ``k`` the model stores o's spikes and
    ``z`` in row ``k % capacity`` of ``o_rec`` and ``z_rec``. ``o_u`` is o's
    current: its synaptic input of the last step as a Loihi LIF holds it
    (``u = I << 6``, 24 bits; `lava_backprop.boundary.current_of`); the
    built-in read-out takes ``z`` from it.

    Parameters
    ----------
    sizes : sequence of int
        Layer sizes ``[n_0, .., n_{L+1}]``.
    schedule : str
        A ring of `lava_backprop.schedule.SCHEDULES` for that depth.
    index : int
        ``L + 1``: the last layer.
    w : array of int, shape (n_out, n_L)
        ``W_{L+1}``.
    capacity : int
        Rows of the read-out records.
    adapter_latency : int
        Steps messages from the chip take to reach the host read-out
        (built-ins with host-chip adapters).
    name : str, optional

    Ports
    -----
    s_in_gate : InPort, shape (n_phases,)
    s_in_below : InPort, shape (width of the layer below,)
        The last hidden layer's spikes (its h_L is the pre of ``W_{L+1}``).
    s_in_drive : InPort, shape (n_out,)
        Target spikes from the sample source.
    s_out : OutPort, shape (populations x n_out,)
        The spikes of the layer's populations side by side, in the
        schedule's order (o, o_lo, o_hi, t, d_pos, d_neg, ot in training).

    Vars
    ----
    w : (n_out, n_L)
    o_rec, z_rec : (capacity, n_out)
    o_u : (n_out,)
        o's current ``u`` in the last step.
    spike_counts : (populations,)
        Spikes of each population so far, in the schedule's order.
    weight_changes : (1,)
        Plastic updates applied so far (all copies).
    """

    def __init__(
        self, *, sizes, schedule: str, index: int, w, capacity: int, adapter_latency: int = 0, name=None, **kwargs
    ):
        size, sched, layer = check_layer_args(sizes, schedule, index, "output")
        capacity = check_capacity(capacity)
        adapter_latency = check_latency(adapter_latency, sched)
        w = plastic_init(f"w{index}", w, (size.n_out, size.sizes[-2]))
        super().__init__(
            sizes=size.sizes,
            schedule=schedule,
            index=index,
            capacity=capacity,
            adapter_latency=adapter_latency,
            name=name,
            **kwargs,
        )
        self.s_in_gate = InPort(shape=(sched.n_phases,))
        self.s_in_below = InPort(shape=(layer_width(sched, sched.layers[index - 1], size.sizes),))
        self.s_in_drive = InPort(shape=(size.n_out,))
        self.s_out = OutPort(shape=(layer_width(sched, layer, size.sizes),))
        self.w = Var(shape=w.shape, init=w)
        self.o_rec = Var(shape=(capacity, size.n_out), init=0)
        self.z_rec = Var(shape=(capacity, size.n_out), init=0)
        self.o_u = Var(shape=(size.n_out,), init=0)
        self.spike_counts = Var(shape=(len(sched.layer_populations(layer)),), init=0)
        self.weight_changes = Var(shape=(1,), init=0)
