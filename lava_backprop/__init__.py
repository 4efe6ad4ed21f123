# SPDX-License-Identifier: BSD-3-Clause
"""lava_backprop: neuromorphic backpropagation (nBP) as Lava processes.

The integer reference engine, datasets and training loop live here; the Lava
circuit is built from the processes in `lava_backprop.procs`. Networks have
any number of hidden layers (docs/ALGORITHM.md).
"""

import logging

from lava_backprop.engine import Engine, available_engines, make_engine
from lava_backprop.errors import (
    CheckpointError,
    CircuitError,
    DataError,
    EngineError,
    ExportError,
    HardwareError,
    LabelError,
    LavaBackpropError,
    ShapeError,
    SpikeError,
    WeightError,
)
from lava_backprop.metrics import classification_metrics
from lava_backprop.params import CIRCUIT, CircuitConstants, NetworkSize
from lava_backprop.weights import glorot_init

__version__ = "0.1.0"

__all__ = [
    "CIRCUIT",
    "CheckpointError",
    "CircuitConstants",
    "CircuitError",
    "DataError",
    "Engine",
    "EngineError",
    "ExportError",
    "HardwareError",
    "LabelError",
    "LavaBackpropError",
    "NetworkSize",
    "ShapeError",
    "SpikeError",
    "WeightError",
    "available_engines",
    "classification_metrics",
    "glorot_init",
    "make_engine",
    "__version__",
]

logging.getLogger(__name__).addHandler(logging.NullHandler())
