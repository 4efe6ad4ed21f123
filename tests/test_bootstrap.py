# SPDX-License-Identifier: BSD-3-Clause
"""scripts/bootstrap.sh: where it finds Python 3.10, getting one with uv, and its failures.

Most tests hide this machine's Python 3.10 (PATH limited to a folder of basic
tools, pyenv pointed at an empty folder) and put a stand-in ``uv`` on PATH that
answers ``uv python find 3.10`` only after ``uv python install 3.10``, with the
path of the real 3.10 running the tests.
"""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
BOOTSTRAP = ROOT / "scripts" / "bootstrap.sh"
PYTHON310 = os.path.realpath(sys.executable)  # the interpreter this venv was built on
TOOLS = ("bash", "cat", "sha256sum", "cut", "ls", "sort", "rm", "dirname", "mkdir")
MESSAGE = ("no Python 3.10 found", "Install one, then run make again", "pyenv install 3.10", "uv python install 3.10")

STAND_IN_UV = """#!{bash}
# stand-in uv: `python find 3.10` answers only after `python install 3.10`
echo "$*" >> {log}
case "$*" in
  "python install 3.10") {install} ;;
  "python find 3.10") if [ -e {state} ]; then echo {python}; else exit 2; fi ;;
  *) exit 2 ;;
esac
"""
INSTALLS = ": > {state}; echo 'Installed Python 3.10.99' >&2"
CANNOT_INSTALL = "echo 'error: failed to download cpython-3.10 (github.com unreachable)' >&2; exit 1"


class Sandbox:
    """A PATH of basic tools only, an empty HOME and pyenv, a VENV path that does not exist yet."""

    def __init__(self, tmp_path: Path):
        self.tmp = tmp_path
        self.bin = tmp_path / "bin"
        self.bin.mkdir()
        for tool in TOOLS:
            os.symlink(shutil.which(tool), self.bin / tool)
        self.venv = tmp_path / "venv"
        self.uv_log = tmp_path / "uv.log"
        self.env = {
            "PATH": str(self.bin),
            "HOME": str(tmp_path / "home"),
            "PYENV_ROOT": str(tmp_path / "nopyenv"),
            "VENV": str(self.venv),
        }

    def stand_in_uv(self, folder: Path | None = None, install: str = INSTALLS, installed: bool = False) -> Path:
        """Write a stand-in uv into ``folder`` (default: the PATH folder)."""
        folder = folder or self.bin
        folder.mkdir(parents=True, exist_ok=True)
        state = self.tmp / "uv-installed"
        if installed:
            state.touch()
        uv = folder / "uv"
        uv.write_text(
            STAND_IN_UV.format(
                bash=shutil.which("bash"),
                log=self.uv_log,
                state=state,
                python=PYTHON310,
                install=install.format(state=state),
            )
        )
        uv.chmod(0o755)
        return uv

    def uv_calls(self) -> list[str]:
        return self.uv_log.read_text().splitlines() if self.uv_log.exists() else []

    def run(self, *args: str, cwd: Path = ROOT, timeout: float = 120, **env: str) -> subprocess.CompletedProcess:
        return subprocess.run(
            ["bash", str(cwd / "scripts" / "bootstrap.sh"), *args],
            cwd=cwd,
            env=self.env | env,
            capture_output=True,
            text=True,
            timeout=timeout,
        )


@pytest.fixture
def box(tmp_path):
    return Sandbox(tmp_path)


def test_bootstrap_without_python_310_says_how_to_get_it(box):
    """No 3.10 anywhere, no uv, no python3: one clear message, exit 1, nothing created."""
    result = box.run()
    assert result.returncode == 1
    assert "no Python 3.10 found" in result.stderr
    assert "pyenv install 3.10" in result.stderr and "uv python install 3.10" in result.stderr
    assert not box.venv.exists()


def test_bootstrap_finds_this_venv_up_to_date(tmp_path):
    """The venv running the tests is the one bootstrap made; a fresh path is not."""
    script = ["bash", str(BOOTSTRAP), "--check"]
    venv = Path(sys.prefix)
    if not (venv / ".bootstrap-stamp").exists():
        pytest.fail(f"{venv} was not made by scripts/bootstrap.sh; run the tests through `make test`")
    result = subprocess.run(script, capture_output=True, text=True, timeout=60, env=os.environ | {"VENV": str(venv)})
    assert (result.returncode, result.stdout, result.stderr) == (0, "", "")
    result = subprocess.run(
        script, capture_output=True, text=True, timeout=60, env=os.environ | {"VENV": str(tmp_path / "venv")}
    )
    assert result.returncode == 3 and "out of date" in result.stderr
    assert not (tmp_path / "venv").exists()


@pytest.mark.parametrize("where", ["PYTHON", "python3.10 on PATH"])
def test_a_python_310_found_wins_over_uv(box, where):
    """$PYTHON and python3.10 on PATH come before uv, which is not even asked."""
    box.stand_in_uv(installed=True)
    if where == "PYTHON":
        chosen = box.tmp / "chosen" / "python"
        chosen.parent.mkdir()
        os.symlink(PYTHON310, chosen)
        # A python3.10 on PATH too: PYTHON still wins.
        os.symlink(PYTHON310, box.bin / "python3.10")
        result = box.run("--find", PYTHON=str(chosen))
    else:
        chosen = box.bin / "python3.10"
        os.symlink(PYTHON310, chosen)
        result = box.run("--find")
    assert (result.returncode, result.stdout) == (0, f"{chosen}\n"), result.stderr
    assert box.uv_calls() == []
    assert not box.venv.exists()


def test_an_installed_uv_python_is_found_before_downloading(box):
    box.stand_in_uv(installed=True)
    result = box.run("--find")
    assert (result.returncode, result.stdout) == (0, f"{PYTHON310}\n"), result.stderr
    assert box.uv_calls() == ["python find 3.10"]


def test_without_python_310_uv_downloads_one(box):
    """The uv on PATH installs 3.10; bootstrap says so and where it is, and uses it."""
    box.stand_in_uv()
    result = box.run("--find")
    assert (result.returncode, result.stdout) == (0, f"{PYTHON310}\n"), result.stderr
    assert box.uv_calls() == ["python find 3.10", "python install 3.10", "python find 3.10"]
    assert f"downloading one with {box.bin / 'uv'} python install 3.10" in result.stderr
    assert f"using the Python 3.10 that uv installed: {PYTHON310}" in result.stderr
    assert not box.venv.exists()


def test_the_private_uv_in_the_user_cache_is_used_when_none_is_on_path(box):
    """A uv installed earlier into $XDG_CACHE_HOME/lava_backprop/uv is reused: no pip, no python3 needed."""
    cache = box.tmp / "cache"
    uv = box.stand_in_uv(folder=cache / "lava_backprop" / "uv" / "bin")
    result = box.run("--find", XDG_CACHE_HOME=str(cache))
    assert (result.returncode, result.stdout) == (0, f"{PYTHON310}\n"), result.stderr
    assert box.uv_calls() == ["python install 3.10", "python find 3.10"]
    assert f"downloading one with {uv} python install 3.10" in result.stderr


def test_the_opt_out_gives_the_message_without_downloading(box):
    box.stand_in_uv()
    result = box.run(LAVA_BACKPROP_NO_PYTHON_DOWNLOAD="1")
    assert result.returncode == 1
    assert all(part in result.stderr for part in MESSAGE), result.stderr
    assert "LAVA_BACKPROP_NO_PYTHON_DOWNLOAD is set" in result.stderr
    assert "python install 3.10" not in box.uv_calls()
    assert not box.venv.exists()


@pytest.mark.parametrize("failure", ["no python3", "pip cannot reach the index", "uv python install fails"])
def test_a_failed_download_names_the_step_and_leaves_nothing(box, failure):
    """No network, no python3, or uv failing: exit 1, the usual message plus the failed step, no venv."""
    cache = box.tmp / "cache"
    env = {"XDG_CACHE_HOME": str(cache)}
    if failure == "no python3":
        step = "there is no uv, and no python3 on PATH to install it with"
    elif failure == "pip cannot reach the index":
        # A working python3 (any version would do; this one is not named python3.10)
        # whose pip sees only an unreachable index: no config files, empty cache.
        os.symlink(PYTHON310, box.bin / "python3")
        env |= {
            "PIP_CONFIG_FILE": os.devnull,
            "PIP_INDEX_URL": "http://127.0.0.1:9/simple",
            "PIP_RETRIES": "0",
            "PIP_TIMEOUT": "5",
        }
        step = "installing uv with python3 -m pip failed"
    else:
        box.stand_in_uv(install=CANNOT_INSTALL)
        step = "uv python install 3.10 failed"
    result = box.run(**env)
    assert result.returncode == 1, result.stdout + result.stderr
    assert all(part in result.stderr for part in MESSAGE), result.stderr
    assert f"Downloading one with uv failed: {step}." in result.stderr
    assert "creating" not in result.stdout
    assert not box.venv.exists()
    assert not (cache / "lava_backprop" / "uv").exists(), "a half-made uv folder was left"


def test_a_half_made_venv_is_removed(box):
    """A 3.10 whose `-m venv` dies after starting the folder: exit non-zero, the folder is gone."""
    fake = box.tmp / "python3.10"
    fake.write_text(
        f"#!{shutil.which('bash')}\n"
        'case "$1" in\n'
        "  -c) exit 0 ;;\n"
        "  --version) echo 'Python 3.10.99' ;;\n"
        '  -m) mkdir -p "$3/bin"; echo half > "$3/pyvenv.cfg"; exit 1 ;;\n'
        "esac\n"
    )
    fake.chmod(0o755)
    result = box.run(PYTHON=str(fake))
    assert result.returncode != 0
    assert f"creating {box.venv} with {fake} (Python 3.10.99)" in result.stdout
    assert not box.venv.exists()


def _pip_cache() -> str:
    return os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip")


@pytest.mark.install
@pytest.mark.timeout(900)
def test_bootstrap_builds_the_venv_on_the_python_uv_installs(box):
    """A copy of the project, no 3.10 to find, a stand-in uv: .venv is built on uv's 3.10 and works.

    The real `uv python install` downloads from GitHub, which this machine cannot reach.
    """
    files = subprocess.run(["git", "ls-files"], cwd=ROOT, capture_output=True, text=True, check=True, timeout=60)
    project = box.tmp / "project"
    for name in files.stdout.splitlines():
        if (ROOT / name).is_file():
            (project / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(ROOT / name, project / name)
    box.stand_in_uv()
    env = {
        "HOME": str(Path.home()),  # pip's settings; pyenv is still hidden by PYENV_ROOT
        "PIP_CACHE_DIR": _pip_cache(),
        "XDG_CACHE_HOME": str(box.tmp / "cache"),
    }
    env |= {k: v for k, v in os.environ.items() if k.startswith(("PIP_", "SSL_", "REQUESTS_")) or k.endswith("_proxy")}
    result = box.run(cwd=project, timeout=850, **env)
    assert result.returncode == 0, result.stdout + result.stderr
    assert box.uv_calls() == ["python find 3.10", "python install 3.10", "python find 3.10"]
    assert f"creating {box.venv} with {PYTHON310}" in result.stdout
    cfg = dict(line.split(" = ", 1) for line in (box.venv / "pyvenv.cfg").read_text().splitlines() if " = " in line)
    assert cfg["home"] == str(Path(PYTHON310).parent)
    check = subprocess.run(
        [str(box.venv / "bin" / "python"), "-c", "import sys, lava_backprop; print(sys.version_info[:2])"],
        cwd=box.tmp,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert (check.returncode, check.stdout) == (0, "(3, 10)\n"), check.stderr
    again = box.run("--check", cwd=project, **env)
    assert again.returncode == 0, again.stderr
