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

import numpy as np

from lava_backprop.errors import ShapeError

__all__ = ["CircuitConstants", "NetworkSize", "CIRCUIT", "layer_names", "mantissa_exponent"]

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
    """Fixed integer parameters of the published circuit (docs/ALGORITHM.md §2).

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


def layer_names(n_hidden: int) -> tuple[str, ...]:
    """Names of the layers of a network with ``n_hidden`` hidden layers, input to output.

    ``("input", "hidden", "output")`` for one hidden layer, else
    ``("input", "hidden1", .., "hidden<L>", "output")``.
    """
    hidden = ("hidden",) if n_hidden == 1 else tuple(f"hidden{lay}" for lay in range(1, n_hidden + 1))
    return ("input", *hidden, "output")


@dataclass(frozen=True, init=False)
class NetworkSize:
    """Layer sizes ``[n_in, h_1, .., h_L, n_out]`` of a network with ``L >= 1`` hidden layers.

    Parameters
    ----------
    *sizes : int
        At least three positive ints, input first; a single sequence of them
        is accepted too (``NetworkSize(400, 400, 10) == NetworkSize([400, 400, 10])``).

    Attributes
    ----------
    sizes : tuple of int
    """

    sizes: tuple[int, ...]

    def __init__(self, *sizes):
        if len(sizes) == 1 and not isinstance(sizes[0], int):
            sizes = tuple(sizes[0])
        for i, value in enumerate(sizes):
            if not isinstance(value, int | np.integer) or isinstance(value, bool) or value < 1:
                raise ShapeError(f"layer size {i} must be a positive int, got {value!r}")
        if len(sizes) < 3:
            raise ShapeError(f"a network needs an input, at least one hidden and an output layer, got sizes {sizes}")
        object.__setattr__(self, "sizes", tuple(int(v) for v in sizes))

    @property
    def n_in(self) -> int:
        return self.sizes[0]

    @property
    def n_out(self) -> int:
        return self.sizes[-1]

    @property
    def hidden(self) -> tuple[int, ...]:
        """Sizes of the hidden layers."""
        return self.sizes[1:-1]

    @property
    def n_hidden(self) -> int:
        """Number of hidden layers ``L``."""
        return len(self.sizes) - 2

    @property
    def layers(self) -> dict[str, int]:
        """Width of each layer by name (`layer_names`)."""
        return dict(zip(layer_names(self.n_hidden), self.sizes, strict=True))

    @property
    def store_names(self) -> tuple[str, ...]:
        """The plastic stores: ``w1 .. w<L+1>``, then ``w<l>t_pos``, ``w<l>t_neg`` for ``l = 2 .. L+1``."""
        n = len(self.sizes) - 1
        return (*(f"w{i}" for i in range(1, n + 1)), *(f"w{i}t_{s}" for i in range(2, n + 1) for s in ("pos", "neg")))

    def store_shape(self, name: str) -> tuple[int, int]:
        """Shape of store ``name``: ``(n_l, n_{l-1})`` for ``w<l>``, ``(n_{l-1}, n_l)`` for its transposes."""
        if name not in self.store_names:
            raise KeyError(f"{name!r} is not a store of a {self} network; its stores: {self.store_names}")
        lay = int(name[1:].split("t")[0])
        shape = (self.sizes[lay], self.sizes[lay - 1])
        return shape[::-1] if "t_" in name else shape

    def __str__(self) -> str:
        return "-".join(str(v) for v in self.sizes)
