# SPDX-License-Identifier: BSD-3-Clause
"""The network processes' interface and composition, for any number of hidden layers.

`declare_network` gives a network process its Vars and ports; `build_circuit`
creates its children (gating chain, sample source, one process per layer) and
connects them as the schedule says (`lava_backprop.procs.base_process.input_ports`):
gates to every layer, the source's x and t streams to the input and output
layers, each layer's spikes up to the next layer (``s_in_below``) and, in a
training ring, down to the layer below (``s_in_above``); a port carries a
whole layer (`lava_backprop.procs.base_process.layer_slices`). The source
runs on its own clock (no gate input); for
built-in layers the streams cross to the chip
(`lava_backprop.boundary.connect_spikes`).
"""

from lava.magma.core.process.ports.ports import OutPort
from lava.magma.core.process.variable import Var

from lava_backprop.boundary import connect_spikes, crossings
from lava_backprop.params import NetworkSize
from lava_backprop.procs.base_process import input_ports, layer_width, store_vars
from lava_backprop.procs.gating_chain.process import GatingChain
from lava_backprop.procs.hidden_layer.process import HiddenLayer
from lava_backprop.procs.input_layer.process import InputLayer
from lava_backprop.procs.output_layer.process import OutputLayer
from lava_backprop.procs.sample_source.process import SampleSource
from lava_backprop.schedule import SCHEDULES

__all__ = ["declare_network", "build_circuit"]


def declare_network(proc, stores: dict, capacity: int) -> None:
    """Vars (stores, read-out records, o's current, counters) and ``s_out_<layer>`` ports of a network process."""
    size, sched = proc.size, proc.schedule
    for key, value in stores.items():
        setattr(proc, key, Var(shape=value.shape, init=value))
    proc.o_rec = Var(shape=(capacity, size.n_out), init=0)
    proc.z_rec = Var(shape=(capacity, size.n_out), init=0)
    proc.o_u = Var(shape=(size.n_out,), init=0)
    for layer in sched.layers:
        setattr(proc, f"spike_counts_{layer}", Var(shape=(len(sched.layer_populations(layer)),), init=0))
        setattr(proc, f"weight_changes_{layer}", Var(shape=(1,), init=0))
        setattr(proc, f"s_out_{layer}", OutPort(shape=(layer_width(sched, layer, size.sizes),)))


def build_circuit(model, proc) -> None:
    """Create the children of network ``proc`` as attributes of ``model`` and connect them.

    The parent's Vars alias the children's stores, read-out records and
    counters; each of its ``s_out_<layer>`` ports carries that layer's
    spikes (its ``s_out``).
    """
    p = proc.proc_params
    sched = SCHEDULES[p["schedule"]]
    size = NetworkSize(p["sizes"])
    stores, L = p["stores"], size.n_hidden
    common = {"sizes": size.sizes, "schedule": p["schedule"]}
    model.chain = GatingChain(n_gates=sched.n_phases, name="chain")
    model.source = SampleSource(
        n_in=size.n_in,
        n_out=size.n_out,
        schedule=p["schedule"],
        buffer_path=p["buffer_path"],
        capacity=p["capacity"],
        builtins=p["builtins"],
        adapter_latency=p["adapter_latency"],
        name="source",
    )
    layers = [InputLayer(**common, index=0, name="input")]
    for lay in range(1, L + 1):
        layers.append(
            HiddenLayer(
                **common,
                index=lay,
                w=stores[f"w{lay}"],
                wt_pos=stores.get(f"w{lay + 1}t_pos"),
                wt_neg=stores.get(f"w{lay + 1}t_neg"),
                name=sched.layers[lay],
            )
        )
    layers.append(
        OutputLayer(
            **common,
            index=L + 1,
            w=stores[f"w{L + 1}"],
            capacity=p["capacity"],
            adapter_latency=p["adapter_latency"],
            name="output",
        )
    )
    for layer, child in zip(sched.layers, layers, strict=True):
        setattr(model, layer, child)

    model.chain.s_out.connect([child.s_in_gate for child in layers])
    child_of = dict(zip(sched.layers, layers, strict=True))
    pops = {pop.name: pop for pop in sched.populations}
    streams = {c.name: c for c in crossings(sched, size.sizes) if c.direction == "host->chip"}
    for layer, child in child_of.items():
        wired = set()
        for name, port in input_ports(sched, layer).items():
            if name in pops:
                if port not in wired:  # one connection carries every population of that layer
                    child_of[pops[name].layer].s_out.connect(getattr(child, port))
                    wired.add(port)
            elif p["builtins"]:
                connect_spikes(model, streams[name], getattr(model.source, f"s_out_{name}"), getattr(child, port))
            else:
                getattr(model.source, f"s_out_{name}").connect(getattr(child, port))

    for layer, child in zip(sched.layers, layers, strict=True):
        for store, var in store_vars(sched, layer).items():
            getattr(proc, store).alias(getattr(child, var))
        getattr(proc, f"spike_counts_{layer}").alias(child.spike_counts)
        getattr(proc, f"weight_changes_{layer}").alias(child.weight_changes)
        child.s_out.connect(getattr(proc, f"s_out_{layer}"))
    proc.o_rec.alias(layers[-1].o_rec)
    proc.z_rec.alias(layers[-1].z_rec)
    proc.o_u.alias(layers[-1].o_u)
