# SPDX-License-Identifier: BSD-3-Clause
"""Samples per second of the reference engine, beside the dense implementation.

Both engines start from the same Glorot initialisation and see the same
shuffled MNIST20 samples in the same run; their weights must agree exactly
afterwards. Then the reference engine trains one full epoch on its own.

    .venv/bin/python benchmarks/bench_reference.py [--hidden 400[,400..]] [--dense-samples 2000] [--json out.json]
"""

import argparse
import json
import platform
import time

import numpy as np

import lava_backprop as lb
from lava_backprop.data import load_dataset


def train_timed(name, weights, X, y, repeat):
    """Best wall time of ``repeat`` runs of ``train`` from the same weights."""
    best = float("inf")
    for _ in range(repeat):
        with lb.make_engine(name, weights) as engine:
            tic = time.perf_counter()
            engine.train(X, y)
            best = min(best, time.perf_counter() - tic)
            weights = engine.weights()
    return best, weights


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--dataset", default="mnist20")
    parser.add_argument("--hidden", default="400", help="hidden layer sizes, comma-separated (default 400)")
    parser.add_argument("--dense-samples", type=int, default=2000, help="samples for the side-by-side run")
    parser.add_argument("--repeat", type=int, default=3, help="runs per timing; the best is kept")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    train = load_dataset(args.dataset, "train", args.data_dir)
    rng = np.random.default_rng(args.seed)
    hidden = [int(v) for v in args.hidden.split(",")]
    size = lb.NetworkSize(train.n_inputs, *hidden, train.n_classes)
    weights = lb.glorot_init(size, rng)
    order = rng.permutation(len(train))
    X, y = train.X[order], train.labels[order]

    n = args.dense_samples
    t_dense, w_dense = train_timed("dense", weights, X[:n], y[:n], args.repeat)
    t_ref, w_ref = train_timed("reference", weights, X[:n], y[:n], args.repeat)
    exact = all(np.array_equal(w_dense[k], w_ref[k]) for k in size.store_names)
    t_epoch, _ = train_timed("reference", weights, X, y, 1)

    result = {
        "dataset": args.dataset,
        "size": str(size),
        "machine": f"{platform.processor() or platform.machine()}, numpy {np.__version__}",
        "side_by_side_samples": n,
        "dense_samples_per_s": n / t_dense,
        "reference_samples_per_s": n / t_ref,
        "speedup": t_dense / t_ref,
        "weights_identical": exact,
        "epoch_samples": len(train),
        "epoch_seconds": t_epoch,
        "epoch_samples_per_s": len(train) / t_epoch,
    }
    print(f"{args.dataset} {size}, first {n} samples of a shuffled epoch from Glorot init (best of {args.repeat}):")
    print(f"  dense numpy per sample   {result['dense_samples_per_s']:10.0f} samples/s")
    print(f"  reference (sparse)       {result['reference_samples_per_s']:10.0f} samples/s")
    print(f"  speed-up                 {result['speedup']:10.1f} x   weights identical: {exact}")
    print(
        f"reference, one full epoch of {len(train)} samples: {t_epoch:.2f} s "
        f"({result['epoch_samples_per_s']:.0f} samples/s)"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(result, f, indent=2)
    return 0 if exact else 1


if __name__ == "__main__":
    raise SystemExit(main())
