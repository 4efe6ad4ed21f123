# SPDX-License-Identifier: BSD-3-Clause
"""Figures of a training run, drawn without a display (matplotlib's Agg canvas).

Every figure is written as a PNG through `lava_backprop.files.atomic_path`:
an existing plot is replaced only by a complete one, and a failed write (a
full disk raises `OSError`) leaves neither a truncated image nor a temporary
file.
"""

import os

import numpy as np
from matplotlib.figure import Figure

from lava_backprop.files import atomic_path
from lava_backprop.params import CIRCUIT

__all__ = ["plot_learning_curves", "plot_weight_histograms", "plot_receptive_fields", "plot_raster", "plot_run"]

_LABELS = {
    "exact_match": "exact match",
    "argmax_o": "argmax(o)",
    "argmax_z": "argmax(z), membrane",
}


def _save(fig: Figure, path: os.PathLike) -> None:
    """Write ``fig`` as a PNG to ``path`` through `atomic_path` (whose temporary name has no ``.png``)."""
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")


def plot_learning_curves(metrics: list[dict], path: os.PathLike) -> None:
    """Accuracy per epoch (train online and test) and the test MSE.

    Parameters
    ----------
    metrics : list of dict
        Entries of ``metrics.json``: ``epoch``, ``train`` and ``test`` dicts.
    path : path-like
        PNG file to write.
    """
    epochs = [m["epoch"] for m in metrics]
    fig = Figure(figsize=(10, 4), layout="constrained")
    ax_acc, ax_mse = fig.subplots(1, 2)
    for i, (key, label) in enumerate(_LABELS.items()):
        color = f"C{i}"
        ax_acc.plot(epochs, [100 * m["test"][key] for m in metrics], "o-", color=color, label=f"test {label}")
        ax_acc.plot(
            epochs,
            [100 * m["train"][key] for m in metrics],
            "--",
            color=color,
            alpha=0.6,
            label=f"train {label} (online)",
        )
    ax_acc.set(xlabel="epoch", ylabel="accuracy (%)", title="Accuracy")
    ax_acc.grid(alpha=0.3)
    ax_acc.legend(fontsize="small")
    ax_mse.plot(epochs, [m["test"]["mse"] for m in metrics], "o-", label="test")
    ax_mse.plot(epochs, [m["train"]["mse"] for m in metrics], "--", label="train (online)")
    ax_mse.set(xlabel="epoch", ylabel="mean (o - t)^2", title="Output MSE")
    ax_mse.grid(alpha=0.3)
    ax_mse.legend(fontsize="small")
    for ax in (ax_acc, ax_mse):
        ax.xaxis.get_major_locator().set_params(integer=True)
    _save(fig, path)


def plot_weight_histograms(stores: dict, path: os.PathLike, title: str = "") -> None:
    """Histogram of each weight store over the plastic range: one column per layer of weights.

    Row 1 holds ``w1 .. w<L+1>``, rows 2 and 3 the transposed stores
    ``w<l>t_pos`` and ``w<l>t_neg`` under the ``w<l>`` they mirror.
    """
    n = sum(1 for key in stores if key[1:].isdigit())
    grid = [[f"w{i}" for i in range(1, n + 1)]] + [
        [f"w{i}t_{sign}" if i >= 2 else None for i in range(1, n + 1)] for sign in ("pos", "neg")
    ]
    fig = Figure(figsize=(3.4 * n + 0.5, 7.5))
    fig.subplots_adjust(left=0.22 / n, right=0.98, top=0.9, bottom=0.08, hspace=0.5, wspace=0.3)
    axes = fig.subplots(3, n, squeeze=False)
    bins = np.arange(CIRCUIT.w_min - 1, CIRCUIT.w_max + 3, 8)
    for ax, name in zip(axes.flat, [name for row in grid for name in row], strict=True):
        if name is None or name not in stores:
            ax.set_axis_off()
            continue
        w = np.asarray(stores[name]).ravel()
        ax.stairs(np.histogram(w, bins=bins)[0], bins, fill=True, color="C0")  # one artist: fast to draw
        sat = np.mean((w == CIRCUIT.w_min) | (w == CIRCUIT.w_max))
        ax.set_title(f"{name} {stores[name].shape}, {100 * sat:.2f} % saturated", fontsize="medium")
        ax.set_yscale("log")
        ax.set_xlabel("weight (threshold theta = 1024)")
    if title:
        fig.suptitle(title)
    _save(fig, path)


def plot_receptive_fields(w1, path: os.PathLike, n: int = 25, image_shape=None, title: str = "") -> None:
    """The input weights of the first ``n`` hidden units as images.

    Parameters
    ----------
    w1 : array, shape (n_hid, n_in)
    path : path-like
        PNG file to write.
    n : int
        Number of hidden units shown (a square grid).
    image_shape : tuple of int, optional
        Defaults to a square of side ``sqrt(n_in)``.
    """
    w1 = np.asarray(w1)
    if image_shape is None:
        side = int(round(np.sqrt(w1.shape[1])))
        image_shape = (side, w1.shape[1] // side)
    n = min(n, w1.shape[0])
    cols = int(np.ceil(np.sqrt(n)))
    rows = int(np.ceil(n / cols))
    fig = Figure(figsize=(1.4 * cols + 1, 1.4 * rows + 0.6))
    fig.subplots_adjust(left=0.02, right=0.98, bottom=0.02, top=1 - 0.5 / (1.4 * rows + 0.6), wspace=0.08, hspace=0.08)
    axes = np.atleast_1d(fig.subplots(rows, cols)).ravel()
    lim = max(-CIRCUIT.w_min, CIRCUIT.w_max)
    image = None
    for k, ax in enumerate(axes):
        ax.set_axis_off()
        if k < n:
            image = ax.imshow(w1[k].reshape(image_shape), cmap="RdBu_r", vmin=-lim, vmax=lim)
    if image is not None:
        fig.colorbar(image, ax=list(axes), shrink=0.6, label="weight")
    fig.suptitle(title or f"W1 receptive fields of {n} hidden units")
    _save(fig, path)


def plot_raster(
    raster: dict, schedule, path: os.PathLike, first_sample: int = 0, n_samples: int = 1, title: str = ""
) -> None:
    """Spikes of every population phase by phase, one band per population.

    Parameters
    ----------
    raster : dict of str to array of bool, shape (steps, width)
        Row ``t`` holds the spikes emitted in time step ``t`` (as returned by
        `lava_backprop.lava_engine.record_raster` or `lava_backprop.simulation.simulate`).
    schedule : Schedule
        Gives the phase of each step and the order and labels of populations.
    path : path-like
        PNG file to write.
    first_sample, n_samples : int
        The samples shown.
    """
    start = schedule.step_of(first_sample, 0)
    stop = schedule.step_of(first_sample + n_samples, 0)
    pops = [p for p in schedule.populations if p.name in raster]
    recorded = min(len(raster[p.name]) for p in pops) if pops else 0
    if n_samples < 1 or first_sample < 0 or stop > recorded:
        raise ValueError(
            f"samples {first_sample} to {first_sample + n_samples - 1} need steps up to {stop - 1}; "
            f"the raster has {recorded} steps"
        )
    fig = Figure(figsize=(2.2 + 0.55 * (stop - start), 0.55 * len(pops) + 1.6), layout="constrained")
    ax = fig.subplots()
    for row, pop in enumerate(pops):
        spikes = np.asarray(raster[pop.name][start:stop], dtype=bool)
        width = spikes.shape[1]
        steps, neurons = np.nonzero(spikes)
        y = row + 0.1 + 0.8 * (neurons + 0.5) / max(width, 1)
        ax.scatter(steps, y, s=6, marker="s", color=f"C{row % 10}", linewidths=0)
        ax.axhline(row, color="0.85", lw=0.5)
    ax.set_yticks(np.arange(len(pops)) + 0.5, [p.label for p in pops])
    ax.set_ylim(len(pops), 0)
    ax.set_xlim(-0.5, stop - start - 0.5)
    phases = [(t + start - schedule.step_of(0, 0)) % schedule.n_phases for t in range(stop - start)]
    ax.set_xticks(range(stop - start), [str(p) for p in phases])
    ax.set_xlabel(f"phase (time steps {start} to {stop - 1})")
    for k in range(1, n_samples):
        ax.axvline(k * schedule.n_phases - 0.5, color="k", lw=1)
    ax.grid(axis="x", color="0.92")
    ax.set_axisbelow(True)
    if schedule.phase_notes:
        top = ax.secondary_xaxis("top")
        top.set_xticks(
            range(stop - start), [schedule.phase_notes.get(p, "") for p in phases], rotation=60, fontsize="small"
        )
    fig.suptitle(
        title
        or f"{schedule.name} circuit, sample{'s' if n_samples > 1 else ''} "
        f"{first_sample}{'' if n_samples == 1 else f' to {first_sample + n_samples - 1}'}"
    )
    _save(fig, path)


def plot_run(run_dir: os.PathLike, weights: bool = True) -> dict[str, str]:
    """Write the figures of a training run into ``run_dir/plots``; return their paths.

    Learning curves from ``metrics.json``, and (with ``weights``) weight
    histograms and W1 receptive fields from the latest checkpoint.
    """
    from pathlib import Path

    from lava_backprop.checkpoint import load_checkpoint, read_json
    from lava_backprop.errors import CheckpointError

    run_dir = Path(run_dir)
    ckpt = load_checkpoint(run_dir)  # checks that the run has a checkpoint
    plots = run_dir / "plots"
    plots.mkdir(exist_ok=True)
    paths = {}
    metrics_path = run_dir / "metrics.json"
    if metrics_path.exists():
        history = read_json(metrics_path)
        if not isinstance(history, list) or not history:
            raise CheckpointError(f"{metrics_path}: no epochs recorded")
        paths["learning_curves"] = plots / "learning_curves.png"
        plot_learning_curves(history, paths["learning_curves"])
    if not weights:
        return {k: str(v) for k, v in paths.items()}
    paths["weights"] = plots / "weight_histograms.png"
    plot_weight_histograms(ckpt.stores, paths["weights"], title=f"weights after epoch {ckpt.epoch}")
    paths["receptive_fields"] = plots / "receptive_fields.png"
    title = f"W1 receptive fields, epoch {ckpt.epoch}"
    plot_receptive_fields(ckpt.stores["w1"], paths["receptive_fields"], title=title)
    return {k: str(v) for k, v in paths.items()}
