# SPDX-License-Identifier: BSD-3-Clause
"""The host-chip boundary: the source's and read-out's clocks, the state read of z, and the
embedded-IO adapters (tested against stand-ins of lava-loihi's ``lava.proc.embedded_io``)."""

import dataclasses
import importlib.machinery
import sys
import types

import numpy as np
import pytest
from lava_testing import no_leftover_workers  # noqa: F401
from nbp_testing import saturating_network

import lava_backprop as lb
from lava_backprop.boundary import (
    BUILTIN_STARTUP,
    Timing,
    check_latency,
    check_neurocore_models,
    crossings,
    current_of,
    read_extra,
    timing,
    z_of,
)
from lava_backprop.circuit import Recorder, SourceCore, chain_step, kick
from lava_backprop.schedule import SCHEDULES, Relay, training_schedule

pytestmark = pytest.mark.timeout(300)

RINGS = ["training-1", "training-1-parity", "training-2-parity", "inference-1", "inference-3"]

# lava-loihi's embedded IO as its public examples use it: spike adapters with ``inp`` / ``out``
# built with ``shape=``, a state reader built with ``shape``, ``interval``, ``offset`` that reads a
# Var (``connect_var``) in the step ``(t - 1) % interval == offset`` and sends it on ``out`` the step
# after (as lava-dl's CPU stand-in of it does). Every message arrives LATENCY steps late.
STANDIN = '''
import numpy as np
from lava.magma.core.decorator import implements, requires
from lava.magma.core.model.py.model import PyLoihiProcessModel
from lava.magma.core.model.py.ports import PyInPort, PyOutPort, PyRefPort
from lava.magma.core.model.py.type import LavaPyType
from lava.magma.core.process.ports.ports import InPort, OutPort, RefPort
from lava.magma.core.process.process import AbstractProcess
from lava.magma.core.resources import CPU
from lava.magma.core.sync.protocols.loihi_protocol import LoihiProtocol

CREATED = []
LATENCY = [0]


class _Adapter(AbstractProcess):
    def __init__(self, *, shape, num_message_bits=0, **kwargs):
        super().__init__(shape=shape, num_message_bits=num_message_bits, **kwargs)
        self.inp = InPort(shape=shape)
        self.out = OutPort(shape=shape)
        CREATED.append(self)


class PyToNxAdapter(_Adapter):
    """Host to chip."""


class NxToPyAdapter(_Adapter):
    """Chip to host."""


class _DelayModel(PyLoihiProcessModel):
    inp = LavaPyType(PyInPort.VEC_DENSE, np.int32, precision=24)
    out = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self.queue = [np.zeros(proc_params["shape"], dtype=np.int32)] * LATENCY[0]

    def run_spk(self):
        self.queue.append(self.inp.recv())
        self.out.send(self.queue.pop(0))


@implements(proc=PyToNxAdapter, protocol=LoihiProtocol)
@requires(CPU)
class PyToNxModel(_DelayModel):
    pass


@implements(proc=NxToPyAdapter, protocol=LoihiProtocol)
@requires(CPU)
class NxToPyModel(_DelayModel):
    pass


class Read(AbstractProcess):
    def __init__(self, *, shape, interval=1, offset=0, **kwargs):
        super().__init__(shape=shape, interval=interval, offset=offset % interval, **kwargs)
        self.ref = RefPort(shape=shape)
        self.out = OutPort(shape=shape)
        CREATED.append(self)

    def connect_var(self, var):
        self.ref.connect_var(var)


@implements(proc=Read, protocol=LoihiProtocol)
@requires(CPU)
class PyReadModel(PyLoihiProcessModel):
    ref = LavaPyType(PyRefPort.VEC_DENSE, np.int32, precision=24)
    out = LavaPyType(PyOutPort.VEC_DENSE, np.int32, precision=24)

    def __init__(self, proc_params):
        super().__init__(proc_params)
        self.interval, self.offset = proc_params["interval"], proc_params["offset"]
        self.data = np.zeros(proc_params["shape"], dtype=np.int32)

    def run_spk(self):
        read = self.time_step - 1 - LATENCY[0]  # sends what it read, once it has read
        if read >= 1 and (read - 1) % self.interval == self.offset:
            self.out.send(self.data)

    def post_guard(self):
        return (self.time_step - 1) % self.interval == self.offset

    def run_post_mgmt(self):
        self.data = self.ref.read()
'''


@pytest.fixture
def standins(monkeypatch, tmp_path):
    """Stand-ins of ``lava.proc.embedded_io``, ``.spike`` and ``.state`` in ``sys.modules``.

    Their code claims a file in an empty directory, where Lava's model search finds nothing else.
    """
    home = tmp_path / "embedded_io"
    home.mkdir()
    code = compile(STANDIN, str(home / "standin.py"), "exec")
    parent = types.ModuleType("lava.proc.embedded_io")
    parent.__path__, parent.__spec__ = [], importlib.machinery.ModuleSpec(parent.__name__, None, is_package=True)
    monkeypatch.setitem(sys.modules, parent.__name__, parent)
    for part in ("spike", "state"):
        name = f"{parent.__name__}.{part}"
        module = types.ModuleType(name)
        module.__file__, module.__spec__ = str(home / f"{part}.py"), importlib.machinery.ModuleSpec(name, None)
        exec(code, module.__dict__)  # noqa: S102 -- the stand-in's source, above
        setattr(parent, part, module)
        monkeypatch.setitem(sys.modules, name, module)
    parent.CREATED = parent.spike.CREATED = parent.state.CREATED = []  # every stand-in made
    parent.LATENCY = parent.spike.LATENCY = parent.state.LATENCY = [0]
    return parent


def problem(n=10, seed=3):
    w1, w2, X, y = saturating_network(20, 12, 10, n, seed)
    return np.minimum(w1, 200), np.minimum(w2, 200), X, np.eye(10, dtype=np.uint8)[y]


def assert_like_reference(engine, w1, w2, X, T):
    """Two training runs and three inference runs (chunks) equal the reference engine."""
    with lb.make_engine("reference", w1, w2) as ref:
        for got, want in zip(engine.train(X, T), ref.train(X, T), strict=True):
            np.testing.assert_array_equal(got, want)
        for key, value in ref.weights().items():
            np.testing.assert_array_equal(engine.weights()[key], value, err_msg=key)
        for got, want in zip(engine.predict(X), ref.predict(X), strict=True):
            np.testing.assert_array_equal(got, want)


# --- clocks and arithmetic, without Lava ---------------------------------------------------------


@pytest.mark.parametrize("ring", RINGS)
@pytest.mark.parametrize("builtins", [False, True])
def test_the_source_clock_sends_when_the_gates_used_to_arrive(ring, builtins):
    """The gate-driven source sent a stream the step after its gate arrived (the built-in ring's
    gates arrive a step later); the clocked source sends in the same steps."""
    schedule, steps = SCHEDULES[ring], 6 * SCHEDULES[ring].n_phases
    core, gates, sent = SourceCore(schedule, 1, 1), kick(schedule.n_phases), {}
    for t in range(1, steps):
        for stream, k in core.pending.items():
            sent[(stream, k)] = t + (BUILTIN_STARTUP if builtins else 0)
        core.step(gates)
        gates = chain_step(gates)
    clock = Timing(schedule, builtins)
    assert sent and sent == {(s, k): clock.emit_step(k, s) for s, k in sent}
    every = {(s, k): t for t in range(1, steps + 1) for s, k in clock.emissions(t).items()}
    assert {key: t for key, t in every.items() if key in sent} == sent
    early = Timing(schedule, builtins, adapter_latency=3)
    assert all(early.emissions(t - 3) == clock.emissions(t) for t in range(4, steps))


@pytest.mark.parametrize("ring", RINGS)
def test_the_read_out_clock_records_when_the_record_gate_used_to_arm_it(ring):
    schedule, steps = SCHEDULES[ring], 6 * SCHEDULES[ring].n_phases
    recorder, gates, recorded = Recorder(schedule.record_gate, 1000), kick(schedule.n_phases), {}
    for t in range(1, steps):
        row = recorder.row(gates)
        if row is not None:  # the built-in gate arrives at t + 1 and o fires the step after
            recorded[row] = t + BUILTIN_STARTUP + 1
        gates = chain_step(gates)
    clock = Timing(schedule, builtins=True)
    assert recorded == {k: clock.read_step(k) for k in recorded}
    assert all(clock.sample_at(t) == k for k, t in recorded.items())
    assert clock.sample_at(recorded[0] + 1) is None and clock.sample_at(recorded[0] - 1) is None


def test_runs_blank_rings_only_where_the_read_out_would_come_after_the_next_sample():
    for ring in RINGS:
        schedule = SCHEDULES[ring]
        assert Timing(schedule).blank_rings == Timing(schedule, builtins=True).blank_rings == 0
        # a state reader sends a step late: only the inference ring, whose read-out is its last phase, needs more
        late = Timing(schedule, builtins=True, state_delay=1)
        assert late.blank_rings == ring.startswith("inference"), ring
        assert Timing(schedule, builtins=True, adapter_latency=1).blank_rings == 1
    # inference-1 (4 phases): read-out in the last phase, u two steps later; x sent two steps early
    assert Timing(SCHEDULES["inference-1"], True, adapter_latency=2, state_delay=1).blank_rings == 2
    assert timing(SCHEDULES["inference-1"], builtins=True) == Timing(SCHEDULES["inference-1"], True)


def test_o_current_gives_z_back_exactly():
    total = np.array([0, 1, -1, 101_600 + 8704, -102_400 + 8704, 131_072, -131_071])  # Lava keeps (-2**23, 2**23]
    u = current_of(total, fixed=True)
    assert u.dtype == np.int32
    np.testing.assert_array_equal(z_of(u, 8704), total - 8704)
    np.testing.assert_array_equal(current_of(total, fixed=False), 64.0 * total)
    assert current_of(np.array([131_073]), fixed=True)[0] == (131_073 << 6) - (1 << 24)  # Lava's 24-bit wrap


def test_what_o_receives_in_the_read_out_phase_comes_from_the_schedule():
    for ring in RINGS:
        assert read_extra(SCHEDULES[ring]) == lb.params.CIRCUIT.gate == 8704, ring
    ring = training_schedule(1, parity=True)
    # d+ fires in phase 4; a relay with delay 12 would land in the read-out phase 3 of the next sample
    stray = dataclasses.replace(ring, relays=(*ring.relays, Relay("d_pos", "o", 520, 12)))
    with pytest.raises(ValueError, match="not z plus a constant"):
        read_extra(stray)


def test_crossings_and_latencies_are_checked():
    ring = SCHEDULES["training-1-parity"]
    table = crossings(ring, (400, 400, 10))
    assert [(c.name, c.direction, c.source, c.destination, c.width, c.kind) for c in table] == [
        ("x_drive", "host->chip", "source.s_out_x_drive", "drive_x.s_in", 400, "spike"),
        ("t_drive", "host->chip", "source.s_out_t_drive", "drive_t.s_in", 10, "spike"),
        ("o", "chip->host", "output.s_out", "read_out.s_in_o", 70, "spike"),
        ("o_u", "chip->host", "output.u", "read_out", 70, "state"),
    ]
    assert [c.name for c in crossings(SCHEDULES["inference-2"], (20, 12, 8, 10))] == ["x_drive", "o", "o_u"]
    assert check_latency(13, ring) == 13
    for bad, match in ((14, r"\[0, 14\)"), (-1, r"\[0, 14\)"), (1.0, "an int"), (True, "an int")):
        with pytest.raises(ValueError, match=match):
            check_latency(bad, ring)
    with pytest.raises(ValueError, match="built-in layers only"):
        check_latency(1, ring, builtins=False)
    from lava_backprop.procs.backprop_network.process import BackpropNetwork

    with pytest.raises(ValueError, match="built-in layers only"):
        BackpropNetwork(weights=problem(1)[:2], buffer_path="-", capacity=1, adapter_latency=1)


def test_the_neurocore_check_names_each_leaf_on_a_host_model():
    from lava.magma.core.model.py.model import PyLoihiProcessModel
    from lava.proc.dense.process import Dense
    from lava.proc.lif.models import PyLifResetModelBitAcc
    from lava.proc.lif.process import LIFReset

    from lava_backprop.procs.sample_source.models import PySampleSourceModelFixed
    from lava_backprop.procs.sample_source.process import SampleSource

    class NcModel:
        """Stands for lava-loihi's AbstractNcProcessModel."""

    class DenseNc(NcModel):
        pass

    lif, dense = LIFReset(shape=(2,), name="o"), Dense(weights=np.eye(2), name="w2_o")
    source = SampleSource(n_in=2, n_out=2, schedule="training-1", buffer_path="-", capacity=1, name="source")
    check_neurocore_models([(dense, DenseNc), (source, PySampleSourceModelFixed)], nc_base=NcModel)  # host: any model
    with pytest.raises(lb.HardwareError, match=r"1 process\(es\).*: o \(LIFReset\) got PyLifResetModelBitAcc$"):
        check_neurocore_models([(dense, DenseNc), (lif, PyLifResetModelBitAcc)], nc_base=NcModel)
    with pytest.raises(lb.HardwareError, match="w2_o"):  # lava-nc alone has no neurocore models
        check_neurocore_models([(dense, PyLoihiProcessModel)])


# --- the circuit in Lava -------------------------------------------------------------------------


def test_without_embedded_io_the_crossings_are_direct_and_z_is_a_state_read(tmp_path):
    from lava_backprop.hw import check_network
    from lava_backprop.procs.inference_network.process import InferenceNetwork

    weights = lb.glorot_init(lb.NetworkSize(20, 12, 10), seed=0)
    net = InferenceNetwork(weights=weights, buffer_path=str(tmp_path / "b"), capacity=1, builtins=True)
    report = check_network(net)
    assert report.ok, report.summary()
    assert sorted((b["src"], b["dst"], b["width"], b["kind"]) for b in report.boundary) == [
        ("output.s_out", "read_out.s_in_o", 10, "message"),
        ("output.u", "read_out.ref_u", 10, "ref"),
        ("source.s_out_x_drive", "drive_x.s_in", 20, "message"),
    ]


def test_standins_sit_at_every_crossing(standins, tmp_path):
    from lava_backprop.hw import check_network
    from lava_backprop.procs.backprop_network.process import BackpropNetwork

    weights = lb.glorot_init(lb.NetworkSize(20, 12, 10), seed=0)
    net = BackpropNetwork(weights=weights, buffer_path=str(tmp_path / "b"), capacity=1, parity=True, builtins=True)
    report = check_network(net)
    # the chip's side of every crossing is an adapter or the state reader; source and read-out talk to them only
    assert sorted((b["direction"], b["src"], b["dst"], b["width"], b["kind"]) for b in report.boundary) == [
        ("chip->host", "output.s_out", "adapter_o.inp", 70, "message"),
        ("chip->host", "output.u", "reader_o_u.ref", 70, "ref"),
        ("host->chip", "adapter_t_drive.out", "drive_t.s_in", 10, "message"),
        ("host->chip", "adapter_x_drive.out", "drive_x.s_in", 20, "message"),
    ]
    kinds = [(type(p).__name__, p.name, p.proc_params["shape"]) for p in standins.CREATED]
    assert sorted(kinds) == [
        ("NxToPyAdapter", "adapter_o", (70,)),
        ("PyToNxAdapter", "adapter_t_drive", (10,)),
        ("PyToNxAdapter", "adapter_x_drive", (20,)),
        ("Read", "reader_o_u", (70,)),
    ]
    reader = next(p for p in standins.CREATED if p.name == "reader_o_u")
    clock = Timing(net.schedule, builtins=True)
    assert reader.proc_params["interval"] == 14 and (clock.read_step(0) - 1) % 14 == reader.proc_params["offset"]
    assert [p.process.name for p in reader.out.get_dst_ports()] == ["read_out"]
    adapter = next(p for p in standins.CREATED if p.name == "adapter_x_drive")
    assert [p.process.name for p in adapter.inp.get_src_ports()] == ["source"]


def test_the_cpu_models_hold_o_current_as_the_built_in_neuron_does():
    """In a read-out step ``o_u`` is ``(z + 8704) << 6``, in the CPU models (computed) as in the LIFReset."""
    from lava_backprop.runtime import LavaCircuit
    from lava_backprop.weights import check_stores

    w1, w2, X, T = problem(n=4)
    currents = []
    for builtins in (False, True):
        circuit = LavaCircuit("training", check_stores([w1, w2])[1], "fixed_pt", 4, builtins=builtins, parity=True)
        try:
            circuit.run(X, T)
            circuit.advance(circuit.timing.read_step(4) - circuit.steps_run)  # ring 4 replays row 0
            currents.append(np.asarray(circuit.net.o_u.get()))
        finally:
            circuit.close()
    with lb.make_engine("reference", w1, w2) as ref:
        ref.train(X, T)
        _, z = ref.predict(X[:1])
    np.testing.assert_array_equal(currents[0], currents[1])
    np.testing.assert_array_equal(z_of(currents[0], 8704), z[0])
    assert z.any()


@pytest.mark.parametrize("latency", [0, 2])
def test_loihi2_sim_with_the_standins_equals_the_reference(standins, latency):
    """Adapters and a state reader at every crossing, messages ``latency`` steps late each way: the
    source runs that much ahead, the read-out waits, and the results are the rule's, bit for bit
    (two training runs, then three inference runs from the learned weights)."""
    from lava_backprop.runtime import LavaCircuit
    from lava_backprop.weights import check_stores

    standins.LATENCY[0] = latency
    w1, w2, X, T = problem()
    options = {"tag": "fixed_pt", "builtins": True, "adapter_latency": latency}
    train = LavaCircuit("training", check_stores([w1, w2])[1], capacity=6, parity=True, **options)
    try:
        o, z = train.run(X, T)
        learned = train.weights()
    finally:
        train.close()
    infer = LavaCircuit("inference", {k: learned[k] for k in ("w1", "w2")}, capacity=4, **options)
    try:
        o_pred, z_pred = infer.run(X)
    finally:
        infer.close()
    assert train.timing.blank_rings == (latency > 0) and infer.timing.blank_rings == 1 + (latency > 0)
    with lb.make_engine("reference", w1, w2) as ref:
        for got, want in zip((o, z, o_pred, z_pred), (*ref.train(X, T), *ref.predict(X)), strict=True):
            np.testing.assert_array_equal(got, want)
        for key, value in ref.weights().items():
            np.testing.assert_array_equal(learned[key], value, err_msg=key)
    names = sorted(p.name for p in standins.CREATED)  # the training network's and the inference network's
    assert names == ["adapter_o"] * 2 + ["adapter_t_drive"] + ["adapter_x_drive"] * 2 + ["reader_o_u"] * 2


@pytest.fixture
def fake_loihi2(monkeypatch):
    """lava-loihi reported installed, its hardware run configuration replaced by the simulator's.

    Returns the arguments the engine gave ``Loihi2HwCfg``.
    """
    import lava.magma.core.run_configs as run_configs
    import lava.utils.loihi

    from lava_backprop.runtime.models import SIMULATION_MODELS

    given = []

    def hardware_config(**kwargs):
        given.append(kwargs)
        exceptions = {**SIMULATION_MODELS, **kwargs.get("exception_proc_model_map", {})}
        return run_configs.Loihi2SimCfg(
            select_tag="fixed_pt", select_sub_proc_model=True, exception_proc_model_map=exceptions
        )

    monkeypatch.setattr(lava.utils.loihi, "is_installed", lambda *args: True)
    monkeypatch.setattr(run_configs, "Loihi2HwCfg", hardware_config)
    return given


def test_a_hardware_run_whose_neurocore_leaves_get_host_models_is_refused(fake_loihi2):
    w1, w2, X, T = problem(n=2)
    with lb.make_engine("loihi2", w1, w2, chunk=2) as engine:
        with pytest.raises(lb.HardwareError, match=r"no neurocore model selected.*output \(LIFReset\) got PyLifReset"):
            engine.train(X, T)
    (kwargs,) = fake_loihi2
    assert kwargs["select_sub_proc_model"] is True and kwargs.get("select_tag") is None


def test_the_hardware_path_with_standins_trains_like_the_reference(fake_loihi2, standins, monkeypatch):
    """As if lava-loihi were there: its adapters (stand-ins), and every Python model counted as a neurocore one."""
    from lava.magma.core.model.py.model import PyLoihiProcessModel

    nc = types.ModuleType("lava.magma.core.model.nc.model")
    nc.AbstractNcProcessModel = PyLoihiProcessModel
    monkeypatch.setitem(sys.modules, nc.__name__, nc)
    w1, w2, X, T = problem(n=8, seed=5)
    with lb.make_engine("loihi2", w1, w2, chunk=4, predict_chunk=3) as engine:
        assert_like_reference(engine, w1, w2, X, T)
    assert {type(p).__name__ for p in standins.CREATED} == {"PyToNxAdapter", "NxToPyAdapter", "Read"}
    assert all(k.get("select_tag") is None for k in fake_loihi2)


def test_the_engines_take_the_adapter_latency_for_the_loihi2_path_only(monkeypatch):
    import lava_backprop.lava_engine as lava_engine

    w1, w2, _, _ = problem(n=2)
    with pytest.raises(ValueError, match="adapter_latency is for the Loihi 2 engines"):
        lb.make_engine("lava-fixed", w1, w2, adapter_latency=1)
    built = []

    class Circuit:
        leaf_processes, alive = 0, True

        def __init__(self, *args, **kwargs):
            built.append(kwargs)

        def close(self):
            pass

    monkeypatch.setattr(lava_engine, "LavaCircuit", Circuit)
    with lb.make_engine("loihi2-sim", w1, w2, adapter_latency=2) as engine:
        engine.leaf_processes()
    assert built[0]["adapter_latency"] == 2 and built[0]["builtins"]


def test_an_adapter_latency_without_the_adapters_is_refused():
    from lava_backprop.runtime import LavaCircuit
    from lava_backprop.weights import check_stores

    w1, w2, _, _ = problem(n=2)
    with pytest.raises(ValueError, match="needs lava-loihi's embedded-IO adapters"):
        LavaCircuit("training", check_stores([w1, w2])[1], "fixed_pt", 2, builtins=True, parity=True, adapter_latency=2)
