# SPDX-License-Identifier: BSD-3-Clause
"""The training ring of the nBP circuit, built as data for any number of hidden layers.

`training_schedule(L)` builds the ring that trains ``x -> h_1 -> .. -> h_L -> o``
with the rule of docs/ALGORITHM.md §3; for ``L = 1`` it is the paper's
12-phase ring (§4). The populations it routes are those of
`lava_backprop.schedule.layout`.

Phases of the training ring, in order (``W_l`` maps layer ``l - 1`` to ``l``;
layer ``L + 1`` is o)::

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
distance). A population that would receive a plastic sum in a phase where it
is closed is guarded there. For ``L = 1`` these are the paper's guards and two
more, h* in phase 0 and o* in phase 8, which the paper leaves to the 9216
bound: on MNIST the replay of x in phase 11 exceeds it within the first epoch
(docs/ALGORITHM.md §4.7).

With ``parity=True`` an idle phase is inserted before every learning phase
whose step parity would otherwise be wrong, and at the end if the ring is
odd, so that potentiation and depression fall on steps of opposite parity:
the Loihi 2 learning rule reads the sign from it (docs/LOIHI2.md). An idle
phase computes nothing and carries the guards of the phase after it, since
the plastic sums meant to be blocked there now arrive in it. For ``L = 1``
this inserts idle phases after the paper's phases 8 and 11 (14 phases).
"""

from collections import defaultdict

from lava_backprop.params import CIRCUIT
from lava_backprop.schedule.layout import check_depth, names, plastic_groups, populations
from lava_backprop.schedule.model import Relay, Schedule

__all__ = ["training_schedule"]

G = CIRCUIT.gate
GM = CIRCUIT.gate + CIRCUIT.gate_minus
GP = CIRCUIT.gate_plus
GI = CIRCUIT.gate_inhibit
R = CIRCUIT.relay


class _Builder:
    """Phases appended one by one; populations fire in phases; relays join two firings."""

    def __init__(self, parity: bool = False):
        self.gates = []  # per phase: list of (population, weight)
        self.notes = {}
        self.active = defaultdict(set)
        self.relays = set()
        self.potentiation = []
        self.parity = {} if parity else None  # learning sign -> step parity of its phases
        self.idle = []

    def phase(self, note: str | None = None, sign: int = 0) -> int:
        """Append a phase; ``sign`` +1 / -1 marks potentiation / depression (learning) phases."""
        if self.parity is not None and sign:
            if sign not in self.parity:
                other = self.parity.get(-sign)
                self.parity[sign] = len(self.gates) % 2 if other is None else 1 - other
            if len(self.gates) % 2 != self.parity[sign]:
                self.idle.append(len(self.gates))
                self.gates.append([])
        self.gates.append([])
        p = len(self.gates) - 1
        if note:
            self.notes[p] = note
        if sign > 0:
            self.potentiation.append(p)
        return p

    def close(self) -> int:
        """Make the ring even (with parity) and give idle phases their guards; return its length."""
        if self.parity is not None and len(self.gates) % 2:
            self.idle.append(len(self.gates))
            self.gates.append([])
        n = len(self.gates)
        for p in self.idle:
            self.gates[p] += [(pop, w) for pop, w in self.gates[(p + 1) % n] if w < 0]
        return n

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


def training_schedule(n_hidden: int, parity: bool = False) -> Schedule:
    """The training ring for ``n_hidden`` hidden layers (see the module docstring).

    Parameters
    ----------
    n_hidden : int
        ``L >= 1``.
    parity : bool
        Insert idle phases so that the learning sign follows the step's parity.

    Returns
    -------
    Schedule
        Named ``"training-<L>"``, or ``"training-<L>-parity"``.

    Raises
    ------
    ValueError
        If ``n_hidden`` is not a positive int.
    """
    L = check_depth(n_hidden)
    nm = names(L)
    b = _Builder(parity)
    name = f"training-{L}" + ("-parity" if parity else "")
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
        return _one_hidden_layer(name, b, nm, fwd, pe, replay_below, carriers, back_result)

    # output level: U+ (with backward +), result, mask; U- (with backward -), result, mask
    top = nm[L]
    u = b.phase(f"W{L + 1} +", sign=+1)
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
    u = b.phase(f"W{L + 1} −", sign=-1)
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
        u = b.phase(f"W{lay} +", sign=+1)
        replay_below(u, lay)
        carriers(u, lay, mem[lay, "+"], mem[lay, "-"])
        r = b.phase(f"backward h{lay - 1} +")
        back_result(r, lay - 1)
        m = b.phase(f"keep d{lay - 1}+")
        mask(m, lay - 1, below["dp"], r, pc[lay - 1])
        mem[lay - 1, "+"] = (below["dp"], m)
        u = b.phase(f"W{lay} −", sign=-1)
        replay_below(u, lay)
        carriers(u, lay, mem[lay, "-"], mem[lay, "+"])
        b.phase()  # the replays' plastic sums land here, guarded
    # W_1
    u = b.phase("W1 +", sign=+1)
    replay_below(u, 1)
    carriers(u, 1, mem[1, "+"], None)
    b.phase()
    u = b.phase("W1 −", sign=-1)
    replay_below(u, 1)
    carriers(u, 1, mem[1, "-"], None)
    _memories(b, nm, L, fwd, pc)
    for pop in ("o", "o_lo", "o_hi"):
        b.guard(p0, pop)
    plastic = plastic_groups(L, nm)
    _guard_plastic_sums(b, plastic)
    b.close()
    return _assemble(name, L, nm, b, plastic, fwd)


def _guard_plastic_sums(b: _Builder, plastic) -> None:
    """Guard every closed population that a plastic pre fired into in the phase before.

    Its synaptic input is the plastic sum, unbounded by the rule; a guard
    raises the input it tolerates from 9216 to 17344 (docs/ALGORITHM.md §4.7).
    Runs before `_Builder.close`, which copies the guards into idle phases.
    """
    n = len(b.gates)
    for g in plastic:
        for p in sorted(b.active[g.pre]):
            q = (p + 1) % n
            for post in g.posts:
                if q not in b.active[post]:
                    b.guard(q, post)


def _assemble(name: str, L: int, nm: dict, b: _Builder, plastic, fwd) -> Schedule:
    pops = populations(L, nm)
    return Schedule(
        name=name,
        n_phases=len(b.gates),
        populations=pops,
        gates={p: tuple(targets) for p, targets in enumerate(b.gates)},
        relays=tuple(Relay(src, dst, w, d) for src, dst, w, d in sorted(b.relays)),
        plastic=plastic,
        drives={"x": ("x_drive", fwd[0] - 1), "t": ("t_drive", fwd[L + 1] - 1)},
        potentiation_gates=tuple(b.potentiation),
        record_gate=fwd[L + 1],
        active_phases={pop.name: tuple(sorted(b.active[pop.name])) for pop in pops},
        phase_notes=b.notes,
    )


def _one_hidden_layer(name: str, b: _Builder, nm: dict, fwd, pe: int, replay_below, carriers, back_result) -> Schedule:
    """The rest of the ring for one hidden layer: the paper's phases 5 to 11.

    W1 has no transposed stores, so its potentiation needs only d1+ and runs
    as soon as d1+ is known, with the mask applied on the spot (h* = c_h and
    h1T, relays 8704 and 520, no gate); likewise W1's depression after d1-.
    The guards are the paper's, and the two it leaves out (h* in phase 0, o*
    in phase 8: see `_guard_plastic_sums`).
    """
    h = nm[1]
    trio = (h["h"], h["lo"], h["hi"])
    results = []
    for sign, same, other in (("+", "d_pos", "d_neg"), ("−", "d_neg", "d_pos")):
        u = b.phase(f"W2 {sign}", sign=1 if sign == "+" else -1)
        replay_below(u, 2)
        carriers(u, 2, (same, pe), (other, pe))
        r = b.phase(f"backward {sign}")
        back_result(r, 1)
        results.append(r)
        b.guard(r, "o"), b.guard(r, "o_lo"), b.guard(r, "o_hi")
        if sign == "+":
            b.fire(r, h["c"], G)
        w1 = b.phase(f"W1 {sign}", sign=1 if sign == "+" else -1)
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
    plastic = plastic_groups(1, nm)
    _guard_plastic_sums(b, plastic)  # adds h* in phase 0 and o* in phase 8 to the paper's guards
    b.close()
    return _assemble(name, 1, nm, b, plastic, fwd)


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
