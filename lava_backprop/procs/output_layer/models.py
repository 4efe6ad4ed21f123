# SPDX-License-Identifier: BSD-3-Clause
"""Process models of OutputLayer: fixed and floating point on the CPU, and built from Loihi 2 built-ins."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.circuit import Recorder
from lava_backprop.procs.base import FIXED, FLOAT, AbstractPyLayerModel
from lava_backprop.procs.builtin_layers import compose_layer
from lava_backprop.procs.output_layer.process import OutputLayer
from lava_backprop.procs.read_out.process import ReadOut

SPIKE_FIXED = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)
SPIKE_FLOAT = LavaPyType(PyOutPort.VEC_DENSE, float)


class AbstractPyOutputLayerModel(AbstractPyLayerModel):
    """Adds the read-out of o and z = W_{L+1} h_L in the read-out phase."""

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self.recorder = Recorder(self.schedule.record_gate, proc_params["capacity"])
        self.read = f"w{proc_params['index']}"

    def _after(self, gates, spikes) -> None:
        row = self.recorder.row(gates)
        if row is not None:
            self.o_rec[row] = spikes["o"]
            self.z_rec[row] = self.core.syn[self.read]


@implements(proc=OutputLayer, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyOutputLayerModelFixed(AbstractPyOutputLayerModel):
    """Loihi arithmetic: plastic weights 8-bit mantissa x 2^0 (even, [-256, 254]),
    int32 synaptic sums, 24-bit voltage; spikes as int32 0/1."""

    arith = FIXED
    spike_counts: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=64)
    weight_changes: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=64)
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_in_below: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_in_drive: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_out_o: PyOutPort = SPIKE_FIXED
    s_out_o_lo: PyOutPort = SPIKE_FIXED
    s_out_o_hi: PyOutPort = SPIKE_FIXED
    s_out_t: PyOutPort = SPIKE_FIXED
    s_out_d_pos: PyOutPort = SPIKE_FIXED
    s_out_d_neg: PyOutPort = SPIKE_FIXED
    s_out_ot: PyOutPort = SPIKE_FIXED
    w: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)
    o_rec: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=1)
    z_rec: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)


@implements(proc=OutputLayer, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyOutputLayerModelFloat(AbstractPyOutputLayerModel):
    """The same dynamics in float64."""

    arith = FLOAT
    spike_counts: np.ndarray = LavaPyType(np.ndarray, float)
    weight_changes: np.ndarray = LavaPyType(np.ndarray, float)
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_below: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_drive: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out_o: PyOutPort = SPIKE_FLOAT
    s_out_o_lo: PyOutPort = SPIKE_FLOAT
    s_out_o_hi: PyOutPort = SPIKE_FLOAT
    s_out_t: PyOutPort = SPIKE_FLOAT
    s_out_d_pos: PyOutPort = SPIKE_FLOAT
    s_out_d_neg: PyOutPort = SPIKE_FLOAT
    s_out_ot: PyOutPort = SPIKE_FLOAT
    w: np.ndarray = LavaPyType(np.ndarray, float)
    o_rec: np.ndarray = LavaPyType(np.ndarray, float)
    z_rec: np.ndarray = LavaPyType(np.ndarray, float)


@implements(proc=OutputLayer, protocol=LoihiProtocol)
class SubOutputLayerModel(AbstractSubProcessModel):
    """The output layer from Loihi 2 built-ins, chosen with ``select_sub_proc_model=True``.

    Seven ``LIFReset`` populations with their gate synapses and relays, the
    target drive, and ``LearningDense`` ``W_{L+1}`` (three copies, onto o,
    o_lo, o_hi) learning with
    `lava_backprop.procs.builtin_layers.phase_sign_rule`. The read-out is a
    host-side `ReadOut` probe on o's spikes and on the synaptic input
    ``W_{L+1} h_L`` that o receives; ``o_rec`` and ``z_rec`` are its records.
    The counters exist only in the CPU models.
    """

    def __init__(self, proc):
        p = proc.proc_params
        synapses = compose_layer(self, proc)
        n_out = p["sizes"][-1]
        self.read_out = ReadOut(n_out=n_out, schedule=p["schedule"], capacity=p["capacity"], name="read_out")
        proc.in_ports.s_in_gate.connect(self.read_out.s_in_gate)
        self.o.s_out.connect(self.read_out.s_in_o)
        synapses[f"w{p['index']}"][0].a_out.connect(self.read_out.a_in_z)
        proc.o_rec.alias(self.read_out.o_rec)
        proc.z_rec.alias(self.read_out.z_rec)
