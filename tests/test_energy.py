# SPDX-License-Identifier: BSD-3-Clause
"""Operation counts (the Lava-free circuit and the Lava models agree) and the energy model."""

import json

import numpy as np
import pytest
from lava_testing import no_leftover_workers  # noqa: F401
from nbp_testing import lively_network, saturating_deep, saturating_network

import lava_backprop as lb
from lava_backprop.cli import main
from lava_backprop.energy import (
    LOIHI1,
    PAPER,
    count_inference,
    count_training,
    counts_from_spikes,
    estimate,
    fanout,
)
from lava_backprop.runtime import LavaCircuit
from lava_backprop.weights import check_stores

pytestmark = pytest.mark.timeout(300)


def lava_counts(kind, stores, X, T=None):
    circuit = LavaCircuit(kind, stores, "fixed_pt", capacity=25)
    try:
        circuit.run(X, T)
        return circuit.counters(), circuit.weights()
    finally:
        circuit.close()


@pytest.mark.parametrize(("make", "seed"), [(lively_network, 7), (saturating_network, 2)])
def test_lava_models_count_the_same_operations_as_the_circuit(make, seed):
    w1, w2, X, y = make(20, 12, 10, 40, seed)
    T = np.eye(10, dtype=np.uint8)[y]
    size, stores = check_stores([w1, w2])
    counted, final = count_training([w1, w2], X, T)
    (spikes, changes), weights = lava_counts("training", stores, X, T)
    with lb.make_engine("reference", w1, w2) as ref:  # the simulation trained by the rule
        ref.train(X, T)
        for key, value in ref.weights().items():
            np.testing.assert_array_equal(final[key], value)
            np.testing.assert_array_equal(weights[key], value)
    assert counts_from_spikes(spikes, changes, len(X), size, "train") == counted
    assert counted.weight_changes > 0
    if make is lively_network:  # seed 7: every population fires (tests/test_lava_circuit.py)
        assert all(counted.spikes[p] > 0 for p in counted.spikes)

    inference = count_inference([w1, w2], X)
    (spikes, changes), _ = lava_counts("inference", stores, X)
    assert counts_from_spikes(spikes, changes, len(X), size, "inference") == inference


def test_counts_of_a_deeper_network():
    weights, X, T = saturating_deep((24, 14, 12, 8), 30, 2)
    size, stores = check_stores(weights)
    counted, _ = count_training(weights, X, T)
    (spikes, changes), _ = lava_counts("training", stores, X, T)
    assert counts_from_spikes(spikes, changes, len(X), size, "train") == counted
    assert counted.steps == 23 * 30 and counted.spikes["gates"] == 23 * 30
    assert all(counted.spikes[p.name] > 0 for p in lb.schedule.training_schedule(2).populations)
    assert counted.weight_changes > 0 and counted.plastic_visits > 0
    fo = fanout(size)
    assert fo["h1"] == 1 + 3 * 12  # relay to m_h1, three W2 copies
    assert fo["h2"] == 1 + 3 * 8 + 14  # relay to m_h2, three W3 copies, P2 onto h1t
    assert fo["h2n"] == 14  # M2 onto h1t


def test_counts_by_hand():
    # One sample, 4-3-2: x = [1,1,1,1], a = [762, 0, 2], h = [1,0,0]; z = [100, 200], label 0:
    # o silent, d+ = [1, 0], d- = 0.
    w1 = np.array([[254, 254, 254, 0], [0, 0, 0, 0], [2, 0, 0, 0]])
    w2 = np.array([[100, 0, 0], [200, 0, 0]])
    counts, _ = count_training([w1, w2], np.ones((1, 4), dtype=int), np.array([[1, 0]]))
    s = counts.spikes
    assert s["x"] == 3 * 4 and s["m_x"] == 4 and s["t"] == 1 and s["d_pos"] == 1 and s["d_neg"] == 0
    assert s["o"] == 0 + 1 + 0  # forward: z = [100, 200] both silent; d+ replayed in phase 5
    fo = fanout(lb.NetworkSize(4, 3, 2))
    assert fo["x"] == 1 + 3 * 3  # relay to m_x, three W1 copies
    assert fo["h"] == 1 + 3 * 2  # relay to m_h, three W2 copies
    assert counts.synaptic_ops == round(sum(s[p] * fo[p] for p in s))
    assert counts.steps == 12 and counts.plastic_visits == 12 * (3 * 3 * 4 + 3 * 2 * 3 + 2 * 3 * 2)


def test_estimate_adds_up():
    w1, w2, X, y = lively_network(20, 12, 10, 10, 1)
    counts, _ = count_training([w1, w2], X, np.eye(10, dtype=int)[y])
    r = estimate(counts, LOIHI1, "train")
    assert r["energy_mj"] == pytest.approx(sum(r["breakdown_mj"].values()))
    assert r["latency_ms"] == pytest.approx(1.5)
    assert r["edp_mj_ms"] == pytest.approx(r["energy_mj"] * r["latency_ms"])


def test_paper_configuration_lands_within_2x(data_root, capsys):
    assert main(["energy", "--paper-config", "--data-dir", str(data_root), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    for mode in ("train", "inference"):
        ratio = report[mode]["energy_mj"] / PAPER[mode]["energy_mj"]
        assert 0.5 <= ratio <= 2, (mode, ratio)
        assert report[mode]["latency_ms"] == pytest.approx(PAPER[mode]["latency_ms"])
    assert "learning epoch" in report["assumptions"]


def test_energy_of_a_run_directory(tmp_path, data_root, capsys):
    from lava_backprop.training import train_run

    train_run(
        tmp_path,
        dataset="mnist20",
        epochs=1,
        samples=300,
        test_samples=100,
        hidden=20,
        data_dir=data_root,
        progress=False,
    )
    assert main(["energy", str(tmp_path), "--samples", "50", "--data-dir", str(data_root), "--model", "loihi2"]) == 0
    out = capsys.readouterr().out
    assert "train" in out and "inference" in out and "paper on Loihi 1" in out
    report = json.loads((tmp_path / "energy.json").read_text())
    assert report["train"]["model"] == "loihi2"
    assert (tmp_path / "plots" / "energy.png").read_bytes()[:4] == b"\x89PNG"
    assert main(["energy"]) == 2
    assert "either a run directory or --paper-config" in capsys.readouterr().err


def test_lava_engine_reports_its_counts():
    w1, w2, X, y = lively_network(20, 12, 10, 30, 7)
    with lb.make_engine("lava-fixed", w1, w2, chunk=16) as engine:
        with pytest.raises(lb.EngineError, match="not trained"):
            engine.op_counts()
        engine.train(X, y)
        counts = engine.op_counts()
    counted, _ = count_training([w1, w2], X, np.eye(10, dtype=int)[y])
    assert counts == counted
