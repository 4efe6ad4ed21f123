# SPDX-License-Identifier: BSD-3-Clause
"""The reference engine at the machine's limit, each figure beside a baseline from the same run.

1. Reference beside the dense per-sample implementation of the same rule on
   the first ``--dense-samples`` samples of a shuffled MNIST20 epoch at
   400-400-10 from Glorot init: samples/s of each, the ratio, and whether
   the weights are identical.
2. One full training epoch from Glorot init, and one test pass of 10 000
   images, at 400-400-10, 400-1600-10, 784-800-10 (MNIST28) and 400-400-400-10.
3. Shared cores: the reference engine on the same ``--busy-samples``
   samples alone, then beside two CPU-bound processes; the fraction of its
   solo speed it keeps (a fair share of two cores among three is about 2/3).

    .venv/bin/python benchmarks/bench_reference.py [--dense-samples 3000] [--json out.json]
"""

import argparse
import json
import platform
import subprocess
import sys
import time

import numpy as np

import lava_backprop as lb
from lava_backprop.data import load_dataset

SHAPES = [("mnist20", (400,)), ("mnist20", (1600,)), ("mnist28", (800,)), ("mnist20", (400, 400))]


def train_timed(name, weights, X, y):
    """Wall time of ``train`` on ``X`` from ``weights``, and the weights after."""
    with lb.make_engine(name, weights) as engine:
        engine.train(X[:1], y[:1])  # compiles the kernel (cached on disk after the first run)
    with lb.make_engine(name, weights) as engine:
        tic = time.perf_counter()
        engine.train(X, y)
        seconds = time.perf_counter() - tic
        return seconds, engine.weights()


def epoch_and_test(dataset, hidden, seed, data_dir) -> dict:
    train, test = load_dataset(dataset, "train", data_dir), load_dataset(dataset, "test", data_dir)
    rng = np.random.default_rng(seed)
    size = lb.NetworkSize(train.n_inputs, *hidden, train.n_classes)
    weights = lb.glorot_init(size, rng)
    order = rng.permutation(len(train))
    with lb.make_engine("reference", weights) as engine:
        engine.train(train.X[:1], train.labels[:1])  # compile outside the timing
    with lb.make_engine("reference", weights) as engine:
        tic = time.perf_counter()
        engine.train(train.X[order], train.labels[order])
        t_epoch = time.perf_counter() - tic
        tic = time.perf_counter()
        o, z = engine.predict(test.X)
        t_test = time.perf_counter() - tic
    return {
        "dataset": dataset,
        "size": str(size),
        "epoch_seconds": t_epoch,
        "epoch_samples_per_s": len(train) / t_epoch,
        "test_seconds": t_test,
        "test_images": len(test),
        "test_accuracy_argmax_z": float((z.argmax(1) == test.labels).mean()),
    }


def busy_cores(n: int) -> list[subprocess.Popen]:
    """``n`` processes that spin on a core each until killed."""
    return [subprocess.Popen([sys.executable, "-c", "while True: pass"]) for _ in range(n)]


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dense-samples", type=int, default=3000, help="samples for the side-by-side run")
    parser.add_argument("--busy-samples", type=int, default=20000, help="samples for the shared-core run")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    train = load_dataset("mnist20", "train", args.data_dir)
    rng = np.random.default_rng(args.seed)
    size = lb.NetworkSize(train.n_inputs, 400, train.n_classes)
    weights = lb.glorot_init(size, rng)
    order = rng.permutation(len(train))
    X, y = train.X[order], train.labels[order]

    n = args.dense_samples
    t_dense, w_dense = train_timed("dense", weights, X[:n], y[:n])
    t_ref, w_ref = train_timed("reference", weights, X[:n], y[:n])
    exact = all(np.array_equal(w_dense[k], w_ref[k]) for k in size.store_names)
    print(f"MNIST20 {size}, first {n} samples of a shuffled epoch from Glorot init:")
    print(f"  dense numpy per sample {n / t_dense:12.0f} samples/s")
    print(f"  reference (compiled)   {n / t_ref:12.0f} samples/s")
    print(f"  ratio                  {t_dense / t_ref:12.1f} x   weights identical: {exact}")

    print("one training epoch from Glorot init, then the 10 000 test images:")
    shapes = []
    for dataset, hidden in SHAPES:
        row = epoch_and_test(dataset, hidden, args.seed, args.data_dir)
        shapes.append(row)
        print(
            f"  {row['dataset']:<8} {row['size']:<16} epoch {row['epoch_seconds']:6.2f} s "
            f"({row['epoch_samples_per_s']:7.0f} samples/s), test pass {row['test_seconds']:5.2f} s"
        )

    m = args.busy_samples
    t_alone, w_alone = train_timed("reference", weights, X[:m], y[:m])
    spinners = busy_cores(2)
    try:
        time.sleep(0.5)
        t_busy, w_busy = train_timed("reference", weights, X[:m], y[:m])
    finally:
        for p in spinners:
            p.kill()
            p.wait()
    kept = t_alone / t_busy
    same = all(np.array_equal(w_alone[k], w_busy[k]) for k in size.store_names)
    print(f"shared cores, {m} samples at {size}:")
    print(f"  alone                  {m / t_alone:12.0f} samples/s")
    print(f"  beside 2 busy cores    {m / t_busy:12.0f} samples/s   keeps {100 * kept:.0f} % of its solo speed")

    result = {
        "machine": f"{platform.processor() or platform.machine()}, numpy {np.__version__}",
        "size": str(size),
        "side_by_side_samples": n,
        "dense_samples_per_s": n / t_dense,
        "reference_samples_per_s": n / t_ref,
        "speedup": t_dense / t_ref,
        "weights_identical": exact,
        "epochs": shapes,
        "busy_samples": m,
        "alone_samples_per_s": m / t_alone,
        "busy_samples_per_s": m / t_busy,
        "busy_fraction_of_solo": kept,
    }
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0 if exact and same else 1


if __name__ == "__main__":
    raise SystemExit(main())
