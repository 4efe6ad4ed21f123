# SPDX-License-Identifier: BSD-3-Clause
"""BackpropNetwork: the 12-phase nBP training circuit as one hierarchical process."""

from lava.magma.core.process.ports.ports import OutPort
from lava.magma.core.process.variable import Var

from lava_backprop.procs.base_process import CheckedProcess
from lava_backprop.schedule import LAYERS, SCHEDULES, TRAINING
from lava_backprop.weights import LAVA_LEARNING_W_MAX, check_stores


class BackpropNetwork(CheckedProcess):
    """The nBP training circuit: gating chain, sample source and three layers.

    Every sample takes 12 steps, routed by the gating ring (ALGORITHM.md §4):
    forward pass (phases 1-3), output error (4), W2 and transposed-store
    potentiation (5), backward pass (6), W1 potentiation (7), W2 depression
    (9), backward pass (10), W1 depression (11). A run of ``N`` samples takes
    ``12 N + 13`` steps (``12 N`` for later runs); phase ``p`` of sample ``k``
    is time step ``13 + 12 k + p``. Per sample the circuit computes exactly
    the integer rule of `lava_backprop.reference`.

    Parameters
    ----------
    w1 : array of int, shape (n_hid, n_in)
    w2 : array of int, shape (n_out, n_hid)
    w2t_pos, w2t_neg : array of int, shape (n_hid, n_out), optional
        The +W2^T and -W2^T stores; default ``w2.T`` and ``clip(-w2.T)``.
    buffer_path : str
        Sample buffer file of ``capacity`` rows ``[x | t]`` (see `SampleSource`).
    capacity : int
        Rows of the sample buffer and of the read-out records.
    schedule : {"training", "training-parity"}
        The paper's 12-phase ring, or the same circuit re-timed to 14 phases
        so that a learning rule can read the phase sign from the step's
        parity (`lava_backprop.schedule.TRAINING_PARITY`; needed by the
        Loihi 2 compositions). Both compute the same rule.
    name : str, optional

    Ports
    -----
    s_out_<population> : OutPort
        Spikes of each population of `lava_backprop.schedule.TRAINING`
        (``s_out_x``, ``s_out_m_x``, ``s_out_h``, ..., ``s_out_ot``).

    Vars
    ----
    w1, w2, w2t_pos, w2t_neg
        The four plastic stores.
    o_rec, z_rec : (capacity, n_out)
        Output spikes and ``z = W2 h`` of sample ``k`` in row ``k % capacity``.
    spike_counts_<layer>, weight_changes_<layer>
        Each layer's counters (see `lava_backprop.energy`).

    Example
    -------
    >>> net = BackpropNetwork(w1=w1, w2=w2, buffer_path=path, capacity=100)  # doctest: +SKIP
    >>> net.run(RunSteps(12 * n + 13), Loihi2SimCfg(select_tag="fixed_pt"))  # doctest: +SKIP
    """

    schedule = TRAINING

    def __init__(
        self,
        *,
        w1,
        w2,
        w2t_pos=None,
        w2t_neg=None,
        buffer_path: str,
        capacity: int,
        schedule: str = "training",
        name=None,
        **kwargs,
    ):
        size, stores = check_stores(w1, w2, w2t_pos, w2t_neg, w_max=LAVA_LEARNING_W_MAX)
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a positive int, got {capacity!r}")
        if schedule not in SCHEDULES or not SCHEDULES[schedule].learns:
            learning = sorted(k for k, v in SCHEDULES.items() if v.learns)
            raise ValueError(f"unknown training schedule {schedule!r}; choose one of {learning}")
        super().__init__(
            n_in=size.n_in,
            n_hid=size.n_hid,
            n_out=size.n_out,
            buffer_path=str(buffer_path),
            capacity=capacity,
            schedule=schedule,
            name=name,
            **stores,
            **kwargs,
        )
        self.size = size
        self.schedule = SCHEDULES[schedule]
        for key, value in stores.items():
            setattr(self, key, Var(shape=value.shape, init=value))
        self.o_rec = Var(shape=(capacity, size.n_out), init=0)
        self.z_rec = Var(shape=(capacity, size.n_out), init=0)
        for layer in LAYERS:
            n_pops = len(TRAINING.layer_populations(layer))
            setattr(self, f"spike_counts_{layer}", Var(shape=(n_pops,), init=0))
            setattr(self, f"weight_changes_{layer}", Var(shape=(1,), init=0))
        widths = {"input": size.n_in, "hidden": size.n_hid, "output": size.n_out}
        for pop in self.schedule.populations:
            setattr(self, f"s_out_{pop.name}", OutPort(shape=(widths[pop.layer],)))
