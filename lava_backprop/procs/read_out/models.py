# SPDX-License-Identifier: BSD-3-Clause
"""Process models of ReadOut (fixed and floating point, on the host CPU)."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.circuit import SampleClock
from lava_backprop.procs.base import FIXED, FLOAT, AbstractPyStepModel
from lava_backprop.procs.read_out.process import ReadOut
from lava_backprop.schedule import SCHEDULES


class AbstractPyReadOutModel(AbstractPyStepModel):
    """Records in the step after the record gate arrived."""

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self.record_gate = SCHEDULES[proc_params["schedule"]].record_gate
        self.clock = SampleClock()
        self.armed = -1

    def _step(self) -> None:
        gates = self.s_in_gate.recv()
        o, z = self.s_in_o.recv(), self.a_in_z.recv()
        if self.armed >= 0:
            row = self.armed % self.o_rec.shape[0]
            self.o_rec[row] = o
            self.z_rec[row] = z
        k = self.clock.tick(gates)
        self.armed = k if k >= 0 and gates[self.record_gate] else -1


@implements(proc=ReadOut, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyReadOutModelFixed(AbstractPyReadOutModel):
    """Spikes as int32 0/1, currents as int32."""

    arith = FIXED
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_in_o: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    a_in_z: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    o_rec: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=1)
    z_rec: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)


@implements(proc=ReadOut, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyReadOutModelFloat(AbstractPyReadOutModel):
    """The same in float64."""

    arith = FLOAT
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_o: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    a_in_z: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    o_rec: np.ndarray = LavaPyType(np.ndarray, float)
    z_rec: np.ndarray = LavaPyType(np.ndarray, float)
