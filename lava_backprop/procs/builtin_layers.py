# SPDX-License-Identifier: BSD-3-Clause
"""Compositions of Loihi 2 built-ins for the circuit's layers.

A layer built this way runs one step behind the CPU models in its frame:
its populations are one ``LIFReset`` (reset every step: memoryless) fed
through ``Dense`` / ``DelayDense``, which deliver a spike emitted at ``T`` at
``T + 1 + delay``. With the built-in gating chain every part sees the gates
and the other parts' spikes at consistent offsets (docs/LOIHI2.md).

The plastic stores are blocks of ``LearningDense`` synapses, one per pair
of layers, whose rule is the nBP update itself, masked by the tag
(`MASKED_RULE_TERMS`), with the phase sign read from the parity of the time step
(``u1 = 1`` on even steps, ``t_epoch = 1``). For potentiation on even steps::

    dw = -u1 x0 y0 sgn(w - 253) + u1 x0 y0 - 2 x0 y0 + 2 u1 x0 y0

a same-step coincidence of pre (``x0``) and post (``y0``) gives -2 on odd
steps and +2 on even ones, 0 at 254: the rule's bounds [-256, 254] with
even weights throughout (`RULE_TERMS` has the form for odd steps too). Lava
adds the terms one by one into a 16-bit accumulator that saturates after
each and rounds a fraction left by a saturation at random. In this order the
sgn term first moves a weight at either bound towards the middle, so no
partial sum leaves [-256, 255]; only a depression from -256 saturates, and
no positive term follows it. (``4 u1 x0 y0 - 2 x0 y0`` overflows at 254,
``-2 x0 y0 + 3 u1 x0 y0 - ...`` at -256: both then come out wrong at random.)
The potentiation and depression phases must fall on steps of opposite
parity: ``training_schedule(L, parity=True)``.
"""

import numpy as np
from lava.magma.core.learning.learning_rule import Loihi2FLearningRule
from lava.proc.dense.process import DelayDense, Dense, LearningDense
from lava.proc.lif.process import LIFReset
from lava.utils.weightutils import SignMode

from lava_backprop.params import CIRCUIT
from lava_backprop.procs.base_process import input_ports, layer_slices, layer_width, store_vars
from lava_backprop.schedule import SCHEDULES, Schedule

__all__ = [
    "population",
    "encode",
    "pack",
    "synapse",
    "learning_rule",
    "plastic_rule",
    "learning_phases",
    "plastic_blocks",
    "read_stores",
    "compose_layer",
]

#: Steps by which a built-in population fires after ``Schedule.step_of`` says
#: (the built-in ring starts one step later than the CPU chain).
BUILTIN_OFFSET = 2


def population(width: int, name: str) -> LIFReset:
    """The circuit's memoryless neuron: fires iff ``I - 8192 > 1024`` (tests/test_loihi2_builtins.py)."""
    return LIFReset(
        shape=(width,), du=4095, dv=4095, reset_interval=1, bias_mant=-4096, bias_exp=7, vth=CIRCUIT.theta, name=name
    )


def encode(weights) -> tuple[int, SignMode] | None:
    """A shared exponent and sign mode under which Lava keeps each of ``weights`` exactly as 8-bit mantissas.

    The smallest such exponent; one sign: mantissas up to 255 in magnitude;
    both signs: even mantissas in [-256, 254] (Lava drops a mixed-sign
    mantissa's last bit). None if there is none.
    """
    values = [int(w) for w in weights] or [0]
    for exp in range(8):
        if any(w % (1 << exp) for w in values):
            return None
        mant = [w >> exp for w in values]
        if min(mant) >= 0 and max(mant) <= 255:
            return exp, SignMode.EXCITATORY
        if max(mant) <= 0 and min(mant) >= -255:
            return exp, SignMode.INHIBITORY
        if all(m % 2 == 0 and -256 <= m <= 254 for m in mant):
            return exp, SignMode.MIXED
    return None


def pack(entries) -> list[list]:
    """Entries ``(row, col, weight, ..)`` in as few groups as have one `encode` and each ``(row, col)`` once."""
    groups = []
    for entry in sorted(entries, key=lambda e: (e[2], e[3:])):
        for group in groups:
            taken = {(e[0], e[1]) for e in group}
            if (entry[0], entry[1]) not in taken and encode([e[2] for e in group] + [entry[2]]):
                group.append(entry)
                break
        else:
            groups.append([entry])
    return groups


def synapse(weights: np.ndarray, delays: np.ndarray | None, name: str):
    """``Dense`` (or ``DelayDense`` when some delay is positive) holding integer ``weights`` exactly."""
    exp, mode = encode(np.unique(weights[weights != 0]))
    args = {"weights": weights >> exp, "weight_exp": exp, "sign_mode": mode, "num_weight_bits": 8, "name": name}
    if delays is None or not delays.any():
        return Dense(**args)
    return DelayDense(delays=delays, **args)


def learning_phases(schedule: Schedule) -> set[int]:
    """Phases in which some plastic group's pre and post can fire together."""
    active = schedule.active_phases
    return {p for g in schedule.plastic for post in g.posts for p in set(active[g.pre]) & set(active[post])}


#: The rule's terms for potentiation on even (``up_parity=0``) or odd steps, in the order Lava adds them.
RULE_TERMS = {
    0: "-u1*x0*y0*sgn(w-253) + u1*x0*y0 - 2*x0*y0 + 2*u1*x0*y0",
    1: "-x0*y0*sgn(w-253) + x0*y0 - 3*u1*x0*y0 + u1*x0*y0*sgn(w-253)",
}


#: The tag that marks a synapse of a plastic store in a merged weight matrix (0: not a synapse).
MASK_TAG = 256

#: `RULE_TERMS` with every term times the tag ``t``, for merged matrices. Lava shifts
#: a product right by its factors' widths beyond 15 bits (``t`` and ``w`` count 9
#: each), so each term's coefficient is chosen for ``t = 256`` to give the same
#: accumulator as its plain term, and ``sgn(w+257)`` (always 1) sets the shift
#: where the coefficient alone cannot (tests/test_loihi2_builtins.py, all weights).
MASKED_RULE_TERMS = {
    0: "-2*u1*x0*y0*sgn(w-253)*t + 2*u1*x0*y0*sgn(w+257)*t - 2^-7*x0*y0*t + 2^-7*u1*x0*y0*t",
    1: "-x0*y0*sgn(w-253)*t + x0*y0*sgn(w+257)*t - 6*u1*x0*y0*sgn(w+257)*t + 2*u1*x0*y0*sgn(w-253)*t",
}


def learning_rule(up_parity: int, masked: bool = False) -> Loihi2FLearningRule:
    """The nBP update as a Loihi 2 rule: +2 on coincidences in steps of ``up_parity``, -2 in the others.

    ``up_parity`` is the parity of Lava's time step in which a same-step
    pre/post coincidence potentiates (saturating at 254); a coincidence in a
    step of the other parity depresses (saturating at -256). Silent synapses
    and spikes one step apart change nothing. ``masked``: only synapses
    whose tag ``t`` is `MASK_TAG` learn, those with ``t = 0`` never change.
    """
    if up_parity not in RULE_TERMS:
        raise ValueError(f"up_parity must be 0 or 1, got {up_parity!r}")
    terms = (MASKED_RULE_TERMS if masked else RULE_TERMS)[up_parity]
    return Loihi2FLearningRule(dw=terms, t_epoch=1, rng_seed=0)


def plastic_rule(schedule: Schedule) -> Loihi2FLearningRule:
    """`learning_rule` (masked) for the merged plastic synapses on ``schedule``.

    Raises
    ------
    ValueError
        If the potentiation and depression phases do not fall on steps of
        opposite parity (the rings without ``parity=True`` do not).
    """
    up = set(schedule.potentiation_gates)
    down = learning_phases(schedule) - up
    parity = {
        kind: {(schedule.step_of(k, p) + BUILTIN_OFFSET) % 2 for k in (0, 1) for p in phases}
        for kind, phases in (("up", up), ("down", down))
    }
    if len(parity["up"]) != 1 or len(parity["down"]) > 1 or parity["up"] == parity["down"]:
        raise ValueError(
            f"schedule {schedule.name!r} puts potentiation phases {sorted(up)} and depression phases "
            f"{sorted(down)} on steps of the same parity; the Loihi 2 rule reads the sign from the parity: "
            f"use the 'training-{schedule.n_hidden}-parity' schedule"
        )
    return learning_rule(parity["up"].pop(), masked=True)


def plastic_blocks(schedule: Schedule, layer: str, sizes) -> dict[str, dict[str, list[tuple[slice, slice]]]]:
    """Where the plastic stores onto ``layer`` sit in its merged plastic synapses.

    Returns
    -------
    dict
        Source (``"own"``, ``"below"``, ``"above"``: the layer whose spikes
        are the synapse's input) -> store -> ``(rows, cols)`` of each copy,
        one per post population, in the synapse's weight matrix.
    """
    pops = {p.name: p for p in schedule.populations}
    ports = input_ports(schedule, layer)
    mine = layer_slices(schedule, layer, sizes)
    out = {}
    for group in schedule.plastic:
        posts = [post for post in group.posts if post in mine]
        if not posts:
            continue
        src = "own" if group.pre in mine else ports[group.pre].removeprefix("s_in_")
        cols = layer_slices(schedule, pops[group.pre].layer, sizes)[group.pre]
        out.setdefault(src, {})[group.store] = [(mine[post], cols) for post in posts]
    return out


def read_stores(net) -> dict[str, np.ndarray]:
    """The plastic stores of network process ``net`` (built from these compositions, running), by name.

    Each is read from its first copy's block of the merged synapse that holds it (`plastic_blocks`).
    """
    sched, out = net.schedule, {}
    for layer in sched.layers:
        children = getattr(net.procs, layer).procs
        for src, blocks in plastic_blocks(sched, layer, net.size.sizes).items():
            merged = np.asarray(getattr(children, f"plastic_{src}").weights.get())
            out.update({store: merged[copies[0]] for store, copies in blocks.items()})
    return {g.store: out[g.store] for g in sched.plastic}


def compose_layer(model, proc) -> None:
    """Build ``proc``'s neurons and synapses from built-ins as children of ``model``.

    ``proc`` is a layer process (`lava_backprop.procs.base_process`). All
    its populations are one ``LIFReset`` (`population`), ``neurons``, whose
    spikes are the process's ``s_out``, side by side as `layer_slices` puts
    them. Into it: the gate synapses from ``s_in_gate``, the relays (one-to-one,
    with their delays), the drive from ``s_in_drive`` (relay weight 520 onto
    its population), each packed into as few ``Dense`` / ``DelayDense`` as
    8-bit weights with one exponent allow (`pack`); and one synapse per
    source layer of plastic stores (`plastic_blocks`), holding every copy of
    every store from that source as a block of one weight matrix:
    ``LearningDense`` with `plastic_rule` when the schedule learns, the
    blocks marked by the tag (``t = 256``, 0 elsewhere: the rule's mask),
    a fixed ``Dense`` otherwise. The process's store Vars are not aliased:
    the weights are read from the blocks (`plastic_blocks`).
    """
    p = proc.proc_params
    sched = SCHEDULES[p["schedule"]]
    layer = sched.layers[p["index"]]
    sizes = p["sizes"]
    mine = layer_slices(sched, layer, sizes)
    width = layer_width(sched, layer, sizes)
    model.neurons = neurons = population(width, layer)
    neurons.s_out.connect(proc.out_ports.s_out)

    gates = [(pop, g, w) for pop in mine for g, w in sched.gate_weights(pop).items()]
    for k, group in enumerate(pack(gates)):
        weights = np.zeros((width, sched.n_phases), dtype=np.int32)
        for pop, g, w in group:
            weights[mine[pop], g] = w
        _attach(model, synapse(weights, None, f"gate_{k}"), proc.in_ports.s_in_gate, neurons)
    relays = [(r.dst, r.src, r.weight, r.delay) for r in sched.relays if r.dst in mine]
    for k, group in enumerate(pack(relays)):
        weights = np.zeros((width, width), dtype=np.int32)
        delays = np.zeros((width, width), dtype=int)  # Lava wants the platform int for delays
        for dst, src, w, d in group:
            rows, cols = np.arange(width)[mine[dst]], np.arange(width)[mine[src]]
            weights[rows, cols], delays[rows, cols] = w, d
        _attach(model, synapse(weights, delays, f"relay_{k}"), neurons.s_out, neurons)
    ports = input_ports(sched, layer)
    for dst, (stream, _) in sched.drives.items():
        if dst in mine:
            n = mine[dst].stop - mine[dst].start
            weights = np.zeros((width, n), dtype=np.int32)
            weights[mine[dst], :] = np.diag(np.full(n, CIRCUIT.relay))
            _attach(model, synapse(weights, None, f"drive_{dst}"), getattr(proc.in_ports, ports[stream]), neurons)
    stores = store_vars(sched, layer)
    for src, blocks in plastic_blocks(sched, layer, sizes).items():
        pre = neurons.s_out if src == "own" else getattr(proc.in_ports, f"s_in_{src}")
        weights = np.zeros((width, pre.shape[0]), dtype=np.int32)
        mask = np.zeros_like(weights)
        for store, copies in blocks.items():
            init = np.asarray(getattr(proc, stores[store]).init, dtype=np.int64)
            for rows, cols in copies:
                weights[rows, cols], mask[rows, cols] = init, MASK_TAG
        # Mixed sign whatever the initial values (an inferred one-sign mode would clip
        # -256 or lose the sign); 8 bits hold the rule's even weights in [-256, 254].
        bits = {"sign_mode": SignMode.MIXED, "num_weight_bits": 8, "name": f"plastic_{src}"}
        if sched.learns:
            syn = LearningDense(weights=weights, tag_1=mask, learning_rule=plastic_rule(sched), **bits)
            neurons.s_out.connect(syn.s_in_bap)
        else:
            syn = Dense(weights=weights, **bits)
        _attach(model, syn, pre, neurons)


def _attach(model, syn, pre, neurons) -> None:
    """Make ``syn`` a child of ``model`` between port ``pre`` and ``neurons``."""
    setattr(model, syn.name, syn)
    pre.connect(syn.s_in)
    syn.a_out.connect(neurons.a_in)
