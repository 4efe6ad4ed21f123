# SPDX-License-Identifier: BSD-3-Clause
"""Faster models of Lava's built-ins for the simulator, each bit-identical to Lava's own.

`SIMULATION_MODELS` maps a built-in to its model here; the simulator's run
configuration selects them (``exception_proc_model_map``), a hardware run
never does.

**LearningDense.** Lava's fixed-point ``LearningDense`` model evaluates the rule on the whole
weight matrix every learning epoch, with the trace histories of every
synapse: about 16 ms per step for 400 x 400 synapses in lava-nc 0.10.0,
most of the built-in circuit's time in the simulator. When every product
term of the rule contains both ``x0`` and ``y0`` and no trace (the nBP rule,
`lava_backprop.procs.builtin_layers.learning_rule`), a synapse whose pre or
post neuron was silent in the epoch gets ``dw = 0`` exactly, and its
accumulator holds no fraction to round. `CoincidenceLearningDenseModel`
then applies Lava's own rule applier, accumulator saturation, stochastic
rounding and weight saturation to the block of active rows and columns
only, and leaves the rest untouched. It does that work at the end of the
spike phase and asks for no learning phase, so Lava's runtime skips that
phase (one synchronisation round trip of every process) unless another
model needs it: nothing reads or writes the weights in between. The random
stream advances as in Lava's model. The same weights, bit
for bit (tests/test_loihi2_builtins.py runs both models side by side). Any
other rule is left to Lava's model unchanged.

**Dense, DelayDense.** Lava's bit-accurate models sum the dense weight
matrix's columns of the spiking inputs every step, and the delay model
first rebuilds the stack of weights by delay (``(max_delay + 1) * n_out x
n_in``). The circuit's fixed synapses are mostly zeros (a layer's gates,
relays and drives are one matrix over all its populations, one-to-one
relays are diagonals), and their weights and delays never change after the
first step, so `SparseDenseModel` and `SparseDelayDenseModel` keep the
nonzeros by column (`ColumnSums`) and add those of the spiking inputs
only: the same integers.
"""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.learning.constants import W_ACCUMULATOR_S, W_SYN_VAR_S, W_WEIGHTS_U
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.dense.models import (
    PyDelayDenseModelBitAcc,
    PyDenseModelBitAcc,
    PyLearningDenseModelBitApproximate,
)
from lava.proc.dense.process import DelayDense, Dense, LearningDense
from lava.utils.weightutils import clip_weights

__all__ = [
    "CoincidenceLearningDenseModel",
    "ColumnSums",
    "SparseDenseModel",
    "SparseDelayDenseModel",
    "coincidence_rule",
    "SIMULATION_MODELS",
]

_TRACES = {"x1", "x2", "y1", "y2", "y3"}


def coincidence_rule(rule) -> bool:
    """Whether every product term of ``rule`` is gated by ``x0`` and ``y0``, with no trace and a one-step epoch.

    ``x0`` and ``y0`` must each be the term's dependency or a factor without
    a constant (``(y0 - 1)`` is not zero for a silent post).
    """
    if rule.t_epoch != 1 or any(getattr(rule, f"{trace}_impulse") for trace in sorted(_TRACES)):
        return False
    for series in rule.active_product_series.values():
        for product in series.products:
            gates = {product.dependency} | {f.state_var for f in product.factors if not f.has_const()}
            names = {f.state_var for f in product.factors}
            if not {"x0", "y0"} <= gates or names & _TRACES:
                return False
    return True


@implements(proc=LearningDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt", "coincidence")
class CoincidenceLearningDenseModel(PyLearningDenseModelBitApproximate):
    """Lava's ``PyLearningDenseModelBitApproximate``, learning on the active block only (module docstring)."""

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self._coincidence = None  # decided in the first step, when the weights are loaded

    def on_var_update(self) -> None:
        super().on_var_update()
        self._coincidence = None

    def run_spk(self) -> None:
        super().run_spk()
        if self._coincidence is None:
            # Lava's learning clips every synapse; the block update only the active ones,
            # which is the same while every weight is already in the clip range.
            in_range = np.array_equal(clip_weights(self.weights, self.sign_mode, W_WEIGHTS_U), self.weights)
            self._coincidence = coincidence_rule(self._learning_rule) and in_range
        if not self._coincidence:
            return
        # The learning phase's work, done now: nothing reads or writes the weights
        # between this step's spike phase and its learning phase.
        self._update_synaptic_variable_random()
        if self.tx.any() and self.ty.any():
            self._update_dependencies()
            rows, cols = np.flatnonzero(self.y0), np.flatnonzero(self.x0)
            if rows.size and cols.size:
                self._apply_to_block(np.ix_(rows, cols))
        self._reset_dependencies_and_spike_times()

    def lrn_guard(self) -> bool:
        # Learning is done in the spike phase, so no learning phase is requested; when
        # no model asks, Lava's runtime skips the phase (a round trip) for every process.
        return not self._coincidence and super().lrn_guard()

    def _apply_to_block(self, block) -> None:
        rule = self._learning_rule
        u = 0
        if rule.decimate_exponent is not None:
            u = int(int(self.time_step / rule.t_epoch) % 2**rule.decimate_exponent == 0)
        rows, cols = block[0].size, block[1].size
        args = {
            "shape": (rows, cols),
            "x0": np.ones((1, cols), dtype=bool),
            "y0": np.ones((rows, 1), dtype=bool),
            "weights": self.weights[block],
            "tag_2": self.tag_2[block],
            "tag_1": self.tag_1[block],
            "u": u,
        }
        for name, applier in self._learning_rule_appliers.items():
            var = getattr(self, name)
            shift = W_ACCUMULATOR_S - W_SYN_VAR_S[name]
            acc = applier.apply(var[block] << shift, **args)
            acc = self._saturate_synaptic_variable_accumulator(name, acc)
            acc = self._stochastic_round_synaptic_variable(name, acc, self._conn_var_random.random_stochastic_round)
            var[block] = self._saturate_synaptic_variable(name, acc >> shift)


class ColumnSums:
    """Column sums of a fixed integer matrix over the spiking inputs, from its nonzeros only.

    ``weights`` (n_out x n_in) with ``delays`` of the same shape (or none)
    give, for the indices ``active`` of the inputs that spiked, the array
    ``out[i, d] = sum_j weights[i, j]`` over ``j`` in ``active`` with
    ``delays[i, j] == d`` (shape ``(n_out, n_slots)``; ``(n_out,)`` without
    delays): the same integers as summing the dense matrix's columns.
    """

    def __init__(self, weights: np.ndarray, delays: np.ndarray | None = None, n_slots: int = 1):
        weights = np.asarray(weights)
        cols, rows = np.nonzero(weights.T)  # by column, then row
        slot = np.asarray(delays)[rows, cols] if delays is not None else 0
        self.index = rows * n_slots + slot
        self.values = weights[rows, cols].astype(np.float64)  # bincount adds floats: exact below 2**53
        self.ptr = np.searchsorted(cols, np.arange(weights.shape[1] + 1))
        self.shape = (weights.shape[0], n_slots) if delays is not None else (weights.shape[0],)

    def __call__(self, active: np.ndarray) -> np.ndarray:
        starts, lengths = self.ptr[active], self.ptr[active + 1] - self.ptr[active]
        take = np.repeat(starts - np.cumsum(lengths) + lengths, lengths) + np.arange(lengths.sum())
        summed = np.bincount(self.index[take], weights=self.values[take], minlength=int(np.prod(self.shape)))
        return summed.astype(np.int64).reshape(self.shape)


class _ColumnsCache:
    """A model's `ColumnSums`, built from its loaded weights and dropped when a Var is set."""

    _columns = None

    def on_var_update(self) -> None:
        super().on_var_update()
        self._columns = None


@implements(proc=Dense, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt", "sparse")
class SparseDenseModel(_ColumnsCache, PyDenseModelBitAcc):
    """Lava's ``PyDenseModelBitAcc`` summing only the nonzero weights of the spiking inputs (module docstring)."""

    def run_spk(self) -> None:
        if self._columns is None or self.num_message_bits.item() > 0:
            super().run_spk()  # Lava's own step; the first one loads the weights as Lava keeps them
            if self.num_message_bits.item() == 0:
                self._columns = ColumnSums(self.weights)
            return
        self.a_out.send(self.a_buff)
        a_accum = self._columns(np.flatnonzero(self.s_in.recv()))
        exp = self.weight_exp
        self.a_buff = np.left_shift(a_accum, exp) if exp > 0 else np.right_shift(a_accum, -exp)


@implements(proc=DelayDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt", "sparse")
class SparseDelayDenseModel(_ColumnsCache, PyDelayDenseModelBitAcc):
    """Lava's ``PyDelayDenseModelBitAcc`` summing only the nonzero weights of the spiking inputs (module docstring)."""

    def calc_act(self, s_in) -> np.ndarray:
        if s_in.dtype != bool:  # graded spikes: Lava's own sum
            return super().calc_act(s_in)
        if self._columns is None:  # run_spk has loaded the weights before the first call
            self._columns = ColumnSums(self.weights, self.delays, self.a_buff.shape[-1])
        return self._columns(np.flatnonzero(s_in))


#: Models the simulator uses in place of Lava's choice (``exception_proc_model_map``).
SIMULATION_MODELS = {
    LearningDense: CoincidenceLearningDenseModel,
    Dense: SparseDenseModel,
    DelayDense: SparseDelayDenseModel,
}
