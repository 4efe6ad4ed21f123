# SPDX-License-Identifier: BSD-3-Clause
"""Measured behaviour of Lava's Loihi 2 built-ins that the hardware mapping relies on.

These pin, in lava-nc 0.10.0's bit-accurate models, the facts of
docs/LOIHI2.md: how Dense scales the circuit's fixed weights, which LIF
variant is the circuit's memoryless neuron, and that LearningDense sees
same-step pre/post coincidences.
"""

import dataclasses

import numpy as np
import pytest
from lava.magma.core.learning.learning_rule import Loihi2FLearningRule
from lava.magma.core.run_conditions import RunSteps
from lava.magma.core.run_configs import Loihi2SimCfg
from lava.proc.dense.process import Dense, LearningDense
from lava.proc.io.sink import RingBuffer as Sink
from lava.proc.io.source import RingBuffer as Source
from lava.proc.lif.process import LIF, LIFReset
from lava_testing import no_leftover_workers  # noqa: F401
from nbp_testing import lively_network, saturating_deep, saturating_network

from lava_backprop.params import mantissa_exponent
from lava_backprop.schedule import training_schedule
from lava_backprop.simulation import simulate
from lava_backprop.weights import check_stores

TRAINING = training_schedule(1)

pytestmark = pytest.mark.timeout(120)

FIXED = Loihi2SimCfg(select_tag="fixed_pt")
#: The circuit's neuron in LIF parameters. The model aligns input and threshold by
#: 6 bits (u = a_in << 6, threshold vth << 6) but not the bias, so bias -8192 becomes
#: -8192 << 6 = -4096 << 7.
CIRCUIT_NEURON = {"bias_mant": -4096, "bias_exp": 7, "vth": 1024}


def run_to_sink(last, port, steps):
    sink = Sink(shape=port.shape, buffer=steps)
    port.connect(sink.a_in)
    try:
        last.run(condition=RunSteps(num_steps=steps), run_cfg=FIXED)
        return np.asarray(sink.data.get()).astype(int)
    finally:
        last.stop()


def constant_input(neuron, current: int, steps: int):
    """Feed ``current`` (weight units) every step through Dense synapses of 8-bit mantissas."""
    src = Source(data=np.ones((1, steps), dtype=int))
    coarse = current // 64
    for w, e in ((coarse, 6), (current - coarse * 64, 0)):
        if w:
            dense = Dense(weights=np.array([[w]]), weight_exp=e)
            src.s_out.connect(dense.s_in)
            dense.a_out.connect(neuron.a_in)


@pytest.mark.parametrize("weight", sorted({r.weight for r in TRAINING.relays} | {8704, 9280, -8128, 8192}))
def test_dense_carries_each_fixed_weight_exactly(weight):
    mant, exp = mantissa_exponent(weight)
    src = Source(data=np.ones((1, 4), dtype=int))
    dense = Dense(weights=np.array([[mant]]), weight_exp=exp)
    src.s_out.connect(dense.s_in)
    received = run_to_sink(dense, dense.a_out, 4)[0]
    assert received[1:].tolist() == [weight] * 3


@pytest.mark.parametrize(("current", "fires"), [(9216, False), (9218, True), (8704, False)])
def test_lifreset_every_step_is_the_memoryless_circuit_neuron(current, fires):
    """V = I - 8192 > 1024 in every step: reset_interval=1 leaves no residue."""
    neuron = LIFReset(shape=(1,), du=4095, dv=4095, reset_interval=1, **CIRCUIT_NEURON)
    constant_input(neuron, current, 8)
    spikes = run_to_sink(neuron, neuron.s_out, 8)[0]
    assert spikes[0] == 0
    assert (spikes[1:] == int(fires)).all(), spikes


def test_plain_lif_at_full_decay_keeps_a_residue():
    """LIF with du = dv = 4095 keeps v/4096 of the last voltage: at I = 9218 it does not
    fire every step, so it is not the circuit's neuron."""
    neuron = LIF(shape=(1,), du=4095, dv=4095, **CIRCUIT_NEURON)
    constant_input(neuron, 9218, 8)
    spikes = run_to_sink(neuron, neuron.s_out, 8)[0]
    assert not (spikes[1:] == 1).all(), spikes


@pytest.mark.parametrize(("post_offset", "dw"), [(-1, 0), (0, 2), (1, 0)])
def test_learning_dense_sees_same_step_coincidences(post_offset, dw):
    """dw = 2 x0 y0 with a one-step epoch: +2 exactly when pre and post fire in one step."""
    steps = 12
    pre_data, post_data = np.zeros((1, steps), dtype=int), np.zeros((1, steps), dtype=int)
    pre_data[0, 4], post_data[0, 4 + post_offset] = 1, 1
    neurons = []
    for data in (pre_data, post_data):
        src = Source(data=data)
        dense = Dense(weights=np.array([[100]]))
        neuron = LIFReset(shape=(1,), vth=10, du=4095, dv=4095, reset_interval=1)
        src.s_out.connect(dense.s_in)
        dense.a_out.connect(neuron.a_in)
        neurons.append(neuron)
    pre, post = neurons
    rule = Loihi2FLearningRule(dw="2*x0*y0", t_epoch=1, rng_seed=0)
    plastic = LearningDense(weights=np.array([[0]]), learning_rule=rule)
    pre.s_out.connect(plastic.s_in)
    plastic.a_out.connect(post.a_in)
    post.s_out.connect(plastic.s_in_bap)
    try:
        plastic.run(condition=RunSteps(num_steps=steps), run_cfg=FIXED)
        assert int(plastic.weights.get()[0, 0]) == dw
    finally:
        plastic.stop()


def stores_copy(weights):
    return check_stores(weights)[1]


@pytest.mark.parametrize("make", [saturating_network, lively_network])
def test_refractoriness_never_acts_in_the_circuit(make):
    """With the phase table enforced, no population can fire in two consecutive
    steps except h1T, which is not refractory: LIFReset (no refractoriness) suffices."""
    plain = dataclasses.replace(
        TRAINING, populations=tuple(dataclasses.replace(p, refractory=False) for p in TRAINING.populations)
    )
    for seed in range(3):
        w1, w2, X, y = make(30, 16, 10, 60, seed)
        T = np.eye(10, dtype=np.uint8)[y]
        rasters = [
            simulate(schedule, stores_copy([w1, w2]), X, T, raster=True).raster for schedule in (TRAINING, plain)
        ]
        for pop in rasters[0]:
            np.testing.assert_array_equal(rasters[0][pop], rasters[1][pop])


@pytest.mark.parametrize(("n_hidden", "parity"), [(2, True), (3, True), (2, False)])
def test_refractoriness_never_acts_in_deeper_rings(n_hidden, parity):
    ring = training_schedule(n_hidden, parity)
    plain = dataclasses.replace(
        ring, populations=tuple(dataclasses.replace(p, refractory=False) for p in ring.populations)
    )
    weights, X, T = saturating_deep([24, *[14] * n_hidden, 8], 60, 1)
    rasters = [simulate(schedule, stores_copy(weights), X, T, raster=True).raster for schedule in (ring, plain)]
    for pop in rasters[0]:
        np.testing.assert_array_equal(rasters[0][pop], rasters[1][pop], err_msg=pop)
