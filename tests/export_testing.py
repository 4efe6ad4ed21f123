# SPDX-License-Identifier: BSD-3-Clause
"""Networks for the export tests, and the forward pass they must give (importable: ``pythonpath = tests``)."""

import nir
import numpy as np


def forward(mats, X):
    """Spikes of every layer and the read-out: ``h_l = [W_l h_{l-1} > 512]``, ``z = W_{L+1} h_L``."""
    spikes, h = [], np.asarray(X, dtype=np.int64)
    for w in mats:
        z = h @ np.asarray(w, dtype=np.int64).T
        h = (z > 512).astype(np.int64)
        spikes.append(h)
    return spikes, z


def lively_network(sizes, n_samples=24, seed=0):
    """Even mixed-sign weights in [-256, 254] whose every unit fires on some samples and not on others."""
    rng = np.random.default_rng(seed)
    X = (rng.random((n_samples, sizes[0])) < 0.4).astype(np.uint8)
    mats, h = [], X.astype(np.int64)
    for width in sizes[1:]:
        rows = []
        for _ in range(10_000):
            w = 2 * rng.integers(-100, 128, size=h.shape[1])
            if 0 < ((h @ w) > 512).sum() < n_samples and w.min() < 0:
                rows.append(w)
            if len(rows) == width:
                break
        mats.append(np.array(rows))
        h = (h @ mats[-1].T > 512).astype(np.int64)
    return mats, X


def extreme_network():
    """Weights -256 and 254 and sums of exactly 512 and 514: one step off at either end changes o.

    A 254 of either matrix loaded as 252, a -256 loaded as -254, or a
    threshold taken as ``>=`` changes the output spikes
    (`assert_extremes_matter`). Samples follow one another so that a neuron
    that carried its membrane to the next step would show. W1 is mixed-sign,
    W2 all positive (Lava would infer another sign mode for it).
    """
    w1 = np.array([[-256, 254, 6, 254, 254], [0, 254, 4, 2, 254], [4, 8, 0, 254, 254], [2, 4, 6, -256, 254]])
    w2 = np.array([[254, 0, 254, 0], [254, 254, 8, 0], [2, 254, 254, 6]])
    X = np.array(
        [[1, 1, 0, 1, 1], [0, 1, 0, 1, 1], [0, 0, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 1, 1, 1]]
        + [[0, 1, 0, 1, 1], [1, 1, 1, 1, 1], [0, 0, 0, 0, 0], [0, 1, 0, 1, 1], [1, 1, 1, 0, 0], [0, 0, 1, 1, 1]]
    )
    return [w1, w2], X.astype(np.uint8)


def assert_lively(spikes):
    for layer in spikes:
        assert 0 < layer.mean() < 1, "every layer must have units that fire and units that do not"


def assert_extremes_matter(mats, X):
    """Each extreme weight value, and the strict threshold, decides some output spike."""
    spikes, _ = forward(mats, X)
    for lay, w in enumerate(mats):
        for value, loaded in ((254, 252), (-256, -254)):
            if value in w:
                other = [np.where(w == value, loaded, w) if i == lay else m for i, m in enumerate(mats)]
                assert (forward(other, X)[0][-1] != spikes[-1]).any(), f"W{lay + 1}'s {value} must matter"
    h, at_threshold = np.asarray(X, dtype=np.int64), False
    for w in mats:
        z = h @ w.T
        at_threshold |= bool((z == 512).any())
        h = (z > 512).astype(np.int64)
    assert at_threshold, "some sum must sit exactly at the threshold"


def run_lif_chain(graph, X):
    """The NIR spec's LIF, Euler-stepped with ``metadata["dt"]``, along the chain; one sample per step, state kept.

    ``v <- v + dt / tau (v_leak - v + r I)``, ``z = [v > v_threshold]``,
    ``v <- v_reset`` where ``z``. The peers' own runs are in test_interop.
    """
    dt, succ = graph.metadata["dt"], dict(graph.edges)
    chain, name = [], succ["input"]
    while name != "output":
        chain.append(graph.nodes[name])
        name = succ[name]
    state = {i: np.zeros(len(n.tau)) for i, n in enumerate(chain) if isinstance(n, nir.LIF)}
    out = []
    for x in np.asarray(X, dtype=np.float64):
        value = x
        for i, node in enumerate(chain):
            if isinstance(node, nir.Affine):
                value = np.asarray(node.weight) @ value + np.asarray(node.bias)
            else:
                v = state[i] + dt / node.tau * (node.v_leak - state[i] + node.r * value)
                value = (v > node.v_threshold).astype(np.float64)
                state[i] = np.where(value > 0, node.v_reset, v)
        out.append(value)
    return np.array(out, dtype=np.uint8)


def wide_network(n_in=600):
    """Sums that straddle ``2**17`` from above and below: three units add 254, three add -256 per active input.

    Sample ``k`` of ``X`` has its first ``ks[k]`` bits on. o_0 fires iff the
    positive units do (``254 k > 512``); o_1 reads the negative units, which
    never fire. ``W_1 x`` reaches ``2**17 = 131 072`` between 516 and 517
    active inputs (``254 k``) and at 512 (``-256 k``).
    """
    w1 = np.concatenate([np.full((3, n_in), 254), np.full((3, n_in), -256)])
    w2 = np.array([[254] * 3 + [0] * 3, [0] * 3 + [254] * 3])
    ks = np.array([2, 3, 511, 512, 515, 516, 517, 560, n_in, 1, 511])
    X = (np.arange(n_in)[None, :] < ks[:, None]).astype(np.uint8)
    return [w1, w2], X, ks
