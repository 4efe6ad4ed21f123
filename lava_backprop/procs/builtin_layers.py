# SPDX-License-Identifier: BSD-3-Clause
"""Compositions of Loihi 2 built-ins for the circuit's layers.

A layer built this way runs one step behind the CPU models in its frame:
its populations are ``LIFReset`` neurons (reset every step: memoryless) fed
through ``Dense`` / ``DelayDense``, which deliver a spike emitted at ``T`` at
``T + 1 + delay``. With the built-in gating chain every part sees the gates
and the other parts' spikes at consistent offsets (docs/LOIHI2.md).

The plastic stores are ``LearningDense`` copies whose rule is the nBP update
itself, with the phase sign read from the parity of the time step
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

from lava_backprop.params import CIRCUIT, NetworkSize, mantissa_exponent
from lava_backprop.procs.base_process import input_ports, store_vars
from lava_backprop.schedule import SCHEDULES, Schedule

__all__ = ["population", "relay", "learning_rule", "plastic_rule", "learning_phases", "compose_layer"]

#: Steps by which a built-in population fires after ``Schedule.step_of`` says
#: (the built-in ring starts one step later than the CPU chain).
BUILTIN_OFFSET = 2


def population(width: int, name: str) -> LIFReset:
    """The circuit's memoryless neuron: fires iff ``I - 8192 > 1024`` (tests/test_loihi2_builtins.py)."""
    return LIFReset(
        shape=(width,), du=4095, dv=4095, reset_interval=1, bias_mant=-4096, bias_exp=7, vth=CIRCUIT.theta, name=name
    )


def _gate_parts(weights_by_gate: dict) -> list[tuple[int, tuple]]:
    """``weights_by_gate`` split by sign: ``(sign, ((gate, weight), ..))`` for each sign present.

    Excitatory and inhibitory gate weights go into separate Dense processes
    (the exponent is shared per Dense, and a mixed-sign matrix loses the
    mantissa's last bit).
    """
    parts = []
    for sign in (1, -1):
        chosen = tuple(sorted((g, w) for g, w in weights_by_gate.items() if np.sign(w) == sign))
        if chosen:
            parts.append((sign, chosen))
    return parts


def _gate_dense(part: tuple, n_gates: int, width: int, name: str) -> Dense:
    exp = max(mantissa_exponent(w)[1] for _, w in part)
    matrix = np.zeros((width, n_gates), dtype=int)
    for g, w in part:
        mant, rest = divmod(abs(w), 1 << exp)
        if rest or mant > 255:
            raise ValueError(f"gate weight {w} is not an 8-bit mantissa times 2**{exp}")
        matrix[:, g] = np.sign(w) * mant
    return Dense(weights=matrix, weight_exp=exp, name=name)


def relay(width: int, weight: int, delay: int, name: str):
    """A one-to-one synapse ``src[i] -> dst[i]`` with ``weight`` and ``delay``."""
    mant, exp = mantissa_exponent(weight)
    diag = np.diag(np.full(width, mant))
    if delay == 0:
        return Dense(weights=diag, weight_exp=exp, name=name)
    return DelayDense(weights=diag, delays=delay, weight_exp=exp, name=name)


def learning_phases(schedule: Schedule) -> set[int]:
    """Phases in which some plastic group's pre and post can fire together."""
    active = schedule.active_phases
    return {p for g in schedule.plastic for post in g.posts for p in set(active[g.pre]) & set(active[post])}


#: The rule's terms for potentiation on even (``up_parity=0``) or odd steps, in the order Lava adds them.
RULE_TERMS = {
    0: "-u1*x0*y0*sgn(w-253) + u1*x0*y0 - 2*x0*y0 + 2*u1*x0*y0",
    1: "-x0*y0*sgn(w-253) + x0*y0 - 3*u1*x0*y0 + u1*x0*y0*sgn(w-253)",
}


def learning_rule(up_parity: int) -> Loihi2FLearningRule:
    """The nBP update as a Loihi 2 rule: +2 on coincidences in steps of ``up_parity``, -2 in the others.

    ``up_parity`` is the parity of Lava's time step in which a same-step
    pre/post coincidence potentiates (saturating at 254); a coincidence in a
    step of the other parity depresses (saturating at -256). Silent synapses
    and spikes one step apart change nothing.
    """
    if up_parity not in RULE_TERMS:
        raise ValueError(f"up_parity must be 0 or 1, got {up_parity!r}")
    return Loihi2FLearningRule(dw=RULE_TERMS[up_parity], t_epoch=1, rng_seed=0)


def plastic_rule(schedule: Schedule) -> Loihi2FLearningRule:
    """`learning_rule` for the plastic stores on ``schedule``.

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
    return learning_rule(parity["up"].pop())


def compose_layer(model, proc) -> dict:
    """Build ``proc``'s populations and synapses from built-ins as children of ``model``.

    ``proc`` is a layer process (`lava_backprop.procs.base_process`).
    Populations become ``LIFReset`` neurons on the process's ``s_out_<role>``
    ports; gate synapses come from ``s_in_gate``; relays stay inside the
    layer; a gate or relay synapse that several populations receive alike
    is one process whose output fans out to all of them; a drive reaches
    its population from ``s_in_drive`` through a relay of weight 520; each
    plastic group onto the layer becomes one synapse per
    post copy from its pre population (in the layer, or on its ``s_in_*``
    port): ``LearningDense`` with `plastic_rule` when the schedule learns,
    a fixed ``Dense`` otherwise. The process's store Var (``w``, ``wt_pos``,
    ``wt_neg``) aliases the first copy's weights.

    Returns
    -------
    dict of str to list
        Store name -> the synapse processes of its plastic group.
    """
    p = proc.proc_params
    sched = SCHEDULES[p["schedule"]]
    layer = sched.layers[p["index"]]
    widths = NetworkSize(p["sizes"]).layers
    width = {pop.name: widths[pop.layer] for pop in sched.populations}
    pops = {}
    for pop in sched.layer_populations(layer):
        pops[pop.name] = neuron = population(width[pop.name], pop.name)
        setattr(model, pop.name, neuron)
        neuron.s_out.connect(getattr(proc.out_ports, f"s_out_{pop.role}"))
    # One synapse per distinct input, fanned out to every population that receives it.
    gated = {}
    for name in pops:
        for sign, part in _gate_parts(sched.gate_weights(name)):
            gated.setdefault(part, []).append((name, sign))
    for k, (part, targets) in enumerate(gated.items()):
        names = "_".join(name for name, _ in targets)
        dense = _gate_dense(
            part, sched.n_phases, width[targets[0][0]], f"gate_{names}_{'exc' if targets[0][1] > 0 else 'inh'}"
        )
        setattr(model, f"gate_{k}", dense)
        proc.in_ports.s_in_gate.connect(dense.s_in)
        dense.a_out.connect([pops[name].a_in for name, _ in targets])
    relayed = {}
    for r in sched.relays:
        if r.dst in pops:
            relayed.setdefault((r.src, r.weight, r.delay), []).append(r.dst)
    for k, ((src, weight, delay), dsts) in enumerate(relayed.items()):
        syn = relay(width[src], weight, delay, f"relay_{src}_{'_'.join(dsts)}_{delay}")
        setattr(model, f"relay_{k}", syn)
        pops[src].s_out.connect(syn.s_in)
        syn.a_out.connect([pops[dst].a_in for dst in dsts])
    ports = input_ports(sched, layer)
    for dst, (stream, _) in sched.drives.items():
        if dst in pops:
            syn = relay(width[dst], CIRCUIT.relay, 0, f"drive_{dst}")
            setattr(model, f"drive_{dst}", syn)
            getattr(proc.in_ports, ports[stream]).connect(syn.s_in)
            syn.a_out.connect(pops[dst].a_in)
    synapses = {}
    for group in sched.plastic:
        posts = [post for post in group.posts if post in pops]
        if not posts:
            continue
        store = getattr(proc, store_vars(sched, layer)[group.store])
        pre = pops[group.pre].s_out if group.pre in pops else getattr(proc.in_ports, ports[group.pre])
        synapses[group.store] = []
        weights = np.asarray(store.init, dtype=int)
        # Mixed sign whatever the initial values (an inferred one-sign mode would clip
        # -256 or lose the sign); 8 bits hold the rule's even weights in [-256, 254].
        bits = {"sign_mode": SignMode.MIXED, "num_weight_bits": 8}
        for post in posts:
            name = f"{group.store}_{post}"
            if sched.learns:
                syn = LearningDense(weights=weights, learning_rule=plastic_rule(sched), name=name, **bits)
                pops[post].s_out.connect(syn.s_in_bap)
            else:
                syn = Dense(weights=weights, name=name, **bits)
            setattr(model, name, syn)
            pre.connect(syn.s_in)
            syn.a_out.connect(pops[post].a_in)
            synapses[group.store].append(syn)
        store.alias(synapses[group.store][0].weights)
    return synapses
