# SPDX-License-Identifier: BSD-3-Clause
"""Compositions of Loihi 2 built-ins for the circuit's layers.

A layer built this way runs one step behind the CPU models in its frame:
its populations are ``LIFReset`` neurons (reset every step: memoryless) fed
through ``Dense`` / ``DelayDense``, which deliver a spike emitted at ``T`` at
``T + 1 + delay``. With the built-in gating chain every part sees the gates
and the other parts' spikes at consistent offsets (docs/LOIHI2.md).

The plastic stores are ``LearningDense`` copies with a two-factor rule that
keeps the phase sign in each synapse's tag ``t``::

    dw = 2 x0 y0 t          # +-2 on a same-step coincidence of pre and post
    dt = -2 u0 t            # t flips sign every step (u0 = 1 each epoch)

With a one-step learning epoch the tag alternates +1, -1, ...; its initial
sign is chosen so that it is +1 on the potentiation phases and -1 on the
depression phases. That needs a ring on which the two kinds of phase fall
on steps of opposite parity: ``training_schedule(L, parity=True)``. Each
update is one product term, so Lava's learning accumulator never saturates
in between and stochastic rounding never has a fraction to round.
"""

import numpy as np
from lava.magma.core.learning.learning_rule import Loihi2FLearningRule
from lava.proc.dense.process import DelayDense, Dense, LearningDense
from lava.proc.lif.process import LIFReset
from lava.utils.weightutils import SignMode

from lava_backprop.params import CIRCUIT, NetworkSize, mantissa_exponent
from lava_backprop.procs.base_process import input_ports, store_vars
from lava_backprop.schedule import SCHEDULES, Schedule

__all__ = ["population", "gate_synapses", "relay", "phase_sign_rule", "learning_phases", "compose_layer"]

#: Steps by which a built-in population fires after ``Schedule.step_of`` says
#: (the built-in ring starts one step later than the CPU chain).
BUILTIN_OFFSET = 2


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


def learning_phases(schedule: Schedule) -> set[int]:
    """Phases in which some plastic group's pre and post can fire together."""
    active = schedule.active_phases
    return {p for g in schedule.plastic for post in g.posts for p in set(active[g.pre]) & set(active[post])}


def phase_sign_rule(schedule: Schedule) -> tuple[Loihi2FLearningRule, int]:
    """The plastic stores' rule on ``schedule`` and the initial tag of every synapse.

    The rule is ``dw = 2 x0 y0 t``, ``dt = -2 u0 t``: in step ``s`` (1-based)
    the tag is ``t0 (-1)^(s - 1)``, and ``t0`` makes it +1 in the potentiation
    phases and -1 in the other learning phases.

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
    tag0 = 1 if parity["up"] == {1} else -1  # +1 in step s iff s - 1 is even
    return Loihi2FLearningRule(dw="2*x0*y0*t", dt="-2*u0*t", t_epoch=1, rng_seed=0), tag0


def compose_layer(model, proc) -> dict:
    """Build ``proc``'s populations and synapses from built-ins as children of ``model``.

    ``proc`` is a layer process (`lava_backprop.procs.base_process`).
    Populations become ``LIFReset`` neurons on the process's ``s_out_<role>``
    ports; gate synapses come from ``s_in_gate``; relays stay inside the
    layer; a drive reaches its population from ``s_in_drive`` through a relay
    of weight 520; each plastic group onto the layer becomes one synapse per
    post copy from its pre population (in the layer, or on its ``s_in_*``
    port): ``LearningDense`` with `phase_sign_rule` when the schedule learns,
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
        neuron = population(width[pop.name], pop.name)
        setattr(model, pop.name, neuron)
        pops[pop.name] = neuron
        for k, dense in enumerate(
            gate_synapses(sched.gate_weights(pop.name), sched.n_phases, width[pop.name], f"gate_{pop.name}")
        ):
            setattr(model, f"gate_{pop.name}_{k}", dense)
            proc.in_ports.s_in_gate.connect(dense.s_in)
            dense.a_out.connect(neuron.a_in)
        neuron.s_out.connect(getattr(proc.out_ports, f"s_out_{pop.role}"))
    for k, r in enumerate(r for r in sched.relays if r.dst in pops):
        syn = relay(width[r.dst], r.weight, r.delay, f"relay_{r.src}_{r.dst}_{r.delay}")
        setattr(model, f"relay_{k}", syn)
        pops[r.src].s_out.connect(syn.s_in)
        syn.a_out.connect(pops[r.dst].a_in)
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
        # Plastic weights are mixed-sign whatever the initial values (an inferred
        # one-sign mode would clip -256 or lose the sign). A mixed-sign synapse of 8
        # weight bits drops the mantissa's last bit when it loads; a store learned in
        # Lava's simulation may hold odd weights (up to 255), which need 9.
        bits = {"sign_mode": SignMode.MIXED, "num_weight_bits": 9 if (weights % 2).any() else 8}
        for post in posts:
            name = f"{group.store}_{post}"
            if sched.learns:
                rule, tag0 = phase_sign_rule(sched)
                tags = np.full(weights.shape, tag0)
                syn = LearningDense(weights=weights, tag_1=tags, learning_rule=rule, name=name, **bits)
                pops[post].s_out.connect(syn.s_in_bap)
            else:
                syn = Dense(weights=weights, name=name, **bits)
            setattr(model, name, syn)
            pre.connect(syn.s_in)
            syn.a_out.connect(pops[post].a_in)
            synapses[group.store].append(syn)
        store.alias(synapses[group.store][0].weights)
    return synapses
