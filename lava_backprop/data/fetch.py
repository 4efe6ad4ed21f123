# SPDX-License-Identifier: BSD-3-Clause
"""Finding the IDX files of a dataset, downloading them when needed.

A file is looked up, first hit wins, in

1. the ``data_dir`` the caller passes,
2. the directory in ``$LAVA_BACKPROP_DATA``,
3. the user cache directory (``platformdirs``; ``$XDG_CACHE_HOME`` on Linux),

each as ``<dir>/<dataset>/<file>`` or ``<dir>/<file>``. If none has it, it is
downloaded from the dataset's mirrors (or ``$LAVA_BACKPROP_MIRRORS``, base URLs
separated by spaces) into the cache, and kept only if the MD5 of its
decompressed contents is the published one. A found file is checked the same
way when read; a bad file in the cache is fetched again, a bad file anywhere
else is reported and left untouched.

Each download has an overall deadline (300 s, or ``$LAVA_BACKPROP_DOWNLOAD_TIMEOUT``
seconds, or the ``deadline`` argument of `fetch_file`), checked after every
read, so a mirror that trickles bytes cannot stall a run; a mirror past its
deadline counts as failed and the next one is tried. A download is written
through `lava_backprop.files.atomic_path`: the temporary file is removed on any
error or interrupt, and one left by a killed process is removed by the next
fetch into the same directory.
"""

import http.client
import logging
import math
import os
import time
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from tqdm.auto import tqdm

from lava_backprop.data.idx import decompress_and_hash
from lava_backprop.errors import DataError
from lava_backprop.files import atomic_path, remove_stale_temporaries

__all__ = ["SOURCES", "FILES", "DataSource", "cache_dir", "find_file", "fetch_file"]

logger = logging.getLogger(__name__)

ENV_DATA = "LAVA_BACKPROP_DATA"
ENV_MIRRORS = "LAVA_BACKPROP_MIRRORS"
ENV_TIMEOUT = "LAVA_BACKPROP_DOWNLOAD_TIMEOUT"
DEFAULT_DEADLINE = 300.0

FILES = {
    ("train", "images"): "train-images-idx3-ubyte.gz",
    ("train", "labels"): "train-labels-idx1-ubyte.gz",
    ("test", "images"): "t10k-images-idx3-ubyte.gz",
    ("test", "labels"): "t10k-labels-idx1-ubyte.gz",
}


@dataclass(frozen=True)
class DataSource:
    """Where a dataset's four IDX files come from and what they must contain.

    Parameters
    ----------
    folder : str
        Sub-directory name under a data root.
    mirrors : tuple of str
        Base URLs, tried in order; a file's URL is ``mirror + file name``.
    md5 : dict of str to str
        MD5 of each file's decompressed contents, keyed by file name.
    """

    folder: str
    mirrors: tuple[str, ...]
    md5: dict


SOURCES = {
    "mnist": DataSource(
        folder="mnist",
        mirrors=(
            "https://ossci-datasets.s3.amazonaws.com/mnist/",
            "https://storage.googleapis.com/cvdf-datasets/mnist/",
            "http://yann.lecun.com/exdb/mnist/",
        ),
        md5={
            "train-images-idx3-ubyte.gz": "6bbc9ace898e44ae57da46a324031adb",
            "train-labels-idx1-ubyte.gz": "a25bea736e30d166cdddb491f175f624",
            "t10k-images-idx3-ubyte.gz": "2646ac647ad5339dbf082846283269ea",
            "t10k-labels-idx1-ubyte.gz": "27ae3e4e09519cfbb04c329615203637",
        },
    ),
    "fashion-mnist": DataSource(
        folder="fashion-mnist",
        mirrors=("http://fashion-mnist.s3-website.eu-central-1.amazonaws.com/",),
        md5={
            "train-images-idx3-ubyte.gz": "f4a8712d7a061bf5bd6d2ca38dc4d50a",
            "train-labels-idx1-ubyte.gz": "9018921c3c673c538a1fc5bad174d6f9",
            "t10k-images-idx3-ubyte.gz": "8181f5470baa50b63fa0f6fddb340f0a",
            "t10k-labels-idx1-ubyte.gz": "15d484375f8d13e6eb1aabb0c3f46965",
        },
    ),
}


def cache_dir() -> Path:
    """The per-user cache directory for downloaded datasets."""
    return Path(platformdirs.user_cache_dir("lava_backprop")) / "data"


def _candidates(root: Path, source: DataSource, name: str) -> list[Path]:
    return [root / source.folder / name, root / name]


def find_file(source: DataSource, name: str, data_dir=None) -> tuple[Path | None, list[Path]]:
    """First existing copy of ``name`` in the lookup order, and every path tried.

    The cache directory is tried last; the caller verifies what is found.
    """
    roots = [Path(d) for d in (data_dir, os.environ.get(ENV_DATA)) if d]
    roots.append(cache_dir())
    tried = []
    for root in roots:
        for path in _candidates(root, source, name):
            tried.append(path)
            if path.is_file():
                return path, tried
    return None, tried


def _mirrors(source: DataSource, mirrors) -> list[str]:
    if mirrors is None:
        env = os.environ.get(ENV_MIRRORS, "").split()
        mirrors = env or source.mirrors
    return [m if m.endswith("/") else m + "/" for m in mirrors]


def _deadline(deadline) -> float:
    """The overall download deadline in seconds: ``deadline``, else ``$LAVA_BACKPROP_DOWNLOAD_TIMEOUT``, else 300."""
    if deadline is not None:
        if not deadline > 0:
            raise ValueError(f"deadline must be a positive number of seconds, not {deadline!r}")
        return float(deadline)
    text = os.environ.get(ENV_TIMEOUT, "").strip()
    if not text:
        return DEFAULT_DEADLINE
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not (math.isfinite(value) and value > 0):
        raise DataError(f"${ENV_TIMEOUT} must be a positive number of seconds, not {text!r}")
    return value


def _download(url: str, dest: Path, timeout: float, deadline: float) -> None:
    """Write ``url`` to ``dest``, giving up after ``deadline`` seconds.

    Each socket read waits at most ``min(timeout, deadline)`` and the clock is
    checked after every read, so a mirror that trickles bytes is cut off
    within one read past the deadline.
    """
    end = time.monotonic() + deadline

    def wait() -> float:
        left = end - time.monotonic()
        if left <= 0:
            raise TimeoutError
        return min(timeout, left)

    try:
        with urllib.request.urlopen(url, timeout=wait()) as resp, open(dest, "wb") as out:
            total = resp.headers.get("Content-Length")
            with tqdm(
                total=int(total) if total else None,
                unit="B",
                unit_scale=True,
                desc=f"download {url.rsplit('/', 1)[-1].split('.', 1)[0]}",
                leave=False,
            ) as bar:
                received = 0
                while True:
                    wait()
                    # read1 returns what has arrived; read(n) would block until n bytes did.
                    if not (chunk := resp.read1(1 << 16)):
                        break
                    out.write(chunk)
                    received += len(chunk)
                    bar.update(len(chunk))
    except OSError:
        if time.monotonic() >= end:
            raise DataError(f"deadline of {deadline:g} s exceeded") from None
        raise
    if total and received != int(total):
        raise DataError(f"connection closed after {received} of {total} bytes")


def fetch_file(source: DataSource, name: str, mirrors=None, timeout: float = 60.0, deadline=None) -> Path:
    """Download ``name`` into the cache and verify it; return the cached path.

    The file is written under a temporary name and moved into place only
    after the MD5 of its decompressed contents matched, so an interrupted or
    bad download never replaces anything, and the temporary file is removed
    on any error or interrupt. Temporaries left by killed processes are
    removed first.

    Parameters
    ----------
    source : DataSource
        The dataset the file belongs to.
    name : str
        File name, a key of ``source.md5``.
    mirrors : sequence of str, optional
        Base URLs tried in order; default ``$LAVA_BACKPROP_MIRRORS``, else
        ``source.mirrors``.
    timeout : float
        Seconds a single socket operation may wait.
    deadline : float, optional
        Seconds one download from one mirror may take in all; default
        ``$LAVA_BACKPROP_DOWNLOAD_TIMEOUT``, else 300.

    Raises
    ------
    DataError
        If no mirror delivered a verified copy (the message lists each try),
        or ``$LAVA_BACKPROP_DOWNLOAD_TIMEOUT`` is not a positive number.
    ValueError
        If ``deadline`` is not positive.
    """
    deadline = _deadline(deadline)
    dest_dir = cache_dir() / source.folder
    dest_dir.mkdir(parents=True, exist_ok=True)
    remove_stale_temporaries(dest_dir)
    dest = dest_dir / name
    failures = []
    for base in _mirrors(source, mirrors):
        url = base + name
        tmp = None
        try:
            with atomic_path(dest) as tmp:
                logger.info("downloading %s", url)
                _download(url, tmp, timeout, deadline)
                _, digest = decompress_and_hash(tmp)
                if digest != source.md5[name]:
                    raise DataError(f"checksum mismatch (MD5 of contents {digest}, expected {source.md5[name]})")
            return dest
        except (OSError, ValueError, http.client.HTTPException) as err:
            reason = str(err).replace(str(tmp), "download") if tmp else str(err)
            failures.append(f"{url}: {reason}")
            logger.warning("download failed: %s: %s", url, reason)
    raise DataError(f"could not fetch {name}; tried:\n  " + "\n  ".join(failures))
