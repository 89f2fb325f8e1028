"""``import arraygrad.torch_compat as torch``: the arraygrad namespace with PyTorch's
meaning everywhere.

``arraygrad`` itself is the Array-API standard's namespace, and PyTorch's forms of its
functions (``dim=``, ``keepdim=``, a positional ``dim``) already get PyTorch's results there
(docs/porting.md). Seven calls cannot be told apart from the standard's, and mean something
else in PyTorch; ported code would get a different answer without an error. This module
is ``arraygrad`` with those seven replaced by PyTorch's meaning:

- ``std(x)`` / ``var(x)`` with no axis: ``correction=1`` (the standard: 0);
- ``sort(x)``: the named tuple ``(values, indices)`` (the standard: the values);
- ``nonzero(x)``: an ``(n, ndim)`` index matrix, or the tuple with ``as_tuple=True``
  (the standard: the tuple);
- ``equal(a, b)``: one Python bool, same shape and elements (the standard: elementwise);
- ``meshgrid(*xs)``: ``indexing="ij"`` (the standard: ``"xy"``);
- ``imag(x)`` of a real tensor: RuntimeError (the standard: zeros).

Everything else is the same object as in ``arraygrad``.

Examples
--------
>>> import arraygrad.torch_compat as torch
>>> x = torch.tensor([[3.0, 1.0], [2.0, 4.0]])
>>> values, indices = torch.sort(x)
>>> indices.tolist()
[[1, 0], [0, 1]]
>>> f"{torch.std(torch.tensor([1.0, 2.0, 3.0, 4.0])).item():.4f}"
'1.2910'
"""

from __future__ import annotations

import builtins
from typing import Any

import arraygrad as _ag
from arraygrad import *  # noqa: F403  (the whole namespace, then the seven below)
from arraygrad import __all__ as _NAMESPACE_ALL
from arraygrad.ops import torch_functions as _tf
from arraygrad.ops import torch_namespace as _tn
from arraygrad.tensor import Tensor

__all__ = list(_NAMESPACE_ALL)

def std(  # type: ignore[no-redef]  # replaces the namespace's
        x: Tensor, dim: Any = None, unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False, *, correction: builtins.float | None = None) -> Tensor:
    """``torch.std``: over ``dim`` (all elements when None), ``correction=1`` unless
    ``unbiased=False`` or ``correction`` says otherwise."""
    if isinstance(dim, builtins.bool):  # torch.std(x, False): the unbiased flag
        dim, unbiased = None, dim
    if unbiased is None and correction is None:
        unbiased = True
    return _tn.std(x, dim, unbiased, keepdim, correction=correction)


def var(  # type: ignore[no-redef]  # replaces the namespace's
        x: Tensor, dim: Any = None, unbiased: builtins.bool | None = None,
        keepdim: builtins.bool = False, *, correction: builtins.float | None = None) -> Tensor:
    """``torch.var``: as :func:`std`, for the variance."""
    if isinstance(dim, builtins.bool):
        dim, unbiased = None, dim
    if unbiased is None and correction is None:
        unbiased = True
    return _tn.var(x, dim, unbiased, keepdim, correction=correction)


def sort(  # type: ignore[no-redef]  # replaces the namespace's
        x: Tensor, dim: builtins.int = -1, descending: builtins.bool = False,
         stable: builtins.bool | None = None) -> Any:
    """``torch.sort``: the named tuple ``(values, indices)`` along ``dim`` (default the
    last); equal elements keep their order."""
    return _tf.sort(x, dim, descending=descending)


def nonzero(  # type: ignore[no-redef]  # replaces the namespace's
        x: Tensor, *, as_tuple: builtins.bool = False) -> Any:
    """``torch.nonzero``: the ``(n, ndim)`` int64 matrix of the non-zero elements' indices,
    or with ``as_tuple=True`` one index vector per axis."""
    return x.nonzero(as_tuple=as_tuple)


def equal(  # type: ignore[no-redef]  # replaces the namespace's
        a: Tensor, b: Tensor) -> builtins.bool:
    """``torch.equal``: True when ``a`` and ``b`` have the same shape and elements."""
    return tuple(a.shape) == tuple(b.shape) and builtins.bool(_ag.all(a == b))


def meshgrid(  # type: ignore[no-redef]  # replaces the namespace's
        *tensors: Any, indexing: str = "ij") -> tuple[Tensor, ...]:
    """``torch.meshgrid``: coordinate grids, ``indexing="ij"`` by default (the tensors may
    also come as one list or tuple)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    return tuple(_ag.meshgrid(*tensors, indexing=indexing))


def imag(x: Tensor) -> Tensor:  # type: ignore[no-redef]  # replaces the namespace's
    """``torch.imag``: the imaginary part of a complex tensor; a real one raises
    RuntimeError, as in PyTorch (the standard's ``ag.imag`` gives zeros)."""
    if x.dtype.kind != "c":
        raise RuntimeError(f"imag is not implemented for tensors with non-complex dtypes "
                           f"(got {x.dtype.name})")
    return _ag.imag(x)
