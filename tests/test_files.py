# SPDX-License-Identifier: BSD-3-Clause
"""Every file the library writes survives a full disk: an `OSError` (ENOSPC), the old file intact, nothing partial.

Checkpoints, JSON, plots and exports go through `lava_backprop.files.atomic_path`.
On a small tmpfs filled with junk, each writer raises ``OSError`` with
``errno.ENOSPC`` (never crashes the process, as h5py writing to a full disk
can), leaves an earlier file at the same path byte for byte, leaves no
temporary and no partial file, and succeeds once space is freed. Files get
the process's normal mode (``0666`` less the umask).
"""

import errno
import gc
import json
import os
import shutil
import subprocess
from pathlib import Path

import matplotlib.image
import nir
import numpy as np
import pytest

import lava_backprop as lb
from lava_backprop.checkpoint import atomic_write_json, load_checkpoint, save_checkpoint
from lava_backprop.cli import main
from lava_backprop.energy import energy_report, plot_energy
from lava_backprop.export import export_netx, export_nir, read_netx
from lava_backprop.plotting import plot_learning_curves, plot_raster, plot_receptive_fields, plot_weight_histograms
from lava_backprop.schedule import training_schedule
from lava_backprop.simulation import simulate

pytestmark = pytest.mark.timeout(120)

DISK_SIZE = 512 * 1024
LEFT_FREE = 8 * 1024  # less than any file below: each write fails part way


@pytest.fixture
def disk(tmp_path) -> Path:
    """A 512 KiB tmpfs mounted in ``tmp_path``, unmounted afterwards."""
    mount_point = tmp_path / "disk"
    mount_point.mkdir()
    if shutil.which("mount") is None:
        pytest.skip("cannot mount a small disk: no mount command")
    done = subprocess.run(
        ["mount", "-t", "tmpfs", "-o", f"size={DISK_SIZE},mode=0755", "tmpfs", str(mount_point)],
        capture_output=True,
        text=True,
    )
    if done.returncode != 0:
        pytest.skip(f"cannot mount a small disk: {done.stderr.strip() or f'mount exited {done.returncode}'}")
    try:
        yield mount_point
    finally:
        subprocess.run(["umount", str(mount_point)], check=True)


def fill(disk: Path, left: int = LEFT_FREE) -> Path:
    """Fill ``disk`` with a junk file up to ``left`` bytes of free space; return the junk file."""
    stat = os.statvfs(disk)
    junk = disk / "junk"
    with open(junk, "wb") as f:
        f.write(b"\xa5" * (stat.f_bavail * stat.f_frsize - left))
    return junk


@pytest.fixture
def umask_022():
    """Run with umask 022 (files 0644), restoring the previous umask afterwards."""
    previous = os.umask(0o022)
    try:
        yield
    finally:
        os.umask(previous)


def _stores(size: lb.NetworkSize) -> dict:
    with lb.make_engine("reference", lb.glorot_init(size, seed=0)) as engine:
        return engine.weights()


#: Every writer, and where it writes relative to a directory.
FILES = {
    "save_checkpoint": "checkpoints/epoch_001.npz",
    "atomic_write_json": "metrics.json",
    "plot_learning_curves": "learning_curves.png",
    "plot_weight_histograms": "weight_histograms.png",
    "plot_receptive_fields": "receptive_fields.png",
    "plot_raster": "raster.png",
    "plot_energy": "energy.png",
    "export_nir": "net.nir",
    "export_netx": "net.net",
}


@pytest.fixture(scope="module")
def writers() -> dict:
    """``name: (write(path, variant), read(path))`` for every writer; variants 0 and 1 differ in content."""
    stores = _stores(lb.NetworkSize(196, 40, 10))  # 14 x 14 receptive fields; a checkpoint > LEFT_FREE
    rng = np.random.default_rng(0)
    X = rng.integers(0, 2, (3, 196)).astype(np.uint8)
    T = np.eye(10, dtype=np.uint8)[[0, 1, 2]]
    schedule = training_schedule(1)
    raster = simulate(schedule, {k: v.copy() for k, v in stores.items()}, X[:1], T[:1], raster=True).raster
    report = energy_report(stores, X, T, X)

    def metrics(variant):
        entry = {"exact_match": 0.5, "argmax_o": 0.6, "argmax_z": 0.7, "mse": 0.1 + variant}
        return [{"epoch": e, "train": entry, "test": entry} for e in (1, 2)]

    def signed(variant):
        return {k: -v if variant else v for k, v in stores.items()}

    def mats(variant):
        return [signed(variant)["w1"], signed(variant)["w2"]]

    def read_png(path):
        return matplotlib.image.imread(path, format="png").tobytes()

    return {
        "save_checkpoint": (
            lambda p, v: save_checkpoint(p.parents[1], 1, signed(v), {}, {"variant": v}),
            lambda p: load_checkpoint(p).stores["w1"].tolist(),
        ),
        "atomic_write_json": (
            lambda p, v: atomic_write_json(p, {"variant": v, "values": list(range(3000))}),
            lambda p: json.loads(p.read_text())["variant"],
        ),
        "plot_learning_curves": (lambda p, v: plot_learning_curves(metrics(v), p), read_png),
        "plot_weight_histograms": (lambda p, v: plot_weight_histograms(signed(v), p), read_png),
        "plot_receptive_fields": (lambda p, v: plot_receptive_fields(signed(v)["w1"], p), read_png),
        "plot_raster": (lambda p, v: plot_raster(raster, schedule, p, title=f"variant {v}"), read_png),
        "plot_energy": (
            lambda p, v: plot_energy(report | {"train": report["train"] | {"model": f"variant {v}"}}, p),
            read_png,
        ),
        "export_nir": (lambda p, v: export_nir(mats(v), p), lambda p: nir.read(p).nodes["fc1"].weight.tolist()),
        "export_netx": (lambda p, v: export_netx(mats(v), p), lambda p: read_netx(p)[0].tolist()),
    }


def _target(directory: Path, name: str) -> Path:
    path = directory / FILES[name]
    path.parent.mkdir(parents=True, exist_ok=True)
    return path


def _leftovers(directory: Path) -> list[str]:
    return sorted(p.name for p in directory.rglob(".*.tmp"))


@pytest.mark.parametrize("name", list(FILES))
def test_a_full_disk_raises_enospc_and_leaves_no_trace(name, writers, disk, umask_022):
    """A failed write keeps an earlier file and leaves nothing new; once space is freed, the same call succeeds.

    The files written have mode 0644 under umask 022.
    """
    write, read = writers[name]
    old, new = _target(disk / "old", name), _target(disk / "new", name)
    write(old, 0)
    before = old.read_bytes()
    junk = fill(disk)
    for path in (old, new):
        with pytest.raises(OSError) as err:
            write(path, 1)
        assert err.value.errno == errno.ENOSPC, err.value
    del err
    gc.collect()  # objects a failed writer left open report failures of their finalizers here, in this test
    assert old.read_bytes() == before
    assert not new.exists()
    assert _leftovers(disk) == []
    junk.unlink()
    write(new, 1)
    assert read(new) != read(old)
    assert _leftovers(disk) == []
    assert {p.stat().st_mode & 0o777 for p in (old, new)} == {0o644}


def test_cli_export_to_a_full_disk_fails_in_one_line_and_can_be_retried(disk, tmp_path, capsys):
    """``lava-backprop export`` to a full disk exits 2 with one line; once space is freed, the same command works."""
    run_dir = tmp_path / "run"
    save_checkpoint(run_dir, 1, _stores(lb.NetworkSize(20, 8, 4)), {}, {"dataset": "mnist20"})
    out = disk / "net.nir"
    argv = ["export", str(run_dir), "--format", "nir", "--out", str(out)]
    junk = fill(disk)
    assert main(argv) == 2
    err = capsys.readouterr().err
    assert len(err.splitlines()) == 1 and "Traceback" not in err, err
    assert err.startswith("lava-backprop export: error: ") and "No space left on device" in err, err
    assert sorted(p.name for p in disk.iterdir()) == ["junk"]
    junk.unlink()
    assert main(argv) == 0, capsys.readouterr().err
    assert sorted(nir.read(out).nodes) == ["fc1", "fc2", "h1", "input", "o", "output"]
