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

from lava_backprop.circuit_kernel import CHANGES, COPIES_DIVERGED, ERR, PTR, layer_step
from lava_backprop.errors import CircuitError
from lava_backprop.params import CIRCUIT, mantissa_exponent
from lava_backprop.schedule import Relay, Schedule

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
        self.index = {n: i for i, n in enumerate(self.names)}
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
        self.plastic = [g for g in schedule.plastic if g.posts[0] in self.names]
        self.spike_counts = np.zeros(len(self.names), dtype=np.int64)
        self.syn: dict[str, np.ndarray] = {
            g.store: np.zeros(self.width[g.posts[0]], dtype=arith.dtype) for g in self.plastic
        }
        self._build_kernel_arrays(schedule)

    def _build_kernel_arrays(self, schedule: Schedule) -> None:
        """The layer as `lava_backprop.circuit_kernel.layer_step` reads it."""
        i64, names = np.int64, self.names
        ends = np.cumsum([self.width[n] for n in names])
        self.slices = {n: slice(int(e - self.width[n]), int(e)) for n, e in zip(names, ends, strict=True)}
        pops = np.array([[s.start, s.stop, self.refractory[n]] for n, s in self.slices.items()], dtype=i64)
        allowed = np.zeros((len(names), schedule.n_phases), dtype=bool)
        for i, n in enumerate(names):
            allowed[i, list(schedule.active_phases.get(n, ()))] = True
        relays = np.array([[self.index[r.src], self.index[r.dst], r.weight, r.delay] for r in self.relays], dtype=i64)
        inputs = self.inputs
        size = self.width | {stream: self.width[pop] for pop, stream in self.drives}  # a stream drives 1:1
        at = np.concatenate([[0], np.cumsum([size[n] for n in inputs])]).astype(i64)
        self.in_slices = [(n, slice(int(at[k]), int(at[k + 1]))) for k, n in enumerate(inputs)]
        drives = np.array([[self.index[p], at[inputs.index(stream)]] for p, stream in self.drives], dtype=i64)
        groups = np.array(
            [[k, at[inputs.index(g.pre)], self.width[g.pre], len(g.posts)] for k, g in enumerate(self.plastic)],
            dtype=i64,
        )
        posts = np.zeros((len(self.plastic), max((len(g.posts) for g in self.plastic), default=1)), dtype=i64)
        for k, g in enumerate(self.plastic):
            posts[k, : len(g.posts)] = [self.index[p] for p in g.posts]
        pot = np.zeros(schedule.n_phases, dtype=bool)
        pot[list(schedule.potentiation_gates)] = True
        self._layout = (
            pops,
            self.gate_matrix,
            allowed,
            relays.reshape(-1, 4),
            drives.reshape(-1, 2),
            groups.reshape(-1, 4),
            posts,
            pot,
        )
        lim = 1 << (self.arith.v_bits - 1) if self.arith.v_bits else 1 << 62
        c = CIRCUIT
        learns = int(schedule.learns)
        self._consts = np.array(
            [c.theta, c.bias, -lim, lim - 1, learns, self.arith.weight(c.relay), c.dw, c.w_min, c.w_max, REFRACTORY],
            dtype=i64,
        )
        width, n_groups = int(ends[-1]), len(self.plastic)
        max_pre = max((self.width[g.pre] for g in self.plastic), default=1)
        self._state = np.zeros(4, dtype=i64)
        self._scratch = (
            np.zeros(len(names), dtype=bool),
            np.zeros(len(names), dtype=self.arith.dtype),
            np.zeros((max(n_groups, 1), max_pre), dtype=i64),
            np.zeros(max(self.width[n] for n in names), dtype=i64),
            np.zeros(max(n_groups, 1), dtype=i64),
        )
        self.hist = np.zeros((self.depth, width), dtype=bool)
        self._refr = np.zeros(width, dtype=np.int8)
        self._current = np.zeros(width, dtype=self.arith.dtype)
        self._spikes = np.zeros(width, dtype=bool)
        self._inbuf = np.zeros(int(at[-1]), dtype=self.arith.dtype)  # as the ports deliver spikes: no cast
        self._gates = np.zeros(schedule.n_phases, dtype=i64)
        self._syn = kernel_tuple(list(self.syn.values()), np.zeros(0, dtype=self.arith.dtype))
        self._stores = None

    @property
    def inputs(self) -> list[str]:
        """Populations and source streams this layer receives from other parts."""
        return sorted({g.pre for g in self.plastic} | {stream for _, stream in self.drives})

    @property
    def weight_changes(self) -> int:
        """Plastic updates applied so far, all copies."""
        return int(self._state[CHANGES])

    def synaptic_input(self, name: str) -> np.ndarray:
        """Input of population ``name`` in the last step, bias excluded (gates, relays, drives, plastic sums)."""
        return self._current[self.slices[name]].astype(np.int64 if self.arith is FIXED else np.float64) - CIRCUIT.bias

    def last(self, name: str, lag: int = 0) -> np.ndarray:
        """Spikes of ``name`` emitted ``lag`` steps before the previous step."""
        return self.hist[(self._state[PTR] - lag) % self.depth, self.slices[name]]

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
        spikes = self.advance(gates, ext, stores).copy()
        return {n: spikes[part] for n, part in self.slices.items()}

    def advance(self, gates: np.ndarray, ext: dict, stores: dict) -> np.ndarray:
        """`step`, returning the whole layer's spikes, populations side by side (`slices`).

        The array is the core's own and the next step overwrites it.
        """
        self._gates[:] = gates
        for name, part in self.in_slices:
            self._inbuf[part] = ext[name]
        code = layer_step(
            self._gates,
            self._inbuf,
            self._store_list(stores),
            self._syn,
            self._layout,
            self._consts,
            self._state,
            self.spike_counts,
            self._scratch,
            self.hist,
            self._refr,
            self._current,
            self._spikes,
        )
        if code:
            self._raise(code)
        return self._spikes

    def _store_list(self, stores: dict):
        """The stores as the kernel takes them, rebuilt only when a store is another array than before."""
        now = [stores[g.store] for g in self.plastic]
        if self._stores is None or any(a is not b for a, b in zip(now, self._stores_seen, strict=True)):
            if len({a.dtype for a in now}) > 1:
                raise ValueError(f"the stores onto one layer must share a dtype, got {[a.dtype for a in now]}")
            self._stores, self._stores_seen = kernel_tuple(now), now
        return self._stores

    def _raise(self, code: int) -> None:
        detail = int(self._state[ERR])
        if code == COPIES_DIVERGED:
            g = self.plastic[detail]
            raise CircuitError(
                f"{g.posts[1]} and {g.posts[0]} fired differently together with {g.pre}: "
                f"the copies of {g.store} would diverge"
            )
        n = self.names[detail]
        phase = int(np.argmax(self._gates))
        bound = CIRCUIT.theta - (self.gate_matrix[detail] @ self._gates + CIRCUIT.bias)
        raise CircuitError(
            f"{n} fired in phase {phase}, where it must stay silent: its synaptic input exceeded "
            f"{bound}, the most a closed population there tolerates, so the circuit no longer computes "
            "nBP exactly"
        )


def kernel_tuple(arrays, empty_as=None):
    """``arrays`` (not copies) as a tuple for a compiled kernel; one ``empty_as`` (int32 matrix) if there are none.

    A tuple of arrays is a native numba type whose compiled code is cached on
    disk; the kernel never reads the placeholder.
    """
    return tuple(arrays) if arrays else (np.zeros((0, 0), dtype=np.int32) if empty_as is None else empty_as,)
