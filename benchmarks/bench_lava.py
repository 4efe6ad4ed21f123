# SPDX-License-Identifier: BSD-3-Clause
"""Throughput of the nBP circuit in the Lava simulator, beside a plain Lava chain.

For each precision: train ``--samples`` MNIST20 samples on a 400-400-10
network (``12 N + 13`` steps), then infer ``--test-samples`` test images
(``4 N + 5`` steps); network construction and start-up are timed apart.
In the same run, a plain chain of Lava's own processes with the same number
of leaf processes (RingBuffer -> Dense -> LIF -> Dense -> LIF) runs as many
steps, as the simulator's floor. The trained weights are checked against the
reference engine on the same samples.

    .venv/bin/python benchmarks/bench_lava.py [--samples 600] [--json out.json]
"""

import argparse
import json
import time

import numpy as np

import lava_backprop as lb
from lava_backprop.data import load_dataset
from lava_backprop.schedule import INFERENCE, TRAINING

LEAF_PROCESSES = 5  # chain, source, input, hidden, output


def plain_chain_steps_per_s(n_steps: int, tag: str, width: int = 400) -> float:
    """Steps per second of RingBuffer -> Dense -> LIF -> Dense -> LIF (5 leaves)."""
    from lava_backprop.procs import import_lava_multiprocessing

    import_lava_multiprocessing()
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.io.source import RingBuffer
    from lava.proc.lif.process import LIF

    rng = np.random.default_rng(0)
    source = RingBuffer(data=(rng.random((width, 64)) < 0.25).astype(int))
    decay = 4095 if tag == "fixed_pt" else 1.0  # full decay: memoryless, as in the circuit
    d1 = Dense(weights=rng.integers(-128, 128, (width, width)) * 2)
    l1 = LIF(shape=(width,), du=decay, dv=decay, vth=1024)
    d2 = Dense(weights=rng.integers(-128, 128, (10, width)) * 2)
    l2 = LIF(shape=(10,), du=decay, dv=decay, vth=1024)
    source.s_out.connect(d1.s_in)
    d1.a_out.connect(l1.a_in)
    l1.s_out.connect(d2.s_in)
    d2.a_out.connect(l2.a_in)
    l2.create_runtime(executable=l2.compile(run_cfg=Loihi2SimCfg(select_tag=tag)))
    try:
        tic = time.perf_counter()
        l2.run(condition=RunSteps(num_steps=n_steps))
        return n_steps / (time.perf_counter() - tic)
    finally:
        l2.stop()


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=600, help="training samples per precision")
    parser.add_argument("--test-samples", type=int, default=1000, help="inference samples per precision")
    parser.add_argument("--hidden", type=int, default=400)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    train = load_dataset("mnist20", "train", args.data_dir)
    test = load_dataset("mnist20", "test", args.data_dir)
    rng = np.random.default_rng(args.seed)
    size = lb.NetworkSize(train.n_inputs, args.hidden, train.n_classes)
    w1, w2 = lb.glorot_init(size, rng)
    order = rng.permutation(len(train))[: args.samples]
    X, y = train.X[order], train.labels[order]
    Xt = test.X[: args.test_samples]
    with lb.make_engine("reference", w1, w2) as ref:
        ref.train(X, y)
        w_ref = ref.weights()

    n_train_steps = TRAINING.steps(args.samples)
    n_test_steps = INFERENCE.steps(args.test_samples)
    rows = []
    for engine_name in ("lava-fixed", "lava-float"):
        tag = "fixed_pt" if engine_name == "lava-fixed" else "floating_pt"
        with lb.make_engine(engine_name, w1, w2) as engine:
            tic = time.perf_counter()
            engine._circuit("training")
            build = time.perf_counter() - tic
            tic = time.perf_counter()
            engine.train(X, y)
            t_train = time.perf_counter() - tic
            tic = time.perf_counter()
            weights = engine.weights()
            t_weights = time.perf_counter() - tic
            engine._circuit("inference")
            tic = time.perf_counter()
            engine.predict(Xt)
            t_test = time.perf_counter() - tic
        exact = all(np.array_equal(weights[k], w_ref[k]) for k in lb.STORE_NAMES)
        plain = plain_chain_steps_per_s(n_train_steps, tag)
        rows.append(
            {
                "engine": engine_name,
                "build_s": build,
                "train_samples_per_s": args.samples / t_train,
                "train_steps_per_s": n_train_steps / t_train,
                "read_weights_s": t_weights,
                "infer_samples_per_s": args.test_samples / t_test,
                "infer_steps_per_s": n_test_steps / t_test,
                "plain_chain_steps_per_s": plain,
                "weights_equal_reference": exact,
            }
        )

    print(
        f"MNIST20 {size}: {args.samples} training samples ({n_train_steps} steps), "
        f"{args.test_samples} test samples ({n_test_steps} steps); {LEAF_PROCESSES} leaf processes"
    )
    print(
        f"{'engine':<11}{'train samples/s':>16}{'steps/s':>9}{'infer samples/s':>17}{'steps/s':>9}"
        f"{'plain chain steps/s':>21}{'exact':>7}"
    )
    for r in rows:
        print(
            f"{r['engine']:<11}{r['train_samples_per_s']:>16.1f}{r['train_steps_per_s']:>9.0f}"
            f"{r['infer_samples_per_s']:>17.1f}{r['infer_steps_per_s']:>9.0f}"
            f"{r['plain_chain_steps_per_s']:>21.0f}{r['weights_equal_reference']!s:>7}"
        )
    first = rows[0]
    print(
        f"(start-up excluded: build + compile {first['build_s']:.1f} s; reading the weights took "
        f"{first['read_weights_s']:.1f} s)"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump(
                {"size": str(size), "samples": args.samples, "test_samples": args.test_samples, "rows": rows},
                f,
                indent=2,
            )
    return 0 if all(r["weights_equal_reference"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
