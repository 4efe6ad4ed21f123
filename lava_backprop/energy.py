# SPDX-License-Identifier: BSD-3-Clause
"""Operation counts of the nBP circuit and an energy / latency model from them.

Per sample, the circuit's work is counted from what it does, in the
Lava-free simulation of the circuit (`lava_backprop.circuit.simulate`) or by
the Lava models' own counters, for any number of hidden layers:

- ``spikes[pop]``: spikes of each population (and of the gates),
- ``synaptic_ops``: spike deliveries, ``sum_pop spikes[pop] * fanout[pop]``,
  over fixed relays, gate synapses and all copies of the plastic groups,
- ``weight_changes``: plastic updates applied (same-step pre/post pairs, all copies),
- ``plastic_visits``: plastic synapses times learning epochs (each step, while learning),
- ``neuron_updates``: neurons times steps; ``active`` are those of populations a
  gate opens or guards in that step, the rest ``idle``.

`estimate` turns counts into energy and latency with a `CostModel`::

    E = synaptic_ops e_syn + plastic_visits e_upd + active e_act + idle e_idle
        + spikes e_spk + P_static * T,        T = steps * t_step

`LOIHI1` uses the per-event energies of Davies et al., IEEE Micro 2018,
Table 2, and step times derived from the paper's measured latencies; see its
docstring for the calibration.
"""

import dataclasses
from dataclasses import dataclass, field

from lava_backprop.engine import check_spikes, check_targets
from lava_backprop.files import atomic_path
from lava_backprop.params import NetworkSize
from lava_backprop.schedule import Schedule, inference_schedule, training_schedule
from lava_backprop.simulation import simulate
from lava_backprop.weights import check_stores

__all__ = [
    "OpCounts",
    "CostModel",
    "LOIHI1",
    "LOIHI2",
    "PAPER",
    "fanout",
    "count_training",
    "count_inference",
    "counts_from_spikes",
    "estimate",
]

#: The paper's measurements on Loihi 1, per sample (docs/ALGORITHM.md §9).
PAPER = {
    "train": {"energy_mj": 0.59, "latency_ms": 1.5},
    "inference": {"energy_mj": 0.0025, "latency_ms": 0.17},
}


@dataclass
class OpCounts:
    """Counted operations of ``samples`` samples; see the module docstring."""

    samples: int = 0
    steps: int = 0
    spikes: dict = field(default_factory=dict)
    synaptic_ops: int = 0
    weight_changes: int = 0
    plastic_visits: int = 0
    neuron_updates_active: int = 0
    neuron_updates_idle: int = 0

    @property
    def total_spikes(self) -> int:
        return int(sum(self.spikes.values()))

    def per_sample(self) -> dict:
        n = max(self.samples, 1)
        out = {k: v / n for k, v in dataclasses.asdict(self).items() if isinstance(v, int) and k != "samples"}
        out["spikes"] = {k: v / n for k, v in self.spikes.items()}
        return out


@dataclass(frozen=True)
class CostModel:
    """Per-event energies (J), static power (W) and step times (s) of a chip.

    Parameters
    ----------
    name : str
    e_synop, e_update, e_active, e_idle, e_spike : float
        Synaptic operation, synaptic (learning) update, active and idle
        neuron update, spike within a tile.
    p_static : float
        Static power over the run time.
    t_step_train, t_step_inference : float
        Duration of one time step while learning and while inferring.
    notes : str
        The assumptions.
    """

    name: str
    e_synop: float
    e_update: float
    e_active: float
    e_idle: float
    e_spike: float
    p_static: float
    t_step_train: float
    t_step_inference: float
    notes: str = ""


LOIHI1 = CostModel(
    name="loihi1",
    e_synop=23.6e-12,
    e_update=120e-12,
    e_active=81e-12,
    e_idle=52e-12,
    e_spike=1.7e-12,
    p_static=0.0,
    t_step_train=1.5e-3 / 12,
    t_step_inference=0.17e-3 / 4,
    notes=(
        "Per-event energies: Davies et al. 2018, Table 2. Calibration: while learning, Loihi 1's "
        "learning engine visits every synapse of a plastic group once per learning epoch (one step "
        "here), whether or not its weight changes, and each visit costs a synaptic update; static "
        "power is not counted (the paper reports per-sample dynamic energy). Step times are the "
        "paper's latencies divided by the steps per sample (125 us learning, 42.5 us inferring). "
        "Inference runs on the trained circuit: all its neurons are updated and each layer's spikes "
        "reach all three copies of the weights above it."
    ),
)

LOIHI2 = dataclasses.replace(
    LOIHI1,
    name="loihi2",
    e_synop=LOIHI1.e_synop / 2,
    e_update=LOIHI1.e_update / 2,
    e_active=LOIHI1.e_active / 2,
    e_idle=LOIHI1.e_idle / 2,
    e_spike=LOIHI1.e_spike / 2,
    t_step_train=LOIHI1.t_step_train / 2,
    t_step_inference=LOIHI1.t_step_inference / 2,
    notes=(
        "Assumed, not measured: every Loihi 1 per-event energy and step time halved (Intel 4 process "
        "and faster cores); no published per-event energies of Loihi 2 are used. Otherwise as loihi1."
    ),
)


MODELS = {m.name: m for m in (LOIHI1, LOIHI2)}


def _widths(schedule: Schedule, size: NetworkSize) -> dict:
    layer = size.layers
    return {p.name: layer[p.layer] for p in schedule.populations}


def fanout(size: NetworkSize, schedule: Schedule | None = None) -> dict:
    """Synapses each spike of a population (or a gate: key ``gates``) drives.

    ``schedule`` defaults to the training ring of ``size``'s depth.
    """
    schedule = schedule or training_schedule(size.n_hidden)
    width = _widths(schedule, size)
    out = dict.fromkeys(width, 0)
    for r in schedule.relays:
        out[r.src] += 1
    for g in schedule.plastic:
        out[g.pre] += len(g.posts) * width[g.posts[0]]
    gate_targets = [sum(width[p] for p, _ in targets) for targets in schedule.gates.values()]
    out["gates"] = sum(gate_targets) / schedule.n_phases + 1  # per gate spike, plus the next link
    return out


def _gated_neurons_per_ring(schedule: Schedule, size: NetworkSize) -> int:
    width = _widths(schedule, size)
    return sum(width[p] for targets in schedule.gates.values() for p, _ in targets) + schedule.n_phases


def counts_from_spikes(spikes: dict, weight_changes: int, samples: int, size: NetworkSize, mode: str) -> OpCounts:
    """OpCounts of ``samples`` samples from the spikes a circuit counted.

    Parameters
    ----------
    spikes : dict of str to int
        Spikes per population (`lava_backprop.circuit.Trace.spikes`,
        `lava_backprop.runtime.LavaCircuit.counters`).
    weight_changes : int
        Plastic updates applied, all copies.
    samples : int
    size : NetworkSize
    mode : {"train", "inference"}
        The ring that ran; the neurons and synapses counted are those of the
        trained circuit in both modes (inference runs on it).
    """
    trained = training_schedule(size.n_hidden)
    ring = trained if mode == "train" else inference_schedule(size.n_hidden)
    counts = OpCounts(
        samples=samples,
        steps=ring.n_phases * samples,
        spikes={p.name: 0 for p in trained.populations} | dict(spikes) | {"gates": ring.n_phases * samples},
        weight_changes=weight_changes,
    )
    width = _widths(trained, size)
    fo = fanout(size, trained)
    counts.synaptic_ops = int(round(sum(counts.spikes[p] * fo[p] for p in counts.spikes)))
    counts.neuron_updates_active = _gated_neurons_per_ring(ring, size) * samples
    counts.neuron_updates_idle = (sum(width.values()) + trained.n_phases) * counts.steps - counts.neuron_updates_active
    if mode == "train":
        plastic = sum(len(g.posts) * width[g.pre] * width[g.posts[0]] for g in trained.plastic)
        counts.plastic_visits = plastic * counts.steps
    return counts


def count_training(weights, X, T, transposed=None) -> tuple[OpCounts, dict]:
    """Count the training circuit's operations on samples, in the Lava-free simulation of the circuit.

    Parameters
    ----------
    weights, transposed
        The network's stores (see `lava_backprop.make_engine`).
    X : array of 0/1, shape (n, n_in)
    T : array, shape (n, n_out) one-hot or (n,) labels

    Returns
    -------
    counts : OpCounts
    stores : dict of str to ndarray
        The stores after the samples (they equal the reference engine's).
    """
    size, stores = check_stores(weights, transposed)
    X = check_spikes(X, size.n_in)
    T = check_targets(T, X.shape[0], size.n_out)
    trace = simulate(training_schedule(size.n_hidden), stores, X, T)
    return counts_from_spikes(trace.spikes, trace.weight_changes, X.shape[0], size, "train"), stores


def count_inference(weights, X) -> OpCounts:
    """Count the inference circuit's operations on the trained network (its forward ring)."""
    size, stores = check_stores(weights)
    X = check_spikes(X, size.n_in)
    trace = simulate(inference_schedule(size.n_hidden), stores, X)
    return counts_from_spikes(trace.spikes, trace.weight_changes, X.shape[0], size, "inference")


def estimate(counts: OpCounts, model: CostModel = LOIHI1, mode: str = "train") -> dict:
    """Energy (mJ), latency (ms) and energy-delay product per sample, with the breakdown.

    Parameters
    ----------
    counts : OpCounts
    model : CostModel
    mode : {"train", "inference"}
        Chooses the step time.
    """
    n = max(counts.samples, 1)
    t_step = model.t_step_train if mode == "train" else model.t_step_inference
    latency = counts.steps * t_step / n
    parts = {
        "synaptic_ops": counts.synaptic_ops * model.e_synop,
        "plastic_updates": counts.plastic_visits * model.e_update,
        "neuron_updates_active": counts.neuron_updates_active * model.e_active,
        "neuron_updates_idle": counts.neuron_updates_idle * model.e_idle,
        "spikes": counts.total_spikes * model.e_spike,
        "static": model.p_static * latency * n,
    }
    energy = sum(parts.values()) / n
    return {
        "model": model.name,
        "energy_mj": energy * 1e3,
        "latency_ms": latency * 1e3,
        "edp_mj_ms": energy * 1e3 * latency * 1e3,
        "breakdown_mj": {k: v / n * 1e3 for k, v in parts.items()},
        "counts_per_sample": counts.per_sample(),
        "paper_loihi1": PAPER[mode],
    }


def energy_report(stores: dict, X_train, T_train, X_test, model: CostModel = LOIHI1) -> dict:
    """``{"train": estimate(...), "inference": estimate(...)}`` for a trained network.

    Training is counted on ``X_train`` from ``stores`` on, inference on ``X_test``.
    """
    train_counts, _ = count_training(stores, X_train, T_train)
    infer_counts = count_inference(stores, X_test)
    return {
        "train": estimate(train_counts, model, "train"),
        "inference": estimate(infer_counts, model, "inference"),
        "assumptions": model.notes,
    }


def plot_energy(report: dict, path) -> None:
    """Bars of the energy breakdown per sample, training and inference, beside the paper.

    Parameters
    ----------
    report : dict
        As returned by `energy_report`.
    path : path-like
        PNG file to write, through `lava_backprop.files.atomic_path`: a
        failed write leaves an existing file as it was.

    Raises
    ------
    OSError
        If the file cannot be written (a full disk: ``errno.ENOSPC``).
    """
    from matplotlib.figure import Figure

    fig = Figure(figsize=(10, 4), layout="constrained")
    for ax, mode in zip(fig.subplots(1, 2), ("train", "inference"), strict=True):
        r = report[mode]
        names = [k for k, v in r["breakdown_mj"].items() if v > 0]
        values = [1e3 * r["breakdown_mj"][k] for k in names]  # uJ
        ax.barh(names, values, color="C0")
        ax.set_xscale("log")
        ax.axvline(1e3 * r["energy_mj"], color="C1", label=f"model total {1e3 * r['energy_mj']:.3g} uJ")
        ax.axvline(
            1e3 * r["paper_loihi1"]["energy_mj"],
            color="k",
            ls="--",
            label=f"paper, measured {1e3 * r['paper_loihi1']['energy_mj']:.3g} uJ",
        )
        ax.set(xlabel="energy per sample (uJ)", title=f"{mode} ({r['model']}), {r['latency_ms']:.3g} ms per sample")
        ax.legend(fontsize="small")
    with atomic_path(path) as tmp:
        fig.savefig(tmp, dpi=110, format="png")
