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
    """Intermediate vectors of docs/ALGORITHM.md §3 for each sample of one hidden layer, in order.

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


def assert_trains_like_reference(weights, X, T, o, z, stores, engine="reference", **options):
    """``o``, ``z`` and ``stores`` equal the reference engine's on the same samples.

    ``weights`` are the initial ``[W1, .., W_{L+1}]``. ``engine`` and
    ``options`` name another engine of the rule to compare with (``"dense"``).
    Returns the reference stores, so callers can check more about them.
    """
    import lava_backprop as lb

    with lb.make_engine(engine, weights, **options) as ref:
        o_ref, z_ref = ref.train(X, T)
        w_ref = ref.weights()
    np.testing.assert_array_equal(o, o_ref)
    np.testing.assert_array_equal(z, z_ref)
    assert set(stores) >= set(w_ref)
    for key in w_ref:
        np.testing.assert_array_equal(stores[key], w_ref[key], err_msg=key)
    return w_ref


def saturating_deep(sizes, n, seed):
    """Weights ``[W1, ..]`` biased upwards with a third of them at the ends of the range, and
    samples from a few repeated patterns: units fire in every layer, errors occur, updates
    keep hitting both ends. Returns ``(weights, X, T)`` with one-hot ``T``."""
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


def transcription(weights, X, T, transposed=None):
    """docs/ALGORITHM.md §3, line by line, with Python ints, for any number of hidden layers.

    Returns ``(stores, o, z, clipped)``: the stores by name after the samples,
    each sample's forward pass, and ``clipped[store] = {"lo": n, "hi": n}``,
    how many updates of each store saturated at -256 and at 254.
    """
    lo, hi = -256, 254
    W = {i: np.array(w, dtype=object) for i, w in enumerate(weights, start=1)}
    n = len(W)
    if transposed is None:
        transposed = [(None, None)] * (n - 1)
    P, M = {}, {}
    for i, (p, m) in enumerate(transposed, start=2):
        P[i] = W[i].T.copy() if p is None else np.array(p, dtype=object)
        M[i] = np.clip(-W[i].T, lo, hi) if m is None else np.array(m, dtype=object)
    clipped = {}

    def update(name, w, delta):
        new = w + delta
        count = clipped.setdefault(name, {"lo": 0, "hi": 0})
        count["lo"] += int(((new < lo) & (delta != 0)).sum())
        count["hi"] += int(((new > hi) & (delta != 0)).sum())
        return np.clip(new, lo, hi)

    outs = []
    for x, t in zip(np.asarray(X), np.asarray(T).astype(bool), strict=True):
        h = {0: np.array(x, dtype=object)}
        a = {}
        for i in range(1, n + 1):
            a[i] = W[i].dot(h[i - 1])
            h[i] = np.array([int(v > 512) for v in a[i]], dtype=object)
        z = a[n]
        o = np.array([v > 512 for v in z])
        dp = {n: (t & ~o & np.array([v > 0 for v in z])).astype(int).astype(object)}
        dn = {n: (o & ~t & np.array([0 < v <= 1024 for v in z])).astype(int).astype(object)}
        for i in range(n - 1, 0, -1):  # with the stores as they were before the sample
            b = np.array([0 < v <= 1024 for v in a[i]])
            up = P[i + 1].dot(dp[i + 1]) + M[i + 1].dot(dn[i + 1])
            un = P[i + 1].dot(dn[i + 1]) + M[i + 1].dot(dp[i + 1])
            dp[i] = (b & np.array([v > 0 for v in up])).astype(int).astype(object)
            dn[i] = (b & np.array([v > 0 for v in un])).astype(int).astype(object)
        for sign, same, other in ((2, dp, dn), (-2, dn, dp)):  # potentiation top-down, then depression
            for i in range(n, 0, -1):
                W[i] = update(f"w{i}", W[i], sign * np.outer(same[i], h[i - 1]))
                if i >= 2:
                    P[i] = update(f"w{i}t_pos", P[i], sign * np.outer(h[i - 1], same[i]))
                    M[i] = update(f"w{i}t_neg", M[i], sign * np.outer(h[i - 1], other[i]))
        outs.append((o.astype(np.uint8), np.array(z, dtype=np.int64)))
    stores = {f"w{i}": W[i] for i in W} | {f"w{i}t_pos": P[i] for i in P} | {f"w{i}t_neg": M[i] for i in M}
    stores = {k: v.astype(np.int64) for k, v in stores.items()}
    return stores, np.array([o for o, _ in outs]), np.array([z for _, z in outs]), clipped


def forward_pass(weights, X):
    """The inference pass, line by line with Python ints: ``h_l = [W_l h_{l-1} > 512]``; returns ``(o, z)``."""
    W = [np.array(w, dtype=object) for w in weights]
    outs = []
    for x in np.asarray(X):
        h = np.array(x, dtype=object)
        for w in W[:-1]:
            h = np.array([int(v > 512) for v in w.dot(h)], dtype=object)
        z = W[-1].dot(h)
        outs.append(([int(v > 512) for v in z], list(z)))
    return np.array([o for o, _ in outs], dtype=np.uint8), np.array([z for _, z in outs], dtype=np.int64)


def assert_equals_transcription(got_stores, o, z, want):
    """Compare an engine's results with `transcription`'s ``(stores, o, z, clipped)``."""
    stores, o_want, z_want, _ = want
    np.testing.assert_array_equal(o, o_want)
    np.testing.assert_array_equal(z, z_want)
    assert set(got_stores) == set(stores)
    for key in stores:
        np.testing.assert_array_equal(got_stores[key], stores[key], err_msg=key)


def clipped_updates(weights, X, T) -> dict[str, int]:
    """Updates of the rule that saturated, over all stores, at ``"bottom"`` (-256) and ``"top"`` (+254)."""
    *_, clipped = transcription(weights, X, T)
    return {"bottom": sum(c["lo"] for c in clipped.values()), "top": sum(c["hi"] for c in clipped.values())}
