# SPDX-License-Identifier: BSD-3-Clause
"""A run survives what a terminal does to it: Ctrl-C to its group, SIGKILL, a second run racing for its directory."""

import glob
import json
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from lava_backprop.checkpoint import run_lock
from lava_backprop.errors import CheckpointError
from lava_backprop.runtime import remove_stale_buffers
from lava_backprop.training import train_run

pytestmark = pytest.mark.timeout(240)

SMALL = ["--samples", "150", "--test-samples", "50", "--hidden", "12", "--no-progress"]


def start_cli(args, data_root, out: Path) -> subprocess.Popen:
    """``lava-backprop train`` as a terminal starts it: in a process group of its own."""
    env = os.environ | {"LAVA_BACKPROP_DATA": str(data_root)}
    cmd = [sys.executable, "-m", "lava_backprop.cli", "train", "--out", str(out), *args]
    return subprocess.Popen(
        cmd, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, start_new_session=True
    )


def wait_for(condition, timeout: float, what: str) -> None:
    deadline = time.monotonic() + timeout
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout} s waiting for {what}")
        time.sleep(0.1)


def group_alive(pgid: int) -> bool:
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    return True


def buffers_of(pid: int) -> list[str]:
    return glob.glob(f"/dev/shm/lava_backprop_*_{pid}_*.samples") + glob.glob(f"/tmp/lava_backprop_*_{pid}_*.samples")


def test_ctrl_c_to_the_group_of_a_lava_run_stops_it_cleanly_and_it_resumes(tmp_path, data_root):
    out = tmp_path / "run"
    shm_before = set(os.listdir("/dev/shm"))
    proc = start_cli(["--engine", "lava-fixed", "--epochs", "3", *SMALL], data_root, out)
    try:
        wait_for(lambda: (out / "metrics.json").exists() or proc.poll() is not None, 120, "the first epoch")
        time.sleep(1.0)  # into the second epoch's Lava run
        assert proc.poll() is None, proc.communicate()
        os.killpg(proc.pid, signal.SIGINT)  # what Ctrl-C in a terminal does
        _, err = proc.communicate(timeout=15)
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
    assert proc.returncode == 130, err
    line = err.strip().splitlines()[-1]
    assert re.search(r"interrupted (after epoch 1|in epoch 2) of 3; epochs 1 to 1 are saved", line), err
    assert line.endswith("--resume"), err
    assert "Traceback" not in err
    wait_for(lambda: not group_alive(proc.pid), 5, "every process of the run to end")
    assert buffers_of(proc.pid) == []
    assert {name for name in set(os.listdir("/dev/shm")) - shm_before if not name.startswith("sem.")} == set()
    # and the run continues where it stopped
    resumed = subprocess.run(
        [
            sys.executable,
            "-m",
            "lava_backprop.cli",
            "train",
            "--out",
            str(out),
            "--engine",
            "lava-fixed",
            "--epochs",
            "3",
        ]
        + SMALL
        + ["--resume"],
        env=os.environ | {"LAVA_BACKPROP_DATA": str(data_root)},
        capture_output=True,
        text=True,
        timeout=200,
    )
    assert resumed.returncode == 0, resumed.stderr
    assert [m["epoch"] for m in json.loads((out / "metrics.json").read_text())] == [1, 2, 3]


def test_sigkill_of_a_lava_run_takes_its_workers_and_the_next_run_removes_its_buffer(tmp_path, data_root):
    proc = start_cli(["--engine", "lava-fixed", "--epochs", "2", *SMALL], data_root, tmp_path / "run")
    try:
        wait_for(lambda: buffers_of(proc.pid) or proc.poll() is not None, 120, "the Lava network to start")
        time.sleep(1.0)
        assert proc.poll() is None, proc.communicate()
        left = buffers_of(proc.pid)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait(timeout=10)
        wait_for(lambda: not group_alive(proc.pid), 10, "the killed run's workers to end")
    finally:
        if group_alive(proc.pid):
            os.killpg(proc.pid, signal.SIGKILL)
    assert left and all(os.path.exists(p) for p in left)  # a killed process cannot clean up ...
    assert set(left) <= set(remove_stale_buffers(os.path.dirname(left[0])))  # ... the next one does
    assert buffers_of(proc.pid) == []


def test_two_runs_into_one_directory_exactly_one_proceeds(tmp_path, data_root):
    out = tmp_path / "run"
    args = ["--samples", "3000", "--test-samples", "100", "--hidden", "20", "--epochs", "2", "--no-progress"]
    procs = [start_cli([*args, "--seed", str(seed)], data_root, out) for seed in (0, 1)]
    results = [(p.wait(timeout=200), p.stderr.read()) for p in procs]
    codes = sorted(code for code, _ in results)
    assert codes == [0, 2], results
    (err,) = [e for code, e in results if code == 2]
    assert "being written by another run" in err or "already holds a run" in err, err
    winner = [seed for seed, (code, _) in zip((0, 1), results, strict=True) if code == 0][0]
    config = json.loads((out / "config.json").read_text())
    assert config["seed"] == winner and [m["epoch"] for m in json.loads((out / "metrics.json").read_text())] == [1, 2]


def test_a_locked_directory_is_refused_in_process(tmp_path, data_root):
    with run_lock(tmp_path / "run"):
        with pytest.raises(CheckpointError, match=f"being written by another run \\(process {os.getpid()}\\)"):
            train_run(tmp_path / "run", samples=50, test_samples=10, hidden=4, data_dir=data_root, progress=False)
    train_run(tmp_path / "run", samples=50, test_samples=10, hidden=4, data_dir=data_root, progress=False)
    with pytest.raises(CheckpointError, match="is a file, not a run directory"):
        train_run(tmp_path / "run" / "metrics.json", samples=50, data_dir=data_root, progress=False)
