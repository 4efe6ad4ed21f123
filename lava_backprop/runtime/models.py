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
only, and leaves the rest untouched. In a step without any such pair it
asks for no learning phase at all, so Lava's runtime skips that phase (one
synchronisation round trip of every process) unless another model needs
it; the random stream advances as in Lava's model. The same weights, bit
for bit (tests/test_loihi2_builtins.py runs both models side by side). Any
other rule is left to Lava's model unchanged.

**DelayDense.** Lava's bit-accurate model rebuilds the stack of weights by
delay (``(max_delay + 1) * n_out x n_in``) from the weights and delays in
every step, about 2.5 ms for a 400-wide relay. The weights and delays of a
fixed synapse never change after its first step, so
`CachedDelayDenseModel` builds the stack once and sums the columns of the
spiking inputs: the same integers.
"""

import numpy as np
from lava.magma.core.decorator import implements, requires, tag
from lava.magma.core.learning.constants import W_ACCUMULATOR_S, W_SYN_VAR_S, W_WEIGHTS_U
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol
from lava.proc.dense.models import PyDelayDenseModelBitAcc, PyLearningDenseModelBitApproximate
from lava.proc.dense.process import DelayDense, LearningDense
from lava.utils.weightutils import clip_weights

__all__ = ["CoincidenceLearningDenseModel", "CachedDelayDenseModel", "coincidence_rule", "SIMULATION_MODELS"]

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
        self._coincided = bool(self.tx.any() and self.ty.any()) if self._coincidence else True
        if not self._coincided:  # what the learning phase would have done, minus dw = 0
            self._update_synaptic_variable_random()
            self._reset_dependencies_and_spike_times()

    def lrn_guard(self) -> bool:
        # No learning phase is requested without a coincidence to learn from: when no
        # model asks, Lava's runtime skips the phase (a round trip) for every process.
        return self._coincided and super().lrn_guard()

    def run_lrn(self) -> None:
        if not self._coincidence:
            super().run_lrn()
            return
        self._update_synaptic_variable_random()
        self._update_dependencies()
        rows, cols = np.flatnonzero(self.y0), np.flatnonzero(self.x0)
        if rows.size and cols.size:
            self._apply_to_block(np.ix_(rows, cols))
        self._reset_dependencies_and_spike_times()

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


@implements(proc=DelayDense, protocol=LoihiProtocol)
@requires(CPU)
@tag("fixed_pt", "cached")
class CachedDelayDenseModel(PyDelayDenseModelBitAcc):
    """Lava's ``PyDelayDenseModelBitAcc`` with the weights-by-delay stack built once (module docstring)."""

    _stack = None

    def calc_act(self, s_in) -> np.ndarray:
        if self._stack is None:  # the weights are final: run_spk loads them before the first call
            self._stack = self.get_delay_wgts_mat(self.weights, self.delays, self.a_buff.shape[-1] - 1)
        summed = self._stack[:, s_in].sum(axis=1) if s_in.dtype == bool else self._stack.astype(np.int64) @ s_in
        return summed.reshape(self.a_buff.shape[-1], self.weights.shape[0]).T


#: Models the simulator uses in place of Lava's choice (``exception_proc_model_map``).
SIMULATION_MODELS = {LearningDense: CoincidenceLearningDenseModel, DelayDense: CachedDelayDenseModel}
