# SPDX-License-Identifier: BSD-3-Clause
"""The circuit on Loihi 2 built-ins (engine ``loihi2-sim``) in Lava's simulator.

Trains ``--samples`` MNIST20 samples on each network ``--hidden`` (sizes of
the hidden layers, comma-separated: ``40``, ``400``, ``40,40``), one ring of
the parity ring ``training-<L>-parity`` per sample, then infers
``--test-samples`` test images; reports leaf processes, build time and
throughput, and checks the weights against the rule (``reference``).

    .venv/bin/python benchmarks/bench_loihi2_sim.py [--hidden 40 400 40,40] [--samples 20] [--json out.json]
"""

import argparse
import json
import time

import numpy as np

import lava_backprop as lb
from lava_backprop.data import load_dataset
from lava_backprop.schedule import inference_schedule, training_schedule


def run(size, X, y, Xt) -> dict:
    weights = lb.glorot_init(size, 0)
    with lb.make_engine("reference", weights) as engine:
        engine.train(X, y)
        rule = engine.weights()
    with lb.make_engine("loihi2-sim", weights) as engine:
        tic = time.perf_counter()
        leaves = engine.leaf_processes()
        build = time.perf_counter() - tic
        tic = time.perf_counter()
        engine.train(X, y)
        t_train = time.perf_counter() - tic
        weights = engine.weights()
        inference_leaves = engine.leaf_processes("inference")
        tic = time.perf_counter()
        engine.predict(Xt)
        t_test = time.perf_counter() - tic
    steps = training_schedule(size.n_hidden, parity=True).steps(len(X)) + 1
    return {
        "size": str(size),
        "leaf_processes": leaves,
        "inference_leaf_processes": inference_leaves,
        "build_s": build,
        "train_samples_per_s": len(X) / t_train,
        "train_steps_per_s": steps / t_train,
        "infer_samples_per_s": len(Xt) / t_test,
        "infer_steps_per_s": (inference_schedule(size.n_hidden).steps(len(Xt)) + 1) / t_test,
        "weights_equal_rule": all(np.array_equal(weights[k], rule[k]) for k in weights),
    }


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--hidden", nargs="+", default=["40", "400"], help="networks: hidden sizes, comma-separated")
    parser.add_argument("--samples", type=int, default=20)
    parser.add_argument("--test-samples", type=int, default=100)
    parser.add_argument("--data-dir")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    train = load_dataset("mnist20", "train", args.data_dir)
    test = load_dataset("mnist20", "test", args.data_dir)
    order = np.random.default_rng(0).permutation(len(train))[: args.samples]
    X, y, Xt = train.X[order], train.labels[order], test.X[: args.test_samples]
    sizes = [lb.NetworkSize(train.n_inputs, *map(int, h.split(",")), train.n_classes) for h in args.hidden]
    rows = [run(size, X, y, Xt) for size in sizes]
    print(f"loihi2-sim, MNIST20: {args.samples} training samples, {args.test_samples} test samples")
    print(f"{'size':<16}{'leaves':>8}{'build s':>9}{'train smp/s':>13}{'steps/s':>9}{'infer smp/s':>13}  weights")
    for r in rows:
        verdict = "= rule" if r["weights_equal_rule"] else "DIFFER"
        print(
            f"{r['size']:<16}{r['leaf_processes']:>8}{r['build_s']:>9.1f}{r['train_samples_per_s']:>13.2f}"
            f"{r['train_steps_per_s']:>9.1f}{r['infer_samples_per_s']:>13.1f}  {verdict}"
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)


if __name__ == "__main__":
    main()
