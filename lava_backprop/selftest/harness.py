# SPDX-License-Identifier: BSD-3-Clause
"""The self-test's plumbing: run configurations, sources and sinks, running and stopping networks.

Every experiment builds a small network of Lava built-ins, feeds it from a
host `RingBuffer` source, records it with a host `RingBuffer` sink and runs it
step by step or at once. With ``hardware=True`` the host-chip crossings go
through lava-loihi's embedded-IO adapters (``PyToNxAdapter`` and
``NxToPyAdapter``) and the networks run with ``Loihi2HwCfg``; otherwise with
``Loihi2SimCfg(select_tag="fixed_pt")``. Spike steps count from 1::

    column t - 1 of a source or sink holds step t
    a spike emitted in step T through a Dense arrives in step T + DENSE_DELAY

See Also
--------
lava_backprop.selftest.run_selftest : runs the experiments built on this.
"""

import logging
from contextlib import contextmanager
from dataclasses import dataclass

import numpy as np
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2HwCfg, Loihi2SimCfg
from lava.proc.dense.process import Dense
from lava.proc.io.sink import RingBuffer as Sink
from lava.proc.io.source import RingBuffer as Source
from lava.proc.lif.process import LIFReset

from lava_backprop.errors import HardwareError

__all__ = ["Result", "DENSE_DELAY"]

#: Steps from a spike's emission to its arrival through a Dense (Loihi's "delay 0").
DENSE_DELAY = 1


@dataclass(frozen=True)
class Result:
    """The outcome of one experiment.

    ``measured`` and ``expected`` are short summaries in the same format, so a
    reader sees the difference; ``detail`` says how it was measured and, on a
    failure, where it first differs.
    """

    name: str
    passed: bool
    measured: str
    expected: str
    seconds: float
    detail: str


def _run_cfg(hardware: bool, sub: bool = False):
    if hardware:
        return Loihi2HwCfg(select_sub_proc_model=sub)
    return Loihi2SimCfg(select_tag="fixed_pt", select_sub_proc_model=sub)


def _run_config(hardware: bool) -> dict:
    """The run configurations of `_run_cfg`, as text for the JSON report."""
    if hardware:
        return {"default": "Loihi2HwCfg()", "ring": "Loihi2HwCfg(select_sub_proc_model=True)"}
    return {
        "default": "Loihi2SimCfg(select_tag='fixed_pt')",
        "ring": "Loihi2SimCfg(select_tag='fixed_pt', select_sub_proc_model=True)",
    }


def _require_lava_loihi() -> None:
    from lava.utils.loihi import is_installed

    if not is_installed():
        raise HardwareError(
            "Loihi 2 needs Intel's lava-loihi package (distributed to INRC members; see the README section "
            "'Running on Loihi 2 (INRC)'), and it is not installed in this environment. "
            "Run 'lava-backprop chip-selftest' without --hardware to run the experiments in the simulator."
        )


@contextmanager
def _running(head, cfg):
    """Yield ``run(n)``, which runs the network of ``head`` for ``n`` steps; stop it in any case."""
    root = logging.getLogger()
    handlers = list(root.handlers)

    def run(steps: int) -> None:
        head.run(condition=RunSteps(num_steps=steps), run_cfg=cfg)

    try:
        yield run
    finally:
        head.stop()
        for h in root.handlers[:]:
            if h not in handlers:
                root.removeHandler(h)  # Lava adds a console handler per process


def _host_to_chip(out_port, in_port, hardware: bool) -> None:
    if hardware:
        from lava.proc.embedded_io.spike import PyToNxAdapter

        adapter = PyToNxAdapter(shape=out_port.shape)
        out_port.connect(adapter.inp)
        out_port = adapter.out
    out_port.connect(in_port)


def _sink(out_port, steps: int, hardware: bool) -> Sink:
    """A host sink recording ``out_port``'s spikes: column ``t - 1`` holds step ``t``."""
    sink = Sink(shape=out_port.shape, buffer=steps)
    if hardware:
        from lava.proc.embedded_io.spike import NxToPyAdapter

        adapter = NxToPyAdapter(shape=out_port.shape)
        out_port.connect(adapter.inp)
        out_port = adapter.out
    out_port.connect(sink.a_in)
    return sink


def _spiking(spike_steps: list, steps: int, hardware: bool) -> LIFReset:
    """Neurons that fire exactly in the given steps: host source -> Dense -> LIFReset.

    ``spike_steps[i]`` lists neuron ``i``'s steps; the source emits each
    spike ``DENSE_DELAY`` steps earlier (column ``t - 1`` in step ``t``).
    """
    n = len(spike_steps)
    data = np.zeros((n, steps), dtype=int)
    for i, times in enumerate(spike_steps):
        for t in times:
            data[i, t - 1 - DENSE_DELAY] = 1
    src = Source(data=data)
    dense = Dense(weights=100 * np.eye(n, dtype=int))
    neurons = LIFReset(shape=(n,), vth=10, du=4095, dv=4095, reset_interval=1)
    _host_to_chip(src.s_out, dense.s_in, hardware)
    dense.a_out.connect(neurons.a_in)
    return neurons


def _n_steps(n: int) -> str:
    return f"{n} step" + ("" if n == 1 else "s")


def _steps(row: np.ndarray) -> list[int]:
    return (np.flatnonzero(row) + 1).tolist()
