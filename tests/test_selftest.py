# SPDX-License-Identifier: BSD-3-Clause
"""``lava-backprop chip-selftest``: the Loihi 2 micro-experiments pass in the simulator and report failures."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from lava.utils.loihi import is_installed
from lava_testing import no_leftover_workers  # noqa: F401

from lava_backprop import selftest
from lava_backprop.cli import main
from lava_backprop.selftest import circuit, plasticity

pytestmark = pytest.mark.timeout(180)


@pytest.fixture(scope="module")
def results():
    return {r.name: r for r in selftest.run_selftest()}


@pytest.mark.parametrize("name", list(selftest.EXPERIMENTS))
def test_experiment_passes_in_the_simulator(results, name):
    r = results[name]
    assert r.passed, f"{name}: measured {r.measured!r}, expected {r.expected!r}; {r.detail}"
    assert r.measured == r.expected
    assert r.seconds > 0


def test_rule_reaches_both_bounds(results):
    """The rule experiment only proves saturation if its weights get there."""
    assert "+2 -2, held 254 -256, odd 0, silent 0, apart 0" == results["rule"].expected


def test_coincidence_reports_the_parity_convention(results):
    r = results["coincidence"]
    print(r.detail)
    assert "pre and post fired together in steps [6, 9]" in r.detail
    assert "changes the weight in step s, by +2 iff s % 2 == up_parity" in r.detail
    assert r.measured == "step 6: +2/-2, step 9: -2/+2"


def test_latency_ring_and_sum_measure_what_they_claim(results):
    assert results["latency"].measured == "1 step"
    assert "received in [4, 8, 9]" in results["latency"].detail
    assert results["ring"].measured.startswith(f"start 2, {circuit.RING_STEPS - 1} spikes")
    assert results["sum"].measured.startswith(f"input {200 * 254};")
    assert 200 * 254 > np.iinfo(np.int16).max


def test_rule_weights_saturate_and_ignore_pairs_apart():
    w = selftest.rule_weights([252, 0], [2, 4, 5, 7], [[2, 4, 6], []], up_parity=0, steps=8)
    assert w[:, 0].tolist() == [252, 254, 254, 254, 254, 254, 254, 254]
    assert (w[:, 1] == 0).all()
    w = selftest.rule_weights([-254], [1, 3, 5], [[1, 3, 5]], up_parity=0, steps=5)
    assert w[:, 0].tolist() == [-256, -256, -256, -256, -256]


def test_a_shifted_trajectory_is_recognised():
    """On a chip the host-to-chip adapters delay every spike: the rule experiment says by how much."""
    w0, pre, post, steps = plasticity.RULE_W0, plasticity.RULE_PRE, plasticity.RULE_POST, plasticity.RULE_STEPS + 3
    late = {p: selftest.rule_weights(w0[p], [t + 3 for t in pre], [[t + 3 for t in post], []], p, steps) for p in w0}
    assert "every spike 3 steps later" in plasticity._shift_note(late, w0, pre, post, steps)


def test_a_wrong_expectation_is_reported_as_fail(monkeypatch, capsys):
    monkeypatch.setattr(selftest, "EXPERIMENTS", {"latency": selftest.latency})
    monkeypatch.setattr(circuit, "DENSE_DELAY", 2)  # the expectation latency reads
    assert main(["chip-selftest"]) == 1
    out = capsys.readouterr().out
    row = next(line for line in out.splitlines() if line.startswith("latency"))
    assert row.split()[1] == "FAIL" and row.split()[2:4] == ["1", "step"] and "2 steps" in row
    assert "0 of 1 passed" in out


def test_an_experiment_that_raises_is_a_failure(monkeypatch, capsys):
    def broken(hardware):
        raise RuntimeError("no such core")

    monkeypatch.setattr(selftest, "EXPERIMENTS", {"broken": broken})
    assert main(["chip-selftest", "--json"]) == 1
    doc = json.loads(capsys.readouterr().out)
    assert doc["passed"] is False
    [r] = doc["experiments"]
    assert r["name"] == "broken" and not r["passed"] and "no such core" in r["detail"]


@pytest.mark.skipif(is_installed(), reason="lava-loihi is installed")
def test_hardware_without_lava_loihi_is_a_one_line_error(capsys):
    assert main(["chip-selftest", "--hardware"]) == 2
    captured = capsys.readouterr()
    assert captured.out == ""
    assert captured.err.count("\n") == 1
    assert captured.err.startswith("lava-backprop chip-selftest: error: Loihi 2 needs Intel's lava-loihi")


def test_cli_json_in_the_simulator():
    exe = shutil.which("lava-backprop", path=str(Path(sys.executable).parent))
    assert exe, "lava-backprop is not installed next to this interpreter"
    run = subprocess.run([exe, "chip-selftest", "--json"], capture_output=True, text=True, timeout=150)
    assert run.returncode == 0, run.stderr
    doc = json.loads(run.stdout)
    assert doc["passed"] is True and doc["hardware"] is False
    assert doc["lava_version"] and doc["run_config"]["default"] == "Loihi2SimCfg(select_tag='fixed_pt')"
    assert [r["name"] for r in doc["experiments"]] == list(selftest.EXPERIMENTS)
    for r in doc["experiments"]:
        assert r["passed"] and r["measured"] == r["expected"], r
        assert set(r) == {"name", "passed", "measured", "expected", "seconds", "detail"}
