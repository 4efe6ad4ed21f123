# SPDX-License-Identifier: BSD-3-Clause
"""Static check of a Lava network against Loihi 2, without the hardware.

`check_network` resolves a process graph the way a hardware run would
(``select_sub_proc_model=True``: compositions replace leaves where they
exist) and reports

- every leaf process without a Loihi 2 implementation (a custom CPU model
  rather than one of the built-ins ``lava-loihi`` implements, or host IO),
- every parameter of a built-in outside the limits of Lava's bit-accurate
  models (weight mantissa and exponent, threshold, bias, decays, delays),
- the circuit's size in neurons and synapses, beside the paper's Loihi 1
  configuration (`circuit_resources`).

`check_hw` does this for the training network of given sizes, any number
of hidden layers, on the parity ring (``training-<L>-parity``) that the
built-in plastic layers need.
"""

import dataclasses
import json
import tempfile
from dataclasses import dataclass, field

import numpy as np

from lava_backprop.params import NetworkSize
from lava_backprop.runtime import resolve_leaves
from lava_backprop.schedule import Schedule, training_schedule

__all__ = [
    "Finding",
    "HwReport",
    "LIMITS",
    "LOIHI2_CHIP",
    "circuit_resources",
    "resource_findings",
    "check_network",
    "check_hw",
]

#: Built-in processes with Loihi 2 neurocore implementations in lava-loihi.
LOIHI2_BUILTINS = {
    "lava.proc.lif.process.LIF",
    "lava.proc.lif.process.LIFReset",
    "lava.proc.lif.process.LIFRefractory",
    "lava.proc.lif.process.LearningLIF",
    "lava.proc.dense.process.Dense",
    "lava.proc.dense.process.DelayDense",
    "lava.proc.dense.process.LearningDense",
    "lava.proc.sparse.process.Sparse",
    "lava.proc.sparse.process.DelaySparse",
    "lava.proc.sparse.process.LearningSparse",
}
#: Processes that run on the host in a hardware run and exchange spikes with the chip.
HOST_IO = {
    "lava.proc.io.source.RingBuffer",
    "lava.proc.io.sink.RingBuffer",
    "lava_backprop.procs.sample_source.process.SampleSource",
    "lava_backprop.procs.read_out.process.ReadOut",
}

#: Limits of Lava's bit-accurate LIF and Dense models (lava-nc 0.10.0 docstrings).
LIMITS = {
    "weight_mantissa": 255,  # 8-bit weights (mixed sign: even values, one bit less)
    "weight_exp": (-8, 7),
    "vth": 2**17 - 1,  # unsigned 17-bit
    "bias_mant": (-(2**12), 2**12 - 1),  # signed 13-bit
    "bias_exp": (0, 7),  # unsigned 3-bit
    "decay": 4095,  # du, dv: unsigned 12-bit
    "delay": 63,  # DelayDense: 6-bit synaptic delay on Loihi 2 (lava-nc DelayDense docstring)
}

#: One Loihi 2 chip as Intel's 2021 brief states it: 128 neurocores, up to 1 million
#: neurons and 120 million synapses; the per-core shares below follow from it.
LOIHI2_CHIP = {"cores": 128, "neurons_per_core": 8192, "synapses_per_core": 120_000_000 // 128}

#: The paper's configuration on Loihi 1 (docs/ALGORITHM.md §4.3, §4.6).
PAPER = {"sizes": "400-400-10", "neurons": 3282, "plastic_synapses": 500_000}


@dataclass(frozen=True)
class Finding:
    """One problem: ``kind`` is ``"model"`` (no Loihi 2 implementation), ``"parameter"`` or ``"resources"``."""

    kind: str
    process: str
    message: str


@dataclass
class HwReport:
    """Result of a check: findings, the leaves as a hardware run would place them, and sizes."""

    findings: list = field(default_factory=list)
    leaves: list = field(default_factory=list)
    resources: dict = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.findings

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "findings": [dataclasses.asdict(f) for f in self.findings],
            "leaves": self.leaves,
            "resources": self.resources,
            "paper_loihi1": PAPER,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def summary(self) -> str:
        lines = [f"{len(self.leaves)} leaf processes:"]
        for leaf in self.leaves:
            lines.append(f"  {leaf['name']:<24} {leaf['process']:<16} {leaf['model']:<34} {leaf['placement']}")
        r = self.resources
        if r:
            lines.append(
                f"circuit {r['sizes']} ({r['schedule']} ring): {r['neurons']} neurons, "
                f"{r['plastic_synapses']} plastic and {r['fixed_synapses']} fixed synapses, "
                f"{r['synaptic_memory_kib']:.0f} KiB of 8-bit weights, about {r['neurocores']} of a chip's "
                f"{r['chip_cores']} neurocores "
                f"(paper on Loihi 1: {PAPER['neurons']} neurons, {PAPER['plastic_synapses']} plastic synapses)"
            )
        if self.ok:
            lines.append("OK: every leaf has a Loihi 2 implementation and every parameter is in range")
        else:
            lines.append(f"{len(self.findings)} problem(s):")
            lines.extend(f"  [{f.kind}] {f.process}: {f.message}" for f in self.findings)
        return "\n".join(lines)


def _qualname(obj) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _value(var):
    return np.asarray(var.init if hasattr(var, "init") else var)


def _check_params(proc) -> list[str]:
    """Parameter problems of one built-in process, as messages."""
    problems = []
    vars_ = {v.name: _value(v) for v in proc.vars}
    params = proc.proc_params
    if "weights" in vars_:
        w = vars_["weights"]
        if not np.array_equal(w, np.round(w)):
            problems.append("weights are not integers")
        elif np.abs(w).max(initial=0) > LIMITS["weight_mantissa"] + 1:
            problems.append(f"weight mantissa {int(np.abs(w).max())} exceeds 8 bits")
        exp = int(params.get("weight_exp", 0))
        lo, hi = LIMITS["weight_exp"]
        if not lo <= exp <= hi:
            problems.append(f"weight_exp {exp} outside [{lo}, {hi}]")
    if "delays" in vars_ and vars_["delays"].size and vars_["delays"].max() > LIMITS["delay"]:
        problems.append(f"delay {int(vars_['delays'].max())} exceeds {LIMITS['delay']}")
    if "vth" in vars_ and (vars_["vth"] < 0).any() | (vars_["vth"] > LIMITS["vth"]).any():
        problems.append(f"vth {vars_['vth'].max()} outside [0, {LIMITS['vth']}]")
    for name, key in (("bias_mant", "bias_mant"), ("bias_exp", "bias_exp")):
        if name in vars_:
            lo, hi = LIMITS[key]
            if (vars_[name] < lo).any() or (vars_[name] > hi).any():
                problems.append(f"{name} outside [{lo}, {hi}]")
    for name in ("du", "dv"):
        if name in vars_ and ((vars_[name] < 0).any() or (vars_[name] > LIMITS["decay"]).any()):
            problems.append(f"{name} outside [0, {LIMITS['decay']}]")
    return problems


def check_network(proc) -> HwReport:
    """Resolve ``proc``'s graph under the hardware model selection and check it.

    The processes are marked compiled by the resolution; build a fresh network
    for the check.
    """
    report = HwReport()
    for leaf, model in resolve_leaves(proc):
        cls = _qualname(leaf)
        if cls in LOIHI2_BUILTINS:
            placement = "neurocores"
            for message in _check_params(leaf):
                report.findings.append(Finding("parameter", f"{leaf.name} ({type(leaf).__name__})", message))
        elif cls in HOST_IO:
            placement = "host IO"
        else:
            placement = "CPU only"
            report.findings.append(
                Finding(
                    "model",
                    f"{leaf.name} ({type(leaf).__name__})",
                    f"no Loihi 2 implementation: only the CPU model {model.__name__} exists",
                )
            )
        report.leaves.append(
            {"name": leaf.name, "process": type(leaf).__name__, "model": model.__name__, "placement": placement}
        )
    return report


def circuit_resources(size: NetworkSize, schedule: Schedule | None = None) -> dict:
    """Neurons and synapses of the circuit for ``size``, from the schedule.

    Counts each population (and the gate neurons), each plastic group's copies
    as all-to-all synapses, each relay as one synapse per neuron, and each
    gate connection as one synapse per target neuron. ``neurocores`` is an
    estimate: every population (and the ring) on cores of its own, as many
    as its neurons and incoming synapses need at `LOIHI2_CHIP`'s per-core
    shares. ``schedule`` defaults to the training ring of ``size``'s depth.
    """
    schedule = schedule or training_schedule(size.n_hidden)
    widths = size.layers
    width = {p.name: widths[p.layer] for p in schedule.populations}
    neurons = sum(width.values()) + schedule.n_phases
    plastic = sum(len(g.posts) * width[g.pre] * width[g.posts[0]] for g in schedule.plastic)
    relays = sum(width[r.dst] for r in schedule.relays)
    gates = sum(width[pop] for targets in schedule.gates.values() for pop, _ in targets) + schedule.n_phases
    incoming = dict.fromkeys(width, 0)
    for g in schedule.plastic:
        for post in g.posts:
            incoming[post] += width[g.pre] * width[post]
    for r in schedule.relays:
        incoming[r.dst] += width[r.dst]
    for targets in schedule.gates.values():
        for pop, _ in targets:
            incoming[pop] += width[pop]
    chip = LOIHI2_CHIP
    cores = 1 + sum(  # the ring, then each population
        max(1, -(-width[p] // chip["neurons_per_core"]), -(-incoming[p] // chip["synapses_per_core"])) for p in width
    )
    return {
        "sizes": str(size),
        "schedule": schedule.name,
        "neurocores": cores,
        "chip_cores": chip["cores"],
        "neurons": neurons,
        "plastic_synapses": plastic,
        "fixed_synapses": relays + gates,
        "synaptic_memory_kib": (plastic + relays + gates) / 1024,
    }


def check_hw(size: NetworkSize, parity: bool = True) -> HwReport:
    """Check the training network of ``size`` (Glorot weights; values do not matter here).

    ``parity=False`` checks the CPU circuit's ring, on which no Loihi 2
    learning rule exists (`lava_backprop.procs.builtin_layers.phase_sign_rule`
    raises ValueError).
    """
    from lava_backprop.procs.backprop_network.process import BackpropNetwork
    from lava_backprop.weights import glorot_init

    weights = glorot_init(size, seed=0)
    with tempfile.NamedTemporaryFile(suffix=".samples") as buffer:
        net = BackpropNetwork(weights=weights, buffer_path=buffer.name, capacity=1, parity=parity, name="nbp")
        report = check_network(net)
    report.resources = circuit_resources(size, net.schedule)
    report.findings.extend(resource_findings(report.resources))
    return report


def resource_findings(resources: dict) -> list[Finding]:
    """A finding if the circuit needs more neurocores than one chip has."""
    if resources["neurocores"] <= resources["chip_cores"]:
        return []
    return [
        Finding(
            "resources",
            f"circuit {resources['sizes']}",
            f"needs about {resources['neurocores']} neurocores, more than one chip's {resources['chip_cores']}",
        )
    ]
