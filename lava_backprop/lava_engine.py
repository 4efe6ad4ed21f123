# SPDX-License-Identifier: BSD-3-Clause
"""Engines that run the nBP circuit in the Lava simulator, or on Loihi 2.

``make_engine("lava-fixed", ...)`` runs the fixed-point (Loihi arithmetic)
models, ``"lava-float"`` the floating-point ones, ``"loihi2-sim"`` the
compositions of Loihi 2 built-ins in Lava's bit-accurate simulation of them
and ``"loihi2"`` the same compositions on Loihi 2 (needs lava-loihi). Every
engine takes any number of hidden layers. Training streams samples through
`BackpropNetwork` in chunks: the host writes a chunk into the sample buffer,
runs one ring per sample (plus the warm-up for the first chunk) and reads the
chunk's output records. Prediction runs `InferenceNetwork`, built from the
current weights. Each network's runtime is built once and reused
(`lava_backprop.runtime.LavaCircuit`); `close` stops it, and a failure inside
a process model stops everything and raises `EngineError` with the model's
traceback.
"""

import atexit
import logging
import weakref

from lava_backprop.circuit import FIXED, FLOAT
from lava_backprop.engine import Engine, check_spikes, check_targets
from lava_backprop.errors import EngineError, HardwareError
from lava_backprop.runtime import LavaCircuit
from lava_backprop.simulation import warm_up
from lava_backprop.weights import check_stores

__all__ = ["LavaFixedEngine", "LavaFloatEngine", "Loihi2SimEngine", "Loihi2Engine", "require_loihi2", "record_raster"]

logger = logging.getLogger(__name__)


class _LavaEngine(Engine):
    """nBP in the Lava simulator; see the module docstring.

    Parameters
    ----------
    weights, transposed
        Initial stores; see `lava_backprop.make_engine`.
    chunk : int
        Training samples per Lava run (rows of the sample buffer).
    predict_chunk : int
        Inference samples per Lava run.
    adapter_latency : int
        Loihi 2 engines: steps a message takes across the host-chip boundary
        (lava-loihi's embedded-IO adapters); the sample source sends that
        much earlier (`lava_backprop.boundary.Timing`). 0 in the simulator.
    """

    tag = ""
    #: Select the compositions of Loihi 2 built-ins, and the parity ring they need.
    builtins = False
    hardware = False

    def __init__(
        self, weights, transposed=None, *, chunk: int = 1000, predict_chunk: int = 2500, adapter_latency: int = 0
    ):
        if chunk < 1 or predict_chunk < 1:
            raise ValueError(f"chunk and predict_chunk must be positive, got {chunk} and {predict_chunk}")
        if adapter_latency and not self.builtins:
            raise ValueError(f"{self.name}: adapter_latency is for the Loihi 2 engines, got {adapter_latency!r}")
        self.chunk, self.predict_chunk, self.adapter_latency = chunk, predict_chunk, adapter_latency
        self._training = self._inference = None
        self._synced_at = None
        super().__init__(weights, transposed)
        self._finalizer = weakref.finalize(self, _close_circuits, self._circuits)
        atexit.register(self._finalizer)

    def _load(self, stores):
        self._stores = stores
        self._circuits: list = []

    def _circuit(self, kind: str) -> LavaCircuit:
        current = self._training if kind == "training" else self._inference
        if current is not None and current.alive:
            return current
        capacity = self.chunk if kind == "training" else self.predict_chunk
        if not self.builtins:  # Lava forks the workers from this process: they inherit the compiled layer step
            warm_up(FLOAT if self.tag == FLOAT.tag else FIXED)
        circuit = LavaCircuit(
            kind,
            self._stores,
            self.tag,
            capacity,
            builtins=self.builtins,
            parity=self.builtins,
            hardware=self.hardware,
            adapter_latency=self.adapter_latency,
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
        # The training circuit keeps its weights between calls; reading them is for
        # predict and weights (a built-in read is slow: Lava's get sends a value at a time).
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
            if self._synced_at != self._training.samples_done:
                self._stores = self._training.weights()
                self._synced_at = self._training.samples_done

    def _drop_inference(self) -> None:
        if self._inference is not None:
            self._inference.close()
            self._circuits.remove(self._inference)
            self._inference = None

    def leaf_processes(self, kind: str = "training") -> int:
        """Leaf processes of the ``"training"`` or ``"inference"`` network, built if needed.

        In the simulator each is an OS process, whose synchronisation bounds the speed.
        """
        self._check_open()
        if kind not in ("training", "inference"):
            raise ValueError(f"kind must be 'training' or 'inference', got {kind!r}")
        return self._circuit(kind).leaf_processes

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
    read-out probe run as host processes. Training uses the parity ring
    (``training-<L>-parity``; 14 phases for one hidden layer); the result
    equals the integer rule bit for bit (docs/LOIHI2.md).
    """

    name = "loihi2-sim"
    tag = "fixed_pt"
    builtins = True


class Loihi2Engine(Loihi2SimEngine):
    """The same compositions compiled for Loihi 2 (``Loihi2HwCfg``).

    Needs Intel's lava-loihi (INRC). Without it the constructor runs the
    static check (`lava_backprop.hw.check_hw`) and raises `HardwareError`
    saying what is missing.
    """

    name = "loihi2"
    hardware = True

    def __init__(self, weights, transposed=None, **options):
        size, _ = check_stores(weights, transposed)
        require_loihi2(size)
        super().__init__(weights, transposed, **options)


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


def record_raster(weights, X, T, *, transposed=None, tag: str = "fixed_pt"):
    """Train a few samples in Lava and record every population's spikes.

    Parameters
    ----------
    weights, transposed
        Initial stores; see `lava_backprop.make_engine`.
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
        sample ``k`` is row ``schedule.step_of(k, p)`` of the training ring.
    """
    size, stores = check_stores(weights, transposed)
    X = check_spikes(X, size.n_in)
    T = check_targets(T, X.shape[0], size.n_out)
    n = X.shape[0]
    from lava_backprop.schedule import training_schedule

    steps = training_schedule(size.n_hidden).steps(n)
    circuit = LavaCircuit("training", stores, tag, capacity=n, watch_steps=steps + 1)
    try:
        o, z = circuit.run(X, T)
        circuit.advance(1)  # lets the sinks receive the last step's spikes
        return o, z, circuit.weights(), circuit.raster()
    finally:
        circuit.close()
