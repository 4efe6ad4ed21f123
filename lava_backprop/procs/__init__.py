# SPDX-License-Identifier: BSD-3-Clause
"""Lava processes of the nBP circuit.

======================  =======================================================
``GatingChain``         ring of gate neurons; one gate spike per step
``SampleSource``        streams each sample's input and target spikes
``InputLayer``          x and its memory m_x
``HiddenLayer``         h, h<, h>, m_h, c_h, h1T; plastic W1, +W2^T, -W2^T
``OutputLayer``         o, o<, o>, t, d+, d-, oT-; plastic W2; read-out
``ReadOut``             host probe of o's spikes and input (Loihi 2 compositions)
``BackpropNetwork``     the 12-phase training circuit (hierarchical)
``InferenceNetwork``    the 4-phase inference circuit (hierarchical)
``DeepLayer``           one layer of the circuit for any number of hidden layers
``DeepBackpropNetwork`` the circuit for any number of hidden layers
======================  =======================================================

Each folder holds ``process.py`` and ``models.py`` only: Lava discovers models
by executing every module in a process's folder.
"""

import multiprocessing as _mp
import sys as _sys

_LAVA_MP = "lava.magma.runtime.message_infrastructure.multiprocessing"


def import_lava_multiprocessing() -> None:
    """Import Lava's message infrastructure, which sets the 'fork' start method.

    Lava calls ``multiprocessing.set_start_method("fork")`` when that module is
    imported and fails if anything (a tqdm lock, say) fixed the start method
    before. Clearing the choice first lets Lava make it, as it would anyway.
    """
    if _LAVA_MP in _sys.modules:
        return
    if _mp.get_start_method(allow_none=True) is not None:
        _mp.set_start_method(None, force=True)
    __import__(_LAVA_MP)


import_lava_multiprocessing()
