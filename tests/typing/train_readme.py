"""A user script in the README's style, checked by mypy (tests/test_typing.py): plain tensors,
arithmetic, ``backward()``, ``.grad`` used as a Tensor after narrowing, ``no_grad``, devices."""

from __future__ import annotations

import arraygrad as ag


def fit(steps: int = 20, lr: float = 0.1) -> tuple[float, list[float]]:
    ag.manual_seed(0)
    x = ag.randn(64, 3)
    y = x @ ag.tensor([1.0, -2.0, 0.5]) + 0.3
    w = ag.zeros(3, requires_grad=True)
    b = ag.zeros((), requires_grad=True)
    loss = ag.tensor(0.0)
    for _ in range(steps):
        loss = ((x @ w + b - y) ** 2).mean()
        loss.backward()
        assert w.grad is not None and b.grad is not None
        with ag.no_grad():
            w -= lr * w.grad
            b -= lr * b.grad
        w.grad = b.grad = None
    sq: ag.Tensor = x * x
    norm: float = float(sq.sum().sqrt())
    assert norm > 0
    weights: list[float] = [float(v) for v in w.tolist()]
    return float(loss.item()), weights


def shapes() -> tuple[int, ...]:
    dev = ag.device("cpu")
    t = ag.ones(2, 3, device=dev)
    u = t.to(device=dev).reshape(3, 2).T
    kind: str = dev.type
    assert kind == "cpu"
    assert u.dtype == ag.float32
    rows: int = u.shape[0]
    assert rows == 2
    return tuple(u.shape)


if __name__ == "__main__":
    final, ws = fit()
    print(f"loss {final:.2e}", [round(v, 3) for v in ws], shapes())
