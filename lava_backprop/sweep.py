# SPDX-License-Identifier: BSD-3-Clause
"""Sweeps: every combination of some run settings, over seeds, in parallel (``lava-backprop sweep FILE``).

A sweep file (TOML) holds the settings every run shares, the lists to
combine and the seeds::

    out = "runs/sweeps/width"       # one run directory per run below it
    seeds = [0, 1, 2]
    jobs = -1                       # parallel runs (-1: every core)
    backend = "loky"                # joblib backend: "loky" here, "dask" or "ray" for a cluster
    [base]                          # a run configuration (lava_backprop.config), without out and seed
    dataset = "mnist28"
    epochs = 60
    [grid]                          # every combination of these lists is run
    hidden = [[1600], [3200]]
    per_class = [1, 5]

Runs go through joblib, so the same file runs on the local cores or, with
the backend joblib is given, on a cluster. A run directory that holds a run
is resumed (a sweep can be stopped and started again). The results are one
table: ``results.json``, ``results.csv`` and ``results.md`` in ``out``, a row
per combination (best test epoch of each seed, mean ± sd over seeds).
"""

import csv
import itertools
import json
from pathlib import Path

import numpy as np

from lava_backprop.config import RUN_KEYS, ConfigError, read_toml

__all__ = ["expand", "run_all", "run_sweep"]

_METRICS = ("argmax_z", "argmax_o", "exact_match")


def _label(settings: dict) -> str:
    """A run directory name from the settings that vary."""
    parts = []
    for key, value in settings.items():
        value = "-".join(map(str, value)) if isinstance(value, (list, tuple)) else value
        parts.append(f"{key}_{value}")
    return "__".join(parts) or "base"


def expand(sweep: dict, path: Path) -> list[tuple[str, dict, int]]:
    """``(combination label, run settings, seed)`` for every combination of ``sweep["grid"]`` and seed."""
    base, grid = dict(sweep.get("base", {})), dict(sweep.get("grid", {}))
    bad = sorted((set(base) | set(grid)) - (set(RUN_KEYS) - {"out", "seed"}))
    if bad:
        raise ConfigError(f"{path}: {bad} cannot be swept or shared (seeds and out are the sweep's own)")
    for key, values in grid.items():
        if not isinstance(values, list) or not values:
            raise ConfigError(f"{path}: grid.{key} must be a non-empty list of values")
    seeds = sweep.get("seeds", [0])
    if not isinstance(seeds, list) or not seeds or not all(isinstance(s, int) and s >= 0 for s in seeds):
        raise ConfigError(f"{path}: seeds must be a non-empty list of non-negative integers, got {seeds!r}")
    out = []
    for combo in itertools.product(*grid.values()):
        varied = dict(zip(grid, combo, strict=True))
        for seed in seeds:
            out.append((_label(varied), base | varied, seed))
    return out


def _run(out: Path, settings: dict, seed: int, data_dir) -> list[dict]:
    from lava_backprop.training import train_run

    resume = (out / "metrics.json").exists()
    kwargs = {k: tuple(v) if k == "hidden" and isinstance(v, list) else v for k, v in settings.items()}
    history = train_run(out, **kwargs, seed=seed, resume=resume, data_dir=data_dir, progress=False)
    return history[: settings.get("epochs", 1)]


def run_all(runs, jobs: int = -1, backend: str | None = None, data_dir=None) -> list[list[dict]]:
    """Train every ``(run directory, settings, seed)`` of ``runs`` through joblib; their histories, in order."""
    from joblib import Parallel, delayed

    return Parallel(n_jobs=jobs, backend=backend)(delayed(_run)(Path(o), s, seed, data_dir) for o, s, seed in runs)


def _row(label: str, settings: dict, seeds: list[int], histories: list[list[dict]]) -> dict:
    row = {"run": label} | {k: settings[k] for k in sorted(settings)} | {"seeds": seeds}
    for m in _METRICS:
        best = np.array([max(e["test"][m] for e in h) for h in histories])
        row[f"best_{m}"] = best.tolist()
        row[f"{m}_mean"] = float(best.mean())
        row[f"{m}_sd"] = float(best.std(ddof=1)) if len(best) > 1 else 0.0
    row["best_epoch"] = [max(h, key=lambda e: e["test"]["argmax_z"])["epoch"] for h in histories]
    return row


def run_sweep(path, jobs: int | None = None, data_dir=None) -> tuple[Path, list[dict]]:
    """Run the sweep of file ``path`` (module docstring); write its results table; return its directory and rows."""
    path = Path(path)
    sweep = read_toml(path, "sweep")
    unknown = sorted(set(sweep) - {"out", "seeds", "jobs", "backend", "base", "grid"})
    if unknown:
        raise ConfigError(f"{path}: unknown keys {unknown}; a sweep takes out, seeds, jobs, backend, base, grid")
    if "out" not in sweep:
        raise ConfigError(f"{path}: out (the sweep's directory) is missing")
    for key, value in dict(sweep.get("base", {})).items():
        check, what = RUN_KEYS[key] if key in RUN_KEYS else (lambda v: True, "")
        if not check(value):
            raise ConfigError(f"{path}: base.{key} must be {what}, got {value!r}")
    out = Path(sweep["out"])
    runs = expand(sweep, path)
    dirs = [(out / label / f"seed_{seed}", settings, seed) for label, settings, seed in runs]
    histories = run_all(dirs, sweep.get("jobs", -1) if jobs is None else jobs, sweep.get("backend"), data_dir)
    done = {}
    for (label, settings, seed), history in zip(runs, histories, strict=True):
        done.setdefault(label, (settings, [], []))
        done[label][1].append(seed)
        done[label][2].append(history)
    rows = [_row(label, settings, seeds, hist) for label, (settings, seeds, hist) in done.items()]
    _write(out, rows)
    return out, rows


def _write(out: Path, rows: list[dict]) -> None:
    out.mkdir(parents=True, exist_ok=True)
    (out / "results.json").write_text(json.dumps(rows, indent=2))
    with open(out / "results.csv", "w", newline="") as f:
        writer = csv.DictWriter(f, fieldnames=list(rows[0]))
        writer.writeheader()
        writer.writerows({k: json.dumps(v) if isinstance(v, list) else v for k, v in r.items()} for r in rows)
    lines = [
        "| run | seeds | argmax(z) | argmax(o) | exact match | best epochs |",
        "|---|---|---|---|---|---|",
    ]
    for r in sorted(rows, key=lambda r: -r["argmax_z_mean"]):
        cells = [f"{100 * r[f'{m}_mean']:.2f} ± {100 * r[f'{m}_sd']:.2f}" for m in _METRICS]
        lines.append(f"| {r['run']} | {len(r['seeds'])} | {' | '.join(cells)} | {r['best_epoch']} |")
    (out / "results.md").write_text(
        "Best test epoch of each seed, mean ± sd over seeds, in %.\n\n" + "\n".join(lines) + "\n"
    )
