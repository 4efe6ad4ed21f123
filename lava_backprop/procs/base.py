# SPDX-License-Identifier: BSD-3-Clause
"""Abstract process models shared by the layer processes, one per precision.

Each concrete model only declares its ports and Vars; `run_spk` here runs the
step of `lava_backprop.circuit.GroupCore`: send the spikes of the previous
step, receive the other processes' spikes of the previous step, compute.
"""

import numpy as np
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyOutPort

from lava_backprop.circuit import FIXED, FLOAT, GroupCore
from lava_backprop.errors import ModelError
from lava_backprop.params import NetworkSize
from lava_backprop.procs.base_process import input_ports, layer_slices, layer_width, store_vars
from lava_backprop.schedule import SCHEDULES

__all__ = ["AbstractPyStepModel", "AbstractPyLayerModel", "FIXED", "FLOAT"]


class AbstractPyStepModel(PyLoihiProcessModel):
    """Runs `_step` each time step; an exception names the process and the step.

    Before the exception propagates, every OutPort that has not sent in this
    step sends silence: the other processes then finish the step, Lava's
    runtime sees the error instead of waiting forever, and stops them all.
    """

    arith = FIXED

    def run_spk(self) -> None:
        self._sent = set()
        try:
            self._step()
        except Exception as err:
            for port in self.py_ports:
                if isinstance(port, PyOutPort) and id(port) not in self._sent:
                    port.send(np.zeros(port.shape, dtype=self.arith.dtype))
            name = self.proc_params.get("name") or type(self).__name__
            raise ModelError(
                f"process {name!r} ({type(self).__name__}) failed at time step {self.time_step}: "
                f"{type(err).__name__}: {err}"
            ) from err

    def _send(self, port, data) -> None:
        port.send(data)
        self._sent.add(id(port))

    def _step(self) -> None:
        raise NotImplementedError

    def _spikes(self, s: np.ndarray) -> np.ndarray:
        return np.asarray(s, dtype=self.arith.dtype)


class AbstractPyLayerModel(AbstractPyStepModel):
    """A layer: whole-layer ports (`lava_backprop.procs.base_process`), dynamics of `GroupCore`."""

    def __init__(self, proc_params):
        super().__init__(proc_params)
        p = proc_params
        self.schedule = sched = SCHEDULES[p["schedule"]]
        layer = sched.layers[p["index"]]
        self.core = GroupCore(sched, layer, NetworkSize(p["sizes"]).layers, self.arith)
        slices = {name: sl for lay in sched.layers for name, sl in layer_slices(sched, lay, p["sizes"]).items()}
        if any(slices[name] != part for name, part in self.core.slices.items()):
            raise ValueError(f"layer {layer!r}: the core's populations are not in the order of s_out")
        self.in_ports = input_ports(sched, layer)
        self.receive_from = sorted(set(self.in_ports.values()))
        # what each input is: a stream is the whole port, a population its part of its layer's vector
        self.taken = {name: (port, slices.get(name, slice(None))) for name, port in self.in_ports.items()}
        self.store_vars = store_vars(sched, layer)
        self.emitted = np.zeros(layer_width(sched, layer, p["sizes"]), dtype=self.arith.dtype)

    def _step(self) -> None:
        self._send(self.s_out, self.emitted)
        gates = self.s_in_gate.recv()
        received = {port: getattr(self, port).recv() for port in self.receive_from}
        ext = {name: received[port][part] for name, (port, part) in self.taken.items()}
        spikes = self.core.advance(gates, ext, {store: getattr(self, var) for store, var in self.store_vars.items()})
        self.spike_counts[:] = self.core.spike_counts
        self.weight_changes[0] = self.core.weight_changes
        self._after(gates, spikes)
        self.emitted[:] = spikes  # the core keeps the populations in the order of s_out

    def _after(self, gates: np.ndarray, spikes: np.ndarray) -> None:
        """Hook for read-outs; called with this step's gate input and the layer's spikes."""
