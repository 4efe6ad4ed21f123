# SPDX-License-Identifier: BSD-3-Clause
"""Process models of DeepLayer (fixed and floating point)."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.circuit import GroupCore, Recorder
from lava_backprop.procs.base import FIXED, FLOAT, AbstractPyStepModel
from lava_backprop.procs.deep_layer.process import DeepLayer, stores_onto
from lava_backprop.schedule import SCHEDULES


class AbstractPyDeepLayerModel(AbstractPyStepModel):
    """Sends the previous step's spikes, receives the neighbours' and the gates, steps the layer."""

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        sched = SCHEDULES[p["schedule"]]
        self.schedule, self.layer = sched, p["layer"]
        self.core = GroupCore(sched, p["layer"], p["widths"], self.arith)
        order = list(dict.fromkeys(pop.layer for pop in sched.populations))
        index = order.index(p["layer"])
        self.slices = {}  # external population -> (port, slice)
        for side, other in (("below", index - 1), ("above", index + 1)):
            if 0 <= other < len(order):
                width = p["widths"][order[other]]
                for k, pop in enumerate(sched.layer_populations(order[other])):
                    self.slices[pop.name] = (side, slice(k * width, (k + 1) * width))
        self.roles = {g.store: role for role, g in stores_onto(sched, p["layer"])}
        self.read = next((g.store for g in sched.plastic if "o" in g.posts), None)
        self.emitted = np.zeros(sum(self.core.width[n] for n in self.core.names), dtype=self.arith.dtype)
        self.recorder = Recorder(sched.record_gate, p["capacity"])

    def _step(self) -> None:
        self._send(self.s_out, self.emitted)
        gates = self.s_in_gate.recv()
        received = {"below": self.s_in_below.recv(), "above": self.s_in_above.recv()}
        drive = self.s_in_drive.recv()
        ext = {}
        for name in self.core.inputs:
            if name.endswith("_drive"):
                ext[name] = drive
            else:
                side, cut = self.slices[name]
                ext[name] = received[side][cut]
        stores = {store: getattr(self, role) for store, role in self.roles.items()}
        spikes = self.core.step(gates, ext, stores)
        self.spike_counts += [np.count_nonzero(spikes[n]) for n in self.core.names]
        self.weight_changes[0] = self.core.weight_changes
        if self.layer == "output":
            row = self.recorder.row(gates)
            if row is not None:
                self.o_rec[row] = spikes["o"]
                self.z_rec[row] = self.core.syn[self.read]
        self.emitted = np.concatenate([spikes[n] for n in self.core.names]).astype(self.arith.dtype)


@implements(proc=DeepLayer, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyDeepLayerModelFixed(AbstractPyDeepLayerModel):
    """Loihi arithmetic: int32 sums, 24-bit voltage; spikes as int32 0/1."""

    arith = FIXED
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_in_below: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_in_above: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_in_drive: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)
    w_in: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)
    w_pos: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)
    w_neg: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=8)
    o_rec: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=1)
    z_rec: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    spike_counts: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=64)
    weight_changes: np.ndarray = LavaPyType(np.ndarray, np.int64, precision=64)


@implements(proc=DeepLayer, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyDeepLayerModelFloat(AbstractPyDeepLayerModel):
    """The same dynamics in float64."""

    arith = FLOAT
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_below: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_above: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_drive: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    w_in: np.ndarray = LavaPyType(np.ndarray, float)
    w_pos: np.ndarray = LavaPyType(np.ndarray, float)
    w_neg: np.ndarray = LavaPyType(np.ndarray, float)
    o_rec: np.ndarray = LavaPyType(np.ndarray, float)
    z_rec: np.ndarray = LavaPyType(np.ndarray, float)
    spike_counts: np.ndarray = LavaPyType(np.ndarray, float)
    weight_changes: np.ndarray = LavaPyType(np.ndarray, float)
