# SPDX-License-Identifier: BSD-3-Clause
"""Run configurations: a whole training run in a TOML file (``lava-backprop train --config FILE``).

Every key is optional and names a `lava_backprop.training.train_run` setting
as the command line does::

    dataset = "mnist28"     # an encoding of lava_backprop.data.ENCODINGS
    hidden = [3200]         # hidden layer sizes, input side first (or one int)
    per_class = 1           # output neurons per class (population read-out)
    epochs = 60
    seed = 0
    samples = 60000         # first N training images (all when absent)
    test_samples = 10000
    engine = "reference"
    init_scale = 1.0        # initial weights: Glorot's standard deviation times this
    shift = 0               # augmentation: move each training image up to N pixels per axis
    check_circuit = false   # reference engine: refuse a run the circuit would not train exactly
    out = "runs/mnist-best" # run directory, relative to the current directory

Flags given on the command line override the file. Unknown keys and values
of the wrong type are errors that name the file and the key.
"""

import sys
from pathlib import Path

from lava_backprop.errors import LavaBackpropError

if sys.version_info >= (3, 11):
    import tomllib
else:
    import tomli as tomllib

__all__ = ["ConfigError", "RUN_KEYS", "read_run_config", "read_toml"]


class ConfigError(LavaBackpropError, ValueError):
    """A run configuration file that cannot be read or holds a bad setting."""


def _positive(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and value >= 1


#: Key -> (check, what it must be).
RUN_KEYS = {
    "dataset": (lambda v: isinstance(v, str), "an encoding name"),
    "hidden": (
        lambda v: _positive(v) or (isinstance(v, list) and len(v) > 0 and all(map(_positive, v))),
        "a positive integer or a non-empty list of them",
    ),
    "per_class": (_positive, "a positive integer"),
    "epochs": (_positive, "a positive integer"),
    "seed": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a non-negative integer"),
    "samples": (_positive, "a positive integer"),
    "test_samples": (_positive, "a positive integer"),
    "engine": (lambda v: isinstance(v, str), "an engine name"),
    "init_scale": (lambda v: isinstance(v, (int, float)) and not isinstance(v, bool) and v > 0, "a positive number"),
    "shift": (lambda v: isinstance(v, int) and not isinstance(v, bool) and v >= 0, "a non-negative integer"),
    "check_circuit": (lambda v: isinstance(v, bool), "true or false"),
    "out": (lambda v: isinstance(v, str), "a directory path"),
}


def read_toml(path: Path, what: str) -> dict:
    """The TOML file ``path`` as a dict; ConfigError naming ``what`` and the file if it cannot be read or parsed."""
    try:
        return tomllib.loads(Path(path).read_text())
    except OSError as err:
        raise ConfigError(f"cannot read {what} {path}: {err.strerror or err}") from err
    except tomllib.TOMLDecodeError as err:
        raise ConfigError(f"{path} is not valid TOML: {err}") from err


def read_run_config(path) -> dict:
    """The settings of run configuration file ``path`` (module docstring), checked.

    Returns
    -------
    dict
        The keys the file sets; ``hidden`` as a tuple, ``out`` as a Path.

    Raises
    ------
    ConfigError
        If the file is missing or not TOML, or a key is unknown or of the wrong type.
    """
    path = Path(path)
    data = read_toml(path, "run configuration")
    unknown = sorted(set(data) - set(RUN_KEYS))
    if unknown:
        raise ConfigError(f"{path}: unknown keys {unknown}; a run configuration takes {sorted(RUN_KEYS)}")
    for key, value in data.items():
        check, what = RUN_KEYS[key]
        if not check(value):
            raise ConfigError(f"{path}: {key} must be {what}, got {value!r}")
    if "hidden" in data:
        data["hidden"] = (data["hidden"],) if isinstance(data["hidden"], int) else tuple(data["hidden"])
    if "out" in data:
        data["out"] = Path(data["out"])
    return data
