"""Moving tensors between backends and devices (differentiable), and clone/in-place helpers."""

from __future__ import annotations

from typing import Any

from arraygrad.backend_registry import (
    Backend,
    BackendError,
    available,
    get_backend,
    loaded_backends,
    move_array,
    names,
)
from arraygrad.grad_mode import STATE
from arraygrad.ops._arrays import is_batched
from arraygrad.ops.registry import defop, record, unary
from arraygrad.ops.shape import astype
from arraygrad.tensor import Tensor, _make


def _transfer_vjp(xp, g, ans, x, src, src_device, dst, device):
    if isinstance(g, Tensor):  # create_graph: move back differentiably
        return to(g, device=src_device, backend=src)
    return move_array(g, dst, src, src_device)


TRANSFER = defop("to", lambda xp, x, src, src_device, dst, device: move_array(x, src, dst,
                                                                              device),
                 (_transfer_vjp,), checks_inputs=False)
CLONE = defop("clone", lambda xp, x: xp.asarray(x, copy=True), (lambda xp, g, ans, x: g,),
              checks_inputs=False)


def _has_device(backend: Backend, device: str) -> bool:
    try:  # the same aliases ("cuda" -> "cuda:0", ...) as the check that follows the choice
        backend.check_device(device)
    except BackendError:
        return False
    return True


def backend_for_device(device: str) -> Backend:
    """The loaded (or first declared) backend that has ``device``."""
    for backend in loaded_backends():
        if _has_device(backend, device):
            return backend
    for name in names():
        try:
            backend = get_backend(name)
        except BackendError:
            continue
        if _has_device(backend, device):
            return backend
    report = "; ".join(str(status) for status in available().values())
    raise BackendError(f"no available backend has device {device!r} (backends: {report})")


def to(x: Tensor, device: str | None = None, backend: str | Backend | None = None,
       dtype: Any = None, *, copy: bool = False) -> Tensor:
    """Move ``x`` to another device and/or backend and/or cast it; differentiable.

    Parameters
    ----------
    x : Tensor
        The tensor to move.
    device : str, optional
        Target device (``"cpu"``, ``"cuda:0"``, ``"cuda"`` meaning ``"cuda:0"``). With only
        ``device``, the tensor stays on its backend if that backend has the device, else it
        moves to the first loaded (then declared) backend that has it.
    backend : str or Backend, optional
        Target backend; its default device unless ``device`` is given.
    dtype : dtype, optional
        Cast after the move.
    copy : bool
        Return a copy even when nothing moves.

    Returns
    -------
    Tensor
        ``x`` itself when nothing changes (and ``copy`` is False), else a new tensor whose
        gradient flows back to ``x``'s backend and device.

    Raises
    ------
    BackendError
        If no available backend has ``device`` (the message lists every backend with its
        devices or the reason it is unavailable), or ``backend`` lacks ``device``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.ones(3, requires_grad=True)
    >>> y = x.to(backend="array_api_strict")
    >>> y.backend.name
    'array_api_strict'
    """
    if is_batched(x):  # inside ag.func.vmap: move the whole batch, keep its levels in front
        batched: Any = x
        map_physical = type(batched)._ag_map_physical  # set by arraygrad.func, above this
        return map_physical(lambda t: to(t, device, backend, dtype, copy=copy), x)
    src = x._backend
    if backend is not None:
        dst = get_backend(backend)
    elif device is None or _has_device(src, str(device)):
        dst = src
    else:
        dst = backend_for_device(str(device))
    src_device = x.device
    target_device = dst.check_device(device if device is not None else (
        src_device if dst is src else dst.default_device))
    out = x
    if dst is not src or target_device != src_device:
        data = move_array(x._data, src, dst, target_device)
        if x.requires_grad and STATE.enabled:
            params = {"src": src, "src_device": src_device, "dst": dst, "device": target_device}
            out = record(TRANSFER, dst, data, (x,), params)
        else:
            out = _make(data, dst, None)
    elif copy:
        out = unary(CLONE, x)
    if dtype is not None:
        out = astype(out, dtype, copy=False)
    return out


def clone(x: Tensor) -> Tensor:
    """A copy of ``x`` with its own memory; gradients flow through it."""
    return unary(CLONE, x)
