"""``arraygrad.nn.utils``: gradient clipping and parameter/vector conversion."""

from __future__ import annotations

import math
from collections.abc import Iterable
from typing import Any

from arraygrad.extend import assign
from arraygrad.grad_mode import no_grad
from arraygrad.ops.shape import stack
from arraygrad.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "parameters_to_vector",
           "vector_to_parameters"]


def _params(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together (as if concatenated), a 0-d tensor.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.utils.get_total_norm([ag.tensor([3.0]), ag.tensor([4.0])]).item()
    5.0
    """
    items = [t.detach() for t in _params(tensors)]
    if not items:
        from arraygrad.creation import tensor

        return tensor(0.0)
    norm_type = float(norm_type)
    with no_grad():
        first = items[0]
        if norm_type == math.inf:
            parts = [g.abs().max() for g in items]
        elif norm_type == -math.inf:
            parts = [g.abs().min() for g in items]
        else:
            parts = [(g.abs() ** norm_type).sum() for g in items]
        parts = [t.to(backend=first.backend, device=first.device) for t in parts]
        total = stack(parts)
        if norm_type == math.inf:
            total = total.max()
        elif norm_type == -math.inf:
            total = total.min()
        else:
            total = total.sum() ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(float(total.item())):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           f"`parameters` is non-finite, so it cannot be clipped. To disable "
                           f"this error and scale the gradients by the non-finite norm anyway, "
                           f"set `error_if_nonfinite=False`")
    return total


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale the gradients so that their total norm is at most ``max_norm``.

    The norm is taken over all gradients together (as if concatenated); every gradient is
    multiplied by ``min(max_norm / (norm + 1e-6), 1)``, so a NaN or infinite norm makes the
    gradients NaN (or zero), as in PyTorch, unless ``error_if_nonfinite`` raises instead.
    Returns the total norm before clipping (a 0-d tensor). ``foreach`` is accepted and has
    no effect.

    Examples
    --------
    >>> import arraygrad as ag
    >>> p = ag.nn.Parameter(ag.zeros(2))
    >>> p.grad = ag.tensor([3.0, 4.0])
    >>> ag.nn.utils.clip_grad_norm_([p], 1.0).item()
    5.0
    >>> [round(v, 4) for v in p.grad.tolist()]
    [0.6, 0.8]
    """
    grads = [(p, g) for p in _params(parameters) if (g := p.grad) is not None]
    total = get_total_norm([g for _, g in grads], norm_type, error_if_nonfinite)
    if not grads:
        return total
    # PyTorch's formulation: no host sync (the norm never becomes a Python number, so a
    # compiled step replays it); a coefficient of 1 leaves the values as they are, and a
    # NaN norm propagates into the gradients.
    with no_grad():
        coef = (float(max_norm) / (total + 1e-6)).clip(max=1.0)
        for p, g in grads:
            c = coef
            if c.dtype != g.dtype or c.backend is not g.backend or c.device != g.device:
                c = c.to(backend=g.backend, device=g.device, dtype=g.dtype)
            p.grad = g.detach() * c
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` (rebinding ``.grad``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> p = ag.nn.Parameter(ag.zeros(2))
    >>> p.grad = ag.tensor([-3.0, 0.5])
    >>> ag.nn.utils.clip_grad_value_([p], 1.0)
    >>> p.grad.tolist()
    [-1.0, 0.5]
    """
    clip_value = float(clip_value)
    with no_grad():
        for p in _params(parameters):
            if p.grad is not None:
                p.grad = p.grad.detach().clip(-clip_value, clip_value)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one vector (differentiable).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.utils.parameters_to_vector(ag.nn.Linear(2, 3).parameters()).shape
    (9,)
    """
    from arraygrad.ops.shape import concat, reshape

    params = _params(parameters)
    if not params:
        raise ValueError("parameters_to_vector: expected at least one parameter")
    first = params[0]
    for p in params[1:]:
        if p.device != first.device or p.backend is not first.backend:
            raise TypeError(f"parameters_to_vector: found parameters on different devices or "
                            f"backends ({first.backend.name}:{first.device} and "
                            f"{p.backend.name}:{p.device})")
    return concat([reshape(p, (-1,)) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Any]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (in place, not recorded).

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.Linear(1, 1)
    >>> ag.nn.utils.vector_to_parameters(ag.tensor([2.0, 3.0]), layer.parameters())
    >>> layer.weight.tolist(), layer.bias.tolist()
    ([[2.0]], [3.0])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, but got "
                        f"{type(vec).__name__}")
    params = list(parameters)
    total = sum(p.size for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: expected a vector of {total} elements, got "
                         f"shape {vec.shape}")
    start = 0
    with no_grad():
        for p in params:
            piece = vec.detach()[start:start + p.size].reshape(p.shape).astype(p.dtype)
            assign(p, piece.clone().array)
            start += p.size
