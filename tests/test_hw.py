# SPDX-License-Identifier: BSD-3-Clause
"""The static Loihi 2 checker."""

import json
import math
import re

import numpy as np
import pytest
from lava.magma.core.learning.constants import W_TAG_1_S, W_TAG_2_S
from lava.magma.core.learning.learning_rule import Loihi2FLearningRule
from lava.proc.dense.process import Dense, LearningDense
from lava.proc.io.sink import RingBuffer as Sink
from lava.proc.io.source import RingBuffer
from lava.proc.lif.process import LIFReset, TernaryLIF
from lava.proc.sparse.process import Sparse
from lava.utils.weightutils import SignMode
from lava_testing import no_leftover_workers  # noqa: F401
from scipy.sparse import csr_matrix

import lava_backprop as lb
from lava_backprop.cli import main
from lava_backprop.hw import (
    LOIHI2_CHIP,
    PAPER,
    Finding,
    HwReport,
    check_hw,
    check_network,
    circuit_resources,
    resource_findings,
)
from lava_backprop.hw_limits import SYNAPSE_BITS, input_bounds, weight_problems, weight_range

pytestmark = pytest.mark.timeout(120)


def builtin_net(weight_exp=6, vth=1024):
    src = RingBuffer(data=np.ones((3, 4), dtype=int))
    dense = Dense(weights=np.full((2, 3), 100), weight_exp=weight_exp, name="dense")
    lif = LIFReset(shape=(2,), vth=vth, reset_interval=1, name="lif")
    src.s_out.connect(dense.s_in)
    dense.a_out.connect(lif.a_in)
    return lif


def synapse_net(synapse, n_pre=3):
    """Host source -> ``synapse`` -> LIFReset: the smallest network around one synapse process."""
    src = RingBuffer(data=np.ones((n_pre, 4), dtype=int))
    lif = LIFReset(shape=(synapse.a_out.shape[0],), vth=1024, reset_interval=1, name="lif")
    src.s_out.connect(synapse.s_in)
    synapse.a_out.connect(lif.a_in)
    return lif


#: The training circuit's host-chip crossings: spikes in and out, and the output layer's current (o's among them) read
#: as a state (no synaptic output).
CROSSINGS = {
    ("host->chip", "source.s_out_x_drive", "drive_x.s_in", "message"),
    ("host->chip", "source.s_out_t_drive", "drive_t.s_in", "message"),
    ("chip->host", "output.s_out", "read_out.s_in_o", "message"),
    ("chip->host", "output.u", "read_out.ref_u", "ref"),
}


def crossings(boundary) -> set:
    return {(b["direction"], b["src"], b["dst"], b["kind"]) for b in boundary}


def test_builtin_network_passes():
    report = check_network(builtin_net())
    assert report.ok, report.summary()
    placements = {leaf["name"]: leaf["placement"] for leaf in report.leaves}
    assert placements["dense"] == placements["lif"] == "neurocores"
    assert "host IO" in placements.values()
    (crossing,) = report.boundary  # spikes into the chip are fine
    assert crossing["direction"] == "host->chip" and crossing["dst"] == "dense.s_in" and crossing["width"] == 3
    assert report.input_ranges == [{"neuron": "lif", "max": 3 * 100 << 6, "min": 0, "a_in": [-32768, 32767]}]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"weight_exp": 9}, "dense.*weight_exp 9 outside"), ({"vth": 2**17}, "lif.*vth 131072 outside")],
)
def test_out_of_range_parameters_are_named(kwargs, message):
    report = check_network(builtin_net(**kwargs))
    assert not report.ok
    assert any(f.kind == "parameter" for f in report.findings)
    assert re.search(message, report.summary())


def test_weight_ranges_follow_lavas_loader():
    assert weight_range(SignMode.MIXED) == (-256, 254, 2)
    assert weight_range(SignMode.EXCITATORY) == (0, 255, 1)
    assert weight_range(SignMode.INHIBITORY) == (-255, 0, 1)
    assert weight_range(SignMode.MIXED, 7) == (-256, 252, 4)
    assert weight_problems(np.array([[254, -256, 0, 2]]), SignMode.MIXED) == []
    assert weight_problems(np.array([[255, 0]]), SignMode.EXCITATORY) == []
    (odd, cross) = weight_problems(np.array([[255, 253, -2]]), SignMode.MIXED)
    assert "[253, 255] load as [252, 254]" in odd and "optimize_weight_bits(loihi2=True) refuses" in cross
    (low,) = weight_problems(np.array([[-256, 0]]), SignMode.INHIBITORY)[:1]
    assert "[-256] load as [-255]" in low
    assert weight_problems(np.array([[2, 0]]), SignMode.MIXED, 9)[0] == "num_weight_bits 9 exceeds Loihi 2's 8"
    assert weight_problems(np.array([[0.5]]), SignMode.MIXED) == ["weights are not integers"]


def rule():
    return Loihi2FLearningRule(dw="2*x0*y0", t_epoch=1)


@pytest.mark.parametrize(
    ("make", "message"),
    [
        (lambda: Dense(weights=np.array([[255, -2, 0]]), name="syn"), r"\[255\] load as \[254\]"),
        (lambda: Dense(weights=np.array([[256, -2, 0]]), name="syn"), r"\[256\] load as \[254\]"),
        (lambda: Dense(weights=np.array([[256, 2, 0]]), name="syn"), r"excitatory 8-bit.*\[256\] load as \[255\]"),
        (lambda: Dense(weights=np.array([[253, -2, 0]]), name="syn"), r"\[253\] load as \[252\]"),
        (lambda: Dense(weights=np.array([[2, -2, 0]]), num_weight_bits=9, name="syn"), "num_weight_bits 9 exceeds"),
        (lambda: Dense(weights=np.array([[255, 2, 0]]), sign_mode=SignMode.MIXED, name="syn"), r"\[255\] load"),
        (lambda: Sparse(weights=csr_matrix(np.array([[255, -2, 0]])), name="syn"), r"\[255\] load as \[254\]"),
        (lambda: LearningDense(weights=np.array([[255, 0, 0]]), learning_rule=rule(), name="syn"), r"\[255\] load"),
    ],
)
def test_a_weight_a_loihi2_synapse_cannot_hold_is_a_finding(make, message):
    """Acceptance: a Dense with a weight of 255 or 256 (mixed sign), or 9 weight bits, is a check-hw finding."""
    report = check_network(synapse_net(make()))
    assert not report.ok
    assert {(f.kind, f.process.split()[0], f.severity) for f in report.findings} == {("parameter", "syn", "error")}
    assert any(re.search(message, f.message) for f in report.findings), report.findings
    assert "[parameter] syn" in report.summary()


@pytest.mark.parametrize(
    "make",
    [
        lambda: Dense(weights=np.array([[255, 145, 0]]), name="syn"),  # excitatory: 255 is a weight
        lambda: Dense(weights=np.array([[-255, -4, 0]]), name="syn"),  # inhibitory
        lambda: Dense(weights=np.array([[254, -256, 0]]), name="syn"),  # mixed, even
        lambda: LearningDense(weights=np.array([[254, -256, 2]]), learning_rule=rule(), name="syn"),
    ],
)
def test_weights_a_loihi2_synapse_holds_pass(make):
    report = check_network(synapse_net(make()))
    assert report.ok and report.findings == [], report.summary()


def test_lavas_optimizer_refusal_is_reported():
    report = check_network(synapse_net(Dense(weights=np.array([[256, -2, 0]]), name="syn")))
    loader, optimizer = report.findings  # what the loader keeps; what Lava's optimizer says
    assert "load as [254]" in loader.message
    assert optimizer.message.startswith(
        "Lava's optimize_weight_bits(loihi2=True) refuses them: weights have to be between -256 and 255"
    )


def test_a_synaptic_output_to_the_host_is_an_error_and_every_crossing_is_listed():
    src = RingBuffer(data=np.ones((3, 4), dtype=int))
    dense = Dense(weights=np.full((2, 3), 10), name="dense")
    lif = LIFReset(shape=(2,), vth=1024, reset_interval=1, name="lif")
    current, spikes = Sink(shape=(2,), buffer=4), Sink(shape=(2,), buffer=4)
    src.name, current.name, spikes.name = "src", "current", "spikes"  # the ring buffers take no name argument
    src.s_out.connect(dense.s_in)
    dense.a_out.connect([lif.a_in, current.a_in])
    lif.s_out.connect(spikes.a_in)
    report = check_network(lif)
    assert not report.ok
    (finding,) = report.findings
    assert (finding.kind, finding.process, finding.severity) == ("boundary", "dense (Dense)", "error")
    assert "dense.a_out goes to host process current.a_in" in finding.message
    assert sorted((b["direction"], b["src"], b["dst"], b["width"]) for b in report.boundary) == [
        ("chip->host", "dense.a_out", "current.a_in", 2),
        ("chip->host", "lif.s_out", "spikes.a_in", 2),
        ("host->chip", "src.s_out", "dense.s_in", 3),
    ]
    text = report.summary()
    assert "host-chip boundary: 3 connection(s)" in text and re.search(r"chip->host +lif\.s_out +-> spikes\.a_in", text)
    assert json.loads(report.to_json())["boundary"] == report.boundary


def test_a_state_read_through_a_refport_is_a_listed_crossing():
    from lava.proc.io.sink import Read

    lif = builtin_net()
    probe = Read(buffer=4)
    probe.name = "probe"
    probe.connect_var(lif.v)
    report = check_network(lif)
    assert {
        "direction": "chip->host",
        "src": "lif.v",
        "dst": "probe.state",
        "width": 2,
        "kind": "ref",
    } in report.boundary
    assert "(Var read through a RefPort)" in report.summary()
    assert [f.kind for f in report.findings] == ["model"]  # lava's Read is a CPU process; reading a state is no error


def test_synaptic_input_beyond_int16_is_to_verify_not_an_error():
    n_pre = 200
    dense = Dense(weights=np.full((2, n_pre), 255), name="dense")
    inhibit = Dense(weights=np.full((2, n_pre), -128), weight_exp=1, name="inhibit")
    lif = synapse_net(dense, n_pre)
    src = RingBuffer(data=np.ones((n_pre, 4), dtype=int))
    src.s_out.connect(inhibit.s_in)
    inhibit.a_out.connect(lif.a_in)
    report = check_network(lif)
    assert report.ok, report.summary()  # verify items do not count
    (item,) = report.to_verify
    assert (item.kind, item.process, item.severity) == ("input-range", "lif (LIFReset)", "verify")
    assert f"[{-128 * 2 * n_pre}, {255 * n_pre}]" in item.message and "[-32768, 32767]" in item.message
    lines = report.summary().splitlines()
    assert lines[-1].startswith("OK: every leaf") and "1 item(s) above to verify" in lines[-1]
    assert "1 item(s) to verify on the chip (lava-backprop chip-selftest):" in lines
    assert json.loads(report.to_json())["findings"][0]["severity"] == "verify"


def test_plastic_input_bounds_come_from_the_learning_engine():
    w = np.zeros((3, 5), dtype=int)
    pos, neg = input_bounds(w, SignMode.MIXED, 8, 1, learning=True)
    np.testing.assert_array_equal(pos, [5 * 255 * 2] * 3)
    np.testing.assert_array_equal(neg, [-5 * 256 * 2] * 3)
    pos, neg = input_bounds(np.array([[255, -3, 4]]), SignMode.MIXED, 8, -1, learning=False)
    assert (pos.tolist(), neg.tolist()) == ([(254 + 4) >> 1], [-4 >> 1])  # as loaded: 255 -> 254, -3 -> -4


def test_ok_counts_errors_only():
    verify = Finding("input-range", "n (LIF)", "big", "verify")
    assert HwReport(findings=[verify]).ok
    assert not HwReport(findings=[verify, Finding("model", "p (P)", "no")]).ok
    assert Finding("model", "p", "m").severity == "error"


def test_resources_match_the_paper_configuration():
    r = circuit_resources(lb.NetworkSize(400, 400, 10))
    assert r["neurons"] == PAPER["neurons"] == 3282
    assert r["plastic_synapses"] == PAPER["plastic_synapses"] == 500_000
    # estimate: each W1 copy's 160 000 plastic synapses (8 weight bits and two tags) need 3 cores of 192 KiB
    assert SYNAPSE_BITS["plastic"] == 8 + W_TAG_1_S + W_TAG_2_S
    h = r["population_cores"]["h"]
    assert h["bytes"] > 400 * 400 * SYNAPSE_BITS["plastic"] // 8
    assert h["cores"] == math.ceil(h["bytes"] / LOIHI2_CHIP["bytes_per_core"]) == 3
    assert r["population_cores"]["ring"]["cores"] == 1
    assert r["neurocores"] == sum(p["cores"] for p in r["population_cores"].values()) == 22
    assert "estimate" in r["estimate"]["what"] and "Intel" in r["estimate"]["source"]
    assert resource_findings(r) == []
    huge = circuit_resources(lb.NetworkSize(784, 60_000, 10))
    assert huge["neurocores"] > LOIHI2_CHIP["cores"]
    (finding,) = resource_findings(huge)
    assert finding.kind == "resources" and "more than one chip's 128" in finding.message
    assert "(estimate)" in finding.message


def test_check_hw_passes_the_shipped_network(capsys):
    code = main(["check-hw", "--sizes", "20,12,10", "--json"])
    report = json.loads(capsys.readouterr().out)
    assert code == 0 and report["ok"], report["findings"]
    assert {f["kind"] for f in report["findings"]} <= {"input-range"}  # items to verify, no error
    placements = {leaf["name"]: leaf["placement"] for leaf in report["leaves"]}
    assert placements["source"] == placements["read_out"] == "host IO"
    assert sum(p == "neurocores" for p in placements.values()) == len(placements) - 2
    assert report["resources"]["neurons"] == 2 * 20 + 6 * 12 + 7 * 10 + 14
    assert report["resources"]["schedule"] == "training-1-parity"
    assert crossings(report["boundary"]) == CROSSINGS
    main(["check-hw", "--sizes", "20,12,10"])
    text = capsys.readouterr().out
    assert "paper on Loihi 1" in text and "host-chip boundary: 4 connection(s)" in text and "estimate" in text
    assert "OK: every leaf has a Loihi 2 implementation" in text


def test_the_paper_network_passes_with_input_ranges_to_verify():
    report = check_hw(lb.NetworkSize(400, 400, 10))
    assert report.ok, report.summary()
    assert crossings(report.boundary) == CROSSINGS
    assert {b["width"] for b in report.boundary if b["src"] == "source.s_out_x_drive"} == {400}
    verify = {f.process for f in report.to_verify}
    assert {f.kind for f in report.to_verify} == {"input-range"} and "hidden (LIFReset)" in verify, report.summary()
    assert report.resources["neurocores"] <= LOIHI2_CHIP["cores"]


def test_a_leaf_without_loihi2_implementation_is_named():
    src = RingBuffer(data=np.ones((3, 4), dtype=int))
    dense = Dense(weights=np.full((2, 3), 100), name="dense")
    ternary = TernaryLIF(shape=(2,), name="ternary")
    src.s_out.connect(dense.s_in)
    dense.a_out.connect(ternary.a_in)
    report = check_network(ternary)
    assert not report.ok
    # the CPU-only neuron is on the host, so the Dense's output crossing to it is an error as well
    assert [(f.kind, f.process) for f in report.findings] == [
        ("model", "ternary (TernaryLIF)"),
        ("boundary", "dense (Dense)"),
    ]
    assert "no Loihi 2 implementation" in report.summary()


def test_the_paper_ring_has_no_loihi2_learning_rule():
    with pytest.raises(ValueError, match="same parity.*training-1-parity"):
        check_hw(lb.NetworkSize(20, 12, 10), parity=False)


def test_check_hw_of_deeper_networks(capsys):
    code = main(["check-hw", "--sizes", "20,12,10,10", "--json"])
    report = json.loads(capsys.readouterr().out)
    r = report["resources"]
    assert code == 0 and report["ok"], report["findings"]
    assert crossings(report["boundary"]) == CROSSINGS
    assert r["sizes"] == "20-12-10-10" and r["schedule"] == "training-2-parity"
    # every population, the ring, and the plastic groups: W1..W3 three copies each, P and M one each
    assert r["plastic_synapses"] == 3 * (20 * 12 + 12 * 10 + 10 * 10) + 2 * (12 * 10 + 10 * 10)
    hidden = {"h1": 12, "h2": 10}
    pops = 2 * 20 + 8 * hidden["h1"] + 9 * hidden["h2"] + 7 * 10  # h1 has no hT- population
    assert r["neurons"] == pops + 26
    deeper = circuit_resources(lb.NetworkSize(400, 400, 400, 400, 10))
    assert deeper["schedule"] == "training-3" and deeper["plastic_synapses"] > 2 * PAPER["plastic_synapses"]


@pytest.mark.parametrize("sizes", ["20,12", "20,0,10", "20,x,10", ""])
def test_check_hw_rejects_bad_sizes(capsys, sizes):
    with pytest.raises(SystemExit):
        main(["check-hw", "--sizes", sizes])
    assert "at least three positive integers" in capsys.readouterr().err


def test_the_inference_network_passes_too(tmp_path):
    from lava_backprop.procs.inference_network.process import InferenceNetwork

    weights = lb.glorot_init(lb.NetworkSize(20, 12, 8, 10), seed=0)
    net = InferenceNetwork(weights=weights, buffer_path=str(tmp_path / "b"), capacity=1)
    report = check_network(net)
    assert report.ok, report.summary()
    assert crossings(report.boundary) == {c for c in CROSSINGS if "t_drive" not in c[1]}
    assert {leaf["process"] for leaf in report.leaves if leaf["placement"] == "host IO"} == {"SampleSource", "ReadOut"}
