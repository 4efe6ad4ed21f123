# SPDX-License-Identifier: BSD-3-Clause
"""Process models of ReadOut (fixed and floating point, on the host CPU)."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.circuit import Recorder
from lava_backprop.procs.base import FIXED, FLOAT, AbstractPyStepModel
from lava_backprop.procs.read_out.process import ReadOut
from lava_backprop.schedule import SCHEDULES


class AbstractPyReadOutModel(AbstractPyStepModel):
    """Records in the step after the record gate arrived."""

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self.recorder = Recorder(SCHEDULES[proc_params["schedule"]].record_gate, proc_params["capacity"])
        self.armed = None

    def _step(self) -> None:
        gates = self.s_in_gate.recv()
        o, z = self.s_in_o.recv(), self.a_in_z.recv()
        if self.armed is not None:
            self.o_rec[self.armed] = o
            self.z_rec[self.armed] = z
        self.armed = self.recorder.row(gates)  # the built-in o fires the step after its gate


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
