# SPDX-License-Identifier: BSD-3-Clause
"""Reading gzip-compressed IDX files (the MNIST file format).

An IDX file is ``00 00 TT NN`` (type code, number of dimensions), then NN
big-endian uint32 sizes, then the values in C order. Only unsigned bytes
(TT = 0x08) occur in MNIST and Fashion-MNIST.
"""

import gzip
import hashlib
import os
import zlib

import numpy as np

from lava_backprop.errors import DataError

__all__ = ["read_idx_gz", "decompress_and_hash"]

_UBYTE = 0x08


def decompress_and_hash(path: os.PathLike) -> tuple[bytes, str]:
    """Decompress a ``.gz`` file; return its contents and their MD5.

    Raises
    ------
    DataError
        If the file is missing, not gzip, or truncated.
    """
    try:
        with gzip.open(path, "rb") as f:
            raw = f.read()
    except FileNotFoundError:
        raise DataError(f"{path}: file not found") from None
    except (EOFError, gzip.BadGzipFile, zlib.error) as err:
        raise DataError(f"{path}: corrupt or truncated gzip file ({err})") from None
    return raw, hashlib.md5(raw).hexdigest()


def read_idx_gz(path: os.PathLike, md5: str | None = None) -> np.ndarray:
    """Read a gzip-compressed IDX file of unsigned bytes.

    Parameters
    ----------
    path : path-like
        The ``.gz`` file.
    md5 : str, optional
        Expected MD5 of the decompressed contents; checked when given.

    Returns
    -------
    ndarray of uint8
        Shaped by the file's header, e.g. (60000, 28, 28).

    Raises
    ------
    DataError
        If the file is missing, corrupt, truncated, not an IDX file of
        unsigned bytes, or does not match ``md5``.
    """
    raw, digest = decompress_and_hash(path)
    if md5 is not None and digest != md5:
        raise DataError(f"{path}: checksum mismatch (MD5 of contents {digest}, expected {md5})")
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0:
        raise DataError(f"{path}: not an IDX file (bad magic number)")
    if raw[2] != _UBYTE:
        raise DataError(f"{path}: IDX type code 0x{raw[2]:02x} is not unsigned byte (0x08)")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if ndim == 0 or len(raw) < header:
        raise DataError(f"{path}: IDX header is truncated or has no dimensions")
    dims = tuple(int(d) for d in np.frombuffer(raw, dtype=">u4", count=ndim, offset=4))
    expected = header + int(np.prod(dims))
    if len(raw) != expected:
        raise DataError(f"{path}: IDX body has {len(raw) - header} bytes, header {dims} needs {expected - header}")
    return np.frombuffer(raw, dtype=np.uint8, offset=header).reshape(dims)
