# SPDX-License-Identifier: BSD-3-Clause
"""The reference engines (compiled and dense) against a transcription of docs/ALGORITHM.md §3, any depth."""

import os
import subprocess
import sys

import numpy as np
import pytest
from nbp_testing import (
    assert_equals_transcription,
    forward_pass,
    saturating_deep,
    saturating_network,
    transcription,
)

import lava_backprop as lb

LO, HI = -256, 254


def check_engine(engine_name, weights, X, T, transposed=None):
    """Train the engine and the transcription alike; assert identical results; return the clip counts."""
    want = transcription(weights, X, T, transposed)
    with lb.make_engine(engine_name, weights, transposed) as engine:
        o, z = engine.train(X, T)
        got = engine.weights()
    assert_equals_transcription(got, o, z, want)
    return want[3]


def assert_saturated_everywhere(clipped):
    for store, hits in clipped.items():
        assert hits["lo"] > 0 and hits["hi"] > 0, f"{store} did not saturate at both ends: {hits}"


ONE_HIDDEN = [(60, 40, 10, seed) for seed in (0, 1, 2)] + [(100, 50, 10, seed) for seed in (3, 4)]
DEEP = [((24, 14, 14, 8), 1), ((30, 20, 16, 10), 2), ((24, 16, 12, 10, 8), 3), ((20, 12, 12, 12, 6), 6)]


@pytest.mark.parametrize("engine_name", ["reference", "dense"])
@pytest.mark.parametrize(("n_in", "n_hid", "n_out", "seed"), ONE_HIDDEN)
def test_one_hidden_layer_matches_transcription(engine_name, n_in, n_hid, n_out, seed):
    w1, w2, X, labels = saturating_network(n_in, n_hid, n_out, 320, seed)
    T = np.eye(n_out, dtype=np.uint8)[labels]
    assert_saturated_everywhere(check_engine(engine_name, [w1, w2], X, T))


@pytest.mark.parametrize("engine_name", ["reference", "dense"])
@pytest.mark.parametrize(("sizes", "seed"), DEEP)
def test_deeper_networks_match_transcription(engine_name, sizes, seed):
    weights, X, T = saturating_deep(sizes, 250, seed)
    clipped = check_engine(engine_name, weights, X, T)
    assert_saturated_everywhere(clipped)
    assert set(clipped) == set(lb.NetworkSize(sizes).store_names)


@pytest.mark.parametrize("sizes", [(60, 40, 10), (30, 20, 16, 10)])
def test_m_is_not_minus_w_transposed_after_saturation(sizes):
    weights, X, T = saturating_deep(sizes, 300, 0)
    with lb.make_engine("reference", weights) as engine:
        engine.train(X, T)
        w = engine.weights()
    top = len(sizes) - 1
    both = (w[f"w{top}t_neg"] == HI) & (w[f"w{top}"].T == LO)
    assert both.any(), "expected M at +254 where W sits at -256"
    assert (w[f"w{top}t_neg"] != np.clip(-w[f"w{top}"].T, LO, HI)).any()


@pytest.mark.parametrize(("sizes", "seed"), [((30, 20, 10), 5), ((30, 20, 16, 10), 6)])
def test_explicit_transposed_stores_are_used(sizes, seed):
    """P and M given apart from W follow their own history."""
    rng = np.random.default_rng(seed)
    weights, X, T = saturating_deep(sizes, 200, seed)
    transposed = [
        tuple(rng.integers(-128, 128, size=(a, b)) * 2 for _ in range(2))
        for a, b in zip(sizes[1:-1], sizes[2:], strict=True)
    ]
    for name in ("reference", "dense"):
        check_engine(name, weights, X, T, transposed)


@pytest.mark.parametrize("sizes", [(60, 40, 10), (24, 14, 12, 8)])
def test_training_in_chunks_equals_one_call(sizes):
    weights, X, T = saturating_deep(sizes, 300, 7)
    with lb.make_engine("reference", weights) as one, lb.make_engine("reference", weights) as many:
        o1, z1 = one.train(X, T)
        parts = [many.train(X[i : i + 37], T[i : i + 37]) for i in range(0, 300, 37)]
        np.testing.assert_array_equal(o1, np.concatenate([p[0] for p in parts]))
        np.testing.assert_array_equal(z1, np.concatenate([p[1] for p in parts]))
        for key, value in one.weights().items():
            np.testing.assert_array_equal(value, many.weights()[key])


@pytest.mark.parametrize("sizes", [(80, 30, 10), (80, 30, 20, 10)])
def test_glorot_network_on_mnist_like_data_matches_transcription(sizes):
    """An initialised (not hand-made) network, trained on sparse random inputs."""
    rng = np.random.default_rng(11)
    weights = lb.glorot_init(lb.NetworkSize(sizes), seed=rng)
    X = (rng.random((300, sizes[0])) < 0.25).astype(np.uint8)
    T = np.eye(sizes[-1], dtype=np.uint8)[rng.integers(0, sizes[-1], 300)]
    check_engine("reference", weights, X, T)


@pytest.mark.parametrize("engine_name", ["reference", "dense"])
@pytest.mark.parametrize("sizes", [(30, 20, 10), (30, 20, 16, 10), (24, 16, 12, 10, 8)])
def test_predict_is_the_forward_pass(engine_name, sizes):
    weights, X, _ = saturating_deep(sizes, 80, 3)
    o_want, z_want = forward_pass(weights, X)
    assert o_want.any() and not o_want.all()
    with lb.make_engine(engine_name, weights) as engine:
        o, z = engine.predict(X)
    np.testing.assert_array_equal(o, o_want)
    np.testing.assert_array_equal(z, z_want)


def test_compiled_kernel_equals_the_dense_definition_on_unseen_shapes():
    """Shapes drawn at random (one to four hidden layers, odd widths), every store saturating at both ends."""
    rng = np.random.default_rng(2026)
    for _ in range(6):
        sizes = tuple(int(v) for v in rng.integers(5, 40, size=rng.integers(3, 7)))
        weights, X, T = saturating_deep(sizes, 150, int(rng.integers(1 << 16)))
        with lb.make_engine("reference", weights) as ref, lb.make_engine("dense", weights) as dense:
            for got, want in zip(ref.train(X, T), dense.train(X, T), strict=True):
                np.testing.assert_array_equal(got, want)
            for key, value in dense.weights().items():
                np.testing.assert_array_equal(ref.weights()[key], value, err_msg=f"{sizes}: {key}")


def test_compiled_kernel_at_the_paper_size_on_mnist20(data_root):
    """400-400-10 from Glorot init: the same weights as the dense definition after 1 500 MNIST20 samples."""
    from lava_backprop.data import load_dataset

    train = load_dataset("mnist20", "train", data_root)
    weights = lb.glorot_init(lb.NetworkSize(400, 400, 10), seed=3)
    X, y = train.X[:1500], train.labels[:1500]
    with lb.make_engine("reference", weights) as ref, lb.make_engine("dense", weights) as dense:
        initial = dense.weights()
        for got, want in zip(ref.train(X, y), dense.train(X, y), strict=True):
            np.testing.assert_array_equal(got, want)
        changed = 0
        for key, value in dense.weights().items():
            np.testing.assert_array_equal(ref.weights()[key], value, err_msg=key)
            changed += int((value != initial[key]).sum())
    assert changed > 10_000


def test_kernel_keeps_int16_stores_and_calls_no_blas(tmp_path):
    """The smallest exact store width, and machine code that links no BLAS product (none to spin on busy cores)."""
    script = """
import numpy as np, lava_backprop as lb
from lava_backprop.kernel import STORE_DTYPE, train_samples
weights = lb.glorot_init(lb.NetworkSize(30, 20, 16, 10), 0)
with lb.make_engine("reference", weights) as engine:
    engine.train(np.ones((4, 30), np.uint8), [0, 1, 2, 3])
    assert all(w.dtype == STORE_DTYPE == np.int16 for w in engine._weights().values())
ir = "".join(train_samples.inspect_llvm().values())
assert "_row_sums" in ir and "_bump" in ir, "the helpers' code is not in the inspected module"
print(sorted(k for k in ("xxgemm", "xxgemv", "cblas_") if k in ir))
"""
    # A fresh cache: numba shows the code it compiled, not code loaded from disk.
    env = dict(os.environ, NUMBA_CACHE_DIR=str(tmp_path))
    done = subprocess.run([sys.executable, "-c", script], env=env, capture_output=True, text=True, timeout=240)
    assert done.returncode == 0, done.stderr
    assert done.stdout.split("\n")[-2] == "[]"
