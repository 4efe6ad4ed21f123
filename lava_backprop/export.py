# SPDX-License-Identifier: BSD-3-Clause
"""Export a trained network for inference: NIR, and lava-dl netx HDF5.

A network of layer sizes ``[n_in, h_1, .., h_L, n_out]`` (``L >= 1``) and
weights ``W_1 .. W_{L+1}`` (``W_l`` of shape ``(n_l, n_{l-1})``) infers with
the binary circuit::

    h_0 = x                          # binary input spikes
    h_l = [W_l h_{l-1} > 512]        # l = 1 .. L
    z   = W_{L+1} h_L                # the membrane read-out
    o   = [z > 512]

``weights`` is a list or tuple of the plastic weight matrices ``[W_1, ..,
W_{L+1}]``: even integers in ``[-256, 254]``, as every engine learns them.

NIR (package ``nir``): `to_nir` and `export_nir` give the chain ``input ->
fc1 (Affine W_1) -> h1 (Threshold 512) -> .. -> fc<L+1> -> o (Threshold 512)
-> output``; NIR's Threshold is strict (``1 if v > threshold``), as in the
circuit. `run_nir` interprets such a chain in numpy.

netx HDF5 (the ``layer/<i>/...`` layout that lava-dl's slayer writes and
``lava.lib.dl.netx.hdf5.Network`` loads): `export_netx` writes layer 0
``input`` (no neuron, so lava-dl feeds the spikes straight into layer 1) and
layers ``1 .. L+1`` ``dense``, each with a memoryless CUBA neuron of
threshold 512. `read_netx` reads the weights back; `run_netx` runs a file in
Lava's simulator as built-in processes: ``RingBuffer -> Dense -> LIFReset ->
.. -> Dense -> LIFReset``, one sample per step, pipelined.

Both writers build the HDF5 file in memory and write its bytes with Python's
file I/O through `lava_backprop.files.atomic_path` (a temporary file in the
target directory, moved into place when complete): HDF5 writing to a disk
that fills up can crash the process (a segmentation fault in h5py 3.16)
instead of raising, whereas this way a full disk raises `OSError` (ENOSPC)
and a failed export leaves no partial file.
"""

import io
import os
import uuid

import h5py
import nir
import numpy as np

from lava_backprop.errors import ExportError, LavaBackpropError, ShapeError
from lava_backprop.files import atomic_path
from lava_backprop.params import CIRCUIT
from lava_backprop.weights import check_stores

__all__ = ["to_nir", "export_nir", "run_nir", "export_netx", "read_netx", "run_netx"]

THRESHOLD = CIRCUIT.act_threshold  # 512

#: lava-dl's CUBA neuron with full current and voltage decay: lava-dl builds
#: ``LIF(du=iDecay - 1, dv=vDecay, vth=vThMant)``; Lava's fixed-point LIF decays
#: by ``du + 1`` and ``dv`` out of 4096, so nothing is carried to the next step.
_NEURON = {"type": "CUBA", "iDecay": 4096, "vDecay": 4096, "vThMant": THRESHOLD, "refDelay": 1, "gradedSpike": False}


def _check_weights(weights) -> list[np.ndarray]:
    """Validate ``[W_1, .., W_{L+1}]`` (`lava_backprop.weights.check_stores`); return int32 copies."""
    size, stores = check_stores(weights)
    return [stores[f"w{i}"] for i in range(1, size.n_hidden + 2)]


def _write_file(path: os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through `atomic_path`; a full disk raises `OSError` and leaves nothing."""
    with atomic_path(path) as tmp, open(tmp, "xb") as f:
        f.write(data)


def to_nir(weights) -> nir.NIRGraph:
    """``h_l = [W_l h_{l-1} > 512]``, ``o = [W_{L+1} h_L > 512]`` as a NIR graph.

    Nodes ``input``, then ``fc<l>`` (Affine, zero bias) and ``h<l>`` (Threshold 512)
    for each hidden layer, ``fc<L+1>``, ``o`` (Threshold 512) and ``output``.

    Parameters
    ----------
    weights : list or tuple of array_like
        ``[W_1, .., W_{L+1}]``, ``W_l`` of shape ``(n_l, n_{l-1})``.

    Raises
    ------
    ShapeError, WeightError
        As `lava_backprop.weights.check_store`, or fewer than two matrices.
    """
    mats = _check_weights(weights)
    nodes = {"input": nir.Input(input_type=np.array([mats[0].shape[1]]))}
    names = ["input"]
    for lay, w in enumerate(mats, start=1):
        spikes = "o" if lay == len(mats) else f"h{lay}"
        threshold = np.full(w.shape[0], float(THRESHOLD))
        nodes[f"fc{lay}"] = nir.Affine(weight=w.astype(np.float64), bias=np.zeros(w.shape[0]))
        nodes[spikes] = nir.Threshold(threshold=threshold)
        names += [f"fc{lay}", spikes]
    nodes["output"] = nir.Output(output_type=np.array([mats[-1].shape[0]]))
    names.append("output")
    meta = {"source": "lava_backprop", "rule": f"nBP binary network; inputs are 0/1 spikes; z = fc{len(mats)} output"}
    return nir.NIRGraph(nodes=nodes, edges=list(zip(names[:-1], names[1:], strict=True)), metadata=meta)


def export_nir(weights, path: os.PathLike) -> None:
    """Write ``h_l = [W_l h_{l-1} > 512]``, ``o = [W_{L+1} h_L > 512]`` (`to_nir`) to a NIR file.

    Parameters
    ----------
    weights : list or tuple of array_like
        ``[W_1, .., W_{L+1}]``, as for `to_nir`.
    path : path-like
        Written through a temporary file in its directory; an existing file
        is replaced.

    Raises
    ------
    OSError
        If the file cannot be written (a full disk: ``errno.ENOSPC``);
        ``path`` is then left as it was.
    """
    graph = to_nir(weights)
    image = io.BytesIO()
    nir.write(image, graph)  # nir's own writer, into memory (h5py's file-object driver)
    _write_file(path, image.getvalue())


def run_nir(graph: nir.NIRGraph, X) -> tuple[np.ndarray, np.ndarray]:
    """``v <- W v + b`` (Affine, Linear), ``v <- [v > threshold]`` (Threshold) along a NIR chain, in numpy.

    Starts from ``v = X`` at the Input node and follows the edges to the
    Output node.

    Parameters
    ----------
    graph : nir.NIRGraph
    X : array_like, shape (n, n_in)
        Binary input spikes, one sample per row.

    Returns
    -------
    o : ndarray of uint8, shape (n, n_out)
        The output node's values.
    z : ndarray of int64, shape (n, n_out)
        The input of the last Threshold node (the membrane read-out).

    Raises
    ------
    ExportError
        If the graph is not such a chain.
    """
    succ = dict(graph.edges)
    if len(succ) != len(graph.edges):
        raise ExportError("run_nir evaluates chains only; a node has several successors")
    inputs = [k for k, v in graph.nodes.items() if isinstance(v, nir.Input)]
    if len(inputs) != 1:
        raise ExportError(f"run_nir needs exactly one Input node, found {len(inputs)}")
    node_name, value, before_threshold = inputs[0], np.asarray(X, dtype=np.float64), None
    for _ in range(len(graph.nodes)):
        node = graph.nodes[node_name]
        if isinstance(node, nir.Affine):
            value = value @ np.asarray(node.weight).T + np.asarray(node.bias)
        elif isinstance(node, nir.Linear):
            value = value @ np.asarray(node.weight).T
        elif isinstance(node, nir.Threshold):
            before_threshold = value
            value = (value > np.asarray(node.threshold)).astype(np.float64)
        elif not isinstance(node, nir.Input | nir.Output):
            raise ExportError(f"run_nir does not interpret {type(node).__name__} nodes")
        if node_name not in succ:
            break
        node_name = succ[node_name]
    else:
        raise ExportError("run_nir evaluates chains only; the graph has a cycle")
    if before_threshold is None:
        raise ExportError("run_nir found no Threshold node on the chain")
    return value.astype(np.uint8), np.rint(before_threshold).astype(np.int64)


def _dataset(group: h5py.Group, key: str, value) -> None:
    """``group[key] = value``, strings as lava-dl's slayer writes them (one ``S10``)."""
    if isinstance(value, str):
        group.create_dataset(key, (1,), "S10", [value.encode("ascii")])
    else:
        group.create_dataset(key, data=value)


def _netx_image(mats: list[np.ndarray]) -> bytes:
    """The bytes of the netx HDF5 file of ``mats``, built in memory (h5py's core driver, no backing file).

    The name only identifies the file to HDF5, which refuses to create two
    open files of one name; nothing is written under it.
    """
    with h5py.File(f"netx-{uuid.uuid4().hex}", "w", driver="core", backing_store=False) as f:
        f.attrs["source"] = "lava_backprop"
        layer = f.create_group("layer")
        first = layer.create_group("0")
        _dataset(first, "type", "input")
        _dataset(first, "shape", np.array([mats[0].shape[1], 1, 1]))
        for i, w in enumerate(mats, start=1):
            g = layer.create_group(str(i))
            _dataset(g, "type", "dense")
            _dataset(g, "shape", np.array([w.shape[0], 1, 1]))
            _dataset(g, "inFeatures", w.shape[1])
            _dataset(g, "outFeatures", w.shape[0])
            _dataset(g, "weight", w.astype(np.int16))
            neuron = g.create_group("neuron")
            for key, value in _NEURON.items():
                _dataset(neuron, key, value)
        sim = f.create_group("simulation")
        sim["Ts"] = 1
        sim["tSample"] = 1
        f.flush()
        return f.id.get_file_image()


def export_netx(weights, path: os.PathLike) -> None:
    """Write ``h_l = [W_l h_{l-1} > 512]`` in lava-dl's netx HDF5 layout.

    Layer 0 is ``input`` (shape only, no neuron); layer ``l`` is ``dense``
    with ``weight`` ``W_l`` (int16) and the memoryless CUBA neuron
    (``iDecay = vDecay = 4096``, ``vThMant = 512``, binary spikes).

    Parameters
    ----------
    weights : list or tuple of array_like
        ``[W_1, .., W_{L+1}]``, as for `to_nir`.
    path : path-like
        Written through a temporary file in its directory; an existing file
        is replaced.

    Raises
    ------
    OSError
        If the file cannot be written (a full disk: ``errno.ENOSPC``);
        ``path`` is then left as it was.

    Notes
    -----
    lava-dl 0.6.0's ``lava.lib.dl.netx.hdf5.Network`` loads these weights
    exactly (its ``optimize_weight_bits`` clips only weights above 254 in a
    mixed-sign matrix; ``benchmarks/peer_lava_dl_netx.py``), as does `run_netx`.
    """
    mats = _check_weights(weights)
    _write_file(path, _netx_image(mats))


def _text(dataset: h5py.Dataset) -> str:
    value = dataset[()]
    value = value[0] if np.ndim(value) > 0 else value
    return value.decode("ascii") if isinstance(value, bytes) else str(value)


def _read_layers(f: h5py.File, path) -> list[np.ndarray]:
    layers = f["layer"]
    types = [_text(layers[str(i)]["type"]) for i in range(len(layers))]
    if len(types) < 3 or types != ["input"] + ["dense"] * (len(types) - 1):
        raise ExportError(f"{path}: expected layers input, dense, dense[, dense ..]; found {types}")
    mats = []
    for i in range(1, len(types)):
        layer, neuron = layers[str(i)], layers[str(i)]["neuron"]
        fields = {k: np.asarray(neuron[k][()]).tolist() for k in ("iDecay", "vDecay", "vThMant")}
        graded = any(np.any(neuron[k][()]) for k in ("gradedSpike", "messageBits") if k in neuron)
        if _text(neuron["type"]) != "CUBA" or fields != {k: _NEURON[k] for k in fields} or graded:
            raise ExportError(f"{path}: layer {i} is not the circuit's memoryless binary neuron: {fields}")
        if "bias" in layer or "delay" in layer:
            raise ExportError(f"{path}: layer {i} has a bias or delays, which the circuit does not")
        mats.append(layer["weight"][()])
    return mats


def read_netx(path: os.PathLike) -> list[np.ndarray]:
    """Read ``[W_1, .., W_{L+1}]`` from a netx file of the circuit ``h_l = [W_l h_{l-1} > 512]``.

    Returns
    -------
    list of ndarray of int32
        The dense layers' weights, ``W_l`` of shape ``(n_l, n_{l-1})``.

    Raises
    ------
    ExportError
        If the file is not HDF5, its layers are not ``input, dense, ..``, a
        neuron is not the memoryless CUBA neuron of threshold 512, or the
        weights are not even integer matrices in ``[-256, 254]`` that chain.
    """
    try:
        with h5py.File(path, "r") as f:
            mats = _read_layers(f, path)
        return _check_weights(mats)
    except ExportError:
        raise
    except LavaBackpropError as err:
        raise ExportError(f"{path}: bad weights: {err}") from None
    except (OSError, KeyError, ValueError, TypeError, AttributeError) as err:
        raise ExportError(f"{path}: not a readable netx HDF5 network ({err})") from None


def _dense(w: np.ndarray):
    """Lava ``Dense`` of ``W``: 8-bit mixed-sign weights, exact for every even weight in ``[-256, 254]``."""
    from lava.proc.dense.process import Dense
    from lava.utils.weightutils import SignMode

    # Lava clips 8-bit mixed-sign weights to [-256, 255] and drops their last bit, 0 in an even weight.
    return Dense(weights=w, weight_exp=0, num_weight_bits=8, sign_mode=SignMode.MIXED)


def _lava_chain(mats: list[np.ndarray], data: np.ndarray):
    """``RingBuffer -> Dense -> LIFReset -> ..`` for ``v = W s``, ``s' = [v > 512]``; return the sink."""
    from lava.proc.io.sink import RingBuffer as Sink
    from lava.proc.io.source import RingBuffer as Source
    from lava.proc.lif.process import LIFReset

    previous = Source(data=data).s_out
    for w in mats:
        dense = _dense(w)
        neuron = LIFReset(shape=(w.shape[0],), du=4095, dv=4095, vth=THRESHOLD, reset_interval=1)
        previous.connect(dense.s_in)
        dense.a_out.connect(neuron.a_in)
        previous = neuron.s_out
    sink = Sink(shape=(mats[-1].shape[0],), buffer=data.shape[1])
    previous.connect(sink.a_in)
    return sink


def run_netx(path: os.PathLike, X, tag: str = "fixed_pt") -> np.ndarray:
    """Run a netx file's circuit ``h_l = [W_l h_{l-1} > 512]`` in Lava's simulator; return o.

    Each layer is a ``Dense`` (mixed sign, 8 weight bits: exact for every
    even weight in ``[-256, 254]``) into a ``LIFReset`` that is reset every step
    and fires iff ``W_l h_{l-1} > 512``. Sample ``k`` enters in step
    ``k + 1`` and each of the ``L + 1`` layers adds one step, so ``n``
    samples take ``n + L + 1`` steps. Lava's 24-bit current holds
    ``|W_l h_{l-1}| < 2**17``.

    Parameters
    ----------
    path : path-like
        A netx file (`read_netx`).
    X : array_like, shape (n, n_in)
        Binary input spikes.
    tag : str
        Lava model tag; ``"fixed_pt"`` (the bit-accurate models).

    Returns
    -------
    ndarray of uint8, shape (n, n_out)

    Raises
    ------
    ExportError
        As `read_netx`.
    ShapeError
        If ``X`` does not have ``n_in`` columns.
    """
    from lava_backprop.runtime import import_lava_multiprocessing

    import_lava_multiprocessing()
    from lava.magma.core.run_conditions import RunSteps
    from lava.magma.core.run_configs import Loihi2SimCfg

    mats = read_netx(path)
    X = np.asarray(X, dtype=int)
    if X.ndim != 2 or X.shape[1] != mats[0].shape[1]:
        raise ShapeError(f"X must have shape (n, {mats[0].shape[1]}) for {path}, got {X.shape}")
    n, delay = X.shape[0], len(mats)
    data = np.zeros((mats[0].shape[1], n + delay), dtype=int)
    data[:, :n] = X.T
    sink = _lava_chain(mats, data)
    try:
        sink.run(condition=RunSteps(num_steps=n + delay), run_cfg=Loihi2SimCfg(select_tag=tag))
        out = np.asarray(sink.data.get())
    finally:
        sink.stop()
    return out[:, delay : n + delay].T.astype(np.uint8)
