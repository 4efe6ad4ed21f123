# SPDX-License-Identifier: BSD-3-Clause
"""Training runs: files written, resume, refusal to overwrite, evaluation."""

import json

import numpy as np
import pytest

import lava_backprop as lb
from lava_backprop.checkpoint import load_checkpoint, save_checkpoint
from lava_backprop.data import load_dataset
from lava_backprop.errors import CheckpointError, CircuitError
from lava_backprop.training import evaluate_checkpoint, train_run

SMALL = {"dataset": "mnist20", "samples": 1500, "test_samples": 500, "hidden": 40, "seed": 3, "progress": False}


def strip_timing(history):
    return [{k: v for k, v in m.items() if k not in ("train_seconds", "samples_per_s")} for m in history]


@pytest.fixture(scope="module")
def full_run(tmp_path_factory, data_root):
    out = tmp_path_factory.mktemp("full")
    history = train_run(out, epochs=3, data_dir=data_root, **SMALL)
    return out, history


def test_run_writes_metrics_checkpoints_and_plots(full_run):
    out, history = full_run
    assert [m["epoch"] for m in history] == [1, 2, 3]
    assert json.loads((out / "metrics.json").read_text()) == history
    assert sorted(p.name for p in (out / "checkpoints").iterdir()) == [
        "epoch_001.npz",
        "epoch_002.npz",
        "epoch_003.npz",
    ]
    for name in ("learning_curves.png", "weight_histograms.png"):
        assert (out / "plots" / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    config = json.loads((out / "config.json").read_text())
    assert config["size"] == "400-40-10" and config["seed"] == 3
    # It learns: far above the 10 % of chance after three small epochs.
    assert history[-1]["test"]["argmax_z"] > 0.6


def test_checkpoint_replays_the_run(full_run, data_root):
    """Epoch 1's checkpoint equals training the reference engine by hand."""
    out, _ = full_run
    rng = np.random.default_rng(SMALL["seed"])
    weights = lb.glorot_init(lb.NetworkSize(400, 40, 10), rng)
    train = load_dataset("mnist20", "train", data_root)
    order = rng.permutation(SMALL["samples"])
    with lb.make_engine("reference", weights) as e:
        e.train(train.X[: SMALL["samples"]][order], train.labels[: SMALL["samples"]][order])
        want = e.weights()
    ckpt = load_checkpoint(out / "checkpoints" / "epoch_001.npz")
    assert set(ckpt.stores) == set(want) and ckpt.size == lb.NetworkSize(400, 40, 10)
    for key in want:
        np.testing.assert_array_equal(ckpt.stores[key], want[key])
    assert ckpt.rng_state == rng.bit_generator.state


def test_resume_equals_uninterrupted(full_run, tmp_path, data_root):
    out_full, history_full = full_run
    train_run(tmp_path, epochs=1, data_dir=data_root, **SMALL)
    history = train_run(tmp_path, epochs=3, resume=True, data_dir=data_root, **SMALL)
    assert strip_timing(history) == strip_timing(history_full)
    a = load_checkpoint(tmp_path)
    b = load_checkpoint(out_full)
    assert a.epoch == b.epoch == 3
    for key in b.stores:
        np.testing.assert_array_equal(a.stores[key], b.stores[key])


def test_two_hidden_layers_train_checkpoint_and_resume(tmp_path, data_root):
    deep = SMALL | {"hidden": (24, 16), "samples": 600, "test_samples": 200}
    full = train_run(tmp_path / "full", epochs=2, data_dir=data_root, **deep)
    config = json.loads((tmp_path / "full" / "config.json").read_text())
    assert config["size"] == "400-24-16-10" and config["hidden"] == [24, 16]
    ckpt = load_checkpoint(tmp_path / "full")
    assert ckpt.size == lb.NetworkSize(400, 24, 16, 10) and set(ckpt.stores) == set(ckpt.size.store_names)
    assert full[-1]["test"]["argmax_z"] > 0.3  # learns
    train_run(tmp_path / "part", epochs=1, data_dir=data_root, **deep)
    resumed = train_run(tmp_path / "part", epochs=2, resume=True, data_dir=data_root, **deep)
    assert strip_timing(resumed) == strip_timing(full)
    for key, value in load_checkpoint(tmp_path / "part").stores.items():
        np.testing.assert_array_equal(value, ckpt.stores[key])
    with pytest.raises(CheckpointError, match="settings differ.*hidden"):
        train_run(tmp_path / "part", epochs=3, resume=True, data_dir=data_root, **(deep | {"hidden": (24, 12)}))
    m = evaluate_checkpoint(tmp_path / "full", samples=200, data_dir=data_root)
    assert m["argmax_z"] == full[-1]["test"]["argmax_z"]


def test_checkpoints_of_one_hidden_layer_without_sizes_still_load(tmp_path):
    """Checkpoints written before networks had any depth: no sizes in the meta data, ``hidden`` an int."""
    import json as json_

    stores = {
        k: np.zeros(lb.NetworkSize(4, 3, 2).store_shape(k), dtype=np.int16) for k in ("w1", "w2", "w2t_pos", "w2t_neg")
    }
    meta = {"epoch": 1, "rng_state": {}, "config": {"hidden": 3}, "w_max": 254}
    path = tmp_path / "old.npz"
    np.savez_compressed(path, meta=np.array(json_.dumps(meta)), **stores)
    ckpt = load_checkpoint(path)
    assert ckpt.size == lb.NetworkSize(4, 3, 2) and ckpt.epoch == 1


@pytest.mark.parametrize("bad", [None, 255, 3, -255])
def test_checkpoints_of_older_loihi2_sim_runs(tmp_path, bad):
    """Their meta data says ``"w_max": 255`` (that engine saturated at +255); they load if their
    stores are the rule's (even, in [-256, 254]), and are refused, with the reason, if not."""
    size = lb.NetworkSize(4, 3, 2)
    stores = {k: np.full(size.store_shape(k), 254, dtype=np.int16) for k in size.store_names}
    stores["w2t_neg"][:] = -256
    if bad is not None:
        stores["w2"][1, 2] = bad
    meta = {"epoch": 2, "rng_state": {}, "config": {"engine": "loihi2-sim"}, "w_max": 255, "sizes": [4, 3, 2]}
    path = tmp_path / "old.npz"
    np.savez_compressed(path, meta=np.array(json.dumps(meta)), **stores)
    if bad is None:
        ckpt = load_checkpoint(path)
        assert ckpt.size == size and ckpt.epoch == 2 and not hasattr(ckpt, "w_max")
        for key in size.store_names:
            np.testing.assert_array_equal(ckpt.stores[key], stores[key])
        resaved = save_checkpoint(tmp_path / "again", 3, ckpt.stores, {}, ckpt.config)
        with np.load(resaved) as npz:
            assert "w_max" not in json.loads(str(npz["meta"]))
        return
    problem = "weights outside \\[-256, 254\\]" if bad == 255 else "odd weights"
    message = f"old.npz: w2 has {problem}.*index \\(1, 2\\): {bad}; .*older loihi2-sim run.*saturated .* at \\+255"
    with pytest.raises(CheckpointError, match=message):
        load_checkpoint(path)


def test_resume_after_a_crash_between_checkpoint_and_metrics(full_run, tmp_path, data_root):
    """Epoch 2's checkpoint was written, its metrics entry was not: epoch 2 is redone from epoch 1's checkpoint."""
    _, history_full = full_run
    train_run(tmp_path, epochs=2, data_dir=data_root, **SMALL)
    history = json.loads((tmp_path / "metrics.json").read_text())
    (tmp_path / "metrics.json").write_text(json.dumps(history[:1]))
    history = train_run(tmp_path, epochs=3, resume=True, data_dir=data_root, **SMALL)
    assert strip_timing(history) == strip_timing(history_full)


@pytest.mark.parametrize("damage", ["checkpoints gone", "a checkpoint missing", "metrics out of order"])
def test_resume_refuses_a_history_its_checkpoints_contradict(full_run, tmp_path, data_root, damage):
    import shutil

    out = tmp_path / "run"
    shutil.copytree(full_run[0], out)
    if damage == "checkpoints gone":
        shutil.rmtree(out / "checkpoints")
    elif damage == "a checkpoint missing":
        (out / "checkpoints" / "epoch_002.npz").unlink()
    else:
        history = json.loads((out / "metrics.json").read_text())
        (out / "metrics.json").write_text(json.dumps(history[::-1]))
    before = (out / "metrics.json").read_bytes()
    with pytest.raises(CheckpointError, match="cannot resume"):
        train_run(out, epochs=4, resume=True, data_dir=data_root, **SMALL)
    assert (out / "metrics.json").read_bytes() == before


def test_existing_run_is_not_overwritten(full_run, data_root):
    out, _ = full_run
    before = (out / "metrics.json").read_bytes()
    with pytest.raises(CheckpointError, match="already holds a run"):
        train_run(out, epochs=1, data_dir=data_root, **SMALL)
    assert (out / "metrics.json").read_bytes() == before


def test_overwrite_starts_again(tmp_path, data_root):
    train_run(tmp_path, epochs=2, data_dir=data_root, **SMALL)
    history = train_run(tmp_path, epochs=1, overwrite=True, data_dir=data_root, **SMALL)
    assert [m["epoch"] for m in history] == [1]
    assert [p.name for p in (tmp_path / "checkpoints").iterdir()] == ["epoch_001.npz"]


def test_resume_refuses_other_settings(full_run, data_root):
    out, _ = full_run
    with pytest.raises(CheckpointError, match="settings differ.*seed"):
        train_run(out, epochs=4, resume=True, data_dir=data_root, **(SMALL | {"seed": 4}))


def test_evaluate_checkpoint_matches_the_run(full_run, data_root):
    out, history = full_run
    m = evaluate_checkpoint(out, samples=SMALL["test_samples"], data_dir=data_root)
    assert m["epoch"] == 3
    for key in ("exact_match", "argmax_o", "argmax_z", "mse"):
        assert m[key] == history[-1]["test"][key]
    m1 = evaluate_checkpoint(out / "checkpoints" / "epoch_001.npz", samples=500, data_dir=data_root)
    assert m1["argmax_z"] == history[0]["test"]["argmax_z"]


def test_bad_checkpoints(tmp_path):
    with pytest.raises(CheckpointError, match="no checkpoints"):
        load_checkpoint(tmp_path)
    (tmp_path / "junk.npz").write_bytes(b"PK\x03\x04 not really a zip")
    with pytest.raises(CheckpointError, match="unreadable checkpoint"):
        load_checkpoint(tmp_path / "junk.npz")
    with pytest.raises(CheckpointError, match="file not found"):
        load_checkpoint(tmp_path / "missing.npz")
    stores = {k: np.zeros((2, 2), dtype=int) for k in lb.NetworkSize(2, 2, 2).store_names}
    stores["w1"][0, 0] = 3
    with pytest.raises(lb.WeightError, match="w1 has odd weights"):  # never written
        save_checkpoint(tmp_path, 1, stores, {}, {})
    assert not (tmp_path / "checkpoints" / "epoch_001.npz").exists()
    meta = {"epoch": 1, "rng_state": {}, "config": {}}
    np.savez(tmp_path / "odd.npz", meta=np.array(json.dumps(meta)), **stores)
    with pytest.raises(CheckpointError, match="w1 has odd weights"):
        load_checkpoint(tmp_path / "odd.npz")
    np.savez(tmp_path / "partial.npz", w1=np.zeros((2, 2)))
    with pytest.raises(CheckpointError, match="lacks"):
        load_checkpoint(tmp_path / "partial.npz")
    meta = np.array(json.dumps({"epoch": 1, "rng_state": {}, "config": {}}))
    np.savez(tmp_path / "no_w2t.npz", meta=meta, w1=np.zeros((2, 2)), w2=np.zeros((2, 2)))
    with pytest.raises(CheckpointError, match=r"lacks the stores \['w2t_neg', 'w2t_pos'\]"):
        load_checkpoint(tmp_path / "no_w2t.npz")
    np.savez(tmp_path / "no_epoch.npz", meta=np.array(json.dumps({"config": {}})), **stores)
    with pytest.raises(CheckpointError, match=r"meta data lacks \['epoch', 'rng_state'\]"):
        load_checkpoint(tmp_path / "no_epoch.npz")


@pytest.mark.parametrize("kwargs", [{"epochs": 0}, {"samples": 0}, {"samples": 60001}])
def test_bad_run_settings(tmp_path, data_root, kwargs):
    with pytest.raises(ValueError):
        train_run(tmp_path, data_dir=data_root, **(SMALL | {"epochs": 1} | kwargs))


def test_population_read_out_run_saves_evaluates_and_resumes_only_alike(tmp_path, data_root):
    small = SMALL | {"samples": 600, "test_samples": 300}
    history = train_run(tmp_path, epochs=2, per_class=3, data_dir=data_root, **small)
    ckpt = load_checkpoint(tmp_path / "checkpoints" / "epoch_002.npz")
    assert ckpt.size.n_out == 30 and ckpt.config["per_class"] == 3
    m = evaluate_checkpoint(tmp_path, samples=300, data_dir=data_root)
    assert {k: m[k] for k in history[-1]["test"]} == history[-1]["test"]
    assert m["argmax_z"] > 0.5
    with pytest.raises(CheckpointError, match="per_class"):
        train_run(tmp_path, epochs=3, resume=True, per_class=1, data_dir=data_root, **small)


def test_shifted_and_rescaled_runs_resume_bit_identically(tmp_path, data_root):
    """Augmentation and the initial scale are part of the run: drawn from its seed, kept by resume."""
    options = SMALL | {"samples": 600, "test_samples": 200, "shift": 2, "init_scale": 0.5}
    whole = train_run(tmp_path / "whole", epochs=2, data_dir=data_root, **options)
    train_run(tmp_path / "split", epochs=1, data_dir=data_root, **options)
    split = train_run(tmp_path / "split", epochs=2, resume=True, data_dir=data_root, **options)
    assert strip_timing(split) == strip_timing(whole)
    a, b = load_checkpoint(tmp_path / "whole"), load_checkpoint(tmp_path / "split")
    assert all(np.array_equal(a.stores[k], b.stores[k]) for k in a.stores)
    plain = train_run(tmp_path / "plain", epochs=2, data_dir=data_root, **(options | {"shift": 0}))
    assert strip_timing(plain) != strip_timing(whole)
    w1 = lb.glorot_init(lb.NetworkSize(400, 40, 10), SMALL["seed"])[0]
    half = lb.glorot_init(lb.NetworkSize(400, 40, 10), SMALL["seed"], scale=0.5)[0]
    assert 0.45 < half.std() / w1.std() < 0.55
    with pytest.raises(CheckpointError, match="shift"):
        train_run(tmp_path / "whole", epochs=3, resume=True, data_dir=data_root, **(options | {"shift": 1}))
    with pytest.raises(CheckpointError, match="init_scale"):
        train_run(tmp_path / "whole", epochs=3, resume=True, data_dir=data_root, **(options | {"init_scale": 1}))


def test_a_checked_run_records_its_peak_and_stops_where_the_circuit_would(tmp_path, data_root, monkeypatch):
    """The finished epochs stay saved when a later one passes the limit (lowered here to get there)."""
    options = SMALL | {"samples": 600, "test_samples": 200, "check_circuit": True}
    history = train_run(tmp_path, epochs=1, data_dir=data_root, **options)
    peak = history[0]["closed_peak"]
    assert 0 < peak["input"] <= peak["limit"] and peak["population"] in ("o*", "h*", "h1t")
    monkeypatch.setattr("lava_backprop.reference.CLOSED_LIMIT", peak["input"] // 2)
    with pytest.raises(CircuitError, match=r"sample \d+ lands .* on the closed"):
        train_run(tmp_path, epochs=2, resume=True, data_dir=data_root, **options)
    assert [m["epoch"] for m in json.loads((tmp_path / "metrics.json").read_text())] == [1]
    assert load_checkpoint(tmp_path).epoch == 1


def test_the_check_refuses_a_hidden_layer_of_3200_on_full_mnist(tmp_path, data_root):
    options = {"dataset": "mnist28", "hidden": 3200, "samples": 300, "test_samples": 100, "progress": False}
    with pytest.raises(CircuitError, match=r"lands W2 d1[+-] = \d+ on the closed o\*, above the 17344"):
        train_run(tmp_path, check_circuit=True, data_dir=data_root, **options)
    with pytest.raises(ValueError, match="reference engine"):
        train_run(tmp_path / "dense", check_circuit=True, engine="dense", data_dir=data_root, **options)
