# SPDX-License-Identifier: BSD-3-Clause
"""Exceptions raised by lava_backprop.

Every error the library raises on purpose derives from `LavaBackpropError`;
errors about a value the caller passed also derive from `ValueError`, so
``except ValueError`` keeps working for code that does not know this package.
"""

__all__ = [
    "LavaBackpropError",
    "ShapeError",
    "SpikeError",
    "LabelError",
    "WeightError",
    "DataError",
    "CheckpointError",
    "EngineError",
    "HardwareError",
    "CircuitError",
    "ModelError",
    "ExportError",
    "RunInterrupted",
]


class LavaBackpropError(Exception):
    """Root of every exception raised by lava_backprop."""


class ShapeError(LavaBackpropError, ValueError):
    """An array argument has the wrong number of dimensions or sizes."""


class SpikeError(LavaBackpropError, ValueError):
    """A spike array holds values other than 0 and 1."""


class LabelError(LavaBackpropError, ValueError):
    """Labels or targets are out of range or not one-hot."""


class WeightError(LavaBackpropError, ValueError):
    """A weight store holds odd, non-integer or out-of-range values."""


class DataError(LavaBackpropError, OSError):
    """A dataset file is missing, truncated, corrupt or cannot be fetched."""


class CheckpointError(LavaBackpropError, ValueError):
    """A checkpoint or run directory is missing, corrupt or inconsistent."""


class EngineError(LavaBackpropError, RuntimeError):
    """An engine is unknown, closed, or failed while running."""


class HardwareError(EngineError):
    """Loihi hardware was asked for but its software (lava-loihi) or the chip is not available."""


class CircuitError(LavaBackpropError, RuntimeError):
    """The circuit left the regime in which it computes nBP exactly."""


class ModelError(LavaBackpropError, RuntimeError):
    """An exception inside a process model, named with its process and step."""


class ExportError(LavaBackpropError, ValueError):
    """An exported network file (NIR, netx) is unreadable or not a network of this circuit."""


class RunInterrupted(KeyboardInterrupt):
    """A run stopped by Ctrl-C (or SIGTERM); the message says where it stopped and how to continue.

    A `KeyboardInterrupt`, not a `LavaBackpropError`: code that lets an
    interrupt through keeps doing so.
    """
