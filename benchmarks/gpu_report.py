"""GPU check helper: probe the machine, time one MLP training step, write the report.

Used by ``benchmarks/gpu_check.sh``; each sub-command can also run alone::

    python benchmarks/gpu_report.py probe  --out DIR   # env.json; exit 3 when no GPU
    python benchmarks/gpu_report.py bench  --out DIR   # bench.json (MLP step timings)
    python benchmarks/gpu_report.py report --out DIR   # gpu_report.md from what DIR holds
    python benchmarks/gpu_report.py bench --out DIR --cpu-smoke   # same code on the CPU

The benchmark is one SGD step (forward, cross-entropy, backward, update) of a
784-256-256-10 ReLU MLP in float32, batch 128 and 1024, timed as the median over blocks of
steps with a device synchronization at the end of each block. Groups, each with its floor:

- CuPy: arraygrad on the ``cupy`` backend vs hand-written CuPy forward/backward (the
  floor), and PyTorch CUDA autograd when torch with CUDA is installed.
- JAX: arraygrad on the ``jax`` backend (GPU device) vs ``jax.jit`` of ``jax.grad`` plus
  the update (the floor).

``--cpu-smoke`` runs the same code with NumPy in CuPy's place and JAX on the CPU, a few
steps only: it checks the script, it is not a measurement.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np

SIZES = (784, 256, 256, 10)
BATCHES = (128, 1024)
LR = 0.01


# ----------------------------------------------------------------------------- probe
def _run(cmd: list[str]) -> str:
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=60).stdout.strip()
    except (OSError, subprocess.SubprocessError) as exc:
        return f"<{cmd[0]} failed: {exc}>"


def probe() -> dict[str, Any]:
    """What this machine offers: GPUs, CuPy, JAX devices, torch CUDA, arraygrad backends."""
    env: dict[str, Any] = {"python": sys.version.split()[0], "platform": platform.platform()}
    env["nvidia_smi"] = (_run(["nvidia-smi", "--query-gpu=name,driver_version,memory.total",
                               "--format=csv,noheader"]) if shutil.which("nvidia-smi")
                         else None)
    try:
        import cupy

        env["cupy"] = {"version": cupy.__version__,
                       "gpus": int(cupy.cuda.runtime.getDeviceCount())}
    except Exception as exc:  # not installed, or no driver
        env["cupy"] = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        import jax

        env["jax"] = {"version": jax.__version__, "default_backend": jax.default_backend(),
                      "devices": [str(d) for d in jax.devices()]}
    except Exception as exc:
        env["jax"] = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        import torch

        env["torch"] = {"version": torch.__version__, "cuda": bool(torch.cuda.is_available())}
    except Exception as exc:
        env["torch"] = {"error": f"{type(exc).__name__}: {exc}"}
    try:
        import arraygrad as ag

        env["arraygrad_backends"] = {n: str(s) for n, s in ag.backends.available().items()}
    except Exception as exc:
        env["arraygrad_backends"] = {"error": f"{type(exc).__name__}: {exc}"}
    env["gpu"] = bool(env["cupy"].get("gpus")) or env["jax"].get("default_backend") == "gpu"
    return env


# ----------------------------------------------------------------------------- workloads
def init_params(seed: int = 0) -> list[np.ndarray]:
    """He-initialized weights (in, out) and zero biases, float32, the same for everyone."""
    rng = np.random.default_rng(seed)
    params = []
    for fan_in, fan_out in zip(SIZES[:-1], SIZES[1:]):
        params.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in))
                      .astype(np.float32))
        params.append(np.zeros(fan_out, np.float32))
    return params


def batch(n: int, seed: int = 1) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((n, SIZES[0])).astype(np.float32),
            rng.integers(0, SIZES[-1], n).astype(np.int64))


def hand_written(xp: Any, n: int) -> tuple[Callable[[], None], Callable[[], None]]:
    """Forward and backward written by hand against ``xp`` (CuPy or NumPy): the floor."""
    w1, b1, w2, b2, w3, b3 = (xp.asarray(p) for p in init_params())
    x_host, y_host = batch(n)
    x, y = xp.asarray(x_host), xp.asarray(y_host)
    rows = xp.arange(n)
    onehot = xp.zeros((n, SIZES[-1]), dtype=xp.float32)
    onehot[rows, y] = 1.0

    def step() -> None:
        h1 = x @ w1 + b1
        a1 = xp.maximum(h1, 0)
        h2 = a1 @ w2 + b2
        a2 = xp.maximum(h2, 0)
        logits = a2 @ w3 + b3
        e = xp.exp(logits - logits.max(axis=1, keepdims=True))
        p = e / e.sum(axis=1, keepdims=True)
        g = (p - onehot) / n
        gw3, gb3 = a2.T @ g, g.sum(axis=0)
        g2 = (g @ w3.T) * (h2 > 0)
        gw2, gb2 = a1.T @ g2, g2.sum(axis=0)
        g1 = (g2 @ w2.T) * (h1 > 0)
        gw1, gb1 = x.T @ g1, g1.sum(axis=0)
        for w, gw in ((w1, gw1), (b1, gb1), (w2, gw2), (b2, gb2), (w3, gw3), (b3, gb3)):
            w -= LR * gw

    return step, _sync_for(xp)


def _sync_for(xp: Any) -> Callable[[], None]:
    if xp.__name__ == "cupy":
        return lambda: xp.cuda.Device().synchronize()
    return lambda: None


def _sgd_step(lib: Any, x: Any, y: Any, params: list, cross_entropy: Callable
              ) -> Callable[[], None]:
    """The 3-layer MLP step, the same code for arraygrad and PyTorch (``lib``): forward,
    backward, then SGD in place under ``lib.no_grad()``."""
    w1, b1, w2, b2, w3, b3 = params

    def step() -> None:
        h = lib.relu(x @ w1 + b1)
        h = lib.relu(h @ w2 + b2)
        loss = cross_entropy(h @ w3 + b3, y)
        for p in params:
            p.grad = None
        loss.backward()
        with lib.no_grad():
            for p in params:
                p -= LR * p.grad

    return step


def arraygrad_step(backend: str, device: str | None,
                   n: int) -> tuple[Callable[[], None], Callable[[], None]]:
    """One arraygrad SGD step on ``backend``/``device``."""
    import arraygrad as ag

    params = [ag.tensor(p, backend=backend, device=device, requires_grad=True)
              for p in init_params()]
    x_host, y_host = batch(n)
    x = ag.tensor(x_host, backend=backend, device=device)
    y = ag.tensor(y_host, backend=backend, device=device)
    step = _sgd_step(ag, x, y, params, ag.cross_entropy)

    be = ag.get_backend(backend)
    if be.name == "cupy":
        import cupy

        return step, lambda: cupy.cuda.Device().synchronize()
    if be.name == "jax":
        return step, lambda: [p.array.block_until_ready() for p in params]
    return step, lambda: None


def torch_step(device: str, n: int) -> tuple[Callable[[], None], Callable[[], None]]:
    """PyTorch autograd and a manual SGD update."""
    import torch

    params = [torch.tensor(p, device=device, requires_grad=True) for p in init_params()]
    x_host, y_host = batch(n)
    x, y = torch.tensor(x_host, device=device), torch.tensor(y_host, device=device)
    step = _sgd_step(torch, x, y, params, torch.nn.functional.cross_entropy)

    sync = torch.cuda.synchronize if device.startswith("cuda") else (lambda: None)
    return step, sync


def jax_jit_step(device: Any, n: int) -> tuple[Callable[[], None], Callable[[], None]]:
    """``jax.jit`` of ``jax.grad`` plus the update: what a JAX user would write."""
    import jax
    import jax.numpy as jnp

    params = [jax.device_put(p, device) for p in init_params()]
    x_host, y_host = batch(n)
    x, y = jax.device_put(x_host, device), jax.device_put(y_host, device)

    def loss_fn(ps, x, y):
        w1, b1, w2, b2, w3, b3 = ps
        h = jax.nn.relu(x @ w1 + b1)
        h = jax.nn.relu(h @ w2 + b2)
        logp = jax.nn.log_softmax(h @ w3 + b3, axis=1)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    @jax.jit
    def update(ps, x, y):
        grads = jax.grad(loss_fn)(ps, x, y)
        return [p - LR * g for p, g in zip(ps, grads)]

    state = {"params": params}

    def step() -> None:
        state["params"] = update(state["params"], x, y)

    return step, lambda: [p.block_until_ready() for p in state["params"]]


def time_step(step: Callable[[], None], sync: Callable[[], None], *, warmup: int,
              iters: int, repeats: int) -> float:
    """Median milliseconds per step over ``repeats`` blocks of ``iters`` steps."""
    for _ in range(warmup):
        step()
    sync()
    blocks = []
    for _ in range(repeats):
        t0 = time.perf_counter()
        for _ in range(iters):
            step()
        sync()
        blocks.append((time.perf_counter() - t0) / iters * 1e3)
    return statistics.median(blocks)


def bench(cpu_smoke: bool, warmup: int, iters: int, repeats: int) -> dict[str, Any]:
    """Time every implementation available here; unavailable ones are listed with why."""
    results: list[dict[str, Any]] = []
    skipped: list[dict[str, str]] = []

    def measure(group: str, name: str, device: str, floor: bool, make) -> None:
        for n in BATCHES:
            try:
                step, sync = make(n)
                ms = time_step(step, sync, warmup=warmup, iters=iters, repeats=repeats)
            except Exception as exc:
                skipped.append({"group": group, "name": name, "batch": str(n),
                                "reason": f"{type(exc).__name__}: {exc}"})
                continue
            results.append({"group": group, "name": name, "device": device, "batch": n,
                            "ms_per_step": ms, "floor": floor})

    # CuPy group (NumPy stands in on a CPU smoke run).
    if cpu_smoke:
        measure("numpy (smoke)", "hand-written NumPy", "cpu", True,
                lambda n: hand_written(np, n))
        measure("numpy (smoke)", "arraygrad[numpy]", "cpu", False,
                lambda n: arraygrad_step("numpy", None, n))
    else:
        try:
            import cupy

            measure("cupy", "hand-written CuPy", "cuda:0", True,
                    lambda n: hand_written(cupy, n))
            measure("cupy", "arraygrad[cupy]", "cuda:0", False,
                    lambda n: arraygrad_step("cupy", "cuda:0", n))
        except Exception as exc:
            skipped.append({"group": "cupy", "name": "all", "batch": "-",
                            "reason": f"{type(exc).__name__}: {exc}"})
        try:
            import torch

            if torch.cuda.is_available():
                measure("cupy", "PyTorch CUDA autograd", "cuda:0", False,
                        lambda n: torch_step("cuda:0", n))
            else:
                skipped.append({"group": "cupy", "name": "PyTorch CUDA autograd",
                                "batch": "-", "reason": "torch has no CUDA here"})
        except ImportError as exc:
            skipped.append({"group": "cupy", "name": "PyTorch CUDA autograd", "batch": "-",
                            "reason": f"ImportError: {exc}"})
    # JAX group.
    try:
        import jax

        import arraygrad as ag

        if cpu_smoke:
            jdev, ag_dev, group = jax.devices("cpu")[0], "cpu", "jax cpu (smoke)"
        else:
            gpus = [d for d in jax.devices() if d.platform != "cpu"]
            if not gpus:
                raise RuntimeError(f"JAX sees no GPU (devices: {jax.devices()})")
            jdev, group = gpus[0], "jax gpu"
            ag_dev = ag.get_backend("jax").default_device
        measure(group, "jax.jit(jax.grad)", ag_dev, True, lambda n: jax_jit_step(jdev, n))
        measure(group, "arraygrad[jax]", ag_dev, False,
                lambda n: arraygrad_step("jax", ag_dev, n))
    except Exception as exc:
        skipped.append({"group": "jax", "name": "all", "batch": "-",
                        "reason": f"{type(exc).__name__}: {exc}"})
    return {"cpu_smoke": cpu_smoke, "sizes": SIZES, "dtype": "float32", "warmup": warmup,
            "iters": iters, "repeats": repeats, "results": results, "skipped": skipped}


# ----------------------------------------------------------------------------- report
_SUMMARY = re.compile(r"=+ (.*(?:passed|failed|error|skipped|deselected).*) in [\d.]+s")


def _matrix_lines(out: Path) -> list[str]:
    lines = []
    for log in sorted(out.glob("tests_*.log")):
        name = log.stem.removeprefix("tests_")
        rc_file = out / f"tests_{name}.rc"
        rc = rc_file.read_text().strip() if rc_file.exists() else "?"
        found = _SUMMARY.findall(log.read_text(errors="replace"))
        summary = found[-1] if found else "no pytest summary (see the log)"
        state = {"0": "ok", "124": "TIMED OUT", "137": "KILLED"}.get(rc, f"exit {rc}")
        lines.append(f"| `{name}` | {state} | {summary} | `{log.name}` |")
    return lines


def report(out: Path) -> str:
    """Markdown report from env.json, bench.json and tests_*.log in ``out``."""
    env = json.loads((out / "env.json").read_text()) if (out / "env.json").exists() else {}
    lines = ["# arraygrad GPU check", ""]
    if env and not env.get("gpu"):
        lines += ["**no GPU**: neither CuPy nor JAX sees a CUDA device on this machine; the "
                  "GPU test matrix and benchmarks were skipped.", ""]
    lines += ["## Machine", "", "```json", json.dumps(env, indent=2), "```", ""]
    matrix = _matrix_lines(out)
    if matrix:
        lines += ["## Test matrix", "", "| backend | result | pytest summary | log |",
                  "|---|---|---|---|", *matrix, ""]
    if (out / "bench.json").exists():
        data = json.loads((out / "bench.json").read_text())
        title = "MLP step (CPU smoke run: checks the code, not a measurement)" \
            if data["cpu_smoke"] else "MLP step"
        lines += [f"## {title}", "",
                  f"One SGD step of a {'-'.join(map(str, data['sizes']))} ReLU MLP, "
                  f"{data['dtype']}: forward, cross-entropy, backward, update. Median of "
                  f"{data['repeats']} blocks of {data['iters']} steps after {data['warmup']} "
                  f"warm-up steps, device synchronized after each block. Ratio: time / the "
                  f"group's floor at the same batch.", "",
                  "| group | implementation | device | batch | ms/step | × floor |",
                  "|---|---|---|---|---|---|"]
        floors = {(r["group"], r["batch"]): r["ms_per_step"] for r in data["results"]
                  if r["floor"]}
        for r in data["results"]:
            floor = floors.get((r["group"], r["batch"]))
            ratio = f"{r['ms_per_step'] / floor:.2f}" if floor else "-"
            lines.append(f"| {r['group']} | {r['name']} | {r['device']} | {r['batch']} | "
                         f"{r['ms_per_step']:.3f} | {ratio} |")
        if data["skipped"]:
            lines += ["", "Not measured:", ""]
            lines += [f"- {s['group']} / {s['name']} (batch {s['batch']}): {s['reason']}"
                      for s in data["skipped"]]
        lines.append("")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Command-line entry: ``probe``, ``bench`` or ``report``."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("command", choices=("probe", "bench", "report"))
    parser.add_argument("--out", default=os.environ.get("OUT", "benchmarks/results"))
    parser.add_argument("--cpu-smoke", action="store_true",
                        help="run the benchmark code on the CPU (NumPy, JAX CPU), few steps")
    parser.add_argument("--warmup", type=int, default=10)
    parser.add_argument("--iters", type=int, default=50)
    parser.add_argument("--repeats", type=int, default=5)
    args = parser.parse_args(argv)
    out = Path(args.out)
    out.mkdir(parents=True, exist_ok=True)
    if args.command == "probe":
        env = probe()
        (out / "env.json").write_text(json.dumps(env, indent=2))
        print(json.dumps(env, indent=2))
        return 0 if env["gpu"] else 3
    if args.command == "bench":
        if args.cpu_smoke:
            args.warmup, args.iters, args.repeats = 1, 2, 2
        data = bench(args.cpu_smoke, args.warmup, args.iters, args.repeats)
        (out / "bench.json").write_text(json.dumps(data, indent=2))
        print(json.dumps(data, indent=2))
        return 0
    text = report(out)
    (out / "gpu_report.md").write_text(text)
    print(text)
    return 0


if __name__ == "__main__":
    sys.exit(main())
