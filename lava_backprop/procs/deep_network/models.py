# SPDX-License-Identifier: BSD-3-Clause
"""The composition of DeepBackpropNetwork."""

from lava.magma.core.decorator import implements
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.deep_schedule import layer_names
from lava_backprop.procs.deep_layer.process import DeepLayer, stores_onto
from lava_backprop.procs.deep_network.process import DeepBackpropNetwork
from lava_backprop.procs.gating_chain.process import GatingChain
from lava_backprop.procs.sample_source.process import SampleSource
from lava_backprop.schedule import SCHEDULES


@implements(proc=DeepBackpropNetwork, protocol=LoihiProtocol)
class SubDeepBackpropNetworkModel(AbstractSubProcessModel):
    """Chain, source and the layers, each connected to its neighbours; the precision is the leaves' tag."""

    def __init__(self, proc):
        p = proc.proc_params
        sched = SCHEDULES[p["schedule"]]
        sizes = p["sizes"]
        names = layer_names(len(sizes) - 2)
        widths = dict(zip(names, sizes, strict=True))
        self.chain = GatingChain(n_gates=sched.n_phases, name="chain")
        self.source = SampleSource(
            n_in=sizes[0],
            n_out=sizes[-1],
            schedule=p["schedule"],
            buffer_path=p["buffer_path"],
            capacity=p["capacity"],
            name="source",
        )
        layers = []
        for layer in names:
            stores = {g.store: p["stores"][g.store] for _, g in stores_onto(sched, layer)}
            child = DeepLayer(
                schedule=p["schedule"], layer=layer, widths=widths, stores=stores, capacity=p["capacity"], name=layer
            )
            setattr(self, f"layer_{layer}", child)
            layers.append(child)
            self.chain.s_out.connect(child.s_in_gate)
            for role, g in stores_onto(sched, layer):
                getattr(proc, g.store).alias(getattr(child, role))
            child.s_out.connect(getattr(proc.out_ports, f"s_out_{layer}"))
        self.chain.s_out.connect(self.source.s_in_gate)
        self.source.s_out_x_drive.connect(layers[0].s_in_drive)
        self.source.s_out_t_drive.connect(layers[-1].s_in_drive)
        for lower, upper in zip(layers[:-1], layers[1:], strict=True):
            lower.s_out.connect(upper.s_in_below)
            upper.s_out.connect(lower.s_in_above)
        proc.o_rec.alias(layers[-1].o_rec)
        proc.z_rec.alias(layers[-1].z_rec)
