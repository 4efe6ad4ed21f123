# SPDX-License-Identifier: BSD-3-Clause
"""The static Loihi 2 checker."""

import json

import numpy as np
import pytest
from lava.proc.dense.process import Dense
from lava.proc.io.source import RingBuffer
from lava.proc.lif.process import LIFReset, TernaryLIF
from lava_testing import no_leftover_workers  # noqa: F401

import lava_backprop as lb
from lava_backprop.cli import main
from lava_backprop.hw import LOIHI2_CHIP, PAPER, check_hw, check_network, circuit_resources, resource_findings

pytestmark = pytest.mark.timeout(120)


def builtin_net(weight_exp=6, vth=1024):
    src = RingBuffer(data=np.ones((3, 4), dtype=int))
    dense = Dense(weights=np.full((2, 3), 100), weight_exp=weight_exp, name="dense")
    lif = LIFReset(shape=(2,), vth=vth, reset_interval=1, name="lif")
    src.s_out.connect(dense.s_in)
    dense.a_out.connect(lif.a_in)
    return lif


def test_builtin_network_passes():
    report = check_network(builtin_net())
    assert report.ok, report.summary()
    placements = {leaf["name"]: leaf["placement"] for leaf in report.leaves}
    assert placements["dense"] == placements["lif"] == "neurocores"
    assert "host IO" in placements.values()


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [({"weight_exp": 9}, "dense.*weight_exp 9 outside"), ({"vth": 2**17}, "lif.*vth 131072 outside")],
)
def test_out_of_range_parameters_are_named(kwargs, message):
    report = check_network(builtin_net(**kwargs))
    assert not report.ok
    assert any(f.kind == "parameter" for f in report.findings)
    assert __import__("re").search(message, report.summary())


def test_resources_match_the_paper_configuration():
    r = circuit_resources(lb.NetworkSize(400, 400, 10))
    assert r["neurons"] == PAPER["neurons"] == 3282
    assert r["plastic_synapses"] == PAPER["plastic_synapses"] == 500_000
    # 15 populations and the ring, one core each; W1's 3 x 160 000 synapses fit their cores
    assert r["neurocores"] == 16 and resource_findings(r) == []
    huge = circuit_resources(lb.NetworkSize(784, 60_000, 10))
    assert huge["neurocores"] > LOIHI2_CHIP["cores"]
    (finding,) = resource_findings(huge)
    assert finding.kind == "resources" and "more than one chip's 128" in finding.message


def test_check_hw_passes_the_shipped_network(capsys):
    assert main(["check-hw", "--sizes", "20,12,10", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    assert report["ok"] and report["findings"] == []
    placements = {leaf["name"]: leaf["placement"] for leaf in report["leaves"]}
    assert placements["source"] == placements["read_out"] == "host IO"
    assert sum(p == "neurocores" for p in placements.values()) == len(placements) - 2
    assert report["resources"]["neurons"] == 2 * 20 + 6 * 12 + 7 * 10 + 14
    assert report["resources"]["schedule"] == "training-1-parity"
    assert main(["check-hw", "--sizes", "20,12,10"]) == 0
    text = capsys.readouterr().out
    assert "OK: every leaf has a Loihi 2 implementation" in text and "paper on Loihi 1" in text


def test_a_leaf_without_loihi2_implementation_is_named():
    src = RingBuffer(data=np.ones((3, 4), dtype=int))
    dense = Dense(weights=np.full((2, 3), 100), name="dense")
    ternary = TernaryLIF(shape=(2,), name="ternary")
    src.s_out.connect(dense.s_in)
    dense.a_out.connect(ternary.a_in)
    report = check_network(ternary)
    assert not report.ok
    assert [(f.kind, f.process) for f in report.findings] == [("model", "ternary (TernaryLIF)")]
    assert "no Loihi 2 implementation" in report.summary()


def test_the_paper_ring_has_no_loihi2_learning_rule():
    with pytest.raises(ValueError, match="same parity.*training-1-parity"):
        check_hw(lb.NetworkSize(20, 12, 10), parity=False)


def test_check_hw_of_deeper_networks(capsys):
    assert main(["check-hw", "--sizes", "20,12,10,10", "--json"]) == 0
    report = json.loads(capsys.readouterr().out)
    r = report["resources"]
    assert report["ok"] and r["sizes"] == "20-12-10-10" and r["schedule"] == "training-2-parity"
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
    assert {leaf["process"] for leaf in report.leaves if leaf["placement"] == "host IO"} == {"SampleSource", "ReadOut"}
