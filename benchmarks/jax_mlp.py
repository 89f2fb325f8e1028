"""The MLP step on the JAX backend: arraygrad driving JAX eagerly, op by op, and the same
step under ``ag.compile`` (one jitted computation), against ``jax.jit(jax.grad(loss))``
written directly (one compiled XLA program per step).

This shows the price of define-by-run on a backend built for tracing: the compiled
version fuses the whole step; arraygrad dispatches each op separately unless the step is
compiled. The compiled step is timed in a case of its own: a sample that follows an
eager one runs slower, whatever it is (see benchmarks/compile.py).
"""

from __future__ import annotations

from typing import Any

from benchmarks import mlp
from benchmarks.harness import Case, Row, run_case


def jax_step(jax, sizes, batch):
    """``(step, params)``: the same MLP and SGD update, jitted."""
    import jax.numpy as jnp

    x, y, init = mlp.problem(sizes, batch)
    x, y = jnp.asarray(x), jnp.asarray(y)
    params = [jnp.asarray(p) for p in init]
    n_layers = len(params) // 2

    def loss_fn(ps):
        h = x
        for i in range(n_layers):
            h = h @ ps[2 * i] + ps[2 * i + 1]
            if i < n_layers - 1:
                h = jax.nn.relu(h)
        logp = jax.nn.log_softmax(h, axis=-1)
        return -jnp.mean(jnp.take_along_axis(logp, y[:, None], axis=1))

    @jax.jit
    def update(ps):
        grads = jax.grad(loss_fn)(ps)
        return [p - mlp.LR * g for p, g in zip(ps, grads)]

    def step():
        params[:] = update(params)
        jax.block_until_ready(params)

    return step, lambda: [jax.device_get(p) for p in params]


def rows(ag: Any, *, smoke: bool, repeat: int, warmup: int) -> list[Row]:
    """The JAX case, or one row saying why it was skipped."""
    status = ag.backends.available().get("jax") if hasattr(ag, "backends") else None
    if status is None or not status.ok:
        why = "not declared" if status is None else status.error
        return [Row("MLP on JAX", "arraygrad[jax]", float("nan"), "",
                    note=f"skipped: backend jax unavailable ({why})")]
    import jax

    out = []
    for sizes, batch, _ in mlp.configs(smoke):
        ours, _ = mlp.arraygrad_step(ag, sizes, batch, backend="jax")

        def eager(ours=ours):
            ours()
            jax.block_until_ready([p._data for p in ours.tensors])

        impls = {"arraygrad[jax] eager": eager,
                 "jax.jit(jax.grad(loss))": jax_step(jax, sizes, batch)[0]}
        label = "-".join(map(str, sizes)) + f" / batch {batch}"
        out += run_case(Case(f"MLP SGD step on JAX {label}", impls, unit="ms"),
                        repeat=repeat, warmup=max(warmup, 1))
        plain, _ = mlp.arraygrad_step(ag, sizes, batch, backend="jax")
        fast = ag.compile(plain)

        def compiled(fast=fast, plain=plain):
            loss = fast()
            jax.block_until_ready([loss._data] + [p._data for p in plain.tensors])

        impls = {"arraygrad[jax] compiled": compiled,
                 "jax.jit(jax.grad(loss))": jax_step(jax, sizes, batch)[0]}
        rows_ = run_case(Case(f"MLP SGD step on JAX, ag.compile {label}", impls, unit="ms"),
                         repeat=repeat, warmup=max(warmup, 1))
        rows_[0].note = _replays(fast)
        out += rows_
    return out


def _replays(fast: Any) -> str:
    """What ``ag.compile`` made of the step (said in the row: a fallback is eager)."""
    if fast.replays:
        return "one jitted computation"
    return "ran eagerly: " + fast.explain().splitlines()[-1].strip()[:120]
