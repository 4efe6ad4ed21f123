# SPDX-License-Identifier: BSD-3-Clause
"""Lava processes of the nBP circuit.

======================  =======================================================
``GatingChain``         ring of gate neurons; one gate spike per step
``SampleSource``        streams each sample's input and target spikes
``InputLayer``          x and its memory m_x
``HiddenLayer``         one hidden layer: h, h<, h>, m_h, c_h, hT (and hT-,
                        d+, d- in deeper rings); plastic W_l, +W_{l+1}^T, -W_{l+1}^T
``OutputLayer``         o, o<, o>, t, d+, d-, oT-; plastic W_{L+1}; read-out
``ReadOut``             host probe of o's spikes and current (Loihi 2 compositions)
``BackpropNetwork``     the training circuit for any number of hidden layers
``InferenceNetwork``    the inference circuit for any number of hidden layers
======================  =======================================================

The layer processes' ports are named by role (`lava_backprop.procs.base_process`);
the networks compose one of them per layer from the schedule
(`lava_backprop.procs.wiring`). Each folder holds ``process.py`` and
``models.py`` only: Lava discovers models by executing every module in a
process's folder.
"""

from lava_backprop.runtime import import_lava_multiprocessing

import_lava_multiprocessing()
