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
