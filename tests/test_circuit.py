# SPDX-License-Identifier: BSD-3-Clause
"""The circuit's data and per-step dynamics, without Lava."""

import numpy as np
import pytest
from nbp_testing import (
    assert_equals_transcription,
    lively_network,
    saturating_deep,
    saturating_network,
    transcription,
)

import lava_backprop as lb
from lava_backprop.circuit import FIXED, FLOAT, GroupCore, chain_step, kick
from lava_backprop.errors import CircuitError
from lava_backprop.params import mantissa_exponent
from lava_backprop.reference import forward
from lava_backprop.schedule import inference_schedule, training_schedule
from lava_backprop.simulation import simulate
from lava_backprop.weights import check_stores

TRAINING, INFERENCE = training_schedule(1), inference_schedule(1)


def stores_of(*weights):
    return check_stores(list(weights))[1]


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
def test_simulation_of_one_hidden_layer_equals_the_rule(arith, n_in, n_hid, n_out, seed):
    w1, w2, X, y = saturating_network(n_in, n_hid, n_out, 150, seed)
    T = np.eye(n_out, dtype=np.uint8)[y]
    stores = stores_of(w1, w2)
    trace = simulate(TRAINING, stores, X, T, arith)
    assert_equals_transcription(stores, trace.o, trace.z, transcription([w1, w2], X, T))


@pytest.mark.parametrize("parity", [False, True])
@pytest.mark.parametrize(("sizes", "seed"), [((20, 12, 10), 0), ((24, 14, 14, 8), 1), ((24, 14, 12, 10, 8), 6)])
def test_every_ring_trains_exactly_like_the_rule(sizes, seed, parity):
    """The plain and the parity ring of one to three hidden layers, updates saturating at both ends."""
    weights, X, T = saturating_deep(sizes, 60, seed)
    want = transcription(weights, X, T)
    assert all(c["lo"] > 0 and c["hi"] > 0 for c in want[3].values()), want[3]
    stores = stores_of(*weights)
    trace = simulate(training_schedule(len(sizes) - 2, parity), stores, X, T)
    assert_equals_transcription(stores, trace.o, trace.z, want)


@pytest.mark.parametrize("sizes", [(30, 20, 10), (30, 20, 16, 10)])
def test_inference_simulation_equals_forward_pass(sizes):
    weights, X, _ = saturating_deep(sizes, 50, 3)
    trace = simulate(inference_schedule(len(sizes) - 2), stores_of(*weights), X)
    o_ref, z_ref = forward(X, weights)
    np.testing.assert_array_equal(trace.o, o_ref)
    np.testing.assert_array_equal(trace.z, z_ref)
    assert trace.o.any() and not trace.o.all()


def test_overdriven_closed_population_is_an_error():
    # 70 active inputs at +254 give a = 17780 > 17344: the replay of x in phase 7
    # drives h through its guard in phase 8, which the circuit must refuse.
    w1 = np.full((3, 70), 254)
    w2 = np.full((2, 3), -100)
    X = np.ones((2, 70), dtype=np.uint8)
    with pytest.raises(CircuitError, match="h fired in phase 8.*exceeded 17344"):
        simulate(TRAINING, stores_of(w1, w2), X, np.eye(2, dtype=np.uint8))


def hidden_core(n):
    """The hidden layer of an n-n-10 training circuit, its stores, and all of its inputs spiking."""
    w1, w2 = lb.glorot_init(lb.NetworkSize(n, n, 10), seed=0)
    stores = stores_of(w1, w2)
    core = GroupCore(TRAINING, "hidden", lb.NetworkSize(n, n, 10).layers, FIXED)
    ext = {name: np.ones(n if name in ("x", "h") else 10, dtype=np.int32) for name in core.inputs}
    return core, stores, ext


def test_copies_of_a_store_that_would_diverge_are_an_error():
    core, stores, ext = hidden_core(12)
    copies = [p for g in core.plastic for p in g.posts if len(g.posts) > 1]
    core.last(copies[0])[3] = True  # the first copy's post fired in the previous step, the others not
    gates = np.zeros(TRAINING.n_phases, dtype=np.int32)
    with pytest.raises(CircuitError, match=f"{copies[1]} and {copies[0]} fired differently.*would diverge"):
        core.step(gates, ext, stores)


def test_a_layer_step_allocates_no_arrays():
    """Every buffer of a 12 000-neuron layer is the core's own: a step's peak memory stays far below one such array.

    (A temporary the width of the layer takes at least 12 000 bytes; the
    Python objects of a call take a few thousand.)
    """
    import tracemalloc

    core, stores, ext = hidden_core(2000)
    gates = np.zeros(TRAINING.n_phases, dtype=np.int32)  # closed: every pre fires, no population may
    core.advance(gates, ext, stores)  # loads the compiled step
    tracemalloc.start()
    try:
        before = tracemalloc.get_traced_memory()[0]
        for _ in range(20):
            spikes = core.advance(gates, ext, stores)
        grown = tracemalloc.get_traced_memory()[1] - before
    finally:
        tracemalloc.stop()
    assert spikes.size == 12_000 and not spikes.any()
    assert all(np.array_equal(core.syn[g.store], stores[g.store].sum(axis=1)) for g in core.plastic)
    assert grown < 8000, f"a step allocated {grown} bytes"


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
    raster = simulate(TRAINING, stores_of(w1, w2), X, np.eye(10, dtype=np.uint8)[y], raster=True).raster
    plot_raster(raster, TRAINING, tmp_path / "raster.png", first_sample=0, n_samples=2)
    assert (tmp_path / "raster.png").read_bytes()[:4] == b"\x89PNG"
    with pytest.raises(ValueError):
        plot_raster(raster, TRAINING, tmp_path / "bad.png", first_sample=5, n_samples=1)


def test_a_hidden_layer_too_wide_for_the_circuit_is_refused(data_root):
    """784-3200-10 on 28x28 MNIST: o's input passes what a closed o tolerates within 200 samples, so the
    circuit refuses it (the reference engine trains it, to 98 %, but no spiking circuit of this design would)."""
    from lava_backprop.data import load_dataset

    train = load_dataset("mnist28", "train", data_root)
    stores = stores_of(*lb.glorot_init(lb.NetworkSize(784, 3200, 10), seed=0))
    with pytest.raises(CircuitError, match="o fired in phase 8.*exceeded 17344"):
        simulate(TRAINING, stores, train.X[:200], train.T[:200])
