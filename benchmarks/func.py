"""Per-sample gradients of the MLP 784-64-64-10, batch 64: ``vmap(grad)`` against a
hand-batched computation and a Python loop of ``grad`` calls (all arraygrad, float32).

Run: ``python -m benchmarks.func [--repeat N] [--backend numpy]``. The hand-batched version
is the per-sample backward written out with batched matrix products (what an expert
would write without vmap); the loop calls ``ag.func.grad`` once per example.
"""

from __future__ import annotations

import argparse
import time
from typing import Any

import numpy as np

import arraygrad as ag

SIZES = (784, 64, 64, 10)


def make(batch: int, seed: int = 0, backend: str | None = None) -> tuple[dict, Any, Any]:
    """Parameters, inputs and one-hot targets."""
    rng = np.random.default_rng(seed)
    params = {}
    for i, (n_in, n_out) in enumerate(zip(SIZES[:-1], SIZES[1:])):
        params[f"w{i}"] = ag.asarray((rng.normal(size=(n_in, n_out)) / np.sqrt(n_in))
                                     .astype(np.float32), backend=backend)
        params[f"b{i}"] = ag.asarray(np.zeros(n_out, np.float32), backend=backend)
    x = ag.asarray(rng.normal(size=(batch, SIZES[0])).astype(np.float32), backend=backend)
    y = ag.asarray(np.eye(SIZES[-1], dtype=np.float32)[rng.integers(0, SIZES[-1], batch)],
                   backend=backend)
    return params, x, y


def loss(p: dict, x: Any, y: Any) -> Any:
    """Cross-entropy of one example (x: (784,), y: one-hot (10,))."""
    h = ag.tanh(x @ p["w0"] + p["b0"])
    h = ag.tanh(h @ p["w1"] + p["b1"])
    return -(ag.log_softmax(h @ p["w2"] + p["b2"], axis=-1) * y).sum()


def vmapped(params: dict, x: Any, y: Any) -> dict:
    """Per-sample gradients by ``vmap(grad(loss))``."""
    return ag.func.vmap(ag.func.grad(loss), in_dims=(None, 0, 0))(params, x, y)


def looped(params: dict, x: Any, y: Any) -> dict:
    """Per-sample gradients by one ``grad`` call per example."""
    g = ag.func.grad(loss)
    rows = [g(params, x[i], y[i]) for i in range(x.shape[0])]
    return {k: ag.stack([r[k] for r in rows]) for k in params}


def hand_batched(params: dict, x: Any, y: Any) -> dict:
    """Per-sample gradients written out by hand with batched products (no autograd)."""
    with ag.no_grad():
        a0 = x
        h1 = ag.tanh(a0 @ params["w0"] + params["b0"])
        h2 = ag.tanh(h1 @ params["w1"] + params["b1"])
        logits = h2 @ params["w2"] + params["b2"]
        d3 = ag.softmax(logits, axis=-1) - y                     # (B, 10)
        d2 = (d3 @ params["w2"].mT) * (1 - h2 * h2)              # (B, 64)
        d1 = (d2 @ params["w1"].mT) * (1 - h1 * h1)              # (B, 64)
        out = {}
        for i, (a, d) in enumerate(((a0, d1), (h1, d2), (h2, d3))):
            out[f"w{i}"] = ag.expand_dims(a, axis=-1) * ag.expand_dims(d, axis=-2)
            out[f"b{i}"] = d
        return out


def jacfwd_case(n: int = 64, backend: str | None = None) -> tuple[Any, Any]:
    """``f(x) = log_softmax(tanh(W x) * exp(x[:n/2]))`` and its point, for ``jacfwd``."""
    rng = np.random.default_rng(1)
    w = ag.asarray((rng.normal(size=(n // 2, n)) / np.sqrt(n)).astype(np.float32),
                   backend=backend)
    x = ag.asarray(rng.normal(size=n).astype(np.float32), backend=backend)
    return (lambda a: ag.log_softmax(ag.tanh(w @ a) * ag.exp(a[:n // 2]), axis=-1)), x


def jacfwd_times(repeat: int, backend: str | None = None) -> dict[str, float]:
    """Seconds for ``jacfwd`` with the JVP rules and with the double-VJP construction."""
    import arraygrad.func as agf

    f, x = jacfwd_case(backend=backend)
    jac = ag.func.jacfwd(f)
    with_rules = _best(lambda: jac(x), repeat)
    saved = agf._by_rules
    agf._by_rules = lambda *a: None  # force the double-VJP construction
    try:
        double_vjp = _best(lambda: jac(x), repeat)
    finally:
        agf._by_rules = saved
    return {"jacfwd (JVP rules)": with_rules, "jacfwd (double VJP)": double_vjp}


def jax_reference(params: dict, x: Any, y: Any, repeat: int) -> dict[str, float]:
    """The same per-sample gradients in JAX itself: ``jax.vmap(jax.grad)`` run eagerly
    (op by op, as arraygrad runs) and under ``jax.jit`` (one compiled computation)."""
    import jax
    import jax.numpy as jnp

    def jloss(p: dict, xi: Any, yi: Any) -> Any:
        h = jnp.tanh(xi @ p["w0"] + p["b0"])
        h = jnp.tanh(h @ p["w1"] + p["b1"])
        return -(jax.nn.log_softmax(h @ p["w2"] + p["b2"]) * yi).sum()

    jp = {k: v.array for k, v in params.items()}
    jx, jy = x.array, y.array
    per_sample = jax.vmap(jax.grad(jloss), in_axes=(None, 0, 0))
    jitted = jax.jit(per_sample)

    def eager() -> None:
        with jax.disable_jit():
            jax.block_until_ready(per_sample(jp, jx, jy))

    return {"jax.vmap eager": _best(eager, repeat),
            "jax.vmap + jit": _best(lambda: jax.block_until_ready(jitted(jp, jx, jy)),
                                    repeat)}


def _sync(out: Any) -> None:
    """Wait for asynchronous backends (JAX dispatches ahead) to finish ``out``."""
    leaves = out.values() if isinstance(out, dict) else (out if isinstance(out, (list, tuple))
                                                          else [out])
    for leaf in leaves:
        array = getattr(leaf, "array", None)
        if hasattr(array, "block_until_ready"):
            array.block_until_ready()


def _best(fn: Any, repeat: int) -> float:
    _sync(fn())
    times = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        _sync(fn())
        times.append(time.perf_counter() - t0)
    return min(times)


def main(argv: list[str] | None = None) -> dict[str, float]:
    """Time the three versions; print and return the seconds per batch."""
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--repeat", type=int, default=10)
    parser.add_argument("--batch", type=int, default=64)
    parser.add_argument("--backend", default=None)
    args = parser.parse_args(argv)
    params, x, y = make(args.batch, backend=args.backend)
    ref = hand_batched(params, x, y)
    got = vmapped(params, x, y)
    for k in ref:
        np.testing.assert_allclose(got[k].numpy(), ref[k].numpy(), rtol=1e-4, atol=1e-5)
    t = {"vmap(grad)": _best(lambda: vmapped(params, x, y), args.repeat),
         "hand-batched": _best(lambda: hand_batched(params, x, y), args.repeat),
         "loop of grad": _best(lambda: looped(params, x, y), max(1, args.repeat // 3))}
    print(f"per-sample gradients, MLP {'-'.join(map(str, SIZES))}, batch {args.batch}, "
          f"backend {ag.get_backend(args.backend).name if args.backend else 'default'}")
    for name, s in t.items():
        print(f"  {name:14s} {s * 1e3:8.2f} ms")
    print(f"  vmap / hand-batched = {t['vmap(grad)'] / t['hand-batched']:.2f}x, "
          f"loop / vmap = {t['loop of grad'] / t['vmap(grad)']:.1f}x")
    if args.backend == "jax":
        ref = jax_reference(params, x, y, args.repeat)
        for name, sec in ref.items():
            print(f"  {name:14s} {sec * 1e3:8.2f} ms")
        t.update(ref)
    j = jacfwd_times(args.repeat, args.backend)
    print("jacfwd of log_softmax(tanh(W x) * exp(x[:32])), x of size 64 (64 tangents)")
    for name, sec in j.items():
        print(f"  {name:20s} {sec * 1e3:8.2f} ms")
    print(f"  double VJP / JVP rules = "
          f"{j['jacfwd (double VJP)'] / j['jacfwd (JVP rules)']:.1f}x")
    t.update(j)
    return t


if __name__ == "__main__":
    main()
