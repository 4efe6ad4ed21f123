# SPDX-License-Identifier: BSD-3-Clause
"""The whole circuit run without Lava, wired exactly as the Lava network.

`simulate` steps the gating chain, the sample source and one
`lava_backprop.circuit.GroupCore` per layer, each step exchanging the spikes
of the step before, as the Lava processes do through their ports. It is the
circuit's reference for the Lava models (their spikes must equal its raster)
and the source of the operation counts of `lava_backprop.energy`.
"""

from dataclasses import dataclass

import numpy as np

from lava_backprop.circuit import FIXED, Arithmetic, GroupCore, SampleClock, SourceCore, chain_step, kick
from lava_backprop.schedule import Schedule, training_schedule

__all__ = ["Trace", "simulate", "warm_up"]


@dataclass
class Trace:
    """What `simulate` observed.

    Attributes
    ----------
    o : ndarray of uint8, shape (n, n_out)
        Output spikes at each sample's read-out phase.
    z : ndarray, shape (n, n_out)
        The synaptic input of o at that phase (``W_{L+1} h_L``).
    spikes : dict of str to int
        Spikes of every population, summed over the run.
    weight_changes : int
        Plastic updates applied, all copies.
    raster : dict of str to ndarray of bool, shape (steps + 1, width), or None
        With ``raster=True``: row ``t`` holds the spikes of step ``t`` (1-based,
        as Lava's time step), so phase ``p`` of sample ``k`` is row
        ``schedule.step_of(k, p)``.
    """

    o: np.ndarray
    z: np.ndarray
    spikes: dict
    weight_changes: int
    raster: dict | None = None


def simulate(
    schedule: Schedule,
    stores: dict,
    X: np.ndarray,
    T: np.ndarray | None = None,
    arith: Arithmetic = FIXED,
    raster: bool = False,
) -> Trace:
    """Run the circuit without Lava, wired exactly as the Lava network.

    Parameters
    ----------
    schedule : Schedule
    stores : dict of str to ndarray
        The plastic stores of the schedule's groups; updated in place when
        the schedule learns.
    X : array of 0/1, shape (n, n_in)
    T : array of 0/1, shape (n, n_out), optional
        One-hot targets (needed by the training schedule).
    arith : Arithmetic
    raster : bool
        Also keep every population's spikes at every step.

    Returns
    -------
    Trace
    """
    n, n_in = X.shape
    layer_of = {p.name: p.layer for p in schedule.populations}
    widths = {}
    for g in schedule.plastic:
        widths[layer_of[g.posts[0]]], widths[layer_of[g.pre]] = stores[g.store].shape
    n_out = widths["output"]
    read = next(g.store for g in schedule.plastic if "o" in g.posts)
    buffer = np.concatenate([X, T if T is not None else np.zeros((n, n_out))], axis=1).astype(np.uint8)
    source = SourceCore(schedule, n_in, n_out)
    layers = {name: GroupCore(schedule, name, widths, arith) for name in schedule.layers}
    clock = SampleClock()
    emitted = {"gates": kick(schedule.n_phases)}
    emitted.update(source.zeros)
    for core in layers.values():
        emitted.update({p: np.zeros(core.width[p], dtype=bool) for p in core.names})
    o = np.zeros((n, n_out), dtype=np.uint8)
    z = np.zeros((n, n_out), dtype=arith.dtype)
    n_steps = schedule.steps(n)
    pops = [p.name for p in schedule.populations]
    history = {p: np.zeros((n_steps + 1, emitted[p].size), dtype=bool) for p in pops} if raster else None
    for t in range(1, n_steps + 1):
        gates = emitted["gates"]
        new = {"gates": chain_step(gates, arith)}
        source.step(gates)
        for core in layers.values():
            new.update(core.step(gates, emitted, stores))
        new.update(source.emit(buffer))
        k = clock.tick(gates)
        if gates[schedule.record_gate] and k >= 0:
            o[k] = new["o"]
            z[k] = layers["output"].syn[read]
        if raster:
            for p in pops:
                history[p][t] = new[p]
        emitted = new
    spikes = {name: int(c) for core in layers.values() for name, c in zip(core.names, core.spike_counts, strict=True)}
    changes = sum(core.weight_changes for core in layers.values())
    return Trace(o=o, z=z, spikes=spikes, weight_changes=changes, raster=history)


def warm_up(arith: Arithmetic = FIXED) -> None:
    """Run a tiny training circuit for one sample, so that this process holds the compiled layer step.

    Lava forks its workers from the process that starts a network: after this
    they inherit the loaded code for ``arith`` (stores of ``arith.dtype``, as
    the Lava models keep them) instead of each loading it from numba's cache.
    """
    stores = {
        "w1": np.zeros((3, 4), dtype=arith.dtype),
        "w2": np.zeros((2, 3), dtype=arith.dtype),
        "w2t_pos": np.zeros((3, 2), dtype=arith.dtype),
        "w2t_neg": np.zeros((3, 2), dtype=arith.dtype),
    }
    simulate(training_schedule(1), stores, np.ones((1, 4), dtype=np.uint8), np.eye(2, dtype=np.uint8)[:1], arith)
