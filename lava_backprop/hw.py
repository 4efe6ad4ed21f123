# SPDX-License-Identifier: BSD-3-Clause
"""Static check of a Lava network against Loihi 2, without the hardware.

`check_network` resolves a process graph the way a hardware run would
(``select_sub_proc_model=True``: compositions replace leaves where they
exist) and reports findings (`Finding`) of severity ``"error"`` (the run
would break) or ``"verify"`` (to be checked on the chip with
``lava-backprop chip-selftest``):

- every leaf process without a Loihi 2 implementation (a custom CPU model
  rather than one of the built-ins ``lava-loihi`` implements, or host IO);
- every parameter of a built-in outside the limits of Lava's bit-accurate
  models: weights as Lava's loader keeps them for the synapse's sign mode
  and ``num_weight_bits`` (`lava_backprop.hw_limits.weight_problems`),
  exponents, threshold, bias, decays, delays;
- the host-chip boundary: every connection between a leaf on neurocores and
  one on the host, listed; a synapse's output (``a_out``) crossing to the
  host is an error (synaptic currents cannot leave a core);
- for every LIF-family neuron, the largest synaptic input it can receive in
  one step beside the range its bit-accurate model declares for ``a_in``
  (int16): sums beyond it are ``"verify"`` items (Lava's simulator carries
  them intact in int32).

`check_hw` does this for the training network of given sizes, any number
of hidden layers, on the parity ring (``training-<L>-parity``) that the
built-in plastic layers need, and adds the circuit's size and an estimate
of the neurocores it needs (`circuit_resources`).
"""

import dataclasses
import json
import tempfile
from dataclasses import dataclass, field

import numpy as np

from lava_backprop.hw_limits import LIMITS, LOIHI2_CHIP, circuit_resources, input_bounds, sign_mode_of, weight_problems
from lava_backprop.params import NetworkSize
from lava_backprop.runtime import resolve_leaves

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

#: LIF-family neurons with Loihi 2 neurocore implementations in lava-loihi.
NEURONS = {f"lava.proc.lif.process.{n}" for n in ("LIF", "LIFReset", "LIFRefractory", "LearningLIF")}
#: Synapse processes with Loihi 2 implementations; the Learning* ones are plastic.
SYNAPSES = {
    f"lava.proc.{m}.process.{p}{n}"
    for m, n in (("dense", "Dense"), ("sparse", "Sparse"))
    for p in ("", "Delay", "Learning")
}
#: Built-in processes with Loihi 2 neurocore implementations in lava-loihi.
LOIHI2_BUILTINS = NEURONS | SYNAPSES
#: Processes that run on the host in a hardware run and exchange spikes with the chip.
HOST_IO = {
    "lava.proc.io.source.RingBuffer",
    "lava.proc.io.sink.RingBuffer",
    "lava_backprop.procs.sample_source.process.SampleSource",
    "lava_backprop.procs.read_out.process.ReadOut",
    "lava.proc.embedded_io.spike.PyToNxAdapter",  # lava-loihi's host-chip adapters
    "lava.proc.embedded_io.spike.NxToPyAdapter",
    "lava.proc.embedded_io.state.Read",
}

#: The paper's configuration on Loihi 1 (docs/ALGORITHM.md §4.3, §4.6).
PAPER = {"sizes": "400-400-10", "neurons": 3282, "plastic_synapses": 500_000}

#: What a chip-side LIF's ``a_in`` holds when its model does not say (Lava's bit-accurate LIF: int16).
A_IN_DEFAULT = (-(2**15), 2**15 - 1)


@dataclass(frozen=True)
class Finding:
    """One problem.

    ``kind`` is ``"model"`` (no Loihi 2 implementation), ``"parameter"``,
    ``"boundary"`` (host-chip crossing), ``"input-range"`` or ``"resources"``;
    ``severity`` is ``"error"`` (the run would break) or ``"verify"`` (check
    it on the chip: ``lava-backprop chip-selftest``).
    """

    kind: str
    process: str
    message: str
    severity: str = "error"


@dataclass
class HwReport:
    """Result of a check: findings, the leaves as a hardware run would place them, and sizes.

    ``boundary`` lists every connection between neurocores and the host
    (``direction``, ``src``, ``dst`` as ``process.port``, ``width``, and
    ``kind``: ``"message"``, or ``"ref"`` for a Var read through a RefPort);
    ``input_ranges`` each chip neuron's largest one-step synaptic input.
    """

    findings: list = field(default_factory=list)
    leaves: list = field(default_factory=list)
    resources: dict = field(default_factory=dict)
    boundary: list = field(default_factory=list)
    input_ranges: list = field(default_factory=list)

    @property
    def errors(self) -> list:
        return [f for f in self.findings if f.severity == "error"]

    @property
    def to_verify(self) -> list:
        return [f for f in self.findings if f.severity == "verify"]

    @property
    def ok(self) -> bool:
        """No error; ``"verify"`` items do not count."""
        return not self.errors

    def to_dict(self) -> dict:
        return {
            "ok": self.ok,
            "findings": [dataclasses.asdict(f) for f in self.findings],
            "leaves": self.leaves,
            "boundary": self.boundary,
            "input_ranges": self.input_ranges,
            "resources": self.resources,
            "paper_loihi1": PAPER,
        }

    def to_json(self) -> str:
        return json.dumps(self.to_dict(), indent=2)

    def summary(self) -> str:
        lines = [f"{len(self.leaves)} leaf processes:"]
        for leaf in self.leaves:
            lines.append(f"  {leaf['name']:<24} {leaf['process']:<16} {leaf['model']:<34} {leaf['placement']}")
        lines.append(f"host-chip boundary: {len(self.boundary)} connection(s)")
        lines.extend(
            f"  {b['direction']:<10} {b['src']:<28} -> {b['dst']:<28} width {b['width']}"
            + (" (Var read through a RefPort)" if b["kind"] == "ref" else "")
            for b in self.boundary
        )
        r = self.resources
        if r:
            est = r["estimate"]
            lines.append(
                f"circuit {r['sizes']} ({r['schedule']} ring): {r['neurons']} neurons, "
                f"{r['plastic_synapses']} plastic and {r['fixed_synapses']} fixed synapses; estimate: "
                f"{r['synaptic_memory_kib']:.0f} KiB of synapses, about {r['neurocores']} of a chip's "
                f"{r['chip_cores']} neurocores at {est['bytes_per_core'] // 1024} KiB a core "
                f"(paper on Loihi 1: {PAPER['neurons']} neurons, {PAPER['plastic_synapses']} plastic synapses)"
            )
        verify, errors = self.to_verify, self.errors
        if verify:
            lines.append(f"{len(verify)} item(s) to verify on the chip (lava-backprop chip-selftest):")
            lines.extend(f"  [{f.kind}] {f.process}: {f.message}" for f in verify)
        if self.ok:
            note = f" ({len(verify)} item(s) above to verify on the chip)" if verify else ""
            lines.append(f"OK: every leaf has a Loihi 2 implementation and every parameter is in range{note}")
        else:
            lines.append(f"{len(errors)} problem(s):")
            lines.extend(f"  [{f.kind}] {f.process}: {f.message}" for f in errors)
        return "\n".join(lines)


def _qualname(obj) -> str:
    cls = obj if isinstance(obj, type) else type(obj)
    return f"{cls.__module__}.{cls.__qualname__}"


def _label(proc) -> str:
    return f"{proc.name} ({type(proc).__name__})"


def _value(var):
    return np.asarray(var.init if hasattr(var, "init") else var)


def _synapse(proc) -> dict:
    """A synapse leaf's weights as declared, with the parameters its bit-accurate model loads them by."""
    init = proc.vars.weights.init
    weights = np.asarray(init.toarray() if hasattr(init, "toarray") else init)  # Sparse: a scipy matrix
    learning = "Learning" in type(proc).__name__
    params = proc.proc_params
    plastic = None
    if learning:  # a rule with the tag in every term leaves the synapses tagged 0 at 0
        products = params["learning_rule"].active_product_series["dw"].products
        if all("t" in {f.state_var for f in q.factors} for q in products):
            plastic = np.asarray(proc.vars.tag_1.init) != 0
    return {
        "weights": weights,
        "learning": learning,
        "plastic": plastic,
        "sign_mode": sign_mode_of(params, weights, learning),
        "num_weight_bits": int(params.get("num_weight_bits", 8)),
        "weight_exp": int(params.get("weight_exp", 0)),
    }


def _check_params(proc) -> list[str]:
    """Parameter problems of one built-in process, as messages."""
    problems = []
    if _qualname(proc) in SYNAPSES:
        syn = _synapse(proc)
        problems += weight_problems(syn["weights"], syn["sign_mode"], syn["num_weight_bits"])
        lo, hi = LIMITS["weight_exp"]
        if not lo <= syn["weight_exp"] <= hi:
            problems.append(f"weight_exp {syn['weight_exp']} outside [{lo}, {hi}]")
    # `.members`, not `in proc.vars`: Lava's Collection iterator keeps its position after a break
    vals = {v.name: _value(v) for v in proc.vars.members if v.name != "weights"}
    if "delays" in vals and vals["delays"].size and vals["delays"].max() > LIMITS["delay"]:
        problems.append(f"delay {int(vals['delays'].max())} exceeds {LIMITS['delay']}")
    if "vth" in vals and ((vals["vth"] < 0).any() or (vals["vth"] > LIMITS["vth"]).any()):
        problems.append(f"vth {vals['vth'].max()} outside [0, {LIMITS['vth']}]")
    for name in ("bias_mant", "bias_exp"):
        lo, hi = LIMITS[name]
        if name in vals and ((vals[name] < lo).any() or (vals[name] > hi).any()):
            problems.append(f"{name} outside [{lo}, {hi}]")
    for name in ("du", "dv"):
        if name in vals and ((vals[name] < 0).any() or (vals[name] > LIMITS["decay"]).any()):
            problems.append(f"{name} outside [0, {LIMITS['decay']}]")
    return problems


def _connections(leaves: list) -> list[tuple]:
    """``(src, src_end, dst, dst_end, kind)`` for every link between leaves, by Lava's public port API.

    ``kind`` is ``"message"`` (an OutPort to an InPort; ends are port names)
    or ``"ref"`` (a RefPort reading a Var: oriented from the Var's owner,
    whose end is the Var's name, to the RefPort's).
    """
    links = []
    for leaf in leaves:
        for port in leaf.out_ports.members:
            links += [(leaf, port.name, d.process, d.name, "message") for d in port.get_dst_ports()]
        for port in leaf.ref_ports.members:
            links += [(d.process, d.var.name, leaf, port.name, "ref") for d in port.get_dst_ports()]
    ids = {id(leaf) for leaf in leaves}  # a parent's unconnected OutPort is no leaf's
    return [link for link in links if id(link[0]) in ids and id(link[2]) in ids]


def _boundary(links: list, placement: dict, report: HwReport) -> None:
    """List the host-chip crossings in ``report`` and add an error for each synaptic output among them."""
    for src, src_end, dst, dst_end, kind in links:
        on_chip = placement[id(src)] == "neurocores", placement[id(dst)] == "neurocores"
        if on_chip[0] == on_chip[1]:
            continue
        width = int(getattr(src, src_end).size)
        report.boundary.append(
            {
                "direction": "chip->host" if on_chip[0] else "host->chip",
                "src": f"{src.name}.{src_end}",
                "dst": f"{dst.name}.{dst_end}",
                "width": width,
                "kind": kind,
            }
        )
        if on_chip[0] and _qualname(src) in SYNAPSES and src_end == "a_out":
            report.findings.append(
                Finding(
                    "boundary",
                    _label(src),
                    f"synaptic output {src.name}.a_out goes to host process {dst.name}.{dst_end}: "
                    "synaptic currents cannot leave a neurocore; read a neuron's state instead",
                )
            )


def _input_ranges(links: list, models: dict, report: HwReport) -> None:
    """Bound each chip neuron's one-step synaptic input; beyond its ``a_in`` type it is a ``"verify"`` item."""
    sums = {}
    for src, src_end, dst, dst_end, kind in links:
        synaptic = (kind, src_end, dst_end) == ("message", "a_out", "a_in")
        if synaptic and _qualname(src) in SYNAPSES and _qualname(dst) in NEURONS:
            syn = _synapse(src)
            pos, neg = input_bounds(
                syn["weights"],
                syn["sign_mode"],
                syn["num_weight_bits"],
                syn["weight_exp"],
                syn["learning"],
                syn["plastic"],
            )
            acc = sums.setdefault(id(dst), [dst, np.zeros_like(pos), np.zeros_like(neg)])
            acc[1], acc[2] = acc[1] + pos, acc[2] + neg
    for neuron, pos, neg in sorted(sums.values(), key=lambda item: item[0].name):
        a_in = getattr(models[id(neuron)], "a_in", None)
        dtype = getattr(a_in, "d_type", None)
        lo, hi = (
            (int(np.iinfo(dtype).min), int(np.iinfo(dtype).max))
            if isinstance(dtype, type) and np.issubdtype(dtype, np.integer)
            else A_IN_DEFAULT
        )
        top, bottom = int(pos.max(initial=0)), int(neg.min(initial=0))
        report.input_ranges.append({"neuron": neuron.name, "max": top, "min": bottom, "a_in": [lo, hi]})
        if top > hi or bottom < lo:
            report.findings.append(
                Finding(
                    "input-range",
                    _label(neuron),
                    f"one step's synaptic input can reach [{bottom}, {top}], beyond the [{lo}, {hi}] "
                    "that the bit-accurate LIF declares for a_in (Lava's simulator carries it in int32)",
                    "verify",
                )
            )


def check_network(proc) -> HwReport:
    """Resolve ``proc``'s graph under the hardware model selection and check it.

    The processes are marked compiled by the resolution; build a fresh network
    for the check.
    """
    report = HwReport()
    resolved = resolve_leaves(proc)
    placement, models = {}, {}
    for leaf, model in resolved:
        cls = _qualname(leaf)
        if cls in LOIHI2_BUILTINS:
            placement[id(leaf)] = "neurocores"
            report.findings += [Finding("parameter", _label(leaf), m) for m in _check_params(leaf)]
        elif cls in HOST_IO:
            placement[id(leaf)] = "host IO"
        else:
            placement[id(leaf)] = "CPU only"
            report.findings.append(
                Finding("model", _label(leaf), f"no Loihi 2 implementation: only the CPU model {model.__name__} exists")
            )
        models[id(leaf)] = model
        report.leaves.append(
            {
                "name": leaf.name,
                "process": type(leaf).__name__,
                "model": model.__name__,
                "placement": placement[id(leaf)],
            }
        )
    links = _connections([leaf for leaf, _ in resolved])
    _boundary(links, placement, report)
    _input_ranges(links, models, report)
    return report


def check_hw(size: NetworkSize, parity: bool = True) -> HwReport:
    """Check the training network of ``size`` (Glorot weights; values do not matter here).

    ``parity=False`` checks the CPU circuit's ring, on which no Loihi 2
    learning rule exists (`lava_backprop.procs.builtin_layers.plastic_rule`
    raises ValueError).
    """
    from lava_backprop.procs.backprop_network.process import BackpropNetwork
    from lava_backprop.weights import glorot_init

    weights = glorot_init(size, seed=0)
    with tempfile.NamedTemporaryFile(suffix=".samples") as buffer:
        net = BackpropNetwork(
            weights=weights, buffer_path=buffer.name, capacity=1, parity=parity, builtins=True, name="nbp"
        )
        report = check_network(net)
    report.resources = circuit_resources(size, net.schedule)
    report.findings.extend(resource_findings(report.resources))
    return report


def resource_findings(resources: dict) -> list[Finding]:
    """A finding if the circuit needs more neurocores than one chip has (by the estimate)."""
    if resources["neurocores"] <= resources["chip_cores"]:
        return []
    return [
        Finding(
            "resources",
            f"circuit {resources['sizes']}",
            f"needs about {resources['neurocores']} neurocores (estimate), more than one chip's "
            f"{resources['chip_cores']}",
        )
    ]
