# SPDX-License-Identifier: BSD-3-Clause
"""The host-chip boundary of the built-in circuit: what crosses it, when, and through what.

In a run of the compositions of Loihi 2 built-ins (engines ``loihi2-sim``,
``loihi2``) the sample source and the read-out run on the host and every
layer on neurocores. Only spikes and one state read cross (`crossings`)::

    host->chip  source.s_out_x_drive -> x's drive relay     spikes, n_in
    host->chip  source.s_out_t_drive -> t's drive relay     spikes, n_out (training)
    chip->host  output.s_out         -> read_out.s_in_o     spikes, output layer
    chip->host  output.u             -> read_out            state read, output layer

No loop closes through the host within a step: the source emits on its own
clock (`Timing`), ``adapter_latency`` steps ahead of when the chip needs the
spikes, and the read-out takes ``z = W_{L+1} h_L`` from o's current ``u``
in the read-out phase (a ``LIFReset`` with ``reset_interval=1`` holds that
step's synaptic input there, ``2**6`` per unit, `z_of`), not from a synapse's
output. When lava-loihi's embedded IO (`embedded_io`) is importable, spike
crossings go through its ``PyToNxAdapter`` / ``NxToPyAdapter`` and the state
read through its ``state.Read`` (`connect_spikes`, `connect_state`); without
it the connections are direct and the read-out reads ``u`` through a RefPort.
`check_neurocore_models` checks a compiled hardware network.
"""

import importlib
from dataclasses import dataclass
from functools import cached_property

import numpy as np

from lava_backprop.errors import HardwareError
from lava_backprop.params import NetworkSize
from lava_backprop.procs.base_process import layer_width
from lava_backprop.procs.builtin_layers import BUILTIN_OFFSET
from lava_backprop.schedule import Schedule

__all__ = [
    "BUILTIN_STARTUP",
    "U_SHIFT",
    "Timing",
    "timing",
    "check_latency",
    "output_population",
    "read_extra",
    "current_of",
    "z_of",
    "Crossing",
    "crossings",
    "embedded_io",
    "connect_spikes",
    "connect_state",
    "host_models",
    "check_neurocore_models",
]

#: Steps by which the built-in ring starts later than the CPU chain (its gate 0 first fires in step 2).
BUILTIN_STARTUP = BUILTIN_OFFSET - 1
#: A Loihi LIF holds its current MSB-aligned: ``u = a_in << 6`` after a reset.
U_SHIFT = 6
_U_BITS = 24


@dataclass(frozen=True)
class Timing:
    """When the host processes act, in Lava's time steps (1-based, counting across runs).

    Sample ``k`` is ring ``k + 1`` (ring 0 is the warm-up). A stream that the
    schedule's drive gate ``g`` opens is sent at::

        emit_step(k) = step_of(k, g + 1) + startup - adapter_latency

    (``startup`` is 0 for the CPU chain and `BUILTIN_STARTUP` for the
    built-in ring), so that it reaches the chip in the step the CPU models
    or the built-in relays need it. o fires its read-out at
    ``read_step(k) = step_of(k, record_gate)`` (plus ``startup + 1`` for
    built-ins, whose neurons send in the step they fire); its spikes reach
    the host ``adapter_latency`` steps later, its current ``state_delay``
    (1 through a state reader that sends the step after it reads) plus
    ``adapter_latency`` steps later.

    Parameters
    ----------
    schedule : Schedule
    builtins : bool
        The layers are compositions of built-ins.
    adapter_latency : int
        Steps a message takes across the host-chip boundary.
    state_delay : int
        Steps between reading o's current and its arrival at the read-out.
    """

    schedule: Schedule
    builtins: bool = False
    adapter_latency: int = 0
    state_delay: int = 0

    @property
    def startup(self) -> int:
        return BUILTIN_STARTUP if self.builtins else 0

    def emit_step(self, k: int, stream: str) -> int:
        gate = {s: g for s, g in self.schedule.drives.values()}[stream]
        return self.schedule.step_of(k, gate + 1) + self.startup - self.adapter_latency

    @cached_property
    def _first_emissions(self) -> dict[str, int]:
        return {stream: self.emit_step(0, stream) for stream, _ in self.schedule.drives.values()}

    def emissions(self, step: int) -> dict[str, int]:
        """Stream -> sample whose spikes the source sends in ``step`` (called every step)."""
        out = {}
        for stream, first in self._first_emissions.items():
            k, rest = divmod(step - first, self.schedule.n_phases)
            if k >= 0 and not rest:
                out[stream] = k
        return out

    def first_emission(self, k: int) -> int:
        return min(self.emit_step(k, stream) for stream, _ in self.schedule.drives.values())

    def read_step(self, k: int) -> int:
        return self.schedule.step_of(k, self.schedule.record_gate) + (self.startup + 1 if self.builtins else 0)

    @cached_property
    def _first_read(self) -> int:
        return self.read_step(0)

    def sample_at(self, step: int, delay: int = 0) -> int | None:
        """The sample whose read-out step is ``step - delay``, if any (called every step)."""
        k, rest = divmod(step - delay - self._first_read, self.schedule.n_phases)
        return k if k >= 0 and not rest else None

    def done_step(self, k: int) -> int:
        """The first step by which sample ``k`` has learned and its read-out has reached the host."""
        ring_end = self.schedule.step_of(k + 1, 0) + self.startup
        return max(ring_end, self.read_step(k) + self.adapter_latency + self.state_delay)

    @property
    def blank_rings(self) -> int:
        """Rings the source has begun to send by the time a sample is done.

        A run that ends with sample ``k`` has begun rings ``k + 1`` ..
        ``k + blank_rings`` already; the host makes them blank (all-zero
        rows: no spike, no update) and the next run starts after them.
        """
        ahead = self.done_step(0) - self.first_emission(1)
        return 0 if ahead < 0 else ahead // self.schedule.n_phases + 1


def timing(schedule: Schedule, builtins: bool, adapter_latency: int = 0) -> Timing:
    """The `Timing` of a network as built here: a state reader's delay when embedded IO is in use.

    Raises
    ------
    ValueError
        For an ``adapter_latency`` other than 0 without lava-loihi's embedded
        IO: the crossings are then direct, and nothing would delay the messages
        the source sends early.
    """
    check_latency(adapter_latency, schedule)
    adapters = builtins and embedded_io() is not None
    if adapter_latency and not adapters:
        raise ValueError(
            f"adapter_latency={adapter_latency} needs lava-loihi's embedded-IO adapters (lava.proc.embedded_io), "
            "which are not installed: without them the host-chip crossings are direct; use adapter_latency=0"
        )
    delay = 1 if adapters else 0
    return Timing(schedule, builtins, adapter_latency, delay)


def check_latency(adapter_latency, schedule: Schedule, builtins: bool = True) -> int:
    """A valid ``adapter_latency``: an int in ``[0, n_phases)``, and 0 unless the layers are built-ins."""
    if isinstance(adapter_latency, bool) or not isinstance(adapter_latency, int | np.integer):
        raise ValueError(f"adapter_latency must be an int, got {adapter_latency!r}")
    if not 0 <= adapter_latency < schedule.n_phases:
        raise ValueError(f"adapter_latency must be in [0, {schedule.n_phases}), got {adapter_latency}")
    if adapter_latency and not builtins:
        raise ValueError("adapter_latency applies to built-in layers only: the CPU models have no host-chip boundary")
    return int(adapter_latency)


def output_population(schedule: Schedule) -> str:
    """The name of the output layer's population o."""
    return next(p.name for p in schedule.layer_populations(schedule.layers[-1]) if p.role == "o")


def read_extra(schedule: Schedule) -> int:
    """What o receives besides ``W_{L+1} h_L`` in the read-out phase: its gate weight.

    Raises
    ------
    ValueError
        If anything else could reach o then: a relay or plastic group whose
        source may fire in the phase before (minus its delay), or a drive.
    """
    o, phase, n = output_population(schedule), schedule.record_gate, schedule.n_phases
    active = schedule.active_phases
    extra = sum(w for pop, w in schedule.gates.get(phase, ()) if pop == o)
    store = f"w{len(schedule.layers) - 1}"
    late = [r.src for r in schedule.relays if r.dst == o and (phase - 1 - r.delay) % n in active.get(r.src, ())]
    late += [g.pre for g in schedule.plastic if o in g.posts and g.store != store and (phase - 1) % n in active[g.pre]]
    if late or o in schedule.drives:
        raise ValueError(f"{schedule.name}: o's current in the read-out phase {phase} is not z plus a constant")
    return int(extra)


def current_of(total: np.ndarray, fixed: bool) -> np.ndarray:
    """o's current ``u`` for one step's synaptic input ``total``, as Lava's bit-accurate LIF holds it.

    ``u = total << 6``, wrapped to 24 bits as that model wraps it (fixed
    point); ``64 total`` in floating point.
    """
    if not fixed:
        return np.asarray(total, dtype=np.float64) * (1 << U_SHIFT)
    u = np.asarray(total, dtype=np.int64) << U_SHIFT
    top = 1 << (_U_BITS - 1)
    u = np.where(u > top, u - 2 * top, u)
    return np.where(u <= -top, u + 2 * top, u).astype(np.int32)


def z_of(u: np.ndarray, extra: int) -> np.ndarray:
    """``z = (u >> 6) - extra``: exact while o's input fits its 24-bit current (as o's own spikes need)."""
    return (np.asarray(u).astype(np.int64) >> U_SHIFT) - extra


@dataclass(frozen=True)
class Crossing:
    """One connection between host and chip: ``source`` and ``destination`` as ``process.port``."""

    name: str
    direction: str
    source: str
    destination: str
    width: int
    kind: str  # "spike" or "state"


def crossings(schedule: Schedule, sizes) -> tuple[Crossing, ...]:
    """The crossings of the built-in network of ``sizes`` on ``schedule`` (see the module docstring)."""
    size = NetworkSize(sizes)
    widths = size.layers
    pops = {p.name: p for p in schedule.populations}
    out = [
        Crossing(stream, "host->chip", f"source.s_out_{stream}", f"drive_{pop}.s_in", widths[pops[pop].layer], "spike")
        for pop, (stream, _) in schedule.drives.items()
    ]
    layer = schedule.layers[-1]  # its neurons are one LIFReset named after it
    width = layer_width(schedule, layer, size.sizes)
    out.append(Crossing("o", "chip->host", f"{layer}.s_out", "read_out.s_in_o", width, "spike"))
    out.append(Crossing("o_u", "chip->host", f"{layer}.u", "read_out", width, "state"))
    return tuple(out)


def embedded_io():
    """lava-loihi's ``lava.proc.embedded_io`` with its ``spike`` and ``state`` modules, or None without it."""
    try:
        module = importlib.import_module("lava.proc.embedded_io")
        importlib.import_module("lava.proc.embedded_io.spike")
        importlib.import_module("lava.proc.embedded_io.state")
    except ImportError:
        return None
    return module


def connect_spikes(model, crossing: Crossing, src, dst) -> None:
    """Connect OutPort ``src`` to InPort ``dst`` across ``crossing``.

    With embedded IO the spikes pass a ``PyToNxAdapter`` (host->chip) or
    ``NxToPyAdapter`` (chip->host) of the crossing's width, a child
    ``adapter_<name>`` of SubProcessModel ``model``; without it, directly.
    """
    eio = embedded_io()
    if eio is None:
        src.connect(dst)
        return
    kind = eio.spike.PyToNxAdapter if crossing.direction == "host->chip" else eio.spike.NxToPyAdapter
    adapter = kind(shape=(crossing.width,))
    adapter.name = f"adapter_{crossing.name}"
    setattr(model, adapter.name, adapter)
    src.connect(adapter.inp)
    adapter.out.connect(dst)


def connect_state(model, crossing: Crossing, var, read_out, when: Timing) -> None:
    """Let ``read_out`` (a `ReadOut`) have ``var`` in the read-out steps of ``when``.

    With embedded IO a ``state.Read`` (interval ``n_phases``, reading in the
    read-out step) becomes child ``reader_<name>`` of ``model`` and sends
    ``var`` to ``read_out.a_in_u``; without it ``read_out.ref_u`` reads it.
    """
    eio = embedded_io()
    if eio is None:
        read_out.ref_u.connect_var(var)
        return
    n = when.schedule.n_phases
    reader = eio.state.Read(shape=(crossing.width,), interval=n, offset=(when.read_step(0) - 1) % n)
    reader.name = f"reader_{crossing.name}"
    setattr(model, reader.name, reader)
    reader.connect_var(var)
    reader.out.connect(read_out.a_in_u)


def host_models() -> dict:
    """The host processes' models for a hardware run, which selects by resources, not tags."""
    from lava_backprop.procs.read_out.models import PyReadOutModelFixed
    from lava_backprop.procs.read_out.process import ReadOut
    from lava_backprop.procs.sample_source.models import PySampleSourceModelFixed
    from lava_backprop.procs.sample_source.process import SampleSource

    return {SampleSource: PySampleSourceModelFixed, ReadOut: PyReadOutModelFixed}


def _neurocore_base():
    try:
        from lava.magma.core.model.nc.model import AbstractNcProcessModel
    except ImportError:  # lava-nc alone has no neurocore models
        return None
    return AbstractNcProcessModel


def check_neurocore_models(pairs, nc_base=None) -> None:
    """Raise `HardwareError` unless every leaf meant for a neurocore got a neurocore model.

    Parameters
    ----------
    pairs : iterable of (process, model class)
        Leaf processes of a compiled network and the models chosen for them.
    nc_base : type, optional
        The neurocore model base class; default lava-loihi's
        ``AbstractNcProcessModel`` (none without lava-loihi: every such leaf fails).
    """
    from lava_backprop.hw import LOIHI2_BUILTINS

    base = nc_base if nc_base is not None else _neurocore_base()
    wrong = [
        f"{leaf.name} ({type(leaf).__name__}) got {model.__name__}"
        for leaf, model in pairs
        if f"{type(leaf).__module__}.{type(leaf).__qualname__}" in LOIHI2_BUILTINS
        and not (base is not None and isinstance(model, type) and issubclass(model, base))
    ]
    if wrong:
        raise HardwareError(
            f"{len(wrong)} process(es) meant for Loihi 2 neurocores would not run on them "
            f"(no neurocore model selected): {'; '.join(wrong)}"
        )
