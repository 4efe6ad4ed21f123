# SPDX-License-Identifier: BSD-3-Clause
"""Wiring of the circuit's five leaf processes, shared by the hierarchical networks."""

from lava_backprop.procs.gating_chain.process import GatingChain
from lava_backprop.procs.hidden_layer.process import HiddenLayer
from lava_backprop.procs.input_layer.process import InputLayer
from lava_backprop.procs.output_layer.process import OutputLayer
from lava_backprop.procs.sample_source.process import SampleSource
from lava_backprop.schedule import SCHEDULES

__all__ = ["build_circuit"]


def build_circuit(model, proc, schedule: str) -> None:
    """Create the children of ``proc`` as attributes of ``model`` and connect them.

    Gate spikes go from the chain to the source and the three layers; the
    source feeds x and t; x goes to the hidden layer (W1), h to the output
    layer (W2), o and oT- back to the hidden layer (+W2^T, -W2^T). The
    parent's Vars alias the children's weights and read-out records, and
    each of the parent's ``s_out_<population>`` ports carries that
    population's spikes.
    """
    p = proc.proc_params
    sizes = {"n_in": p["n_in"], "n_hid": p["n_hid"], "n_out": p["n_out"]}
    sched = SCHEDULES[schedule]
    model.chain = GatingChain(n_gates=sched.n_phases, name="chain")
    model.source = SampleSource(
        n_in=p["n_in"],
        n_out=p["n_out"],
        schedule=schedule,
        buffer_path=p["buffer_path"],
        capacity=p["capacity"],
        name="source",
    )
    model.input = InputLayer(**sizes, schedule=schedule, name="input")
    model.hidden = HiddenLayer(
        **sizes,
        w1=p["w1"],
        w2t_pos=p.get("w2t_pos"),
        w2t_neg=p.get("w2t_neg"),
        schedule=schedule,
        name="hidden",
    )
    model.output = OutputLayer(**sizes, w2=p["w2"], capacity=p["capacity"], schedule=schedule, name="output")

    model.chain.s_out.connect(
        [model.source.s_in_gate, model.input.s_in_gate, model.hidden.s_in_gate, model.output.s_in_gate]
    )
    model.source.s_out_x_drive.connect(model.input.s_in_x_drive)
    model.input.s_out_x.connect(model.hidden.s_in_x)
    model.hidden.s_out_h.connect(model.output.s_in_h)
    if "t" in {pop.name for pop in sched.populations}:
        model.source.s_out_t_drive.connect(model.output.s_in_t_drive)
        model.output.s_out_o.connect(model.hidden.s_in_o)
        model.output.s_out_ot.connect(model.hidden.s_in_ot)

    for var, child in (("w1", model.hidden), ("w2", model.output), ("o_rec", model.output), ("z_rec", model.output)):
        getattr(proc, var).alias(getattr(child, var))
    for layer, child in (("input", model.input), ("hidden", model.hidden), ("output", model.output)):
        getattr(proc, f"spike_counts_{layer}").alias(child.spike_counts)
        getattr(proc, f"weight_changes_{layer}").alias(child.weight_changes)
    if hasattr(proc, "w2t_pos"):
        proc.w2t_pos.alias(model.hidden.w2t_pos)
        proc.w2t_neg.alias(model.hidden.w2t_neg)
    layer_of = {"input": model.input, "hidden": model.hidden, "output": model.output}
    for pop in sched.populations:
        getattr(layer_of[pop.layer], f"s_out_{pop.name}").connect(getattr(proc, f"s_out_{pop.name}"))
