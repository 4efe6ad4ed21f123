# SPDX-License-Identifier: BSD-3-Clause
"""Hand-worked single samples, one rule of docs/ALGORITHM.md §3 at a time.

Every expected matrix below was worked out by hand from the rule it tests.
"""

import numpy as np
import pytest

import lava_backprop as lb
from lava_backprop.reference import forward

ENGINES = ["reference", "dense"]


def run_one(engine, w1, w2, x, label, w2t_pos=None, w2t_neg=None):
    with lb.make_engine(engine, [w1, w2], [(w2t_pos, w2t_neg)]) as e:
        o, z = e.train(np.array([x]), np.array([label]))
        return e.weights(), o[0], z[0]


def test_forward_thresholds_are_strict():
    # W2 = 2 I makes z = 2 h, so z shows the hidden spikes.
    w1 = np.array([[128, 128, 128, 128], [130, 128, 128, 128]])
    o, z = forward(np.ones((1, 4), dtype=np.uint8), [w1, 2 * np.eye(2, dtype=int)])
    np.testing.assert_array_equal(z[0], [0, 2])  # a = 512 is silent, 514 fires
    # Four hidden units with a = 762 all fire; z = row sums of W2.
    w2 = np.array([[128, 128, 128, 128], [130, 128, 128, 128]])
    o, z = forward(np.ones((1, 3), dtype=np.uint8), [np.full((4, 3), 254), w2])
    np.testing.assert_array_equal(z[0], [512, 514])
    np.testing.assert_array_equal(o[0], [0, 1])


@pytest.mark.parametrize("engine", ENGINES)
def test_positive_error_potentiates_w2_and_w1(engine):
    # a = [608, 0]: h = [1, 0], b_h = [1, 0].  z = [100, 254], label 0:
    # d+ = [1, 0], d- = 0.  d1+ = b_h and [P[:, 0] > 0] = [1, 0], d1- = 0.
    w1 = np.array([[254, 254, 100], [0, 0, 0]])
    w2 = np.array([[100, 40], [254, -40]])
    w, o, z = run_one(engine, w1, w2, [1, 1, 1], 0)
    np.testing.assert_array_equal(o, [0, 0])
    np.testing.assert_array_equal(z, [100, 254])
    np.testing.assert_array_equal(w["w2"], [[102, 40], [254, -40]])  # phase 5
    np.testing.assert_array_equal(w["w2t_pos"], [[102, 254], [40, -40]])  # phase 5
    np.testing.assert_array_equal(w["w2t_neg"], [[-102, -254], [-40, 40]])  # phase 9: M -= 2 h d+
    np.testing.assert_array_equal(w["w1"], [[254, 254, 102], [0, 0, 0]])  # phase 7, 254 saturates


@pytest.mark.parametrize("engine", ENGINES)
def test_negative_error_depresses_w2_and_w1(engine):
    # a = [608, 762, 1016]: h = b_h = [1, 1, 1].  z = [-30, 554], label 0:
    # output 0 has o< = 0, so no d+; output 1 fires wrongly below o>: d- = [0, 1].
    # d1+ = [M[:, 1] > 0] = 0;  d1- = [P[:, 1] > 0] = [1, 1, 1].
    w1 = np.array([[254, 254, 100, 0], [254, 254, 254, 0], [254, 254, 254, 254]])
    w2 = np.array([[-10, -10, -10], [254, 200, 100]])
    w, o, z = run_one(engine, w1, w2, [1, 1, 1, 1], 0)
    np.testing.assert_array_equal(o, [0, 1])
    np.testing.assert_array_equal(z, [-30, 554])
    np.testing.assert_array_equal(w["w2t_neg"], [[10, -252], [10, -198], [10, -98]])  # phase 5: M += 2 h d-
    np.testing.assert_array_equal(w["w2"], [[-10, -10, -10], [252, 198, 98]])  # phase 9
    np.testing.assert_array_equal(w["w2t_pos"], [[-10, 252], [-10, 198], [-10, 98]])  # phase 9
    np.testing.assert_array_equal(w["w1"], [[252, 252, 98, -2], [252, 252, 252, -2], [252, 252, 252, 252]])  # phase 11


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(("last", "learns"), [(200, True), (202, False)])
def test_upper_derivative_bound_of_output_is_strict(engine, last, learns):
    # Five active hidden units: z1 = 4 * 206 + last = 1024 (d- = 1) or 1026 (o> fires, d- = 0).
    w1 = np.full((5, 3), 254)
    w2 = np.array([[-2] * 5, [206, 206, 206, 206, last]])
    w, o, z = run_one(engine, w1, w2, [1, 1, 1], 0)
    assert o[1] == 1
    changed = (w["w2"] != w2).any()
    assert changed == learns


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("row", "learns"),
    [([0, 0, 0], False), ([2, 0, 0], True), ([254, 254, 4], True), ([254, 254, 6], False)],
)
def test_lower_derivative_bound_and_target_of_output(engine, row, learns):
    # Three active hidden units drive output 0, the label, with z0 = sum(row):
    # d+ iff 0 < z0 <= 512 (o< fires, o does not).
    w1 = np.full((3, 3), 254)
    w2 = np.array([row, [0, 0, 0]])
    w, o, z = run_one(engine, w1, w2, [1, 1, 1], 0)
    assert z[0] == sum(row)
    assert (w["w2"] != w2).any() == learns


@pytest.mark.parametrize("engine", ENGINES)
def test_saturation_keeps_m_at_254_while_w2_sits_at_minus_256(engine):
    # z1 = -256 + 4 * 254 = 760 fires wrongly: d- = [0, 1] pushes W2[1, 0] down
    # (stays -256), P[0, 1] down (stays -256) and M[0, 1] up from 252 to 254.
    w1 = np.full((5, 3), 254)
    w2 = np.array([[-2, -2, -2, -2, -2], [-256, 254, 254, 254, 254]])
    p = w2.T.copy()
    m = np.clip(-w2.T, -256, 254)
    m[0, 1] = 252
    w, o, _ = run_one(engine, w1, w2, [1, 1, 1], 0, p, m)
    np.testing.assert_array_equal(o, [0, 1])
    assert w["w2"][1, 0] == -256
    assert w["w2t_pos"][0, 1] == -256
    assert w["w2t_neg"][0, 1] == 254
    np.testing.assert_array_equal(w["w2"][1, 1:], [252] * 4)
    np.testing.assert_array_equal(w["w2t_neg"][1:, 1], [-252] * 4)


@pytest.mark.parametrize("engine", ENGINES)
def test_w1_potentiation_saturates_before_depression(engine):
    # d+ on output 0 and d- on output 1, P = 100 and M = 0 everywhere: every
    # hidden unit gets d1+ and d1-.  W1 at 254: phase 7 saturates at 254,
    # phase 11 then gives 252 (in the other order it would end at 254).
    w1 = np.full((3, 4), 254)
    w2 = np.array([[100, 100, 100], [200, 200, 200]])
    p = np.full((3, 2), 100)
    m = np.zeros((3, 2), dtype=int)
    w, o, z = run_one(engine, w1, w2, [1, 1, 1, 1], 0, p, m)
    np.testing.assert_array_equal(z, [300, 600])
    np.testing.assert_array_equal(w["w1"], np.full((3, 4), 252))
    np.testing.assert_array_equal(w["w2"], [[102] * 3, [198] * 3])
    np.testing.assert_array_equal(w["w2t_pos"], [[102, 98]] * 3)
    np.testing.assert_array_equal(w["w2t_neg"], [[-2, 2]] * 3)


@pytest.mark.parametrize("engine", ENGINES)
def test_backward_pass_reads_stores_before_the_update(engine):
    # d+ = [1, 0] with P[0, 0] = 0: the backward sum is 0, so d1+ = 0 and W1
    # keeps its value, although phase 5 then raises P[0, 0] to 2.
    w1 = np.array([[254, 254, 100], [0, 0, 0]])
    w2 = np.array([[100, 40], [254, -40]])
    p = np.zeros((2, 2), dtype=int)
    m = np.zeros((2, 2), dtype=int)
    w, _, _ = run_one(engine, w1, w2, [1, 1, 1], 0, p, m)
    assert w["w2t_pos"][0, 0] == 2
    np.testing.assert_array_equal(w["w1"], w1)


@pytest.mark.parametrize("engine", ENGINES)
@pytest.mark.parametrize(
    ("row", "learns"),
    [
        ([-2, 0, 0, 0, 0], False),  # a = -2
        ([0, 0, 0, 0, 0], False),  # a = 0
        ([2, 0, 0, 0, 0], True),  # a = 2
        ([200, 200, 200, 200, 0], True),  # a = 800, fires and learns
        ([254, 254, 254, 254, 8], True),  # a = 1024
        ([254, 254, 254, 254, 10], False),  # a = 1026, above the upper bound
    ],
)
def test_hidden_derivative_window(engine, row, learns):
    # Unit 0 gives z0 = 100 for the label, so d+ = [1, 0]; P[:, 0] = 100
    # sends the error to both hidden units.  Unit 1 learns iff 0 < a <= 1024.
    w1 = np.array([[254, 254, 254, 0, 0], row])
    w2 = np.array([[100, 0], [0, 0]])
    p = np.array([[100, 0], [100, 0]])
    m = np.zeros((2, 2), dtype=int)
    w, _, z = run_one(engine, w1, w2, [1, 1, 1, 1, 1], 0, p, m)
    assert z[0] == 100
    assert (w["w1"][1] != np.array(row)).any() == learns


@pytest.mark.parametrize("engine", ENGINES)
def test_correct_output_changes_nothing(engine):
    w1 = np.full((3, 4), 254)
    w2 = np.array([[-20, -20, -20], [200, 200, 200]])  # z = [-60, 600], label 1
    w, o, z = run_one(engine, w1, w2, [1, 1, 1, 1], 1)
    np.testing.assert_array_equal(o, [0, 1])
    np.testing.assert_array_equal(w["w1"], w1)
    np.testing.assert_array_equal(w["w2"], w2)
    np.testing.assert_array_equal(w["w2t_pos"], w2.T)
    np.testing.assert_array_equal(w["w2t_neg"], -w2.T)


def test_train_returns_the_forward_pass_before_the_update():
    w1 = np.array([[254, 254, 100], [0, 0, 0]])
    w2 = np.array([[100, 40], [254, -40]])
    with lb.make_engine("reference", w1, w2) as e:
        o_pred, z_pred = e.predict(np.array([[1, 1, 1]]))
        o, z = e.train(np.array([[1, 1, 1]]), np.array([0]))
        np.testing.assert_array_equal(o, o_pred)
        np.testing.assert_array_equal(z, z_pred)
        assert e.predict(np.array([[1, 1, 1]]))[1][0, 0] == 102


def test_predict_equals_dense_engine_on_random_network():
    rng = np.random.default_rng(3)
    w1, w2 = lb.glorot_init(lb.NetworkSize(50, 30, 10), seed=rng)
    X = (rng.random((200, 50)) < 0.3).astype(np.uint8)
    with lb.make_engine("reference", w1, w2) as ref, lb.make_engine("dense", w1, w2) as dense:
        for got, want in zip(ref.predict(X), dense.predict(X), strict=True):
            np.testing.assert_array_equal(got, want)
