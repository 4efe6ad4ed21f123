# SPDX-License-Identifier: BSD-3-Clause
"""Peer tools load our exports and run them to the rule's output spikes.

Networks are trained with the CLI on MNIST20 (one, two and three hidden layers),
exported with ``lava-backprop export``, and run on 400 test images, one image
per step with the state carried from step to step, in:

- snnTorch's ``import_from_nir`` (the NIR file);
- Norse's ``from_nir`` with ``dt=1e-4`` (the NIR file);
- lava-dl's ``netx.hdf5.Network`` in Lava's simulator (the netx file).

Their output spikes must equal the reference engine's ``o`` on every image.
A lively random network of three hidden layers (300 samples) and the extreme
network (weights -256 and 254, sums exactly at the threshold) are held to the
rule's forward pass; further tests show lava-dl's limits and Norse's step.

These need PyTorch, snnTorch, Norse and lava-dl: ``make test-interop`` runs
them in ``.venv-interop``; ``make test`` deselects them (marker ``interop``).
"""

import json

import nir
import numpy as np
import pytest
from export_testing import (
    assert_extremes_matter,
    assert_lively,
    extreme_network,
    forward,
    lively_network,
    wide_network,
)
from lava_testing import no_leftover_workers  # noqa: F401

from lava_backprop import make_engine
from lava_backprop.checkpoint import load_checkpoint
from lava_backprop.cli import main
from lava_backprop.data import load_dataset
from lava_backprop.export import NETX_SUM_LIMIT, NIR_DT, export_netx, export_nir

pytestmark = [pytest.mark.interop, pytest.mark.timeout(900)]

N_TEST = 400
HIDDEN = {"1 hidden": "400", "2 hidden": "120,60", "3 hidden": "160,80,40"}


def _rows_equal(got: np.ndarray, want: np.ndarray) -> int:
    assert got.shape == want.shape, f"{got.shape} != {want.shape}"
    return int((got == want).all(axis=1).sum())


@pytest.fixture(scope="module", params=sorted(HIDDEN))
def trained(request, tmp_path_factory, data_root):
    """A network trained by ``lava-backprop train`` on 20 000 MNIST20 samples, exported both ways; its o."""
    out = tmp_path_factory.mktemp("run")
    args = ["--samples", "20000", "--test-samples", str(N_TEST), "--hidden", HIDDEN[request.param], "--no-progress"]
    assert main(["train", "--data-dir", str(data_root), "--out", str(out / "run"), *args]) == 0
    for fmt, suffix in (("nir", "nir"), ("netx", "net")):
        assert main(["export", str(out / "run"), "--format", fmt, "--out", str(out / f"net.{suffix}")]) == 0
    ckpt = load_checkpoint(out / "run")
    X = load_dataset("mnist20", "test", data_root).X[:N_TEST]
    with make_engine("reference", ckpt.stores) as engine:
        o, _ = engine.predict(X)
    test = json.loads((out / "run" / "metrics.json").read_text())[-1]["test"]
    assert test["argmax_z"] > 0.7, "the network must have learned (chance: 10 %)"
    assert 0.3 < o.any(axis=1).mean() and o.sum(axis=1).max() >= 1, "o must fire on many images"
    return {"nir": out / "net.nir", "netx": out / "net.net", "X": X, "o": o, "name": request.param}


def deep_network():
    """A lively network of three hidden layers, 300 samples."""
    mats, X = lively_network([16, 12, 10, 8, 5], n_samples=300, seed=3)
    assert_lively(forward(mats, X)[0])
    return mats, X


def run_snntorch(path, X) -> np.ndarray:
    """snnTorch's import of the NIR file, one sample per call (its step), state kept between calls."""
    import torch
    from snntorch.import_nir import import_from_nir

    net = import_from_nir(nir.read(str(path)))
    with torch.no_grad():
        out = [net(torch.tensor(x, dtype=torch.float32)[None])[0][0].numpy() for x in X]
    return np.array(out).astype(np.uint8)


def run_norse(path, X, dt=None) -> np.ndarray:
    """Norse's import of the NIR file with the graph's ``dt``, one sample per step, state passed along."""
    import norse.torch
    import torch

    graph = nir.read(str(path))
    net = norse.torch.from_nir(graph, dt=graph.metadata["dt"] if dt is None else dt)
    state, out = None, []
    with torch.no_grad():
        for x in X:
            o, state = net(torch.tensor(x, dtype=torch.float32)[None], state)
            out.append(o[0].numpy())
    return np.array(out).astype(np.uint8)


def run_lava_dl(path, X) -> np.ndarray:
    """lava-dl's ``netx.hdf5.Network`` of the netx file in Lava's simulator (``fixed_pt``), one sample per step.

    lava-dl adds one step per dense block: sample ``k`` (0-based) fed in step
    ``k + 1`` leaves in step ``k + 1 + blocks``; the output is read there.
    """
    from lava_backprop.runtime import import_lava_multiprocessing

    import_lava_multiprocessing()
    from lava.lib.dl.netx.hdf5 import Network
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source

    net = Network(net_config=str(path))
    delay, n = len(net), X.shape[0]
    data = np.zeros((X.shape[1], n + delay), dtype=int)
    data[:, :n] = X.T
    source, sink = Source(data=data), Sink(shape=net.out.shape, buffer=n + delay)
    source.s_out.connect(net.inp)
    net.out.connect(sink.a_in)
    try:
        net.run(condition=RunSteps(num_steps=n + delay), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        out = np.asarray(sink.data.get())
    finally:
        net.stop()
    assert not out[:, :delay].any(), "nothing can leave lava-dl's network before its pipeline fills"
    return out[:, delay:].T.astype(np.uint8)


PEERS = {"snntorch": ("nir", run_snntorch), "norse": ("nir", run_norse), "lava-dl": ("netx", run_lava_dl)}


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peer_runs_a_trained_network_to_the_rules_output_spikes(peer, trained):
    fmt, run = PEERS[peer]
    got = run(trained[fmt], trained["X"])
    assert _rows_equal(got, trained["o"]) == N_TEST, f"{peer} differs on {trained['name']}"


@pytest.mark.parametrize("peer", sorted(PEERS))
def test_peer_runs_three_hidden_layers_and_the_extremes(peer, tmp_path):
    fmt, run = PEERS[peer]
    for name, (mats, X) in {"deep": deep_network(), "extreme": extreme_network()}.items():
        if name == "extreme":
            assert_extremes_matter(mats, X)
        path = tmp_path / f"{name}.{fmt}"
        (export_nir if fmt == "nir" else export_netx)(mats, path)
        want = forward(mats, X)[0][-1].astype(np.uint8)
        assert _rows_equal(run(path, X), want) == len(X), f"{peer} differs on the {name} network"


def test_norse_needs_the_graphs_step(tmp_path):
    """With Norse's default step (1e-3, ten LIF time constants) the neurons integrate and o changes."""
    mats, X = deep_network()
    export_nir(mats, tmp_path / "deep.nir")
    want = forward(mats, X)[0][-1].astype(np.uint8)
    assert _rows_equal(run_norse(tmp_path / "deep.nir", X, dt=1e-3), want) < len(X)
    assert NIR_DT == 1e-4


def test_lava_dl_is_exact_below_its_sum_limit_and_wraps_at_it(tmp_path):
    """The limit the netx export warns about is lava-dl's: sums of 2**17 and -2**17 wrap; the NIR peers have none."""
    mats, X, ks = wide_network(600)
    want = forward(mats, X)[0][-1].astype(np.uint8)
    assert want[:, 0].tolist() == [0, 1, 1, 1, 1, 1, 1, 1, 1, 0, 1] and not want[:, 1].any()
    with pytest.warns(UserWarning, match="W1 up to 153600"):
        export_netx(mats, tmp_path / "wide.net")
    got = run_lava_dl(tmp_path / "wide.net", X)
    below = 254 * ks < NETX_SUM_LIMIT
    np.testing.assert_array_equal(got[below, 0], want[below, 0])
    assert not got[~below, 0].any(), "lava-dl's current wraps to negative past +2**17: the units fall silent"
    below = 256 * ks < NETX_SUM_LIMIT
    assert not got[below, 1].any()
    assert got[~below, 1].all(), "lava-dl's current wraps to positive at -2**17: the units fire"
    export_nir(mats, tmp_path / "wide.nir")
    for run in (run_snntorch, run_norse):
        np.testing.assert_array_equal(run(tmp_path / "wide.nir", X), want)


def test_lava_dl_cannot_load_an_all_zero_layer(tmp_path):
    """Why the netx export warns of an all-zero matrix: lava-dl 0.6.0 fails while sizing its weights."""
    from lava.lib.dl.netx.hdf5 import Network

    mats, _ = lively_network([16, 12, 10, 5])
    with pytest.warns(UserWarning, match="all zero"):
        export_netx([mats[0], np.zeros_like(mats[1]), mats[2]], tmp_path / "zero.net")
    with pytest.raises(OverflowError):
        Network(net_config=str(tmp_path / "zero.net"))
