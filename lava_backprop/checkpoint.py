# SPDX-License-Identifier: BSD-3-Clause
"""Run directories: checkpoints, configuration and metrics on disk.

A run directory holds::

    config.json                  what was trained (dataset, sizes, seed, ...)
    metrics.json                 one entry per finished epoch
    checkpoints/epoch_NNN.npz    the stores (w1 .. w<L+1>, w<l>t_pos, w<l>t_neg), the
                                 layer sizes, epoch and RNG state
    plots/*.png

Every file is written under a temporary name and moved into place, so an
interrupted write never damages what was saved before.
"""

import contextlib
import fcntl
import io
import json
import os
import re
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from lava_backprop.errors import CheckpointError, WeightError
from lava_backprop.files import atomic_path
from lava_backprop.params import CIRCUIT, NetworkSize
from lava_backprop.weights import check_stores

__all__ = [
    "Checkpoint",
    "atomic_write_json",
    "save_checkpoint",
    "load_checkpoint",
    "latest_checkpoint",
    "checkpoint_epochs",
    "read_json",
    "run_lock",
    "resume_point",
]

_CKPT = re.compile(r"epoch_(\d+)\.npz$")


@dataclass(frozen=True)
class Checkpoint:
    """A loaded checkpoint.

    Attributes
    ----------
    stores : dict of str to ndarray
        The weight stores by name (int32), ``size.store_names``.
    size : NetworkSize
        Layer sizes of the network.
    epoch : int
        Epochs completed.
    rng_state : dict
        State of the run's random generator after that epoch.
    config : dict
        The run's configuration.
    path : Path
    """

    stores: dict
    size: NetworkSize
    epoch: int
    rng_state: dict
    config: dict
    path: Path


def _atomic(path: Path, write) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "xb") as f:
        write(f)


def atomic_write_json(path: os.PathLike, obj) -> None:
    """Write ``obj`` as indented JSON to ``path`` atomically."""
    _atomic(Path(path), lambda f: f.write((json.dumps(obj, indent=2) + "\n").encode()))


def read_json(path: os.PathLike):
    """Read a JSON file, raising CheckpointError if it is unreadable."""
    try:
        return json.loads(Path(path).read_text())
    except FileNotFoundError:
        raise CheckpointError(f"{path}: file not found") from None
    except (OSError, ValueError) as err:
        raise CheckpointError(f"{path}: not valid JSON ({err})") from None


def save_checkpoint(run_dir: os.PathLike, epoch: int, stores: dict, rng_state: dict, config: dict) -> Path:
    """Save ``checkpoints/epoch_{epoch:03d}.npz`` in ``run_dir``; return its path.

    ``stores`` holds every store of the network by name.
    """
    path = Path(run_dir) / "checkpoints" / f"epoch_{epoch:03d}.npz"
    size, checked = check_stores(stores)
    missing = sorted(set(size.store_names) - set(stores))
    if missing:
        raise CheckpointError(f"a checkpoint needs every store of the {size} network; missing {missing}")
    arrays = {k: v.astype(np.int16) for k, v in checked.items()}
    meta = {"epoch": epoch, "rng_state": rng_state, "config": config, "sizes": list(size.sizes)}
    npz = io.BytesIO()  # built in memory: numpy leaves its zip file open when a write to disk fails
    np.savez_compressed(npz, meta=np.array(json.dumps(meta)), **arrays)
    _atomic(path, lambda f: f.write(npz.getvalue()))
    return path


def checkpoint_epochs(run_dir: os.PathLike) -> dict[int, Path]:
    """The checkpoints of ``run_dir`` by epoch."""
    found = {}
    for p in (Path(run_dir) / "checkpoints").glob("epoch_*.npz"):
        m = _CKPT.search(p.name)
        if m:
            found[int(m.group(1))] = p
    return dict(sorted(found.items()))


def latest_checkpoint(run_dir: os.PathLike) -> Path | None:
    """Checkpoint of the highest epoch in ``run_dir``, or None."""
    found = checkpoint_epochs(run_dir)
    return found[max(found)] if found else None


@contextlib.contextmanager
def run_lock(run_dir: os.PathLike):
    """Hold ``run_dir``'s lock while a run writes it (an OS lock, released when the process dies).

    Creates ``run_dir`` if needed and records the holder's process id in
    ``run_dir/.lock``.

    Raises
    ------
    CheckpointError
        If ``run_dir`` is a file, or another process holds the lock.
    """
    run_dir = Path(run_dir)
    if run_dir.exists() and not run_dir.is_dir():
        raise CheckpointError(f"{run_dir} is a file, not a run directory; choose another output directory")
    run_dir.mkdir(parents=True, exist_ok=True)
    with open(run_dir / ".lock", "a+") as lock:
        try:
            fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            lock.seek(0)
            holder = lock.read().strip() or "unknown"
            raise CheckpointError(
                f"{run_dir} is being written by another run (process {holder}); wait for it to end "
                "or choose another output directory"
            ) from None
        lock.truncate(0)
        lock.write(f"{os.getpid()}\n")
        lock.flush()
        yield


def resume_point(run_dir: os.PathLike) -> tuple[int, list[dict]]:
    """The last epoch a run can continue after, and its history up to there.

    A consistent run has checkpoints ``1 .. c`` and ``metrics.json`` entries
    ``1 .. m`` with ``m == c``, or ``m == c - 1`` when it stopped between
    writing epoch ``c``'s checkpoint and its metrics; it continues after epoch
    ``m``, redoing epoch ``c`` exactly from checkpoint ``m`` (or from the
    start). The history is never shortened.

    Raises
    ------
    CheckpointError
        If the metrics and the checkpoints disagree: an epoch with metrics but
        no checkpoint, missing checkpoints, or entries out of order.
    """
    run_dir = Path(run_dir)
    epochs = list(checkpoint_epochs(run_dir))
    history = read_json(run_dir / "metrics.json") if (run_dir / "metrics.json").exists() else []
    if not isinstance(history, list) or any(not isinstance(m, dict) or "epoch" not in m for m in history):
        raise CheckpointError(f"{run_dir / 'metrics.json'}: not a list of epoch entries")
    recorded = [m["epoch"] for m in history]
    if recorded != list(range(1, len(recorded) + 1)):
        raise CheckpointError(f"cannot resume {run_dir}: metrics.json records epochs {recorded}, not 1, 2, ...")
    if epochs != list(range(1, len(epochs) + 1)):
        missing = sorted(set(range(1, max(epochs) + 1)) - set(epochs))
        raise CheckpointError(f"cannot resume {run_dir}: the checkpoints of epochs {missing} are missing")
    if not len(recorded) <= len(epochs) <= len(recorded) + 1:
        raise CheckpointError(
            f"cannot resume {run_dir}: metrics.json records {len(recorded)} epoch(s) but there are "
            f"{len(epochs)} checkpoint(s); the run's history and its checkpoints disagree"
        )
    return len(recorded), history


def load_checkpoint(path: os.PathLike) -> Checkpoint:
    """Load and validate a checkpoint file, or the latest one of a run directory.

    Older checkpoints record the upper weight bound of the engine that wrote
    them (``"w_max"``, 255 for ``loihi2-sim`` runs that saturated at +255);
    the bound is ignored, and such a checkpoint loads if its stores are valid
    for the rule (even, in ``[-256, 254]``).

    Raises
    ------
    CheckpointError
        If there is no checkpoint, or it is unreadable, incomplete or holds
        invalid weights (among them an older ``loihi2-sim`` run's odd weights
        or weights at 255).
    """
    path = Path(path)
    if path.is_dir():
        found = latest_checkpoint(path)
        if found is None:
            raise CheckpointError(f"{path}: run directory has no checkpoints/epoch_*.npz")
        path = found
    try:
        with np.load(path, allow_pickle=False) as npz:
            if "meta" not in npz.files:
                raise CheckpointError(f"{path}: checkpoint lacks its meta data")
            arrays = {k: npz[k] for k in npz.files if k != "meta"}
            meta = json.loads(str(npz["meta"]))
    except CheckpointError:
        raise
    except FileNotFoundError:
        raise CheckpointError(f"{path}: file not found") from None
    except Exception as err:  # zipfile, zlib, numpy and JSON errors alike
        raise CheckpointError(f"{path}: unreadable checkpoint ({type(err).__name__}: {err})") from None
    missing = [key for key in ("epoch", "rng_state", "config") if key not in meta]
    if missing:
        raise CheckpointError(f"{path}: checkpoint meta data lacks {missing}")
    try:
        size, stores = check_stores(arrays)
    except WeightError as err:
        if meta.get("w_max", CIRCUIT.w_max) != CIRCUIT.w_max:
            raise CheckpointError(
                f"{path}: {err}; the checkpoint comes from an older loihi2-sim run, which saturated learned "
                f"weights at +{meta['w_max']} and so left odd weights, not the rule's even weights in "
                f"[{CIRCUIT.w_min}, {CIRCUIT.w_max}]; retrain it"
            ) from None
        raise CheckpointError(f"{path}: {err}") from None
    except ValueError as err:
        raise CheckpointError(f"{path}: {err}") from None
    absent = sorted(set(size.store_names) - set(arrays))
    if absent:
        raise CheckpointError(f"{path}: checkpoint lacks the stores {absent} of its {size} network")
    if "sizes" in meta and tuple(meta["sizes"]) != size.sizes:
        raise CheckpointError(f"{path}: stores of a {size} network, but its meta data says {meta['sizes']}")
    return Checkpoint(
        stores=stores,
        size=size,
        epoch=int(meta["epoch"]),
        rng_state=meta["rng_state"],
        config=meta["config"],
        path=path,
    )
