# SPDX-License-Identifier: BSD-3-Clause
"""The nBP circuit as data: populations, gates, relays and plastic groups.

A ring of gate neurons fires one gate per step. Gate ``g_p`` spiking at step
``T`` opens its populations at ``T + 1``, phase ``p``. A population opened by
gate weight ``w`` fires iff its other synaptic input ``I`` satisfies::

    I + bias + w > theta        # bias = -8192, theta = 1024

so ``g`` (8704) means ``I > 512``, ``g + gm`` means ``I > 0``, ``gp`` means
``I > 1024`` and ``gi`` never fires (ALGORITHM.md §2). A spike emitted at step
``T`` reaches its target at ``T + 1 + delay``. The tables below are
ALGORITHM.md §3-4 written as data; `TRAINING` is the 12-phase learning circuit
and `INFERENCE` the 4-phase forward circuit.
"""

import re
from dataclasses import dataclass, field

from lava_backprop.params import CIRCUIT

__all__ = [
    "Population",
    "Relay",
    "PlasticGroup",
    "Schedule",
    "TRAINING",
    "INFERENCE",
    "SCHEDULES",
    "LAYERS",
    "insert_idle_phases",
    "TRAINING_PARITY",
]

G = CIRCUIT.gate
GM = CIRCUIT.gate + CIRCUIT.gate_minus
GP = CIRCUIT.gate_plus
GI = CIRCUIT.gate_inhibit
R = CIRCUIT.relay

#: Which process (layer) each population lives in, and which size it has.
LAYERS = ("input", "hidden", "output")


@dataclass(frozen=True)
class Population:
    """A population of memoryless neurons.

    Parameters
    ----------
    name : str
        Identifier, also the suffix of the process's ``s_out_<name>`` port.
    layer : {"input", "hidden", "output"}
        The process it lives in; also its size (n_in, n_hid or n_out).
    label : str
        Name in the paper's notation.
    refractory : bool
        Whether it cannot fire in the step right after a spike.
    """

    name: str
    layer: str
    label: str
    refractory: bool = True


@dataclass(frozen=True)
class Relay:
    """A fixed one-to-one synapse ``src[i] -> dst[i]`` with weight and delay."""

    src: str
    dst: str
    weight: int = R
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
        Gate whose phase is the output read-out (o spikes and ``z = W2 h``).
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
    def warmup_steps(self) -> int:
        """Steps before phase 1 of the first sample: one empty ring and phase 0."""
        return self.n_phases + 1

    def steps(self, n_samples: int, first: bool = True) -> int:
        """Steps that run ``n_samples`` samples, ending with phase 0 of the next.

        That last step lands the learning of the last phase; with ``first``
        the warm-up ring is added (``12 N + 13`` for the training ring).
        """
        return self.n_phases * n_samples + (self.warmup_steps if first else 0)

    def step_of(self, sample: int, phase: int) -> int:
        """Time step (1-based, as Lava counts) of ``phase`` of ``sample``."""
        return self.warmup_steps + self.n_phases * sample + phase

    def layer_populations(self, layer: str) -> tuple[Population, ...]:
        return tuple(p for p in self.populations if p.layer == layer)

    def population(self, name: str) -> Population:
        for p in self.populations:
            if p.name == name:
                return p
        raise KeyError(name)

    def gate_weights(self, name: str) -> dict[int, int]:
        """Gate index -> weight onto population ``name``."""
        return {g: w for g, targets in self.gates.items() for pop, w in targets if pop == name}


_POPS = (
    Population("x", "input", "x"),
    Population("m_x", "input", "m_x"),
    Population("h", "hidden", "h"),
    Population("h_lo", "hidden", "h<"),
    Population("h_hi", "hidden", "h>"),
    Population("m_h", "hidden", "m_h"),
    Population("c_h", "hidden", "c_h"),
    Population("h1t", "hidden", "h1T", refractory=False),
    Population("o", "output", "o"),
    Population("o_lo", "output", "o<"),
    Population("o_hi", "output", "o>"),
    Population("t", "output", "t"),
    Population("d_pos", "output", "d+"),
    Population("d_neg", "output", "d-"),
    Population("ot", "output", "oT-"),
)

_O_STAR = (("o", G), ("o_lo", G), ("o_hi", G))


def _guard(*pops):
    return tuple((p, GI) for p in pops)


TRAINING = Schedule(
    name="training",
    n_phases=12,
    populations=_POPS,
    gates={
        0: _guard("o", "o_lo", "o_hi"),
        1: (("x", G),),
        2: (("h", G), ("h_lo", GM), ("h_hi", GP)),
        3: (("o", G), ("o_lo", GM), ("o_hi", GP), ("t", G), ("m_h", G)),
        4: _guard("h1t", "ot"),
        5: (("h", G), ("h1t", G), *_O_STAR, ("ot", G)),
        6: (("h1t", GM), ("m_x", G), ("c_h", G), *_guard("o", "o_lo", "o_hi")),
        7: (("x", G),),
        8: _guard("h", "h_lo", "h_hi"),
        9: (("h", G), ("h1t", G), *_O_STAR, ("ot", G)),
        10: (("h1t", GM), *_guard("o", "o_lo", "o_hi")),
        11: (("x", G),),
    },
    relays=(
        Relay("x", "m_x", delay=4),
        Relay("m_x", "x", delay=0),
        Relay("m_x", "x", delay=4),
        Relay("h", "m_h"),
        Relay("m_h", "h", delay=1),
        Relay("m_h", "h", delay=5),
        Relay("m_h", "h1t", delay=1),
        Relay("m_h", "h1t", delay=5),
        Relay("h_lo", "c_h", delay=3),
        Relay("h_hi", "c_h", -R, delay=3),
        *(Relay("c_h", p, CIRCUIT.gate, delay=d) for p in ("h", "h_lo", "h_hi") for d in (0, 4)),
        *(Relay("h1t", p) for p in ("h", "h_lo", "h_hi")),
        Relay("o", "d_neg"),
        Relay("t", "d_neg", -R),
        Relay("t", "d_pos"),
        Relay("o", "d_pos", -R),
        Relay("o_hi", "d_neg", -R),
        Relay("o_lo", "d_pos", CIRCUIT.gate),
        Relay("o_lo", "d_neg", CIRCUIT.gate),
        *(Relay("d_pos", p) for p in ("o", "o_lo", "o_hi")),
        *(Relay("d_neg", p, delay=4) for p in ("o", "o_lo", "o_hi")),
        Relay("d_neg", "ot"),
        Relay("d_pos", "ot", delay=4),
    ),
    plastic=(
        PlasticGroup("w1", "x", ("h", "h_lo", "h_hi")),
        PlasticGroup("w2", "h", ("o", "o_lo", "o_hi")),
        PlasticGroup("w2t_pos", "o", ("h1t",)),
        PlasticGroup("w2t_neg", "ot", ("h1t",)),
    ),
    drives={"x": ("x_drive", 0), "t": ("t_drive", 2)},
    potentiation_gates=(5, 7),
    record_gate=3,
    active_phases={
        "x": (1, 7, 11),
        "m_x": (6,),
        "h": (2, 5, 7, 9, 11),
        "h_lo": (2, 7, 11),
        "h_hi": (2, 7, 11),
        "m_h": (3,),
        "c_h": (6,),
        "h1t": (5, 6, 9, 10),
        "o": (3, 5, 9),
        "o_lo": (3, 5, 9),
        "o_hi": (3, 5, 9),
        "t": (3,),
        "d_pos": (4,),
        "d_neg": (4,),
        "ot": (5, 9),
    },
    phase_notes={
        1: "input",
        2: "forward h",
        3: "forward o",
        4: "error d±",
        5: "W2 +",
        6: "backward +",
        7: "W1 +",
        9: "W2 −",
        10: "backward −",
        11: "W1 −",
    },
)

INFERENCE = Schedule(
    name="inference",
    n_phases=4,
    populations=(_POPS[0], _POPS[2], _POPS[8]),  # x, h, o
    gates={0: (), 1: (("x", G),), 2: (("h", G),), 3: (("o", G),)},
    relays=(),
    plastic=(
        PlasticGroup("w1", "x", ("h",)),
        PlasticGroup("w2", "h", ("o",)),
    ),
    drives={"x": ("x_drive", 0)},
    potentiation_gates=(),
    record_gate=3,
    learns=False,
    active_phases={"x": (1,), "h": (2,), "o": (3,)},
    phase_notes={1: "input", 2: "forward h", 3: "forward o"},
)


def insert_idle_phases(schedule: Schedule, after: tuple[int, ...], name: str) -> Schedule:
    """The same circuit with one idle phase inserted after each phase in ``after``.

    Every phase keeps its gates and its computation; only the steps between
    them change. A relay keeps connecting the phases it was meant for: its
    delay grows by the idle phases inserted between its source's and its
    target's active phases. An idle phase carries the guards (inhibitory
    gates) of the phase that followed it in ``schedule``, since the synaptic
    input meant to be blocked there now arrives in the idle phase.

    Raises
    ------
    ValueError
        If a relay links several phase pairs whose delays would grow
        differently, or ``after`` names a phase that does not exist.
    """
    n = schedule.n_phases
    if not set(after) <= set(range(n)):
        raise ValueError(f"after must name phases 0..{n - 1}, got {after}")
    new_of, idle, p_new = {}, {}, 0
    for p in range(n):
        new_of[p] = p_new
        p_new += 1
        if p in after:
            idle[p_new] = (p + 1) % n
            p_new += 1
    n_new = p_new
    relays = []
    for r in schedule.relays:
        delays = {
            (new_of[(ps + 1 + r.delay) % n] - new_of[ps] - 1) % n_new
            for ps in schedule.active_phases[r.src]
            if (ps + 1 + r.delay) % n in schedule.active_phases[r.dst]
        }
        if len(delays) != 1:
            raise ValueError(f"relay {r.src} -> {r.dst} (delay {r.delay}) has no single new delay: {sorted(delays)}")
        relays.append(Relay(r.src, r.dst, r.weight, delays.pop()))
    gates = {new_of[g]: targets for g, targets in schedule.gates.items()}
    for g, follower in idle.items():
        gates[g] = tuple((pop, w) for pop, w in schedule.gates[follower] if w < 0)
    return Schedule(
        name=name,
        n_phases=n_new,
        populations=schedule.populations,
        gates=dict(sorted(gates.items())),
        relays=tuple(relays),
        plastic=schedule.plastic,
        drives={pop: (stream, new_of[g]) for pop, (stream, g) in schedule.drives.items()},
        potentiation_gates=tuple(new_of[g] for g in schedule.potentiation_gates),
        record_gate=new_of[schedule.record_gate],
        learns=schedule.learns,
        active_phases={pop: tuple(new_of[p] for p in ps) for pop, ps in schedule.active_phases.items()},
        phase_notes={new_of[p]: note for p, note in schedule.phase_notes.items()},
    )


#: The training circuit re-timed for a learning rule that reads the phase sign
#: from the step's parity (Loihi 2's epoch counter ``u1``, docs/LOIHI2.md): idle
#: phases after phases 8 and 11 put the potentiation phases (5, 7) and the
#: depression phases (10, 12) on steps of opposite parity; 14 steps per sample.
TRAINING_PARITY = insert_idle_phases(TRAINING, after=(8, 11), name="training-parity")


class _Schedules(dict):
    """Schedules by name; ``"training-<L>"`` is built on first use for ``L`` hidden layers."""

    def __missing__(self, name):
        match = re.fullmatch(r"training-([1-9][0-9]?)", str(name))
        if match is None:
            raise KeyError(name)
        from lava_backprop.deep_schedule import training_schedule

        self[name] = schedule = training_schedule(int(match.group(1)))
        return schedule

    def __contains__(self, name) -> bool:
        try:
            self[name]
        except KeyError:
            return False
        return True


#: Schedules by name, as processes receive them in their parameters.
SCHEDULES = _Schedules({s.name: s for s in (TRAINING, INFERENCE, TRAINING_PARITY)})
