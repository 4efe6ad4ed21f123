# SPDX-License-Identifier: BSD-3-Clause
"""Helpers shared by test modules (importable: ``pythonpath = tests``)."""

import numpy as np

EDGES = np.array([-256, -254, 252, 254])


def edgy_weights(rng, shape, p_edge=0.5):
    """Even weights, about half of them at or next to either end of the range."""
    uniform = rng.integers(-128, 128, size=shape) * 2
    return np.where(rng.random(shape) < p_edge, rng.choice(EDGES, size=shape), uniform).astype(np.int64)


def saturating_network(n_in, n_hid, n_out, n_samples, seed, p_input=0.3):
    """A network whose weights sit near both ends, and samples that keep pushing them.

    A handful of input patterns with fixed labels is repeated (with a few bits
    flipped), so the same weights are updated again and again and many
    updates hit +254 or -256.
    """
    rng = np.random.default_rng(seed)
    w1 = edgy_weights(rng, (n_hid, n_in)) * (rng.random((n_hid, n_in)) < 0.4)
    w2 = edgy_weights(rng, (n_out, n_hid))
    patterns = (rng.random((8, n_in)) < p_input).astype(np.uint8)
    labels_of = rng.integers(0, n_out, size=8)
    pick = rng.integers(0, 8, size=n_samples)
    X = patterns[pick] ^ (rng.random((n_samples, n_in)) < 0.05).astype(np.uint8)
    return w1, w2, X, labels_of[pick]


def reference_steps(w1, w2, X, T):
    """Intermediate vectors of ALGORITHM.md §5 for each sample, in order.

    Returns a list of dicts with a, h, h_lo, h_hi, b_h, z, o, o_lo, o_hi,
    d_pos, d_neg, d1_pos, d1_neg (bool or int arrays), updating the four
    stores after each sample as the rule says.
    """
    W1, W2 = np.array(w1, dtype=np.int64), np.array(w2, dtype=np.int64)
    P, M = W2.T.copy(), np.clip(-W2.T, -256, 254)
    out = []
    for x, t in zip(np.asarray(X, dtype=np.int64), np.asarray(T, dtype=bool), strict=True):
        a = W1 @ x
        h = a > 512
        z = W2 @ h
        v = {"a": a, "h": h, "h_lo": a > 0, "h_hi": a > 1024, "b_h": (a > 0) & ~(a > 1024), "z": z}
        v.update(o=z > 512, o_lo=z > 0, o_hi=z > 1024)
        v["d_pos"] = t & ~v["o"] & v["o_lo"]
        v["d_neg"] = v["o"] & ~t & v["o_lo"] & ~v["o_hi"]
        dp, dn, hh = (v[k].astype(np.int64) for k in ("d_pos", "d_neg", "h"))
        v["d1_pos"] = v["b_h"] & (P @ dp + M @ dn > 0)
        v["d1_neg"] = v["b_h"] & (P @ dn + M @ dp > 0)
        W2 = np.clip(W2 + 2 * np.outer(dp, hh), -256, 254)
        P = np.clip(P + 2 * np.outer(hh, dp), -256, 254)
        M = np.clip(M + 2 * np.outer(hh, dn), -256, 254)
        W1 = np.clip(W1 + 2 * np.outer(v["d1_pos"], x), -256, 254)
        W2 = np.clip(W2 - 2 * np.outer(dn, hh), -256, 254)
        P = np.clip(P - 2 * np.outer(hh, dn), -256, 254)
        M = np.clip(M - 2 * np.outer(hh, dp), -256, 254)
        W1 = np.clip(W1 - 2 * np.outer(v["d1_neg"], x), -256, 254)
        out.append(v)
    return out


def lively_network(n_in, n_hid, n_out, n_samples, seed, p_input=0.3):
    """Weights biased upwards and random samples: many units fire, all errors occur."""
    rng = np.random.default_rng(seed)
    w1 = rng.integers(-60, 128, size=(n_hid, n_in)) * 2
    w2 = rng.integers(-100, 128, size=(n_out, n_hid)) * 2
    X = (rng.random((n_samples, n_in)) < p_input).astype(np.uint8)
    return w1, w2, X, rng.integers(0, n_out, n_samples)


def assert_trains_like_reference(w1, w2, X, T, o, z, weights, engine="reference", **options):
    """``o``, ``z`` and ``weights`` equal the reference engine's on the same samples.

    ``engine`` and ``options`` name another engine of the rule to compare with
    (``"dense", w_max=255``: the rule with Lava's learning bound). Returns the
    reference weights, so callers can check more about them.
    """
    import lava_backprop as lb

    with lb.make_engine(engine, w1, w2, **options) as ref:
        o_ref, z_ref = ref.train(X, T)
        w_ref = ref.weights()
    np.testing.assert_array_equal(o, o_ref)
    np.testing.assert_array_equal(z, z_ref)
    for key in lb.STORE_NAMES:
        np.testing.assert_array_equal(weights[key], w_ref[key], err_msg=key)
    return w_ref


def clipped_updates(w1, w2, X, T) -> dict[str, int]:
    """Updates of the rule that saturated, at ``"bottom"`` (-256) and ``"top"`` (+254)."""
    W1, W2 = np.array(w1, dtype=np.int64), np.array(w2, dtype=np.int64)
    P, M = W2.T.copy(), np.clip(-W2.T, -256, 254)
    counts = {"bottom": 0, "top": 0}

    def update(W, delta):
        new = W + delta
        counts["bottom"] += int(((new < -256) & (delta != 0)).sum())
        counts["top"] += int(((new > 254) & (delta != 0)).sum())
        return np.clip(new, -256, 254)

    for v, x in zip(reference_steps(w1, w2, X, T), np.asarray(X, dtype=np.int64), strict=True):
        dp, dn, h = (v[k].astype(np.int64) for k in ("d_pos", "d_neg", "h"))
        W2 = update(W2, 2 * np.outer(dp, h))
        P = update(P, 2 * np.outer(h, dp))
        M = update(M, 2 * np.outer(h, dn))
        W1 = update(W1, 2 * np.outer(v["d1_pos"].astype(np.int64), x))
        W2 = update(W2, -2 * np.outer(dn, h))
        P = update(P, -2 * np.outer(h, dn))
        M = update(M, -2 * np.outer(h, dp))
        W1 = update(W1, -2 * np.outer(v["d1_neg"].astype(np.int64), x))
    return counts
