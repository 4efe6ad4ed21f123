# SPDX-License-Identifier: BSD-3-Clause
"""Throughput of the nBP circuit in the Lava simulator, beside a plain Lava chain.

For each network (``--hidden``, repeatable: ``--hidden 400 --hidden 400,400``)
and each precision: train ``--samples`` MNIST20 samples from Glorot weights
(one training ring per sample: 12 steps for one hidden layer, 23 for two, 32
for three), then infer ``--test-samples`` test images; network construction
and start-up are timed apart. In the same run, a plain chain of Lava's own
processes (RingBuffer -> Dense -> LIF -> Dense -> LIF, five leaf processes,
as many as the circuit of one hidden layer) runs as many steps, as the
simulator's floor, right before and right after each engine (their mean is
the baseline: the machine's load drifts). The trained weights and read-outs are checked against the
reference engine on the same samples.

    .venv/bin/python benchmarks/bench_lava.py [--samples 600] [--hidden 400 --hidden 400,400] [--json out.json]
"""

import argparse
import json
import time

import numpy as np

import lava_backprop as lb
from lava_backprop.data import load_dataset
from lava_backprop.schedule import inference_schedule, training_schedule


def plain_chain_steps_per_s(n_steps: int, tag: str, width: int = 400) -> float:
    """Steps per second of RingBuffer -> Dense -> LIF -> Dense -> LIF (5 leaves)."""
    from lava_backprop.runtime import import_lava_multiprocessing

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


def bench_network(hidden, X, y, Xt, engines, plain: dict) -> list[dict]:
    """One row per engine for the network with ``hidden`` layers."""
    size = lb.NetworkSize(X.shape[1], *hidden, 10)
    weights = lb.glorot_init(size, np.random.default_rng(0))
    with lb.make_engine("reference", weights) as ref:
        o_ref, z_ref = ref.train(X, y)
        w_ref = ref.weights()
    n_train_steps = training_schedule(size.n_hidden).steps(len(X))
    n_test_steps = inference_schedule(size.n_hidden).steps(len(Xt))
    rows = []
    for engine_name in engines:
        tag = "fixed_pt" if engine_name == "lava-fixed" else "floating_pt"
        plain_before = plain_chain_steps_per_s(n_train_steps, tag)
        with lb.make_engine(engine_name, weights) as engine:
            tic = time.perf_counter()
            leaves = engine.leaf_processes()  # builds and compiles the training network
            build = time.perf_counter() - tic
            tic = time.perf_counter()
            o, z = engine.train(X, y)
            t_train = time.perf_counter() - tic
            tic = time.perf_counter()
            weights_now = engine.weights()
            t_weights = time.perf_counter() - tic
            engine.leaf_processes("inference")  # builds the inference network
            tic = time.perf_counter()
            engine.predict(Xt)
            t_test = time.perf_counter() - tic
        exact = np.array_equal(o, o_ref) and np.array_equal(z, z_ref)
        exact = exact and all(np.array_equal(weights_now[k], w_ref[k]) for k in w_ref)
        # the plain chain right before and right after the circuit, as the machine's load drifts
        plain[tag] = (plain_before + plain_chain_steps_per_s(n_train_steps, tag)) / 2
        rows.append(
            {
                "size": str(size),
                "engine": engine_name,
                "leaf_processes": leaves,
                "steps_per_sample": training_schedule(size.n_hidden).n_phases,
                "build_s": build,
                "train_samples_per_s": len(X) / t_train,
                "train_steps_per_s": n_train_steps / t_train,
                "read_weights_s": t_weights,
                "infer_samples_per_s": len(Xt) / t_test,
                "infer_steps_per_s": n_test_steps / t_test,
                "plain_chain_steps_per_s": plain[tag],
                "step_cost_vs_plain_chain": plain[tag] / (n_train_steps / t_train),
                "identical_to_reference": bool(exact),
            }
        )
    return rows


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--samples", type=int, default=600, help="training samples per network and precision")
    parser.add_argument("--test-samples", type=int, default=1000, help="inference samples per network and precision")
    parser.add_argument(
        "--hidden", action="append", help="hidden layer sizes, comma-separated; repeat for several networks"
    )
    parser.add_argument("--engines", default="lava-fixed,lava-float")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--data-dir")
    parser.add_argument("--json", help="also write the figures to this JSON file")
    args = parser.parse_args(argv)

    train = load_dataset("mnist20", "train", args.data_dir)
    test = load_dataset("mnist20", "test", args.data_dir)
    order = np.random.default_rng(args.seed).permutation(len(train))[: args.samples]
    X, y = train.X[order], train.labels[order]
    Xt = test.X[: args.test_samples]
    plain, rows = {}, []
    for hidden in args.hidden or ["400"]:
        rows += bench_network([int(v) for v in hidden.split(",")], X, y, Xt, args.engines.split(","), plain)

    print(f"MNIST20: {args.samples} training samples, {args.test_samples} test samples, from Glorot weights")
    print(
        f"{'network':<20}{'engine':<11}{'leaves':>7}{'steps':>6}{'train samples/s':>16}{'steps/s':>9}"
        f"{'infer samples/s':>17}{'plain chain steps/s':>21}{'step cost':>11}{'exact':>7}"
    )
    for r in rows:
        print(
            f"{r['size']:<20}{r['engine']:<11}{r['leaf_processes']:>7}{r['steps_per_sample']:>6}"
            f"{r['train_samples_per_s']:>16.1f}{r['train_steps_per_s']:>9.0f}{r['infer_samples_per_s']:>17.1f}"
            f"{r['plain_chain_steps_per_s']:>21.0f}{r['step_cost_vs_plain_chain']:>10.2f}x"
            f"{r['identical_to_reference']!s:>7}"
        )
    first = rows[0]
    print(
        f"(start-up excluded: build + compile {first['build_s']:.1f} s; reading the weights took "
        f"{first['read_weights_s']:.1f} s; the plain chain has 5 leaf processes)"
    )
    if args.json:
        with open(args.json, "w") as f:
            json.dump({"samples": args.samples, "test_samples": args.test_samples, "rows": rows}, f, indent=2)
    return 0 if all(r["identical_to_reference"] for r in rows) else 1


if __name__ == "__main__":
    raise SystemExit(main())
