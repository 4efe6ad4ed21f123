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
IN_FIXED = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
IN_FLOAT = LavaPyType(PyInPort.VEC_DENSE, float)


@implements(proc=HiddenLayer, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyHiddenLayerModelFixed(AbstractPyLayerModel):
    """Loihi arithmetic: plastic weights 8-bit mantissa x 2^0 (even, [-256, 254]),
    int32 synaptic sums, 24-bit voltage; spikes as int32 0/1."""

    arith = FIXED
    spike_counts: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=64)
    weight_changes: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=64)
    s_in_gate: PyInPort = IN_FIXED
    s_in_below: PyInPort = IN_FIXED
    s_in_above: PyInPort = IN_FIXED
    s_out: PyOutPort = SPIKE_FIXED
    w: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)
    wt_pos: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)
    wt_neg: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)


@implements(proc=HiddenLayer, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyHiddenLayerModelFloat(AbstractPyLayerModel):
    """The same dynamics in float64."""

    arith = FLOAT
    spike_counts: np.ndarray = LavaPyType(np.ndarray, float)
    weight_changes: np.ndarray = LavaPyType(np.ndarray, float)
    s_in_gate: PyInPort = IN_FLOAT
    s_in_below: PyInPort = IN_FLOAT
    s_in_above: PyInPort = IN_FLOAT
    s_out: PyOutPort = SPIKE_FLOAT
    w: np.ndarray = LavaPyType(np.ndarray, float)
    wt_pos: np.ndarray = LavaPyType(np.ndarray, float)
    wt_neg: np.ndarray = LavaPyType(np.ndarray, float)


@implements(proc=HiddenLayer, protocol=LoihiProtocol)
class SubHiddenLayerModel(AbstractSubProcessModel):
    """A hidden layer from Loihi 2 built-ins, chosen with ``select_sub_proc_model=True``.

    Its populations as one ``LIFReset`` with its gate synapses and relays;
    one ``LearningDense`` from the layer below holding ``W_l``'s three copies
    (onto h, h_lo, h_hi) and one from the layer above holding ``P_{l+1}``
    and ``M_{l+1}`` (onto ht), learning with
    `lava_backprop.procs.builtin_layers.plastic_rule`
    (`lava_backprop.procs.builtin_layers.compose_layer`). The stores are
    read from those synapses (`lava_backprop.procs.builtin_layers.read_stores`);
    the counters (``spike_counts``, ``weight_changes``) exist only in the CPU
    models.
    """

    def __init__(self, proc):
        compose_layer(self, proc)
