# SPDX-License-Identifier: BSD-3-Clause
"""The circuit's data and per-step dynamics, without Lava."""

import numpy as np
import pytest
from nbp_testing import assert_trains_like_reference, lively_network, saturating_network

import lava_backprop as lb
from lava_backprop.circuit import FIXED, FLOAT, CircuitError, chain_step, kick, simulate
from lava_backprop.params import mantissa_exponent
from lava_backprop.reference import forward
from lava_backprop.schedule import INFERENCE, TRAINING, TRAINING_PARITY, insert_idle_phases


def stores_of(w1, w2):
    return {"w1": w1.copy(), "w2": w2.copy(), "w2t_pos": w2.T.copy(), "w2t_neg": np.clip(-w2.T, -256, 254)}


def test_step_accounting():
    assert TRAINING.steps(5) == 12 * 5 + 13
    assert TRAINING.steps(5, first=False) == 60
    assert TRAINING.step_of(0, 0) == 13 and TRAINING.step_of(2, 7) == 13 + 24 + 7
    assert INFERENCE.steps(3) == 4 * 3 + 5


def test_gate_weights_give_the_published_thresholds():
    c = lb.CIRCUIT
    assert c.fires_above(TRAINING.gate_weights("h")[2]) == 512
    assert c.fires_above(TRAINING.gate_weights("h_lo")[2]) == 0
    assert c.fires_above(TRAINING.gate_weights("h_hi")[2]) == 1024
    assert c.fires_above(TRAINING.gate_weights("h1t")[6]) == 0
    assert c.fires_above(TRAINING.gate_weights("h1t")[4]) == 17344  # the guard: 9216 + 8128
    # One relay spike opens a gated population; alone it does not.
    assert c.relay > c.fires_above(c.gate) and c.relay <= c.fires_above(0)


def test_chain_moves_one_gate_per_step():
    s = kick(12)
    seen = []
    for _ in range(25):
        s = chain_step(s, FIXED)
        seen.append(int(np.flatnonzero(s)[0]))
        assert s.sum() == 1
    assert seen == [(t + 1) % 12 for t in range(25)]


@pytest.mark.parametrize("arith", [FIXED, FLOAT], ids=lambda a: a.tag)
@pytest.mark.parametrize(("n_in", "n_hid", "n_out", "seed"), [(20, 12, 10, 0), (60, 40, 10, 1), (100, 50, 10, 2)])
def test_simulation_equals_reference(arith, n_in, n_hid, n_out, seed):
    w1, w2, X, y = saturating_network(n_in, n_hid, n_out, 150, seed)
    T = np.eye(n_out, dtype=np.uint8)[y]
    stores = stores_of(w1, w2)
    o, z = simulate(TRAINING, stores, X, T, arith)
    assert_trains_like_reference(w1, w2, X, T, o, z, stores)


@pytest.mark.parametrize(("n_in", "n_hid", "n_out", "seed"), [(20, 12, 10, 0), (60, 40, 10, 1)])
def test_parity_schedule_trains_exactly_like_the_paper_schedule(n_in, n_hid, n_out, seed):
    w1, w2, X, y = saturating_network(n_in, n_hid, n_out, 150, seed)
    T = np.eye(n_out, dtype=np.uint8)[y]
    stores = stores_of(w1, w2)
    o, z = simulate(TRAINING_PARITY, stores, X, T)
    assert_trains_like_reference(w1, w2, X, T, o, z, stores)


def test_parity_schedule_separates_the_signs_by_step_parity():
    s = TRAINING_PARITY
    assert s.n_phases == 14 and s.n_phases % 2 == 0
    depression = [10, 12]
    assert [s.phase_notes[p] for p in (*s.potentiation_gates, *depression)] == ["W2 +", "W1 +", "W2 −", "W1 −"]
    up = {s.step_of(k, p) % 2 for k in range(3) for p in s.potentiation_gates}
    down = {s.step_of(k, p) % 2 for k in range(3) for p in depression}
    assert len(up) == len(down) == 1 and up != down
    assert len({TRAINING.step_of(0, p) % 2 for p in (5, 7, 9, 11)}) == 1  # why the paper ring cannot
    # relays stretch over the idle phases: m_h (phase 3) still replays h into 5 and 10
    assert {r.delay for r in s.relays if (r.src, r.dst) == ("m_h", "h")} == {1, 6}
    assert s.gates[9] == () and s.gates[13] == s.gates[0]
    assert s.steps(2) == 14 * 2 + 15


def test_idle_phases_refuse_unknown_phases():
    with pytest.raises(ValueError, match="after must name phases"):
        insert_idle_phases(TRAINING, after=(12,), name="bad")


def test_inference_simulation_equals_forward_pass():
    w1, w2, X, _ = lively_network(30, 20, 10, 50, 3)
    o, z = simulate(INFERENCE, {"w1": w1, "w2": w2}, X)
    o_ref, z_ref = forward(X, w1, w2)
    np.testing.assert_array_equal(o, o_ref)
    np.testing.assert_array_equal(z, z_ref)


def test_overdriven_closed_population_is_an_error():
    # 40 active inputs at +254 give a = 10160 > 9216: the replay of x in
    # phase 11 drives h in the closed phase 0, which the circuit must refuse.
    w1 = np.full((3, 40), 254)
    w2 = np.full((2, 3), -100)
    X = np.ones((2, 40), dtype=np.uint8)
    with pytest.raises(CircuitError, match="h fired in phase 0.*exceeded 9216"):
        simulate(TRAINING, stores_of(w1, w2), X, np.eye(2, dtype=np.uint8))


def test_every_fixed_weight_is_an_8_bit_mantissa_times_a_power_of_two():
    weights = {r.weight for r in TRAINING.relays}
    weights |= {w for targets in TRAINING.gates.values() for _, w in targets}
    weights |= {lb.CIRCUIT.chain, lb.CIRCUIT.relay}
    for w in weights:
        mant, exp = mantissa_exponent(w)
        assert mant * 2**exp == w and abs(mant) <= 255 and 0 <= exp <= 7
    assert mantissa_exponent(520) == (130, 2)
    assert mantissa_exponent(9280) == (145, 6)
    assert mantissa_exponent(-8128) == (-254, 5)
    with pytest.raises(ValueError, match="not an 8-bit mantissa"):
        mantissa_exponent(521)
    with pytest.raises(ValueError):
        FIXED.weight(255 * 2**7 + 2)
    assert FLOAT.weight(521) == 521


def test_raster_plot_is_written(tmp_path):
    from lava_backprop.plotting import plot_raster

    w1, w2, X, y = lively_network(20, 12, 10, 2, 7)
    _, _, raster = simulate(TRAINING, stores_of(w1, w2), X, np.eye(10, dtype=np.uint8)[y], raster=True)
    plot_raster(raster, TRAINING, tmp_path / "raster.png", first_sample=0, n_samples=2)
    assert (tmp_path / "raster.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError):
        plot_raster(raster, TRAINING, tmp_path / "bad.png", first_sample=5, n_samples=1)
