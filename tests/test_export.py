# SPDX-License-Identifier: BSD-3-Clause
"""Exported files of any depth describe the binary circuit ``h_l = [W_l h_{l-1} > 512]``.

The peer tools (snnTorch, Norse, lava-dl) run them in test_interop (``make test-interop``).
"""

import warnings

import h5py
import nir
import numpy as np
import pytest
from export_testing import (
    assert_extremes_matter,
    assert_lively,
    extreme_network,
    forward,
    lively_network,
    run_lif_chain,
    wide_network,
)

from lava_backprop import export, make_engine
from lava_backprop.errors import ExportError, ShapeError, WeightError
from lava_backprop.export import NETX_SUM_LIMIT, NIR_DT, export_netx, export_nir, netx_reach, read_netx, to_nir

pytestmark = pytest.mark.timeout(300)

SIZES = {1: [16, 12, 5], 2: [16, 12, 10, 5], 3: [16, 12, 10, 8, 5]}


@pytest.mark.parametrize("n_hidden", [1, 2, 3])
def test_nir_round_trip(n_hidden, tmp_path):
    mats, X = lively_network(SIZES[n_hidden])
    spikes, _ = forward(mats, X)
    assert_lively(spikes)
    export_nir(mats, tmp_path / "net.nir")
    graph = nir.read(str(tmp_path / "net.nir"))
    hidden = [f"h{lay}" for lay in range(1, n_hidden + 1)]
    affine = [f"fc{lay}" for lay in range(1, n_hidden + 2)]
    assert set(graph.nodes) == {"input", "output", "o", *hidden, *affine}
    assert graph.metadata["dt"] == NIR_DT
    for lay, w in enumerate(mats, start=1):
        np.testing.assert_array_equal(graph.nodes[f"fc{lay}"].weight, w)
        np.testing.assert_array_equal(graph.nodes[f"fc{lay}"].bias, 0)
        lif = graph.nodes["o" if lay == n_hidden + 1 else f"h{lay}"]
        assert isinstance(lif, nir.LIF) and lif.tau.shape == (w.shape[0],)
        assert (lif.tau == NIR_DT).all() and (lif.r == 1).all() and (lif.v_threshold == 512).all()
        assert (lif.v_leak == 0).all() and (lif.v_reset == 0).all()
    np.testing.assert_array_equal(run_lif_chain(graph, X), spikes[-1])


def test_nir_lif_is_memoryless_only_at_its_own_step():
    """At ``dt = tau`` the LIF keeps nothing; a step of 10 tau (Norse's default 1e-3) would integrate."""
    mats, X = lively_network(SIZES[2], n_samples=60, seed=7)
    graph = to_nir(mats)
    np.testing.assert_array_equal(run_lif_chain(graph, X), forward(mats, X)[0][-1])
    graph.metadata["dt"] = 10 * NIR_DT
    assert (run_lif_chain(graph, X) != forward(mats, X)[0][-1]).any()


@pytest.mark.parametrize("n_hidden", [1, 2, 3])
def test_netx_round_trip(n_hidden, tmp_path):
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
        assert w_back.dtype == np.int32
    with make_engine("reference", back) as engine:  # the weights back in an engine
        np.testing.assert_array_equal(engine.predict(X)[0], spikes[-1])


def test_extreme_weights_are_exported_exactly(tmp_path):
    mats, X = extreme_network()
    assert_extremes_matter(mats, X)
    export_netx(mats, tmp_path / "extreme.net")
    for w_back, w in zip(read_netx(tmp_path / "extreme.net"), mats, strict=True):
        np.testing.assert_array_equal(w_back, w)
    export_nir(mats, tmp_path / "extreme.nir")
    np.testing.assert_array_equal(run_lif_chain(nir.read(str(tmp_path / "extreme.nir")), X), forward(mats, X)[0][-1])


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


def test_netx_export_warns_when_a_sum_can_reach_lava_dls_limit(tmp_path):
    """lava-dl's neurons wrap sums of +-2**17 (test_interop); the export says when inputs can reach them."""
    mats, _, _ = wide_network(600)
    assert netx_reach(mats) == [600 * 256, 3 * 254]
    assert netx_reach([np.clip(mats[0], 0, None), mats[1]])[0] == 600 * 254
    with pytest.warns(UserWarning, match=rf"every \|W_l h\| < {NETX_SUM_LIMIT}.*W1 up to 153600"):
        export_netx(mats, tmp_path / "wide.net")
    np.testing.assert_array_equal(read_netx(tmp_path / "wide.net")[0], mats[0])
    narrow, _, _ = wide_network(511)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        export_netx(narrow, tmp_path / "narrow.net")
    with pytest.warns(UserWarning, match="W1 up to 131072"):
        export_netx(wide_network(512)[0], tmp_path / "limit.net")


def test_netx_export_warns_of_an_all_zero_layer(tmp_path):
    """lava-dl 0.6.0 cannot load a dense layer whose weights are all zero (test_interop)."""
    mats, _ = lively_network(SIZES[2])
    with pytest.warns(UserWarning, match="W2 is all zero"):
        export_netx([mats[0], np.zeros_like(mats[1]), mats[2]], tmp_path / "zero.net")
    np.testing.assert_array_equal(read_netx(tmp_path / "zero.net")[1], 0)
