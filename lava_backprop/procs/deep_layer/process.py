# SPDX-License-Identifier: BSD-3-Clause
"""DeepLayer: one layer of the nBP circuit for any number of hidden layers."""

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_backprop.procs.base_process import CheckedProcess, plastic_init
from lava_backprop.schedule import SCHEDULES

__all__ = ["DeepLayer", "layer_width", "stores_onto"]


def layer_width(schedule, layer: str, widths: dict) -> int:
    """Neurons of all populations of ``layer``, concatenated in the schedule's order."""
    return len(schedule.layer_populations(layer)) * widths[layer]


def stores_onto(schedule, layer: str) -> list:
    """The plastic groups whose posts are in ``layer``, as ``(role, group)`` pairs.

    Roles: ``"w_in"`` (W_l onto the layer's trio), ``"w_pos"`` and ``"w_neg"``
    (P_{l+1} and M_{l+1} onto its backward target).
    """
    names = {p.name for p in schedule.layer_populations(layer)}
    out = []
    for g in schedule.plastic:
        if g.posts[0] in names:
            role = "w_pos" if g.store.endswith("t_pos") else "w_neg" if g.store.endswith("t_neg") else "w_in"
            out.append((role, g))
    return out


class DeepLayer(CheckedProcess):
    """All populations of one layer of a `lava_backprop.deep_schedule` ring.

    Memoryless neurons as in `HiddenLayer`, and the same learning on same-step
    coincidences (+2 in the potentiation phases, -2 otherwise, saturating)::

        V[t] = -8192 + gates[t-1] . w_gate + sum_relays w s_src[t-1-d]
               + sum_groups W s_pre[t-1]
        s[t] = V[t] > 1024

    Parameters
    ----------
    schedule : str
        A training schedule, e.g. ``"training-2"``.
    layer : str
        ``"input"``, ``"hidden1"`` .. ``"hiddenL"`` or ``"output"``.
    widths : dict of str to int
        Width of every layer of the schedule.
    stores : dict of str to array of int
        Initial weights of the plastic groups onto this layer, by store name.
    capacity : int
        Rows of the read-out records (output layer).
    name : str, optional

    Ports
    -----
    s_in_gate : InPort, shape (n_phases,)
    s_in_below, s_in_above : InPort
        All spikes of the layers below and above (`layer_width` wide).
    s_in_drive : InPort, shape (width,)
        The sample source's stream (input and output layers).
    s_out : OutPort
        This layer's spikes, its populations concatenated in the schedule's order.

    Vars
    ----
    w_in, w_pos, w_neg
        The plastic stores onto this layer ((1, 1) zeros where there is none).
    o_rec, z_rec : (capacity, width)
        Output layer: o's spikes and its synaptic input at the read-out phase.
    """

    def __init__(self, *, schedule: str, layer: str, widths: dict, stores: dict, capacity: int, name=None, **kwargs):
        if schedule not in SCHEDULES:
            raise ValueError(f"unknown schedule {schedule!r}")
        sched = SCHEDULES[schedule]
        layers = [p.layer for p in sched.populations]
        if layer not in layers:
            raise ValueError(f"schedule {schedule!r} has no layer {layer!r}; its layers: {sorted(set(layers))}")
        order = list(dict.fromkeys(layers))
        widths = {k: int(v) for k, v in dict(widths).items()}
        super().__init__(schedule=schedule, layer=layer, widths=widths, capacity=capacity, name=name, **kwargs)
        index = order.index(layer)
        self.s_in_gate = InPort(shape=(sched.n_phases,))
        below = order[index - 1] if index > 0 else None
        above = order[index + 1] if index + 1 < len(order) else None
        self.s_in_below = InPort(shape=(layer_width(sched, below, widths) if below else 1,))
        self.s_in_above = InPort(shape=(layer_width(sched, above, widths) if above else 1,))
        self.s_in_drive = InPort(shape=(widths[layer],))
        self.s_out = OutPort(shape=(layer_width(sched, layer, widths),))
        layer_of = {p.name: p.layer for p in sched.populations}
        for role in ("w_in", "w_pos", "w_neg"):
            setattr(self, role, Var(shape=(1, 1), init=0))
        for role, g in stores_onto(sched, layer):
            shape = (widths[layer_of[g.posts[0]]], widths[layer_of[g.pre]])
            setattr(self, role, Var(shape=shape, init=plastic_init(g.store, stores.get(g.store), shape)))
        rec = (capacity, widths[layer]) if layer == "output" else (1, 1)
        self.o_rec = Var(shape=rec, init=0)
        self.z_rec = Var(shape=rec, init=0)
        self.spike_counts = Var(shape=(len(sched.layer_populations(layer)),), init=0)
        self.weight_changes = Var(shape=(1,), init=0)
