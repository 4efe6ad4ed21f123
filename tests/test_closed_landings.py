# SPDX-License-Identifier: BSD-3-Clause
"""The reference engine's circuit check against the circuit itself (`simulate`, no Lava).

``check_circuit=True`` must refuse exactly the runs the circuit refuses, at
the same sample: both at the boundary (17 344 stays silent, 17 346 fires)
and on random networks that land every kind of closed sum near it.
"""

import numpy as np
import pytest

import lava_backprop as lb
from lava_backprop.errors import CircuitError
from lava_backprop.reference import CLOSED_LIMIT
from lava_backprop.schedule import training_schedule
from lava_backprop.simulation import simulate
from lava_backprop.weights import check_stores


def circuit_refuses(weights, X, T, parity=False):
    """The first sample in which the simulated circuit raises `CircuitError`, or None."""
    stores = check_stores(weights)[1]
    schedule = training_schedule(len(weights) - 1, parity)
    for k in range(X.shape[0]):  # one call per sample: the same run as one call, and it names the sample
        try:
            simulate(schedule, stores, X[k : k + 1], T[k : k + 1])
        except CircuitError:
            return k
    return None


def check_refuses(weights, X, T):
    """The first sample the checked reference engine refuses, or None; and its largest landing."""
    eng = lb.make_engine("reference", weights, check_circuit=True)
    try:
        eng.train(X, T)
    except CircuitError as err:
        assert f"sample {eng.closed_peak['sample']} lands" in str(err)
        return eng.closed_peak["sample"], eng.closed_peak
    return None, eng.closed_peak


def error_landing(sign, depth, nudge):
    """x all ones; 100 hidden units with a = 320 (in the mask, silent) and 20 with a = 800 (active).

    With ``sign="+"`` output 0 has ``z = 200`` and its target (``d+``), with
    ``"-"`` output 1 has ``z = 800`` and no target (``d-``); ``P = W^T`` is
    positive on every hidden unit, so every one carries the error, and
    ``W d`` lands about 17 300 plus ``nudge`` on the closed o.
    """
    n_in, low, act = 40, 100, 20
    top = np.zeros((2, low + act), dtype=np.int32)
    if sign == "+":
        top[0, :low], top[0, low:] = 170, 10
    else:
        top[0, low:] = -10
        top[1, :low], top[1, low:] = 166, 40
    top[0 if sign == "+" else 1, 0] += nudge
    below = [np.concatenate([np.full((low, n_in), 8), np.full((act, n_in), 20)]).astype(np.int32)]
    if depth == 2:
        below = [np.full((n_in, n_in), 100, dtype=np.int32), *below]
    X, T = np.ones((2, n_in), dtype=np.uint8), np.eye(2, dtype=np.uint8)[[0, 0]]
    return [*below, top], X, T


@pytest.mark.parametrize(
    ("sign", "depth", "parity"), [("+", 1, False), ("+", 1, True), ("-", 1, False), ("+", 2, False), ("-", 2, False)]
)
def test_the_check_refuses_an_error_landing_exactly_where_the_circuit_does(sign, depth, parity):
    """``W d+`` and ``W d-`` on the closed o: two weight units below the limit pass, two above do not."""
    _, peak = check_refuses(*error_landing(sign, depth, 0))
    assert peak["sum"] == f"W{depth + 1} d{depth}{sign}" and peak["population"] == "o*"
    at_limit = CLOSED_LIMIT - peak["input"]
    seen = []
    for nudge in (at_limit - 2, at_limit, at_limit + 2):
        weights, X, T = error_landing(sign, depth, nudge)
        refused, peak = check_refuses(weights, X, T)
        assert refused == circuit_refuses(weights, X, T, parity)
        seen.append((refused is not None, peak["input"] - CLOSED_LIMIT))
    assert seen == [(False, -2), (False, 0), (True, 2)]


def random_case(seed):
    """Layers whose rows have random mean weights, so that some closed landings come near the limit."""
    rng = np.random.default_rng(seed)
    depth = int(rng.integers(1, 3))
    sizes = [int(rng.integers(40, 160)) for _ in range(depth + 1)] + [int(rng.integers(2, 100))]
    weights = []
    for n_pre, n_post in zip(sizes[:-1], sizes[1:], strict=True):
        lo, hi = sorted(rng.uniform(-120, 254, 2))
        w = rng.uniform(lo, hi, size=(n_post, 1)) + rng.uniform(-100, 100, size=(n_post, n_pre))
        weights.append((2 * np.floor(np.clip(w, -256, 254) / 2)).astype(np.int32))
    X = (rng.random((20, sizes[0])) < rng.uniform(0.2, 1)).astype(np.uint8)
    T = np.eye(sizes[-1], dtype=np.uint8)[rng.integers(0, sizes[-1], 20)]
    return weights, X, T, depth == 1 and bool(rng.integers(0, 2))


def test_the_check_refuses_random_runs_at_the_sample_the_circuit_does():
    """Every kind of closed landing, at one and two hidden layers; runs that pass end with the circuit's weights."""
    kinds, passed = set(), 0
    for seed in [*range(120), 198, 506]:  # 198 and 506 land P o, rarer than the rest
        weights, X, T, parity = random_case(seed)
        refused, peak = check_refuses(weights, X, T)
        assert refused == circuit_refuses(weights, X, T, parity), seed
        if refused is None:
            passed += 1
        else:
            kinds.add(peak["sum"].split()[0][0] + peak["sum"].split()[1][0])
    assert kinds == {"Wx", "Wh", "Ph", "Po"} and passed > 40


def test_the_check_keeps_its_peak_over_calls_and_costs_nothing_when_off():
    weights, X, T = error_landing("+", 1, 0)
    whole = lb.make_engine("reference", weights, check_circuit=True)
    whole.train(X, T)
    split = lb.make_engine("reference", weights, check_circuit=True)
    split.train(X[:1], T[:1]), split.train(X[1:], T[1:])
    assert split.closed_peak == whole.closed_peak and whole.closed_peak["sample"] == 1
    plain = lb.make_engine("reference", weights)
    plain.train(X, T)
    assert plain.closed_peak is None
    assert all((plain.weights()[k] == whole.weights()[k]).all() for k in plain.size.store_names)
