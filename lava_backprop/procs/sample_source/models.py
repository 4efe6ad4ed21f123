# SPDX-License-Identifier: BSD-3-Clause
"""Process models of SampleSource (fixed and floating point)."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.circuit import SourceCore
from lava_backprop.procs.base import FIXED, FLOAT, AbstractPyStepModel
from lava_backprop.procs.sample_source.process import SampleSource
from lava_backprop.schedule import SCHEDULES


class AbstractPySampleSourceModel(AbstractPyStepModel):
    """Sends the streams decided in the previous step, then reads the gates."""

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.core = SourceCore(SCHEDULES[p["schedule"]], p["n_in"], p["n_out"])
        self.buffer = None

    def _step(self) -> None:
        if self.buffer is None:
            p = self.proc_params
            self.buffer = np.memmap(
                p["buffer_path"], dtype=np.uint8, mode="r", shape=(p["capacity"], p["n_in"] + p["n_out"])
            )
        streams = self.core.emit(self.buffer)
        self._send(self.s_out_x_drive, self._spikes(streams["x_drive"]))
        self._send(self.s_out_t_drive, self._spikes(streams["t_drive"]))
        self.core.step(self.s_in_gate.recv())


@implements(proc=SampleSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySampleSourceModelFixed(AbstractPySampleSourceModel):
    """Spikes as int32 0/1."""

    arith = FIXED
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_out_x_drive: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)
    s_out_t_drive: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)


@implements(proc=SampleSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySampleSourceModelFloat(AbstractPySampleSourceModel):
    """Spikes as float64 0/1."""

    arith = FLOAT
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out_x_drive: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_t_drive: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
