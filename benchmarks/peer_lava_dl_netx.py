# SPDX-License-Identifier: BSD-3-Clause
"""Does lava-dl's own netx loader reproduce the exported network's output spikes?

For each ``--shapes`` entry (``n_in-h_1-..-h_L-n_out``) this draws random
weights that make units fire (``N(0, 2 / (fan_in + fan_out)) * 1024``,
clipped to +-240, rounded to even), writes them with
`lava_backprop.export.export_netx`, loads the file with lava-dl's
``lava.lib.dl.netx.hdf5.Network`` and streams the first ``--samples``
MNIST20 test images through it as binary spikes, one sample per step, in
Lava's simulator (``Loihi2SimCfg``, ``fixed_pt``). lava-dl's network is
pipelined: each of its ``L + 1`` dense blocks adds one step, so sample ``k``
(0-based) leaves in step ``k + 1 + L + 1`` and is read there.

Per shape it prints how many samples' output spikes are identical to a
numpy forward pass (``h_l = [W_l h_{l-1} > 512]``) and to
`lava_backprop.export.run_netx`, the firing rates (so a match of all-silent
outputs would show), and the wall-clock time of each Lava run (file load,
network build, compilation and run). ``--odd F`` sets a fraction ``F`` of
the weights to 255, a value Lava's learning engine produces; lava-dl clips
255 to 254 in a matrix that also has negative weights, so expect mismatches
there.

lava-dl is not a dependency of lava_backprop; run in a venv that has it::

    python3.10 -m venv /work/venvs/lavadl
    /work/venvs/lavadl/bin/pip install lava-dl==0.6.0 lava-nc==0.10.0 h5py nir
    /work/venvs/lavadl/bin/pip install -e . --no-deps
    /work/venvs/lavadl/bin/pip install platformdirs tqdm    # lava_backprop's own
    LAVA_BACKPROP_DATA=/work/shared/data /work/venvs/lavadl/bin/python \\
        benchmarks/peer_lava_dl_netx.py --shapes 400-400-10,400-64-32-10 --samples 200
"""

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from lava_backprop.data import load_dataset
from lava_backprop.export import export_netx, run_netx


def lively_weights(sizes: list[int], rng, odd: float = 0.0) -> list[np.ndarray]:
    """Glorot-normal weights in units of 512 * 2, clipped to +-240, even; a fraction ``odd`` set to 255."""
    mats = []
    for fan_in, fan_out in zip(sizes[:-1], sizes[1:], strict=True):
        w = rng.normal(0.0, np.sqrt(2.0 / (fan_in + fan_out)) * 1024, size=(fan_out, fan_in))
        w = (2 * np.round(np.clip(w, -240, 240) / 2)).astype(np.int64)
        mats.append(np.where(rng.random(w.shape) < odd, 255, w))
    return mats


def numpy_forward(mats: list[np.ndarray], X: np.ndarray) -> list[np.ndarray]:
    """Spikes of every layer: ``h_l = [W_l h_{l-1} > 512]``; the last is o."""
    spikes, h = [], X.astype(np.int64)
    for w in mats:
        h = (h @ w.T > 512).astype(np.int64)
        spikes.append(h)
    return spikes


def run_lava_dl(path: Path, X: np.ndarray) -> tuple[np.ndarray, int]:
    """Output spikes of lava-dl's ``netx.hdf5.Network`` on ``X``, delay-corrected; and its layer count."""
    from lava.lib.dl.netx.hdf5 import Network
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source

    net = Network(net_config=str(path))
    delay = len(net)  # one step per dense block
    n = X.shape[0]
    data = np.zeros((X.shape[1], n + delay), dtype=int)
    data[:, :n] = X.T
    source = Source(data=data)
    sink = Sink(shape=net.out.shape, buffer=n + delay)
    source.s_out.connect(net.inp)
    net.out.connect(sink.a_in)
    try:
        net.run(condition=RunSteps(num_steps=n + delay), run_cfg=Loihi2SimCfg(select_tag="fixed_pt"))
        out = np.asarray(sink.data.get())
    finally:
        net.stop()
    return out[:, delay : n + delay].T.astype(np.uint8), len(net)


def same_rows(a: np.ndarray, b: np.ndarray) -> int:
    return int((a == b).all(axis=1).sum())


def check_shape(sizes: list[int], X: np.ndarray, rng, odd: float, workdir: Path) -> None:
    mats = lively_weights(sizes, rng, odd)
    path = workdir / ("net_" + "-".join(map(str, sizes)) + ".net")
    export_netx(mats, path)
    spikes = numpy_forward(mats, X)
    tic = time.perf_counter()
    o_dl, n_blocks = run_lava_dl(path, X)
    t_dl = time.perf_counter() - tic
    tic = time.perf_counter()
    o_rx = run_netx(path, X)
    t_rx = time.perf_counter() - tic
    o_np, n = spikes[-1].astype(np.uint8), X.shape[0]
    rates = ", ".join(f"{s.mean():.3f}" for s in spikes)
    n255 = sum(int((w == 255).sum()) for w in mats)
    print(f"shape {'-'.join(map(str, sizes))}: {n_blocks} lava-dl blocks, {n255} weights at 255")
    print(f"  firing rate per layer (numpy): {rates}")
    print(f"  samples with an output spike: {int(o_np.any(1).sum())}/{n}; outputs that fire: {int(o_np.any(0).sum())}")
    print(f"  lava-dl netx.hdf5.Network == numpy: {same_rows(o_dl, o_np)}/{n} samples identical   {t_dl:.1f} s")
    print(f"  lava-dl == run_netx:                {same_rows(o_dl, o_rx)}/{n} samples identical")
    print(f"  run_netx == numpy:                  {same_rows(o_rx, o_np)}/{n} samples identical   {t_rx:.1f} s")


def main(argv=None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--shapes", default="400-400-10,400-64-32-10", help="comma-separated n_in-h_1-..-n_out")
    parser.add_argument("--samples", type=int, default=200, help="first N MNIST20 test images")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--odd", type=float, default=0.0, help="fraction of weights set to 255")
    args = parser.parse_args(argv)
    X = load_dataset("mnist20", "test").X[: args.samples]
    import lava.lib.dl.netx.hdf5  # noqa: F401  (imports torch: kept out of the timings)

    rng = np.random.default_rng(args.seed)
    print(f"{X.shape[0]} MNIST20 test samples, seed {args.seed}, input firing rate {X.mean():.3f}")
    with tempfile.TemporaryDirectory() as tmp:
        for shape in args.shapes.split(","):
            sizes = [int(v) for v in shape.split("-")]
            if sizes[0] != X.shape[1]:
                parser.error(f"shape {shape}: MNIST20 has {X.shape[1]} inputs")
            check_shape(sizes, X, rng, args.odd, Path(tmp))


if __name__ == "__main__":
    main()
