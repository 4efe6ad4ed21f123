# SPDX-License-Identifier: BSD-3-Clause
"""Lava's runtime, behind a small face: the only package that touches Lava's internals.

`LavaCircuit` builds one network (training or inference, any depth), compiles
it once, streams samples through a memory-mapped sample buffer and reads the
read-out records per run. A failure inside a process model stops every worker
and surfaces as `EngineError` carrying the model's traceback (Lava itself
raises a bare ``RuntimeError`` and then hangs in ``stop``); a runtime that
never ran is torn down instead of stopped (Lava's ``stop`` waits forever
there). `resolve_leaves` resolves a network the way a compiler would, for the
hardware check.

Lava's forked workers ignore Ctrl-C and die with the process that forked them
(a parent-death signal, on Linux): Ctrl-C reaches the main process alone, which
tears the runtime down and removes the sample buffer; a killed main process
takes its workers with it, and the next circuit removes the buffers it left.
"""

import contextlib
import ctypes
import glob
import logging
import multiprocessing
import os
import re
import signal
import sys
import tempfile
import threading

import numpy as np

from lava_backprop.errors import EngineError, HardwareError
from lava_backprop.files import pid_alive
from lava_backprop.weights import WEIGHT_DTYPE, check_stores

__all__ = ["LavaCircuit", "import_lava_multiprocessing", "resolve_leaves", "remove_stale_buffers"]

_LAVA_MP = "lava.magma.runtime.message_infrastructure.multiprocessing"


def import_lava_multiprocessing() -> None:
    """Import Lava's message infrastructure, which sets the 'fork' start method.

    Lava calls ``multiprocessing.set_start_method("fork")`` when that module is
    imported and fails if anything (a tqdm lock, say) fixed the start method
    before. Clearing the choice first lets Lava make it, as it would anyway.
    """
    if _LAVA_MP in sys.modules:
        return
    if multiprocessing.get_start_method(allow_none=True) is not None:
        multiprocessing.set_start_method(None, force=True)
    __import__(_LAVA_MP)


def _buffer_dir() -> str:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else tempfile.gettempdir()


_BUFFER = re.compile(r"lava_backprop_\w+?_(\d+)_\w+\.samples$")


def remove_stale_buffers(directory: str | None = None) -> list[str]:
    """Remove sample buffers whose owner process (the PID in their name) is gone; return them."""
    removed = []
    for path in glob.glob(os.path.join(directory or _buffer_dir(), "lava_backprop_*.samples")):
        match = _BUFFER.search(os.path.basename(path))
        if match and not pid_alive(int(match.group(1))):
            with contextlib.suppress(OSError):
                os.unlink(path)
                removed.append(path)
    return removed


_PR_SET_PDEATHSIG = 1
_forking = {"parent": None}  # set while Lava forks a network's workers


def _tie_to_parent() -> None:
    """In a forked worker: ignore Ctrl-C, die of SIGTERM, and get SIGKILL when the forking process dies (Linux)."""
    parent = _forking["parent"]
    if parent is None:
        return
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # the main process stops the workers
    signal.signal(signal.SIGTERM, signal.SIG_DFL)  # not a handler the main process installed
    with contextlib.suppress(OSError, AttributeError):
        ctypes.CDLL(None, use_errno=True).prctl(_PR_SET_PDEATHSIG, int(signal.SIGKILL))
    if os.getppid() != parent:
        os._exit(1)


os.register_at_fork(after_in_child=_tie_to_parent)


@contextlib.contextmanager
def _forking_workers():
    """While Lava forks a network's workers: they ignore SIGINT and die with this process.

    The main process defers a Ctrl-C that arrives meanwhile and raises it when
    the workers exist, so that the caller can tear them down.
    """
    caught = []
    main = threading.current_thread() is threading.main_thread()
    previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True)) if main else None
    _forking["parent"] = os.getpid()
    try:
        yield
    finally:
        _forking["parent"] = None
        if main:
            signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


@contextlib.contextmanager
def _no_interrupt():
    """Defer Ctrl-C while a runtime is torn down, so that it cannot be cut short; raise it afterwards."""
    if threading.current_thread() is not threading.main_thread():
        yield
        return
    caught = []
    previous = signal.signal(signal.SIGINT, lambda *_: caught.append(True))
    try:
        yield
    finally:
        signal.signal(signal.SIGINT, previous)
    if caught:
        raise KeyboardInterrupt


def resolve_leaves(proc) -> list[tuple[object, type]]:
    """The leaf processes of ``proc`` and the models a hardware run would choose for them.

    Resolves the graph as ``Loihi2SimCfg(select_sub_proc_model=True)`` does:
    compositions replace leaves where they exist. The processes are marked
    compiled by the resolution; build a fresh network for anything else.
    """
    import_lava_multiprocessing()
    from lava.magma.compiler.compiler_graphs import ProcGroupDiGraphs
    from lava.magma.core.run_configs import Loihi2SimCfg

    graphs = ProcGroupDiGraphs(proc, Loihi2SimCfg(select_tag="fixed_pt", select_sub_proc_model=True))
    leaves = sorted(graphs.resolved_proc_digraph.nodes, key=lambda p: p.name)
    return [(leaf, leaf._model_class) for leaf in leaves]


class LavaCircuit:
    """One Lava network (training or inference), its runtime and its sample buffer.

    Parameters
    ----------
    kind : {"training", "inference"}
        `BackpropNetwork` or `InferenceNetwork`.
    stores : dict of str to ndarray
        Initial stores by name (``w1 ..``, and for training the transposed
        stores; see `lava_backprop.weights.check_stores`).
    tag : {"fixed_pt", "floating_pt"}
    capacity : int
        Samples per run: rows of the sample buffer and the read-out records
        (and one per blank ring, see Notes).
    watch_steps : int
        If positive, a ring-buffer sink of that many steps records every
        population's spikes (see `raster`).
    builtins : bool
        Select the compositions of Loihi 2 built-ins
        (``select_sub_proc_model=True``), as a hardware run does; their ring
        starts one step later (see `SubGatingChainModel`).
    parity : bool
        Train on the parity ring (``training-<L>-parity``), which the
        built-in plastic layers need.
    hardware : bool
        Compile for Loihi 2 (``Loihi2HwCfg(select_sub_proc_model=True)``, no
        tag, which would keep host models where neurocore models lack it;
        needs lava-loihi); implies ``builtins``. A leaf meant for a neurocore
        that gets another model is a `HardwareError`.
    adapter_latency : int
        Steps a message takes across the host-chip boundary (built-ins).

    Notes
    -----
    A chunk's run ends when its last sample is done
    (`lava_backprop.boundary.Timing`); rings the source began before that
    get all-zero rows (they fire and learn nothing) and are skipped.
    """

    def __init__(
        self,
        kind: str,
        stores: dict,
        tag: str,
        capacity: int,
        watch_steps: int = 0,
        builtins: bool = False,
        parity: bool = False,
        hardware: bool = False,
        adapter_latency: int = 0,
    ):
        import_lava_multiprocessing()
        from lava.magma.core.run_configs import Loihi2HwCfg, Loihi2SimCfg
        from lava.proc.io.sink import RingBuffer

        from lava_backprop.boundary import check_neurocore_models, host_models, timing
        from lava_backprop.procs.backprop_network.process import BackpropNetwork
        from lava_backprop.procs.inference_network.process import InferenceNetwork
        from lava_backprop.schedule import SCHEDULES

        if kind not in ("training", "inference"):
            raise ValueError(f"kind must be 'training' or 'inference', got {kind!r}")
        self.kind, self.tag, self.capacity = kind, tag, capacity
        self.builtins = builtins = builtins or hardware
        depth = check_stores(stores)[0].n_hidden
        name = f"{kind}-{depth}" + ("-parity" if parity and kind == "training" else "")
        self.timing = timing(SCHEDULES[name], builtins, adapter_latency)
        self.rows = capacity + self.timing.blank_rings  # blank rings' rows are never a sample's
        remove_stale_buffers()
        prefix = f"lava_backprop_{kind}_{os.getpid()}_"
        fd, self.path = tempfile.mkstemp(prefix=prefix, suffix=".samples", dir=_buffer_dir())
        os.close(fd)
        root = logging.getLogger()
        handlers = list(root.handlers)
        try:
            common = {"weights": stores, "buffer_path": self.path, "capacity": self.rows, "builtins": builtins}
            common["adapter_latency"] = adapter_latency
            if kind == "training":
                self.net = BackpropNetwork(**common, parity=parity, name="nbp")
            else:
                self.net = InferenceNetwork(**common, name="nbp-inference")
            self.n_in, self.n_out = self.net.size.n_in, self.net.size.n_out
            self.buffer = np.memmap(self.path, dtype=np.uint8, mode="w+", shape=(self.rows, self.n_in + self.n_out))
            self.sinks = {}
            for layer in self.net.schedule.layers if watch_steps > 0 else ():
                port = getattr(self.net, f"s_out_{layer}")
                self.sinks[layer] = RingBuffer(shape=port.shape, buffer=watch_steps)
                port.connect(self.sinks[layer].a_in)
            if hardware:
                cfg = Loihi2HwCfg(select_sub_proc_model=True, exception_proc_model_map=host_models())
            else:
                from lava_backprop.runtime.models import SIMULATION_MODELS

                cfg = Loihi2SimCfg(
                    select_tag=tag,
                    select_sub_proc_model=builtins,
                    exception_proc_model_map=SIMULATION_MODELS if builtins and tag == "fixed_pt" else {},
                )
            executable = self._compile(cfg, hardware)
            if hardware:
                check_neurocore_models((leaf, leaf.model_class) for leaf in executable.process_list)
            try:
                with _forking_workers():
                    self.net.create_runtime(executable=executable)
            except KeyboardInterrupt:
                self.abort()
                raise
        except Exception:
            self._remove_buffer()
            raise
        finally:
            for h in root.handlers[:]:
                if h not in handlers:
                    root.removeHandler(h)  # Lava adds a console handler per process
        self.schedule = self.net.schedule
        self.startup = self.timing.startup  # the built-in ring's first gate comes one step later
        self.samples_done = self.ring = self.steps_run = 0
        self.ran = False
        self.alive = True

    def _compile(self, cfg, hardware: bool):
        try:
            return self.net.compile(run_cfg=cfg)
        except Exception as err:
            if hardware:
                raise HardwareError(f"compiling the {self.kind} network for Loihi 2 failed: {err!r}") from err
            raise

    @property
    def leaf_processes(self) -> int:
        """Leaf processes of the running network (each an OS process in the simulator)."""
        return len(self.net.runtime._messaging_infrastructure.actors) - 1  # one actor is the runtime service

    def run(self, X: np.ndarray, T: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Run samples through the circuit; return their read-out (o, z)."""
        n = X.shape[0]
        o = np.empty((n, self.n_out), dtype=np.uint8)
        z = np.empty((n, self.n_out), dtype=np.int32)
        for lo in range(0, n, self.capacity):
            m = min(self.capacity, n - lo)
            rows = (self.ring + np.arange(m)) % self.rows
            self.buffer[rows, : self.n_in] = X[lo : lo + m]
            self.buffer[rows, self.n_in :] = T[lo : lo + m] if T is not None else 0
            after, blank = self.ring + m, self.timing.blank_rings
            self.buffer[(after + np.arange(blank)) % self.rows] = 0  # begun before this run ends: no spikes
            self.advance(self.timing.done_step(after - 1) - self.steps_run)
            self.ring, self.samples_done = after + blank, self.samples_done + m
            o[lo : lo + m] = self.net.o_rec.get()[rows]
            z[lo : lo + m] = self.net.z_rec.get()[rows]
        return o, z

    def raster(self) -> dict[str, np.ndarray]:
        """Spikes of every population: ``raster[name][t]`` was emitted in step ``t``.

        A sink records in step ``t + 1`` what was emitted in step ``t``, so
        the rows cover steps 0 (nothing) to the second-to-last step run.
        """
        from lava_backprop.procs.base_process import layer_slices

        got = {layer: np.asarray(sink.data.get()).T.astype(bool) for layer, sink in self.sinks.items()}
        parts = {lay: layer_slices(self.schedule, lay, self.net.size.sizes) for lay in got}
        return {name: got[lay][:, part] for lay in got for name, part in parts[lay].items()}

    def counters(self) -> tuple[dict[str, int], int]:
        """Spikes per population and plastic updates applied, counted by the models so far."""
        spikes, changes = {}, 0
        for layer in self.schedule.layers:
            got = np.asarray(getattr(self.net, f"spike_counts_{layer}").get())
            for pop, n in zip(self.schedule.layer_populations(layer), got, strict=True):
                spikes[pop.name] = int(n)
            changes += int(np.asarray(getattr(self.net, f"weight_changes_{layer}").get())[0])
        return spikes, changes

    def weights(self) -> dict[str, np.ndarray]:
        """The network's plastic stores, read from the running models (built-ins: their merged synapses)."""
        from lava_backprop.procs.builtin_layers import read_stores

        if self.builtins:
            return {k: v.astype(WEIGHT_DTYPE) for k, v in read_stores(self.net).items()}
        names = [g.store for g in self.schedule.plastic]
        return {k: np.asarray(getattr(self.net, k).get()).astype(WEIGHT_DTYPE) for k in names}

    def advance(self, steps: int) -> None:
        """Run the network ``steps`` more steps (blocking)."""
        from lava.magma.core.run_conditions import RunSteps

        if not self.alive:
            raise EngineError("the Lava runtime was stopped")
        try:
            self.net.run(condition=RunSteps(num_steps=steps))
            self.ran = True
            self.steps_run += steps
        except KeyboardInterrupt:
            self.abort()  # the workers ignore Ctrl-C; they must not outlive this
            raise
        except Exception as err:
            details = self._failures()
            self.abort()
            raise EngineError(f"the Lava {self.kind} network failed:\n{details or err}") from err

    def _failures(self) -> str:
        runtime = self.net.runtime
        infra = getattr(runtime, "_messaging_infrastructure", None)
        found = []
        for actor in getattr(infra, "actors", []):
            exc = actor.exception
            if exc:
                error, tb = exc
                found.append(f"{error}\n{tb}")
        return "\n".join(found)

    def abort(self) -> None:
        """Tear down a runtime whose processes have failed or were interrupted (a plain stop would hang)."""
        with _no_interrupt():
            self._tear_down()

    def _tear_down(self) -> None:
        runtime = self.net.runtime
        self.alive = False
        try:
            if runtime is not None:
                runtime._is_started = False
                runtime._is_running = False
                infra = runtime._messaging_infrastructure
                if infra is not None:
                    for actor in infra.actors:
                        if not getattr(actor, "_is_done", False) and actor.is_alive():
                            actor.terminate()
                    infra.stop()
                if runtime._watchdog_manager is not None:
                    runtime._watchdog_manager.stop()
        finally:
            self._remove_buffer()

    def close(self) -> None:
        """Stop the runtime and remove the sample buffer; safe to call twice."""
        if not self.alive:
            self._remove_buffer()
            return
        if not self.ran:
            self.abort()
            return
        self.alive = False
        try:
            with _no_interrupt():
                self.net.stop()
        finally:
            self._remove_buffer()

    def _remove_buffer(self) -> None:
        self.buffer = None
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)
