# SPDX-License-Identifier: BSD-3-Clause
"""Training and evaluation runs: epochs, shuffling, checkpoints, metrics, plots.

One epoch presents the training samples once, in an order drawn from the
run's generator, one nBP sample at a time (batch 1, online). After every
epoch the run saves a checkpoint, evaluates the test split and appends to
``metrics.json``; `train_run` with ``resume=True`` continues from the last
checkpoint with the same generator state, so an interrupted run ends with the
same weights as one that was never interrupted.
"""

import logging
import os
import shutil
import time
from pathlib import Path

import numpy as np
from tqdm.auto import tqdm

from lava_backprop.checkpoint import (
    atomic_write_json,
    latest_checkpoint,
    load_checkpoint,
    read_json,
    resume_point,
    run_lock,
    save_checkpoint,
)
from lava_backprop.data import load_dataset
from lava_backprop.data.encode import random_shifts, shift_images
from lava_backprop.engine import check_per_class, make_engine
from lava_backprop.errors import CheckpointError, RunInterrupted, ShapeError
from lava_backprop.metrics import classification_metrics
from lava_backprop.params import NetworkSize
from lava_backprop.plotting import plot_run
from lava_backprop.rng import check_random_state
from lava_backprop.weights import check_memory, glorot_init

__all__ = ["train_run", "evaluate_checkpoint", "hidden_sizes", "CHUNK"]

logger = logging.getLogger(__name__)

#: Samples handed to the engine per call; the progress bar moves per chunk.
CHUNK = 2000

# Keys that must match for --resume to continue the same run.
_RUN_KEYS = ("dataset", "hidden", "seed", "samples", "per_class", "init_scale", "shift")
# Their values in runs saved before the key existed.
_DEFAULTS = {"per_class": 1, "init_scale": 1.0, "shift": 0}


def hidden_sizes(hidden) -> tuple[int, ...]:
    """Hidden layer sizes from an int (one layer) or a sequence of ints.

    Raises
    ------
    ShapeError
        If a size is not a positive int, or there is none.
    """
    sizes = (hidden,) if isinstance(hidden, int | np.integer) else tuple(hidden)
    if not sizes or any(not isinstance(v, int | np.integer) or isinstance(v, bool) or v < 1 for v in sizes):
        raise ShapeError(f"hidden must be a positive int or a non-empty sequence of them, got {hidden!r}")
    return tuple(int(v) for v in sizes)


def _subset(ds, n, per_class: int = 1):
    """The first ``n`` images and their targets, each class's one-hot bit repeated ``per_class`` times."""
    if n is None:
        n = len(ds)
    if not 1 <= n <= len(ds):
        raise ValueError(f"samples must be in [1, {len(ds)}] for {ds.name} {ds.split}, got {n}")
    return ds.X[:n], np.repeat(ds.T[:n], per_class, axis=1)


def _prepare_dir(out: Path, resume: bool, overwrite: bool) -> None:
    """Refuse a directory that holds a run unless resuming or overwriting; clear it for overwrite."""
    has_run = (out / "metrics.json").exists() or latest_checkpoint(out) is not None
    if has_run and not (resume or overwrite):
        raise CheckpointError(
            f"{out} already holds a run; pass resume to continue it, overwrite to start again, "
            "or choose another output directory"
        )
    if overwrite and not resume:
        for name in ("checkpoints", "plots"):
            shutil.rmtree(out / name, ignore_errors=True)
        for name in ("metrics.json", "config.json", "energy.json"):
            (out / name).unlink(missing_ok=True)


def train_run(
    out: os.PathLike,
    *,
    dataset: str = "mnist20",
    epochs: int = 1,
    samples: int | None = None,
    test_samples: int | None = None,
    hidden=400,
    seed: int = 0,
    engine: str = "reference",
    resume: bool = False,
    overwrite: bool = False,
    data_dir=None,
    progress: bool = True,
    on_epoch=None,
    per_class: int = 1,
    init_scale: float = 1.0,
    shift: int = 0,
    check_circuit: bool = False,
) -> list[dict]:
    """Train nBP for ``epochs`` epochs (in total, when resuming) into ``out``.

    Parameters
    ----------
    out : path-like
        Run directory; see `lava_backprop.checkpoint`.
    dataset : str
        Encoding name, e.g. ``"mnist20"``.
    epochs : int
        Total number of epochs the run should have when this call returns.
    samples, test_samples : int, optional
        Use only the first ``samples`` training / ``test_samples`` test images.
    hidden : int or sequence of int
        Hidden layer size, or the sizes of several hidden layers (input side
        first): ``(400, 400)`` trains ``n_in-400-400-n_out``.
    seed : int
        Seeds the initial weights and every epoch's shuffle (one generator).
    engine : str
        Engine name for `lava_backprop.make_engine`.
    resume : bool
        Continue the run in ``out`` from its latest checkpoint.
    overwrite : bool
        Discard a run already in ``out``.
    data_dir : path-like, optional
        Dataset directory searched first.
    progress : bool
        Show tqdm progress bars.
    on_epoch : callable, optional
        Called with each new ``metrics.json`` entry once it is saved.
    per_class : int
        Output neurons per class (population read-out): the output layer has
        ``n_classes * per_class`` neurons; see `lava_backprop.make_engine`.
    init_scale : float
        Factor on the standard deviation of the initial weights (`lava_backprop.glorot_init`).
    shift : int
        Augmentation: each epoch moves every training image by up to ``shift``
        pixels along each axis (zero-filled), the offsets drawn from the run's
        generator after the shuffle, so a resumed run stays bit-identical. 0: off.
    check_circuit : bool
        With the reference engine, take every plastic sum the circuit would
        land on a closed population (`lava_backprop.reference.ReferenceEngine`):
        a run the circuit would not train exactly stops with `CircuitError`,
        its finished epochs saved, and each epoch's metrics hold the largest
        (``closed_peak``). The Lava engines run the circuit itself.

    Returns
    -------
    list of dict
        The whole ``metrics.json`` history.
    """
    out = Path(out)
    if epochs < 1:
        raise ValueError(f"epochs must be at least 1, got {epochs}")
    hidden = hidden_sizes(hidden)
    config = {"dataset": dataset, "hidden": list(hidden), "seed": seed, "samples": samples, "engine": engine}
    config["per_class"] = per_class = check_per_class(per_class, per_class)
    if not (isinstance(init_scale, (int, float)) and init_scale > 0):
        raise ValueError(f"init_scale must be a positive number, got {init_scale!r}")
    if not (isinstance(shift, int) and shift >= 0):
        raise ValueError(f"shift must be a non-negative integer, got {shift!r}")
    if check_circuit and engine == "dense":
        raise ValueError("check_circuit takes the reference engine (the Lava engines run the circuit itself)")
    config |= {"init_scale": float(init_scale), "shift": shift, "check_circuit": bool(check_circuit)}
    train = load_dataset(dataset, "train", data_dir)
    test = load_dataset(dataset, "test", data_dir)
    X_train, T_train = _subset(train, samples, per_class)
    X_test, T_test = _subset(test, test_samples, per_class)
    size = NetworkSize(train.n_inputs, *hidden, train.n_classes * per_class)
    if engine == "loihi2":  # before the run directory is touched
        from lava_backprop.lava_engine import require_loihi2

        require_loihi2(size)
    check_memory(size)
    with run_lock(out):
        _prepare_dir(out, resume, overwrite)
        return _run_epochs(out, config, size, (X_train, T_train, X_test, T_test), epochs, resume, progress, on_epoch)


def _start(out: Path, config: dict, size: NetworkSize, resume: bool):
    """Weights, generator, first epoch and history of a run: fresh, or where a resumed run left off."""
    start, history = resume_point(out) if resume else (0, [])
    if (out / "config.json").exists() and resume:
        saved = read_json(out / "config.json")
        saved = saved | {"hidden": saved["hidden"] if isinstance(saved.get("hidden"), list) else [saved.get("hidden")]}
        saved = _DEFAULTS | saved
        mismatch = {k: (saved.get(k), config[k]) for k in _RUN_KEYS if saved.get(k) != config[k]}
        if mismatch:
            raise CheckpointError(f"cannot resume {out}: settings differ from the saved run (saved, asked): {mismatch}")
    if start == 0:
        rng = check_random_state(config["seed"])
        return glorot_init(size, rng, config["init_scale"]), rng, 0, history
    ckpt = load_checkpoint(out / "checkpoints" / f"epoch_{start:03d}.npz")
    if ckpt.size != size:
        raise CheckpointError(f"cannot resume {out}: its network is {ckpt.size}, asked for {size}")
    rng = check_random_state(None)
    rng.bit_generator.state = ckpt.rng_state
    logger.info("resuming %s after epoch %d", out, start)
    return ckpt.stores, rng, start, history


def _run_epochs(out: Path, config: dict, size: NetworkSize, data, epochs: int, resume: bool, progress, on_epoch):
    X_train, T_train, X_test, T_test = data
    stores, rng, start, history = _start(out, config, size, resume)
    atomic_write_json(out / "config.json", config | {"size": str(size)})
    engine, epoch = config["engine"], start
    checked = {"check_circuit": True} if config["check_circuit"] and engine == "reference" else {}
    try:
        with make_engine(engine, stores, per_class=config["per_class"], **checked) as eng:
            for epoch in range(start + 1, epochs + 1):
                order = rng.permutation(X_train.shape[0])
                X = X_train[order]
                if config["shift"]:
                    X = shift_images(X, random_shifts(rng, X.shape[0], config["shift"]))
                tic = time.perf_counter()
                o, z = _train_epoch(eng, X, T_train[order], f"epoch {epoch}/{epochs}", progress)
                seconds = time.perf_counter() - tic
                train_m = classification_metrics(o, z, T_train[order], eng.per_class)
                test_m = classification_metrics(*eng.predict(X_test), T_test, eng.per_class)
                stores = eng.weights()
                save_checkpoint(out, epoch, stores, rng.bit_generator.state, config)
                history.append(
                    {
                        "epoch": epoch,
                        "train": train_m,
                        "test": test_m,
                        "train_seconds": seconds,
                        "samples_per_s": X_train.shape[0] / seconds,
                        "engine": engine,
                    }
                    | ({"closed_peak": eng.closed_peak} if checked else {})
                )
                atomic_write_json(out / "metrics.json", history)
                plot_run(out, weights=False)  # the learning curves every epoch; the weights at the end
                if on_epoch is not None:
                    on_epoch(history[-1])
                logger.info(
                    "epoch %d: test argmax(z) %.2f %%, argmax(o) %.2f %%, %.0f samples/s",
                    epoch,
                    100 * test_m["argmax_z"],
                    100 * test_m["argmax_o"],
                    history[-1]["samples_per_s"],
                )
        if history:
            plot_run(out)
    except KeyboardInterrupt:
        saved = f"epochs 1 to {len(history)} are saved" if history else "no epoch is saved yet"
        where = f"after epoch {epoch}" if history and history[-1]["epoch"] == epoch else f"in epoch {epoch}"
        raise RunInterrupted(f"interrupted {where} of {epochs}; {saved} in {out}") from None
    return history


def _train_epoch(eng, X, T, desc: str, progress: bool):
    n = X.shape[0]
    o = np.empty((n, T.shape[1]), dtype=np.uint8)
    z = np.empty((n, T.shape[1]), dtype=np.int32)
    step = min(CHUNK, getattr(eng, "chunk", CHUNK))
    with tqdm(total=n, desc=desc, unit="sample", disable=not progress, leave=False) as bar:
        for lo in range(0, n, step):
            hi = min(lo + step, n)
            o[lo:hi], z[lo:hi] = eng.train(X[lo:hi], T[lo:hi])
            bar.update(hi - lo)
    return o, z


def evaluate_checkpoint(
    checkpoint: os.PathLike,
    *,
    dataset: str | None = None,
    split: str = "test",
    samples: int | None = None,
    engine: str = "reference",
    data_dir=None,
) -> dict:
    """Metrics of a saved network on a dataset split.

    Parameters
    ----------
    checkpoint : path-like
        A checkpoint ``.npz`` or a run directory (its latest checkpoint).
    dataset : str, optional
        Defaults to the dataset the checkpoint was trained on.
    split : {"test", "train"}
    samples : int, optional
        Evaluate the first ``samples`` images only.
    engine : str
        Engine that runs the inference.

    Returns
    -------
    dict
        The metrics of `classification_metrics`, plus ``checkpoint``, ``epoch``,
        ``dataset`` and ``split``.
    """
    ckpt = load_checkpoint(checkpoint)
    dataset = dataset or ckpt.config.get("dataset")
    per_class = ckpt.config.get("per_class", 1)
    ds = load_dataset(dataset, split, data_dir)
    X, T = _subset(ds, samples, per_class)
    with make_engine(engine, ckpt.stores, per_class=per_class) as eng:
        metrics = classification_metrics(*eng.predict(X), T, per_class)
    return metrics | {"checkpoint": str(ckpt.path), "epoch": ckpt.epoch, "dataset": dataset, "split": split}
