# SPDX-License-Identifier: BSD-3-Clause
"""Building blocks for compositions of Loihi 2 built-ins, shared by the layers.

A layer built this way runs one step behind the CPU models in its frame:
its populations are ``LIFReset`` neurons (reset every step: memoryless) fed
through ``Dense`` / ``DelayDense``, which deliver a spike emitted at ``T`` at
``T + 1 + delay``. With the built-in gating chain every part sees the gates
and the other parts' spikes at consistent offsets (docs/LOIHI2.md).
"""

import numpy as np
from lava.proc.dense.process import DelayDense, Dense
from lava.proc.lif.process import LIFReset

from lava_backprop.params import CIRCUIT, mantissa_exponent

__all__ = ["population", "gate_synapses", "relay"]


def population(width: int, name: str) -> LIFReset:
    """The circuit's memoryless neuron: fires iff ``I - 8192 > 1024`` (tests/test_loihi2_builtins.py)."""
    return LIFReset(
        shape=(width,), du=4095, dv=4095, reset_interval=1, bias_mant=-4096, bias_exp=7, vth=CIRCUIT.theta, name=name
    )


def gate_synapses(weights_by_gate: dict, n_gates: int, width: int, name: str) -> list[Dense]:
    """Dense synapses from the gate vector onto one population.

    ``weights_by_gate`` maps gate index to weight. Excitatory and inhibitory
    weights go into separate Dense processes (the exponent is shared per
    Dense, and a mixed-sign matrix loses the mantissa's last bit).
    """
    out = []
    for sign in (1, -1):
        chosen = {g: w for g, w in weights_by_gate.items() if np.sign(w) == sign}
        if not chosen:
            continue
        exp = max(mantissa_exponent(w)[1] for w in chosen.values())
        matrix = np.zeros((width, n_gates), dtype=int)
        for g, w in chosen.items():
            mant, rest = divmod(abs(w), 1 << exp)
            if rest or mant > 255:
                raise ValueError(f"gate weight {w} is not an 8-bit mantissa times 2**{exp}")
            matrix[:, g] = sign * mant
        out.append(Dense(weights=matrix, weight_exp=exp, name=f"{name}_{'exc' if sign > 0 else 'inh'}"))
    return out


def relay(width: int, weight: int, delay: int, name: str):
    """A one-to-one synapse ``src[i] -> dst[i]`` with ``weight`` and ``delay``."""
    mant, exp = mantissa_exponent(weight)
    diag = np.diag(np.full(width, mant))
    if delay == 0:
        return Dense(weights=diag, weight_exp=exp, name=name)
    return DelayDense(weights=diag, delays=delay, weight_exp=exp, name=name)
