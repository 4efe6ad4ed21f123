# SPDX-License-Identifier: BSD-3-Clause
"""Process models of HiddenLayer: fixed and floating point on the CPU, and built from Loihi 2 built-ins."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.procs.base import FIXED, FLOAT, AbstractPyLayerModel
from lava_backprop.procs.builtin_layers import compose_layer
from lava_backprop.procs.hidden_layer.process import HiddenLayer

SPIKE_FIXED = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)
SPIKE_FLOAT = LavaPyType(PyOutPort.VEC_DENSE, float)


@implements(proc=HiddenLayer, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyHiddenLayerModelFixed(AbstractPyLayerModel):
    """Loihi arithmetic: plastic weights 8-bit mantissa x 2^0 (even, [-256, 254]),
    int32 synaptic sums, 24-bit voltage; spikes as int32 0/1."""

    layer = "hidden"
    arith = FIXED
    spike_counts: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=64)
    weight_changes: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=64)
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_in_x: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_in_o: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_in_ot: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_out_h: PyOutPort = SPIKE_FIXED
    s_out_h_lo: PyOutPort = SPIKE_FIXED
    s_out_h_hi: PyOutPort = SPIKE_FIXED
    s_out_m_h: PyOutPort = SPIKE_FIXED
    s_out_c_h: PyOutPort = SPIKE_FIXED
    s_out_h1t: PyOutPort = SPIKE_FIXED
    w1: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)
    w2t_pos: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)
    w2t_neg: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)


@implements(proc=HiddenLayer, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyHiddenLayerModelFloat(AbstractPyLayerModel):
    """The same dynamics in float64."""

    layer = "hidden"
    arith = FLOAT
    spike_counts: np.ndarray = LavaPyType(np.ndarray, float)
    weight_changes: np.ndarray = LavaPyType(np.ndarray, float)
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_x: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_o: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_ot: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out_h: PyOutPort = SPIKE_FLOAT
    s_out_h_lo: PyOutPort = SPIKE_FLOAT
    s_out_h_hi: PyOutPort = SPIKE_FLOAT
    s_out_m_h: PyOutPort = SPIKE_FLOAT
    s_out_c_h: PyOutPort = SPIKE_FLOAT
    s_out_h1t: PyOutPort = SPIKE_FLOAT
    w1: np.ndarray = LavaPyType(np.ndarray, float)
    w2t_pos: np.ndarray = LavaPyType(np.ndarray, float)
    w2t_neg: np.ndarray = LavaPyType(np.ndarray, float)


@implements(proc=HiddenLayer, protocol=LoihiProtocol)
class SubHiddenLayerModel(AbstractSubProcessModel):
    """The hidden layer from Loihi 2 built-ins, chosen with ``select_sub_proc_model=True``.

    Six ``LIFReset`` populations with their gate synapses and relays, and
    ``LearningDense`` synapses for W1 (x -> h, h<, h>: three copies), +W2^T
    (o -> h1T) and -W2^T (oT- -> h1T), learning with
    `lava_backprop.procs.builtin_layers.phase_sign_rule`. The Vars ``w1``,
    ``w2t_pos`` and ``w2t_neg`` are the first copies' weights; the counters
    (``spike_counts``, ``weight_changes``) exist only in the CPU models.
    """

    def __init__(self, proc):
        compose_layer(self, proc, "hidden")
