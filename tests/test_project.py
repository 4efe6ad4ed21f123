# SPDX-License-Identifier: BSD-3-Clause
"""The project's own files: bootstrap, lint, headers, the README's commands."""

import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SOURCES = sorted(
    p for d in ("lava_backprop", "tests", "benchmarks") for p in (ROOT / d).rglob("*.py") if ".venv" not in p.parts
)


def test_every_source_file_has_the_spdx_header():
    missing = [str(p.relative_to(ROOT)) for p in SOURCES if not p.read_text().startswith("# SPDX-License-Identifier:")]
    assert missing == []


def test_ruff_is_clean():
    ruff = shutil.which("ruff", path=str(Path(sys.executable).parent))
    assert ruff, "ruff is part of the test extra"
    result = subprocess.run(
        [ruff, "check", "--no-cache", *map(str, SOURCES)], capture_output=True, text=True, cwd=ROOT, timeout=120
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_readme_gives_the_two_commands_and_ci_runs_the_test_one():
    readme = (ROOT / "README.md").read_text()
    head = readme[: readme.index("\n## ", readme.index("make test"))]
    assert "make demo" in head and "make test" in head
    ci = (ROOT / ".ci" / "run").read_text()
    assert "make test" in ci


def test_style_card_layout():
    for path in (
        "pyproject.toml",
        "README.md",
        "Makefile",
        ".ci/run",
        "lava_backprop/__init__.py",
        "lava_backprop/params.py",
        "lava_backprop/reference.py",
        "lava_backprop/data/__init__.py",
        "docker/Dockerfile",
        "benchmarks/bench_reference.py",
    ):
        assert (ROOT / path).exists(), path
    assert not (ROOT / "tests" / "__init__.py").exists()


PACKAGE = sorted((ROOT / "lava_backprop").rglob("*.py"))


def test_no_package_module_is_two_things():
    """About 400 lines at most: a module that grows past that is usually two."""
    long = {str(p.relative_to(ROOT)): n for p in PACKAGE if (n := len(p.read_text().splitlines())) > 400}
    assert long == {}


def test_lavas_internals_are_touched_in_one_module_only():
    """Lava's private runtime attributes (``._x`` on objects Lava made) appear in lava_backprop.runtime alone."""
    import re

    lava_private = re.compile(r"\b(runtime|infra|actor|leaf|proc|net)\._[a-z]\w*")
    found = {
        str(p.relative_to(ROOT)): m
        for p in PACKAGE
        if "runtime" not in p.relative_to(ROOT).parts and (m := lava_private.findall(p.read_text()))
    }
    assert found == {}
    assert lava_private.search((ROOT / "lava_backprop" / "runtime" / "__init__.py").read_text())


def test_the_algorithm_document_is_in_the_repository_and_cited_there():
    """Every citation of ALGORITHM.md points at docs/ALGORITHM.md, and each cited section exists."""
    import re

    doc = (ROOT / "docs" / "ALGORITHM.md").read_text()
    sections = set(re.findall(r"^#{2,3} (\d+(?:\.\d+)?)\b", doc, flags=re.M))
    tests = [p for p in (ROOT / "tests").glob("*.py") if p.name != "test_project.py"]
    files = [*PACKAGE, *tests, *(ROOT / "docs").glob("*.md"), ROOT / "README.md"]
    files += sorted((ROOT / "tutorials").glob("*.ipynb"))
    for path in files:
        text = path.read_text()
        for match in re.finditer(r"(\S*)ALGORITHM\.md(?: (§[\d.,\- ]+\d))?", text):
            prefix, cited = match.groups()
            if path.parent.name != "docs":  # docs/ cite their neighbour by its file name
                assert prefix.endswith("docs/") or "docs/ALGORITHM.md" in match.group(0), (path.name, match.group(0))
            for number in re.findall(r"\d+(?:\.\d+)?", cited or ""):
                assert number in sections, (path.name, match.group(0), sorted(sections))


def test_every_shipped_run_configuration_reads():
    from lava_backprop.config import read_run_config

    files = sorted((ROOT / "configs").glob("*.toml"))
    runs = [f for f in files if not f.stem.endswith("-seeds")]
    assert {f.stem for f in runs} >= {"paper", "mnist28-2400", "fashion28-1600"}
    for f in runs:
        config = read_run_config(f)
        assert {"dataset", "hidden", "epochs", "seed", "out"} <= set(config), f
