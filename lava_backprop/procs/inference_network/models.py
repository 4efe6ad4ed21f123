# SPDX-License-Identifier: BSD-3-Clause
"""The composition of InferenceNetwork from its leaf processes."""

from lava.magma.core.decorator import implements
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.procs.inference_network.process import InferenceNetwork
from lava_backprop.procs.wiring import build_circuit


@implements(proc=InferenceNetwork, protocol=LoihiProtocol)
class SubInferenceNetworkModel(AbstractSubProcessModel):
    """Chain, source, and x, h_1 .. h_L, o in their layers."""

    def __init__(self, proc):
        build_circuit(self, proc)
