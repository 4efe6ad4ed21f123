# SPDX-License-Identifier: BSD-3-Clause
"""Process models of ReadOut (fixed and floating point, on the host CPU)."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyRefPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.boundary import Timing, z_of
from lava_backprop.procs.base import FIXED, FLOAT, AbstractPyStepModel
from lava_backprop.procs.read_out.process import ReadOut
from lava_backprop.schedule import SCHEDULES


class AbstractPyReadOutModel(AbstractPyStepModel):
    """Records o's spikes and z in the steps `Timing` gives; reads ``ref_u`` in a post-management phase."""

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.by_port = p["state"] == "port"
        self.latency = p["adapter_latency"]
        self.timing = Timing(SCHEDULES[p["schedule"]], builtins=True)
        self.capacity, self.extra = p["capacity"], p["extra"]
        self.o = slice(p["o_at"], p["o_at"] + p["n_out"])

    def _row(self, delay: int) -> int | None:
        k = self.timing.sample_at(self.time_step, delay)
        return None if k is None else k % self.capacity

    def _step(self) -> None:
        o = self.s_in_o.recv()[self.o]
        row = self._row(self.latency)
        if row is not None:
            self.o_rec[row] = o
        delay = 1 + self.latency  # a state reader sends the step after it read, in every ring
        read = self.time_step - delay  # the reader reads in every step of its class from step 1 on
        if self.by_port and read >= 1 and (read - self.timing.read_step(0)) % self.timing.schedule.n_phases == 0:
            self.o_u[:], row = self.a_in_u.recv()[self.o], self._row(delay)
            if row is not None:
                self.z_rec[row] = z_of(self.o_u, self.extra)

    def post_guard(self) -> bool:
        return not self.by_port and self._row(0) is not None

    def run_post_mgmt(self) -> None:
        self.o_u[:] = self.ref_u.read()[self.o]
        self.z_rec[self._row(0)] = z_of(self.o_u, self.extra)


@implements(proc=ReadOut, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyReadOutModelFixed(AbstractPyReadOutModel):
    """Spikes as int32 0/1, currents as int32."""

    arith = FIXED
    s_in_o: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    ref_u: PyRefPort = LavaPyType(PyRefPort.VEC_DENSE, np.int32, precision=24)
    a_in_u: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    o_rec: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=1)
    z_rec: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)
    o_u: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=24)


@implements(proc=ReadOut, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyReadOutModelFloat(AbstractPyReadOutModel):
    """The same in float64."""

    arith = FLOAT
    s_in_o: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    ref_u: PyRefPort = LavaPyType(PyRefPort.VEC_DENSE, float)
    a_in_u: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    o_rec: np.ndarray = LavaPyType(np.ndarray, float)
    z_rec: np.ndarray = LavaPyType(np.ndarray, float)
    o_u: np.ndarray = LavaPyType(np.ndarray, float)
