# SPDX-License-Identifier: BSD-3-Clause
"""One step of a layer of the circuit (`lava_backprop.circuit.GroupCore`), compiled.

The layer's populations sit side by side in one vector (``start[p]:end[p]``).
With the gate spikes ``g`` and the spikes the layer received (``inbuf``),
all emitted in the previous step::

    I_p = bias + G[p] . g + sum of its 1:1 relays w * s_src[t-1-d] + drive * stream
          + sum over the plastic groups onto p of W[:, active pre]       (old weights)
    s_p = clamp(I_p) > theta and not refractory;  silent if p received no spike
    W[post, pre] += dw or -dw (sign from the previous step's gates) on the
          previous step's coincidences of pre and post, saturated

Only what spiked is visited: a relay whose source was silent, a drive
without spikes and a plastic group without active pre neurons add nothing,
a plastic sum adds the columns of the active pre neurons, an update touches
the block of active rows and columns. Nothing is allocated per step.
`layer_step` returns 0, or a code naming the assumption the step broke
(`FIRED_OUT_OF_PHASE`, `COPIES_DIVERGED`) with the population or group in
``state[ERR]``; `GroupCore` turns it into `CircuitError`.
"""

import numba

__all__ = ["layer_step", "FIRED_OUT_OF_PHASE", "COPIES_DIVERGED", "PTR", "R_PREV", "CHANGES", "ERR"]

FIRED_OUT_OF_PHASE = 1
COPIES_DIVERGED = 2
#: Slots of ``state``: history pointer, potentiation flag of the previous step, updates so far, error detail.
PTR, R_PREV, CHANGES, ERR = 0, 1, 2, 3


@numba.njit(cache=True, nogil=True)
def _coincidences(store, rows, n_rows, cols, n_cols, step, w_min, w_max):
    """``store[rows x cols] += step``, saturated on the side it moves to."""
    for a in range(n_rows):
        row = store[rows[a]]
        for b in range(n_cols):
            v = row[cols[b]] + step
            row[cols[b]] = min(v, w_max) if step > 0 else max(v, w_min)


@numba.njit(cache=True, nogil=True)
def layer_step(gates, inbuf, stores, syn, layout, consts, state, counts, scratch, hist, refr, current, spikes):
    """Advance the layer one step in place; return 0 or an error code (module docstring).

    Parameters
    ----------
    gates : int64 (n_phases,)
    inbuf : (n,) int32 or float64
        The populations and streams the layer receives, side by side.
    stores : tuple of 2-D arrays
        The plastic stores, (post, pre); updated in place when ``consts`` says the layer learns.
    syn : tuple of 1-D arrays
        Out: each plastic group's synaptic sum (zeros without active pre neurons).
    layout : tuple
        ``pops`` (P, 3): start, end, refractory; ``gate_w`` (P, n_phases);
        ``allowed`` bool (P, n_phases); ``relays`` (R, 4): src, dst, weight,
        delay; ``drives`` (D, 2): population, start in ``inbuf``; ``groups``
        (G, 4): store, pre start in ``inbuf``, pre length, number of posts;
        ``posts`` (G, max posts); ``pot`` bool (n_phases,): potentiation gates.
    consts : int64 (10,)
        theta, bias, clamp low, clamp high, learns, drive weight, dw, w_min,
        w_max, refractory period (steps, the spike's included).
    state : int64 (4,)
        See `PTR`, `R_PREV`, `CHANGES`, `ERR`.
    counts : int64 (P,)
        Spikes of each population so far.
    scratch : tuple
        ``received`` bool (P,), ``offset`` (P,) like ``current``, ``pre``
        int64 (G, max pre), ``post`` int64 (max post width,), ``n_pre`` int64 (G,).
    hist : bool (depth, W)
        Spike history; row ``state[PTR]`` holds the previous step's spikes.
    refr : int8 (W,)
        Refractory countdown.
    current : (W,) int32 or float64
        Out: this step's input of every neuron, bias and gates included.
    spikes : bool (W,)
        Out: this step's spikes.
    """
    pops, gate_w, allowed, relays, drives, groups, posts, pot = layout
    received, offset, pre, post, n_pre = scratch
    theta, bias, lo_v, hi_v, learns, drive_w, dw, w_min, w_max, n_refr = consts
    n_pop, n_phases, depth, ptr = pops.shape[0], gates.shape[0], hist.shape[0], state[PTR]
    phase = 0
    for q in range(n_phases):
        if gates[q] > gates[phase]:
            phase = q
    for p in range(n_pop):
        received[p] = False
        offset[p] = bias
        for q in range(n_phases):
            if gates[q]:
                offset[p] += gate_w[p, q] * gates[q]
        current[pops[p, 0] : pops[p, 1]] = offset[p]
    for r in range(relays.shape[0]):
        src, dst, w, d = relays[r, 0], relays[r, 1], relays[r, 2], relays[r, 3]
        s_lo, d_lo, n = pops[src, 0], pops[dst, 0], pops[src, 1] - pops[src, 0]
        last = hist[(ptr - d) % depth]
        for i in range(n):
            if last[s_lo + i]:
                received[dst] = True
                current[d_lo + i] += w
    for k in range(drives.shape[0]):
        p, at = drives[k, 0], drives[k, 1]
        lo = pops[p, 0]
        for i in range(pops[p, 1] - lo):
            if inbuf[at + i]:
                received[p] = True
                current[lo + i] += drive_w
    for g in range(groups.shape[0]):
        w, at, n = stores[groups[g, 0]], groups[g, 1], 0
        for j in range(groups[g, 2]):
            if inbuf[at + j]:
                pre[g, n] = j
                n += 1
        n_pre[g] = n
        s = syn[g]
        s[:] = 0
        if n == 0:
            continue
        for i in range(w.shape[0]):
            row, acc = w[i], s[i]
            for b in range(n):
                acc += row[pre[g, b]]
            s[i] = acc
        for m in range(groups[g, 3]):
            p = posts[g, m]
            received[p] = True
            lo = pops[p, 0]
            for i in range(s.shape[0]):
                current[lo + i] += s[i]
    for g in range(groups.shape[0]):
        if not learns or n_pre[g] == 0:
            continue
        # the previous step's coincidences, with that step's sign, after every sum took the old weights
        lo, n = pops[posts[g, 0], 0], pops[posts[g, 0], 1] - pops[posts[g, 0], 0]
        prev = hist[ptr]
        for m in range(1, groups[g, 3]):
            other = pops[posts[g, m], 0]
            for i in range(n):
                if prev[other + i] != prev[lo + i]:
                    state[ERR] = g
                    return COPIES_DIVERGED
        n_post = 0
        for i in range(n):
            if prev[lo + i]:
                post[n_post] = i
                n_post += 1
        state[CHANGES] += groups[g, 3] * n_post * n_pre[g]
        step = dw if state[R_PREV] else -dw
        _coincidences(stores[groups[g, 0]], post, n_post, pre[g], n_pre[g], step, w_min, w_max)
    for p in range(n_pop):
        lo, hi = pops[p, 0], pops[p, 1]
        fired = 0
        for i in range(lo, hi):
            s_i = False
            if received[p]:
                v = min(max(current[i], lo_v), hi_v)
                s_i = v > theta
            if pops[p, 2]:  # refractory: no spike for n_refr steps from one
                s_i = s_i and refr[i] == 0
                refr[i] = n_refr - 1 if s_i else max(refr[i] - 1, 0)
            spikes[i] = s_i
            fired += s_i
        if fired and not allowed[p, phase]:
            state[ERR] = p
            return FIRED_OUT_OF_PHASE
        counts[p] += fired
    ptr = (ptr + 1) % depth
    state[PTR] = ptr
    hist[ptr] = spikes
    state[R_PREV] = 0
    for q in range(n_phases):
        if gates[q] and pot[q]:
            state[R_PREV] = 1
    return 0
