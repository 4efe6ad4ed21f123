# SPDX-License-Identifier: BSD-3-Clause
"""The learning-rule experiments: ``rule`` and ``coincidence``, with the rule's expected weights.

One presynaptic neuron and two postsynaptic ones (the second silent) drive a
1x2 ``LearningDense`` per ``up_parity``; the weights are read after every step
and compared with `rule_weights`, the rule from first principles::

    w += 2 on a pre/post coincidence in a step with T % 2 == up_parity,
    w -= 2 on one in a step of the other parity, w in [W_MIN, W_MAX]

See Also
--------
lava_backprop.procs.builtin_layers.learning_rule : the rule under test.
"""

import time

import numpy as np
from lava.proc.dense.process import LearningDense
from lava.utils.weightutils import SignMode

from lava_backprop.procs.builtin_layers import learning_rule
from lava_backprop.selftest.harness import Result, _n_steps, _run_cfg, _running, _sink, _spiking, _steps

__all__ = ["rule_weights", "rule", "coincidence"]

#: The rule's weight bounds (8-bit mixed-sign weights are even).
W_MIN, W_MAX = -256, 254


def rule_weights(w0, pre: list[int], post: list[list[int]], up_parity: int, steps: int) -> np.ndarray:
    """The rule's weights after each step, from first principles.

    ``w0[j]`` is synapse ``pre -> post j``; ``pre`` and ``post[j]`` list the
    steps in which the neurons fire. Returns an int array (steps, len(w0)).
    """
    w = np.array(w0, dtype=int)
    out = np.empty((steps, len(w)), dtype=int)
    for t in range(1, steps + 1):
        for j, times in enumerate(post):
            if t in pre and t in times:  # a same-step coincidence
                w[j] = min(w[j] + 2, W_MAX) if t % 2 == up_parity else max(w[j] - 2, W_MIN)
        out[t - 1] = w
    return out


def _plastic_run(w0: dict, pre: list[int], post: list[int], steps: int, hardware: bool):
    """One pre, two posts (the second silent), a 1x2 LearningDense per parity; read weights every step.

    Returns the weights ``{up_parity: (steps, 2)}`` and the recorded pre and
    post spike steps.
    """
    pre_n = _spiking([pre], steps, hardware)
    post_n = _spiking([post, []], steps, hardware)
    syn = {}
    for p in (0, 1):
        syn[p] = LearningDense(
            weights=np.array(w0[p]).reshape(2, 1),
            learning_rule=learning_rule(p),
            sign_mode=SignMode.MIXED,
            num_weight_bits=8,
            name=f"plastic_up{p}",
        )
        pre_n.s_out.connect(syn[p].s_in)
        post_n.s_out.connect(syn[p].s_in_bap)  # post spikes reach the synapse in the step they are emitted
    pre_sink, post_sink = _sink(pre_n.s_out, steps, hardware), _sink(post_n.s_out, steps, hardware)
    w = {p: np.empty((steps, 2), dtype=int) for p in syn}
    with _running(pre_n, _run_cfg(hardware)) as run:
        for t in range(steps):
            run(1)
            for p, s in syn.items():
                w[p][t] = np.asarray(s.weights.get()).astype(int)[:, 0]
        fired = (_steps(pre_sink.data.get()[0]), _steps(post_sink.data.get()[0]))
    return w, fired


def _first_difference(w: dict, want: dict) -> str:
    for t in range(len(w[0])):
        for p in w:
            if not np.array_equal(w[p][t], want[p][t]):
                return (
                    f"first difference after step {t + 1}, learning_rule({p}): weights {w[p][t].tolist()}, "
                    f"expected {want[p][t].tolist()}"
                )
    return ""


def _shift_note(w: dict, w0: dict, pre: list[int], post: list[int], steps: int) -> str:
    """Whether the weights are the rule's with every spike k steps later (host-to-chip latency)."""
    for k in range(1, 9):
        later = {p: rule_weights(w0[p], [t + k for t in pre], [[t + k for t in post], []], p, steps) for p in w}
        if all(np.array_equal(w[p], later[p]) for p in w):
            return f"; they equal the rule's with every spike {_n_steps(k)} later (the host-to-chip latency)"
    return ""


#: Rule experiment: coincidences in steps 6-12 (even) and 15, 17 (odd); pairs one step apart at 20/21 and 25/24.
RULE_PRE = [6, 8, 10, 12, 15, 17, 20, 25]
RULE_POST = [6, 8, 10, 12, 15, 17, 21, 24]
RULE_W0 = {0: [250, 100], 1: [-250, -100]}  # driven synapse near a bound, silent synapse
RULE_STEPS = 34  # 8 steps to spare: on a chip every spike may come later


def _rule_summary(w: dict, w0: dict, pre: list[int], post: list[int]) -> str:
    """The rule's facts as seen in weight trajectories ``w`` (driven synapse 0, silent synapse 1)."""
    up, down, top, bottom, apart = set(), set(), set(), set(), 0
    for p, traj in w.items():
        before = np.vstack([np.array(w0[p])[None], traj[:-1]])
        for t in range(1, len(traj) + 1):
            a, b = int(before[t - 1, 0]), int(traj[t - 1, 0])
            if t in pre and t in post:
                if t % 2 == p:
                    (top if a == W_MAX else up).add(b if a == W_MAX else b - a)
                else:
                    (bottom if a == W_MIN else down).add(b if a == W_MIN else b - a)
            elif a != b:
                apart += 1
    odd = sum(int((traj % 2).any(axis=1).sum()) for traj in w.values())
    silent = sum(int((traj[:, 1] != w0[p][1]).sum()) for p, traj in w.items())

    def show(values, signed=False):
        return "|".join(f"{v:+d}" if signed else str(v) for v in sorted(values)) or "-"

    return (
        f"{show(up, True)} {show(down, True)}, held {show(top)} {show(bottom)}, "
        f"odd {odd}, silent {silent}, apart {apart}"
    )


def rule(hardware: bool = False) -> Result:
    """The learning rule step by step: +-2, saturation at 254 and -256, even weights, silent and apart synapses.

    One pre and two posts (the second silent) with a 1x2 ``LearningDense``
    per ``up_parity``; the weights are read after every step and compared
    with `rule_weights`. The summary reads: potentiation and depression
    steps, the weights a potentiation at 254 and a depression at -256 leave,
    odd weights seen, changes of the silent synapse, changes without a
    same-step coincidence.
    """
    start = time.perf_counter()
    w, _ = _plastic_run(RULE_W0, RULE_PRE, RULE_POST, RULE_STEPS, hardware)
    want = {p: rule_weights(RULE_W0[p], RULE_PRE, [RULE_POST, []], p, RULE_STEPS) for p in w}
    passed = all(np.array_equal(w[p], want[p]) for p in w)
    detail = f"weights of learning_rule(0) and learning_rule(1) read after each of {RULE_STEPS} steps " + (
        "equal the rule's" if passed else "differ from the rule's: " + _first_difference(w, want)
    )
    if not passed:
        detail += _shift_note(w, RULE_W0, RULE_PRE, RULE_POST, RULE_STEPS)
    detail += (
        "; summary: dw of potentiation / depression coincidences, weights after a potentiation at 254 / a "
        "depression at -256, odd weights, changes of the silent synapse, changes without a same-step coincidence"
    )
    return Result(
        "rule",
        passed,
        _rule_summary(w, RULE_W0, RULE_PRE, RULE_POST),
        _rule_summary(want, RULE_W0, RULE_PRE, RULE_POST),
        time.perf_counter() - start,
        detail,
    )


#: Coincidence experiment: same step in 6 (even) and 9 (odd); one step apart at 12/13 and 16/15.
COINCIDENCE_PRE = [6, 9, 12, 16]
COINCIDENCE_POST = [6, 9, 13, 15]
COINCIDENCE_STEPS = 24


def _dw(w: dict, w0: dict) -> dict:
    """Changes of the driven synapse in each step, per ``up_parity``."""
    return {p: np.diff(np.concatenate([[w0[p][0]], traj[:, 0]])) for p, traj in w.items()}


def _changes(w: dict, w0: dict) -> str:
    """Steps in which the driven synapse changed, as ``step: dw(up_parity 0)/dw(up_parity 1)``."""
    dw = _dw(w, w0)
    steps = sorted({int(t) + 1 for d in dw.values() for t in np.flatnonzero(d)})
    return ", ".join(f"step {t}: {dw[0][t - 1]:+d}/{dw[1][t - 1]:+d}" for t in steps) or "no change"


def _convention(w: dict, w0: dict, together: list[int]) -> str:
    """The step and parity in which the coincidences of steps ``together`` changed the weights."""
    dw = _dw(w, w0)
    changed = sorted({int(t) + 1 for d in dw.values() for t in np.flatnonzero(d)})
    seen = set()
    for s in together:
        t = min(changed, key=lambda c: abs(c - s), default=None)  # the change nearest to the coincidence
        d = {p: int(dw[p][t - 1]) for p in dw} if t else {}
        if sorted(d.values()) != [-2, 2]:
            return f"the coincidence in step {s} did not change the two rules' weights by +2 and -2"
        up = 0 if d[0] == 2 else 1
        seen.add((t - s, "==" if s % 2 == up else "!="))
    if len(seen) != 1:
        return f"no consistent step and parity: {sorted(seen)}"
    [(lag, rel)] = seen
    when = "s" if lag == 0 else f"s {'+' if lag > 0 else '-'} {abs(lag)}"
    return f"a coincidence in Lava time step s changes the weight in step {when}, by +2 iff s % 2 {rel} up_parity"


def coincidence(hardware: bool = False) -> Result:
    """Which step a pre/post coincidence is counted in, with which parity; pairs one step apart count nothing.

    Pre and post fire together in steps 6 and 9 and one step apart at
    12/13 and 16/15. Expected from the rule: the weight of
    ``learning_rule(p)`` changes in the coincidence's own step ``s``, by +2
    if ``s % 2 == p`` and by -2 otherwise, and never for the pairs apart.
    The summary lists ``step s: dw(up_parity 0)/dw(up_parity 1)``.
    """
    start = time.perf_counter()
    w0 = {0: [0, 0], 1: [0, 0]}
    pre, post, steps = COINCIDENCE_PRE, COINCIDENCE_POST, COINCIDENCE_STEPS
    w, (pre_fired, post_fired) = _plastic_run(w0, pre, post, steps, hardware)
    want = {p: rule_weights(w0[p], pre, [post, []], p, steps) for p in w}
    passed = all(np.array_equal(w[p], want[p]) for p in w)
    together = sorted(set(pre_fired) & set(post_fired))
    detail = (
        f"pre and post fired together in steps {together} (recorded by sinks), pre alone in "
        f"{sorted(set(pre_fired) - set(post_fired))}, post alone in {sorted(set(post_fired) - set(pre_fired))}; "
        f"measured: {_convention(w, w0, together)}; summary: step: dw of learning_rule(0)/learning_rule(1)"
    )
    if not passed:
        detail += "; " + _first_difference(w, want) + _shift_note(w, w0, pre, post, steps)
    return Result("coincidence", passed, _changes(w, w0), _changes(want, w0), time.perf_counter() - start, detail)
