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
fc1 (Affine W_1, zero bias) -> h1 (LIF) -> .. -> fc<L+1> -> o (LIF) ->
output``. Each LIF obeys ``tau dv/dt = (v_leak - v) + r I`` with ``tau =
dt = 1e-4`` (`NIR_DT`), ``r = 1``, ``v_leak = v_reset = 0`` and
``v_threshold = 512``: one Euler step of length ``tau`` sets ``v = I``, so
the neuron keeps nothing from the step before and fires iff ``I > 512``
(NIR's threshold is strict, as the circuit's). Importers and their steps:

- snnTorch (``snntorch.import_nir.import_from_nir``): its step is fixed at
  ``1e-4``, giving ``Leaky(beta=0, threshold=512)``; one call is one step and
  a spike crosses every layer within it, so sample ``k`` fed in step ``k``
  gives its o in step ``k``.
- Norse (``norse.torch.from_nir(graph, dt=1e-4)``): ``LIFBoxCell`` with
  ``dt / tau = 1``; pass ``dt=1e-4``, since Norse's default ``1e-3`` makes
  the neuron integrate. No delay per layer, as in snnTorch.
- lava-dl 0.6.0 has no NIR importer (its NIR bridge is an unreleased
  branch); Loihi users load the netx file below.

netx HDF5 (the ``layer/<i>/...`` layout that lava-dl's slayer writes and
``lava.lib.dl.netx.hdf5.Network`` loads): `export_netx` writes layer 0
``input`` (no neuron, so lava-dl feeds the spikes straight into layer 1) and
layers ``1 .. L+1`` ``dense``, each with a memoryless CUBA neuron of
threshold 512. lava-dl's network adds one step per dense layer: sample ``k``
fed in step ``k`` gives its o in step ``k + L + 1``, exact while every
``|W_l h_{l-1}| < 2**17`` (`export_netx` warns when inputs could reach it).
`read_netx` reads the weights back, for an engine
(``make_engine("reference", read_netx(path))``).

The peer tools themselves run both files to the rule's output spikes in
``make test-interop`` (``tests/test_interop.py``).

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
import warnings

import h5py
import nir
import numpy as np

from lava_backprop.errors import ExportError, LavaBackpropError
from lava_backprop.files import atomic_path
from lava_backprop.params import CIRCUIT
from lava_backprop.weights import check_stores

__all__ = ["NIR_DT", "NETX_SUM_LIMIT", "to_nir", "export_nir", "export_netx", "netx_reach", "read_netx"]

THRESHOLD = CIRCUIT.act_threshold  # 512

#: The NIR graph's time step and every LIF's time constant, in seconds (snnTorch's fixed step).
NIR_DT = 1e-4

#: lava-dl's Lava neurons hold 64 W h in a 24-bit current that wraps past 2**23: sums must stay below this.
NETX_SUM_LIMIT = 2**17

#: lava-dl's CUBA neuron with full current and voltage decay: lava-dl builds
#: ``LIF(du=iDecay - 1, dv=vDecay, vth=vThMant)``; Lava's fixed-point LIF decays
#: by ``du + 1`` and ``dv`` out of 4096, so nothing is carried to the next step.
_NEURON = {"type": "CUBA", "iDecay": 4096, "vDecay": 4096, "vThMant": THRESHOLD, "refDelay": 1, "gradedSpike": False}


def _check_weights(weights) -> list[np.ndarray]:
    """Validate ``[W_1, .., W_{L+1}]`` (`lava_backprop.weights.check_stores`); return int32 copies."""
    size, stores = check_stores(weights)
    return [stores[f"w{i}"] for i in range(1, size.n_hidden + 2)]


def netx_reach(weights) -> list[int]:
    """The largest ``|W_l h|`` any binary ``h`` can give, per layer: a row's positive or negative weights summed."""
    reach = []
    for w in (np.asarray(m, dtype=np.int64) for m in weights):
        reach.append(int(max(np.clip(w, 0, None).sum(axis=1).max(), -np.clip(w, None, 0).sum(axis=1).min())))
    return reach


def _write_file(path: os.PathLike, data: bytes) -> None:
    """Write ``data`` to ``path`` through `atomic_path`; a full disk raises `OSError` and leaves nothing."""
    with atomic_path(path) as tmp, open(tmp, "xb") as f:
        f.write(data)


def _memoryless_lif(n: int) -> nir.LIF:
    """``n`` LIF neurons with ``tau = NIR_DT``: one step of ``NIR_DT`` gives ``v = I``, ``z = [I > 512]``."""
    return nir.LIF(
        tau=np.full(n, NIR_DT),
        r=np.ones(n),
        v_leak=np.zeros(n),
        v_threshold=np.full(n, float(THRESHOLD)),
        v_reset=np.zeros(n),
    )


def to_nir(weights) -> nir.NIRGraph:
    """``h_l = [W_l h_{l-1} > 512]``, ``o = [W_{L+1} h_L > 512]`` as a NIR graph of memoryless LIF neurons.

    Nodes ``input``, then ``fc<l>`` (Affine, zero bias) and ``h<l>`` (LIF)
    for each hidden layer, ``fc<L+1>``, ``o`` (LIF) and ``output``. Every LIF
    has ``tau = NIR_DT``, ``r = 1``, ``v_leak = v_reset = 0`` and
    ``v_threshold = 512``: simulated with the step ``NIR_DT`` (recorded as
    ``metadata["dt"]``) it fires iff its input exceeds 512 and keeps nothing
    to the next step. The module docstring lists each importer's step.

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
        nodes[f"fc{lay}"] = nir.Affine(weight=w.astype(np.float64), bias=np.zeros(w.shape[0]))
        nodes[spikes] = _memoryless_lif(w.shape[0])
        names += [f"fc{lay}", spikes]
    nodes["output"] = nir.Output(output_type=np.array([mats[-1].shape[0]]))
    names.append("output")
    meta = {
        "source": "lava_backprop",
        "dt": NIR_DT,
        "rule": f"nBP binary network; inputs are 0/1 spikes, one sample per step; z = fc{len(mats)} output",
    }
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

    Warns
    -----
    UserWarning
        If some binary input could make ``|W_l h_{l-1}|`` reach ``2**17``
        (`netx_reach`), or a matrix is all zero: lava-dl would not run the
        file exactly, or not load it. The file is written all the same.

    Notes
    -----
    lava-dl 0.6.0's ``lava.lib.dl.netx.hdf5.Network`` loads the weights of
    every matrix that has a positive weight exactly (an all-negative one,
    whose layer never fires, only approximately, which changes no spike; an
    all-zero one it cannot load) and runs the circuit to the rule's output
    spikes, one step per dense layer later (``tests/test_interop.py``), while
    every sum ``-2**17 < W_l h_{l-1} < 2**17`` (`NETX_SUM_LIMIT`): Lava's
    neurons hold ``64 W_l h_{l-1}`` in a 24-bit current that wraps beyond.
    Sums stay inside whenever ``n_{l-1} <= 511`` (511 * 256 < 2**17).
    """
    mats = _check_weights(weights)
    over = [(lay, r) for lay, r in enumerate(netx_reach(mats), start=1) if r >= NETX_SUM_LIMIT]
    if over:
        where = ", ".join(f"W{lay} up to {r}" for lay, r in over)
        warnings.warn(
            f"{path}: lava-dl runs this netx file exactly only while every |W_l h| < {NETX_SUM_LIMIT}, and some inputs "
            f"can give more ({where}): its 24-bit current would wrap there",
            stacklevel=2,
        )
    for lay in (lay for lay, w in enumerate(mats, start=1) if not w.any()):
        warnings.warn(f"{path}: W{lay} is all zero, and lava-dl 0.6.0 cannot load such a layer", stacklevel=2)
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

    The weights go back into an engine as they are:
    ``make_engine("reference", read_netx(path))``. To run the file itself,
    load it in lava-dl (``lava.lib.dl.netx.hdf5.Network``).

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
