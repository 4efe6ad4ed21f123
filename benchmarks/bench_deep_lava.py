# SPDX-License-Identifier: BSD-3-Clause
"""The spiking circuit for 1, 2 and 3 hidden layers in the Lava simulator.

For each shape, trains ``--samples`` MNIST20 samples from Glorot weights with
`lava_backprop.lava_engine.DeepLavaNetwork` (ring ``training-<L>``) and with
the integer rule (`lava_backprop.deep.DeepNetwork`); reports the ring's steps
per sample, leaf processes, throughput, and whether weights and read-outs are
identical.

    .venv/bin/python benchmarks/bench_deep_lava.py [--samples 300] [--hidden 400] [--json out.json]
"""

import argparse
import json
import time

import numpy as np

from lava_backprop.data import load_dataset
from lava_backprop.deep import DeepNetwork, deep_glorot_init
from lava_backprop.lava_engine import DeepLavaNetwork
from lava_backprop.schedule import SCHEDULES


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=300)
    parser.add_argument("--hidden", type=int, default=400)
    parser.add_argument("--depths", type=int, nargs="+", default=[1, 2, 3])
    parser.add_argument("--data-dir")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)
    train = load_dataset("mnist20", "train", args.data_dir)
    order = np.random.default_rng(0).permutation(len(train))[: args.samples]
    X, T = train.X[order], train.T[order]
    rows = []
    for depth in args.depths:
        shape = [train.n_inputs, *[args.hidden] * depth, train.n_classes]
        weights = deep_glorot_init(shape, 0)
        rule = DeepNetwork(weights)
        o_ref, z_ref = rule.train(X, T)
        with DeepLavaNetwork(weights) as lava:
            tic = time.perf_counter()
            o, z = lava.train(X, T)
            seconds = time.perf_counter() - tic
            leaves = lava.leaf_processes
            got = lava.weights()
        want = rule.weights()
        schedule = SCHEDULES["training" if depth == 1 else f"training-{depth}"]
        rows.append(
            {
                "shape": "-".join(map(str, shape)),
                "steps_per_sample": schedule.n_phases,
                "leaf_processes": leaves,
                "samples_per_s": args.samples / seconds,
                "steps_per_s": schedule.steps(args.samples) / seconds,
                "identical": bool(
                    np.array_equal(o, o_ref)
                    and np.array_equal(z, z_ref)
                    and all(np.array_equal(got[k], want[k]) for k in want)
                ),
            }
        )
        r = rows[-1]
        print(
            f"{r['shape']:<18} {r['steps_per_sample']:>3} steps/sample  {r['leaf_processes']} leaf processes  "
            f"{r['samples_per_s']:6.1f} samples/s ({r['steps_per_s']:.0f} steps/s)  "
            f"{'identical to the rule' if r['identical'] else 'DIFFERS from the rule'}",
            flush=True,
        )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(rows, f, indent=2)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
