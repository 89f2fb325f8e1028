"""Memory over a long training run: live graph nodes, saved arrays and RSS must stay flat.

Runs the small MLP for many steps the way user code does (``loss = step()`` keeps the
last loss, hence the last graph, alive) and counts, at checkpoints, the live
:class:`arraygrad.node.Node` objects (through ``gc``), the nodes still holding saved
arrays, and the resident set size.
"""

from __future__ import annotations

import gc
import os
import resource
from typing import Any

from benchmarks import mlp
from benchmarks.harness import Row


def _rss_mib() -> float:
    try:
        with open("/proc/self/statm") as f:
            pages = int(f.read().split()[1])
        return pages * os.sysconf("SC_PAGE_SIZE") / 2**20
    except OSError:  # not Linux: fall back to the peak
        return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _graph_census() -> tuple[int, int]:
    from arraygrad.node import Node

    gc.collect()
    nodes = [o for o in gc.get_objects() if type(o) is Node]
    return len(nodes), sum(1 for n in nodes if n.arrays is not None or n.out is not None)


def rows(ag: Any, *, smoke: bool) -> list[Row]:
    """Census after the first checkpoint and after the last step; growth must be zero."""
    steps = 20 if smoke else 1000
    first = 2 if smoke else 10
    sizes, batch = ((20, 8, 8, 4), 4) if smoke else ((784, 64, 64, 10), 32)
    step, _ = mlp.arraygrad_step(ag, sizes, batch)
    loss = None
    census = {}
    for i in range(1, steps + 1):
        loss = step()
        if i in (first, steps):
            nodes, saved = _graph_census()
            census[i] = (nodes, saved, _rss_mib())
    del loss
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    label = f"memory over {steps} MLP steps " + "-".join(map(str, sizes)) + f"/{batch}"
    out = []
    for k, (name, unit) in enumerate((("live graph nodes", ""),
                                      ("nodes holding saved arrays", ""),
                                      ("RSS", "MiB"))):
        a, b = census[first][k], census[steps][k]
        growth = b - a
        limit = 8.0 if unit else 0
        out.append(Row(label, f"{name} at step {first}", a, unit))
        out.append(Row(label, f"{name} at step {steps}", b, unit,
                       ratio=f"{growth:+.4g} {unit}".rstrip(),
                       target=f"growth <= {limit:g} {unit}".rstrip(), ok=growth <= limit))
    out.append(Row(label, "peak RSS of the whole benchmark process", peak, "MiB"))
    return out
