# SPDX-License-Identifier: BSD-3-Clause
"""Process models of InputLayer (fixed and floating point)."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyInPort, PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.procs.base import FIXED, FLOAT, AbstractPyLayerModel
from lava_backprop.procs.input_layer.process import InputLayer


@implements(proc=InputLayer, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyInputLayerModelFixed(AbstractPyLayerModel):
    """Loihi arithmetic: int32 sums, 24-bit voltage; spikes as int32 0/1."""

    layer = "input"
    arith = FIXED
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_in_x_drive: PyInPort = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=1)
    s_out_x: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)
    s_out_m_x: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)


@implements(proc=InputLayer, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyInputLayerModelFloat(AbstractPyLayerModel):
    """The same dynamics in float64."""

    layer = "input"
    arith = FLOAT
    s_in_gate: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_in_x_drive: PyInPort = LavaPyType(PyInPort.VEC_DENSE, float)
    s_out_x: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s_out_m_x: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
