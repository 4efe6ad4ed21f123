# SPDX-License-Identifier: BSD-3-Clause
"""The composition of BackpropNetwork from its leaf processes."""

from lava.magma.core.decorator import implements
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.procs.backprop_network.process import BackpropNetwork
from lava_backprop.procs.wiring import build_circuit


@implements(proc=BackpropNetwork, protocol=LoihiProtocol)
class SubBackpropNetworkModel(AbstractSubProcessModel):
    """Chain, source and the layers, each connected to its neighbours; the precision is the leaves' tag."""

    def __init__(self, proc):
        build_circuit(self, proc)
