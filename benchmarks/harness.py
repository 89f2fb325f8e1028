"""Timing harness: warm-up, interleaved repeats, medians and spread, ratios.

Every implementation of a case is timed in the same process and the same loop: each
repeat runs every implementation once, in turn, so slow drifts of the machine (thermal,
other processes) hit all of them alike.
"""

from __future__ import annotations

import gc
import statistics
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any


@dataclass
class Stats:
    """Timings of one implementation, in seconds per call."""

    samples: list[float]

    @property
    def median(self) -> float:
        """Median seconds per call."""
        return statistics.median(self.samples)

    @property
    def spread(self) -> float:
        """Interquartile range relative to the median (the table shows half of it: 0.1 is
        printed as +-5%)."""
        if len(self.samples) < 4:
            return 0.0
        q = statistics.quantiles(self.samples, n=4)
        return (q[2] - q[0]) / self.median


@dataclass
class Row:
    """One line of the report."""

    case: str
    impl: str
    value: float
    unit: str
    spread: float = 0.0
    ratio: str = ""
    target: str = ""
    ok: bool | None = None
    note: str = ""


@dataclass
class Case:
    """A speed case: one callable per implementation, the first is arraygrad's.

    ``per`` divides the time (e.g. by the number of ops, to report time per op);
    ``targets`` maps a comparison's name to the largest allowed ratio arraygrad/it.
    """

    name: str
    impls: dict[str, Callable[[], Any]]
    per: int = 1
    unit: str = "ms"
    targets: dict[str, float] = field(default_factory=dict)
    note: str = ""


_SCALE = {"s": 1.0, "ms": 1e3, "us": 1e6}


def measure(impls: dict[str, Callable[[], Any]], *, repeat: int, warmup: int,
            number: int = 1) -> dict[str, Stats]:
    """Time every callable ``repeat`` times (each sample = ``number`` calls), interleaved.

    The garbage collector runs before the timed loop and stays enabled, as in real use.
    """
    for _ in range(warmup):
        for fn in impls.values():
            fn()
    gc.collect()
    samples: dict[str, list[float]] = {name: [] for name in impls}
    clock = time.perf_counter
    for _ in range(repeat):
        for name, fn in impls.items():
            t0 = clock()
            for _ in range(number):
                fn()
            samples[name].append((clock() - t0) / number)
    return {name: Stats(s) for name, s in samples.items()}


def run_case(case: Case, *, repeat: int, warmup: int, number: int = 1) -> list[Row]:
    """Time a case and return one row per implementation, with ratios.

    Implementations whose name starts with ``arraygrad`` are ours, the rest comparisons.
    A comparison's row shows (first arraygrad implementation) / (it); a further arraygrad
    implementation's row shows (it) / (the first comparison that has a target).
    """
    stats = measure(case.impls, repeat=repeat, warmup=warmup, number=number)
    names = list(case.impls)
    ours = stats[names[0]].median
    scale = _SCALE[case.unit] / case.per
    gated = next((n for n in names if n in case.targets), None)
    rows = [Row(case.name, names[0], ours * scale, case.unit, stats[names[0]].spread,
                note=case.note)]
    for name in names[1:]:
        t = stats[name].median
        if name.startswith("arraygrad"):
            if gated is None:
                rows.append(Row(case.name, name, t * scale, case.unit, stats[name].spread))
                continue
            ratio, limit, label = t / stats[gated].median, case.targets[gated], gated
        else:
            ratio, limit, label = ours / t, case.targets.get(name), ""
        rows.append(Row(case.name, name, t * scale, case.unit, stats[name].spread,
                        ratio=f"{ratio:.2f}x" + (f" (vs {label})" if label else ""),
                        target="" if limit is None else f"<= {limit}x",
                        ok=None if limit is None else ratio <= limit))
    return rows


def format_table(rows: list[Row], markdown: bool = False) -> str:
    """Render rows as an aligned text table (or a Markdown table)."""
    head = ("case", "implementation", "time", "spread", "arraygrad / this", "target", "met")
    body = []
    for r in rows:
        met = "" if r.ok is None else ("yes" if r.ok else "NO")
        spread = f"+-{r.spread * 50:.0f}%" if r.spread else ""
        value = f"{r.value:.4g} {r.unit}" if r.unit else f"{r.value:.4g}"
        body.append((r.case, r.impl + (f" ({r.note})" if r.note and r.impl.startswith(
            "arraygrad") else ""), value, spread, r.ratio, r.target, met))
    if markdown:
        lines = ["| " + " | ".join(head) + " |", "|" + "---|" * len(head)]
        lines += ["| " + " | ".join(row) + " |" for row in body]
        return "\n".join(lines)
    widths = [max(len(str(x[i])) for x in [head, *body]) for i in range(len(head))]
    fmt = "  ".join(f"{{:<{w}}}" for w in widths)
    return "\n".join([fmt.format(*head), fmt.format(*("-" * w for w in widths))]
                     + [fmt.format(*row) for row in body])
