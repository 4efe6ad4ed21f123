# SPDX-License-Identifier: BSD-3-Clause
"""Process models of InputLayer: fixed and floating point on the CPU, and built from Loihi 2 built-ins."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.procs.base import FIXED, FLOAT, AbstractPyLayerModel
from lava_backprop.procs.builtin_layers import compose_layer
from lava_backprop.procs.input_layer.process import InputLayer


@implements(proc=InputLayer, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyInputLayerModelFixed(AbstractPyLayerModel):
    """Loihi arithmetic: int32 sums, 24-bit voltage; spikes as int32 0/1."""

    arith = FIXED
    spike_counts: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=64)
    weight_changes: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=64)
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_in_drive: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)


@implements(proc=InputLayer, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyInputLayerModelFloat(AbstractPyLayerModel):
    """The same dynamics in float64."""

    arith = FLOAT
    spike_counts: np.ndarray = LavaPyType(np.ndarray, float)
    weight_changes: np.ndarray = LavaPyType(np.ndarray, float)
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_drive: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)


@implements(proc=InputLayer, protocol=LoihiProtocol)
class SubInputLayerModel(AbstractSubProcessModel):
    """x and m_x from Loihi 2 built-ins, chosen with ``select_sub_proc_model=True``.

    One ``LIFReset`` for both; a gate synapse (136 << 6 from the gates that
    open x and m_x); relays 520 = 130 << 2: x -> m_x, m_x -> x
    (``DelayDense``), source -> x (``Dense``); see
    `lava_backprop.procs.builtin_layers.compose_layer`.
    """

    def __init__(self, proc):
        compose_layer(self, proc)
