# SPDX-License-Identifier: BSD-3-Clause
"""GatingChain: the ring of gate neurons that routes the circuit's phases."""

from lava.magma.core.process.ports.ports import OutPort
from lava.magma.core.process.variable import Var

from lava_backprop.circuit import kick
from lava_backprop.procs.base_process import CheckedProcess


class GatingChain(CheckedProcess):
    """A ring of ``n_gates`` gate neurons, each exciting the next.

    Dynamics (bias 0, no refractoriness, chain weight 9280, theta 1024)::

        V_p[t] = 9280 * s_{p-1}[t-1]
        s_p[t] = V_p[t] > 1024

    The kick is gate 0's spike held before the first step, so gate ``p``
    spikes in every step ``t`` with ``t % n_gates == p`` (step 0 being the
    kick). A gate spike emitted at ``t`` opens its populations at ``t + 1``.

    Parameters
    ----------
    n_gates : int
        Ring length: 12 for training, 4 for inference.
    name : str, optional

    Ports
    -----
    s_out : OutPort, shape (n_gates,)
        Gate spikes.

    Vars
    ----
    s : (n_gates,)
        Gate spikes of the last step.
    """

    def __init__(self, *, n_gates: int = 12, name: str | None = None, **kwargs):
        if not isinstance(n_gates, int) or n_gates < 2:
            raise ValueError(f"n_gates must be an int of at least 2, got {n_gates!r}")
        super().__init__(n_gates=n_gates, name=name, **kwargs)
        self.s_out = OutPort(shape=(n_gates,))
        self.s = Var(shape=(n_gates,), init=kick(n_gates).astype(int))
