# SPDX-License-Identifier: BSD-3-Clause
"""Initialisation, circuit constants and random state."""

import numpy as np
import pytest

import lava_backprop as lb
from lava_backprop.rng import check_random_state
from lava_backprop.weights import check_store, check_stores, saturate


def test_thresholds_follow_from_gate_weights():
    assert lb.CIRCUIT.act_threshold == 512
    assert lb.CIRCUIT.lower_threshold == 0
    assert lb.CIRCUIT.upper_threshold == 1024
    # A closed population would need more input than exists (docs/ALGORITHM.md §2).
    assert lb.CIRCUIT.fires_above(0) == 9216


@pytest.mark.parametrize("bad", [0, -3, 2.0, True, None])
def test_network_size_rejects_bad_sizes(bad):
    with pytest.raises(lb.ShapeError, match="layer size 1 must be a positive int"):
        lb.NetworkSize(4, bad, 2)
    with pytest.raises(lb.ShapeError, match="at least one hidden"):
        lb.NetworkSize(4, 2)


def test_network_size_of_any_depth():
    size = lb.NetworkSize(400, 300, 200, 10)
    assert size == lb.NetworkSize([400, 300, 200, 10]) and str(size) == "400-300-200-10"
    assert (size.n_in, size.hidden, size.n_out, size.n_hidden) == (400, (300, 200), 10, 2)
    assert size.layers == {"input": 400, "hidden1": 300, "hidden2": 200, "output": 10}
    assert size.store_names == ("w1", "w2", "w3", "w2t_pos", "w2t_neg", "w3t_pos", "w3t_neg")
    assert size.store_shape("w2") == (200, 300) and size.store_shape("w3t_neg") == (200, 10)
    one = lb.NetworkSize(4, 3, 2)
    assert one.layers == {"input": 4, "hidden": 3, "output": 2}
    assert one.store_names == ("w1", "w2", "w2t_pos", "w2t_neg")  # the paper's names
    with pytest.raises(KeyError, match="w3"):
        one.store_shape("w3")


def test_glorot_init_follows_the_recipe():
    size = lb.NetworkSize(400, 400, 10)
    w1, w2 = lb.glorot_init(size, seed=0)
    assert w1.shape == (400, 400) and w2.shape == (10, 400)
    for w in (w1, w2):
        assert w.dtype == np.int32
        assert (w % 2 == 0).all()
        assert np.abs(w).max() <= 240
    # Standard deviation sqrt(2 / (fan_in + fan_out)) * 1024, less the truncation.
    assert w1.std() == pytest.approx(np.sqrt(2 / 800) * 1024, rel=0.03)
    assert w2.std() == pytest.approx(np.sqrt(2 / 410) * 1024, rel=0.05)
    # W2's wide spread reaches the clip at +-240.
    assert (np.abs(w2) == 240).any()


def test_glorot_init_rounds_toward_zero():
    rng = np.random.default_rng(9)
    std1 = np.sqrt(2 / (6 + 5)) * 1024
    raw = rng.normal(0, std1, size=(5, 6))
    w1, _ = lb.glorot_init(lb.NetworkSize(6, 5, 3), seed=np.random.default_rng(9))
    want = 2 * np.trunc(np.clip(raw, -240, 240) / 2)
    np.testing.assert_array_equal(w1, want)
    assert (np.abs(w1) <= np.abs(raw)).all()


def test_glorot_init_of_deeper_networks():
    weights = lb.glorot_init(lb.NetworkSize(400, 300, 200, 10), seed=3)
    assert [w.shape for w in weights] == [(300, 400), (200, 300), (10, 200)]
    for w, (fan_in, fan_out) in zip(weights, ((400, 300), (300, 200), (200, 10)), strict=True):
        assert (w % 2 == 0).all() and np.abs(w).max() <= 240
        assert w.std() == pytest.approx(np.sqrt(2 / (fan_in + fan_out)) * 1024, rel=0.08)


def test_glorot_init_is_reproducible_and_seed_dependent():
    size = lb.NetworkSize(20, 10, 5)
    a = lb.glorot_init(size, seed=1)
    b = lb.glorot_init(size, seed=1)
    c = lb.glorot_init(size, seed=2)
    np.testing.assert_array_equal(a[0], b[0])
    assert (a[0] != c[0]).any()


def test_saturate_clips_in_place():
    w = np.array([-260, -256, 0, 254, 256])
    out = saturate(w)
    assert out is w
    np.testing.assert_array_equal(w, [-256, -256, 0, 254, 254])


def test_check_random_state():
    g = np.random.default_rng(0)
    assert check_random_state(g) is g
    assert check_random_state(5).integers(1000) == np.random.default_rng(5).integers(1000)
    with pytest.raises(ValueError, match="seed must be"):
        check_random_state("seed")
    with pytest.raises(ValueError, match="non-negative"):
        check_random_state(-1)


@pytest.mark.parametrize(
    "value, message",
    [
        (255, r"w2 has weights outside \[-256, 254\]: 1 value\(s\), first at index \(1, 2\): 255"),
        (-3, r"w2 has odd weights .*: 1 value\(s\), first at index \(1, 2\): -3"),
    ],
    ids=["255", "odd"],
)
def test_check_stores_and_make_engine_refuse_255_and_odd_weights(value, message):
    w1, w2 = np.full((3, 4), -256), np.full((2, 3), 254)
    size, stores = check_stores([w1, w2])  # both bounds of the rule are valid
    assert (stores["w1"] == -256).all() and (stores["w2"] == 254).all() and size.sizes == (4, 3, 2)
    w2[1, 2] = value
    with pytest.raises(lb.WeightError, match=message):
        check_stores([w1, w2])
    with pytest.raises(lb.WeightError, match=message):
        check_store("w2", w2, (2, 3))
    for engine in ("reference", "dense"):
        with pytest.raises(lb.WeightError, match=message):
            lb.make_engine(engine, [w1, w2])
    with pytest.raises(TypeError, match="w_max"):  # the option of Lava's former bound is gone
        lb.make_engine("dense", [w1, w2 - w2 % 2], w_max=255)
