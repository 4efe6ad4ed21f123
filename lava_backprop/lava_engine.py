# SPDX-License-Identifier: BSD-3-Clause
"""Engines that run the nBP circuit in the Lava simulator.

``make_engine("lava-fixed", ...)`` runs the fixed-point (Loihi arithmetic)
models, ``"lava-float"`` the floating-point ones, ``"loihi2-sim"`` the
compositions of Loihi 2 built-ins in Lava's bit-accurate simulation of them
and ``"loihi2"`` the same compositions on Loihi 2 (needs lava-loihi). Training streams samples
through `BackpropNetwork` in chunks: the host writes a chunk into the sample
buffer, runs ``12 n`` steps (plus 13 for the first chunk) and reads the
chunk's output records. Prediction runs `InferenceNetwork`, built from the
current weights. Each network's runtime is built once and reused; `close`
stops it, and a failure inside a process model stops everything and raises
`EngineError` with the model's traceback.
"""

import atexit
import logging
import os
import tempfile
import weakref

import numpy as np

from lava_backprop.engine import Engine
from lava_backprop.errors import EngineError, HardwareError
from lava_backprop.weights import LAVA_LEARNING_W_MAX, STORE_NAMES, WEIGHT_DTYPE

__all__ = [
    "LavaFixedEngine",
    "LavaFloatEngine",
    "Loihi2SimEngine",
    "Loihi2Engine",
    "LavaCircuit",
    "DeepLavaNetwork",
    "record_raster",
]

logger = logging.getLogger(__name__)


def _buffer_dir() -> str | None:
    return "/dev/shm" if os.path.isdir("/dev/shm") and os.access("/dev/shm", os.W_OK) else None


class LavaCircuit:
    """One Lava network (training or inference), its runtime and its sample buffer.

    Parameters
    ----------
    kind : {"training", "inference", "deep"}
        ``"deep"``: `DeepBackpropNetwork`, any number of hidden layers.
    stores : dict of str to ndarray
        Initial weights (w1, w2, and for training w2t_pos, w2t_neg; for
        ``"deep"`` w1 .. w<L+1>, w<l>t_pos, w<l>t_neg).
    tag : {"fixed_pt", "floating_pt"}
    capacity : int
        Samples per run: rows of the sample buffer and the read-out records.
    watch_steps : int
        If positive, a ring-buffer sink of that many steps records every
        population's spikes (see `raster`).
    builtins : bool
        Select the compositions of Loihi 2 built-ins
        (``select_sub_proc_model=True``), as a hardware run does; their ring
        starts one step later (see `SubGatingChainModel`).
    schedule : str, optional
        The training ring (default ``"training"``; the built-in plastic
        layers need ``"training-parity"``).
    hardware : bool
        Compile for Loihi 2 (``Loihi2HwCfg``, needs lava-loihi) instead of
        the simulator; implies ``builtins``.
    """

    def __init__(
        self,
        kind: str,
        stores: dict,
        tag: str,
        capacity: int,
        watch_steps: int = 0,
        builtins: bool = False,
        schedule: str = "training",
        hardware: bool = False,
    ):
        from lava_backprop.procs import import_lava_multiprocessing

        import_lava_multiprocessing()
        from lava.magma.core.run_configs import Loihi2HwCfg, Loihi2SimCfg
        from lava.proc.io.sink import RingBuffer

        from lava_backprop.procs.backprop_network.process import BackpropNetwork
        from lava_backprop.procs.deep_network.process import DeepBackpropNetwork
        from lava_backprop.procs.inference_network.process import InferenceNetwork

        self.kind, self.tag, self.capacity = kind, tag, capacity
        n_weights = sum(1 for key in stores if key[1:].isdigit())
        n_in = stores["w1"].shape[1]
        n_out = stores[f"w{n_weights}"].shape[0]
        self.n_in, self.n_out = n_in, n_out
        fd, self.path = tempfile.mkstemp(prefix=f"lava_backprop_{kind}_", suffix=".samples", dir=_buffer_dir())
        os.close(fd)
        self.buffer = np.memmap(self.path, dtype=np.uint8, mode="w+", shape=(capacity, n_in + n_out))
        root = logging.getLogger()
        handlers = list(root.handlers)
        try:
            if kind == "deep":
                self.net = DeepBackpropNetwork(
                    weights=[stores[f"w{i}"] for i in range(1, n_weights + 1)],
                    transposed=[(stores[f"w{i}t_pos"], stores[f"w{i}t_neg"]) for i in range(2, n_weights + 1)],
                    buffer_path=self.path,
                    capacity=capacity,
                    name="nbp-deep",
                )
            elif kind == "training":
                self.net = BackpropNetwork(
                    **stores, buffer_path=self.path, capacity=capacity, schedule=schedule, name="nbp"
                )
            else:
                self.net = InferenceNetwork(
                    w1=stores["w1"], w2=stores["w2"], buffer_path=self.path, capacity=capacity, name="nbp-inference"
                )
            self.sinks = {}
            for pop in self.net.schedule.populations if watch_steps > 0 else ():
                port = getattr(self.net, f"s_out_{pop.name}")
                self.sinks[pop.name] = RingBuffer(shape=port.shape, buffer=watch_steps)
                port.connect(self.sinks[pop.name].a_in)
            if hardware:
                cfg = Loihi2HwCfg(select_tag=tag, select_sub_proc_model=True)
            else:
                cfg = Loihi2SimCfg(select_tag=tag, select_sub_proc_model=builtins)
            try:
                self.net.create_runtime(executable=self.net.compile(run_cfg=cfg))
            except Exception as err:
                if hardware:
                    raise HardwareError(f"compiling the {kind} network for Loihi 2 failed: {err!r}") from err
                raise
        except Exception:
            self._remove_buffer()
            raise
        finally:
            for h in root.handlers[:]:
                if h not in handlers:
                    root.removeHandler(h)  # Lava adds a console handler per process
        self.schedule = self.net.schedule
        self.startup = 1 if builtins or hardware else 0  # the built-in ring's first gate comes one step later
        self.samples_done = 0
        self.ran = False  # Lava's stop() hangs on a runtime that never ran
        self.alive = True

    def run(self, X: np.ndarray, T: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
        """Run samples through the circuit; return their read-out (o, z)."""
        n = X.shape[0]
        o = np.empty((n, self.n_out), dtype=np.uint8)
        z = np.empty((n, self.n_out), dtype=np.int32)
        for lo in range(0, n, self.capacity):
            m = min(self.capacity, n - lo)
            rows = (self.samples_done + np.arange(m)) % self.capacity
            self.buffer[rows, : self.n_in] = X[lo : lo + m]
            self.buffer[rows, self.n_in :] = T[lo : lo + m] if T is not None else 0
            first = self.samples_done == 0
            self._run_steps(self.schedule.steps(m, first=first) + (self.startup if first else 0))
            self.samples_done += m
            o[lo : lo + m] = self.net.o_rec.get()[rows]
            z[lo : lo + m] = self.net.z_rec.get()[rows]
        return o, z

    def raster(self) -> dict[str, np.ndarray]:
        """Spikes of every population: ``raster[name][t]`` was emitted in step ``t``.

        A sink records in step ``t + 1`` what was emitted in step ``t``, so
        the rows cover steps 0 (nothing) to the second-to-last step run.
        """
        return {name: np.asarray(sink.data.get()).T.astype(bool) for name, sink in self.sinks.items()}

    def counters(self) -> tuple[dict[str, int], int]:
        """Spikes per population and plastic updates applied, counted by the models so far."""
        from lava_backprop.schedule import LAYERS, TRAINING

        spikes, changes = {}, 0
        for layer in LAYERS:
            got = np.asarray(getattr(self.net, f"spike_counts_{layer}").get())
            for pop, n in zip(TRAINING.layer_populations(layer), got, strict=True):
                spikes[pop.name] = int(n)
            changes += int(np.asarray(getattr(self.net, f"weight_changes_{layer}").get())[0])
        return spikes, changes

    def weights(self) -> dict[str, np.ndarray]:
        """The network's plastic stores, read from the running models."""
        names = {"training": STORE_NAMES, "inference": ("w1", "w2")}.get(self.kind) or self.net.store_names
        return {k: np.asarray(getattr(self.net, k).get()).astype(WEIGHT_DTYPE) for k in names}

    def _run_steps(self, steps: int) -> None:
        from lava.magma.core.run_conditions import RunSteps

        if not self.alive:
            raise EngineError("the Lava runtime was stopped")
        try:
            self.net.run(condition=RunSteps(num_steps=steps))
            self.ran = True
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
        """Tear down a runtime whose processes have failed (a plain stop would hang)."""
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
            self.net.stop()
        finally:
            self._remove_buffer()

    def _remove_buffer(self) -> None:
        self.buffer = None
        if self.path and os.path.exists(self.path):
            os.unlink(self.path)


class _LavaEngine(Engine):
    """nBP in the Lava simulator; see the module docstring.

    Parameters
    ----------
    w1, w2, w2t_pos, w2t_neg : array_like of int
        Initial stores; see `lava_backprop.make_engine`.
    chunk : int
        Training samples per Lava run (rows of the sample buffer).
    predict_chunk : int
        Inference samples per Lava run.
    """

    tag = ""
    #: Select the compositions of Loihi 2 built-ins, and the training ring they need.
    builtins = False
    schedule = "training"
    hardware = False

    def __init__(self, w1, w2, w2t_pos=None, w2t_neg=None, *, chunk: int = 1000, predict_chunk: int = 2500):
        if chunk < 1 or predict_chunk < 1:
            raise ValueError(f"chunk and predict_chunk must be positive, got {chunk} and {predict_chunk}")
        self.chunk, self.predict_chunk = chunk, predict_chunk
        self._training = self._inference = None
        super().__init__(w1, w2, w2t_pos, w2t_neg)
        self._finalizer = weakref.finalize(self, _close_circuits, self._circuits)
        atexit.register(self._finalizer)

    def _load(self, stores):
        self._stores = stores
        self._circuits: list = []

    def _circuit(self, kind: str) -> LavaCircuit:
        current = self._training if kind == "training" else self._inference
        if current is not None and current.alive:
            return current
        if kind == "training":
            stores, capacity = self._stores, self.chunk
        else:
            stores, capacity = {k: self._stores[k] for k in ("w1", "w2")}, self.predict_chunk
        circuit = LavaCircuit(
            kind, stores, self.tag, capacity, builtins=self.builtins, schedule=self.schedule, hardware=self.hardware
        )
        self._circuits.append(circuit)
        # Starting the runtime registered multiprocessing's exit handler, which joins
        # the workers; ours must run before it, so it is registered again, last.
        atexit.unregister(self._finalizer)
        atexit.register(self._finalizer)
        if kind == "training":
            self._training = circuit
        else:
            self._inference = circuit
        return circuit

    def _train(self, X, T):
        self._sync_weights()
        self._drop_inference()
        try:
            return self._circuit("training").run(X, T)
        except EngineError:
            self.close()
            raise

    def _predict(self, X):
        self._sync_weights()
        try:
            return self._circuit("inference").run(X)
        except EngineError:
            self.close()
            raise

    def _weights(self):
        self._sync_weights()
        return self._stores

    def _sync_weights(self) -> None:
        """Take the weights from a training run that may have changed them."""
        if self._training is not None and self._training.alive and self._training.samples_done:
            if getattr(self, "_synced_at", None) != self._training.samples_done:
                self._stores = self._training.weights()
                self._synced_at = self._training.samples_done

    def _drop_inference(self) -> None:
        if self._inference is not None:
            self._inference.close()
            self._circuits.remove(self._inference)
            self._inference = None

    def op_counts(self):
        """Operations the training circuit has counted so far (`lava_backprop.energy.OpCounts`)."""
        from lava_backprop.energy import counts_from_spikes

        self._check_open()
        if self.builtins:
            raise EngineError(f"{self.name}: the built-in neurons keep no counters; count with 'lava-fixed'")
        if self._training is None or not self._training.samples_done:
            raise EngineError("the engine has not trained yet")
        spikes, changes = self._training.counters()
        return counts_from_spikes(spikes, changes, self._training.samples_done, self.size, "train")

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            _close_circuits(self._circuits)
            self._finalizer.detach()
            atexit.unregister(self._finalizer)


def _close_circuits(circuits: list) -> None:
    while circuits:
        circuit = circuits.pop()
        try:
            circuit.close()
        except Exception:  # a failing stop must not keep the others running
            logger.exception("stopping a Lava runtime failed")


class LavaFixedEngine(_LavaEngine):
    """The circuit's fixed-point models: Loihi integer arithmetic."""

    name = "lava-fixed"
    tag = "fixed_pt"


class LavaFloatEngine(_LavaEngine):
    """The circuit's floating-point models."""

    name = "lava-float"
    tag = "floating_pt"


class Loihi2SimEngine(_LavaEngine):
    """The compositions of Loihi 2 built-ins in Lava's bit-accurate models.

    Every layer is ``LIFReset`` / ``Dense`` / ``DelayDense`` / ``LearningDense``
    (`lava_backprop.procs.builtin_layers`); only the sample source and the
    read-out probe run as host processes. Training uses the 14-phase
    ``training-parity`` ring. The result equals the integer rule except that
    lava-nc 0.10.0's learning engine saturates weights at +255, not +254
    (docs/LOIHI2.md); `lava_backprop.reference.DenseEngine` with ``w_max=255``
    reproduces it exactly.
    """

    name = "loihi2-sim"
    tag = "fixed_pt"
    builtins = True
    schedule = "training-parity"
    w_max = LAVA_LEARNING_W_MAX


class Loihi2Engine(Loihi2SimEngine):
    """The same compositions compiled for Loihi 2 (``Loihi2HwCfg``).

    Needs Intel's lava-loihi (INRC). Without it the constructor runs the
    static check (`lava_backprop.hw.check_hw`) and raises `HardwareError`
    saying what is missing.
    """

    name = "loihi2"
    hardware = True

    def __init__(self, w1, w2, w2t_pos=None, w2t_neg=None, **options):
        from lava_backprop.weights import check_stores

        size, _ = check_stores(w1, w2, w2t_pos, w2t_neg, w_max=self.w_max)
        require_loihi2(size)
        super().__init__(w1, w2, w2t_pos, w2t_neg, **options)


def require_loihi2(size) -> None:
    """Raise `HardwareError` unless lava-loihi is installed; the message carries the static check.

    Parameters
    ----------
    size : NetworkSize
        The network that was to run, checked with `lava_backprop.hw.check_hw`.
    """
    from lava.utils.loihi import is_installed

    if is_installed():
        return
    from lava_backprop.hw import check_hw

    report = check_hw(size)
    verdict = "passes" if report.ok else "FAILS"
    raise HardwareError(
        "Loihi 2 needs Intel's lava-loihi package (distributed to INRC members; see the README section "
        "'Running on Loihi 2 (INRC)'), and it is not installed in this environment. "
        f"The static check of the {report.resources['sizes']} network {verdict}: "
        f"{sum(leaf['placement'] == 'neurocores' for leaf in report.leaves)} leaf processes on neurocores, "
        f"{sum(leaf['placement'] == 'host IO' for leaf in report.leaves)} host IO, {len(report.findings)} problem(s). "
        "Run 'lava-backprop check-hw' for the details, or train in simulation with '--engine loihi2-sim'."
    )


class DeepLavaNetwork:
    """nBP with any number of hidden layers, trained by the spiking circuit in Lava.

    The circuit is `DeepBackpropNetwork` on ring ``training-<L>``
    (`lava_backprop.deep_schedule`); it computes the rule of
    `lava_backprop.deep.DeepNetwork`, whose interface it shares.

    Parameters
    ----------
    weights : list of array of int
        ``W_1 .. W_{L+1}``, each (n_l, n_{l-1}).
    transposed : list of (P, M) pairs, optional
        Stores for ``l = 2 .. L+1``; default ``W_l^T`` and ``clip(-W_l^T)``.
    tag : {"fixed_pt", "floating_pt"}
    chunk : int
        Samples per Lava run.
    """

    def __init__(self, weights, transposed=None, *, tag: str = "fixed_pt", chunk: int = 1000):
        from lava_backprop.deep import DeepNetwork

        checked = DeepNetwork(weights, transposed).weights()  # validates shapes and values
        n_weights = len(weights)
        self.stores = {f"w{i}": checked[f"W{i}"] for i in range(1, n_weights + 1)}
        for i in range(2, n_weights + 1):
            self.stores[f"w{i}t_pos"], self.stores[f"w{i}t_neg"] = checked[f"P{i}"], checked[f"M{i}"]
        self.sizes = [checked["W1"].shape[1]] + [checked[f"W{i}"].shape[0] for i in range(1, n_weights + 1)]
        self._circuit = LavaCircuit("deep", self.stores, tag, chunk)
        self._finalizer = weakref.finalize(self, _close_circuits, [self._circuit])
        atexit.unregister(self._finalizer)
        atexit.register(self._finalizer)

    @property
    def leaf_processes(self) -> int:
        """Leaf processes of the running network (each an OS process in the simulator)."""
        return len(self._circuit.net.runtime._messaging_infrastructure.actors) - 1

    def train(self, X, T) -> tuple[np.ndarray, np.ndarray]:
        """Train on samples in order; return each forward pass's (o, z) before its update."""
        from lava_backprop.engine import check_spikes, check_targets

        X = check_spikes(X, self.sizes[0])
        T = check_targets(T, X.shape[0], self.sizes[-1])
        return self._circuit.run(X, T)

    def weights(self) -> dict:
        """``W1 ..``, ``P2 ..``, ``M2 ..`` as in `lava_backprop.deep.DeepNetwork.weights`."""
        got = self._circuit.weights()
        out = {f"W{i}": got[f"w{i}"] for i in range(1, len(self.sizes))}
        for i in range(2, len(self.sizes)):
            out[f"P{i}"], out[f"M{i}"] = got[f"w{i}t_pos"], got[f"w{i}t_neg"]
        return out

    def close(self) -> None:
        """Stop the Lava runtime; safe to call twice."""
        self._circuit.close()
        self._finalizer.detach()
        atexit.unregister(self._finalizer)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
        return False


def record_raster(w1, w2, X, T, *, tag: str = "fixed_pt", w2t_pos=None, w2t_neg=None):
    """Train a few samples in Lava and record every population's spikes.

    Parameters
    ----------
    w1, w2, w2t_pos, w2t_neg : array_like of int
        Initial stores.
    X : array of 0/1, shape (n, n_in)
    T : array, shape (n, n_out) one-hot or (n,) labels
    tag : {"fixed_pt", "floating_pt"}

    Returns
    -------
    o, z : ndarray, shape (n, n_out)
        Read-out of each sample.
    weights : dict of str to ndarray
        The stores after training.
    raster : dict of str to ndarray of bool, shape (steps, width)
        Row ``t`` holds the spikes emitted in time step ``t``; phase ``p`` of
        sample ``k`` is row ``TRAINING.step_of(k, p)``.
    """
    from lava_backprop.engine import check_spikes, check_targets
    from lava_backprop.schedule import TRAINING
    from lava_backprop.weights import check_stores

    _, stores = check_stores(w1, w2, w2t_pos, w2t_neg)
    X = check_spikes(X, stores["w1"].shape[1])
    T = check_targets(T, X.shape[0], stores["w2"].shape[0])
    n = X.shape[0]
    circuit = LavaCircuit("training", stores, tag, capacity=n, watch_steps=TRAINING.steps(n) + 1)
    try:
        o, z = circuit.run(X, T)
        circuit._run_steps(1)  # lets the sinks receive the last step's spikes
        return o, z, circuit.weights(), circuit.raster()
    finally:
        circuit.close()
