# SPDX-License-Identifier: BSD-3-Clause
"""lava-backprop sweep: every combination over seeds, one run directory each, one results table."""

import csv
import json

import pytest

from lava_backprop.cli import main
from lava_backprop.config import ConfigError
from lava_backprop.sweep import expand

pytestmark = [pytest.mark.timeout(240), pytest.mark.usefixtures("stop_joblib_workers")]

SWEEP = """
out = "{out}"
seeds = [0, 1]
jobs = 2
[base]
dataset = "mnist20"
epochs = 1
samples = 400
test_samples = 200
[grid]
hidden = [[20], [30]]
per_class = [1, 2]
"""


def test_expand_combines_the_grid_with_every_seed(tmp_path):
    sweep = {"seeds": [3, 4], "base": {"epochs": 2}, "grid": {"hidden": [[20], [30, 10]], "per_class": [1, 2]}}
    runs = expand(sweep, tmp_path / "s.toml")
    assert len(runs) == 8 and len({label for label, _, _ in runs}) == 4
    assert ("hidden_30-10__per_class_2", {"epochs": 2, "hidden": [30, 10], "per_class": 2}, 4) in runs


def test_sweep_runs_writes_one_table_and_resumes(tmp_path, data_root, capsys):
    out = tmp_path / "sweep"
    path = tmp_path / "sweep.toml"
    path.write_text(SWEEP.format(out=out))
    assert main(["sweep", str(path), "--data-dir", str(data_root)]) == 0
    assert "4 combinations" in capsys.readouterr().out
    rows = json.loads((out / "results.json").read_text())
    assert len(rows) == 4
    for row in rows:
        histories = [json.loads((out / row["run"] / f"seed_{s}" / "metrics.json").read_text()) for s in (0, 1)]
        assert row["best_argmax_z"] == [max(e["test"]["argmax_z"] for e in h) for h in histories]
        config = json.loads((out / row["run"] / "seed_1" / "config.json").read_text())
        assert (config["hidden"], config["per_class"], config["seed"]) == (row["hidden"], row["per_class"], 1)
    with open(out / "results.csv") as f:
        assert len(list(csv.DictReader(f))) == 4
    assert (out / "results.md").read_text().count("\n| hidden_") == 4
    before = (out / "hidden_20__per_class_1" / "seed_0" / "metrics.json").read_text()
    assert main(["sweep", str(path), "--data-dir", str(data_root), "--jobs", "1"]) == 0  # resumed: nothing to train
    assert (out / "hidden_20__per_class_1" / "seed_0" / "metrics.json").read_text() == before


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("seeds = [0]\n[grid]\nhidden = [[20]]\n", "out (the sweep's directory) is missing"),
        ('out = "x"\nrepeat = 2\n', "unknown keys ['repeat']"),
        ('out = "x"\n[grid]\nhidden = 20\n', "grid.hidden must be a non-empty list"),
        ('out = "x"\n[base]\nseed = 2\n', "['seed'] cannot be swept or shared"),
        ('out = "x"\n[base]\nepochs = -1\n', "base.epochs must be a positive integer"),
        ('out = "x"\nseeds = []\n', "seeds must be a non-empty list"),
    ],
)
def test_bad_sweep_files_are_one_clear_line(tmp_path, text, message, capsys):
    path = tmp_path / "bad.toml"
    path.write_text(text)
    assert main(["sweep", str(path)]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1
    with pytest.raises(ConfigError):
        from lava_backprop.sweep import run_sweep

        run_sweep(path)
