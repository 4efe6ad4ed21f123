# SPDX-License-Identifier: BSD-3-Clause
"""Exported networks of any depth compute the binary circuit ``h_l = [W_l h_{l-1} > 512]`` bit for bit."""

import h5py
import nir
import numpy as np
import pytest
from lava_testing import no_leftover_workers  # noqa: F401

from lava_backprop import export
from lava_backprop.errors import ExportError, ShapeError, WeightError
from lava_backprop.export import export_netx, export_nir, read_netx, run_netx, run_nir, to_nir

pytestmark = pytest.mark.timeout(300)

SIZES = {1: [16, 12, 5], 2: [16, 12, 10, 5], 3: [16, 12, 10, 8, 5]}


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


def assert_lively(spikes):
    for layer in spikes:
        assert 0 < layer.mean() < 1, "every layer must have units that fire and units that do not"


@pytest.mark.parametrize("n_hidden", [1, 2, 3])
def test_nir_round_trip(n_hidden, tmp_path):
    mats, X = lively_network(SIZES[n_hidden])
    spikes, z_ref = forward(mats, X)
    assert_lively(spikes)
    export_nir(mats, tmp_path / "net.nir")
    graph = nir.read(str(tmp_path / "net.nir"))
    hidden = [f"h{lay}" for lay in range(1, n_hidden + 1)]
    affine = [f"fc{lay}" for lay in range(1, n_hidden + 2)]
    assert set(graph.nodes) == {"input", "output", "o", *hidden, *affine}
    for lay, w in enumerate(mats, start=1):
        np.testing.assert_array_equal(graph.nodes[f"fc{lay}"].weight, w)
    o, z = run_nir(graph, X)
    np.testing.assert_array_equal(o, spikes[-1])
    np.testing.assert_array_equal(z, z_ref)
    assert o.dtype == np.uint8 and z.dtype == np.int64


@pytest.mark.parametrize("n_hidden", [1, 2, 3])
def test_netx_round_trip_in_lava(n_hidden, tmp_path):
    mats, X = lively_network(SIZES[n_hidden], seed=n_hidden)
    spikes, _ = forward(mats, X)
    assert_lively(spikes)
    export_netx(tuple(mats), tmp_path / "net.net")
    with h5py.File(tmp_path / "net.net") as f:
        types = [f["layer"][str(i)]["type"][0].decode() for i in range(len(f["layer"]))]
        assert types == ["input"] + ["dense"] * (n_hidden + 1)
        assert all(f["layer"][str(i)]["neuron"]["vThMant"][()] == 512 for i in range(1, n_hidden + 2))
    back = read_netx(tmp_path / "net.net")
    assert len(back) == n_hidden + 1
    for w_back, w in zip(back, mats, strict=True):
        np.testing.assert_array_equal(w_back, w)
    np.testing.assert_array_equal(run_netx(tmp_path / "net.net", X), spikes[-1])


def extreme_network():
    """Weights -256 and 254 at the threshold: a 254 of either matrix loaded as 252, or a -256 loaded
    as -254, changes the output spikes (`test_extreme_weights_are_exact_in_run_netx`).

    W1 is mixed-sign, W2 all positive (Lava would infer another sign mode
    for it; the export sets mixed for both).
    """
    w1 = np.array([[-256, 254, 6, 254, 254], [0, 254, 4, 2, 254], [4, 8, 0, 254, 254], [2, 4, 6, -256, 254]])
    w2 = np.array([[254, 0, 254, 0], [254, 254, 8, 0], [2, 254, 254, 6]])
    X = np.array([[1, 1, 0, 1, 1], [0, 1, 0, 1, 1], [0, 0, 1, 1, 1], [1, 1, 1, 0, 0], [1, 1, 1, 1, 1], [0, 1, 1, 1, 1]])
    return [w1, w2], X.astype(np.uint8)


def test_lava_dense_loads_every_even_weight_exactly():
    """The Dense that `run_netx` builds (8 weight bits, mixed sign) holds -256 .. 254 unchanged."""
    from lava.utils.weightutils import SignMode, clip_weights, truncate_weights

    w = np.arange(-256, 256, 2).reshape(16, 16)
    params = export._dense(w).proc_params
    assert (params["num_weight_bits"], params["sign_mode"], params["weight_exp"]) == (8, SignMode.MIXED, 0)
    # What Lava's bit-accurate Dense model (PyDenseModelBitAcc.run_spk) does to its weights.
    loaded = truncate_weights(clip_weights(w, params["sign_mode"], num_bits=8), params["sign_mode"], 8)
    np.testing.assert_array_equal(loaded, w)
    assert (truncate_weights(w + 1, SignMode.MIXED, 8) == w).all()  # the last bit is dropped, 0 when even


def test_extreme_weights_are_exact_in_run_netx(tmp_path):
    mats, X = extreme_network()
    spikes, _ = forward(mats, X)
    assert_lively(spikes)
    for lay, w in enumerate(mats):
        for value, loaded in ((254, 252), (-256, -254)):
            if value in w:
                other = [np.where(w == value, loaded, w) if i == lay else m for i, m in enumerate(mats)]
                assert (forward(other, X)[0][-1] != spikes[-1]).any(), f"W{lay + 1}'s {value} must matter"
    export_netx(mats, tmp_path / "extreme.net")
    for w_back, w in zip(read_netx(tmp_path / "extreme.net"), mats, strict=True):
        np.testing.assert_array_equal(w_back, w)
    np.testing.assert_array_equal(run_netx(tmp_path / "extreme.net", X), spikes[-1])
    o, _ = run_nir(to_nir(mats), X)
    np.testing.assert_array_equal(o, spikes[-1])


def test_odd_weights_and_255_are_refused(tmp_path):
    mats, _ = extreme_network()
    for bad, message in ((255, r"w2 has weights outside \[-256, 254\].*: 255"), (7, r"w2 has odd weights.*: 7")):
        w2 = mats[1].copy()
        w2[0, 2] = bad
        for fn in (lambda w: export_netx(w, tmp_path / "x.net"), lambda w: export_nir(w, tmp_path / "x.nir"), to_nir):
            with pytest.raises(WeightError, match=message):
                fn([mats[0], w2])
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize(
    "weights",
    [
        [np.zeros((3, 4), int)],
        np.zeros((3, 4), int),
        [np.zeros((3, 4), int), np.zeros((2, 5), int)],
        [np.zeros((3, 4), int), np.zeros((2, 3), int), np.zeros((2, 3), int)],
        [np.zeros((3, 4), int), np.zeros(3, int)],
    ],
    ids=["one matrix", "bare array", "mismatch", "mismatch deep", "1-D"],
)
def test_bad_weight_lists_raise_shape_error(weights, tmp_path):
    for fn in (lambda w: export_netx(w, tmp_path / "x.net"), lambda w: export_nir(w, tmp_path / "x.nir"), to_nir):
        with pytest.raises(ShapeError):
            fn(weights)
    assert list(tmp_path.iterdir()) == []


def test_run_netx_checks_the_input_width(tmp_path):
    mats, X = lively_network(SIZES[1])
    export_netx(mats, tmp_path / "net.net")
    with pytest.raises(ShapeError, match=r"\(n, 16\)"):
        run_netx(tmp_path / "net.net", X[:, :15])


def test_out_of_range_weights_raise_weight_error(tmp_path):
    with pytest.raises(WeightError, match="w2"):
        export_netx([np.zeros((3, 4), int), np.full((2, 3), 256)], tmp_path / "x.net")


def _edit(path, layer, key, value):
    with h5py.File(path, "r+") as f:
        del f["layer"][layer][key]
        f["layer"][layer][key] = value


def test_bad_netx_files_raise_export_error(tmp_path):
    (tmp_path / "junk.net").write_bytes(b"not hdf5")
    with pytest.raises(ExportError, match="not a readable netx"):
        read_netx(tmp_path / "junk.net")
    mats, _ = lively_network(SIZES[2], seed=5)
    cases = {
        "conv.net": ("2", "type", np.bytes_("conv"), "expected layers"),
        "leaky.net": ("2/neuron", "vDecay", 100, "memoryless"),
        "threshold.net": ("3/neuron", "vThMant", 256, "memoryless"),
        "graded.net": ("1/neuron", "gradedSpike", True, "memoryless"),
        "big.net": ("1", "weight", np.full((12, 16), 300), "bad weights"),
        "shape.net": ("3", "weight", np.zeros((5, 9), int), "bad weights"),
    }
    for name, (layer, key, value, message) in cases.items():
        export_netx(mats, tmp_path / name)
        _edit(tmp_path / name, layer, key, value)
        with pytest.raises(ExportError, match=message):
            read_netx(tmp_path / name)
    with h5py.File(tmp_path / "conv.net", "r+") as f:
        del f["layer"]["3"]
    with pytest.raises(ExportError, match="expected layers"):
        read_netx(tmp_path / "conv.net")


def test_scalar_type_strings_are_read(tmp_path):
    mats, _ = lively_network(SIZES[1])
    export_netx(mats, tmp_path / "net.net")
    for layer in ("0", "1", "2"):
        _edit(tmp_path / "net.net", layer, "type", np.bytes_("input" if layer == "0" else "dense"))
    np.testing.assert_array_equal(read_netx(tmp_path / "net.net")[1], mats[1])


def test_run_nir_rejects_other_graphs():
    graph = to_nir([np.zeros((3, 4), int), np.zeros((2, 3), int)])
    graph.nodes["h1"] = nir.LIF(tau=np.ones(3), r=np.ones(3), v_leak=np.zeros(3), v_threshold=np.ones(3))
    with pytest.raises(ExportError, match="LIF"):
        run_nir(graph, np.zeros((1, 4)))


def test_writes_replace_files_atomically(tmp_path, monkeypatch):
    mats, _ = lively_network(SIZES[1])
    with pytest.raises(OSError):
        export_netx(mats, tmp_path / "missing" / "net.net")
    assert list(tmp_path.iterdir()) == []
    export_netx(mats, tmp_path / "net.net")
    export_netx([-w for w in mats], tmp_path / "net.net")  # overwrites
    assert (read_netx(tmp_path / "net.net")[0] != mats[0]).any()
    target = tmp_path / "net.nir"
    target.write_bytes(b"previous")

    def failing_write(file, graph):
        file.write(b"half a file")
        raise RuntimeError("disk full")

    monkeypatch.setattr(export.nir, "write", failing_write)
    with pytest.raises(RuntimeError, match="disk full"):
        export_nir(mats, target)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["net.net", "net.nir"]
    assert target.read_bytes() == b"previous"
