# SPDX-License-Identifier: BSD-3-Clause
"""Lava processes of the nBP circuit.

=====================  =======================================================
``GatingChain``        ring of gate neurons; one gate spike per step
``SampleSource``       streams each sample's input and target spikes
``InputLayer``         x and its memory m_x
``HiddenLayer``        h, h<, h>, m_h, c_h, h1T; plastic W1, +W2^T, -W2^T
``OutputLayer``        o, o<, o>, t, d+, d-, oT-; plastic W2; read-out
``BackpropNetwork``    the 12-phase training circuit (hierarchical)
``InferenceNetwork``   the 4-phase inference circuit (hierarchical)
=====================  =======================================================

Each folder holds ``process.py`` and ``models.py`` only: Lava discovers models
by executing every module in a process's folder.
"""
