# SPDX-License-Identifier: BSD-3-Clause
"""Downloading datasets, against HTTP servers on 127.0.0.1 only."""

import gzip
import http.server
import os
import shutil
import subprocess
import sys
import threading
import time
from functools import partial
from pathlib import Path

import numpy as np
import pytest

from lava_backprop.data import cache_dir, fetch, load_dataset
from lava_backprop.data.fetch import FILES, SOURCES, fetch_file
from lava_backprop.errors import DataError

LABELS = FILES["test", "labels"]
IMAGES = FILES["test", "images"]


class Handler(http.server.SimpleHTTPRequestHandler):
    """Serves a directory; paths under /cut/ promise more bytes than they send,
    under /trickle/ send one byte every 0.5 s."""

    def __init__(self, *args, log, **kwargs):
        self.requests_log = log
        super().__init__(*args, **kwargs)

    def do_GET(self):
        self.requests_log.append(self.path)
        if self.path.startswith("/cut/"):
            name = self.path.rsplit("/", 1)[-1]
            data = (Path(self.directory) / "good" / name).read_bytes()
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data[: len(data) // 3])
            return
        if self.path.startswith("/trickle/"):
            self.send_response(200)
            self.send_header("Content-Length", "1000")
            self.end_headers()
            for _ in range(40):  # at most 20 s, should the client never hang up
                try:
                    self.wfile.write(b"\x1f")
                except OSError:
                    return
                time.sleep(0.5)
            return
        super().do_GET()

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def www(tmp_path_factory, data_root):
    """Mirror folders: good, truncated, wrong (one bit flipped), empty."""
    root = tmp_path_factory.mktemp("www")
    good = root / "good"
    good.mkdir(parents=True)
    for name in (LABELS, IMAGES):
        shutil.copy(data_root / "mnist" / name, good / name)
    (root / "truncated").mkdir()
    (root / "empty").mkdir()
    for name in (LABELS, IMAGES):
        data = (good / name).read_bytes()
        (root / "truncated" / name).write_bytes(data[: len(data) // 2])
    (root / "wrong").mkdir()
    for name in (LABELS, IMAGES):
        raw = gzip.decompress((good / name).read_bytes())
        (root / "wrong" / name).write_bytes(gzip.compress(raw[:-1] + bytes([raw[-1] ^ 1]), compresslevel=1))
    return root


@pytest.fixture
def server(www, monkeypatch):
    """Mirrors at http://127.0.0.1:PORT/{good,truncated,wrong,cut,trickle,empty}/."""
    root = www
    log = []
    httpd = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(root), log=log))
    thread = threading.Thread(target=httpd.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    monkeypatch.delenv("LAVA_BACKPROP_DATA", raising=False)
    monkeypatch.delenv("LAVA_BACKPROP_MIRRORS", raising=False)
    monkeypatch.delenv("LAVA_BACKPROP_DOWNLOAD_TIMEOUT", raising=False)
    try:
        yield f"http://127.0.0.1:{httpd.server_address[1]}", log
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join(timeout=5)


def cached(name):
    return cache_dir() / "mnist" / name


def leftovers():
    folder = cache_dir() / "mnist"
    return sorted(p.name for p in folder.glob("*")) if folder.exists() else []


def test_download_verifies_and_caches(server, data_root):
    url, log = server
    ds = load_dataset("mnist20", "test", mirrors=[url + "/good"])
    want = load_dataset("mnist20", "test", data_root)
    np.testing.assert_array_equal(ds.X, want.X)
    np.testing.assert_array_equal(ds.labels, want.labels)
    assert leftovers() == sorted([IMAGES, LABELS])
    n_requests = len(log)
    load_dataset("mnist20", "test", mirrors=[url + "/good"])
    assert len(log) == n_requests, "a cached, verified file must not be fetched again"


@pytest.mark.parametrize(
    ("mirror", "message"),
    [
        ("truncated", "corrupt or truncated"),
        ("wrong", "checksum mismatch"),
        ("cut", "connection closed after 5[0-9]+ of 1[0-9]+ bytes"),
        ("empty", "404"),
    ],
)
def test_bad_mirror_fails_clearly_and_leaves_nothing(server, mirror, message):
    url, _ = server
    with pytest.raises(DataError, match=message) as info:
        load_dataset("mnist20", "test", mirrors=[f"{url}/{mirror}"])
    assert f"{url}/{mirror}/{IMAGES}" in str(info.value), str(info.value)
    assert leftovers() == []


def test_falls_back_to_the_next_mirror(server):
    url, log = server
    ds = load_dataset("mnist20", "test", mirrors=[url + "/wrong", url + "/truncated", url + "/good"])
    assert len(ds) == 10000
    assert log[:3] == [f"/wrong/{IMAGES}", f"/truncated/{IMAGES}", f"/good/{IMAGES}"]


def test_mirrors_from_the_environment(server, monkeypatch):
    url, log = server
    monkeypatch.setenv("LAVA_BACKPROP_MIRRORS", f"{url}/empty {url}/good")
    assert len(load_dataset("mnist20", "test")) == 10000
    assert log[0] == f"/empty/{IMAGES}"


def test_corrupt_cached_file_is_fetched_again(server):
    url, _ = server
    cached(LABELS).parent.mkdir(parents=True)
    cached(LABELS).write_bytes(b"garbage")
    ds = load_dataset("mnist20", "test", mirrors=[url + "/good"])
    assert len(ds) == 10000
    assert gzip.decompress(cached(LABELS).read_bytes())[:4] == b"\x00\x00\x08\x01"


def test_failed_download_keeps_a_good_cached_copy(server):
    url, _ = server
    load_dataset("mnist20", "test", mirrors=[url + "/good"])
    before = cached(IMAGES).read_bytes()
    # A later, bad mirror is never consulted for files already verified.
    ds = load_dataset("mnist20", "test", mirrors=[url + "/wrong"])
    assert len(ds) == 10000
    assert cached(IMAGES).read_bytes() == before


def test_trickling_mirror_hits_the_deadline(server, monkeypatch, caplog):
    url, log = server
    monkeypatch.setenv("LAVA_BACKPROP_DOWNLOAD_TIMEOUT", "2")
    start = time.monotonic()
    with pytest.raises(DataError, match="deadline of 2 s exceeded") as info:
        fetch_file(SOURCES["mnist"], LABELS, mirrors=[url + "/trickle"])
    assert 2 <= time.monotonic() - start < 4
    assert f"{url}/trickle/{LABELS}" in str(info.value)
    assert leftovers() == []
    # The argument overrides the variable; the next mirror is then used.
    start = time.monotonic()
    path = fetch_file(SOURCES["mnist"], LABELS, mirrors=[url + "/trickle", url + "/good"], deadline=0.5)
    assert 0.5 <= time.monotonic() - start < 2.5
    assert path == cached(LABELS)
    assert "deadline of 0.5 s exceeded" in caplog.text
    assert log[-2:] == [f"/trickle/{LABELS}", f"/good/{LABELS}"]
    assert leftovers() == [LABELS]


@pytest.mark.parametrize("value", ["0", "-3", "soon", "nan", "inf"])
def test_bad_download_timeout_is_refused(server, monkeypatch, value):
    url, log = server
    monkeypatch.setenv("LAVA_BACKPROP_DOWNLOAD_TIMEOUT", value)
    with pytest.raises(DataError, match="LAVA_BACKPROP_DOWNLOAD_TIMEOUT"):
        load_dataset("mnist20", "test", mirrors=[url + "/good"])
    assert log == []


def test_interrupted_download_leaves_nothing(server, monkeypatch):
    url, _ = server

    def interrupt(self, n=1):
        raise KeyboardInterrupt

    monkeypatch.setattr(fetch.tqdm, "update", interrupt)
    with pytest.raises(KeyboardInterrupt):
        fetch_file(SOURCES["mnist"], IMAGES, mirrors=[url + "/good"])
    assert leftovers() == []


def test_stale_temporaries_are_removed(server):
    url, _ = server
    finished = subprocess.Popen([sys.executable, "-c", ""])
    finished.wait()
    folder = cached(LABELS).parent
    folder.mkdir(parents=True)
    stale = folder / f".{LABELS}.{finished.pid}.0123abcd.tmp"
    live = folder / f".{LABELS}.{os.getpid()}.4567cdef.tmp"
    stale.write_bytes(b"partial")
    live.write_bytes(b"partial")
    fetch_file(SOURCES["mnist"], LABELS, mirrors=[url + "/good"])
    assert not stale.exists()
    assert live.exists()


def test_fetched_file_has_the_umask_mode(server):
    url, _ = server
    old = os.umask(0o027)
    try:
        path = fetch_file(SOURCES["mnist"], LABELS, mirrors=[url + "/good"])
    finally:
        os.umask(old)
    assert path.stat().st_mode & 0o777 == 0o640
