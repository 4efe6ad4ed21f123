# SPDX-License-Identifier: BSD-3-Clause
"""The circuit built from Loihi 2 built-ins (engine ``loihi2-sim``), run in Lava's simulator.

Every layer is LIFReset / Dense / DelayDense / LearningDense; the comparisons
are exact, on networks whose stores saturate at both bounds of the rule.
"""

from collections import Counter

import numpy as np
import pytest
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.io.sink import RingBuffer as Sink
from lava_testing import no_leftover_workers  # noqa: F401
from nbp_testing import (
    assert_equals_transcription,
    assert_trains_like_reference,
    clipped_updates,
    lively_network,
    saturating_deep,
    saturating_network,
    transcription,
)

import lava_backprop as lb
from lava_backprop.hw import check_hw
from lava_backprop.procs.builtin_layers import BUILTIN_OFFSET, MASKED_RULE_TERMS, plastic_rule
from lava_backprop.procs.gating_chain.process import GatingChain
from lava_backprop.runtime import LavaCircuit
from lava_backprop.schedule import training_schedule
from lava_backprop.simulation import simulate
from lava_backprop.weights import check_stores

TRAINING, TRAINING_PARITY = training_schedule(1), training_schedule(1, parity=True)

pytestmark = pytest.mark.timeout(300)

HARDWARE_SELECTION = Loihi2SimCfg(select_tag="fixed_pt", select_sub_proc_model=True)
SIZES = (20, 12, 10)


def problem(cap=254, n=16, sizes=SIZES, seed=3):
    """20-12-10, 16 samples pushing weights to both ends; with ``cap`` = 200 no update
    is clipped at +254 but some are at -256 (asserted where it matters)."""
    w1, w2, X, y = saturating_network(*sizes, n, seed)
    return np.minimum(w1, cap), np.minimum(w2, cap), X, np.eye(sizes[2], dtype=np.uint8)[y]


def train_both(w1, w2, X, T):
    """loihi2-sim (two runs of the circuit) against the dense rule."""
    with lb.make_engine("loihi2-sim", w1, w2, chunk=8) as sim:
        o, z = sim.train(X, T)
        weights = sim.weights()
    assert_trains_like_reference([w1, w2], X, T, o, z, weights, "dense")
    return weights


@pytest.mark.parametrize("n_gates", [14, 4])
def test_builtin_ring_fires_one_gate_per_step_and_the_kick_once(n_gates):
    steps = 3000  # the kick neuron's current settles; it must never fire again
    chain = GatingChain(n_gates=n_gates)
    sink = Sink(shape=(n_gates,), buffer=steps)
    chain.s_out.connect(sink.a_in)
    try:
        chain.run(condition=RunSteps(num_steps=steps), run_cfg=HARDWARE_SELECTION)
        gates = np.asarray(sink.data.get()).astype(int)  # column t: emitted in step t + 1
    finally:
        chain.stop()
    assert gates[:, 0].sum() == 0  # step 1: the kick fires, no gate yet
    np.testing.assert_array_equal(gates[:, 1:].sum(axis=0), np.ones(steps - 1))
    np.testing.assert_array_equal(gates[:, 1:].argmax(axis=0), np.arange(steps - 1) % n_gates)


def test_loihi2_sim_trains_exactly_like_the_reference():
    w1, w2, X, T = problem(cap=200)
    weights = train_both(w1, w2, X, T)
    with lb.make_engine("reference", w1, w2) as ref:
        ref.train(X, T)
        w_ref = ref.weights()
    for key in w_ref:
        np.testing.assert_array_equal(weights[key], w_ref[key], err_msg=key)
    clipped = clipped_updates([w1, w2], X, T)
    assert clipped["bottom"] > 0 and clipped["top"] == 0, clipped


def test_loihi2_sim_of_two_hidden_layers_trains_like_the_rule():
    """The parity ring of two hidden layers from built-ins (potentiation on odd steps, the other
    form of the rule), every store saturating at both ends."""
    weights, X, T = saturating_deep((24, 14, 14, 8), 12, 1)
    want = transcription(weights, X, T)
    assert all(c["lo"] > 0 and c["hi"] > 0 for c in want[3].values()), want[3]
    with lb.make_engine("loihi2-sim", weights, chunk=6) as sim:  # two runs of the circuit
        o, z = sim.train(X, T)
        got = sim.weights()
        o_pred, z_pred = sim.predict(X)
    assert_equals_transcription(got, o, z, want)
    with lb.make_engine("dense", got) as rule:
        for a, b in zip((o_pred, z_pred), rule.predict(X), strict=True):
            np.testing.assert_array_equal(a, b)


def test_loihi2_sim_spikes_phase_by_phase_like_the_circuit():
    w1, w2, X, T = problem(cap=200, n=16)
    n = X.shape[0]
    _, initial = check_stores([w1, w2])
    expected = simulate(TRAINING_PARITY, {k: v.copy() for k, v in initial.items()}, X, T, raster=True).raster
    steps = TRAINING_PARITY.steps(n)
    circuit = LavaCircuit("training", initial, "fixed_pt", n, watch_steps=steps + 3, builtins=True, parity=True)
    try:
        circuit.run(X, T)
        circuit.advance(1)
        got = circuit.raster()
    finally:
        circuit.close()
    assert set(got) == set(expected)
    for pop, spikes in expected.items():
        # a built-in neuron's spike of step s reaches the sink in step s: row s - 1
        np.testing.assert_array_equal(got[pop][BUILTIN_OFFSET - 1 : steps + BUILTIN_OFFSET - 1], spikes[:steps], pop)
    silent = {pop for pop, spikes in expected.items() if not spikes.any()}
    assert len(silent) <= 2, silent


def test_loihi2_sim_equals_the_rule_at_both_bounds_then_predicts_and_resumes():
    """Updates clipped at +254 and at -256: weights, spikes and read-outs equal the rule, and so do
    prediction and training resumed from the learned weights."""
    w1, w2, X, T = problem()
    clipped = clipped_updates([w1, w2], X, T)
    assert clipped["bottom"] > 0 and clipped["top"] > 0, clipped
    with lb.make_engine("loihi2-sim", w1, w2, chunk=8) as sim, lb.make_engine("reference", w1, w2) as rule:
        for got, want in zip(sim.train(X, T), rule.train(X, T), strict=True):  # two runs of the circuit
            np.testing.assert_array_equal(got, want)
        learned, want = sim.weights(), rule.weights()
        for key, value in want.items():
            np.testing.assert_array_equal(learned[key], value, err_msg=key)
        assert (learned["w2"] == 254).any() and not any((w % 2).any() for w in learned.values())
        with pytest.raises(lb.EngineError, match="keep no counters"):
            sim.op_counts()
        for got, want in zip(sim.predict(X), rule.predict(X), strict=True):
            np.testing.assert_array_equal(got, want)
    more = problem(n=10, seed=4)
    with lb.make_engine("loihi2-sim", learned, chunk=10) as sim, lb.make_engine("reference", learned) as rule:
        for got, want in zip(sim.train(more[2], more[3]), rule.train(more[2], more[3]), strict=True):
            np.testing.assert_array_equal(got, want)
        for key, value in rule.weights().items():
            np.testing.assert_array_equal(sim.weights()[key], value, err_msg=key)


def test_inference_circuit_of_builtins_equals_forward_pass():
    w1, w2, X, _ = lively_network(30, 20, 10, 40, 2)
    circuit = LavaCircuit("inference", {"w1": w1, "w2": w2}, "fixed_pt", capacity=25, builtins=True)
    try:
        o, z = circuit.run(X)
    finally:
        circuit.close()
    with lb.make_engine("reference", w1, w2) as ref:
        o_ref, z_ref = ref.predict(X)
    np.testing.assert_array_equal(o, o_ref)
    np.testing.assert_array_equal(z, z_ref)


def test_the_rule_reads_the_sign_from_the_step_parity_of_the_parity_ring():
    for n_hidden, up in ((1, 0), (2, 1), (3, 0)):  # potentiation on even, odd, even Lava steps
        ring = training_schedule(n_hidden, parity=True)
        assert plastic_rule(ring).dw_str == MASKED_RULE_TERMS[up]
        assert {(ring.step_of(4, p) + BUILTIN_OFFSET) % 2 for p in ring.potentiation_gates} == {up}
    with pytest.raises(ValueError, match="same parity.*training-1-parity"):
        plastic_rule(TRAINING)


def test_checker_places_every_layer_on_neurocores():
    """Each layer is one LIFReset with its synapses packed: 27 leaf processes at one hidden layer."""
    report = check_hw(lb.NetworkSize(20, 12, 10))
    assert report.ok, report.summary()
    placement = {leaf["name"]: leaf["placement"] for leaf in report.leaves}
    assert {name for name, where in placement.items() if where != "neurocores"} == {"source", "read_out"}
    for name in ("gates", "input", "hidden", "output", "plastic_below", "plastic_above", "relay_0", "drive_x"):
        assert placement[name] == "neurocores", name
    kinds = Counter(leaf["process"] for leaf in report.leaves)
    assert kinds["LIFReset"] == 4 and kinds["LearningDense"] == 3 and len(report.leaves) == 27
    assert report.resources["neurons"] == 2 * 20 + 6 * 12 + 7 * 10 + 14
    deep = check_hw(lb.NetworkSize(20, 12, 10, 10))
    assert deep.ok, deep.summary()
    placement = {leaf["name"]: leaf["placement"] for leaf in deep.leaves}
    assert {name for name, where in placement.items() if where != "neurocores"} == {"source", "read_out"}
    for name in ("hidden1", "hidden2", "plastic_below", "plastic_above"):
        assert placement[name] == "neurocores", name
    kinds = Counter(leaf["process"] for leaf in deep.leaves)
    assert kinds["LIFReset"] == 5 and kinds["LearningDense"] == 5


def test_built_in_parts_reject_bad_arguments(tmp_path):
    from lava_backprop.procs.backprop_network.process import BackpropNetwork
    from lava_backprop.procs.read_out.process import ReadOut

    with pytest.raises(ValueError, match="unknown schedule"):
        ReadOut(n_out=2, schedule="nope", capacity=1)
    with pytest.raises(ValueError, match="capacity"):
        ReadOut(n_out=2, schedule="training-1-parity", capacity=0)
    w1, w2 = np.zeros((3, 2), dtype=int), np.zeros((2, 3), dtype=int)
    with pytest.raises(ValueError, match="capacity"):
        BackpropNetwork(weights=[w1, w2], buffer_path=str(tmp_path / "b"), capacity=0, parity=True)


def test_loihi2_engine_compile_failure_is_a_hardware_error(monkeypatch):
    """With lava-loihi reported present but unusable, the hardware compile fails with a clear error."""
    import lava.utils.loihi

    monkeypatch.setattr(lava.utils.loihi, "is_installed", lambda *args: True)
    w1, w2, X, T = problem(n=4)
    with lb.make_engine("loihi2", w1, w2, chunk=4) as engine:
        with pytest.raises(lb.HardwareError, match="compiling the training network for Loihi 2 failed"):
            engine.train(X, T)


def test_loihi2_engine_without_lava_loihi_names_what_is_missing():
    w1, w2, _, _ = problem(n=1)
    with pytest.raises(
        lb.HardwareError, match="lava-loihi.*not installed.*static check of the 20-12-10 network passes"
    ):
        lb.make_engine("loihi2", w1, w2)
