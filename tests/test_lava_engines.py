# SPDX-License-Identifier: BSD-3-Clause
"""The Lava engines against the rule, bit for bit, for one to three hidden layers."""

import glob
import os

import numpy as np
import pytest
from lava_testing import no_leftover_workers  # noqa: F401
from nbp_testing import (
    assert_equals_transcription,
    assert_trains_like_reference,
    saturating_deep,
    saturating_network,
    transcription,
)

import lava_backprop as lb
from lava_backprop.errors import EngineError
from lava_backprop.weights import check_stores

pytestmark = pytest.mark.timeout(180)

CASES = [(20, 12, 10, 0), (20, 12, 10, 1), (30, 16, 10, 2), (24, 8, 4, 3)]


@pytest.mark.parametrize(("n_in", "n_hid", "n_out", "seed"), CASES)
def test_lava_fixed_equals_reference(n_in, n_hid, n_out, seed):
    w1, w2, X, y = saturating_network(n_in, n_hid, n_out, 120, seed)
    # Chunks of 50 samples: runs resume mid-stream, three buffer fills.
    with lb.make_engine("lava-fixed", w1, w2, chunk=50) as engine:
        o, z = engine.train(X, y)
        w = engine.weights()
    w_ref = assert_trains_like_reference([w1, w2], X, y, o, z, w)
    assert sum(int(((v == -256) | (v == 254)).sum()) for v in w_ref.values()) > 0  # saturation happened


@pytest.mark.parametrize(
    ("engine", "sizes", "seed"),
    [
        ("lava-fixed", (24, 14, 14, 8), 1),
        ("lava-float", (24, 14, 14, 8), 2),
        ("lava-fixed", (24, 14, 12, 10, 8), 6),
    ],
)
def test_deeper_networks_in_lava_equal_the_transcription(engine, sizes, seed):
    """Two and three hidden layers, in three runs of the circuit, every store saturating at both ends."""
    weights, X, T = saturating_deep(sizes, 60, seed)
    want = transcription(weights, X, T)
    assert all(c["lo"] > 0 and c["hi"] > 0 for c in want[3].values()), want[3]
    with lb.make_engine(engine, weights, chunk=25) as lava:
        o, z = lava.train(X, T)
        got = lava.weights()
        # chain, source, one process per layer
        assert lava.leaf_processes() == lava.leaf_processes("inference") == len(sizes) + 2
        o_pred, z_pred = lava.predict(X)
    assert_equals_transcription(got, o, z, want)
    with lb.make_engine("reference", got) as ref:
        for a, b in zip((o_pred, z_pred), ref.predict(X), strict=True):
            np.testing.assert_array_equal(a, b)


def test_lava_float_equals_lava_fixed():
    w1, w2, X, y = saturating_network(20, 12, 10, 100, 4)
    results = {}
    for name in ("lava-fixed", "lava-float"):
        with lb.make_engine(name, w1, w2, chunk=64) as engine:
            o, z = engine.train(X, y)
            results[name] = (o, z, engine.weights(), *engine.predict(X))
    fixed, float_ = results["lava-fixed"], results["lava-float"]
    for a, b in zip(fixed[:2] + fixed[3:], float_[:2] + float_[3:], strict=True):
        np.testing.assert_array_equal(a, b)
    for key in fixed[2]:
        np.testing.assert_array_equal(fixed[2][key], float_[2][key])


def test_train_predict_train_continues_the_same_run():
    """Training, then predicting, then training again equals one reference history."""
    w1, w2, X, y = saturating_network(20, 12, 10, 90, 5)
    with lb.make_engine("reference", w1, w2) as ref, lb.make_engine("lava-fixed", w1, w2, chunk=40) as lava:
        for part in (slice(0, 50), slice(50, 90)):
            np.testing.assert_array_equal(lava.train(X[part], y[part])[0], ref.train(X[part], y[part])[0])
            for got, want in zip(lava.predict(X), ref.predict(X), strict=True):
                np.testing.assert_array_equal(got, want)
        for key, value in ref.weights().items():
            np.testing.assert_array_equal(lava.weights()[key], value)


def test_training_calls_in_a_row_read_no_weights(monkeypatch):
    """The training circuit keeps its weights: successive train calls read them from Lava only when asked."""
    from lava_backprop.runtime import LavaCircuit

    reads = []
    read = LavaCircuit.weights
    monkeypatch.setattr(LavaCircuit, "weights", lambda self: reads.append(self.kind) or read(self))
    w1, w2, X, y = saturating_network(20, 12, 10, 60, 7)
    with lb.make_engine("reference", w1, w2) as ref, lb.make_engine("lava-fixed", w1, w2, chunk=20) as lava:
        for part in (slice(0, 20), slice(20, 40), slice(40, 60)):
            np.testing.assert_array_equal(lava.train(X[part], y[part])[1], ref.train(X[part], y[part])[1])
        assert reads == []
        for key, value in ref.weights().items():
            np.testing.assert_array_equal(lava.weights()[key], value)
        lava.weights()
        assert reads == ["training"]  # read once, then kept until the circuit trains again


@pytest.mark.parametrize("engine", ["lava-fixed", "lava-float"])
def test_inference_network_equals_forward_pass(engine):
    rng = np.random.default_rng(6)
    w1, w2 = lb.glorot_init(lb.NetworkSize(30, 20, 10), seed=rng)
    X = (rng.random((130, 30)) < 0.4).astype(np.uint8)
    with lb.make_engine(engine, w1, w2, predict_chunk=60) as lava, lb.make_engine("reference", w1, w2) as ref:
        o, z = lava.predict(X)
        o_ref, z_ref = ref.predict(X)
    np.testing.assert_array_equal(o, o_ref)
    np.testing.assert_array_equal(z, z_ref)
    assert o.any() and (~o.astype(bool)).any()


@pytest.mark.parametrize("name", ["lava-fixed", "loihi2-sim"])
def test_error_inside_a_model_surfaces_and_stops_everything(name):
    w1, w2, X, y = saturating_network(20, 12, 10, 10, 7)
    engine = lb.make_engine(name, w1, w2, chunk=10)
    circuit = engine._circuit("training")
    os.unlink(circuit.path)  # the sample source cannot open its buffer
    with pytest.raises(
        EngineError, match=r"process 'source' \(PySampleSourceModelFixed\) failed at time step 1"
    ) as info:
        engine.train(X, y)
    assert "FileNotFoundError" in str(info.value) and "Traceback" in str(info.value)
    with pytest.raises(EngineError, match="closed"):
        engine.train(X, y)
    engine.close()


def test_close_removes_sample_buffers():
    w1, w2, X, y = saturating_network(20, 12, 10, 5, 8)
    with lb.make_engine("lava-fixed", w1, w2, chunk=10) as engine:
        engine.train(X, y)
        engine.predict(X)
        paths = [c.path for c in engine._circuits]
        assert len(paths) == 2 and all(os.path.exists(p) for p in paths)
    assert not any(os.path.exists(p) for p in paths)


def test_bad_options():
    w1, w2, _, _ = saturating_network(20, 12, 10, 5, 8)
    with pytest.raises(ValueError, match="chunk"):
        lb.make_engine("lava-fixed", w1, w2, chunk=0)
    with pytest.raises(lb.WeightError):
        lb.make_engine("lava-fixed", w1 + 1, w2)
    assert not glob.glob("/dev/shm/lava_backprop_*")


def test_a_script_that_forgets_close_still_exits(tmp_path):
    """The engine stops its runtime at interpreter exit, before multiprocessing joins the workers."""
    import subprocess
    import sys
    from pathlib import Path

    script = tmp_path / "forgetful.py"
    script.write_text(
        "import numpy as np, lava_backprop as lb\n"
        "weights = lb.glorot_init(lb.NetworkSize(20, 12, 10), seed=0)\n"
        "engine = lb.make_engine('lava-fixed', weights)\n"
        "engine.train(np.ones((3, 20), dtype=int), np.zeros(3, dtype=int))\n"
        "print(engine._circuits[0].path)\n"
    )
    result = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=120)
    assert result.returncode == 0, result.stderr
    assert not Path(result.stdout.strip()).exists()


def test_closing_a_network_that_never_ran_does_not_hang():
    """Lava's own stop() waits forever on a runtime that never ran; close() must not."""
    w1, w2, _, _ = saturating_network(20, 12, 10, 5, 8)
    engine = lb.make_engine("lava-fixed", w1, w2, chunk=10)
    circuit = engine._circuit("training")
    assert not circuit.ran
    engine.close()
    assert not circuit.alive and not os.path.exists(circuit.path)


def test_population_read_out_trains_in_lava_like_the_reference():
    """Three classes of four output neurons: the Lava circuit learns the repeated targets bit for bit."""
    rng = np.random.default_rng(9)
    weights = lb.glorot_init(lb.NetworkSize(20, 12, 12), seed=rng)
    X = (rng.random((60, 20)) < 0.3).astype(np.uint8)
    y = rng.integers(0, 3, 60)
    with (
        lb.make_engine("reference", weights, per_class=4) as ref,
        lb.make_engine("lava-fixed", weights, per_class=4, chunk=30) as lava,
    ):
        for got, want in zip(lava.train(X, y), ref.train(X, y), strict=True):
            np.testing.assert_array_equal(got, want)
        start = check_stores(weights)[1]
        changed = 0
        for key, value in ref.weights().items():
            np.testing.assert_array_equal(lava.weights()[key], value)
            changed += int((value != start[key]).sum())
    assert changed > 0


@pytest.mark.timeout(300)
def test_the_wide_mnist28_configuration_trains_in_lava_like_the_reference(data_root):
    """configs/mnist28-2400.toml (the best MNIST network), on its first 200 training samples: the circuit equals
    the rule, which the checked reference engine (the configuration's) agrees it trains exactly."""
    from pathlib import Path

    from lava_backprop.config import read_run_config
    from lava_backprop.data import load_dataset

    config = read_run_config(Path(__file__).resolve().parents[1] / "configs" / "mnist28-2400.toml")
    train = load_dataset(config["dataset"], "train", data_root)
    per_class = config.get("per_class", 1)
    size = lb.NetworkSize(train.n_inputs, *config["hidden"], train.n_classes * per_class)
    weights = lb.glorot_init(size, seed=config.get("seed", 0), scale=config.get("init_scale", 1.0))
    X, y = train.X[:200], train.labels[:200]
    assert config["check_circuit"]
    with (
        lb.make_engine("reference", weights, per_class=per_class, check_circuit=True) as ref,
        lb.make_engine("lava-fixed", weights, per_class=per_class, chunk=100) as lava,
    ):
        for got, want in zip(lava.train(X, y), ref.train(X, y), strict=True):
            np.testing.assert_array_equal(got, want)
        for key, value in ref.weights().items():
            np.testing.assert_array_equal(lava.weights()[key], value, err_msg=key)
