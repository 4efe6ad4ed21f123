# SPDX-License-Identifier: BSD-3-Clause
"""Constants of the nBP circuit and network sizes, in integer weight units.

The neuron of every population is memoryless::

    V[t] = I[t] + bias + gate[t]     # I: synaptic input, gate: gating input
    s[t] = V[t] > theta              # strict threshold

so a gate input shifts the threshold seen by the synaptic input ``I``: the
population fires iff ``I > theta - bias - gate``. The thresholds used by the
reference engine (512, 0 and 1024) are derived here from the gate weights,
not restated.
"""

from dataclasses import dataclass

from lava_backprop.errors import ShapeError

__all__ = ["CircuitConstants", "NetworkSize", "CIRCUIT", "mantissa_exponent"]

#: Loihi synaptic weights: a signed 8-bit mantissa (|m| <= 255) times 2**exp.
MANTISSA_MAX = 255
EXPONENT_MAX = 7


def mantissa_exponent(weight: int) -> tuple[int, int]:
    """Split a fixed weight into ``(m, e)`` with ``weight == m * 2**e``, ``|m| <= 255``.

    The smallest exponent is chosen. Raises ValueError if no exponent in
    ``0..7`` represents ``weight`` exactly.
    """
    weight = int(weight)
    for exp in range(EXPONENT_MAX + 1):
        mant, rem = divmod(weight, 1 << exp)
        if rem == 0 and abs(mant) <= MANTISSA_MAX:
            return mant, exp
    raise ValueError(f"weight {weight} is not an 8-bit mantissa times 2**e for any e in 0..{EXPONENT_MAX}")


@dataclass(frozen=True)
class CircuitConstants:
    """Fixed integer parameters of the published circuit (ALGORITHM.md §2).

    Parameters
    ----------
    theta : int
        Firing threshold; stands for 1.0.
    bias : int
        Bias of every non-gate neuron; keeps a population silent when closed.
    gate : int
        Gate weight ``g`` that opens a population for the activation ``f``.
    gate_minus : int
        Extra gate weight ``gm`` of the lower derivative bound ``<``.
    gate_plus : int
        Gate weight ``gp`` of the upper derivative bound ``>``.
    gate_inhibit : int
        Inhibitory guard weight ``gi``.
    relay : int
        Weight of a 1:1 relay synapse (``512 + 8``).
    chain : int
        Weight of a link of the gating chain.
    w_min, w_max : int
        Saturation range of the plastic weights (8-bit mantissa, exponent 0).
    dw : int
        Learning step; one least significant bit of the plastic weights.
    """

    theta: int = 1024
    bias: int = -8192
    gate: int = 8704
    gate_minus: int = 512
    gate_plus: int = 8192
    gate_inhibit: int = -8128
    relay: int = 520
    chain: int = 9280
    w_min: int = -256
    w_max: int = 254
    dw: int = 2

    def fires_above(self, gate_input: int) -> int:
        """Synaptic input that a population must exceed under ``gate_input``."""
        return self.theta - self.bias - gate_input

    @property
    def act_threshold(self) -> int:
        """``f(a) = [a > 512]``: the gate ``g`` alone."""
        return self.fires_above(self.gate)

    @property
    def lower_threshold(self) -> int:
        """``[a > 0]``: the lower derivative bound, gate ``g + gm``."""
        return self.fires_above(self.gate + self.gate_minus)

    @property
    def upper_threshold(self) -> int:
        """``[a > 1024]``: the upper derivative bound, gate ``gp``."""
        return self.fires_above(self.gate_plus)


CIRCUIT = CircuitConstants()


@dataclass(frozen=True)
class NetworkSize:
    """Sizes of the three layers ``x -> h -> o``.

    Parameters
    ----------
    n_in, n_hid, n_out : int
        Number of input, hidden and output neurons; each at least 1.
    """

    n_in: int
    n_hid: int
    n_out: int

    def __post_init__(self):
        for name in ("n_in", "n_hid", "n_out"):
            value = getattr(self, name)
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ShapeError(f"{name} must be a positive int, got {value!r}")

    def __str__(self) -> str:
        return f"{self.n_in}-{self.n_hid}-{self.n_out}"
