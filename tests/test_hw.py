# SPDX-License-Identifier: BSD-3-Clause
"""The static Loihi 2 checker."""

import json

import numpy as np
import pytest
from lava.proc.dense.process import Dense
from lava.proc.io.source import RingBuffer
from lava.proc.lif.process import LIFReset
from lava_testing import no_leftover_workers  # noqa: F401

import lava_backprop as lb
from lava_backprop.cli import main
from lava_backprop.hw import PAPER, check_network, circuit_resources

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


def test_check_hw_names_the_custom_leaves_and_fails(capsys):
    assert main(["check-hw", "--sizes", "20,12,10", "--json"]) == 1
    report = json.loads(capsys.readouterr().out)
    assert not report["ok"]
    flagged = {f["process"] for f in report["findings"] if f["kind"] == "model"}
    assert flagged == {"hidden (HiddenLayer)", "output (OutputLayer)"}
    placements = {leaf["name"]: leaf["placement"] for leaf in report["leaves"]}
    assert placements["source"] == "host IO"
    assert report["resources"]["neurons"] == 2 * 20 + 6 * 12 + 7 * 10 + 12
    assert main(["check-hw", "--sizes", "20,12,10"]) == 1
    text = capsys.readouterr().out
    assert "no Loihi 2 implementation" in text and "paper on Loihi 1" in text


def test_check_hw_rejects_bad_sizes(capsys):
    with pytest.raises(SystemExit):
        main(["check-hw", "--sizes", "20,12"])
    assert "three positive integers" in capsys.readouterr().err
