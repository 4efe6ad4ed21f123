# SPDX-License-Identifier: BSD-3-Clause
"""The parts of the circuit already built from Loihi 2 built-ins, run in the simulator."""

import numpy as np
import pytest
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.io.sink import RingBuffer as Sink
from lava_testing import no_leftover_workers  # noqa: F401
from nbp_testing import assert_trains_like_reference, lively_network, saturating_network

import lava_backprop as lb
from lava_backprop.hw import check_hw
from lava_backprop.lava_engine import LavaCircuit
from lava_backprop.procs.gating_chain.process import GatingChain
from lava_backprop.weights import check_stores

pytestmark = pytest.mark.timeout(300)

HARDWARE_SELECTION = Loihi2SimCfg(select_tag="fixed_pt", select_sub_proc_model=True)


@pytest.mark.parametrize("n_gates", [12, 4])
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


@pytest.mark.parametrize(
    ("make", "sizes", "seed"), [(saturating_network, (20, 12, 10), 0), (lively_network, (30, 16, 10), 1)]
)
def test_circuit_with_builtin_chain_and_input_layer_equals_reference(make, sizes, seed):
    w1, w2, X, y = make(*sizes, 110, seed)
    T = np.eye(sizes[2], dtype=np.uint8)[y]
    _, stores = check_stores(w1, w2)
    circuit = LavaCircuit("training", stores, "fixed_pt", capacity=50, builtins=True)
    try:
        o, z = circuit.run(X, T)
        weights = circuit.weights()
    finally:
        circuit.close()
    assert_trains_like_reference(w1, w2, X, T, o, z, weights)


def test_inference_circuit_with_builtins_equals_forward_pass():
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


def test_checker_places_chain_and_input_layer_on_neurocores():
    report = check_hw(lb.NetworkSize(20, 12, 10))
    flagged = {f.process for f in report.findings}
    assert flagged == {"hidden (HiddenLayer)", "output (OutputLayer)"}
    placement = {leaf["name"]: leaf["placement"] for leaf in report.leaves}
    for name in ("gates", "ring", "kick", "x", "m_x", "drive"):
        assert placement[name] == "neurocores", name
