# SPDX-License-Identifier: BSD-3-Clause
"""The gating schedule for any number of hidden layers, run without Lava against the deep rule."""

import numpy as np
import pytest
from lava_testing import no_leftover_workers  # noqa: F401
from nbp_testing import EDGES

import lava_backprop.deep as deep_module
from lava_backprop.circuit import simulate
from lava_backprop.deep import DeepNetwork
from lava_backprop.deep_schedule import layer_names, training_schedule
from lava_backprop.hw import LIMITS
from lava_backprop.schedule import SCHEDULES, TRAINING


def canonical(s):
    """A schedule with the order of gate targets and relays left out."""
    return {
        "name": s.name,
        "n_phases": s.n_phases,
        "populations": s.populations,
        "gates": {g: sorted(t) for g, t in s.gates.items()},
        "relays": set(s.relays),
        "plastic": s.plastic,
        "drives": s.drives,
        "potentiation_gates": s.potentiation_gates,
        "record_gate": s.record_gate,
        "active_phases": {k: tuple(v) for k, v in s.active_phases.items()},
        "phase_notes": s.phase_notes,
    }


def test_one_hidden_layer_rebuilds_the_paper_ring():
    assert canonical(training_schedule(1)) == canonical(TRAINING)


def stores_of(ws):
    stores = {f"w{i}": np.array(w) for i, w in enumerate(ws, start=1)}
    for i in range(2, len(ws) + 1):
        stores[f"w{i}t_pos"] = np.array(ws[i - 1]).T.copy()
        stores[f"w{i}t_neg"] = np.clip(-np.array(ws[i - 1]).T, -256, 254)
    return stores


def saturating_deep(sizes, n, seed):
    """Weights biased upwards with a third of them at the ends of the range, and a
    few repeated patterns: units fire, errors occur, updates keep hitting both ends."""
    rng = np.random.default_rng(seed)
    ws = []
    for a, b in zip(sizes[:-1], sizes[1:], strict=True):
        w = rng.integers(-40, 128, size=(b, a)) * 2
        ws.append(np.where(rng.random((b, a)) < 0.3, rng.choice(EDGES, size=(b, a)), w))
    patterns = (rng.random((6, sizes[0])) < 0.3).astype(np.uint8)
    labels = rng.integers(0, sizes[-1], 6)
    pick = rng.integers(0, 6, n)
    X = patterns[pick] ^ (rng.random((n, sizes[0])) < 0.05).astype(np.uint8)
    return ws, X, np.eye(sizes[-1], dtype=np.uint8)[labels[pick]]


@pytest.mark.parametrize(("n_hidden", "seed"), [(2, 0), (2, 1), (3, 2)])
def test_deeper_circuit_trains_exactly_like_the_deep_rule(n_hidden, seed, monkeypatch):
    sizes = [24, *[14] * n_hidden, 8]
    ws, X, T = saturating_deep(sizes, 200, seed)
    clipped = {"top": 0, "bottom": 0}
    bump = deep_module.bump

    def counting_bump(w, rows, cols, step, *args):
        if len(rows) and len(cols):
            block = w[np.ix_(rows, cols)] + step
            clipped["top"] += int((block > 254).sum())
            clipped["bottom"] += int((block < -256).sum())
        bump(w, rows, cols, step, *args)

    monkeypatch.setattr(deep_module, "bump", counting_bump)
    net = DeepNetwork(ws)
    o_ref, z_ref = net.train(X, T)
    assert clipped["top"] > 0 and clipped["bottom"] > 0, clipped
    want = net.weights()
    stores = stores_of(ws)
    o, z = simulate(training_schedule(n_hidden), stores, X, T)
    np.testing.assert_array_equal(o, o_ref)
    np.testing.assert_array_equal(z, z_ref)
    for i in range(1, n_hidden + 2):
        np.testing.assert_array_equal(stores[f"w{i}"], want[f"W{i}"], err_msg=f"W{i}")
        assert not np.array_equal(stores[f"w{i}"], ws[i - 1])
    for i in range(2, n_hidden + 2):
        np.testing.assert_array_equal(stores[f"w{i}t_pos"], want[f"P{i}"], err_msg=f"P{i}")
        np.testing.assert_array_equal(stores[f"w{i}t_neg"], want[f"M{i}"], err_msg=f"M{i}")


@pytest.mark.parametrize(("n_hidden", "n_phases"), [(2, 23), (3, 32)])
def test_deeper_schedules_fit_loihi(n_hidden, n_phases):
    s = training_schedule(n_hidden)
    assert s.n_phases == n_phases
    assert all(0 <= r.delay <= LIMITS["delay"] for r in s.relays)
    assert [s.phase_notes[p] for p in s.potentiation_gates] == [f"W{i} +" for i in range(n_hidden + 1, 0, -1)]
    assert {p.layer for p in s.populations} == set(layer_names(n_hidden))
    assert SCHEDULES[s.name] == s  # resolved by name, as the processes receive it


def test_bad_depth():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="n_hidden"):
            training_schedule(bad)
    with pytest.raises(KeyError):
        SCHEDULES["training-x"]


@pytest.mark.timeout(300)
@pytest.mark.parametrize(("n_hidden", "tag"), [(1, "fixed_pt"), (2, "fixed_pt"), (3, "fixed_pt"), (2, "floating_pt")])
def test_deeper_circuit_in_lava_trains_exactly_like_the_deep_rule(n_hidden, tag):
    from lava_backprop.lava_engine import DeepLavaNetwork

    ws, X, T = saturating_deep([24, *[14] * n_hidden, 8], 60, n_hidden)
    net = DeepNetwork(ws)
    o_ref, z_ref = net.train(X, T)
    want = net.weights()
    with DeepLavaNetwork(ws, tag=tag, chunk=25) as lava:  # three runs of the circuit
        assert lava.leaf_processes == n_hidden + 4  # chain, source, input, hidden layers, output
        o, z = lava.train(X, T)
        got = lava.weights()
    np.testing.assert_array_equal(o, o_ref)
    np.testing.assert_array_equal(z, z_ref)
    assert set(got) == set(want)
    for key in want:
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)


def test_deep_lava_network_rejects_bad_input():
    from lava_backprop.errors import ShapeError, SpikeError
    from lava_backprop.lava_engine import DeepLavaNetwork

    ws, X, T = saturating_deep([24, 14, 14, 8], 4, 0)
    with pytest.raises(ShapeError):
        DeepLavaNetwork([ws[0], ws[2], ws[1]])
    with DeepLavaNetwork(ws, chunk=4) as lava:
        with pytest.raises(SpikeError):
            lava.train(X * 2, T)
        with pytest.raises(ShapeError):
            lava.train(X[:, :10], T)


@pytest.mark.timeout(300)
def test_deeper_circuit_in_lava_spikes_phase_by_phase_like_the_simulation(tmp_path):
    """Every population of every layer, every step: Lava equals the Lava-free circuit."""
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink

    from lava_backprop.procs.deep_network.process import DeepBackpropNetwork

    ws, X, T = saturating_deep([24, 14, 14, 8], 12, 5)
    schedule = training_schedule(2)
    _, _, expected = simulate(schedule, stores_of(ws), X, T, raster=True)
    buffer = np.memmap(tmp_path / "samples", dtype=np.uint8, mode="w+", shape=(len(X), 32))
    buffer[:, :24], buffer[:, 24:] = X, T
    buffer.flush()
    net = DeepBackpropNetwork(weights=ws, buffer_path=str(tmp_path / "samples"), capacity=len(X))
    steps = schedule.steps(len(X))
    sinks = {}
    for layer in layer_names(2):
        port = getattr(net, f"s_out_{layer}")
        sinks[layer] = Sink(shape=port.shape, buffer=steps + 1)
        port.connect(sinks[layer].a_in)
    try:
        net.run(condition=RunSteps(num_steps=steps + 1), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        got = {layer: np.asarray(sink.data.get()).T.astype(bool) for layer, sink in sinks.items()}
    finally:
        net.stop()
    fired = 0
    for layer in layer_names(2):
        # a sink receives in step t + 1 what the layer emitted in step t: row t
        want = np.concatenate([expected[p.name] for p in schedule.layer_populations(layer)], axis=1)
        np.testing.assert_array_equal(got[layer][: steps + 1], want, err_msg=layer)
        fired += int(want.sum())
    assert fired > 1000
