# SPDX-License-Identifier: BSD-3-Clause
"""InferenceNetwork: the forward circuit with fixed weights, for any number of hidden layers."""

from lava_backprop.boundary import check_latency
from lava_backprop.procs.base_process import CheckedProcess, check_capacity
from lava_backprop.procs.wiring import declare_network
from lava_backprop.schedule import SCHEDULES
from lava_backprop.weights import check_stores


class InferenceNetwork(CheckedProcess):
    """The inference circuit: a ring of ``L + 3`` gates routes x (phase 1), h_1 .. h_L, o (``L + 2``).

    ``h_l = [W_l h_{l-1} > 512]``, ``o = [W_{L+1} h_L > 512]`` with
    non-plastic weights; the read-out stores o's spikes and ``z = W_{L+1}
    h_L`` of sample ``k`` in row ``k % capacity`` of ``o_rec`` and ``z_rec``.
    A run of ``N`` samples takes ``(L + 3) (N + 1) + 1`` steps (``(L + 3) N``
    for later runs); one hidden layer: ``4 N + 5``.

    Parameters
    ----------
    weights : list of array of int
        ``W_1 .. W_{L+1}``, ``W_l`` of shape (n_l, n_{l-1}).
    buffer_path : str
        Sample buffer of ``capacity`` rows ``[x | t]`` (t is ignored).
    capacity : int
    builtins, adapter_latency
        As for `lava_backprop.procs.backprop_network.process.BackpropNetwork`.
    name : str, optional

    Ports
    -----
    s_out_<layer> : OutPort
        Spikes of each layer (its populations side by side).

    Vars
    ----
    w1 .. w<L+1>, o_rec, z_rec, o_u
    spike_counts_<layer>, weight_changes_<layer>
        Each layer's counters (see `lava_backprop.energy`).
    """

    def __init__(
        self,
        *,
        weights,
        buffer_path: str,
        capacity: int,
        builtins: bool = False,
        adapter_latency: int = 0,
        name=None,
        **kwargs,
    ):
        size, stores = check_stores(weights)
        stores = {f"w{i}": stores[f"w{i}"] for i in range(1, size.n_hidden + 2)}
        capacity = check_capacity(capacity)
        schedule = f"inference-{size.n_hidden}"
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
