# SPDX-License-Identifier: BSD-3-Clause
"""Training and evaluation runs with the Lava engines give the reference engine's results."""

import json

import numpy as np
import pytest
from lava_testing import no_leftover_workers  # noqa: F401

import lava_backprop as lb
from lava_backprop.checkpoint import load_checkpoint
from lava_backprop.cli import main

pytestmark = pytest.mark.timeout(300)

ARGS = ["--samples", "60", "--test-samples", "40", "--hidden", "12", "--epochs", "2", "--seed", "5", "--no-progress"]


def strip(history):
    return [{k: v for k, v in m.items() if k not in ("train_seconds", "samples_per_s", "engine")} for m in history]


def test_lava_training_run_equals_reference_run(tmp_path, data_root, capsys):
    runs = {}
    for engine in ("reference", "lava-fixed"):
        out = tmp_path / engine
        assert main(["train", "--engine", engine, "--data-dir", str(data_root), "--out", str(out), *ARGS]) == 0
        runs[engine] = out
    assert "epoch   2" in capsys.readouterr().out
    ref, lava = (json.loads((runs[e] / "metrics.json").read_text()) for e in ("reference", "lava-fixed"))
    assert strip(lava) == strip(ref)
    assert lava[0]["engine"] == "lava-fixed"
    a, b = load_checkpoint(runs["reference"]), load_checkpoint(runs["lava-fixed"])
    for key in a.stores:
        np.testing.assert_array_equal(a.stores[key], b.stores[key])
    assert (runs["lava-fixed"] / "plots" / "learning_curves.png").exists()
    # Evaluate the Lava run's checkpoint with the float models.
    assert (
        main(
            [
                "evaluate",
                str(runs["lava-fixed"]),
                "--engine",
                "lava-float",
                "--data-dir",
                str(data_root),
                "--samples",
                "40",
                "--json",
            ]
        )
        == 0
    )
    m = json.loads(capsys.readouterr().out)
    assert {k: m[k] for k in ("exact_match", "argmax_o", "argmax_z", "mse")} == {
        k: ref[-1]["test"][k] for k in ("exact_match", "argmax_o", "argmax_z", "mse")
    }


def test_loihi2_sim_run_equals_reference_run(tmp_path, data_root):
    """The built-in circuit through the CLI gives the reference run's metrics and stores."""
    args = ["--samples", "15", "--test-samples", "10", "--hidden", "8", "--epochs", "1", "--seed", "3", "--no-progress"]
    runs = {}
    for engine in ("reference", "loihi2-sim"):
        runs[engine] = tmp_path / engine
        assert main(["train", "--engine", engine, "--data-dir", str(data_root), "--out", str(runs[engine]), *args]) == 0
    ref, sim = (json.loads((runs[e] / "metrics.json").read_text()) for e in ("reference", "loihi2-sim"))
    assert strip(sim) == strip(ref)
    a, b = load_checkpoint(runs["reference"]), load_checkpoint(runs["loihi2-sim"])
    for ckpt in (a, b):  # checkpoints record no weight bound: every engine learns in [-256, 254]
        with np.load(ckpt.path) as npz:
            assert "w_max" not in json.loads(str(npz["meta"]))
    for key in a.stores:
        np.testing.assert_array_equal(a.stores[key], b.stores[key])


def test_two_hidden_layer_run_in_lava_equals_reference_run(tmp_path, data_root):
    args = [
        "--samples",
        "40",
        "--test-samples",
        "30",
        "--hidden",
        "12,10",
        "--epochs",
        "1",
        "--seed",
        "2",
        "--no-progress",
    ]
    runs = {}
    for engine in ("reference", "lava-fixed"):
        runs[engine] = tmp_path / engine
        assert main(["train", "--engine", engine, "--data-dir", str(data_root), "--out", str(runs[engine]), *args]) == 0
    ref, lava = (json.loads((runs[e] / "metrics.json").read_text()) for e in ("reference", "lava-fixed"))
    assert strip(lava) == strip(ref)
    a, b = load_checkpoint(runs["reference"]), load_checkpoint(runs["lava-fixed"])
    assert a.size == b.size == lb.NetworkSize(400, 12, 10, 10)
    for key in a.stores:
        np.testing.assert_array_equal(a.stores[key], b.stores[key])


def test_training_on_loihi2_without_lava_loihi_stops_before_touching_the_run(tmp_path, data_root, capsys):
    out = tmp_path / "run"
    small = ["--samples", "20", "--test-samples", "10", "--hidden", "6", "--epochs", "1", "--no-progress"]
    assert main(["train", "--data-dir", str(data_root), "--out", str(out), *small]) == 0
    before = sorted(p.relative_to(out) for p in out.rglob("*"))
    code = main(["train", "--engine", "loihi2", "--overwrite", "--data-dir", str(data_root), "--out", str(out), *small])
    assert code == 2
    err = capsys.readouterr().err
    assert "lava-loihi" in err and "static check of the 400-6-10 network passes" in err
    assert sorted(p.relative_to(out) for p in out.rglob("*")) == before
