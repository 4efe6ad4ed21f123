# SPDX-License-Identifier: BSD-3-Clause
"""The circuit as data: populations, gates, relays, plastic groups, and the ring that routes them.

A ring of gate neurons fires one gate per step. Gate ``g_p`` spiking at step
``T`` opens its populations at ``T + 1``, phase ``p``. A population opened by
gate weight ``w`` fires iff its other synaptic input ``I`` satisfies::

    I + bias + w > theta        # bias = -8192, theta = 1024

so ``g`` (8704) means ``I > 512``, ``g + gm`` means ``I > 0``, ``gp`` means
``I > 1024`` and ``gi`` never fires (docs/ALGORITHM.md §2). A spike emitted at
step ``T`` reaches its target at ``T + 1 + delay``.
"""

from dataclasses import dataclass, field

from lava_backprop.params import CIRCUIT

__all__ = ["Population", "Relay", "PlasticGroup", "Schedule", "ROLES"]

#: The roles a population can play in each kind of layer; a layer process has
#: one ``s_out_<role>`` port per role of its kind.
ROLES = {
    "input": ("x", "m_x"),
    "hidden": ("h", "h_lo", "h_hi", "m_h", "c_h", "ht", "hn", "d_pos", "d_neg"),
    "output": ("o", "o_lo", "o_hi", "t", "d_pos", "d_neg", "ot"),
}


@dataclass(frozen=True)
class Population:
    """A population of memoryless neurons.

    Parameters
    ----------
    name : str
        Identifier, also the suffix of the network's ``s_out_<name>`` port.
    layer : str
        The layer it lives in (`lava_backprop.params.layer_names`); its width is
        that layer's size.
    label : str
        Name in the paper's notation.
    role : str
        What it does in its layer (one of `ROLES` of the layer's kind); the
        layer process's port ``s_out_<role>`` carries its spikes.
    refractory : bool
        Whether it cannot fire in the step right after a spike.
    """

    name: str
    layer: str
    label: str
    role: str
    refractory: bool = True

    @property
    def kind(self) -> str:
        """``"input"``, ``"hidden"`` or ``"output"``."""
        return "hidden" if self.layer.startswith("hidden") else self.layer


@dataclass(frozen=True)
class Relay:
    """A fixed one-to-one synapse ``src[i] -> dst[i]`` with weight and delay."""

    src: str
    dst: str
    weight: int = CIRCUIT.relay
    delay: int = 0


@dataclass(frozen=True)
class PlasticGroup:
    """An all-to-all plastic synapse group from ``pre`` onto each of ``posts``.

    All posts share one weight store of shape (post size, pre size); in the
    circuit they are separate copies that receive identical updates, because
    the posts always fire together when ``pre`` fires.
    """

    store: str
    pre: str
    posts: tuple[str, ...]


@dataclass(frozen=True)
class Schedule:
    """One gating ring and everything it routes.

    Parameters
    ----------
    name : str
        ``"training-<L>"``, ``"training-<L>-parity"`` or ``"inference-<L>"``.
    n_phases : int
        Gates in the ring = steps per sample.
    populations : tuple of Population
    gates : dict of int to tuple of (str, int)
        Gate index -> (population, gate weight) pairs it drives.
    relays : tuple of Relay
    plastic : tuple of PlasticGroup
    drives : dict of str to (str, int)
        Population driven by the sample source -> (source stream, gate index
        whose arrival makes the source emit it).
    potentiation_gates : tuple of int
        Gates whose phase has the sign signal on: coincidences there add
        ``+dw``; coincidences in any other phase add ``-dw``.
    record_gate : int
        Gate whose phase is the output read-out (o spikes and ``z = W_{L+1} h_L``).
    learns : bool
        Whether the plastic groups learn at all.
    active_phases : dict of str to tuple of int
        Phases in which each population may fire (the audit table).
    phase_notes : dict of int to str
        What each phase computes, for plots.
    """

    name: str
    n_phases: int
    populations: tuple[Population, ...]
    gates: dict
    relays: tuple[Relay, ...]
    plastic: tuple[PlasticGroup, ...]
    drives: dict
    potentiation_gates: tuple[int, ...]
    record_gate: int
    learns: bool = True
    active_phases: dict = field(default_factory=dict)
    phase_notes: dict = field(default_factory=dict)

    @property
    def layers(self) -> tuple[str, ...]:
        """Layer names, input to output."""
        return tuple(dict.fromkeys(p.layer for p in self.populations))

    @property
    def n_hidden(self) -> int:
        return len(self.layers) - 2

    @property
    def warmup_steps(self) -> int:
        """Steps before phase 1 of the first sample: one empty ring and phase 0."""
        return self.n_phases + 1

    def steps(self, n_samples: int, first: bool = True) -> int:
        """Steps that run ``n_samples`` samples, ending with phase 0 of the next.

        That last step lands the learning of the last phase; with ``first``
        the warm-up ring is added (``12 N + 13`` for the paper's ring).
        """
        return self.n_phases * n_samples + (self.warmup_steps if first else 0)

    def step_of(self, sample: int, phase: int) -> int:
        """Time step (1-based, as Lava counts) of ``phase`` of ``sample``."""
        return self.warmup_steps + self.n_phases * sample + phase

    def layer_populations(self, layer: str) -> tuple[Population, ...]:
        return tuple(p for p in self.populations if p.layer == layer)

    def gate_weights(self, name: str) -> dict[int, int]:
        """Gate index -> weight onto population ``name``."""
        return {g: w for g, targets in self.gates.items() for pop, w in targets if pop == name}
