"""``arraygrad.nn.utils``: gradient clipping and parameter/vector conversion."""

from __future__ import annotations

import math
from collections.abc import Iterable

from arraygrad.grad_mode import no_grad
from arraygrad.ops.shape import stack
from arraygrad.tensor import Tensor, _make

__all__ = ["clip_grad_norm_", "clip_grad_value_", "parameters_to_vector",
           "vector_to_parameters"]


def _params(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False) -> Tensor:
    """Scale the gradients so that their total norm is at most ``max_norm``.

    The norm is taken over all gradients together (as if concatenated). Each ``.grad`` is
    rebound to a new tensor rather than modified in place (gradients may be read-only
    broadcast views). Returns the total norm before clipping (a 0-d tensor).

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
    params = [p for p in _params(parameters) if p.grad is not None]
    if max_norm < 0:
        raise ValueError(f"clip_grad_norm_: max_norm must be non-negative, got {max_norm}")
    if not params:
        from arraygrad.creation import tensor

        return tensor(0.0)
    with no_grad():
        grads = [p.grad.detach() for p in params]
        first = grads[0]
        if norm_type == math.inf:
            parts = [g.abs().max() for g in grads]
        else:
            parts = [(g.abs() ** norm_type).sum() for g in grads]
        parts = [t.to(backend=first._backend, device=first.device) for t in parts]
        total = stack(parts)
        total = total.max() if norm_type == math.inf else total.sum() ** (1.0 / norm_type)
        value = float(total.item())
        if error_if_nonfinite and not math.isfinite(value):
            raise RuntimeError(f"clip_grad_norm_: the total norm of order {norm_type} of the "
                               f"gradients is {value}; pass error_if_nonfinite=False to clip "
                               f"anyway")
        coef = max_norm / (value + 1e-6)
        if coef < 1.0:
            for p, g in zip(params, grads):
                p.grad = _make(g._data * coef, g._backend, None)
    return total


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` (rebinding ``.grad``)."""
    if clip_value < 0:
        raise ValueError(f"clip_grad_value_: clip_value must be non-negative, got {clip_value}")
    with no_grad():
        for p in _params(parameters):
            if p.grad is not None:
                p.grad = p.grad.detach().clip(-clip_value, clip_value)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one vector (differentiable)."""
    from arraygrad.ops.shape import concat, reshape

    return concat([reshape(p, (-1,)) for p in parameters])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Tensor]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (in place, not recorded)."""
    params = list(parameters)
    total = sum(p.size for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: expected a vector of {total} elements, got "
                         f"shape {vec.shape}")
    start = 0
    with no_grad():
        for p in params:
            piece = vec.detach()[start:start + p.size].reshape(p.shape).astype(p.dtype)
            p._data = piece._data if not p._backend.mutable else p._backend.xp.asarray(
                piece._data, copy=True)
            p._bump_version()
            start += p.size
