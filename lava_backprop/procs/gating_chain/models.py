# SPDX-License-Identifier: BSD-3-Clause
"""Process models of GatingChain: fixed and floating point on the CPU, and built from Loihi 2 built-ins."""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.model.py.ports import PyOutPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.model.sub.model import AbstractSubProcessModel
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.dense.process import Dense
from lava.proc.lif.process import LIF, LIFReset

from lava_backprop.circuit import chain_step
from lava_backprop.params import CIRCUIT
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


#: The built-in kick's initial voltage: above its threshold (``theta << 6``), so it fires in step 1.
KICK_V = (CIRCUIT.theta << 6) + 1


@implements(proc=GatingChain, protocol=LoihiProtocol)
class SubGatingChainModel(AbstractSubProcessModel):
    """The ring from Loihi 2 built-ins, chosen with ``select_sub_proc_model=True``.

    - gates: ``LIFReset`` (reset every step: memoryless), bias 0, threshold 1024;
    - ring: ``Dense``, gate ``p`` -> gate ``p + 1`` with 145 << 6 = 9280;
    - kick: one ``LIF`` that starts above threshold (``v = KICK_V``) with no
      bias, no input and no decay (``du = dv = 0``): it fires in step 1,
      resets to 0 and stays there, with nothing to integrate, so it cannot
      fire again however long the run (no current to wrap); it drives gate 0
      through ``Dense`` (145 << 6).

    Gate 0 therefore first fires in step 2, one step later than the CPU
    model's kick (held before step 1): the whole circuit runs one step later,
    and the first run needs one step more. Var ``s`` is not available here.
    """

    def __init__(self, proc):
        n = proc.proc_params["n_gates"]
        self.gates = LIFReset(shape=(n,), vth=1024, du=4095, dv=4095, reset_interval=1, name="gates")
        ring = np.zeros((n, n), dtype=int)
        ring[(np.arange(n) + 1) % n, np.arange(n)] = 145
        self.ring = Dense(weights=ring, weight_exp=6, name="ring")
        self.kick = LIF(shape=(1,), du=0, dv=0, vth=CIRCUIT.theta, v=KICK_V, name="kick")
        to_first = np.zeros((n, 1), dtype=int)
        to_first[0, 0] = 145
        self.kick_out = Dense(weights=to_first, weight_exp=6, name="kick_out")
        self.gates.s_out.connect(self.ring.s_in)
        self.ring.a_out.connect(self.gates.a_in)
        self.kick.s_out.connect(self.kick_out.s_in)
        self.kick_out.a_out.connect(self.gates.a_in)
        self.gates.s_out.connect(proc.out_ports.s_out)
