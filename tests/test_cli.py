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


def test_two_hidden_layers_round_trip(tmp_path, data_root, capsys):
    """train --hidden a,b, then evaluate, plot, export (NIR and netx), energy on that run; check-hw of its sizes."""
    import numpy as np
    from export_testing import run_lif_chain

    import lava_backprop as lb
    from lava_backprop.checkpoint import load_checkpoint
    from lava_backprop.data import load_dataset
    from lava_backprop.export import read_netx

    out = tmp_path / "deep"
    args = ["--samples", "600", "--test-samples", "200", "--hidden", "24,16", "--no-progress", "--seed", "1"]
    assert main(["train", "--data-dir", str(data_root), "--out", str(out), *args]) == 0
    assert "epoch   1" in capsys.readouterr().out
    ckpt = load_checkpoint(out)
    assert ckpt.size == lb.NetworkSize(400, 24, 16, 10) and ckpt.config["hidden"] == [24, 16]
    assert main(["evaluate", str(out), "--data-dir", str(data_root), "--samples", "200", "--json"]) == 0
    metrics = json.loads(capsys.readouterr().out)
    assert metrics["argmax_z"] == json.loads((out / "metrics.json").read_text())[-1]["test"]["argmax_z"]
    assert main(["plot", str(out)]) == 0
    assert (out / "plots" / "weight_histograms.png").read_bytes()[:4] == b"\x89PNG"
    capsys.readouterr()

    test = load_dataset("mnist20", "test", data_root)
    with lb.make_engine("reference", ckpt.stores) as engine:
        o_want, _ = engine.predict(test.X[:200])
    for fmt in ("nir", "netx"):
        path = tmp_path / f"deep.{fmt}"
        assert main(["export", str(out), "--format", fmt, "--out", str(path)]) == 0
        printed = capsys.readouterr().out
        assert "400-24-16-10 network" in printed
        assert {"nir": "Norse from_nir with dt=1e-4", "netx": "lava-dl netx.hdf5.Network"}[fmt] in printed
    import nir

    np.testing.assert_array_equal(run_lif_chain(nir.read(str(tmp_path / "deep.nir")), test.X[:200]), o_want)
    for got, want in zip(read_netx(tmp_path / "deep.netx"), [ckpt.stores[f"w{i}"] for i in (1, 2, 3)], strict=True):
        np.testing.assert_array_equal(got, want)

    assert main(["energy", str(out), "--samples", "40", "--data-dir", str(data_root), "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["train"]["counts_per_sample"]["steps"] == 23  # the two-hidden-layer ring
    assert report["train"]["energy_mj"] > report["inference"]["energy_mj"] > 0
    assert (out / "energy.json").exists()

    assert main(["check-hw", "--sizes", "400,24,16,10", "--json"]) == 0
    assert json.loads(capsys.readouterr().out)["ok"]


@pytest.mark.parametrize("hidden", ["0", "24,", "a,b", "-3"])
def test_bad_hidden_sizes_are_usage_errors(hidden, capsys):
    with pytest.raises(SystemExit):
        main(["train", "--hidden", hidden])
    assert "positive integers separated by commas" in capsys.readouterr().err


def test_expected_failures_are_one_line_and_leave_nothing(tmp_path, data_root, capsys):
    import lava_backprop as lb
    from lava_backprop.checkpoint import save_checkpoint

    a_file = tmp_path / "a_file"
    a_file.write_text("not a run")
    with lb.make_engine("reference", lb.glorot_init(lb.NetworkSize(20, 8, 4), seed=0)) as engine:
        save_checkpoint(tmp_path / "small", 1, engine.weights(), {}, {"dataset": "mnist20"})
    cases = [
        (["train", "--out", str(a_file), *ARGS], "is a file, not a run directory"),
        (["train", "--out", str(a_file / "run"), *ARGS], "Not a directory"),
        (["train", "--out", str(tmp_path / "huge"), "--hidden", "1000000000", "--samples", "10"], "GiB of memory"),
        (["export", str(tmp_path / "missing"), "--format", "nir"], "file not found"),
        (["export", str(tmp_path / "small"), "--format", "netx", "--out", str(tmp_path / "no" / "x.net")], "No such"),
        (["check-hw", "--sizes", "400,1000000000,10"], "GiB of memory"),
    ]
    for argv, message in cases:
        assert main([*argv, "--data-dir", str(data_root)] if argv[0] == "train" else argv) == 2, argv
        err = capsys.readouterr().err
        assert len(err.strip().splitlines()) == 1 and message in err and "Traceback" not in err, (argv, err)
    assert not (tmp_path / "huge").exists()  # a run that cannot start creates no directory
    assert a_file.read_text() == "not a run"


def test_verbose_shows_the_traceback_and_corrupt_meta_is_named(tmp_path, capsys):
    import numpy as np

    stores = {k: np.zeros((2, 2), dtype=np.int16) for k in ("w1", "w2", "w2t_pos", "w2t_neg")}
    np.savez(tmp_path / "epoch_001.npz", meta=np.array(json.dumps({"config": {}})), **stores)
    assert main(["evaluate", str(tmp_path / "epoch_001.npz")]) == 2
    err = capsys.readouterr().err
    assert "meta data lacks ['epoch', 'rng_state']" in err and "Traceback" not in err
    assert main(["-v", "evaluate", str(tmp_path / "epoch_001.npz")]) == 2
    assert "Traceback" in capsys.readouterr().err


def test_a_reader_that_goes_away_is_not_an_error():
    exe = shutil.which("lava-backprop", path=str(__import__("pathlib").Path(sys.executable).parent))
    result = subprocess.run(
        f"{exe} check-hw --sizes 20,12,10 --json | head -1", shell=True, capture_output=True, text=True, timeout=120
    )
    assert result.stdout.strip() == "{" and "Traceback" not in result.stderr and "Broken pipe" not in result.stderr


def test_a_run_configuration_file_and_flags_over_it(tmp_path, data_root, capsys):
    out = tmp_path / "run"
    config = tmp_path / "run.toml"
    config.write_text(
        f'dataset = "mnist20"\nhidden = [30]\nper_class = 2\nepochs = 3\nseed = 4\nsamples = 600\n'
        f'test_samples = 200\ninit_scale = 0.5\nshift = 2\ncheck_circuit = true\nout = "{out}"\n'
    )
    flags = ["--epochs", "1", "--shift", "0", "--data-dir", str(data_root), "--no-progress"]
    assert main(["train", "--config", str(config), *flags]) == 0
    saved = json.loads((out / "config.json").read_text())
    keys = ("dataset", "hidden", "per_class", "seed", "samples", "init_scale", "shift", "check_circuit")
    assert {k: saved[k] for k in keys} == {
        "dataset": "mnist20",
        "hidden": [30],
        "per_class": 2,
        "seed": 4,
        "samples": 600,
        "init_scale": 0.5,
        "shift": 0,  # the flag won
        "check_circuit": True,
    }
    assert saved["size"] == "400-30-20"
    history = json.loads((out / "metrics.json").read_text())
    assert [m["epoch"] for m in history] == [1]  # the flag won
    assert 0 < history[0]["closed_peak"]["input"] <= history[0]["closed_peak"]["limit"] == 17344
    capsys.readouterr()


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("epochs = 2\nlearning_rate = 3\n", "unknown keys ['learning_rate']"),
        ("epochs = 0\n", "epochs must be a positive integer, got 0"),
        ('hidden = ["400"]\n', "hidden must be a positive integer or a non-empty list"),
        ('engine = "gpu"\n', "unknown engine 'gpu'"),
        ("epochs = \n", "is not valid TOML"),
        ("init_scale = 0\n", "init_scale must be a positive number, got 0"),
        ("shift = -1\n", "shift must be a non-negative integer"),
        ('check_circuit = "yes"\n', "check_circuit must be true or false"),
    ],
)
def test_bad_run_configurations_are_one_clear_line(tmp_path, text, message, capsys):
    config = tmp_path / "bad.toml"
    config.write_text(text)
    assert main(["train", "--config", str(config), "--out", str(tmp_path / "run"), "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert message in err and str(config) in err and len(err.strip().splitlines()) == 1
    assert not (tmp_path / "run").exists()
    assert main(["train", "--config", str(tmp_path / "missing.toml"), "--no-progress"]) == 2
    assert "cannot read run configuration" in capsys.readouterr().err
