# SPDX-License-Identifier: BSD-3-Clause
"""Process models of OutputLayer: fixed and floating point on the CPU, and built from Loihi 2 built-ins."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.boundary import connect_spikes, connect_state, crossings, current_of, output_population, timing
from lava_backprop.circuit import Recorder
from lava_backprop.procs.base import FIXED, FLOAT, AbstractPyLayerModel
from lava_backprop.procs.base_process import layer_slices, layer_width
from lava_backprop.procs.builtin_layers import compose_layer
from lava_backprop.procs.output_layer.process import OutputLayer
from lava_backprop.procs.read_out.process import ReadOut
from lava_backprop.schedule import SCHEDULES

SPIKE_FIXED = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)
SPIKE_FLOAT = LavaPyType(PyOutPort.VEC_DENSE, float)


class AbstractPyOutputLayerModel(AbstractPyLayerModel):
    """Adds the read-out of o and z = W_{L+1} h_L in the read-out phase, and o's current."""

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self.recorder = Recorder(self.schedule.record_gate, proc_params["capacity"])
        self.read = f"w{proc_params['index']}"
        self.o = output_population(self.schedule)

    def _after(self, gates, spikes) -> None:
        self.o_u[:] = current_of(self.core.synaptic_input(self.o), fixed=self.arith is FIXED)
        row = self.recorder.row(gates)
        if row is not None:
            self.o_rec[row] = spikes[self.core.slices[self.o]]
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
    s_out: PyOutPort = SPIKE_FIXED
    w: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)
    o_rec: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=1)
    z_rec: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    o_u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)


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
    s_out: PyOutPort = SPIKE_FLOAT
    w: np.ndarray = LavaPyType(np.ndarray, float)
    o_rec: np.ndarray = LavaPyType(np.ndarray, float)
    z_rec: np.ndarray = LavaPyType(np.ndarray, float)
    o_u: np.ndarray = LavaPyType(np.ndarray, float)


@implements(proc=OutputLayer, protocol=LoihiProtocol)
class SubOutputLayerModel(AbstractSubProcessModel):
    """The output layer from Loihi 2 built-ins, chosen with ``select_sub_proc_model=True``.

    The layer's populations as one ``LIFReset`` with its gate synapses,
    relays and target drive, and one ``LearningDense`` holding ``W_{L+1}``'s
    three copies (onto o, o_lo, o_hi) learning with
    `lava_backprop.procs.builtin_layers.plastic_rule`
    (`lava_backprop.procs.builtin_layers.compose_layer`). The read-out is a
    host-side `ReadOut` probe on the layer's spikes and on its current ``u``
    (a state read: no synaptic output leaves the chip), across the host-chip
    boundary as `lava_backprop.boundary` connects it; ``o_rec`` and ``z_rec``
    are its records, ``o_u`` is o's ``u`` as it last read it. The counters
    exist only in the CPU models.
    """

    def __init__(self, proc):
        p = proc.proc_params
        schedule = SCHEDULES[p["schedule"]]
        compose_layer(self, proc)
        when = timing(schedule, builtins=True, adapter_latency=p["adapter_latency"])
        layer = schedule.layers[p["index"]]
        self.read_out = ReadOut(
            n_out=p["sizes"][-1],
            schedule=p["schedule"],
            capacity=p["capacity"],
            width=layer_width(schedule, layer, p["sizes"]),
            o_at=layer_slices(schedule, layer, p["sizes"])[output_population(schedule)].start,
            state="port" if when.state_delay else "ref",
            adapter_latency=p["adapter_latency"],
            name="read_out",
        )
        crossing = {c.name: c for c in crossings(schedule, p["sizes"])}
        connect_spikes(self, crossing["o"], self.neurons.s_out, self.read_out.s_in_o)
        connect_state(self, crossing["o_u"], self.neurons.u, self.read_out, when)
        proc.o_u.alias(self.read_out.o_u)
        proc.o_rec.alias(self.read_out.o_rec)
        proc.z_rec.alias(self.read_out.z_rec)
