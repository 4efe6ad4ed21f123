# SPDX-License-Identifier: BSD-3-Clause
"""The paper's 12-phase training ring and 4-phase inference ring, written out by hand.

docs/ALGORITHM.md §4 as a table, kept apart from the library: the schedule
generator (`lava_backprop.schedule.training_schedule`) must rebuild it, and
`insert_idle_phases` derives the parity ring from it independently of the
generator's own parity option. The one departure from the paper's table is
two guards more (phases 0 and 8, marked below).
"""

from lava_backprop.params import CIRCUIT
from lava_backprop.schedule import PlasticGroup, Population, Relay, Schedule

__all__ = ["TRAINING", "INFERENCE", "insert_idle_phases"]

G = CIRCUIT.gate
GM = CIRCUIT.gate + CIRCUIT.gate_minus
GP = CIRCUIT.gate_plus
GI = CIRCUIT.gate_inhibit
R = CIRCUIT.relay

_POPS = (
    Population("x", "input", "x", "x"),
    Population("m_x", "input", "m_x", "m_x"),
    Population("h", "hidden", "h", "h"),
    Population("h_lo", "hidden", "h<", "h_lo"),
    Population("h_hi", "hidden", "h>", "h_hi"),
    Population("m_h", "hidden", "m_h", "m_h"),
    Population("c_h", "hidden", "c_h", "c_h"),
    Population("h1t", "hidden", "h1T", "ht", refractory=False),
    Population("o", "output", "o", "o"),
    Population("o_lo", "output", "o<", "o_lo"),
    Population("o_hi", "output", "o>", "o_hi"),
    Population("t", "output", "t", "t"),
    Population("d_pos", "output", "d+", "d_pos"),
    Population("d_neg", "output", "d-", "d_neg"),
    Population("ot", "output", "oT-", "ot"),
)

_O_STAR = (("o", G), ("o_lo", G), ("o_hi", G))


def _guard(*pops):
    return tuple((p, GI) for p in pops)


TRAINING = Schedule(
    name="training-1",
    n_phases=12,
    populations=_POPS,
    gates={
        # The paper guards o* in phase 0; h* is guarded there too, and o* in phase 8
        # (below): the replays of phases 11 and 7 sum into them, and on MNIST the
        # x replay exceeds the 9216 an unguarded population tolerates.
        0: _guard("o", "o_lo", "o_hi", "h", "h_lo", "h_hi"),
        1: (("x", G),),
        2: (("h", G), ("h_lo", GM), ("h_hi", GP)),
        3: (("o", G), ("o_lo", GM), ("o_hi", GP), ("t", G), ("m_h", G)),
        4: _guard("h1t", "ot"),
        5: (("h", G), ("h1t", G), *_O_STAR, ("ot", G)),
        6: (("h1t", GM), ("m_x", G), ("c_h", G), *_guard("o", "o_lo", "o_hi")),
        7: (("x", G),),
        8: _guard("h", "h_lo", "h_hi", "o", "o_lo", "o_hi"),
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
    name="inference-1",
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
