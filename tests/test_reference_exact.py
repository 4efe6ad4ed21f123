# SPDX-License-Identifier: BSD-3-Clause
"""The engines against a line-by-line transcription of ALGORITHM.md §5."""

import numpy as np
import pytest
from nbp_testing import saturating_network

import lava_backprop as lb

LO, HI = -256, 254


def transcription(W1, W2, P, M, X, T, hi=HI):
    """§5 of ALGORITHM.md, one numbered step per block, Python ints throughout.

    ``hi`` is the upper saturation bound (255 models Lava's learning engine).
    """

    def clip(w, counter, key):
        """Saturate and count how many entries hit each end."""
        counter[key + "_hi"] += int((w > hi).sum())
        counter[key + "_lo"] += int((w < LO).sum())
        return np.clip(w, LO, hi)

    W1, W2, P, M = (np.array(a, dtype=object) for a in (W1, W2, P, M))
    counter = {f"{k}_{e}": 0 for k in ("W1", "W2", "P", "M") for e in ("hi", "lo")}
    outs = []
    for x, t in zip(X, T, strict=True):
        x = np.array(x, dtype=object)
        t = np.array(t, dtype=bool)
        # 1.
        a = W1.dot(x)
        h = np.array([int(v > 512) for v in a], dtype=object)
        b_h = np.array([(v > 0) and not (v > 1024) for v in a])
        # 2.
        z = W2.dot(h)
        o = np.array([v > 512 for v in z])
        o_lo = np.array([v > 0 for v in z])
        o_hi = np.array([v > 1024 for v in z])
        # 3.
        d_pos = (t & ~o & o_lo).astype(int).astype(object)
        d_neg = (o & ~t & o_lo & ~o_hi).astype(int).astype(object)
        # 4. with the old P and M
        d1_pos = (b_h & np.array([v > 0 for v in P.dot(d_pos) + M.dot(d_neg)])).astype(int).astype(object)
        d1_neg = (b_h & np.array([v > 0 for v in P.dot(d_neg) + M.dot(d_pos)])).astype(int).astype(object)
        # 5. phase 5
        W2 = clip(W2 + 2 * np.outer(d_pos, h), counter, "W2")
        P = clip(P + 2 * np.outer(h, d_pos), counter, "P")
        M = clip(M + 2 * np.outer(h, d_neg), counter, "M")
        # 6. phase 7
        W1 = clip(W1 + 2 * np.outer(d1_pos, x), counter, "W1")
        # 7. phase 9
        W2 = clip(W2 - 2 * np.outer(d_neg, h), counter, "W2")
        P = clip(P - 2 * np.outer(h, d_neg), counter, "P")
        M = clip(M - 2 * np.outer(h, d_pos), counter, "M")
        # 8. phase 11
        W1 = clip(W1 - 2 * np.outer(d1_neg, x), counter, "W1")
        outs.append((o.astype(np.uint8), np.array(z, dtype=np.int64)))
    stores = {"w1": W1, "w2": W2, "w2t_pos": P, "w2t_neg": M}
    stores = {k: v.astype(np.int64) for k, v in stores.items()}
    o_all = np.array([o for o, _ in outs])
    z_all = np.array([z for _, z in outs])
    return stores, o_all, z_all, counter


def check_engine(engine_name, w1, w2, P, M, X, T, **options):
    """Train the engine and the transcription alike; assert identical results."""
    want, o_want, z_want, counter = transcription(w1, w2, P, M, X, T, hi=options.get("w_max", HI))
    with lb.make_engine(engine_name, w1, w2, P, M, **options) as engine:
        o, z = engine.train(X, T)
        got = engine.weights()
    for key in lb.STORE_NAMES:
        np.testing.assert_array_equal(got[key], want[key], err_msg=key)
    np.testing.assert_array_equal(o, o_want)
    np.testing.assert_array_equal(z, z_want)
    return counter


CASES = [(60, 40, 10, seed) for seed in (0, 1, 2)] + [(100, 50, 10, seed) for seed in (3, 4)]


@pytest.mark.parametrize("engine_name", ["reference", "dense"])
@pytest.mark.parametrize(("n_in", "n_hid", "n_out", "seed"), CASES)
def test_engine_matches_transcription(engine_name, n_in, n_hid, n_out, seed):
    w1, w2, X, labels = saturating_network(n_in, n_hid, n_out, 320, seed)
    T = np.eye(n_out, dtype=np.uint8)[labels]
    P, M = w2.T, np.clip(-w2.T, LO, HI)
    counter = check_engine(engine_name, w1, w2, P, M, X, T)
    # Saturation really happened, at both ends, in every store.
    for key, hits in counter.items():
        assert hits > 0, f"{key} never saturated; the test network is too tame"


@pytest.mark.parametrize("engine_name", ["reference", "dense"])
def test_engine_with_lavas_upper_bound_matches_transcription(engine_name):
    """``w_max=255``: what Lava's learning engine does (odd weights after +255)."""
    w1, w2, X, labels = saturating_network(60, 40, 10, 320, 1)
    T = np.eye(10, dtype=np.uint8)[labels]
    counter = check_engine(engine_name, w1, w2, w2.T, np.clip(-w2.T, LO, HI), X, T, w_max=255)
    assert all(counter[f"{k}_hi"] > 0 for k in ("W1", "W2", "P", "M")), counter
    with lb.make_engine(engine_name, w1, w2, w_max=255) as engine:
        engine.train(X, T)
        assert any((w % 2).any() for w in engine.weights().values())
    with pytest.raises(ValueError, match="w_max must be 254"):
        lb.make_engine(engine_name, w1, w2, w_max=256)


def test_m_is_not_minus_w2_transposed_after_saturation():
    w1, w2, X, labels = saturating_network(60, 40, 10, 320, 0)
    with lb.make_engine("reference", w1, w2) as engine:
        engine.train(X, labels)
        w = engine.weights()
    both = (w["w2t_neg"] == HI) & (w["w2"].T == LO)
    assert both.any(), "expected M at +254 where W2 sits at -256"
    assert (w["w2t_neg"] != np.clip(-w["w2"].T, LO, HI)).any()


@pytest.mark.parametrize("seed", [5, 6])
def test_explicit_transposed_stores_are_used(seed):
    """P and M given apart from W2 follow their own history."""
    rng = np.random.default_rng(seed)
    w1, w2, X, labels = saturating_network(30, 20, 10, 200, seed)
    P = rng.integers(-128, 128, size=(20, 10)) * 2
    M = rng.integers(-128, 128, size=(20, 10)) * 2
    check_engine("reference", w1, w2, P, M, X, np.eye(10, dtype=np.uint8)[labels])


def test_training_in_chunks_equals_one_call():
    w1, w2, X, labels = saturating_network(60, 40, 10, 300, 7)
    with lb.make_engine("reference", w1, w2) as one, lb.make_engine("reference", w1, w2) as many:
        o1, z1 = one.train(X, labels)
        parts = [many.train(X[i : i + 37], labels[i : i + 37]) for i in range(0, 300, 37)]
        np.testing.assert_array_equal(o1, np.concatenate([p[0] for p in parts]))
        np.testing.assert_array_equal(z1, np.concatenate([p[1] for p in parts]))
        for key in lb.STORE_NAMES:
            np.testing.assert_array_equal(one.weights()[key], many.weights()[key])


def test_glorot_network_on_mnist_like_data_matches_transcription():
    """An initialised (not hand-made) network, trained on sparse random inputs."""
    rng = np.random.default_rng(11)
    w1, w2 = lb.glorot_init(lb.NetworkSize(80, 30, 10), seed=rng)
    X = (rng.random((300, 80)) < 0.25).astype(np.uint8)
    labels = rng.integers(0, 10, 300)
    check_engine("reference", w1, w2, w2.T, np.clip(-w2.T, LO, HI), X, np.eye(10, dtype=np.uint8)[labels])
