# SPDX-License-Identifier: BSD-3-Clause
"""Writing files so that an interrupted or failed write leaves nothing behind.

Every file the library writes (checkpoints, metrics, configuration, plots,
exports, energy reports) goes through `atomic_path`: the content is written
under a hidden temporary name in the target's directory and renamed over the
target only when complete, so the target is either the old file or the new
one, never a truncated mix, and a failed write leaves no file that would block
a retry. The temporary file is created with the process's normal mode
(``0666`` less the umask), not the ``0600`` of `tempfile.mkstemp`.
"""

import contextlib
import os
import re
import uuid
from pathlib import Path

__all__ = ["atomic_path", "atomic_write", "remove_stale_temporaries", "pid_alive"]

_TEMPORARY = re.compile(r"^\..+\.(\d+)\.[0-9a-f]{8}\.tmp$")


@contextlib.contextmanager
def atomic_path(path: os.PathLike):
    """Yield a temporary path beside ``path``; on success move it to ``path``, on any failure remove it.

    Example
    -------
    >>> with atomic_path("runs/x/plot.png") as tmp:  # doctest: +SKIP
    ...     fig.savefig(tmp, format="png")
    """
    path = Path(path)
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        yield tmp
        os.replace(tmp, path)
    except OSError as err:
        if err.filename is None and err.errno is not None:  # a write error names no file: name the target
            raise OSError(err.errno, err.strerror, str(path)) from err
        raise
    finally:
        with contextlib.suppress(FileNotFoundError):
            tmp.unlink()


def atomic_write(path: os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through `atomic_path`; the parent directory is created if missing."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    with atomic_path(path) as tmp, open(tmp, "xb") as f:
        f.write(data)
        f.flush()
        os.fsync(f.fileno())


def remove_stale_temporaries(directory: os.PathLike) -> list[Path]:
    """Remove the temporaries of `atomic_path` in ``directory`` whose writer process is gone.

    A killed process (SIGKILL) cannot remove its temporary file; its process
    id is in the name, so the next writer can. Returns the files removed.
    """
    removed = []
    for path in Path(directory).glob(".*.tmp"):
        match = _TEMPORARY.match(path.name)
        if match and not pid_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                path.unlink()
                removed.append(path)
    return removed


def pid_alive(pid: int) -> bool:
    """Whether process ``pid`` exists (this user's or not)."""
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
