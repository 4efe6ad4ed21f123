# SPDX-License-Identifier: BSD-3-Clause
"""Figures of a training run, drawn without a display (matplotlib's Agg canvas)."""

import os

import numpy as np
from matplotlib.figure import Figure

from lava_backprop.params import CIRCUIT
from lava_backprop.weights import STORE_NAMES

__all__ = ["plot_learning_curves", "plot_weight_histograms"]

_LABELS = {
    "exact_match": "exact match",
    "argmax_o": "argmax(o)",
    "argmax_z": "argmax(z), membrane",
}


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
    fig.savefig(path, dpi=110)


def plot_weight_histograms(stores: dict, path: os.PathLike, title: str = "") -> None:
    """Histogram of each of the four weight stores over the plastic range."""
    fig = Figure(figsize=(10, 6), layout="constrained")
    bins = np.arange(CIRCUIT.w_min - 1, CIRCUIT.w_max + 3, 8)
    for ax, name in zip(fig.subplots(2, 2).flat, STORE_NAMES, strict=True):
        w = np.asarray(stores[name]).ravel()
        ax.hist(w, bins=bins, color="C0")
        sat = np.mean((w == CIRCUIT.w_min) | (w == CIRCUIT.w_max))
        ax.set_title(f"{name}  {stores[name].shape}  saturated {100 * sat:.2f} %")
        ax.set_yscale("log")
        ax.set_xlabel("weight (threshold theta = 1024)")
    if title:
        fig.suptitle(title)
    fig.savefig(path, dpi=110)
