# SPDX-License-Identifier: BSD-3-Clause
"""InferenceNetwork: the 4-phase forward circuit with fixed weights."""

from lava.magma.core.process.ports.ports import OutPort
from lava.magma.core.process.variable import Var

from lava_backprop.procs.base_process import CheckedProcess
from lava_backprop.schedule import INFERENCE, LAYERS, TRAINING
from lava_backprop.weights import LAVA_LEARNING_W_MAX, check_store


class InferenceNetwork(CheckedProcess):
    """The inference circuit: a 4-gate ring routes x (phase 1), h (2), o (3).

    ``h = [W1 x > 512]``, ``o = [W2 h > 512]`` with non-plastic weights; the
    read-out stores o's spikes and ``z = W2 h`` of sample ``k`` in row
    ``k % capacity`` of ``o_rec`` and ``z_rec``. A run of ``N`` samples takes
    ``4 N + 5`` steps (``4 N`` for later runs).

    Parameters
    ----------
    w1 : array of int, shape (n_hid, n_in)
    w2 : array of int, shape (n_out, n_hid)
    buffer_path : str
        Sample buffer of ``capacity`` rows ``[x | t]`` (t is ignored).
    capacity : int
    name : str, optional

    Ports
    -----
    s_out_x, s_out_h, s_out_o : OutPort

    Vars
    ----
    w1, w2, o_rec, z_rec
    spike_counts_<layer>, weight_changes_<layer>
        Each layer's counters (see `lava_backprop.energy`).
    """

    schedule = INFERENCE

    def __init__(self, *, w1, w2, buffer_path: str, capacity: int, name=None, **kwargs):
        w1_arr = check_store("w1", w1, getattr(w1, "shape", ()), w_max=LAVA_LEARNING_W_MAX)
        n_hid, n_in = w1_arr.shape if w1_arr.ndim == 2 else (0, 0)
        w2_arr = check_store("w2", w2, (getattr(w2, "shape", (0,))[0], n_hid), w_max=LAVA_LEARNING_W_MAX)
        n_out = w2_arr.shape[0]
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a positive int, got {capacity!r}")
        super().__init__(
            n_in=n_in,
            n_hid=n_hid,
            n_out=n_out,
            w1=w1_arr,
            w2=w2_arr,
            buffer_path=str(buffer_path),
            capacity=capacity,
            name=name,
            **kwargs,
        )
        self.w1 = Var(shape=w1_arr.shape, init=w1_arr)
        self.w2 = Var(shape=w2_arr.shape, init=w2_arr)
        self.o_rec = Var(shape=(capacity, n_out), init=0)
        self.z_rec = Var(shape=(capacity, n_out), init=0)
        for layer in LAYERS:
            n_pops = len(TRAINING.layer_populations(layer))
            setattr(self, f"spike_counts_{layer}", Var(shape=(n_pops,), init=0))
            setattr(self, f"weight_changes_{layer}", Var(shape=(1,), init=0))
        widths = {"input": n_in, "hidden": n_hid, "output": n_out}
        for pop in self.schedule.populations:
            setattr(self, f"s_out_{pop.name}", OutPort(shape=(widths[pop.layer],)))
