# SPDX-License-Identifier: BSD-3-Clause
"""Measured behaviour of Lava's Loihi 2 built-ins that the hardware mapping relies on.

These pin, in lava-nc 0.10.0's bit-accurate models, the facts of
docs/LOIHI2.md: how Dense scales the circuit's fixed weights, which LIF
variant is the circuit's memoryless neuron, and that LearningDense sees
same-step pre/post coincidences.
"""

import dataclasses

import numpy as np
import pytest
from lava.magma.core.learning.constants import W_ACCUMULATOR_S, W_SYN_VAR_S
from lava.magma.core.learning.learning_rule import Loihi2FLearningRule
from lava.magma.core.learning.learning_rule_applier import LearningRuleApplierBitApprox
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.dense.process import DelayDense, Dense, LearningDense
from lava.proc.io.sink import RingBuffer as Sink
from lava.proc.io.source import RingBuffer as Source
from lava.proc.lif.process import LIF, LIFReset
from lava.utils.weightutils import SignMode
from lava_testing import no_leftover_workers  # noqa: F401
from nbp_testing import lively_network, saturating_deep, saturating_network

from lava_backprop.params import mantissa_exponent
from lava_backprop.procs.builtin_layers import MASK_TAG, RULE_TERMS, encode, learning_rule, pack
from lava_backprop.runtime.models import SIMULATION_MODELS, coincidence_rule
from lava_backprop.schedule import training_schedule
from lava_backprop.simulation import simulate
from lava_backprop.weights import check_stores

TRAINING = training_schedule(1)

pytestmark = pytest.mark.timeout(120)

FIXED = Loihi2SimCfg(select_tag="fixed_pt")
#: The circuit's neuron in LIF parameters. The model aligns input and threshold by
#: 6 bits (u = a_in << 6, threshold vth << 6) but not the bias, so bias -8192 becomes
#: -8192 << 6 = -4096 << 7.
CIRCUIT_NEURON = {"bias_mant": -4096, "bias_exp": 7, "vth": 1024}


def run_to_sink(last, port, steps):
    sink = Sink(shape=port.shape, buffer=steps)
    port.connect(sink.a_in)
    try:
        last.run(condition=RunSteps(num_steps=steps), run_cfg=FIXED)
        return np.asarray(sink.data.get()).astype(int)
    finally:
        last.stop()


def constant_input(neuron, current: int, steps: int):
    """Feed ``current`` (weight units) every step through Dense synapses of 8-bit mantissas."""
    src = Source(data=np.ones((1, steps), dtype=int))
    coarse = current // 64
    for w, e in ((coarse, 6), (current - coarse * 64, 0)):
        if w:
            dense = Dense(weights=np.array([[w]]), weight_exp=e)
            src.s_out.connect(dense.s_in)
            dense.a_out.connect(neuron.a_in)


@pytest.mark.parametrize("weight", sorted({r.weight for r in TRAINING.relays} | {8704, 9280, -8128, 8192}))
def test_dense_carries_each_fixed_weight_exactly(weight):
    mant, exp = mantissa_exponent(weight)
    src = Source(data=np.ones((1, 4), dtype=int))
    dense = Dense(weights=np.array([[mant]]), weight_exp=exp)
    src.s_out.connect(dense.s_in)
    received = run_to_sink(dense, dense.a_out, 4)[0]
    assert received[1:].tolist() == [weight] * 3


@pytest.mark.parametrize(("current", "fires"), [(9216, False), (9218, True), (8704, False)])
def test_lifreset_every_step_is_the_memoryless_circuit_neuron(current, fires):
    """V = I - 8192 > 1024 in every step: reset_interval=1 leaves no residue."""
    neuron = LIFReset(shape=(1,), du=4095, dv=4095, reset_interval=1, **CIRCUIT_NEURON)
    constant_input(neuron, current, 8)
    spikes = run_to_sink(neuron, neuron.s_out, 8)[0]
    assert spikes[0] == 0
    assert (spikes[1:] == int(fires)).all(), spikes


def test_plain_lif_at_full_decay_keeps_a_residue():
    """LIF with du = dv = 4095 keeps v/4096 of the last voltage: at I = 9218 it does not
    fire every step, so it is not the circuit's neuron."""
    neuron = LIF(shape=(1,), du=4095, dv=4095, **CIRCUIT_NEURON)
    constant_input(neuron, 9218, 8)
    spikes = run_to_sink(neuron, neuron.s_out, 8)[0]
    assert not (spikes[1:] == 1).all(), spikes


@pytest.mark.parametrize(("post_offset", "dw"), [(-1, 0), (0, 2), (1, 0)])
def test_learning_dense_sees_same_step_coincidences(post_offset, dw):
    """dw = 2 x0 y0 with a one-step epoch: +2 exactly when pre and post fire in one step."""
    steps = 12
    pre_data, post_data = np.zeros((1, steps), dtype=int), np.zeros((1, steps), dtype=int)
    pre_data[0, 4], post_data[0, 4 + post_offset] = 1, 1
    neurons = []
    for data in (pre_data, post_data):
        src = Source(data=data)
        dense = Dense(weights=np.array([[100]]))
        neuron = LIFReset(shape=(1,), vth=10, du=4095, dv=4095, reset_interval=1)
        src.s_out.connect(dense.s_in)
        dense.a_out.connect(neuron.a_in)
        neurons.append(neuron)
    pre, post = neurons
    rule = Loihi2FLearningRule(dw="2*x0*y0", t_epoch=1, rng_seed=0)
    plastic = LearningDense(weights=np.array([[0]]), learning_rule=rule)
    pre.s_out.connect(plastic.s_in)
    plastic.a_out.connect(post.a_in)
    post.s_out.connect(plastic.s_in_bap)
    try:
        plastic.run(condition=RunSteps(num_steps=steps), run_cfg=FIXED)
        assert int(plastic.weights.get()[0, 0]) == dw
    finally:
        plastic.stop()


def stores_copy(weights):
    return check_stores(weights)[1]


@pytest.mark.parametrize("make", [saturating_network, lively_network])
def test_refractoriness_never_acts_in_the_circuit(make):
    """With the phase table enforced, no population can fire in two consecutive
    steps except h1T, which is not refractory: LIFReset (no refractoriness) suffices."""
    plain = dataclasses.replace(
        TRAINING, populations=tuple(dataclasses.replace(p, refractory=False) for p in TRAINING.populations)
    )
    for seed in range(3):
        w1, w2, X, y = make(30, 16, 10, 60, seed)
        T = np.eye(10, dtype=np.uint8)[y]
        rasters = [
            simulate(schedule, stores_copy([w1, w2]), X, T, raster=True).raster for schedule in (TRAINING, plain)
        ]
        for pop in rasters[0]:
            np.testing.assert_array_equal(rasters[0][pop], rasters[1][pop])


@pytest.mark.parametrize(("n_hidden", "parity"), [(2, True), (3, True), (2, False)])
def test_refractoriness_never_acts_in_deeper_rings(n_hidden, parity):
    ring = training_schedule(n_hidden, parity)
    plain = dataclasses.replace(
        ring, populations=tuple(dataclasses.replace(p, refractory=False) for p in ring.populations)
    )
    weights, X, T = saturating_deep([24, *[14] * n_hidden, 8], 60, 1)
    rasters = [simulate(schedule, stores_copy(weights), X, T, raster=True).raster for schedule in (ring, plain)]
    for pop in rasters[0]:
        np.testing.assert_array_equal(rasters[0][pop], rasters[1][pop], err_msg=pop)


def rule_run(weights, pre_steps, post_steps, steps, rule, models=None, tags=0):
    """A 1-pre, ``len(weights)``-post LearningDense: post 0 fires at ``post_steps``, the last
    post never; the weights read after every step (Lava time steps 1 .. steps)."""
    n_post = len(weights)
    pre_data = np.zeros((1, steps), dtype=int)
    pre_data[0, [s - 2 for s in pre_steps]] = 1  # source -> Dense -> neuron: fires 2 steps later
    post_data = np.zeros((n_post, steps), dtype=int)
    post_data[:-1, [s - 2 for s in post_steps]] = 1
    neurons = []
    for data in (pre_data, post_data):
        src = Source(data=data)
        dense = Dense(weights=np.eye(len(data), dtype=int) * 100)
        neuron = LIFReset(shape=(len(data),), vth=10, du=4095, dv=4095, reset_interval=1)
        src.s_out.connect(dense.s_in)
        dense.a_out.connect(neuron.a_in)
        neurons.append(neuron)
    pre, post = neurons
    plastic = LearningDense(
        weights=np.array(weights).reshape(n_post, 1),
        learning_rule=rule,
        tag_1=np.full((n_post, 1), tags),
        sign_mode=SignMode.MIXED,
        num_weight_bits=8,
    )
    pre.s_out.connect(plastic.s_in)
    post.s_out.connect(plastic.s_in_bap)
    cfg = Loihi2SimCfg(select_tag="fixed_pt", exception_proc_model_map=models or {})
    history = []
    try:
        for _ in range(steps):
            plastic.run(condition=RunSteps(num_steps=1), run_cfg=cfg)
            history.append(np.asarray(plastic.weights.get())[:, 0].astype(int))
    finally:
        plastic.stop()
    return np.array(history)


def rule_by_hand(weights, coincidences, steps, up_parity):
    w, history = list(weights[:-1]), []
    for step in range(1, steps + 1):
        if step in coincidences:
            w = [min(v + 2, 254) if step % 2 == up_parity else max(v - 2, -256) for v in w]
        history.append(w + [weights[-1]])
    return np.array(history)


@pytest.mark.parametrize("up_parity", [0, 1])
@pytest.mark.parametrize("models", [{}, SIMULATION_MODELS], ids=["lava", "coincidence"])
def test_the_rule_form_is_the_nbp_update_at_both_bounds(up_parity, models):
    """+2 on same-step coincidences in steps of one parity, -2 in the other, saturating at 254
    and -256, weights even; spikes one step apart and a silent post change nothing. Lava's
    own model and the coincidence model give the same weights in every step."""
    weights = [254, 252, -256, -254, 0, 100]  # the last post never fires
    steps = 24
    pre = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 18, 21]
    post = [3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 17, 22]
    got = rule_run(weights, pre, post, steps, learning_rule(up_parity), models)
    want = rule_by_hand(weights, set(pre) & set(post), steps, up_parity)
    np.testing.assert_array_equal(got, want)
    assert got.max() == 254 and got.min() == -256 and not (got % 2).any()


def test_the_tag_form_and_a_late_sgn_term_leave_the_rule():
    """Why the rule has its form. The tag form ``dw = 2 x0 y0 t, dt = -2 u0 t`` (the sign in a
    tag flipped every step) lets Lava's learning engine saturate at +255; with the sgn term
    last, a potentiation at -256 overflows the accumulator first and comes out wrong."""
    tag_form = Loihi2FLearningRule(dw="2*x0*y0*t", dt="-2*u0*t", t_epoch=1, rng_seed=0)
    got = rule_run([254, 0], [5], [5], 8, tag_form, tags=1)
    assert got[-1, 0] == 255
    late_sgn = Loihi2FLearningRule(dw="-2*x0*y0 + 3*u1*x0*y0 - u1*x0*y0*sgn(w-253)", t_epoch=1, rng_seed=0)
    got = rule_run([-256, 0], [6], [6], 8, late_sgn)
    assert got[-1, 0] in (-253, -252)  # the rule: -254


def lif_current(u, a_in, du, ds_offset):
    """One step of a bit-accurate LIF's current (lava/proc/lif/models.py): decay, input << 6, 24-bit wrap."""
    decayed = abs(u) * (4096 - du - ds_offset) >> 12
    u = (decayed if u >= 0 else -decayed) + (a_in << 6)
    if u > 2**23:
        u -= 2**24
    elif u <= -(2**23):
        u += 2**24
    return u


def ring_tokens(steps, n_gates, kick, ds_offset):
    """Replay the built-in ring without Lava: gates are memoryless (fire iff input > 1024), the
    kick a LIF with ``kick`` = dict(u, v, du, dv, bias, vth, self_w, hold_w). Returns the steps
    in which the kick fired and the most gates that fired in one step."""
    u, v = kick["u"], kick["v"]
    gates = set()  # the gates firing in the step
    kick_fired, kicks, most = False, [], 0
    for step in range(1, steps + 1):
        a_in = kick["self_w"] * kick_fired + kick["hold_w"] * (n_gates - 1 in gates)
        u = lif_current(u, a_in, kick["du"], ds_offset)
        decayed = abs(v) * (4096 - kick["dv"]) >> 12
        v = max(min((decayed if v >= 0 else -decayed) + u + kick["bias"], 2**23 - 1), -(2**23))
        gates = {(g + 1) % n_gates for g in gates} | ({0} if kick_fired else set())
        most = max(most, len(gates))
        kick_fired = v > kick["vth"] << 6
        if kick_fired:
            v = 0
            kicks.append(step)
    return kicks, most


def built_in_kick(n_gates):
    """The kick's parameters and inputs as the built-in GatingChain composes them."""
    from lava_backprop.procs.gating_chain.models import SubGatingChainModel
    from lava_backprop.procs.gating_chain.process import GatingChain

    model = SubGatingChainModel(GatingChain(n_gates=n_gates))
    kick = model.kick
    assert not kick.a_in.in_connections  # nothing drives it
    value = {name: int(np.asarray(getattr(kick, name).init).ravel()[0]) for name in ("u", "v", "du", "dv", "vth")}
    bias = int(np.asarray(kick.bias_mant.init).ravel()[0]) << int(np.asarray(kick.bias_exp.init).ravel()[0])
    return {**value, "bias": bias, "self_w": 0, "hold_w": 0}


@pytest.mark.parametrize("ds_offset", [1, 0], ids=["lava-sim", "no-leak"])
def test_the_ring_carries_one_token_for_400000_steps(ds_offset):
    """The kick fires once and never again, with Lava's Loihi 1 current leak (ds_offset = 1)
    and without it; the kick it replaced (held current, pushed down a little every ring)
    wraps around without the leak and starts a second token after about 345 000 steps."""
    steps, n_gates = 400_000, 14
    kicks, most = ring_tokens(steps, n_gates, built_in_kick(n_gates), ds_offset)
    assert kicks == [1] and most == 1
    old = {"u": 0, "v": 0, "du": 0, "dv": 4095, "bias": 1100 << 6, "vth": 1024, "self_w": -254 << 7, "hold_w": -4}
    kicks, most = ring_tokens(steps, n_gates, old, ds_offset)
    if ds_offset:
        assert kicks == [1] and most == 1
    else:
        assert kicks[0] == 1 and 340_000 < kicks[1] < 350_000 and most >= 2


@pytest.mark.parametrize("weight_exp", [2, 6, -1])
@pytest.mark.parametrize("kind", ["DelayDense", "Dense"])
def test_the_sparse_models_deliver_what_lavas_models_deliver(kind, weight_exp):
    """Random spikes through a half-empty Dense, or a DelayDense with per-synapse delays 0 to 6:
    every step's output of `SparseDenseModel` / `SparseDelayDenseModel` equals that of Lava's
    bit-accurate model (a weight beyond 8 bits included: both clip it alike)."""
    rng = np.random.default_rng(weight_exp + 10)
    steps, n_in, n_out = 30, 12, 9
    data = (rng.random((n_in, steps)) < 0.4).astype(int)
    weights = rng.integers(-127, 128, (n_out, n_in)) * 2 * (rng.random((n_out, n_in)) < 0.5)
    weights[0, 0] = 300
    delays = rng.integers(0, 7, (n_out, n_in))
    received = []
    for models in ({}, SIMULATION_MODELS):
        src = Source(data=data)
        args = {"weights": weights, "weight_exp": weight_exp, "sign_mode": SignMode.MIXED}
        dense = DelayDense(delays=delays, **args) if kind == "DelayDense" else Dense(**args)
        src.s_out.connect(dense.s_in)
        sink = Sink(shape=(n_out,), buffer=steps)
        dense.a_out.connect(sink.a_in)
        try:
            sink.run(RunSteps(steps), Loihi2SimCfg(select_tag="fixed_pt", exception_proc_model_map=models))
            received.append(np.asarray(sink.data.get()).astype(int))
        finally:
            sink.stop()
    assert np.abs(received[0]).sum() > 0
    np.testing.assert_array_equal(received[1], received[0])


@pytest.mark.parametrize(
    ("dw", "weights"),
    [("2*x0*(y0-1)", [100, 50]), (RULE_TERMS[0], [300, 0])],
    ids=["silent-post-term", "weight-beyond-the-clip"],
)
def test_the_coincidence_model_leaves_what_it_cannot_skip_to_lava(dw, weights):
    """A term that is not zero for a silent post, or a weight Lava's learning would clip: the
    coincidence model does exactly what Lava's model does, step by step."""
    rule = Loihi2FLearningRule(dw=dw, t_epoch=1, rng_seed=0)
    assert coincidence_rule(rule) == (dw == RULE_TERMS[0])
    runs = [rule_run(weights, [4, 6, 9], [4, 7, 9], 12, rule, models) for models in ({}, SIMULATION_MODELS)]
    np.testing.assert_array_equal(runs[1], runs[0])
    assert (runs[0][-1] != runs[0][0]).any()


@pytest.mark.parametrize("up", [0, 1])
def test_the_masked_rule_is_the_rule_where_tagged_and_nothing_elsewhere(up):
    """Lava's rule applier on a coincidence at every even weight, in both step parities: the
    masked form leaves the accumulator the plain form leaves where ``t = 256``, and the weight
    as it was where ``t = 0``."""
    w = np.arange(-256, 256, 2)[None]
    unchanged = w << (W_ACCUMULATOR_S - W_SYN_VAR_S["weights"])

    def accumulate(rule, tag, u):
        applier = LearningRuleApplierBitApprox(rule.active_product_series["dw"])
        ones, n = np.ones(w.shape, dtype=bool), w.shape[1]
        args = {"x0": ones, "y0": ones[:, :1], "weights": w, "tag_2": 0 * w, "tag_1": np.full(w.shape, tag)}
        return applier.apply(unchanged, shape=(1, n), u=u, **args)

    for u in (0, 1):
        plain = accumulate(learning_rule(up), 0, u)
        assert not np.array_equal(plain, unchanged)
        np.testing.assert_array_equal(accumulate(learning_rule(up, masked=True), MASK_TAG, u), plain)
        np.testing.assert_array_equal(accumulate(learning_rule(up, masked=True), 0, u), unchanged)


def test_fixed_weights_pack_into_few_exact_synapses():
    """A synapse process holds weights that share an exponent exactly as 8-bit mantissas (mixed
    sign: even ones), and each pair of populations once."""
    assert encode([520, -520]) == (2, SignMode.MIXED)
    assert encode([8704, 9216, 8192]) == (6, SignMode.EXCITATORY)
    assert encode([-8128]) == (5, SignMode.INHIBITORY)
    assert encode([8704, -8128]) is None and encode([521]) is None
    relays = [("h", "m_h", 520, 1), ("h", "m_h", 520, 6), ("c_h", "h_hi", -520, 3), ("h", "c_h", 8704, 0)]
    groups = pack(relays)
    assert len(groups) == 3  # the two delays of m_h -> h never share; 8704 has no exponent with 520
    for group in groups:
        assert encode([e[2] for e in group]) and len({e[:2] for e in group}) == len(group)
