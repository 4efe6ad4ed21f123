# SPDX-License-Identifier: BSD-3-Clause
"""Does depth help nBP? Test accuracy on MNIST20 after the same number of epochs.

Trains each shape with the reference engine (the integer rule for any number
of hidden layers; one hidden layer is exactly the paper's rule) from Glorot
initialisation, shuffling every epoch, and prints the test metrics after each
epoch and the training speed.

    .venv/bin/python benchmarks/bench_depth.py [--epochs 3] [--json out.json]
"""

import argparse
import json
import time

import numpy as np

import lava_backprop as lb
from lava_backprop.data import load_dataset

SHAPES = ([400, 400, 10], [400, 400, 400, 10], [400, 800, 10])


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--epochs", type=int, default=3)
    parser.add_argument("--shapes", nargs="+", help="shapes as 400-400-10 (default: the three of the README)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir")
    parser.add_argument("--json", help="also write the results to this JSON file")
    args = parser.parse_args(argv)
    train = load_dataset("mnist20", "train", args.data_dir)
    test = load_dataset("mnist20", "test", args.data_dir)
    results = []
    shapes = [[int(n) for n in text.split("-")] for text in args.shapes] if args.shapes else SHAPES
    for shape in shapes:
        rng = np.random.default_rng(args.seed)
        net = lb.make_engine("reference", lb.glorot_init(lb.NetworkSize(shape), rng))
        history = []
        for epoch in range(1, args.epochs + 1):
            order = rng.permutation(len(train))
            tic = time.perf_counter()
            net.train(train.X[order], train.T[order])
            seconds = time.perf_counter() - tic
            m = lb.classification_metrics(*net.predict(test.X), test.T)
            history.append(m | {"epoch": epoch, "samples_per_s": len(train) / seconds})
            print(
                f"{'-'.join(map(str, shape)):<16} epoch {epoch}: argmax(z) {100 * m['argmax_z']:.2f} %  "
                f"argmax(o) {100 * m['argmax_o']:.2f} %  exact {100 * m['exact_match']:.2f} %  "
                f"({len(train) / seconds:.0f} samples/s)",
                flush=True,
            )
        net.close()
        best = max(h["argmax_z"] for h in history)
        results.append({"shape": shape, "history": history, "best_argmax_z": best})
    print("\nbest test argmax(z) after", args.epochs, "epochs:")
    for r in results:
        print(f"  {'-'.join(map(str, r['shape'])):<16} {100 * r['best_argmax_z']:.2f} %")
    if args.json:
        with open(args.json, "w") as f:
            json.dump(results, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
