# SPDX-License-Identifier: BSD-3-Clause
"""Chip self-test: the micro-experiments of a first hour on Loihi 2.

Each experiment is a few-second Lava network of stock built-ins (LIFReset,
Dense, LearningDense, RingBuffer source and sink) whose expected result
follows from first principles: the learning rule's integers, the LIF
arithmetic and one step of latency per Dense::

    a spike emitted in step T through a Dense arrives in step T + 1
    rule: w += 2 on a pre/post coincidence in a step with T % 2 == up_parity,
          w -= 2 on one in a step of the other parity, w in [-256, 254]

In the simulator (``Loihi2SimCfg(select_tag="fixed_pt")``) every experiment
passes; with ``hardware=True`` the same networks run with ``Loihi2HwCfg``
(host-chip crossings through lava-loihi's embedded-IO adapters) and the
results say what differs.

The rule and coincidence experiments live in `lava_backprop.selftest.plasticity`,
latency, ring and sum in `lava_backprop.selftest.circuit`; both build their
networks with `lava_backprop.selftest.harness`.

See Also
--------
lava_backprop.procs.builtin_layers.learning_rule : the rule under test.
lava_backprop.hw.check_hw : the static check of a whole network.
"""

import json
import logging
import time
from collections.abc import Callable
from dataclasses import asdict
from importlib import metadata

from lava_backprop.selftest.circuit import input_sum, latency, ring
from lava_backprop.selftest.harness import Result, _require_lava_loihi, _run_config
from lava_backprop.selftest.plasticity import coincidence, rule, rule_weights

__all__ = [
    "Result",
    "EXPERIMENTS",
    "run_selftest",
    "format_table",
    "to_json",
    "rule_weights",
    "rule",
    "coincidence",
    "latency",
    "ring",
    "input_sum",
]

logger = logging.getLogger(__name__)


#: The experiments in the order they run.
EXPERIMENTS: dict[str, Callable[[bool], Result]] = {
    "rule": rule,
    "coincidence": coincidence,
    "latency": latency,
    "ring": ring,
    "sum": input_sum,
}


def run_selftest(hardware: bool = False) -> list[Result]:
    """Run every experiment of `EXPERIMENTS` in the simulator, or on Loihi 2 with ``hardware=True``.

    An experiment that raises is reported as failed with the error.

    Raises
    ------
    HardwareError
        If ``hardware`` is true and lava-loihi is not installed.
    """
    if hardware:
        _require_lava_loihi()
    results = []
    for name, experiment in EXPERIMENTS.items():
        begin = time.perf_counter()
        try:
            result = experiment(hardware)
        except Exception as err:  # one broken experiment must not hide the others
            logger.debug("experiment %s failed", name, exc_info=True)
            result = Result(name, False, f"error: {type(err).__name__}", "-", time.perf_counter() - begin, repr(err))
        logger.info("%s: %s in %.1f s", name, "pass" if result.passed else "FAIL", result.seconds)
        results.append(result)
    return results


def format_table(results: list[Result]) -> str:
    """The results as a text table: name, pass/FAIL, measured, expected, seconds; then each one's detail."""
    rows = [("experiment", "result", "measured", "expected", "seconds")]
    rows += [(r.name, "pass" if r.passed else "FAIL", r.measured, r.expected, f"{r.seconds:.1f}") for r in results]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = [
        "  ".join(c.ljust(w) for c, w in zip(row[:4], widths, strict=True)) + "  " + row[4].rjust(7) for row in rows
    ]
    lines += ["", *(f"{r.name}: {r.detail}" for r in results), ""]
    failed = [r for r in results if not r.passed]
    lines.append(f"{len(results) - len(failed)} of {len(results)} passed")
    return "\n".join(lines)


def to_json(results: list[Result], hardware: bool = False) -> str:
    """The results as a JSON document, with the Lava version and the run configuration."""
    versions = {}
    for package in ("lava-nc", "lava-loihi"):
        try:
            versions[package] = metadata.version(package)
        except metadata.PackageNotFoundError:
            versions[package] = None
    doc = {
        "passed": all(r.passed for r in results),
        "hardware": hardware,
        "lava_version": versions["lava-nc"],
        "lava_loihi_version": versions["lava-loihi"],
        "run_config": _run_config(hardware),
        "experiments": [{**asdict(r), "seconds": round(r.seconds, 3)} for r in results],
    }
    return json.dumps(doc, indent=2)
