# SPDX-License-Identifier: BSD-3-Clause
"""The circuit itself: the gating ring, and every population's spikes phase by phase."""

import numpy as np
import pytest
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.io.sink import RingBuffer
from lava_testing import no_leftover_workers  # noqa: F401
from nbp_testing import lively_network, reference_steps, saturating_deep

from lava_backprop.lava_engine import record_raster
from lava_backprop.procs.backprop_network.process import BackpropNetwork
from lava_backprop.procs.gating_chain.process import GatingChain
from lava_backprop.procs.hidden_layer.process import HiddenLayer
from lava_backprop.procs.output_layer.process import OutputLayer
from lava_backprop.schedule import training_schedule
from lava_backprop.simulation import simulate
from lava_backprop.weights import check_stores

TRAINING = training_schedule(1)

pytestmark = pytest.mark.timeout(180)


@pytest.mark.parametrize(("n_gates", "tag"), [(12, "fixed_pt"), (4, "floating_pt")])
def test_gating_chain_fires_one_gate_per_step(n_gates, tag):
    chain = GatingChain(n_gates=n_gates)
    sink = RingBuffer(shape=(n_gates,), buffer=30)
    chain.s_out.connect(sink.a_in)
    try:
        chain.run(condition=RunSteps(num_steps=30), run_cfg=Loihi2SimCfg(select_tag=tag))
        received = np.asarray(sink.data.get()).T  # row t: received in step t + 1, emitted in step t
    finally:
        chain.stop()
    # Step 0 is the kick (gate 0); then one gate per step around the ring.
    np.testing.assert_array_equal(received.sum(axis=1), np.ones(30))
    np.testing.assert_array_equal(received.argmax(axis=1), np.arange(30) % n_gates)


@pytest.fixture(scope="module", params=["fixed_pt", "floating_pt"])
def recorded(request):
    """Six samples of a 20-12-10 network, every population recorded.

    Seed 7 makes every population fire in every phase it may fire in.
    """
    w1, w2, X, y = lively_network(20, 12, 10, 6, 7)
    T = np.eye(10, dtype=np.uint8)[y]
    o, z, weights, raster = record_raster([w1, w2], X, T, tag=request.param)
    return {"w1": w1, "w2": w2, "X": X, "T": T, "o": o, "z": z, "raster": raster}


def test_raster_equals_the_lava_free_simulation(recorded):
    r = recorded
    _, stores = check_stores([r["w1"], r["w2"]])
    want = simulate(TRAINING, stores, r["X"], r["T"], raster=True).raster
    for pop in want:
        np.testing.assert_array_equal(r["raster"][pop], want[pop], err_msg=pop)


def test_deeper_circuit_spikes_step_by_step_like_the_lava_free_simulation():
    """Every population of every layer of a two-hidden-layer circuit, every step."""
    weights, X, T = saturating_deep([24, 14, 14, 8], 12, 5)
    o, z, _, raster = record_raster(weights, X, T)
    schedule = training_schedule(2)
    want = simulate(schedule, check_stores(weights)[1], X, T, raster=True)
    np.testing.assert_array_equal(o, want.o)
    np.testing.assert_array_equal(z, want.z)
    assert set(raster) == {p.name for p in schedule.populations}
    for pop, spikes in want.raster.items():
        np.testing.assert_array_equal(raster[pop], spikes, err_msg=pop)
    assert sum(int(s.sum()) for s in want.raster.values()) > 1000
    silent = {pop for pop, spikes in want.raster.items() if not spikes.any()}
    assert not silent, silent


def test_every_population_fires_only_in_its_phases(recorded):
    raster = recorded["raster"]
    start = TRAINING.step_of(0, 0)
    fired = set()
    for pop in TRAINING.populations:
        steps = np.flatnonzero(raster[pop.name].any(axis=1))
        assert (steps >= start).all(), f"{pop.label} fired during the warm-up"
        phases = set(((steps - start) % TRAINING.n_phases).tolist())
        assert phases <= set(TRAINING.active_phases[pop.name]), f"{pop.label} fired in phases {sorted(phases)}"
        fired |= {(pop.name, p) for p in phases}
    # The audited samples exercise every population in every one of its phases.
    expected = {(name, p) for name, phases in TRAINING.active_phases.items() for p in phases}
    assert fired == expected


def test_phases_carry_the_reference_vectors(recorded):
    r = recorded
    raster = r["raster"]
    steps = reference_steps(r["w1"], r["w2"], r["X"], r["T"])
    for k, v in enumerate(steps):
        x, t = r["X"][k].astype(bool), r["T"][k].astype(bool)
        checks = {
            ("x", 1): x,
            ("h", 2): v["h"],
            ("h_lo", 2): v["h_lo"],
            ("h_hi", 2): v["h_hi"],
            ("o", 3): v["o"],
            ("o_lo", 3): v["o_lo"],
            ("o_hi", 3): v["o_hi"],
            ("t", 3): t,
            ("m_h", 3): v["h"],
            ("d_pos", 4): v["d_pos"],
            ("d_neg", 4): v["d_neg"],
            ("h", 5): v["h"],
            ("h1t", 5): v["h"],
            ("o", 5): v["d_pos"],
            ("ot", 5): v["d_neg"],
            ("m_x", 6): x,
            ("c_h", 6): v["b_h"],
            ("x", 7): x,
            ("h", 7): v["d1_pos"],
            ("h_lo", 7): v["d1_pos"],
            ("h_hi", 7): v["d1_pos"],
            ("h", 9): v["h"],
            ("h1t", 9): v["h"],
            ("o", 9): v["d_neg"],
            ("ot", 9): v["d_pos"],
            ("x", 11): x,
            ("h", 11): v["d1_neg"],
            ("h_lo", 11): v["d1_neg"],
            ("h_hi", 11): v["d1_neg"],
        }
        for (pop, phase), want in checks.items():
            got = raster[pop][TRAINING.step_of(k, phase)]
            np.testing.assert_array_equal(got, want, err_msg=f"sample {k}: {pop} in phase {phase}")
        np.testing.assert_array_equal(r["o"][k], v["o"])
        np.testing.assert_array_equal(r["z"][k], v["z"])
    # The samples are not trivial: every error signal occurs.
    for key in ("d_pos", "d_neg", "d1_pos", "d1_neg"):
        assert any(v[key].any() for v in steps), key


def test_processes_reject_bad_arguments(tmp_path):
    w = np.zeros((3, 2), dtype=int)
    sizes = (2, 3, 2)
    with pytest.raises(ValueError, match="n_gates"):
        GatingChain(n_gates=1)
    with pytest.raises(ValueError, match="unknown schedule"):
        HiddenLayer(sizes=sizes, schedule="nope", index=1, w=w)
    with pytest.raises(ValueError, match="has 2 hidden layer"):
        HiddenLayer(sizes=sizes, schedule="training-2", index=1, w=w)
    with pytest.raises(ValueError, match="index 2 is not a hidden layer"):
        HiddenLayer(sizes=sizes, schedule="training-1", index=2, w=w)
    with pytest.raises(ValueError, match="w1 must have shape"):
        HiddenLayer(sizes=(2, 4, 2), schedule="training-1", index=1, w=w)
    with pytest.raises(ValueError, match="capacity"):
        OutputLayer(sizes=(2, 2, 3), schedule="training-1", index=2, w=w, capacity=0)
    with pytest.raises(ValueError, match="w1 has weights outside"):
        BackpropNetwork(weights=[w + 300, np.zeros((2, 3), dtype=int)], buffer_path=str(tmp_path / "b"), capacity=1)
    with pytest.raises(ValueError, match="at least one hidden layer"):
        BackpropNetwork(weights=[np.zeros((2, 3), dtype=int)], buffer_path=str(tmp_path / "b"), capacity=1)
