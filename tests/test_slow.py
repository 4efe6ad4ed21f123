# SPDX-License-Identifier: BSD-3-Clause
"""Full-size runs (``make test-slow``)."""

import pytest

from lava_backprop.training import train_run


@pytest.mark.slow
@pytest.mark.timeout(900)
def test_mnist20_five_epochs_reaches_the_published_range(tmp_path, data_root):
    history = train_run(tmp_path, dataset="mnist20", epochs=5, seed=0, data_dir=data_root, progress=False)
    assert max(m["test"]["argmax_z"] for m in history) >= 0.955
    assert max(m["test"]["argmax_o"] for m in history) >= 0.93


@pytest.mark.slow
@pytest.mark.timeout(1200)
def test_lava_fixed_trains_2000_mnist_samples_like_the_reference(data_root):
    """2 000 MNIST20 samples in the Lava simulator, then the 10 000 test images."""
    import numpy as np

    import lava_backprop as lb
    from lava_backprop.data import load_dataset

    train = load_dataset("mnist20", "train", data_root)
    test = load_dataset("mnist20", "test", data_root)
    rng = np.random.default_rng(1)
    weights = lb.glorot_init(lb.NetworkSize(400, 400, 10), rng)
    order = rng.permutation(len(train))[:2000]
    results = {}
    for name in ("reference", "lava-fixed"):
        with lb.make_engine(name, weights) as engine:
            o, z = engine.train(train.X[order], train.T[order])
            results[name] = (o, z, engine.weights(), lb.classification_metrics(*engine.predict(test.X), test.T))
    ref, lava = results["reference"], results["lava-fixed"]
    np.testing.assert_array_equal(lava[0], ref[0])
    np.testing.assert_array_equal(lava[1], ref[1])
    for key in ref[2]:
        np.testing.assert_array_equal(lava[2][key], ref[2][key])
    assert lava[3] == ref[3]
    assert ref[3]["argmax_z"] > 0.6  # 2 000 samples: far above chance
