# SPDX-License-Identifier: BSD-3-Clause
"""What the layer processes share: argument checks, and which port or Var plays which role.

A layer process (`InputLayer`, `HiddenLayer`, `OutputLayer`) is one layer of
a schedule. Its ports carry whole layers, not populations: ``s_out`` the
spikes of all its populations, one after the other in the schedule's order
(`layer_slices`), ``s_in_below`` the layer below's (pre of its forward
weights), ``s_in_above`` the layer above's (its carriers are the pre of the
transposed stores ``P``, ``M``), ``s_in_drive`` the sample source's. Its
stores are ``w`` (``W_l``, onto its trio), ``wt_pos`` and ``wt_neg``
(``P_{l+1}``, ``M_{l+1}``, onto its backward target).
"""

import numpy as np
from lava.magma.core.process.process import AbstractProcess

from lava_backprop.params import NetworkSize
from lava_backprop.schedule import SCHEDULES, Schedule
from lava_backprop.weights import check_store

__all__ = [
    "CheckedProcess",
    "check_layer_args",
    "check_schedule",
    "check_capacity",
    "plastic_init",
    "layer_slices",
    "layer_width",
    "input_ports",
    "store_vars",
]


class CheckedProcess(AbstractProcess):
    """An AbstractProcess whose constructor may reject its arguments.

    Lava's ``__del__`` assumes ``AbstractProcess.__init__`` ran; a process
    that raised before calling it must not trip over that when collected.
    """

    def __del__(self):
        try:
            self.runtime  # noqa: B018 -- unset if the constructor raised before Lava's ran
        except AttributeError:
            return
        super().__del__()


def check_layer_args(sizes, schedule: str, index: int, kind: str) -> tuple[NetworkSize, Schedule, str]:
    """Validate a layer's sizes, schedule and position; return the size, the schedule and the layer's name."""
    size = NetworkSize(sizes)
    sched = check_schedule(schedule)
    if sched.n_hidden != size.n_hidden:
        raise ValueError(f"schedule {schedule!r} has {sched.n_hidden} hidden layer(s), sizes {size} {size.n_hidden}")
    kinds = ["input"] + ["hidden"] * size.n_hidden + ["output"]
    if not isinstance(index, int) or not 0 <= index < len(kinds) or kinds[index] != kind:
        raise ValueError(f"index {index!r} is not a {kind} layer of a {size} network")
    return size, sched, sched.layers[index]


def check_schedule(schedule: str) -> Schedule:
    """The schedule named ``schedule`` (`lava_backprop.schedule.SCHEDULES`), or ValueError."""
    if schedule not in SCHEDULES:
        raise ValueError(f"unknown schedule {schedule!r}; names are training-<L>, training-<L>-parity, inference-<L>")
    return SCHEDULES[schedule]


def check_capacity(capacity) -> int:
    if not isinstance(capacity, int) or isinstance(capacity, bool) or capacity < 1:
        raise ValueError(f"capacity must be a positive int, got {capacity!r}")
    return capacity


def plastic_init(name: str, w, shape: tuple[int, int]) -> np.ndarray:
    """A validated initial weight store (zeros if ``w`` is None): even weights in ``[-256, 254]``."""
    if w is None:
        return np.zeros(shape, dtype=np.int32)
    return check_store(name, w, shape)


def layer_slices(schedule: Schedule, layer: str, sizes) -> dict[str, slice]:
    """Where each population of ``layer`` sits in the layer's spike vector (``s_out``), in the schedule's order."""
    n = NetworkSize(sizes).layers
    out, lo = {}, 0
    for pop in schedule.layer_populations(layer):
        out[pop.name] = slice(lo, lo + n[layer])
        lo += n[layer]
    return out


def layer_width(schedule: Schedule, layer: str, sizes) -> int:
    """Length of ``layer``'s spike vector: its populations side by side."""
    return len(schedule.layer_populations(layer)) * NetworkSize(sizes).layers[layer]


def input_ports(schedule: Schedule, layer: str) -> dict[str, str]:
    """The port on which ``layer`` receives each population or stream it needs.

    Returns
    -------
    dict of str to str
        Population or source stream -> ``"s_in_below"``, ``"s_in_above"`` or
        ``"s_in_drive"``; a population arrives inside its layer's vector
        (`layer_slices`).
    """
    index = schedule.layers.index(layer)
    pops = {p.name: p for p in schedule.populations}
    ports = {stream: "s_in_drive" for pop, (stream, _) in schedule.drives.items() if pops[pop].layer == layer}
    for g in schedule.plastic:
        if pops[g.posts[0]].layer != layer:
            continue
        pre = pops[g.pre]
        if pre.layer == layer:
            continue
        if schedule.layers.index(pre.layer) == index - 1:
            ports[g.pre] = "s_in_below"
        elif schedule.layers.index(pre.layer) == index + 1:
            ports[g.pre] = "s_in_above"
        else:
            raise ValueError(f"{g.store}: {g.pre} is not in a layer next to {layer}")
    return ports


def store_vars(schedule: Schedule, layer: str) -> dict[str, str]:
    """The layer's Var holding each plastic store onto it: ``w``, ``wt_pos`` or ``wt_neg``."""
    names = {p.name for p in schedule.layer_populations(layer)}
    out = {}
    for g in schedule.plastic:
        if g.posts[0] in names:
            out[g.store] = "wt_pos" if g.store.endswith("t_pos") else "wt_neg" if g.store.endswith("t_neg") else "w"
    return out
