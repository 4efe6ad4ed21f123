# SPDX-License-Identifier: BSD-3-Clause
"""The gating rings of the nBP circuit as data (docs/ALGORITHM.md §4-6).

`training_schedule` (`lava_backprop.schedule.ring`) and `inference_schedule`
(`lava_backprop.schedule.layout`) build the rings for any number of hidden
layers from the parts of `lava_backprop.schedule.model`. `SCHEDULES` resolves the names that the Lava
processes receive in their parameters: ``"training-<L>"``,
``"training-<L>-parity"`` and ``"inference-<L>"``.
"""

import re

from lava_backprop.schedule.layout import inference_schedule
from lava_backprop.schedule.model import ROLES, PlasticGroup, Population, Relay, Schedule
from lava_backprop.schedule.ring import training_schedule

__all__ = [
    "Population",
    "Relay",
    "PlasticGroup",
    "Schedule",
    "ROLES",
    "SCHEDULES",
    "training_schedule",
    "inference_schedule",
]

_NAME = re.compile(r"(training|inference)-([1-9][0-9]?)(-parity)?")


class _Schedules(dict):
    """Schedules by name, each built on first use."""

    def __missing__(self, name):
        match = _NAME.fullmatch(str(name))
        if match is None or (match.group(1) == "inference" and match.group(3)):
            raise KeyError(f"unknown schedule {name!r}; names are training-<L>, training-<L>-parity, inference-<L>")
        kind, depth, parity = match.groups()
        if kind == "training":
            schedule = training_schedule(int(depth), parity=bool(parity))
        else:
            schedule = inference_schedule(int(depth))
        self[name] = schedule
        return schedule

    def __contains__(self, name) -> bool:
        try:
            self[name]
        except KeyError:
            return False
        return True


#: Schedules by name, as processes receive them in their parameters.
SCHEDULES = _Schedules()
