# SPDX-License-Identifier: BSD-3-Clause
"""Process models of GatingChain (fixed and floating point)."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

from lava_backprop.circuit import chain_step
from lava_backprop.procs.base import FIXED, FLOAT, AbstractPyStepModel
from lava_backprop.procs.gating_chain.process import GatingChain


class AbstractPyGatingChainModel(AbstractPyStepModel):
    """Sends the gate spikes of the previous step, then advances the ring."""

    def _step(self) -> None:
        self._send(self.s_out, self.s)
        self.s[:] = chain_step(self.s, self.arith)


@implements(proc=GatingChain, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt")
class PyGatingChainModelFixed(AbstractPyGatingChainModel):
    """Loihi arithmetic: int32 voltage of 24 bits; spikes as int32 0/1."""

    arith = FIXED
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=1)
    s: np.ndarray = LavaPyType(np.ndarray, np.int32, precision=1)


@implements(proc=GatingChain, protocol=LoihiProtocol)
@requires(CPU)
@tag("floating_pt")
class PyGatingChainModelFloat(AbstractPyGatingChainModel):
    """The same dynamics in float64."""

    arith = FLOAT
    s_out: PyOutPort = LavaPyType(PyOutPort.VEC_DENSE, float)
    s: np.ndarray = LavaPyType(np.ndarray, float)
