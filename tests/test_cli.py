# SPDX-License-Identifier: BSD-3-Clause
"""The lava-backprop command line."""

import json
import shutil
import subprocess
import sys

import pytest

from lava_backprop.cli import main

ARGS = ["--samples", "800", "--test-samples", "300", "--hidden", "30", "--no-progress"]


def test_train_then_evaluate(tmp_path, data_root, capsys):
    out = tmp_path / "run"
    assert main(["train", "--data-dir", str(data_root), "--epochs", "2", "--out", str(out), *ARGS]) == 0
    text = capsys.readouterr().out
    assert "epoch   1  test: exact match" in text and "epoch   2" in text
    assert f"metrics:     {out / 'metrics.json'}" in text
    history = json.loads((out / "metrics.json").read_text())
    assert main(["evaluate", str(out), "--data-dir", str(data_root), "--samples", "300", "--json"]) == 0
    m = json.loads(capsys.readouterr().out)
    assert m["epoch"] == 2 and m["n"] == 300
    assert m["argmax_z"] == history[-1]["test"]["argmax_z"]
    # Resume to 3 epochs, and the text form of evaluate.
    assert main(["train", "--data-dir", str(data_root), "--epochs", "3", "--out", str(out), "--resume", *ARGS]) == 0
    assert "epoch   3" in capsys.readouterr().out
    assert main(["evaluate", str(out), "--data-dir", str(data_root), "--samples", "300"]) == 0
    assert "(epoch 3) on mnist20 test, 300 samples" in capsys.readouterr().out
    # Plots from the run directory alone.
    for png in (out / "plots").iterdir():
        png.unlink()
    assert main(["plot", str(out)]) == 0
    printed = capsys.readouterr().out
    for name in ("learning_curves", "weight_histograms", "receptive_fields"):
        path = out / "plots" / f"{name}.png"
        assert path.read_bytes()[:4] == b"\x89PNG" and str(path) in printed


def test_errors_are_one_clear_line(tmp_path, data_root, capsys):
    assert main(["evaluate", str(tmp_path)]) == 2
    err = capsys.readouterr().err
    assert err.startswith("lava-backprop evaluate: error:") and "no checkpoints" in err
    (tmp_path / "metrics.json").write_text("[]")
    assert main(["train", "--data-dir", str(data_root), "--out", str(tmp_path), *ARGS]) == 2
    assert "already holds a run" in capsys.readouterr().err
    assert (tmp_path / "metrics.json").read_text() == "[]"


@pytest.mark.parametrize(
    "argv",
    [["train", "--epochs", "0"], ["train", "--dataset", "cifar"], ["frobnicate"], ["train", "--resume", "--overwrite"]],
)
def test_usage_errors(argv, capsys):
    with pytest.raises(SystemExit) as info:
        main(argv)
    assert info.value.code == 2
    assert "usage: lava-backprop" in capsys.readouterr().err


def test_console_script_is_installed():
    exe = shutil.which("lava-backprop", path=str(__import__("pathlib").Path(sys.executable).parent))
    assert exe, "lava-backprop is not installed next to this interpreter"
    result = subprocess.run([exe, "--help"], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0
    assert "train" in result.stdout and "evaluate" in result.stdout
