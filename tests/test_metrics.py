# SPDX-License-Identifier: BSD-3-Clause
"""The four classification metrics, worked by hand."""

import numpy as np
import pytest

from lava_backprop.metrics import classification_metrics


def test_metrics_by_hand():
    T = np.array([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]])
    o = np.array([[1, 0, 0], [1, 1, 0], [0, 0, 0], [0, 1, 0]])
    z = np.array([[9, 1, 1], [5, 6, 0], [3, 3, 2], [0, 0, 0]])
    m = classification_metrics(o, z, T)
    assert m["exact_match"] == 0.5  # samples 0 and 3
    # argmax(o): [0, 0 (tie -> lowest), 0 (all silent -> 0), 1] vs labels [0, 1, 2, 1]
    assert m["argmax_o"] == 0.5
    # argmax(z): [0, 1, 0 (tie), 0 (tie)] vs [0, 1, 2, 1]
    assert m["argmax_z"] == 0.5
    assert m["mse"] == pytest.approx(2 / 12)
    assert m["n"] == 4


def test_metrics_reject_mismatched_shapes():
    with pytest.raises(ValueError, match="share one 2-D shape"):
        classification_metrics(np.zeros((2, 3)), np.zeros((2, 3)), np.zeros((3, 3)))


def test_population_read_out_scores_the_sum_of_a_class_neurons():
    """Two classes of three neurons: argmax over the class sums, exact match and mse over the neurons."""
    T = np.array([[1, 1, 1, 0, 0, 0], [0, 0, 0, 1, 1, 1]])
    o = np.array([[1, 1, 0, 1, 0, 0], [1, 1, 0, 0, 0, 1]])  # class sums 2:1 (right), 2:1 (wrong)
    z = np.array([[5, -9, 0, 3, 3, 3], [0, 0, 1, 0, 0, 2]])  # class sums -4:9 (wrong), 1:2 (right)
    m = classification_metrics(o, z, T, per_class=3)
    assert (m["argmax_o"], m["argmax_z"], m["exact_match"]) == (0.5, 0.5, 0.0)
    assert m["mse"] == pytest.approx(6 / 12)
    with pytest.raises(ValueError, match="does not divide"):
        classification_metrics(o, z, T, per_class=4)
