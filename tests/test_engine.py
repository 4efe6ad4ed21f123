# SPDX-License-Identifier: BSD-3-Clause
"""The engine interface: construction, validation of every input, lifecycle."""

import numpy as np
import pytest

import lava_backprop as lb
from lava_backprop.errors import EngineError, LabelError, ShapeError, SpikeError, WeightError

W1 = np.zeros((3, 4), dtype=int)
W2 = np.zeros((2, 3), dtype=int)


@pytest.fixture(params=["reference", "dense"])
def engine(request):
    with lb.make_engine(request.param, W1, W2) as e:
        yield e


def test_unknown_engine_names_the_choices():
    with pytest.raises(EngineError, match="unknown engine 'nope'.*reference"):
        lb.make_engine("nope", W1, W2)


def test_default_transposed_stores():
    w2 = np.array([[-256, 254, 0], [2, -2, 100]])
    with lb.make_engine("reference", W1, w2) as e:
        w = e.weights()
    np.testing.assert_array_equal(w["w2t_pos"], w2.T)
    np.testing.assert_array_equal(w["w2t_neg"], [[254, -2], [-254, 2], [0, -100]])  # -(-256) saturates
    assert all(v.dtype == np.int32 for v in w.values())


def test_weights_are_copies():
    with lb.make_engine("reference", W1, W2) as e:
        e.weights()["w1"][:] = 100
        assert (e.weights()["w1"] == 0).all()


def test_input_weights_are_not_modified():
    w1 = np.full((3, 4), 254)
    w2 = np.full((2, 3), 100)
    keep1, keep2 = w1.copy(), w2.copy()
    with lb.make_engine("reference", w1, w2) as e:
        e.train(np.ones((5, 4), dtype=np.uint8), np.zeros(5, dtype=int))
    np.testing.assert_array_equal(w1, keep1)
    np.testing.assert_array_equal(w2, keep2)


def test_closed_engine_refuses_work():
    e = lb.make_engine("reference", W1, W2)
    e.close()
    e.close()
    with pytest.raises(EngineError, match="closed"):
        e.predict(np.zeros((1, 4)))
    assert "closed" in repr(e)


def test_float_and_bool_inputs_are_accepted(engine):
    X = np.array([[1.0, 0.0, 1.0, 0.0]])
    o1, z1 = engine.predict(X)
    o2, z2 = engine.predict(X.astype(bool))
    np.testing.assert_array_equal(z1, z2)
    assert o1.dtype == np.uint8 and z1.dtype == np.int32


@pytest.mark.parametrize(
    ("bad", "error", "match"),
    [
        (np.zeros((2, 5)), ShapeError, r"X must have shape \(n_samples, 4\)"),
        (np.zeros(4), ShapeError, "X must have shape"),
        (np.array([[0, 1, 2, 0]]), SpikeError, r"spikes 0 or 1.*index \(0, 2\)"),
        (np.array([[0, 0.5, 0, 0]]), SpikeError, "spikes 0 or 1"),
        (np.array([["a", "b", "c", "d"]]), SpikeError, "numeric"),
    ],
)
def test_bad_inputs(engine, bad, error, match):
    with pytest.raises(error, match=match):
        engine.predict(bad)
    with pytest.raises(error, match=match):
        engine.train(bad, np.zeros(bad.shape[0] if bad.ndim == 2 else 1, dtype=int))


@pytest.mark.parametrize(
    ("T", "error", "match"),
    [
        (np.array([2, 0]), LabelError, r"labels must lie in \[0, 2\); label 2 at sample 0"),
        (np.array([-1, 0]), LabelError, "label -1"),
        (np.array([0.0, 1.0]), LabelError, "integers"),
        (np.array([0]), ShapeError, "1 labels for 2 samples"),
        (np.array([[1, 1], [0, 1]]), LabelError, "row 0 has 2 ones"),
        (np.array([[0, 0], [0, 1]]), LabelError, "row 0 has 0 ones"),
        (np.array([[2, 0], [0, 1]]), SpikeError, "T must hold spikes 0 or 1"),
        (np.zeros((2, 3), dtype=int), ShapeError, r"T must have shape \(2, 2\)"),
    ],
)
def test_bad_targets(engine, T, error, match):
    before = engine.weights()
    with pytest.raises(error, match=match):
        engine.train(np.ones((2, 4)), T)
    for key, value in engine.weights().items():
        np.testing.assert_array_equal(value, before[key])


def test_labels_and_one_hot_targets_train_alike():
    rng = np.random.default_rng(0)
    w1, w2 = lb.glorot_init(lb.NetworkSize(20, 10, 4), seed=rng)
    X = rng.integers(0, 2, (50, 20))
    y = rng.integers(0, 4, 50)
    with lb.make_engine("reference", w1, w2) as a, lb.make_engine("reference", w1, w2) as b:
        a.train(X, y)
        b.train(X, np.eye(4, dtype=int)[y])
        for key, value in a.weights().items():
            np.testing.assert_array_equal(value, b.weights()[key])


@pytest.mark.parametrize(
    ("kwargs", "error", "match"),
    [
        ({"w1": np.full((3, 4), 3)}, WeightError, r"w1 has odd weights.*index \(0, 0\)"),
        ({"w1": np.full((3, 4), 256)}, WeightError, r"w1 has weights outside \[-256, 254\]"),
        ({"w2": np.full((2, 3), -258)}, WeightError, "w2 has weights outside"),
        ({"w2": np.full((2, 3), 2.5)}, WeightError, "w2 has non-integer"),
        ({"w2": np.full((2, 3), np.nan)}, WeightError, "w2 has non-integer"),
        ({"w2": np.zeros((2, 3), dtype=bool)}, WeightError, "real integers"),
        ({"w2": np.zeros((2, 5))}, ShapeError, r"w2 must have shape \(2, 3\)"),
        ({"w1": np.zeros(4)}, ShapeError, "list of 2-D matrices"),
        ({"w2t_pos": np.zeros((2, 3))}, ShapeError, r"w2t_pos must have shape \(3, 2\)"),
        ({"w2t_neg": np.full((3, 2), 7)}, WeightError, "w2t_neg has odd"),
    ],
)
def test_bad_weights(kwargs, error, match):
    args = {"w1": W1, "w2": W2} | kwargs
    with pytest.raises(error, match=match):
        lb.make_engine("reference", args)
    with pytest.raises(error, match=match):  # the two-matrix form reads the same
        lb.make_engine("reference", args.pop("w1"), args.pop("w2"), **args)


def test_networks_of_any_depth_by_list_or_by_name():
    weights = lb.glorot_init(lb.NetworkSize(6, 5, 4, 3), seed=0)
    with lb.make_engine("reference", weights) as e:
        stores = e.weights()
        assert e.size == lb.NetworkSize(6, 5, 4, 3) and str(e.size) == "6-5-4-3"
    assert list(stores) == ["w1", "w2", "w3", "w2t_pos", "w2t_neg", "w3t_pos", "w3t_neg"]
    np.testing.assert_array_equal(stores["w3t_pos"], weights[2].T)
    with lb.make_engine("dense", stores) as e:  # the stores by name, as checkpoints hold them
        for key, value in e.weights().items():
            np.testing.assert_array_equal(value, stores[key])
    P = np.full((5, 4), 2)
    with lb.make_engine("reference", weights, [(P, None), (None, None)]) as e:
        np.testing.assert_array_equal(e.weights()["w2t_pos"], P)
        np.testing.assert_array_equal(e.weights()["w2t_neg"], np.clip(-weights[1].T, -256, 254))


@pytest.mark.parametrize(
    ("weights", "transposed", "match"),
    [
        ([W1], None, "at least one hidden layer"),
        ([W1, np.zeros((2, 4))], None, r"w2 must have shape \(2, 3\)"),
        ([W1, W2, np.zeros((3, 3))], None, r"w3 must have shape \(3, 2\)"),
        ([W1, W2], [], "need 1 transposed store pair"),
        ([W1, W2], [(None, np.zeros((2, 3)))], r"w2t_neg must have shape \(3, 2\)"),
        ({"w1": W1}, None, "w1 .. w<L\\+1>"),
        ({"w1": W1, "w2": W2, "w3t_pos": np.zeros((2, 2))}, None, "unknown stores \\['w3t_pos'\\]"),
    ],
)
def test_bad_networks_are_named(weights, transposed, match):
    with pytest.raises(ShapeError, match=match):
        lb.make_engine("reference", weights, transposed)


def test_the_two_matrix_form_takes_at_most_four_matrices():
    with pytest.raises(TypeError, match="at most four"):
        lb.make_engine("reference", W1, W2, W2.T, W2.T, W2.T)
    with pytest.raises(TypeError, match="no more positional"):
        lb.make_engine("reference", [W1, W2], None, W1)


def test_float_weights_with_integer_values_are_accepted():
    with lb.make_engine("reference", W1.astype(float) + 2.0, W2.astype(np.float32)) as e:
        assert (e.weights()["w1"] == 2).all()


def test_population_targets_and_their_errors():
    """per_class output neurons per class: labels set a class's block, matrices must set exactly one block."""
    w = lb.glorot_init(lb.NetworkSize(6, 4, 6), seed=0)
    with lb.make_engine("reference", w, per_class=3) as engine:
        assert engine.per_class == 3
        X = np.ones((2, 6), dtype=np.uint8)
        o, z = engine.train(X, np.array([1, 0]))
        assert o.shape == z.shape == (2, 6)
        engine.train(X, [[0, 0, 0, 1, 1, 1], [1, 1, 1, 0, 0, 0]])
        for bad, what in (([[1, 0, 0, 0, 0, 0]] * 2, "row 0 has 1 ones"), ([[1, 1, 1, 1, 1, 1]] * 2, "has 6 ones")):
            with pytest.raises(lb.LabelError, match=what):
                engine.train(X, bad)
        with pytest.raises(lb.LabelError, match=r"\[0, 2\); label 2"):
            engine.train(X, np.array([0, 2]))
    with pytest.raises(ValueError, match="per_class=4 does not divide the 6 output neurons"):
        lb.make_engine("reference", w, per_class=4)
    with pytest.raises(ValueError, match="positive integer"):
        lb.make_engine("reference", w, per_class=0)
