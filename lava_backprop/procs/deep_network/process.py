# SPDX-License-Identifier: BSD-3-Clause
"""DeepBackpropNetwork: the nBP training circuit for any number of hidden layers."""

from lava.magma.core.process.ports.ports import OutPort
from lava.magma.core.process.variable import Var

from lava_backprop.deep_schedule import layer_names
from lava_backprop.errors import ShapeError
from lava_backprop.procs.base_process import CheckedProcess
from lava_backprop.schedule import SCHEDULES
from lava_backprop.weights import LAVA_LEARNING_W_MAX, check_store, saturate

__all__ = ["DeepBackpropNetwork"]


class DeepBackpropNetwork(CheckedProcess):
    """Gating chain, sample source and one `DeepLayer` per layer, on ring ``training-<L>``.

    Trains ``x -> h_1 -> ... -> h_L -> o`` with the rule of `lava_backprop.deep`
    on the schedule of `lava_backprop.deep_schedule.training_schedule`: each
    layer talks to its neighbours only through spikes (its populations
    concatenated on one port), phase by phase as the gates open them.

    Parameters
    ----------
    weights : list of array of int
        ``W_1 .. W_{L+1}``, each (n_l, n_{l-1}).
    transposed : list of (P, M) pairs, optional
        Stores ``P_l``, ``M_l`` for ``l = 2 .. L+1``, each (n_{l-1}, n_l);
        default ``W_l^T`` and ``clip(-W_l^T)``.
    buffer_path : str
        Sample buffer of ``capacity`` rows ``[x | t]`` (see `SampleSource`).
    capacity : int
        Rows of the sample buffer and of the read-out records.
    name : str, optional

    Ports
    -----
    s_out_<layer> : OutPort
        Each layer's spikes, its populations concatenated in the schedule's
        order (``s_out_input``, ``s_out_hidden1``, ..., ``s_out_output``).

    Vars
    ----
    w1 .. w<L+1>, w<l>t_pos, w<l>t_neg
        The plastic stores (aliases of the layers' Vars).
    o_rec, z_rec : (capacity, n_out)
        Output spikes and ``W_{L+1} h_L`` of sample ``k`` in row ``k % capacity``.
    """

    def __init__(self, *, weights, transposed=None, buffer_path: str, capacity: int, name=None, **kwargs):
        if len(weights) < 2:
            raise ShapeError("a network needs at least one hidden layer: two weight matrices")
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a positive int, got {capacity!r}")
        stores, sizes = {}, [int(getattr(weights[0], "shape", (0, 0))[1])]
        for i, w in enumerate(weights, start=1):
            stores[f"w{i}"] = check_store(f"w{i}", w, (len(w), sizes[-1]), w_max=LAVA_LEARNING_W_MAX)
            sizes.append(stores[f"w{i}"].shape[0])
        if transposed is None:
            transposed = [(stores[f"w{i}"].T, saturate(-stores[f"w{i}"].T)) for i in range(2, len(weights) + 1)]
        if len(transposed) != len(weights) - 1:
            raise ShapeError(f"need {len(weights) - 1} transposed store pairs, got {len(transposed)}")
        for i, (p, m) in enumerate(transposed, start=2):
            shape = (sizes[i - 1], sizes[i])
            stores[f"w{i}t_pos"] = check_store(f"w{i}t_pos", p, shape, w_max=LAVA_LEARNING_W_MAX)
            stores[f"w{i}t_neg"] = check_store(f"w{i}t_neg", m, shape, w_max=LAVA_LEARNING_W_MAX)
        n_hidden = len(weights) - 1
        schedule = f"training-{n_hidden}" if n_hidden > 1 else "training"
        super().__init__(
            sizes=tuple(sizes),
            schedule=schedule,
            buffer_path=str(buffer_path),
            capacity=capacity,
            stores=stores,
            name=name,
            **kwargs,
        )
        self.schedule = SCHEDULES[schedule]
        self.sizes = sizes
        self.store_names = tuple(stores)
        for key, value in stores.items():
            setattr(self, key, Var(shape=value.shape, init=value))
        self.o_rec = Var(shape=(capacity, sizes[-1]), init=0)
        self.z_rec = Var(shape=(capacity, sizes[-1]), init=0)
        widths = dict(zip(layer_names(n_hidden), sizes, strict=True))
        for layer, width in widths.items():
            n_pops = len(self.schedule.layer_populations(layer))
            setattr(self, f"s_out_{layer}", OutPort(shape=(n_pops * width,)))
