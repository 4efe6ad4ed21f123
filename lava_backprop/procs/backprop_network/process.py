# SPDX-License-Identifier: BSD-3-Clause
"""BackpropNetwork: the nBP training circuit, for any number of hidden layers, as one hierarchical process."""

from lava_backprop.boundary import check_latency
from lava_backprop.procs.base_process import CheckedProcess, check_capacity
from lava_backprop.procs.wiring import declare_network
from lava_backprop.schedule import SCHEDULES
from lava_backprop.weights import check_stores


class BackpropNetwork(CheckedProcess):
    """The nBP training circuit: gating chain, sample source and one process per layer.

    Trains ``x -> h_1 -> .. -> h_L -> o`` with the rule of docs/ALGORITHM.md
    §3 on the ring ``training_schedule(L)`` (§4-5). For one hidden layer this
    is the paper's circuit: every sample takes 12 steps, forward pass (phases
    1-3), output error (4), W2 and transposed-store potentiation (5), backward
    pass (6), W1 potentiation (7), W2 depression (9), backward pass (10), W1
    depression (11); a run of ``N`` samples takes ``12 N + 13`` steps. Each
    layer talks to its neighbours only through spikes, phase by phase as the
    gates open them.

    Parameters
    ----------
    weights : list of array of int
        ``W_1 .. W_{L+1}``, ``W_l`` of shape (n_l, n_{l-1}).
    transposed : list of (P, M) pairs, optional
        ``P_l``, ``M_l`` for ``l = 2 .. L+1``, each (n_{l-1}, n_l); default
        ``W_l^T`` and ``clip(-W_l^T)``.
    buffer_path : str
        Sample buffer file of ``capacity`` rows ``[x | t]`` (see `SampleSource`).
    capacity : int
        Rows of the sample buffer and of the read-out records.
    parity : bool
        Run the ring re-timed so that a learning rule can read the phase sign
        from the step's parity (``training-<L>-parity``; needed by the Loihi 2
        compositions). Both rings compute the same rule.
    builtins : bool
        The layers will run as compositions of Loihi 2 built-ins
        (``select_sub_proc_model=True``): the sample source then sends one
        step later, in time for their ring, and with lava-loihi's embedded IO
        installed its streams cross to the chip through adapters
        (`lava_backprop.boundary`).
    adapter_latency : int
        With ``builtins``: steps a message takes across the host-chip
        boundary; the source sends that much earlier, the read-out expects
        the chip's messages that much later.
    name : str, optional

    Ports
    -----
    s_out_<layer> : OutPort
        Spikes of each layer (``s_out_input``, ``s_out_hidden``, ...,
        ``s_out_output``): its populations side by side
        (`lava_backprop.procs.base_process.layer_slices`).

    Vars
    ----
    w1 .. w<L+1>, w<l>t_pos, w<l>t_neg
        The plastic stores (aliases of the layers' Vars).
    o_rec, z_rec : (capacity, n_out)
        Output spikes and ``z = W_{L+1} h_L`` of sample ``k`` in row ``k % capacity``.
    o_u : (n_out,)
        o's current in the last step (`OutputLayer`).
    spike_counts_<layer>, weight_changes_<layer>
        Each layer's counters (see `lava_backprop.energy`).

    Example
    -------
    >>> net = BackpropNetwork(weights=[w1, w2], buffer_path=path, capacity=100)  # doctest: +SKIP
    >>> net.run(RunSteps(12 * n + 13), Loihi2SimCfg(select_tag="fixed_pt"))  # doctest: +SKIP
    """

    def __init__(
        self,
        *,
        weights,
        transposed=None,
        buffer_path: str,
        capacity: int,
        parity: bool = False,
        builtins: bool = False,
        adapter_latency: int = 0,
        name=None,
        **kwargs,
    ):
        size, stores = check_stores(weights, transposed)
        capacity = check_capacity(capacity)
        schedule = f"training-{size.n_hidden}" + ("-parity" if parity else "")
        adapter_latency = check_latency(adapter_latency, SCHEDULES[schedule], builtins)
        super().__init__(
            sizes=size.sizes,
            stores=stores,
            schedule=schedule,
            buffer_path=str(buffer_path),
            capacity=capacity,
            builtins=bool(builtins),
            adapter_latency=adapter_latency,
            name=name,
            **kwargs,
        )
        self.size, self.schedule = size, SCHEDULES[schedule]
        declare_network(self, stores, capacity)
