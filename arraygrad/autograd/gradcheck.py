"""Finite-difference gradient checks: ``gradcheck`` and ``gradgradcheck``."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arraygrad.engine import grad
from arraygrad.tensor import Tensor


class GradcheckError(RuntimeError):
    """An analytic gradient disagrees with the finite-difference estimate."""


def _outputs(value: Any) -> tuple[Tensor, ...]:
    return (value,) if isinstance(value, Tensor) else tuple(value)


def _perturbed(x: Tensor, flat_index: int, delta: float) -> Tensor:
    values = np.array(x.detach().numpy(), dtype=np.float64 if x.dtype.bits == 64 else None,
                      copy=True)
    values.reshape(-1)[flat_index] += delta
    # Keep requires_grad: fn may itself differentiate its inputs (gradgradcheck does).
    return Tensor(values, backend=x._backend, dtype=x.dtype, device=x.device,
                  requires_grad=x.requires_grad)


def _numerical_column(fn, inputs, i, j, eps) -> list[np.ndarray]:
    args_plus = list(inputs)
    args_minus = list(inputs)
    args_plus[i] = _perturbed(inputs[i], j, eps)
    args_minus[i] = _perturbed(inputs[i], j, -eps)
    plus = _outputs(fn(*args_plus))
    minus = _outputs(fn(*args_minus))
    return [(np.asarray(p.detach().numpy(), dtype=np.float64)
             - np.asarray(m.detach().numpy(), dtype=np.float64)) / (2 * eps)
            for p, m in zip(plus, minus)]


def gradcheck(fn: Callable[..., Any], inputs: Sequence[Any], *, eps: float = 1e-6,
              atol: float = 1e-5, rtol: float = 1e-3, raise_exception: bool = True) -> bool:
    """Compare ``fn``'s analytic Jacobian with central finite differences.

    Every input tensor that requires grad is checked against every floating output.
    Use float64 inputs: float32 finite differences are too coarse for these tolerances.

    Raises
    ------
    GradcheckError
        Naming the output, the input, the element and both values (unless
        ``raise_exception=False``, then returns False).

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.tensor([0.5, 1.5], dtype=ag.float64, requires_grad=True)
    >>> ag.autograd.gradcheck(lambda t: (t.sin() * t).sum(), (x,))
    True
    """
    inputs = tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    if not checked:
        raise ValueError("gradcheck: no input requires grad; nothing to check")
    outputs = _outputs(fn(*inputs))
    float_outputs = [k for k, y in enumerate(outputs) if y.dtype.kind == "f"]
    for k in float_outputs:
        y = outputs[k]
        n_out = y.size
        analytic = {i: np.zeros((n_out, inputs[i].size)) for i in checked}
        if y.requires_grad:
            for row in range(n_out):
                seed = np.zeros(n_out)
                seed[row] = 1.0
                g_out = Tensor(seed.reshape(y.shape), backend=y._backend, dtype=y.dtype,
                               device=y.device)
                grads = grad(y, [inputs[i] for i in checked], grad_outputs=g_out,
                             retain_graph=True, allow_unused=True)
                for i, g in zip(checked, grads):
                    if g is not None:
                        row_values = np.asarray(g.detach().numpy(), dtype=np.float64)
                        analytic[i][row] = row_values.reshape(-1)
        for i in checked:
            for j in range(inputs[i].size):
                numeric = _numerical_column(fn, inputs, i, j, eps)[k].reshape(-1)
                column = analytic[i][:, j]
                bad = np.abs(column - numeric) > atol + rtol * np.abs(numeric)
                if bad.any():
                    row = int(np.argmax(bad))
                    where = np.unravel_index(j, inputs[i].shape) if inputs[i].shape else ()
                    message = (
                        f"gradcheck: Jacobian mismatch for output {k} (element {row}) with "
                        f"respect to input {i} at element {tuple(int(w) for w in where)}: "
                        f"analytic {column[row]:.8g}, numerical {numeric[row]:.8g} "
                        f"(atol={atol}, rtol={rtol}, eps={eps})"
                    )
                    if raise_exception:
                        raise GradcheckError(message)
                    return False
    return True


def gradgradcheck(fn: Callable[..., Any], inputs: Sequence[Any],
                  grad_outputs: Sequence[Any] | None = None, *, eps: float = 1e-6,
                  atol: float = 1e-5, rtol: float = 1e-3, seed: int = 0,
                  raise_exception: bool = True) -> bool:
    """Check second derivatives: ``gradcheck`` of the vector-Jacobian product of ``fn``.

    ``grad_outputs`` defaults to fixed random tensors (seeded by ``seed``).
    """
    inputs = tuple(inputs)
    checked = [i for i, x in enumerate(inputs) if isinstance(x, Tensor) and x.requires_grad]
    outputs = _outputs(fn(*inputs))
    if grad_outputs is None:
        rng = np.random.default_rng(seed)
        grad_outputs = [Tensor(rng.standard_normal(y.shape), backend=y._backend, dtype=y.dtype,
                               device=y.device) for y in outputs]
    grad_outputs = list(grad_outputs)

    def vjp(*args):
        ys = _outputs(fn(*args))
        gs = grad(ys, [args[i] for i in checked], grad_outputs=grad_outputs,
                  create_graph=True, allow_unused=True)
        return tuple(g if g is not None else args[i] * 0 for i, g in zip(checked, gs))

    return gradcheck(vjp, inputs, eps=eps, atol=atol, rtol=rtol,
                     raise_exception=raise_exception)
