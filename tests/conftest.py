# SPDX-License-Identifier: BSD-3-Clause
"""Shared fixtures: datasets on disk, an isolated download cache."""

import os
from pathlib import Path

import pytest

SHARED_DATA = Path(__file__).resolve().parents[1].parent / "shared" / "data"


@pytest.fixture(scope="session")
def data_root() -> Path:
    """Directory holding ``mnist/`` and ``fashion-mnist/`` IDX files.

    ``$LAVA_BACKPROP_DATA`` (set by the Makefile) or ``../shared/data``.
    """
    for candidate in (os.environ.get("LAVA_BACKPROP_DATA"), SHARED_DATA):
        if candidate and (Path(candidate) / "mnist" / "t10k-labels-idx1-ubyte.gz").is_file():
            return Path(candidate)
    pytest.fail(
        "MNIST IDX files not found: set LAVA_BACKPROP_DATA to a directory with mnist/ and "
        "fashion-mnist/, or run the tests through `make test` beside ../shared/data"
    )


@pytest.fixture(autouse=True)
def _isolated_cache(tmp_path_factory, monkeypatch):
    """Keep every test's dataset cache out of the user's home."""
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path_factory.mktemp("cache")))


@pytest.fixture
def stop_joblib_workers():
    """Stop the worker processes joblib keeps for reuse, so that later tests see no leftover children."""
    yield
    from joblib.externals.loky import get_reusable_executor

    get_reusable_executor().shutdown(wait=True)
