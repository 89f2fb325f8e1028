"""DataLoader throughput: shuffled batches from an in-memory dataset.

arraygrad's ``DataLoader`` over an ``ArrayDataset`` (one vectorized take per array per
batch) against the same batches gathered with plain NumPy fancy indexing. Throughput is
reported in batches per second; the ratio is arraygrad's throughput over NumPy's.
"""

from __future__ import annotations

from typing import Any

import numpy as np

from benchmarks.harness import Row, measure


def _data(n: int, features: int):
    rng = np.random.default_rng(0)
    return (rng.standard_normal((n, features), dtype=np.float32),
            rng.integers(0, 10, size=n))


def rows(ag: Any, *, smoke: bool, repeat: int, warmup: int) -> list[Row]:
    """One epoch per sample; rows in batches per second."""
    if not hasattr(getattr(ag, "data", None), "DataLoader"):
        return [Row("DataLoader", "arraygrad", float("nan"), "",
                    note="skipped: arraygrad.data.DataLoader does not exist")]
    n, features, batch = (256, 8, 32) if smoke else (10_000, 784, 128)
    x, y = _data(n, features)
    n_batches = -(-n // batch)

    loader = ag.data.DataLoader(ag.data.ArrayDataset(x, y), batch_size=batch, shuffle=True,
                                seed=0)
    threaded = ag.data.DataLoader(ag.data.ArrayDataset(x, y), batch_size=batch,
                                  shuffle=True, seed=0, num_workers=2)

    def ours():
        return sum(len(yb) for _xb, yb in loader)

    def ours_threads():
        return sum(len(yb) for _xb, yb in threaded)

    rng = np.random.default_rng(0)

    def plain():
        order = rng.permutation(n)
        seen = 0
        for start in range(0, n, batch):
            idx = order[start:start + batch]
            _xb, yb = x[idx], y[idx]
            seen += len(yb)
        return seen

    stats = measure({"ours": ours, "threads": ours_threads, "numpy": plain},
                    repeat=max(1, repeat // 3), warmup=min(warmup, 1))
    case = f"DataLoader {n} x {features} f32, batch {batch}, shuffled"
    rate = {k: n_batches / s.median for k, s in stats.items()}
    ratio = rate["ours"] / rate["numpy"]
    return [
        Row(case, "arraygrad DataLoader (num_workers=0)", rate["ours"], "batches/s",
            stats["ours"].spread, ratio=f"{ratio:.2f}x of numpy", target=">= 0.9x",
            ok=ratio >= 0.9),
        Row(case, "arraygrad DataLoader (num_workers=2 threads)", rate["threads"],
            "batches/s", stats["threads"].spread,
            ratio=f"{rate['threads'] / rate['numpy']:.2f}x of numpy"),
        Row(case, "numpy fancy indexing", rate["numpy"], "batches/s", stats["numpy"].spread),
    ]
