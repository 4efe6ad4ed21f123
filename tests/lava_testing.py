# SPDX-License-Identifier: BSD-3-Clause
"""Helpers for tests that start Lava."""

import multiprocessing
import time

import pytest


@pytest.fixture(autouse=True)
def no_leftover_workers():
    """Every Lava test must leave no worker process behind."""
    assert multiprocessing.active_children() == [], "workers were left by an earlier test"
    yield
    deadline = time.monotonic() + 5
    while multiprocessing.active_children() and time.monotonic() < deadline:
        time.sleep(0.05)
    assert multiprocessing.active_children() == [], "this test left Lava workers running"
