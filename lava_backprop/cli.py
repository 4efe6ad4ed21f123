# SPDX-License-Identifier: BSD-3-Clause
"""Command line: ``lava-backprop train | evaluate | plot | energy | export | check-hw | chip-selftest``.

Every command takes networks of any depth: ``train --hidden 400,400`` trains
two hidden layers, and the others read the sizes from the checkpoint (or, for
``check-hw``, from ``--sizes``).
"""

import argparse
import json
import logging
import os
import shlex
import signal
import sys
import threading
import traceback
from pathlib import Path

from tqdm.auto import tqdm

from lava_backprop import __version__
from lava_backprop.config import RUN_KEYS, ConfigError, read_run_config
from lava_backprop.data import ENCODINGS, SPLITS
from lava_backprop.engine import available_engines, make_engine
from lava_backprop.errors import LavaBackpropError, RunInterrupted
from lava_backprop.params import NetworkSize
from lava_backprop.training import evaluate_checkpoint, train_run
from lava_backprop.weights import glorot_init

__all__ = ["main"]

logger = logging.getLogger("lava_backprop")


def _positive(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {value}")
    return value


def _non_negative(text: str) -> int:
    value = int(text)
    if value < 0:
        raise argparse.ArgumentTypeError(f"must be a non-negative integer, got {value}")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lava-backprop", description="Neuromorphic backpropagation (nBP) on Lava and Loihi."
    )
    parser.add_argument("--version", action="version", version=f"%(prog)s {__version__}")
    parser.add_argument("-v", "--verbose", action="count", default=0, help="more log output (-vv: debug)")
    sub = parser.add_subparsers(dest="command", required=True)

    common = argparse.ArgumentParser(add_help=False)
    common.add_argument("--engine", default="reference", choices=available_engines())
    common.add_argument("--data-dir", type=Path, help="dataset directory searched first")

    train = sub.add_parser("train", parents=[common], help="train a network, one checkpoint per epoch")
    train.add_argument("--config", type=Path, help="run configuration (TOML; lava_backprop.config); flags override it")
    train.add_argument("--dataset", default="mnist20", choices=sorted(ENCODINGS))
    train.add_argument("--epochs", type=_positive, default=1, help="total epochs (including resumed ones)")
    train.add_argument("--samples", type=_positive, help="train on the first N training images only")
    train.add_argument("--test-samples", type=_positive, help="evaluate on the first N test images only")
    train.add_argument(
        "--hidden",
        type=_hidden,
        default=(400,),
        help="hidden layer sizes, comma-separated, input side first (default 400; 400,400: two hidden layers)",
    )
    train.add_argument("--seed", type=_non_negative, default=0)
    train.add_argument(
        "--per-class",
        type=_positive,
        default=1,
        help="output neurons per class (population read-out; a class scores the sum of its neurons)",
    )
    train.add_argument(
        "--init-scale", type=float, default=1.0, help="initial weights: Glorot's standard deviation times this"
    )
    train.add_argument(
        "--shift", type=_non_negative, default=0, help="augmentation: move training images up to N pixels per axis"
    )
    train.add_argument(
        "--check-circuit",
        action="store_true",
        help="reference engine: stop where the circuit would not train the run exactly (closed-phase input)",
    )
    train.add_argument("--out", type=Path, default=Path("runs/latest"), help="run directory")
    mode = train.add_mutually_exclusive_group()
    mode.add_argument("--resume", action="store_true", help="continue the run in --out")
    mode.add_argument("--overwrite", action="store_true", help="discard a run already in --out")
    train.add_argument("--no-progress", action="store_true", help="hide progress bars")

    sw = sub.add_parser("sweep", help="train every combination of a sweep file over its seeds, in parallel")
    sw.add_argument("file", type=Path, help="sweep file (TOML; lava_backprop.sweep)")
    sw.add_argument("--jobs", type=int, help="parallel runs (default: the file's, else every core)")
    sw.add_argument("--data-dir", help="dataset directory searched first")

    ev = sub.add_parser("evaluate", parents=[common], help="metrics of a checkpoint on a dataset split")
    ev.add_argument("checkpoint", type=Path, help="checkpoint .npz or run directory (latest checkpoint)")
    ev.add_argument("--dataset", choices=sorted(ENCODINGS), help="default: the checkpoint's dataset")
    ev.add_argument("--split", default="test", choices=SPLITS)
    ev.add_argument("--samples", type=_positive, help="evaluate the first N images only")
    ev.add_argument("--json", action="store_true", help="print the metrics as JSON")

    pl = sub.add_parser("plot", help="write a run's figures into RUN_DIR/plots")
    pl.add_argument("run_dir", type=Path, help="run directory with checkpoints (and metrics.json)")

    en = sub.add_parser("energy", help="energy and latency per sample from counted operations")
    en.add_argument("run_dir", type=Path, nargs="?", help="run directory (its latest checkpoint and dataset)")
    en.add_argument(
        "--paper-config",
        action="store_true",
        help="the paper's 400-400-10 MNIST20 network in its first epoch from Glorot initialisation: "
        "the last --samples training samples of that epoch are counted",
    )
    en.add_argument("--samples", type=_positive, default=1000, help="samples counted per mode (default 1000)")
    en.add_argument("--model", default="loihi1", choices=("loihi1", "loihi2"))
    en.add_argument("--data-dir", type=Path, help="dataset directory searched first")
    en.add_argument("--json", action="store_true", help="print the report as JSON")

    ex = sub.add_parser("export", help="export a trained network for inference (NIR or lava-dl netx HDF5)")
    ex.add_argument("checkpoint", type=Path, help="checkpoint .npz or run directory (latest checkpoint)")
    ex.add_argument("--format", required=True, choices=("nir", "netx"))
    ex.add_argument("--out", type=Path, help="output file (default: next to the checkpoint)")

    hw = sub.add_parser("check-hw", help="check the training network against Loihi 2, without hardware")
    hw.add_argument("--sizes", type=_sizes, default=(400, 400, 10), help="n_in,h_1,..,h_L,n_out (default 400,400,10)")
    hw.add_argument("--json", action="store_true", help="print the report as JSON")

    st = sub.add_parser("chip-selftest", help="micro-experiments on Loihi 2 built-ins (rule, latency, ring, input)")
    st.add_argument("--json", action="store_true", help="print the results as JSON")
    st.add_argument("--hardware", action="store_true", help="run on Loihi 2 (needs lava-loihi) instead of simulating")
    return parser


def _int_list(text: str) -> tuple[int, ...]:
    try:
        values = tuple(int(v) for v in text.split(","))
    except ValueError:
        return ()
    return values if values and min(values) >= 1 else ()


def _hidden(text: str) -> tuple[int, ...]:
    sizes = _int_list(text)
    if not sizes:
        raise argparse.ArgumentTypeError(f"expected positive integers separated by commas, got {text!r}")
    return sizes


def _sizes(text: str) -> tuple[int, ...]:
    sizes = _int_list(text)
    if len(sizes) < 3:
        raise argparse.ArgumentTypeError(
            f"expected at least three positive integers n_in,h_1,..,h_L,n_out separated by commas, got {text!r}"
        )
    return sizes


def _pct(m: dict) -> str:
    return (
        f"exact match {100 * m['exact_match']:.2f} %  argmax(o) {100 * m['argmax_o']:.2f} %  "
        f"argmax(z) {100 * m['argmax_z']:.2f} %  MSE {m['mse']:.4f}"
    )


def _print_epoch(m: dict) -> None:
    tqdm.write(f"epoch {m['epoch']:3d}  test: {_pct(m['test'])}  ({m['samples_per_s']:.0f} samples/s)")


def _cmd_sweep(args) -> int:
    from lava_backprop.sweep import run_sweep

    out, rows = run_sweep(args.file, jobs=args.jobs, data_dir=args.data_dir)
    print((out / "results.md").read_text())
    print(f"{len(rows)} combinations; results.md, results.csv and results.json in {out}")
    return 0


def _with_config(args, argv) -> argparse.Namespace:
    """``args`` with the settings of ``--config`` wherever no flag was given."""
    if args.config is None:
        return args
    given = {a.split("=")[0] for a in argv if a.startswith("--")}
    flags = {key: "--" + key.replace("_", "-") for key in RUN_KEYS}
    settings = {k: v for k, v in read_run_config(args.config).items() if flags[k] not in given}
    if "engine" in settings and settings["engine"] not in available_engines():
        raise ConfigError(f"{args.config}: unknown engine {settings['engine']!r}; choose one of {available_engines()}")
    if "dataset" in settings and settings["dataset"] not in ENCODINGS:
        raise ConfigError(f"{args.config}: unknown dataset {settings['dataset']!r}; choose one of {sorted(ENCODINGS)}")
    return argparse.Namespace(**(vars(args) | settings))


def _cmd_train(args, argv=()) -> int:
    args = _with_config(args, argv)
    history = train_run(
        args.out,
        dataset=args.dataset,
        epochs=args.epochs,
        samples=args.samples,
        test_samples=args.test_samples,
        hidden=args.hidden,
        seed=args.seed,
        engine=args.engine,
        resume=args.resume,
        overwrite=args.overwrite,
        data_dir=args.data_dir,
        progress=not args.no_progress,
        on_epoch=_print_epoch,
        per_class=args.per_class,
        init_scale=args.init_scale,
        shift=args.shift,
        check_circuit=args.check_circuit,
    )
    if not history:
        print(f"{args.out} has no finished epoch")
        return 1
    best = max(history, key=lambda m: m["test"]["argmax_z"])
    print(f"best test argmax(z): {100 * best['test']['argmax_z']:.2f} % at epoch {best['epoch']}")
    print(f"metrics:     {args.out / 'metrics.json'}")
    print(f"checkpoints: {args.out / 'checkpoints'}")
    print(f"plots:       {args.out / 'plots'}")
    return 0


def _cmd_evaluate(args) -> int:
    m = evaluate_checkpoint(
        args.checkpoint,
        dataset=args.dataset,
        split=args.split,
        samples=args.samples,
        engine=args.engine,
        data_dir=args.data_dir,
    )
    if args.json:
        print(json.dumps(m, indent=2))
    else:
        print(f"{m['checkpoint']} (epoch {m['epoch']}) on {m['dataset']} {m['split']}, {m['n']} samples:")
        print(f"  {_pct(m)}")
    return 0


def _cmd_plot(args) -> int:
    from lava_backprop.plotting import plot_run

    for name, path in plot_run(args.run_dir).items():
        print(f"{name:<17} {path}")
    return 0


def _cmd_energy(args) -> int:
    from lava_backprop.checkpoint import atomic_write_json, load_checkpoint
    from lava_backprop.data import load_dataset
    from lava_backprop.energy import MODELS, energy_report, plot_energy

    if args.paper_config == (args.run_dir is not None):
        raise ValueError("give either a run directory or --paper-config")
    n = args.samples
    if args.paper_config:
        dataset = "mnist20"
        train = load_dataset(dataset, "train", args.data_dir)
        if not n < len(train):
            raise ValueError(f"--samples must be below the {len(train)} samples of an epoch, got {n}")
        weights = glorot_init(NetworkSize(train.n_inputs, 400, train.n_classes), seed=0)
        with make_engine("reference", weights) as engine:
            engine.train(train.X[:-n], train.T[:-n])
            stores = engine.weights()
        X_count, T_count = train.X[-n:], train.T[-n:]
    else:
        ckpt = load_checkpoint(args.run_dir)
        stores, dataset = ckpt.stores, ckpt.config.get("dataset", "mnist20")
        train = load_dataset(dataset, "train", args.data_dir)
        X_count, T_count = train.X[:n], train.T[:n]
    test = load_dataset(dataset, "test", args.data_dir)
    report = energy_report(stores, X_count, T_count, test.X[:n], MODELS[args.model])
    if args.run_dir is not None:
        atomic_write_json(args.run_dir / "energy.json", report)
        (args.run_dir / "plots").mkdir(exist_ok=True)
        plot_energy(report, args.run_dir / "plots" / "energy.png")
    if args.json:
        print(json.dumps(report, indent=2))
        return 0
    for mode in ("train", "inference"):
        r = report[mode]
        paper = r["paper_loihi1"]
        print(
            f"{mode:<10} {r['energy_mj']:.4g} mJ, {r['latency_ms']:.3g} ms, EDP {r['edp_mj_ms']:.3g} mJ ms "
            f"per sample ({r['model']}); paper on Loihi 1: {paper['energy_mj']} mJ, {paper['latency_ms']} ms"
        )
        for name, value in r["breakdown_mj"].items():
            print(f"    {name:<22} {value:.4g} mJ")
    if args.run_dir is not None:
        print(f"written: {args.run_dir / 'energy.json'}, {args.run_dir / 'plots' / 'energy.png'}")
    return 0


def _cmd_export(args) -> int:
    from lava_backprop.checkpoint import load_checkpoint
    from lava_backprop.export import export_netx, export_nir

    ckpt = load_checkpoint(args.checkpoint)
    suffix = {"nir": ".nir", "netx": ".net"}[args.format]
    out = args.out or ckpt.path.with_suffix(suffix)
    if out.exists():
        raise ValueError(f"{out} exists; choose another --out")
    weights = [ckpt.stores[f"w{i}"] for i in range(1, ckpt.size.n_hidden + 2)]
    (export_nir if args.format == "nir" else export_netx)(weights, out)
    loader = {"nir": "snnTorch import_from_nir, or Norse from_nir with dt=1e-4", "netx": "lava-dl netx.hdf5.Network"}
    print(f"{args.format}: {out} ({ckpt.size} network, epoch {ckpt.epoch}); load it with {loader[args.format]}")
    return 0


def _cmd_check_hw(args) -> int:
    from lava_backprop.hw import check_hw

    report = check_hw(NetworkSize(*args.sizes))
    print(report.to_json() if args.json else report.summary())
    return 0 if report.ok else 1


def _cmd_chip_selftest(args) -> int:
    from lava_backprop.selftest import format_table, run_selftest, to_json

    results = run_selftest(hardware=args.hardware)
    print(to_json(results, hardware=args.hardware) if args.json else format_table(results))
    return 0 if all(r.passed for r in results) else 1


def _message(err: BaseException) -> str:
    """One line naming what failed: the file of an OS error, the size behind an out-of-memory."""
    if isinstance(err, OSError) and err.filename is not None:
        return f"{err.strerror or err}: {err.filename}"
    if isinstance(err, MemoryError):
        return f"out of memory{': ' + str(err) if str(err) else ''}"
    return str(err) or type(err).__name__


def _resume_command(argv) -> str:
    args = [a for a in argv if a not in ("--overwrite", "--resume")] + ["--resume"]
    return "lava-backprop " + " ".join(shlex.quote(a) for a in args)


def _on_sigterm(signum, frame):
    raise KeyboardInterrupt  # let the run tear down its Lava workers and say where it stopped


def main(argv=None) -> int:
    """Run the command line; return the exit status (2 for an error, 130 for an interrupt)."""
    argv = sys.argv[1:] if argv is None else list(argv)
    args = _parser().parse_args(argv)
    level = (logging.WARNING, logging.INFO, logging.DEBUG)[min(args.verbose, 2)]
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(levelname)s %(name)s: %(message)s"))
    logger.addHandler(handler)
    logger.setLevel(level)
    main_thread = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGTERM, _on_sigterm) if main_thread else None
    commands = {
        "train": _cmd_train,
        "sweep": _cmd_sweep,
        "evaluate": _cmd_evaluate,
        "plot": _cmd_plot,
        "energy": _cmd_energy,
        "export": _cmd_export,
        "check-hw": _cmd_check_hw,
        "chip-selftest": _cmd_chip_selftest,
    }
    try:
        return commands[args.command](args, argv) if args.command == "train" else commands[args.command](args)
    except RunInterrupted as err:
        print(f"lava-backprop {args.command}: {err}; continue with: {_resume_command(argv)}", file=sys.stderr)
        return 130
    except KeyboardInterrupt:
        print(f"lava-backprop {args.command}: interrupted", file=sys.stderr)
        return 130
    except BrokenPipeError:  # the reader of our output went away: nothing more to say
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 2
    except (LavaBackpropError, ValueError, OSError, MemoryError) as err:
        if args.verbose:
            traceback.print_exc()
        print(f"lava-backprop {args.command}: error: {_message(err)}", file=sys.stderr)
        return 2
    finally:
        logger.removeHandler(handler)
        if main_thread:
            signal.signal(signal.SIGTERM, previous)


if __name__ == "__main__":
    sys.exit(main())
