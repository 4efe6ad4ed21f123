# SPDX-License-Identifier: BSD-3-Clause
"""The gating schedule of the nBP circuit for any number of hidden layers.

`training_schedule(L)` builds, as data (a `Schedule`), the ring that trains
``x -> h_1 -> ... -> h_L -> o`` with the rule of `lava_backprop.deep`. For
``L = 1`` it is the paper's 12-phase ring, `lava_backprop.schedule.TRAINING`.

Phases, in order (``W_l`` maps layer ``l - 1`` to ``l``; layer ``L + 1`` is o)::

    0                 guard o*
    1 .. L + 2        forward: x, h_1, ..., h_L, then o with t; m_h_l keeps h_l
    E = L + 3         output error d+, d-
    output level      U+: W_{L+1}, P, M potentiation (o* = d+, oT- = d-, h_L and
                      h_LT replayed); the same spikes sum P d+ + M d- into h_LT:
                      next phase h_LT = [P d+ + M d- > 0]. Then U-, with d+ and
                      d- swapped, gives [P d- + M d+ > 0]. Exact because the
                      output's d+ and d- are disjoint (docs/DEEPER.md).
    L = 1             W1's phases follow each output phase at once: h* = c_h and
                      h1T; a guard phase after W1's potentiation (the paper's 8).
    L >= 2            the masked errors of h_L are kept in memories d_L+, d_L-;
                      then for l = L .. 2: a backward phase without learning
                      (h_l* = d_l-, h_lN = d_l+; next phase h_{l-1}T sums
                      P_l d_l- + M_l d_l+ with the stores before any update),
                      U+ of W_l, P_l, M_l (h_l* = d_l+, h_lN = d_l-, summing the
                      + error of layer l - 1 on the way), U- of W_l, P_l, M_l;
                      finally W_1's U+ and U-.

Each relay connects the phases it is meant for (its delay is their
distance). For ``L >= 2`` a population that would receive a plastic sum in a
phase where it is closed is guarded there; for ``L = 1`` the guards are the
paper's, which leave two such phases to the 9216 bound (docs/CIRCUIT.md).
"""

from collections import defaultdict

from lava_backprop.params import CIRCUIT
from lava_backprop.schedule import PlasticGroup, Population, Relay, Schedule

__all__ = ["training_schedule", "layer_names"]

G = CIRCUIT.gate
GM = CIRCUIT.gate + CIRCUIT.gate_minus
GP = CIRCUIT.gate_plus
GI = CIRCUIT.gate_inhibit
R = CIRCUIT.relay


def layer_names(n_hidden: int) -> tuple[str, ...]:
    """Layers of a network with ``n_hidden`` hidden layers, input to output."""
    hidden = ("hidden",) if n_hidden == 1 else tuple(f"hidden{lay}" for lay in range(1, n_hidden + 1))
    return ("input", *hidden, "output")


class _Builder:
    """Phases appended one by one; populations fire in phases; relays join two firings."""

    def __init__(self):
        self.gates = []  # per phase: list of (population, weight)
        self.notes = {}
        self.active = defaultdict(set)
        self.relays = set()
        self.potentiation = []

    def phase(self, note: str | None = None, potentiation: bool = False) -> int:
        self.gates.append([])
        p = len(self.gates) - 1
        if note:
            self.notes[p] = note
        if potentiation:
            self.potentiation.append(p)
        return p

    def fire(self, p: int, pop: str, gate: int | None = None) -> None:
        """``pop`` fires in phase ``p`` (opened by ``gate``, or by its relays alone)."""
        self.active[pop].add(p)
        if gate is not None:
            self.gates[p].append((pop, gate))

    def guard(self, p: int, pop: str) -> None:
        if (pop, GI) not in self.gates[p]:
            self.gates[p].append((pop, GI))

    def relay(self, src: str, p_src: int, dst: str, p_dst: int, weight: int = R) -> None:
        self.relays.add((src, dst, weight, p_dst - p_src - 1))


def _names(n_hidden: int):
    """Population names of each hidden layer; the paper's names for one hidden layer."""
    out = {}
    for lay in range(1, n_hidden + 1):
        s = "" if n_hidden == 1 else str(lay)
        out[lay] = {
            "h": f"h{s}",
            "lo": f"h{s}_lo",
            "hi": f"h{s}_hi",
            "m": f"m_h{s}",
            "c": f"c_h{s}",
            "t": f"h{lay}t",
            "n": f"h{lay}n",
            "dp": f"d{lay}_pos",
            "dn": f"d{lay}_neg",
        }
    out[n_hidden + 1] = {"h": "o", "lo": "o_lo", "hi": "o_hi", "n": "ot"}
    return out


def training_schedule(n_hidden: int) -> Schedule:
    """The training ring for ``n_hidden`` hidden layers (see the module docstring).

    Raises
    ------
    ValueError
        If ``n_hidden`` is not a positive int.
    """
    if not isinstance(n_hidden, int) or isinstance(n_hidden, bool) or n_hidden < 1:
        raise ValueError(f"n_hidden must be a positive int, got {n_hidden!r}")
    L = n_hidden
    nm = _names(L)
    b = _Builder()
    trio = lambda lay: (nm[lay]["h"], nm[lay]["lo"], nm[lay]["hi"])  # noqa: E731

    # 0 and the forward pass
    p0 = b.phase()
    px = b.phase("input")
    b.fire(px, "x", G)
    fwd = {0: px}
    for lay in range(1, L + 2):
        p = b.phase(f"forward {nm[lay]['h']}")
        fwd[lay] = p
        for pop, w in zip(trio(lay), (G, GM, GP), strict=True):
            b.fire(p, pop, w)
        if lay >= 2:  # memory of the layer below
            b.fire(p, nm[lay - 1]["m"], G)
            b.relay(nm[lay - 1]["h"], fwd[lay - 1], nm[lay - 1]["m"], p)
    b.fire(fwd[L + 1], "t", G)
    # output error
    pe = b.phase("error d±")
    for pop in ("d_pos", "d_neg"):
        b.fire(pe, pop)
    b.relay("o", fwd[L + 1], "d_neg", pe)
    b.relay("t", fwd[L + 1], "d_neg", pe, -R)
    b.relay("t", fwd[L + 1], "d_pos", pe)
    b.relay("o", fwd[L + 1], "d_pos", pe, -R)
    b.relay("o_hi", fwd[L + 1], "d_neg", pe, -R)
    b.relay("o_lo", fwd[L + 1], "d_pos", pe, G)
    b.relay("o_lo", fwd[L + 1], "d_neg", pe, G)

    def replay_below(p: int, lay: int) -> None:
        """Pre of W_l (h_{l-1}, or x) and the post of P_l, M_l (h_{l-1}T) replay layer l - 1."""
        if lay == 1:
            b.fire(p, "x", G)
            return
        below = nm[lay - 1]
        for pop in (below["h"], below["t"]):
            b.fire(p, pop, G)
            b.relay(below["m"], fwd[lay - 1] + 1, pop, p)

    def carriers(p: int, lay: int, same: tuple[str, int], other: tuple[str, int] | None) -> None:
        """Layer l's trio carries the error fired by ``same``; its negative carrier the other."""
        src, p_src = same
        for pop in trio(lay):
            b.fire(p, pop, G)
            b.relay(src, p_src, pop, p)
        if other is not None:
            src, p_src = other
            b.fire(p, nm[lay]["n"], G)
            b.relay(src, p_src, nm[lay]["n"], p)

    def back_result(p: int, lay: int) -> None:
        """h_lT fires iff its backward sum is positive (gate g + gm)."""
        b.fire(p, nm[lay]["t"], GM)

    def mask(p: int, lay: int, memory: str, p_result: int, p_c: int) -> None:
        """memory = c_h_l and h_lT, fired through their relays (8704 and 520)."""
        b.fire(p, memory)
        b.relay(nm[lay]["c"], p_c, memory, p, G)
        b.relay(nm[lay]["t"], p_result, memory, p)

    if L == 1:
        return _one_hidden_layer(b, nm, fwd, pe, replay_below, carriers, back_result)

    # output level: U+ (with backward +), result, mask; U- (with backward -), result, mask
    top = nm[L]
    u = b.phase(f"W{L + 1} +", potentiation=True)
    replay_below(u, L + 1)
    carriers(u, L + 1, ("d_pos", pe), ("d_neg", pe))
    r = b.phase(f"backward h{L} +")
    back_result(r, L)
    pc = {L: r}  # c_h_l fires one phase before its first mask
    b.fire(r, top["c"], G)
    mem = {}
    m = b.phase(f"keep d{L}+")
    mask(m, L, top["dp"], r, r)
    mem[L, "+"] = (top["dp"], m)
    u = b.phase(f"W{L + 1} −")
    replay_below(u, L + 1)
    carriers(u, L + 1, ("d_neg", pe), ("d_pos", pe))
    r = b.phase(f"backward h{L} −")
    back_result(r, L)
    m = b.phase(f"keep d{L}−")
    mask(m, L, top["dn"], r, pc[L])
    mem[L, "-"] = (top["dn"], m)

    # hidden levels lay = L .. 2
    for lay in range(L, 1, -1):
        below = nm[lay - 1]
        q = b.phase(f"backward h{lay - 1} −")
        carriers(q, lay, mem[lay, "-"], mem[lay, "+"])
        r = b.phase()
        back_result(r, lay - 1)
        b.fire(r, below["c"], G)
        pc[lay - 1] = r
        m = b.phase(f"keep d{lay - 1}−")
        mask(m, lay - 1, below["dn"], r, r)
        mem[lay - 1, "-"] = (below["dn"], m)
        u = b.phase(f"W{lay} +", potentiation=True)
        replay_below(u, lay)
        carriers(u, lay, mem[lay, "+"], mem[lay, "-"])
        r = b.phase(f"backward h{lay - 1} +")
        back_result(r, lay - 1)
        m = b.phase(f"keep d{lay - 1}+")
        mask(m, lay - 1, below["dp"], r, pc[lay - 1])
        mem[lay - 1, "+"] = (below["dp"], m)
        u = b.phase(f"W{lay} −")
        replay_below(u, lay)
        carriers(u, lay, mem[lay, "-"], mem[lay, "+"])
        b.phase()  # the replays' plastic sums land here, guarded
    # W_1
    u = b.phase("W1 +", potentiation=True)
    replay_below(u, 1)
    carriers(u, 1, mem[1, "+"], None)
    b.phase()
    u = b.phase("W1 −")
    replay_below(u, 1)
    carriers(u, 1, mem[1, "-"], None)
    n = len(b.gates)

    _memories(b, nm, L, fwd, pc)

    plastic = _plastic(L, nm)
    # guards: a closed population that a plastic pre fired into in the phase before
    b.guard(p0, "o")
    for pop in ("o_lo", "o_hi"):
        b.guard(p0, pop)
    for g in plastic:
        for p in sorted(b.active[g.pre]):
            q = (p + 1) % n
            for post in g.posts:
                if q not in b.active[post]:
                    b.guard(q, post)
    return _assemble(f"training-{L}", L, nm, b, plastic, fwd)


def _plastic(L: int, nm: dict) -> tuple[PlasticGroup, ...]:
    groups = []
    for lay in range(1, L + 2):
        pre = "x" if lay == 1 else nm[lay - 1]["h"]
        groups.append(PlasticGroup(f"w{lay}", pre, (nm[lay]["h"], nm[lay]["lo"], nm[lay]["hi"])))
    for lay in range(2, L + 2):
        groups.append(PlasticGroup(f"w{lay}t_pos", nm[lay]["h"], (nm[lay - 1]["t"],)))
        groups.append(PlasticGroup(f"w{lay}t_neg", nm[lay]["n"], (nm[lay - 1]["t"],)))
    return tuple(groups)


def _assemble(name: str, L: int, nm: dict, b: _Builder, plastic, fwd) -> Schedule:
    layers = layer_names(L)
    pops = [Population("x", "input", "x"), Population("m_x", "input", "m_x")]
    for lay in range(1, L + 1):
        layer = layers[lay]
        suffix = "" if L == 1 else str(lay)
        for key, label in (("h", "h"), ("lo", "h<"), ("hi", "h>"), ("m", "m_h"), ("c", "c_h")):
            pops.append(Population(nm[lay][key], layer, f"{label}{suffix}"))
        pops.append(Population(nm[lay]["t"], layer, f"h{lay}T", refractory=False))
        if lay >= 2:
            pops.append(Population(nm[lay]["n"], layer, f"hT-{lay}"))
        if L >= 2:
            pops.append(Population(nm[lay]["dp"], layer, f"d{lay}+"))
            pops.append(Population(nm[lay]["dn"], layer, f"d{lay}-"))
    for pop, label in (("o", "o"), ("o_lo", "o<"), ("o_hi", "o>"), ("t", "t"), ("d_pos", "d+"), ("d_neg", "d-")):
        pops.append(Population(pop, "output", label))
    pops.append(Population("ot", "output", "oT-"))
    n = len(b.gates)
    relays = tuple(Relay(src, dst, w, d) for src, dst, w, d in sorted(b.relays))
    return Schedule(
        name=name,
        n_phases=n,
        populations=tuple(pops),
        gates={p: tuple(targets) for p, targets in enumerate(b.gates)},
        relays=relays,
        plastic=plastic,
        drives={"x": ("x_drive", fwd[0] - 1), "t": ("t_drive", fwd[L + 1] - 1)},
        potentiation_gates=tuple(b.potentiation),
        record_gate=fwd[L + 1],
        active_phases={pop.name: tuple(sorted(b.active[pop.name])) for pop in pops},
        phase_notes=b.notes,
    )


def _one_hidden_layer(b: _Builder, nm: dict, fwd: dict, pe: int, replay_below, carriers, back_result) -> Schedule:
    """The rest of the ring for one hidden layer: the paper's phases 5 to 11.

    W1 has no transposed stores, so its potentiation needs only d1+ and runs
    as soon as d1+ is known, with the mask applied on the spot (h* = c_h and
    h1T, relays 8704 and 520, no gate); likewise W1's depression after d1-.
    The guards are the paper's.
    """
    h = nm[1]
    trio = (h["h"], h["lo"], h["hi"])
    results = []
    for sign, same, other in (("+", "d_pos", "d_neg"), ("−", "d_neg", "d_pos")):
        u = b.phase(f"W2 {sign}", potentiation=sign == "+")
        replay_below(u, 2)
        carriers(u, 2, (same, pe), (other, pe))
        r = b.phase(f"backward {sign}")
        back_result(r, 1)
        results.append(r)
        b.guard(r, "o"), b.guard(r, "o_lo"), b.guard(r, "o_hi")
        if sign == "+":
            b.fire(r, h["c"], G)
        w1 = b.phase(f"W1 {sign}", potentiation=sign == "+")
        b.fire(w1, "x", G)
        for pop in trio:
            b.fire(w1, pop)
            b.relay(h["c"], results[0], pop, w1, G)
            b.relay(h["t"], r, pop, w1)
        if sign == "+":
            guard = b.phase()
            for pop in trio:
                b.guard(guard, pop)
    _memories(b, nm, 1, fwd, {1: results[0]})
    for pop in ("o", "o_lo", "o_hi"):
        b.guard(0, pop)
    b.guard(pe, h["t"])
    b.guard(pe, "ot")
    return _assemble("training", 1, nm, b, _plastic(1, nm), fwd)


def _memories(b: _Builder, nm: dict, L: int, fwd: dict, pc: dict) -> None:
    """x's memory fires one phase before x's first replay; c_h_l in phase ``pc[l]``."""
    x_replays = sorted(b.active["x"] - {fwd[0]})
    pmx = x_replays[0] - 1
    b.fire(pmx, "m_x", G)
    b.relay("x", fwd[0], "m_x", pmx)
    for p in x_replays:
        b.relay("m_x", pmx, "x", p)
    for layer in range(1, L + 1):
        b.relay(nm[layer]["lo"], fwd[layer], nm[layer]["c"], pc[layer])
        b.relay(nm[layer]["hi"], fwd[layer], nm[layer]["c"], pc[layer], -R)
