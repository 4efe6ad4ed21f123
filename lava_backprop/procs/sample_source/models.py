# SPDX-License-Identifier: BSD-3-Clause
"""Process models of SampleSource (fixed and floating point)."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.boundary import Timing
from lava_backprop.procs.base import FIXED, FLOAT, AbstractPyStepModel
from lava_backprop.procs.sample_source.process import SampleSource
from lava_backprop.schedule import SCHEDULES


class AbstractPySampleSourceModel(AbstractPyStepModel):
    """Sends each stream of a sample in its step of `Timing`, read from the sample buffer then."""

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.timing = Timing(SCHEDULES[p["schedule"]], p["builtins"], p["adapter_latency"])
        self.slices = {"x_drive": slice(0, p["n_in"]), "t_drive": slice(p["n_in"], p["n_in"] + p["n_out"])}
        self.silence = {s: np.zeros(r.stop - r.start, dtype=self.arith.dtype) for s, r in self.slices.items()}
        self.buffer = None

    def _step(self) -> None:
        if self.buffer is None:
            p = self.proc_params
            self.buffer = np.memmap(
                p["buffer_path"], dtype=np.uint8, mode="r", shape=(p["capacity"], p["n_in"] + p["n_out"])
            )
        due = self.timing.emissions(self.time_step)
        for stream, port in (("x_drive", self.s_out_x_drive), ("t_drive", self.s_out_t_drive)):
            if stream in due:
                row = self.buffer[due[stream] % self.buffer.shape[0], self.slices[stream]]
                self._send(port, self._spikes(row.astype(bool)))
            else:
                self._send(port, self.silence[stream])


@implements(proc=SampleSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PySampleSourceModelFixed(AbstractPySampleSourceModel):
    """Spikes as int32 0/1."""

    arith = FIXED
    s_out_x_drive: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)
    s_out_t_drive: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)


@implements(proc=SampleSource, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PySampleSourceModelFloat(AbstractPySampleSourceModel):
    """Spikes as float64 0/1."""

    arith = FLOAT
    s_out_x_drive: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_t_drive: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
