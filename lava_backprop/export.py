# SPDX-License-Identifier: BSD-3-Clause
"""Export a trained network for inference: NIR, and lava-dl netx HDF5.

Both describe the binary inference circuit::

    h = [W1 x > 512]        # x binary
    o = [W2 h > 512]        # z = W2 h is the membrane read-out

NIR (package ``nir``): ``input -> fc1 (Affine W1) -> h (Threshold 512) ->
fc2 (Affine W2) -> o (Threshold 512) -> output``; NIR's Threshold is strict
(``1 if v > threshold``), as in the circuit. `run_nir` interprets such a
graph in numpy.

netx HDF5 (the ``layer/<i>/...`` layout of lava-dl's netx): layer 0 input,
layers 1 and 2 dense with CUBA neurons of full current and voltage decay
(memoryless) and threshold 512, written with h5py. `load_netx` builds a Lava
network of built-in processes from such a file, and `run_netx` runs it in
the simulator: ``RingBuffer -> Dense -> LIFReset -> Dense -> LIFReset``,
one sample per step, pipelined.
"""

import os

import h5py
import nir
import numpy as np

from lava_backprop.errors import CheckpointError
from lava_backprop.params import CIRCUIT
from lava_backprop.weights import check_store

__all__ = ["to_nir", "export_nir", "run_nir", "export_netx", "read_netx", "run_netx"]

THRESHOLD = CIRCUIT.act_threshold  # 512


def to_nir(w1, w2) -> nir.NIRGraph:
    """The inference circuit of ``w1`` (n_hid, n_in) and ``w2`` (n_out, n_hid) as a NIR graph."""
    w1 = np.asarray(w1, dtype=np.float64)
    w2 = np.asarray(w2, dtype=np.float64)
    n_hid, n_in = w1.shape
    n_out = w2.shape[0]
    nodes = {
        "input": nir.Input(input_type=np.array([n_in])),
        "fc1": nir.Affine(weight=w1, bias=np.zeros(n_hid)),
        "h": nir.Threshold(threshold=np.full(n_hid, float(THRESHOLD))),
        "fc2": nir.Affine(weight=w2, bias=np.zeros(n_out)),
        "o": nir.Threshold(threshold=np.full(n_out, float(THRESHOLD))),
        "output": nir.Output(output_type=np.array([n_out])),
    }
    edges = [("input", "fc1"), ("fc1", "h"), ("h", "fc2"), ("fc2", "o"), ("o", "output")]
    meta = {"source": "lava_backprop", "rule": "nBP binary network; inputs are 0/1 spikes; z = fc2 output"}
    return nir.NIRGraph(nodes=nodes, edges=edges, metadata=meta)


def export_nir(w1, w2, path: os.PathLike) -> None:
    """Write the inference circuit to a NIR file."""
    nir.write(str(path), to_nir(w1, w2))


def run_nir(graph: nir.NIRGraph, X) -> tuple[np.ndarray, np.ndarray]:
    """Evaluate a feed-forward NIR graph of Input, Affine/Linear, Threshold and Output nodes.

    Returns
    -------
    o : ndarray of uint8, shape (n, n_out)
        The output node's values.
    z : ndarray of int64, shape (n, n_out)
        The input of the last Threshold node (the membrane read-out).
    """
    succ = dict(graph.edges)
    if len(succ) != len(graph.edges):
        raise ValueError("run_nir evaluates chains only; a node has several successors")
    node_name = next(k for k, v in graph.nodes.items() if isinstance(v, nir.Input))
    value = np.asarray(X, dtype=np.float64)
    before_threshold = None
    while True:
        node = graph.nodes[node_name]
        if isinstance(node, nir.Affine):
            value = value @ np.asarray(node.weight).T + np.asarray(node.bias)
        elif isinstance(node, nir.Linear):
            value = value @ np.asarray(node.weight).T
        elif isinstance(node, nir.Threshold):
            before_threshold = value
            value = (value > np.asarray(node.threshold)).astype(np.float64)
        elif not isinstance(node, nir.Input | nir.Output):
            raise ValueError(f"run_nir does not interpret {type(node).__name__} nodes")
        if node_name not in succ:
            break
        node_name = succ[node_name]
    return value.astype(np.uint8), np.rint(before_threshold).astype(np.int64)


_NEURON = {"type": "CUBA", "iDecay": 4096, "vDecay": 4096, "vThMant": THRESHOLD, "refDelay": 1, "gradedSpike": False}


def export_netx(w1, w2, path: os.PathLike) -> None:
    """Write the inference circuit in lava-dl's netx HDF5 layout."""
    w1 = np.asarray(w1)
    w2 = np.asarray(w2)
    n_hid, n_in = w1.shape
    n_out = w2.shape[0]
    with h5py.File(path, "w") as f:
        f.attrs["source"] = "lava_backprop"
        layer = f.create_group("layer")
        first = layer.create_group("0")
        first["type"] = np.bytes_("input")
        first["shape"] = np.array([n_in, 1, 1])
        for i, (w, n_o, n_i) in enumerate(((w1, n_hid, n_in), (w2, n_out, n_hid)), start=1):
            g = layer.create_group(str(i))
            g["type"] = np.bytes_("dense")
            g["shape"] = np.array([n_o, 1, 1])
            g["inFeatures"] = n_i
            g["outFeatures"] = n_o
            g["weight"] = w.astype(np.int16)
            neuron = g.create_group("neuron")
            for key, value in _NEURON.items():
                neuron[key] = np.bytes_(value) if isinstance(value, str) else value
        sim = f.create_group("simulation")
        sim["Ts"] = 1
        sim["tSample"] = 1


def read_netx(path: os.PathLike) -> tuple[np.ndarray, np.ndarray]:
    """Read the two dense layers of a netx file written by `export_netx`; return ``(w1, w2)``.

    Raises CheckpointError if the file is not such a network.
    """
    try:
        with h5py.File(path, "r") as f:
            layers = f["layer"]
            types = [layers[str(i)]["type"][()].decode() for i in range(len(layers))]
            if types != ["input", "dense", "dense"]:
                raise CheckpointError(f"{path}: expected layers input, dense, dense; found {types}")
            for i in (1, 2):
                neuron = layers[str(i)]["neuron"]
                memoryless = int(neuron["iDecay"][()]) == 4096 and int(neuron["vDecay"][()]) == 4096
                if not memoryless or int(neuron["vThMant"][()]) != THRESHOLD:
                    raise CheckpointError(f"{path}: layer {i} is not the circuit's memoryless neuron")
            w1 = layers["1"]["weight"][()]
            w2 = layers["2"]["weight"][()]
    except (OSError, KeyError) as err:
        raise CheckpointError(f"{path}: not a readable netx HDF5 network ({err})") from None
    return check_store("w1", w1, w1.shape), check_store("w2", w2, (w2.shape[0], w1.shape[0]))


def run_netx(path: os.PathLike, X, tag: str = "fixed_pt") -> np.ndarray:
    """Run a netx file in the Lava simulator with built-in processes; return o (n, n_out).

    Sample ``k`` enters in step ``k + 1``; its hidden spikes arrive one step
    later and its output spikes one more step later, so ``n`` samples take
    ``n + 2`` steps.
    """
    from lava_backprop.procs import import_lava_multiprocessing

    import_lava_multiprocessing()
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg
    from lava.proc.dense.process import Dense
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.lif.process import LIFReset

    w1, w2 = read_netx(path)
    X = np.asarray(X, dtype=int)
    n = X.shape[0]
    steps = n + 2
    data = np.zeros((w1.shape[1], steps), dtype=int)
    data[:, :n] = X.T
    source = Source(data=data)
    neurons = []
    previous = source.s_out
    for w in (w1, w2):
        dense = Dense(weights=w, weight_exp=0)  # mixed sign: even 8-bit weights, carried exactly
        neuron = LIFReset(shape=(w.shape[0],), du=4095, dv=4095, vth=THRESHOLD, reset_interval=1)
        previous.connect(dense.s_in)
        dense.a_out.connect(neuron.a_in)
        previous = neuron.s_out
        neurons.append(neuron)
    sink = Sink(shape=(w2.shape[0],), buffer=steps)
    previous.connect(sink.a_in)
    try:
        sink.run(condition=RunSteps(num_steps=steps), run_cfg=Loihi2SimCfg(select_tag=tag))
        out = np.asarray(sink.data.get())
    finally:
        sink.stop()
    return out[:, 2 : n + 2].T.astype(np.uint8)
