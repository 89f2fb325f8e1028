"""Functional transforms: ``grad``, ``value_and_grad`` and ``vjp`` over Python functions.

They sit on the same engine as ``Tensor.backward()`` and leave every ``.grad`` untouched.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from arraygrad.engine import grad as _grad
from arraygrad.grad_mode import enable_grad
from arraygrad.tensor import Tensor

__all__ = ["grad", "value_and_grad", "vjp"]


def _prepare(args: tuple, argnums: int | Sequence[int]) -> tuple[list, tuple[int, ...]]:
    nums = (argnums,) if isinstance(argnums, int) else tuple(argnums)
    args = list(args)
    for i in nums:
        if not isinstance(args[i], Tensor):
            raise TypeError(f"argument {i} is a {type(args[i]).__name__}; the arguments being "
                            f"differentiated must be Tensors")
        # A fresh leaf so the caller's tensor and its .grad stay untouched.
        args[i] = args[i].detach().requires_grad_(True)
    return args, nums


def value_and_grad(fn: Callable[..., Tensor], argnums: int | Sequence[int] = 0,
                   *, create_graph: bool = False) -> Callable[..., tuple[Tensor, Any]]:
    """Return a function computing ``(fn(*args), d fn / d args[argnums])``.

    ``fn`` must return a scalar tensor. With a tuple ``argnums`` the gradient is a tuple.

    Examples
    --------
    >>> import arraygrad as ag
    >>> f = ag.func.value_and_grad(lambda x: (x ** 2).sum())
    >>> value, g = f(ag.tensor([1.0, 2.0]))
    >>> value.item(), g.tolist()
    (5.0, [2.0, 4.0])
    """

    def wrapped(*args: Any) -> tuple[Tensor, Any]:
        with enable_grad():
            prepared, nums = _prepare(args, argnums)
            out = fn(*prepared)
            grads = _grad(out, [prepared[i] for i in nums], create_graph=create_graph,
                          allow_unused=True)
        grads = tuple(g if g is not None else prepared[i].detach() * 0
                      for i, g in zip(nums, grads))
        value = out if create_graph else out.detach()
        return value, grads[0] if isinstance(argnums, int) else grads

    return wrapped


def grad(fn: Callable[..., Tensor], argnums: int | Sequence[int] = 0,
         *, create_graph: bool = False) -> Callable[..., Any]:
    """Return a function computing the gradient of scalar ``fn`` w.r.t. ``args[argnums]``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> df = ag.func.grad(lambda x: (x ** 3).sum())
    >>> df(ag.tensor([1.0, 2.0])).tolist()
    [3.0, 12.0]
    """
    value_and_grad_fn = value_and_grad(fn, argnums, create_graph=create_graph)
    return lambda *args: value_and_grad_fn(*args)[1]


def vjp(fn: Callable[..., Tensor], *primals: Tensor) -> tuple[Tensor, Callable[..., tuple]]:
    """Evaluate ``fn(*primals)`` and return ``(output, vjp_fn)``.

    ``vjp_fn(cotangent)`` returns the vector-Jacobian products, one per primal.

    Examples
    --------
    >>> import arraygrad as ag
    >>> out, pullback = ag.func.vjp(lambda x: x * 3, ag.tensor([1.0, 2.0]))
    >>> pullback(ag.ones(2))[0].tolist()
    [3.0, 3.0]
    """
    with enable_grad():
        prepared, nums = _prepare(primals, range(len(primals)))
        out = fn(*prepared)

    def pullback(cotangent: Any) -> tuple:
        grads = _grad(out, prepared, grad_outputs=cotangent, retain_graph=True,
                      allow_unused=True)
        return tuple(g if g is not None else p.detach() * 0 for p, g in zip(prepared, grads))

    return out.detach(), pullback
