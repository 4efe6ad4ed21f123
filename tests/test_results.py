# SPDX-License-Identifier: BSD-3-Clause
"""benchmarks/reproduce_paper.py: seeds in parallel, resumed runs, and a results page that matches them."""

import importlib.util
import json
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]

pytestmark = [pytest.mark.timeout(240), pytest.mark.usefixtures("stop_joblib_workers")]


def reproduce_paper():
    spec = importlib.util.spec_from_file_location("reproduce_paper", ROOT / "benchmarks" / "reproduce_paper.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_reproduction_writes_what_its_runs_measured_and_resumes(tmp_path, data_root):
    script = reproduce_paper()
    runs, out = tmp_path / "runs", tmp_path / "docs" / "RESULTS.md"
    out.parent.mkdir()
    common = ["--seeds", "0", "1", "--datasets", "mnist20", "--jobs", "2", "--runs", str(runs), "--out", str(out)]
    script.main(["--epochs", "1", *common, "--data-dir", str(data_root)])
    first = {s: json.loads((runs / "mnist20" / f"seed_{s}" / "metrics.json").read_text()) for s in (0, 1)}
    assert first[0][0]["test"]["argmax_z"] != first[1][0]["test"]["argmax_z"]  # two seeds, two runs

    script.main(["--epochs", "2", *common, "--data-dir", str(data_root)])
    for s in (0, 1):
        history = json.loads((runs / "mnist20" / f"seed_{s}" / "metrics.json").read_text())
        assert [e["epoch"] for e in history] == [1, 2]
        assert history[0]["test"] == first[s][0]["test"]  # resumed, not retrained
    summary = json.loads(out.with_suffix(".json").read_text())["mnist20"]["argmax_z"]
    histories = [json.loads((runs / "mnist20" / f"seed_{s}" / "metrics.json").read_text()) for s in (0, 1)]
    best_z = [max(e["test"]["argmax_z"] for e in h) for h in histories]
    assert summary["best"] == best_z
    assert summary["best_mean"] == pytest.approx(np.mean(best_z))
    assert summary["best_sd"] == pytest.approx(np.std(best_z, ddof=1))
    page = out.read_text()
    assert f"| argmax(z) | {100 * np.mean(best_z):.2f} ± {100 * np.std(best_z, ddof=1):.2f} |" in page
    assert "| 97.5 |" in page  # the paper's membrane read-out beside it
    figure = out.parent / "figures" / "reproduction.png"
    assert figure.read_bytes()[:4] == b"\x89PNG" and "figures/reproduction.png" in page
