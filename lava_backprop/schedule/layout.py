# SPDX-License-Identifier: BSD-3-Clause
"""Who is who in a network of ``L`` hidden layers: populations, their roles, the plastic groups.

For one hidden layer the names are the paper's (x, m_x, h, h_lo, h_hi, m_h,
c_h, h1t, o, o_lo, o_hi, t, d_pos, d_neg, ot); for more, hidden layer ``l``
has h<l>, h<l>_lo, h<l>_hi, m_h<l>, c_h<l>, h<l>t, h<l>n (``l >= 2``) and the
error memories d<l>_pos, d<l>_neg (docs/ALGORITHM.md §4.3, §5). The forward
ring, `inference_schedule`, needs nothing but these; the training ring is
built in `lava_backprop.schedule.ring`.
"""

from lava_backprop.params import CIRCUIT, layer_names
from lava_backprop.schedule.model import PlasticGroup, Population, Schedule

__all__ = ["check_depth", "names", "populations", "plastic_groups", "inference_schedule"]


def check_depth(n_hidden) -> int:
    """``n_hidden`` if it is a positive int; ValueError otherwise."""
    if not isinstance(n_hidden, int) or isinstance(n_hidden, bool) or n_hidden < 1:
        raise ValueError(f"n_hidden must be a positive int, got {n_hidden!r}")
    return n_hidden


def names(n_hidden: int) -> dict:
    """Population names by layer index (1 .. L + 1) and key (h, lo, hi, m, c, t, n, dp, dn)."""
    out = {}
    for lay in range(1, n_hidden + 1):
        s = "" if n_hidden == 1 else str(lay)
        out[lay] = {
            "h": f"h{s}",
            "lo": f"h{s}_lo",
            "hi": f"h{s}_hi",
            "m": f"m_h{s}",
            "c": f"c_h{s}",
            "t": f"h{lay}t",
            "n": f"h{lay}n",
            "dp": f"d{lay}_pos",
            "dn": f"d{lay}_neg",
        }
    out[n_hidden + 1] = {"h": "o", "lo": "o_lo", "hi": "o_hi", "n": "ot"}
    return out


_HIDDEN = (("h", "h", "h"), ("lo", "h<", "h_lo"), ("hi", "h>", "h_hi"), ("m", "m_h", "m_h"), ("c", "c_h", "c_h"))
_OUTPUT = (("o", "o"), ("o_lo", "o<"), ("o_hi", "o>"), ("t", "t"), ("d_pos", "d+"), ("d_neg", "d-"), ("ot", "oT-"))


def populations(L: int, nm: dict) -> tuple[Population, ...]:
    """Every population of the training circuit, layer by layer, with its role."""
    layers = layer_names(L)
    pops = [Population("x", "input", "x", "x"), Population("m_x", "input", "m_x", "m_x")]
    for lay in range(1, L + 1):
        layer, suffix = layers[lay], "" if L == 1 else str(lay)
        pops += [Population(nm[lay][key], layer, f"{label}{suffix}", role) for key, label, role in _HIDDEN]
        pops.append(Population(nm[lay]["t"], layer, f"h{lay}T", "ht", refractory=False))
        if lay >= 2:
            pops.append(Population(nm[lay]["n"], layer, f"hT-{lay}", "hn"))
        if L >= 2:
            pops.append(Population(nm[lay]["dp"], layer, f"d{lay}+", "d_pos"))
            pops.append(Population(nm[lay]["dn"], layer, f"d{lay}-", "d_neg"))
    pops += [Population(name, "output", label, name) for name, label in _OUTPUT]
    return tuple(pops)


def plastic_groups(L: int, nm: dict) -> tuple[PlasticGroup, ...]:
    """W_l onto the trio of layer l; P_l, M_l from layer l's carriers onto h_{l-1}T."""
    groups = []
    for lay in range(1, L + 2):
        pre = "x" if lay == 1 else nm[lay - 1]["h"]
        groups.append(PlasticGroup(f"w{lay}", pre, (nm[lay]["h"], nm[lay]["lo"], nm[lay]["hi"])))
    for lay in range(2, L + 2):
        groups.append(PlasticGroup(f"w{lay}t_pos", nm[lay]["h"], (nm[lay - 1]["t"],)))
        groups.append(PlasticGroup(f"w{lay}t_neg", nm[lay]["n"], (nm[lay - 1]["t"],)))
    return tuple(groups)


def inference_schedule(n_hidden: int) -> Schedule:
    """The forward ring for ``n_hidden`` hidden layers, named ``"inference-<L>"``.

    Phase 0 is empty, phase 1 fires x, phase ``1 + l`` fires ``h_l = [W_l h_{l-1}
    > 512]`` and phase ``L + 2`` fires ``o = [W_{L+1} h_L > 512]``, the
    read-out; ``L + 3`` steps per sample. The weights do not learn.

    Raises
    ------
    ValueError
        If ``n_hidden`` is not a positive int.
    """
    L = check_depth(n_hidden)
    nm = names(L)
    layers = layer_names(L)
    order = ["x"] + [nm[lay]["h"] for lay in range(1, L + 2)]
    pops = (Population("x", "input", "x", "x"),)
    pops += tuple(Population(nm[lay]["h"], layers[lay], nm[lay]["h"], "h") for lay in range(1, L + 1))
    pops += (Population("o", "output", "o", "o"),)
    return Schedule(
        name=f"inference-{L}",
        n_phases=L + 3,
        populations=pops,
        gates={0: (), **{p: ((pop, CIRCUIT.gate),) for p, pop in enumerate(order, start=1)}},
        relays=(),
        plastic=tuple(PlasticGroup(f"w{lay}", order[lay - 1], (order[lay],)) for lay in range(1, L + 2)),
        drives={"x": ("x_drive", 0)},
        potentiation_gates=(),
        record_gate=L + 2,
        learns=False,
        active_phases={pop: (p,) for p, pop in enumerate(order, start=1)},
        phase_notes={1: "input", **{p: f"forward {pop}" for p, pop in enumerate(order[1:], start=2)}},
    )
