# SPDX-License-Identifier: BSD-3-Clause
"""OutputLayer: o with its derivative bounds, target, error and transpose-error; W2; read-out."""

from lava.magma.core.process.ports.ports import InPort, OutPort
from lava.magma.core.process.variable import Var

from lava_backprop.procs.base_process import CheckedProcess, check_layer_args, plastic_init


class OutputLayer(CheckedProcess):
    """The output populations, the plastic W2 onto them and the per-sample read-out.

    Memoryless neurons (bias -8192, theta 1024, 24-bit voltage, 2-step
    refractoriness)::

        V[t] = -8192 + gates[t-1] . w_gate + sum_relays w s_src[t-1-d] + W2 h[t-1]
        s[t] = V[t] > 1024

    Phases (training): ``o = [z > 512]``, ``o< = [z > 0]``, ``o> = [z > 1024]``
    with ``z = W2 h``, and the target ``t`` (3); ``d+ = t and not o and o<``,
    ``d- = o and not t and o< and not o>`` through relays, with o< (weight
    8704) as their gate (4); ``o* = d+`` and ``oT- = d-`` (5); ``o* = d-`` and
    ``oT- = d+`` (9). W2 (one store for its three copies h -> o, o<, o>)
    learns ``+2`` on coincidences in phase 5 and ``-2`` in phase 9, saturating.

    In the read-out phase (3) of sample ``k`` the model stores o's spikes
    and ``z`` in row ``k % capacity`` of ``o_rec`` and ``z_rec``.

    Parameters
    ----------
    n_in, n_hid, n_out : int
    schedule : {"training", "inference"}
    w2 : array of int, shape (n_out, n_hid)
    capacity : int
        Rows of the read-out records.
    name : str, optional

    Ports
    -----
    s_in_gate : InPort, shape (n_phases,)
    s_in_h : InPort, shape (n_hid,)
    s_in_t_drive : InPort, shape (n_out,)
        Target spikes from the sample source.
    s_out_o, s_out_o_lo, s_out_o_hi, s_out_t, s_out_d_pos, s_out_d_neg, s_out_ot : OutPort, shape (n_out,)

    Vars
    ----
    spike_counts : (populations,)
        Spikes of each population so far, in the schedule's order.
    weight_changes : (1,)
        Plastic updates applied so far (all copies).
    w2 : (n_out, n_hid)
    o_rec, z_rec : (capacity, n_out)
    """

    def __init__(
        self,
        *,
        n_in: int,
        n_hid: int,
        n_out: int,
        w2,
        capacity: int,
        schedule: str = "training",
        name=None,
        **kwargs,
    ):
        n_phases = check_layer_args(n_in, n_hid, n_out, schedule)
        if not isinstance(capacity, int) or capacity < 1:
            raise ValueError(f"capacity must be a positive int, got {capacity!r}")
        w2 = plastic_init("w2", w2, (n_out, n_hid))
        super().__init__(n_in=n_in, n_hid=n_hid, n_out=n_out, capacity=capacity, schedule=schedule, name=name, **kwargs)
        self.s_in_gate = InPort(shape=(n_phases,))
        self.s_in_h = InPort(shape=(n_hid,))
        self.s_in_t_drive = InPort(shape=(n_out,))
        for pop in ("o", "o_lo", "o_hi", "t", "d_pos", "d_neg", "ot"):
            setattr(self, f"s_out_{pop}", OutPort(shape=(n_out,)))
        self.w2 = Var(shape=(n_out, n_hid), init=w2)
        self.o_rec = Var(shape=(capacity, n_out), init=0)
        self.z_rec = Var(shape=(capacity, n_out), init=0)
        self.spike_counts = Var(shape=(7,), init=0)
        self.weight_changes = Var(shape=(1,), init=0)
