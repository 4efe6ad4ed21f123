# SPDX-License-Identifier: BSD-3-Clause
"""Exported networks give the reference engine's predictions."""

import h5py
import nir
import numpy as np
import pytest
from lava_testing import no_leftover_workers  # noqa: F401
from nbp_testing import lively_network

import lava_backprop as lb
from lava_backprop.cli import main
from lava_backprop.data import load_dataset
from lava_backprop.errors import CheckpointError
from lava_backprop.export import export_netx, export_nir, read_netx, run_netx, run_nir

pytestmark = pytest.mark.timeout(300)


@pytest.fixture(scope="module")
def trained(data_root):
    """400-100-10 after 5 000 MNIST20 samples, and the test set."""
    train = load_dataset("mnist20", "train", data_root)
    test = load_dataset("mnist20", "test", data_root)
    w1, w2 = lb.glorot_init(lb.NetworkSize(400, 100, 10), seed=4)
    with lb.make_engine("reference", w1, w2) as engine:
        engine.train(train.X[:5000], train.T[:5000])
        weights = engine.weights()
        o, z = engine.predict(test.X)
    return weights, test, o, z


def test_nir_round_trip_on_the_test_set(trained, tmp_path):
    w, test, o_ref, z_ref = trained
    export_nir(w["w1"], w["w2"], tmp_path / "net.nir")
    graph = nir.read(str(tmp_path / "net.nir"))
    assert {type(n).__name__ for n in graph.nodes.values()} == {"Input", "Affine", "Threshold", "Output"}
    o, z = run_nir(graph, test.X)
    np.testing.assert_array_equal(o, o_ref)
    np.testing.assert_array_equal(z, z_ref)


def test_netx_round_trip_on_the_test_set_in_lava(trained, tmp_path):
    w, test, o_ref, _ = trained
    export_netx(w["w1"], w["w2"], tmp_path / "net.net")
    with h5py.File(tmp_path / "net.net") as f:
        assert [f["layer"][str(i)]["type"][()].decode() for i in range(3)] == ["input", "dense", "dense"]
        assert f["layer"]["1"]["neuron"]["vThMant"][()] == 512
    w1, w2 = read_netx(tmp_path / "net.net")
    np.testing.assert_array_equal(w1, w["w1"])
    o = run_netx(tmp_path / "net.net", test.X)
    np.testing.assert_array_equal(o, o_ref)
    assert lb.classification_metrics(o, trained[3], test.T)["argmax_o"] > 0.5  # far above chance


def test_bad_netx_files_are_named(tmp_path):
    (tmp_path / "junk.net").write_bytes(b"not hdf5")
    with pytest.raises(CheckpointError, match="not a readable netx"):
        read_netx(tmp_path / "junk.net")
    w1, w2, _, _ = lively_network(6, 4, 3, 1, 0)
    export_netx(w1, w2, tmp_path / "ok.net")
    with h5py.File(tmp_path / "ok.net", "r+") as f:
        del f["layer"]["1"]["neuron"]["vDecay"]
        f["layer"]["1"]["neuron"]["vDecay"] = 100
    with pytest.raises(CheckpointError, match="memoryless"):
        read_netx(tmp_path / "ok.net")


def test_export_cli(tmp_path, data_root, capsys):
    from lava_backprop.training import train_run

    train_run(tmp_path, epochs=1, samples=200, test_samples=50, hidden=10, data_dir=data_root, progress=False)
    for fmt, suffix in (("nir", ".nir"), ("netx", ".net")):
        assert main(["export", str(tmp_path), "--format", fmt]) == 0
        path = tmp_path / "checkpoints" / f"epoch_001{suffix}"
        assert path.exists() and str(path) in capsys.readouterr().out
        assert main(["export", str(tmp_path), "--format", fmt]) == 2  # never overwrites
        assert "exists" in capsys.readouterr().err
