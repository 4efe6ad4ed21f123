# SPDX-License-Identifier: BSD-3-Clause
"""The circuit experiments: ``latency``, ``ring`` and ``input_sum``.

Host-to-chip latency through one Dense, the built-in gating ring
(`GatingChain` as its composition of built-ins) over ``RING_STEPS`` steps, and
a synaptic input above 32 767 in one step. Each expected value follows from
the Dense's one step of latency and the LIF arithmetic.

See Also
--------
lava_backprop.procs.gating_chain.process.GatingChain : the ring under test.
"""

import time

import numpy as np
from lava.proc.dense.process import Dense
from lava.proc.io.source import RingBuffer as Source
from lava.proc.lif.process import LIFReset

from lava_backprop.procs.gating_chain.process import GatingChain
from lava_backprop.selftest.harness import (
    DENSE_DELAY,
    Result,
    _host_to_chip,
    _n_steps,
    _run_cfg,
    _running,
    _sink,
    _steps,
)

__all__ = ["latency", "ring", "input_sum"]

#: The gating ring under test and its run length.
RING_GATES, RING_STEPS = 14, 2000
#: The built-in ring's kick fires in step 1; through its Dense gate 0 fires in step 1 + DENSE_DELAY.
RING_START = 1 + DENSE_DELAY
#: Presynaptic neurons and their weight in the input-range experiment: 200 * 254 = 50 800 > 32 767.
SUM_PRE, SUM_WEIGHT = 200, 254
SUM_STEPS = 12

#: Latency experiment: host source emits in these steps.
LATENCY_EMIT = [3, 7, 8]
LATENCY_STEPS = 24


def latency(hardware: bool = False) -> Result:
    """Host source -> Dense -> chip neuron -> host sink: steps from emission to receipt.

    Expected ``DENSE_DELAY`` (one step, the Dense's) in the simulator; on a
    chip the embedded-IO adapters add steps, so there only a constant delay
    of at least that is expected. The round trip crosses the boundary twice:
    ``(delay - DENSE_DELAY) / 2`` is the one-way latency to give the engines
    as ``adapter_latency`` (0 in the simulator).
    """
    start = time.perf_counter()
    data = np.zeros((1, LATENCY_STEPS), dtype=int)
    data[0, [t - 1 for t in LATENCY_EMIT]] = 1
    src = Source(data=data)
    dense = Dense(weights=np.array([[100]]))
    neuron = LIFReset(shape=(1,), vth=10, du=4095, dv=4095, reset_interval=1)
    _host_to_chip(src.s_out, dense.s_in, hardware)
    dense.a_out.connect(neuron.a_in)
    sink = _sink(neuron.s_out, LATENCY_STEPS, hardware)
    with _running(src, _run_cfg(hardware)) as run:
        run(LATENCY_STEPS)
        received = _steps(sink.data.get()[0])
    delays = sorted({r - e for e, r in zip(LATENCY_EMIT, received, strict=False)})
    if len(received) == len(LATENCY_EMIT) and len(delays) == 1:
        measured = _n_steps(delays[0])
        passed = delays[0] >= DENSE_DELAY if hardware else delays[0] == DENSE_DELAY
    else:
        measured, passed = f"received {len(received)} of {len(LATENCY_EMIT)}, delays {delays}", False
    expected = _n_steps(DENSE_DELAY) + (" or more, the same for each spike" if hardware else "")
    one_way = f"{(delays[0] - DENSE_DELAY) / 2:g}" if len(delays) == 1 else "unknown"
    detail = (
        f"{measured} from host emission to host receipt: emitted in steps {LATENCY_EMIT}, "
        f"received in {received}; a Dense delivers a spike emitted in step T in step T + {DENSE_DELAY}; "
        f"one way, to pass as adapter_latency: (round trip - {DENSE_DELAY}) / 2 = {one_way}"
    )
    return Result("latency", passed, measured, expected, time.perf_counter() - start, detail)


def ring(hardware: bool = False) -> Result:
    """The built-in gating ring over ``RING_STEPS`` steps: one token, gate g in steps start + g + k n.

    ``GatingChain(n_gates=RING_GATES)`` runs as its composition of built-ins
    (``select_sub_proc_model=True``); a sink counts the gate spikes of every
    step. Expected: no spike before ``RING_START``, then exactly one per step,
    from gate ``(t - start) % n``. The summary reads: first step with a
    spike, spikes in all, steps from the first on with the right single gate.
    """
    begin = time.perf_counter()
    n, steps = RING_GATES, RING_STEPS
    chain = GatingChain(n_gates=n)
    sink = _sink(chain.s_out, steps, hardware)
    with _running(chain, _run_cfg(hardware, sub=True)) as run:
        run(steps)
        spikes = np.asarray(sink.data.get()).astype(int)
    counts = spikes.sum(axis=0)
    fired = np.flatnonzero(counts)
    start = int(fired[0]) + 1 if fired.size else steps + 1
    t = np.arange(start, steps + 1)
    in_turn = (counts[t - 1] == 1) & (spikes[(t - start) % n, t - 1] == 1)
    first = max(start, RING_START) if hardware else RING_START  # on a chip the host sink sees the ring later
    total = steps - first + 1
    passed = fired.size > 0 and bool(in_turn.all()) and start == first
    detail = f"GatingChain(n_gates={n}) from built-ins, {steps} steps, gate spikes counted per step"
    if in_turn.all():
        detail += f": gate g fired in the steps {start} + g + {n} k and no other"
    else:
        bad = int(t[~in_turn][0])
        detail += f"; first step out of turn: {bad}, gates {np.flatnonzero(spikes[:, bad - 1]).tolist()} fired"
    return Result(
        "ring",
        passed,
        f"start {start}, {int(counts.sum())} spikes, {int(in_turn.sum())} in turn",
        f"start {'>= ' if hardware else ''}{RING_START}, {total} spikes, {total} in turn",
        time.perf_counter() - begin,
        detail,
    )


def _sum_summary(current: int, fires_below: bool, fires_at: bool, total: int) -> str:
    return (
        f"input {current}; vth {total - 1} {'fires' if fires_below else 'silent'}, "
        f"vth {total} {'fires' if fires_at else 'silent'}"
    )


def input_sum(hardware: bool = False) -> Result:
    """A synaptic input above 32 767 in one step arrives intact.

    ``SUM_PRE`` presynaptic spikes with weight ``SUM_WEIGHT`` converge on two
    ``LIFReset`` neurons with thresholds ``S - 1`` and ``S`` (``S = 50 800``)::

        v = S << 6                # input aligned by 6 bits, no bias
        spike = v > vth << 6      # fires at vth S - 1, not at vth S

    The input is read back as ``v >> 6`` of the neuron that stays silent,
    read after every step (its voltage is reset every step).
    """
    begin = time.perf_counter()
    total, steps = SUM_PRE * SUM_WEIGHT, SUM_STEPS
    data = np.zeros((SUM_PRE, steps), dtype=int)
    data[:, 0] = 1  # emitted in step 1, arrives in step 1 + DENSE_DELAY
    src = Source(data=data)
    dense = Dense(weights=np.full((1, SUM_PRE), SUM_WEIGHT))
    _host_to_chip(src.s_out, dense.s_in, hardware)
    below, at = (LIFReset(shape=(1,), vth=vth, du=4095, dv=4095, reset_interval=1) for vth in (total - 1, total))
    sinks = []
    for neuron in (below, at):
        dense.a_out.connect(neuron.a_in)
        sinks.append(_sink(neuron.s_out, steps, hardware))
    v = []
    with _running(src, _run_cfg(hardware)) as run:
        for _ in range(steps):
            run(1)
            v.append(int(np.asarray(at.v.get()).item()))
        fired = [bool(np.asarray(s.data.get()).any()) for s in sinks]
    arrived = v.index(max(v, key=abs)) + 1  # v is reset every step: nonzero only when the input arrives
    current = v[arrived - 1] >> 6
    measured = _sum_summary(current, *fired, total)
    expected = _sum_summary(total, True, False, total)
    detail = (
        f"{SUM_PRE} spikes of weight {SUM_WEIGHT} emitted in step 1: {total} > 32767; the input is v >> 6 of the "
        f"neuron at vth {total}, read after every step: it arrived in step {arrived}"
    )
    return Result("sum", measured == expected, measured, expected, time.perf_counter() - begin, detail)
