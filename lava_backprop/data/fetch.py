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
"""

import http.client
import logging
import os
import tempfile
import urllib.request
from dataclasses import dataclass
from pathlib import Path

import platformdirs
from tqdm.auto import tqdm

from lava_backprop.data.idx import decompress_and_hash
from lava_backprop.errors import DataError

__all__ = ["SOURCES", "FILES", "DataSource", "cache_dir", "find_file", "fetch_file"]

logger = logging.getLogger(__name__)

ENV_DATA = "LAVA_BACKPROP_DATA"
ENV_MIRRORS = "LAVA_BACKPROP_MIRRORS"

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


def _download(url: str, dest: Path, timeout: float) -> None:
    with urllib.request.urlopen(url, timeout=timeout) as resp, open(dest, "wb") as out:
        total = resp.headers.get("Content-Length")
        with tqdm(
            total=int(total) if total else None,
            unit="B",
            unit_scale=True,
            desc=f"download {dest.name.split('.', 1)[0]}",
            leave=False,
        ) as bar:
            received = 0
            while chunk := resp.read(1 << 16):
                out.write(chunk)
                received += len(chunk)
                bar.update(len(chunk))
    if total and received != int(total):
        raise DataError(f"connection closed after {received} of {total} bytes")


def fetch_file(source: DataSource, name: str, mirrors=None, timeout: float = 60.0) -> Path:
    """Download ``name`` into the cache and verify it; return the cached path.

    The file is written under a temporary name and moved into place only
    after the MD5 of its decompressed contents matched, so an interrupted or
    bad download never replaces anything.

    Raises
    ------
    DataError
        If no mirror delivered a verified copy; the message lists each try.
    """
    dest_dir = cache_dir() / source.folder
    dest_dir.mkdir(parents=True, exist_ok=True)
    dest = dest_dir / name
    failures = []
    for base in _mirrors(source, mirrors):
        url = base + name
        fd, tmp = tempfile.mkstemp(prefix=name + ".", suffix=".part", dir=dest_dir)
        os.close(fd)
        tmp = Path(tmp)
        try:
            logger.info("downloading %s", url)
            _download(url, tmp, timeout)
            _, digest = decompress_and_hash(tmp)
            if digest != source.md5[name]:
                raise DataError(f"checksum mismatch (MD5 of contents {digest}, expected {source.md5[name]})")
            os.replace(tmp, dest)
            return dest
        except (OSError, ValueError, http.client.HTTPException) as err:
            reason = str(err).replace(str(tmp), "download")
            failures.append(f"{url}: {reason}")
            logger.warning("download failed: %s: %s", url, reason)
        finally:
            tmp.unlink(missing_ok=True)
    raise DataError(f"could not fetch {name}; tried:\n  " + "\n  ".join(failures))
