# SPDX-License-Identifier: BSD-3-Clause
"""Per-step dynamics of the circuit's parts, shared by the Lava process models.

Every part (gating chain, sample source, each layer) advances one step
at a time and talks to the others only through spikes. In step ``t`` a part

1. sends what it emitted in step ``t - 1``,
2. receives what the others emitted in step ``t - 1``,
3. computes what it emits in step ``t``.

So a spike emitted at ``T`` is integrated at ``T + 1`` (plus the synapse's
delay), as on Loihi, and parts connected in a loop never wait for each other.
The neurons of a layer are memoryless::

    V[t] = bias + sum_g w_g gate_g[t-1] + sum_relays w s_src[t-1-d] + sum_plastic W s_pre[t-1]
    s[t] = V[t] > theta and not (refractory and s[t-1])

and a plastic group learns on same-step coincidences of its pre and post
spikes, after the step's synaptic sums were taken with the old weights::

    W[post, pre] += +dw if the step's phase has the sign signal else -dw,
    saturated to [-256, 254]

(docs/ALGORITHM.md §2, §6). `lava_backprop.simulation.simulate` wires the
parts exactly as the Lava network does, without Lava.
"""

from dataclasses import dataclass

import numpy as np

from lava_backprop.errors import CircuitError
from lava_backprop.params import CIRCUIT, mantissa_exponent
from lava_backprop.schedule import Relay, Schedule
from lava_backprop.weights import bump

__all__ = [
    "Arithmetic",
    "FIXED",
    "FLOAT",
    "DEPTH",
    "chain_step",
    "kick",
    "SampleClock",
    "Recorder",
    "SourceCore",
    "GroupCore",
]

#: Spike history kept for delayed synapses (delays 0 .. DEPTH - 1), at least;
#: a schedule with longer relays gets as much as it needs.
DEPTH = 8
#: Refractory period in steps, the spike's step included.
REFRACTORY = 2


@dataclass(frozen=True)
class Arithmetic:
    """Number format of a model.

    Parameters
    ----------
    tag : str
        Lava tag of the models using it.
    dtype : numpy dtype
        Voltages, synaptic sums and weights.
    v_bits : int or None
        Signed width the voltage saturates to (None: unbounded).
    """

    tag: str
    dtype: type
    v_bits: int | None

    def weight(self, w: int) -> int:
        """A fixed synapse weight as this format computes it.

        Fixed point: ``m << e`` from its 8-bit mantissa and exponent (exact for
        every weight of the circuit, or ValueError); float: ``w`` itself.
        """
        if self.v_bits is None:
            return w
        mant, exp = mantissa_exponent(w)
        return mant << exp

    def clamp(self, v: np.ndarray) -> np.ndarray:
        if self.v_bits is not None:
            lim = 1 << (self.v_bits - 1)
            np.clip(v, -lim, lim - 1, out=v)
        return v


#: Loihi arithmetic: int32 accumulation, 24-bit voltage.
FIXED = Arithmetic("fixed_pt", np.int32, 24)
#: Floating-point reference: the same dynamics in float64.
FLOAT = Arithmetic("floating_pt", np.float64, None)


def chain_step(s: np.ndarray, arith: Arithmetic = FIXED) -> np.ndarray:
    """One step of the gating ring.

    Gate neurons have bias 0 and no refractoriness; each excites the next::

        V_p[t] = chain * s_{p-1}[t-1]      # chain = 9280
        s_p[t] = V_p[t] > theta

    so the one spike in the ring moves on by one gate per step. The kick is
    the spike of gate 0 the ring holds before the first step (see `kick`).
    """
    v = arith.weight(CIRCUIT.chain) * np.roll(np.asarray(s), 1).astype(arith.dtype)
    return v > CIRCUIT.theta


def kick(n_gates: int) -> np.ndarray:
    """The ring's state before the first step: gate 0 has just fired."""
    s = np.zeros(n_gates, dtype=bool)
    s[0] = True
    return s


class SampleClock:
    """Counts arrivals of gate 0: the first ring is the warm-up, then one sample per ring."""

    def __init__(self):
        self.rings = 0

    def tick(self, gates: np.ndarray) -> int:
        """Advance on this step's gate input; return the current sample (-1 in the warm-up)."""
        if gates[0]:
            self.rings += 1
        return self.rings - 2


class Recorder:
    """The read-out's bookkeeping: the record row that the current step fills, if any.

    Sample ``k`` is recorded in row ``k % capacity`` in the step in which
    the record gate arrives (one step after it fires).
    """

    def __init__(self, record_gate: int, capacity: int):
        self.record_gate, self.capacity = record_gate, capacity
        self.clock = SampleClock()

    def row(self, gates: np.ndarray) -> int | None:
        """Advance on this step's gate input; return the row to record in, or None."""
        k = self.clock.tick(gates)
        return k % self.capacity if k >= 0 and gates[self.record_gate] else None


class SourceCore:
    """The sample source: emits sample ``k``'s streams when their gates arrive.

    ``x`` of sample ``k`` is emitted in its phase 0 (so ``x`` fires in phase
    1) and ``t`` in phase 2 (so ``t`` fires in phase 3). `step` decides what
    to emit; `emit` reads it from the sample buffer when it is sent, one step
    later, so the host may fill the buffer between two runs. Rows of the
    buffer are ``[x | t]``; sample ``k`` is row ``k % len(buffer)``.
    """

    def __init__(self, schedule: Schedule, n_in: int, n_out: int):
        self.clock = SampleClock()
        self.slices = {"x_drive": slice(0, n_in), "t_drive": slice(n_in, n_in + n_out)}
        self.emit_on = {stream: gate for stream, gate in schedule.drives.values()}
        self.zeros = {"x_drive": np.zeros(n_in, dtype=bool), "t_drive": np.zeros(n_out, dtype=bool)}
        self.pending: dict[str, int] = {}

    def step(self, gates: np.ndarray) -> None:
        """Take this step's gate input; remember which sample's streams to emit."""
        k = self.clock.tick(gates)
        self.pending = {s: k for s, g in self.emit_on.items() if k >= 0 and gates[g]}

    def emit(self, buffer: np.ndarray) -> dict[str, np.ndarray]:
        """The streams decided in the last `step`, read from ``buffer``."""
        out = dict(self.zeros)
        for stream, k in self.pending.items():
            out[stream] = buffer[k % buffer.shape[0], self.slices[stream]].astype(bool)
        return out


class GroupCore:
    """The populations of one layer, their relays and the plastic groups onto them.

    Parameters
    ----------
    schedule : Schedule
    layer : str
        One of the schedule's layers (`lava_backprop.params.layer_names`).
    widths : dict of str to int
        Width of each layer (`NetworkSize.layers`).
    arith : Arithmetic

    Attributes
    ----------
    spike_counts : ndarray of int64
        Spikes of each of the layer's populations so far, in the schedule's order.
    weight_changes : int
        Plastic updates applied so far, all copies.

    Notes
    -----
    A plastic group's posts (the trio h, h< and h> of a layer for its
    ``W_l``) are separate synapse copies in the circuit. They always fire together when
    the group's pre population fires, so they receive identical updates and
    this model keeps one store for all of them; a step in which they would
    differ raises `CircuitError`.

    A closed population is silent only while its synaptic input stays at or
    below 9216 (``theta - bias``; 17344 where guarded); the plastic sums can
    exceed that in principle. A population that fires outside its phases of
    ``schedule.active_phases`` raises `CircuitError` rather than let the
    circuit drift from the rule it implements.
    """

    def __init__(self, schedule: Schedule, layer: str, widths: dict, arith: Arithmetic = FIXED):
        self.arith = arith
        self.schedule = schedule
        self.depth = max(DEPTH, 1 + max((r.delay for r in schedule.relays), default=0))
        self.names = [p.name for p in schedule.layer_populations(layer)]
        self.width = {p.name: widths[p.layer] for p in schedule.populations}
        self.refractory = {p.name: p.refractory for p in schedule.layer_populations(layer)}
        self.gate_matrix = np.zeros((len(self.names), schedule.n_phases), dtype=np.int64)
        for i, name in enumerate(self.names):
            for g, targets in schedule.gates.items():
                for pop, w in targets:
                    if pop == name:
                        self.gate_matrix[i, g] += arith.weight(w)
        self.relays = [
            Relay(r.src, r.dst, arith.weight(r.weight), r.delay) for r in schedule.relays if r.dst in self.names
        ]
        for r in self.relays:
            if r.src not in self.names or r.delay < 0:
                raise ValueError(f"relay {r} must stay inside layer {layer!r} with a delay >= 0")
        self.drives = [(pop, stream) for pop, (stream, _) in schedule.drives.items() if pop in self.names]
        self.drive_weight = arith.weight(CIRCUIT.relay)
        self.plastic = [g for g in schedule.plastic if g.posts[0] in self.names]
        self.pot_mask = np.zeros(schedule.n_phases, dtype=bool)
        self.pot_mask[list(schedule.potentiation_gates)] = True
        self.hist = {n: np.zeros((self.depth, self.width[n]), dtype=bool) for n in self.names}
        self.ptr = 0
        self.refr = {n: np.zeros(self.width[n], dtype=np.int8) for n in self.names}
        self.refr_on = dict.fromkeys(self.names, False)  # whether any neuron of n is refractory
        self.silent = {n: np.zeros(self.width[n], dtype=bool) for n in self.names}
        self.index = {n: i for i, n in enumerate(self.names)}
        self.r_prev = False
        self.syn: dict[str, np.ndarray] = {}
        self.weight_changes = 0
        self.spike_counts = np.zeros(len(self.names), dtype=np.int64)
        self.allowed = {n: np.zeros(schedule.n_phases, dtype=bool) for n in self.names}
        for n in self.names:
            self.allowed[n][list(schedule.active_phases.get(n, ()))] = True

    @property
    def inputs(self) -> list[str]:
        """Populations and source streams this layer receives from other parts."""
        return sorted({g.pre for g in self.plastic} | {stream for _, stream in self.drives})

    def last(self, name: str, lag: int = 0) -> np.ndarray:
        """Spikes of ``name`` emitted ``lag`` steps before the previous step."""
        return self.hist[name][(self.ptr - lag) % self.depth]

    def step(self, gates: np.ndarray, ext: dict, stores: dict) -> dict[str, np.ndarray]:
        """Advance one step; return this step's spikes of every population.

        Parameters
        ----------
        gates : array of 0/1, shape (n_phases,)
            Gate spikes emitted in the previous step.
        ext : dict of str to array of 0/1
            Spikes of the populations and source streams in `inputs`, emitted
            in the previous step.
        stores : dict of str to ndarray
            The plastic stores onto this layer, (post, pre); updated in place.
        """
        dt = self.arith.dtype
        offsets = self.gate_matrix @ np.asarray(gates, dtype=np.int64) + CIRCUIT.bias
        current = {}  # synaptic input of the populations that received any; the others cannot fire

        def add(pop: str, value) -> None:
            if pop not in current:
                current[pop] = np.full(self.width[pop], offsets[self.index[pop]], dtype=dt)
            current[pop] += value

        for r in self.relays:
            src = self.last(r.src, r.delay)
            if src.any():
                add(r.dst, r.weight * src)
        for pop, stream in self.drives:
            drive = np.asarray(ext[stream], dtype=bool)
            if drive.any():
                add(pop, self.drive_weight * drive)
        pre_idx = {}
        for g in self.plastic:
            idx = pre_idx[g.pre] = np.flatnonzero(ext[g.pre])
            w = stores[g.store]
            syn = w[:, idx].sum(axis=1, dtype=dt) if idx.size else np.zeros(w.shape[0], dtype=dt)
            self.syn[g.store] = syn
            if idx.size:
                for post in g.posts:
                    add(post, syn)
        if self.schedule.learns:
            self._learn(pre_idx, stores)
        spikes = {}
        phase = int(np.argmax(gates))
        for n in self.names:
            if n in current:
                s = self.arith.clamp(current[n]) > CIRCUIT.theta
            else:  # no input: the bar is at least theta - 1024 + 1024 > 0, nothing fires
                s = self.silent[n]
            if self.refractory[n]:
                if self.refr_on[n]:
                    s = s & (self.refr[n] == 0)
                    self.refr[n] = np.where(s, REFRACTORY - 1, np.maximum(self.refr[n] - 1, 0)).astype(np.int8)
                elif n in current:
                    self.refr[n] = (s * (REFRACTORY - 1)).astype(np.int8)
                self.refr_on[n] = bool(self.refr[n].any())
            if n in current and s.any() and not self.allowed[n][phase]:
                bound = CIRCUIT.theta - offsets[self.index[n]]
                raise CircuitError(
                    f"{n} fired in phase {phase}, where it must stay silent: its synaptic input exceeded "
                    f"{bound}, the most a closed population there tolerates, so the circuit no longer computes "
                    "nBP exactly"
                )
            spikes[n] = s
        self.spike_counts += [np.count_nonzero(spikes[n]) if n in current else 0 for n in self.names]
        self.ptr = (self.ptr + 1) % self.depth
        for n in self.names:
            self.hist[n][self.ptr] = spikes[n]
        self.r_prev = bool(np.any(np.asarray(gates, dtype=bool) & self.pot_mask))
        return spikes

    def _learn(self, pre_idx: dict, stores: dict) -> None:
        """Apply the coincidences of the previous step, with that step's sign."""
        step = CIRCUIT.dw if self.r_prev else -CIRCUIT.dw
        for g in self.plastic:
            idx = pre_idx[g.pre]
            if not idx.size:
                continue
            post = self.last(g.posts[0])
            for other in g.posts[1:]:
                if not np.array_equal(self.last(other), post):
                    raise CircuitError(
                        f"{other} and {g.posts[0]} fired differently together with {g.pre}: "
                        f"the copies of {g.store} would diverge"
                    )
            post_idx = np.flatnonzero(post)
            self.weight_changes += len(g.posts) * post_idx.size * idx.size
            bump(stores[g.store], post_idx, idx, step)
