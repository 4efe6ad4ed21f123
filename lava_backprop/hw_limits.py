# SPDX-License-Identifier: BSD-3-Clause
"""Loihi 2's limits as figures and pure functions, for `lava_backprop.hw`.

- Weights are checked the way Lava's bit-accurate synapse models load them
  (`lava.utils.weightutils`: clip to the sign mode, then drop the bits that
  ``num_weight_bits`` and the sign mode do not keep), and cross-checked with
  Lava's own ``optimize_weight_bits(..., loihi2=True)``.
- The synaptic input a neuron can receive in one step is bounded from the
  weights as loaded (plastic synapses: from the learning engine's bounds).
- Memory per neurocore is an *estimate* from Intel's published figures
  (`LOIHI2_CHIP`); the true allocation is lava-loihi's compiler's.
"""

import math

import numpy as np
from lava.magma.core.learning.constants import W_TAG_1_S, W_TAG_2_S
from lava.utils import weightutils
from lava.utils.weightutils import SignMode, clip_weights, determine_sign_mode, truncate_weights

from lava_backprop.params import NetworkSize
from lava_backprop.schedule import Schedule, training_schedule

__all__ = [
    "LIMITS",
    "LOIHI2_CHIP",
    "SYNAPSE_BITS",
    "NEURON_STATE_BYTES",
    "sign_mode_of",
    "weight_range",
    "weight_problems",
    "input_bounds",
    "population_cores",
    "circuit_resources",
]

#: Limits of Lava's bit-accurate LIF and Dense models (lava-nc 0.10.0 docstrings).
LIMITS = {
    "weight_bits": 8,  # num_weight_bits: Loihi 2 synapses hold at most 8 bits (mixed sign: sign included)
    "weight_exp": (-8, 7),
    "vth": 2**17 - 1,  # unsigned 17-bit
    "bias_mant": (-(2**12), 2**12 - 1),  # signed 13-bit
    "bias_exp": (0, 7),  # unsigned 3-bit
    "decay": 4095,  # du, dv: unsigned 12-bit
    "delay": 63,  # DelayDense: 6-bit synaptic delay on Loihi 2 (lava-nc DelayDense docstring)
}

#: One Loihi 2 chip. Source: Intel Labs, "Taking Neuromorphic Computing to the Next Level
#: with Loihi 2", technology brief (2021): 128 neurocores, up to 1 million neurons and
#: 120 million synapses a chip, 192 KB of memory a neurocore, flexibly allocated between
#: synapses and neuron state (a press report gives 128 KB: confirm on the chip). Core counts
#: computed from these are estimates.
LOIHI2_CHIP = {
    "cores": 128,
    "neurons_per_core": 8192,  # about 1M / 128
    "bytes_per_core": 192 * 1024,
    "source": "Intel Labs, Loihi 2 technology brief (2021): 128 neurocores, 1M neurons, "
    "120M synapses a chip, 192 KB of memory a neurocore",
}

#: Bits a synapse takes: 8-bit weights; a plastic synapse (LearningDense) also holds the
#: tags tag_1 and tag_2 at the signed widths Lava's learning engine declares
#: (lava/magma/core/learning/constants.py W_TAG_1_S, W_TAG_2_S); DelayDense adds a 6-bit delay.
SYNAPSE_BITS = {"fixed": 8, "plastic": 8 + W_TAG_1_S + W_TAG_2_S, "delay": 6}

#: Bytes of state a neuron takes: u and v at 24 bits and bias_mant at 13, as Lava's
#: bit-accurate LIF declares them, rounded up (an estimate: on Loihi 2 it depends on the model).
NEURON_STATE_BYTES = 8


def sign_mode_of(proc_params, weights, learning: bool) -> SignMode:
    """The sign mode Lava's bit-accurate model uses: the process's, else MIXED (plastic) or inferred."""
    if learning:
        return proc_params.get("sign_mode", SignMode.MIXED)
    return proc_params.get("sign_mode") or determine_sign_mode(weights)


def weight_range(sign_mode: SignMode, num_weight_bits: int = 8) -> tuple[int, int, int]:
    """``(lo, hi, step)``: a loaded weight is a multiple of ``step`` in ``[lo, hi]``.

    Mixed sign spends one of the bits on the sign: 8 bits hold the even values
    in ``[-256, 254]``; excitatory 8 bits ``[0, 255]``, inhibitory ``[-255, 0]``
    (`lava.utils.weightutils.clip_weights` then ``truncate_weights``).
    """
    mixed = sign_mode == SignMode.MIXED
    step = 1 << (LIMITS["weight_bits"] - num_weight_bits + mixed)
    if mixed:
        return -256, 256 - step, step
    if sign_mode == SignMode.INHIBITORY:
        return -(256 - step), 0, step
    return 0, 256 - step, step


def _loaded(weights: np.ndarray, sign_mode: SignMode, num_weight_bits: int) -> np.ndarray:
    """The weights as Lava's bit-accurate Dense / Sparse / DelayDense load them."""
    clipped = clip_weights(weights, sign_mode, num_bits=LIMITS["weight_bits"])
    return truncate_weights(clipped, sign_mode, num_weight_bits)


def weight_problems(weights, sign_mode: SignMode, num_weight_bits: int = 8) -> list[str]:
    """What a Loihi 2 synapse cannot hold of ``weights``, as messages (empty if nothing).

    Checks ``num_weight_bits`` against 8, every weight against `weight_range`
    (naming what Lava's loader keeps instead), and asks Lava's
    ``optimize_weight_bits(..., loihi2=True)`` whether it fits the weights in
    8 bits at all.
    """
    w = np.asarray(weights.toarray() if hasattr(weights, "toarray") else weights)
    bits_max = LIMITS["weight_bits"]
    problems = []
    if num_weight_bits > bits_max:
        problems.append(f"num_weight_bits {num_weight_bits} exceeds Loihi 2's {bits_max}")
    if not np.array_equal(w, np.round(w)):
        return [*problems, "weights are not integers"]
    w = w.astype(np.int64)
    bits = min(num_weight_bits, bits_max)
    lo, hi, step = weight_range(sign_mode, bits)
    bad = (w < lo) | (w > hi) | ((-w if sign_mode == SignMode.INHIBITORY else w) % step != 0)
    if bad.any():
        shown = np.unique(w[bad])[:4]
        kept = _loaded(shown, sign_mode, bits)
        problems.append(
            f"{int(bad.sum())} weight(s) not {sign_mode.name.lower()} {bits}-bit values "
            f"(multiples of {step} in [{lo}, {hi}]): {shown.tolist()} load as {kept.tolist()}"
        )
    cross = _lava_optimizer(w, sign_mode)
    return problems + ([cross] if cross else [])


def _lava_optimizer(w: np.ndarray, sign_mode: SignMode) -> str | None:
    """Lava's ``optimize_weight_bits(loihi2=True)`` verdict on ``w``, if it refuses or needs more than 8 bits."""
    optimize = getattr(weightutils, "optimize_weight_bits", None)
    if optimize is None or sign_mode == SignMode.NULL or not w.size:
        return None
    try:
        with np.errstate(all="ignore"):
            bits = optimize(w.astype(np.int32), sign_mode, loihi2=True).num_weight_bits
    except (ValueError, ArithmeticError) as err:
        return f"Lava's optimize_weight_bits(loihi2=True) refuses them: {err}"
    if bits > LIMITS["weight_bits"]:
        return f"Lava's optimize_weight_bits(loihi2=True) needs {bits} weight bits for them"
    return None


def input_bounds(weights, sign_mode: SignMode, num_weight_bits: int, weight_exp: int, learning: bool, plastic=None):
    """Largest positive and negative input each post neuron can get from one synapse process in one step.

    Every presynaptic neuron is assumed to fire (binary spikes). Fixed
    synapses count their weights as loaded; plastic ones the bounds Lava's
    learning engine clips to (``[-256, 255]`` for 8-bit mixed sign), all of
    them or those where ``plastic`` (same shape) is true: with a rule
    masked by the tag, the others stay 0. The sums are shifted by
    ``weight_exp`` as the synapse model does.

    Returns
    -------
    pos, neg : ndarray of int64, shape (n_post,)
    """
    w = np.asarray(weights.toarray() if hasattr(weights, "toarray") else weights).astype(np.int64)
    if learning:
        bound = clip_weights(np.array([-(2**16), 2**16]), sign_mode, num_bits=LIMITS["weight_bits"])
        n_pre = np.full(w.shape[0], w.shape[1]) if plastic is None else np.count_nonzero(plastic, axis=1)
        pos = n_pre.astype(np.int64) * max(int(bound.max()), 0)
        neg = n_pre.astype(np.int64) * min(int(bound.min()), 0)
    else:
        kept = _loaded(w, sign_mode, min(num_weight_bits, LIMITS["weight_bits"])).astype(np.int64)
        pos, neg = np.clip(kept, 0, None).sum(axis=1), np.clip(kept, None, 0).sum(axis=1)
    if weight_exp >= 0:
        return pos << weight_exp, neg << weight_exp
    return pos >> -weight_exp, neg >> -weight_exp


def population_cores(neurons: int, synapse_bits: int) -> tuple[int, int]:
    """``(bytes, cores)`` of one population with its incoming synapses (an estimate).

    Bytes are the neurons' state (`NEURON_STATE_BYTES`) plus the synapses'
    bits; cores are as many as those bytes and the neurons need at
    `LOIHI2_CHIP`'s figures, at least one.
    """
    chip = LOIHI2_CHIP
    size = neurons * NEURON_STATE_BYTES + math.ceil(synapse_bits / 8)
    return size, max(1, math.ceil(size / chip["bytes_per_core"]), math.ceil(neurons / chip["neurons_per_core"]))


def circuit_resources(size: NetworkSize, schedule: Schedule | None = None) -> dict:
    """Neurons and synapses of the circuit for ``size``, from the schedule, and an estimate of its neurocores.

    Counts each population (and the gate neurons), each plastic group's copies
    as all-to-all synapses, each relay as one synapse per neuron, and each
    gate connection as one synapse per target neuron. ``neurocores`` is an
    estimate: every population, and the ring, on cores of its own, as many as
    `population_cores` gives for its neurons and incoming synapses at
    `SYNAPSE_BITS` (plastic ones with their tags when the schedule learns).
    ``schedule`` defaults to the training ring of ``size``'s depth.
    """
    schedule = schedule or training_schedule(size.n_hidden)
    widths = size.layers
    width = {p.name: widths[p.layer] for p in schedule.populations}
    n = schedule.n_phases
    plastic = sum(len(g.posts) * width[g.pre] * width[g.posts[0]] for g in schedule.plastic)
    relays = sum(width[r.dst] for r in schedule.relays)
    gates = sum(width[pop] for targets in schedule.gates.values() for pop, _ in targets) + n
    bits = dict.fromkeys(width, 0)  # incoming synapse bits of each population
    fixed, store = SYNAPSE_BITS["fixed"], SYNAPSE_BITS["plastic" if schedule.learns else "fixed"]
    for g in schedule.plastic:
        for post in g.posts:
            bits[post] += width[g.pre] * width[post] * store
    for r in schedule.relays:
        bits[r.dst] += width[r.dst] * (fixed + (SYNAPSE_BITS["delay"] if r.delay else 0))
    for targets in schedule.gates.values():
        for pop, _ in targets:
            bits[pop] += width[pop] * fixed
    bits["ring"] = (n + 3) * fixed  # gate to gate, and the kick neuron's three synapses
    width["ring"] = n + 1
    cores = {p: population_cores(width[p], bits[p]) for p in width}
    chip = LOIHI2_CHIP
    return {
        "sizes": str(size),
        "schedule": schedule.name,
        "neurons": sum(width.values()) - 1,  # the kick neuron is not one of the circuit's
        "plastic_synapses": plastic,
        "fixed_synapses": relays + gates,
        "neurocores": sum(c for _, c in cores.values()),
        "chip_cores": chip["cores"],
        "synaptic_memory_kib": sum(bits.values()) / 8 / 1024,
        "population_cores": {p: {"bytes": b, "cores": c} for p, (b, c) in cores.items()},
        "estimate": {
            "what": "neurocores and synaptic memory are estimates; the allocation is lava-loihi's compiler's",
            "bytes_per_core": chip["bytes_per_core"],
            "neurons_per_core": chip["neurons_per_core"],
            "synapse_bits": SYNAPSE_BITS,
            "neuron_state_bytes": NEURON_STATE_BYTES,
            "source": chip["source"],
        },
    }
