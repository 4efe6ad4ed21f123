# SPDX-License-Identifier: BSD-3-Clause
"""The rings as data: the generator against the paper's hand-written table, and what every ring must satisfy."""

import pytest
from paper_ring import INFERENCE, TRAINING, insert_idle_phases

from lava_backprop.hw import LIMITS
from lava_backprop.params import layer_names
from lava_backprop.procs.builtin_layers import BUILTIN_OFFSET, learning_phases
from lava_backprop.schedule import ROLES, SCHEDULES, inference_schedule, training_schedule


def canonical(s):
    """A schedule with the order of gate targets and relays left out."""
    return {
        "name": s.name,
        "n_phases": s.n_phases,
        "populations": s.populations,
        "gates": {g: sorted(t) for g, t in s.gates.items()},
        "relays": set(s.relays),
        "plastic": s.plastic,
        "drives": s.drives,
        "potentiation_gates": s.potentiation_gates,
        "record_gate": s.record_gate,
        "learns": s.learns,
        "active_phases": {k: tuple(v) for k, v in s.active_phases.items()},
        "phase_notes": s.phase_notes,
    }


def test_one_hidden_layer_rebuilds_the_paper_ring():
    assert canonical(training_schedule(1)) == canonical(TRAINING)
    assert canonical(inference_schedule(1)) == canonical(INFERENCE)


def test_the_parity_ring_is_the_paper_ring_with_two_idle_phases():
    """Derived independently: idle phases inserted after phases 8 and 11 of the hand-written table."""
    by_hand = insert_idle_phases(TRAINING, after=(8, 11), name="training-1-parity")
    assert canonical(training_schedule(1, parity=True)) == canonical(by_hand)
    s = by_hand
    assert s.n_phases == 14 and s.steps(2) == 14 * 2 + 15
    assert [s.phase_notes[p] for p in (*s.potentiation_gates, 10, 12)] == ["W2 +", "W1 +", "W2 −", "W1 −"]
    # relays stretch over the idle phases: m_h (phase 3) still replays h into 5 and 10
    assert {r.delay for r in s.relays if (r.src, r.dst) == ("m_h", "h")} == {1, 6}
    assert s.gates[9] == () and s.gates[13] == s.gates[0]  # an idle phase carries the next phase's guards
    with pytest.raises(ValueError, match="after must name phases"):
        insert_idle_phases(TRAINING, after=(12,), name="bad")


@pytest.mark.parametrize("n_hidden", [1, 2, 3, 4])
def test_parity_rings_separate_the_signs_by_step_parity(n_hidden):
    plain, s = training_schedule(n_hidden), training_schedule(n_hidden, parity=True)
    assert s.n_phases % 2 == 0 and s.n_phases > plain.n_phases
    assert s.name == f"training-{n_hidden}-parity"
    up = set(s.potentiation_gates)
    down = learning_phases(s) - up
    assert len(up) == len(down) == n_hidden + 1  # one potentiation and one depression phase per weight layer
    parity = {kind: {(s.step_of(k, p) + BUILTIN_OFFSET) % 2 for k in range(3) for p in phases}
              for kind, phases in (("up", up), ("down", down))}  # fmt: skip
    assert len(parity["up"]) == len(parity["down"]) == 1 and parity["up"] != parity["down"]
    # the plain ring cannot: some potentiation and depression phases share a parity
    plain_down = learning_phases(plain) - set(plain.potentiation_gates)
    assert {p % 2 for p in plain.potentiation_gates} & {p % 2 for p in plain_down}
    # the same computation: every phase note, in the same order
    assert [plain.phase_notes[p] for p in sorted(plain.phase_notes)] == [
        s.phase_notes[p] for p in sorted(s.phase_notes)
    ]


@pytest.mark.parametrize(("n_hidden", "n_phases"), [(2, 23), (3, 32)])
def test_deeper_rings_fit_loihi(n_hidden, n_phases):
    s = training_schedule(n_hidden)
    assert s.n_phases == n_phases
    assert all(0 <= r.delay <= LIMITS["delay"] for r in s.relays)
    assert [s.phase_notes[p] for p in s.potentiation_gates] == [f"W{i} +" for i in range(n_hidden + 1, 0, -1)]
    assert s.layers == layer_names(n_hidden)
    assert SCHEDULES[s.name] is SCHEDULES[s.name] == s  # resolved by name, as the processes receive it
    for parity in (False, True):  # up to six hidden layers on Loihi 2's 6-bit delays
        assert max(r.delay for r in training_schedule(6, parity).relays) <= LIMITS["delay"]


@pytest.mark.parametrize("n_hidden", [1, 2, 3])
def test_populations_play_the_roles_of_their_layer_kind(n_hidden):
    for s in (training_schedule(n_hidden), training_schedule(n_hidden, True), inference_schedule(n_hidden)):
        for layer in s.layers:
            pops = s.layer_populations(layer)
            roles = [p.role for p in pops]
            assert len(set(roles)) == len(roles), (s.name, layer, roles)
            assert set(roles) <= set(ROLES[pops[0].kind]), (s.name, layer, roles)


def test_inference_rings():
    s = inference_schedule(3)
    assert s.n_phases == 6 and not s.learns and s.record_gate == 5
    assert [p.name for p in s.populations] == ["x", "h1", "h2", "h3", "o"]
    assert [(g.store, g.pre, g.posts) for g in s.plastic] == [
        ("w1", "x", ("h1",)),
        ("w2", "h1", ("h2",)),
        ("w3", "h2", ("h3",)),
        ("w4", "h3", ("o",)),
    ]


def test_bad_depth_and_names():
    for bad in (0, -1, 1.5, True):
        with pytest.raises(ValueError, match="n_hidden"):
            training_schedule(bad)
        with pytest.raises(ValueError, match="n_hidden"):
            inference_schedule(bad)
    for name in ("training", "training-x", "inference-2-parity", "training-0"):
        with pytest.raises(KeyError):
            SCHEDULES[name]
        assert name not in SCHEDULES
    assert "training-2-parity" in SCHEDULES and "inference-3" in SCHEDULES
