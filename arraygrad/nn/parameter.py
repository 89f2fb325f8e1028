"""``Parameter``: a Tensor that a :class:`~arraygrad.nn.Module` registers as learnable."""

from __future__ import annotations

from typing import Any

from arraygrad.tensor import Tensor, _init_leaf, _make

__all__ = ["Parameter", "Buffer"]


class Parameter(Tensor):
    """A leaf Tensor that requires grad and is registered by ``Module.__setattr__``.

    It *is* a :class:`~arraygrad.Tensor` (a subclass with no extra slots), so every op and
    every ``isinstance(x, Tensor)`` check accepts it. The array is shared, not copied.

    Parameters
    ----------
    data : Tensor or array-like, optional
        The initial value (an empty float tensor when omitted).
    requires_grad : bool
        Whether the parameter is trained (default True).

    Examples
    --------
    >>> import arraygrad as ag
    >>> p = ag.nn.Parameter(ag.zeros(2))
    >>> p.requires_grad, isinstance(p, ag.Tensor)
    (True, True)
    """

    __slots__ = ()

    def __init__(self, data: Any = None, requires_grad: bool = True) -> None:
        if data is None:
            from arraygrad.creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            from arraygrad.creation import asarray

            data = asarray(data)
        _init_leaf(self, data._data, data._backend)
        self._version = data._version_cell()
        if requires_grad:
            self.requires_grad_(True)

    def __repr__(self) -> str:
        return "Parameter containing:\n" + super().__repr__()

    def __deepcopy__(self, memo: dict) -> Parameter:
        copied = _make(self._backend.xp.asarray(self._data, copy=True), self._backend, None)
        out = Parameter(copied, requires_grad=self.requires_grad)
        memo[id(self)] = out
        return out

    def __reduce__(self):
        return (_rebuild_parameter, (Tensor.__reduce__(self), self.requires_grad))


def _rebuild_parameter(reduced: tuple, requires_grad: bool) -> Parameter:
    fn, args = reduced
    return Parameter(fn(*args), requires_grad=requires_grad)


class Buffer(Tensor):
    """A tensor that ``Module.__setattr__`` registers as a buffer (PyTorch's
    ``nn.Buffer``): ``self.stats = Buffer(t)`` is ``self.register_buffer("stats", t,
    persistent)``; the module keeps a plain Tensor sharing ``t``'s data.

    Examples
    --------
    >>> import arraygrad as ag
    >>> class M(ag.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.mean = ag.nn.Buffer(ag.zeros(2))
    >>> [name for name, _ in M().named_buffers()]
    ['mean']
    """

    __slots__ = {"persistent": "Whether the buffer goes into the module's state dict."}

    def __init__(self, data: Any = None, *, persistent: bool = True) -> None:
        if data is None:
            from arraygrad.creation import empty

            data = empty(0)
        if not isinstance(data, Tensor):
            from arraygrad.creation import asarray

            data = asarray(data)
        _init_leaf(self, data._data, data._backend)
        self._version = data._version_cell()
        if data.requires_grad:
            self.requires_grad_(True)
        self.persistent = persistent

    def plain(self) -> Tensor:
        """The plain Tensor the module keeps (sharing the data and version counter)."""
        out = _make(self._data, self._backend, None)
        out._version = self._version_cell()
        if self.requires_grad:
            out.requires_grad_(True)
        return out
