"""The Tensor: one backend array plus autograd metadata.

Arithmetic, reductions, indexing and the other methods are attached by
:mod:`arraygrad.ops` (each op is defined once, beside its gradient, and exposed both as
an ``arraygrad`` function and as a Tensor method).
"""

from __future__ import annotations

import threading
import weakref
from collections.abc import Callable, Iterator
from typing import TYPE_CHECKING, Any

from arraygrad import _dtypes
from arraygrad.backend_registry import Backend, default_float, get_backend
from arraygrad.device import device
from arraygrad.node import _last_write, _sequence

if TYPE_CHECKING:
    from arraygrad.node import Node

__all__ = ["Tensor"]

_WRITE_LOCK = threading.Lock()  # see Tensor._bump_version


class Tensor:
    """An n-dimensional array that records how it was computed.

    Create tensors with :func:`arraygrad.tensor`, :func:`arraygrad.asarray`,
    :func:`arraygrad.zeros` and friends rather than calling the class directly.

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.tensor([1.0, 2.0, 3.0], requires_grad=True)
    >>> y = (x * x).sum()
    >>> y.backward()
    >>> x.grad.tolist()
    [2.0, 4.0, 6.0]
    """

    # A dict documents the public slots (``help(Tensor.grad)``).
    __slots__ = {
        "_data": "the backend array",
        "_backend": "the Backend holding the data",
        "_node": "the Node that produced this tensor (None for leaves)",
        "requires_grad": "Whether operations on this tensor are recorded for ``backward``.",
        "_grad": "the accumulated gradient (read and set through ``grad``)",
        "_version": "None, or the 1-element version counter shared with views",
        "_view": "for a view: (root, chain, grad_base, grad_chain); see _register_view",
        "_views": "for a base: weak references to its live views (None when none)",
        "_hooks": "gradient hooks of a leaf (unset until the first one: read with "
                  "getattr(t, '_hooks', None))",
        "_post_hooks": "post-accumulate-grad hooks of a leaf (unset until the first one: "
                       "read with _post_hooks_of, so _make stays one store shorter)",
        "_retains_grad": "whether retain_grad() was called (unset until then)",
        "__weakref__": "weak references (retain_grad)",
    }

    # Marks Tensors for the layers below this one (Node.arrays), which cannot import it.
    _ag_tensor = True

    # Make NumPy defer to Tensor's reflected operators (np_array + tensor -> Tensor).
    __array_priority__ = 1000
    __array_ufunc__ = None

    # ----------------------------------------------------------------- attributes
    @property
    def data(self) -> Tensor:
        """A tensor sharing this one's array, detached from the graph."""
        return self.detach()

    @data.setter
    def data(self, value: Tensor) -> None:
        if not isinstance(value, Tensor):
            raise TypeError(f"Tensor.data must be set to a Tensor, got {type(value).__name__}")
        self._data = value._data
        self._backend = value._backend

    @property
    def shape(self) -> tuple[int, ...]:
        """The shape, a tuple of ints."""
        return tuple(self._data.shape)

    @property
    def dtype(self) -> _dtypes.DType:
        """The dtype, an arraygrad dtype such as ``ag.float32``."""
        return self._backend.dtype_of[self._data.dtype]

    @property
    def device(self) -> device:
        """The device, an :class:`arraygrad.device` (a string such as ``"cpu"`` or
        ``"cuda:0"`` with PyTorch's ``type`` and ``index``)."""
        return device(self._backend.device_of(self._data))

    @property
    def backend(self) -> Backend:
        """The :class:`arraygrad.backend_registry.Backend` holding the data."""
        return self._backend

    @property
    def ndim(self) -> int:
        """Number of dimensions."""
        return len(self._data.shape)

    @property
    def size(self) -> _Size:
        """Number of elements (the Array-API attribute), also callable as in PyTorch:
        ``t.size()`` is the shape and ``t.size(d)`` the length of axis ``d``."""
        n = 1
        for s in self._data.shape:
            n *= s
        return _Size(n, tuple(self._data.shape))

    def numel(self) -> int:
        """Number of elements."""
        return self.size

    def dim(self) -> int:
        """Number of dimensions (PyTorch name)."""
        return self.ndim

    def __len__(self) -> int:
        if not self._data.shape:
            raise TypeError("len() of a 0-d tensor")
        return self._data.shape[0]

    @property
    def grad(self) -> Tensor | None:
        """The gradient accumulated by ``backward`` (a Tensor), or None."""
        return self._grad

    @grad.setter
    def grad(self, value: Tensor | None) -> None:
        if value is not None:
            _check_grad(self, value, "assigned grad")
        self._grad = value

    @property
    def grad_fn(self) -> Node | None:
        """The node that produced this tensor, or None for leaves."""
        return self._node

    @property
    def is_leaf(self) -> bool:
        """True for tensors not produced by a recorded op (user-created, or requires_grad False)."""
        return self._node is None

    @property
    def array(self) -> Any:
        """The underlying backend array (shared, not copied)."""
        return self._data

    # ----------------------------------------------------------------- autograd
    def requires_grad_(self, requires_grad: bool = True) -> Tensor:
        """Set ``requires_grad`` in place; only floating tensors can require grad."""
        if requires_grad and not _dtypes.is_differentiable(self.dtype):
            raise TypeError(
                f"only floating-point tensors can require gradients; this tensor has dtype "
                f"{self.dtype.name} (shape {self.shape}). Convert it first, e.g. "
                f"x.to(dtype=ag.float32)"
            )
        if not requires_grad and self._node is not None:
            raise RuntimeError(
                "requires_grad_(False) is only allowed on leaf tensors; use .detach() instead"
            )
        self.requires_grad = bool(requires_grad)
        return self

    def detach(self) -> Tensor:
        """A new leaf tensor sharing this one's array (and version counter), outside the graph."""
        out = _make(self._data, self._backend, None)
        _register_view(out, self, None)
        return out

    def detach_(self) -> Tensor:
        """Detach this tensor from the graph in place, making it a leaf."""
        self._node = None
        self.requires_grad = False
        return self

    def _version_cell(self) -> list[int]:
        if self._version is None:
            self._version = [0]
        return self._version

    @property
    def _version_number(self) -> int:
        return 0 if self._version is None else self._version[0]

    def _bump_version(self) -> None:
        if self._version is None:
            self._version = [1]
        else:
            self._version[0] += 1
        # Backward compares the saved versions of the nodes older than this write. Drawn
        # and stored under a lock so that the mark only grows when threads write at once.
        with _WRITE_LOCK:
            _last_write[0] = next(_sequence)

    def register_hook(self, hook: Callable[[Tensor], Tensor | None]) -> _HookHandle:
        """Call ``hook(grad)`` when this tensor's gradient is computed.

        The hook may return a new gradient that replaces it. Returns a handle whose
        ``remove()`` unregisters the hook.
        """
        if not self.requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require grad; call "
                "requires_grad_() first"
            )
        if self._node is None:
            hooks = getattr(self, "_hooks", None)
            if hooks is None:
                hooks = self._hooks = []
        else:
            if self._node.hooks is None:
                self._node.hooks = []
            hooks = self._node.hooks
        hooks.append(hook)
        return _HookHandle(hooks, hook)

    def register_post_accumulate_grad_hook(self, hook: Callable[[Tensor], None]
                                           ) -> _HookHandle:
        """Call ``hook(self)`` once this leaf's ``.grad`` is final in a backward pass.

        The engine accumulates a leaf's gradient into ``.grad`` as soon as no node left in
        the pass can still contribute to it, then calls the hooks (in registration order),
        so the hook may read (and replace) ``.grad`` while the rest of backward runs
        (PyTorch's ``torch.Tensor.register_post_accumulate_grad_hook``; DDP uses it to start
        all-reduces early). The hook must return None. ``autograd.grad`` accumulates
        nothing and calls no such hook; ``backward(inputs=...)`` calls them for the leaves it
        accumulates into.

        Parameters
        ----------
        hook : callable
            ``hook(tensor) -> None``.

        Returns
        -------
        handle
            ``handle.remove()`` unregisters the hook.

        Raises
        ------
        RuntimeError
            If this tensor does not require grad, or is not a leaf.

        Examples
        --------
        >>> import arraygrad as ag
        >>> w = ag.ones(2, requires_grad=True)
        >>> seen = []
        >>> h = w.register_post_accumulate_grad_hook(lambda p: seen.append(p.grad.tolist()))
        >>> (w * 3).sum().backward()
        >>> seen
        [[3.0, 3.0]]
        """
        if not self.requires_grad:
            raise RuntimeError(
                "cannot register a hook on a tensor that doesn't require grad; call "
                "requires_grad_() first"
            )
        if self._node is not None:
            raise RuntimeError(
                f"post accumulate grad hooks cannot be registered on non-leaf tensors (this "
                f"one was made by {self._node.name()}); register it on the leaf, or use "
                f"register_hook for the gradient flowing into this tensor"
            )
        hooks = _post_hooks_of(self)
        if hooks is None:
            hooks = self._post_hooks = []
        hooks.append(hook)
        _POST_HOOK_COUNT[0] += 1
        return _PostHookHandle(hooks, hook)

    def retain_grad(self) -> None:
        """Keep ``.grad`` for this non-leaf tensor after backward (leaves always keep it)."""
        if not self.requires_grad:
            raise RuntimeError("can't retain_grad on a tensor that doesn't require grad")
        if self._node is not None:
            self._node.retained = weakref.ref(self)
        self._retains_grad = True

    @property
    def retains_grad(self) -> bool:
        """Whether a non-leaf tensor keeps its ``.grad``."""
        return self._node is not None and getattr(self, "_retains_grad", False)

    # ----------------------------------------------------------------- conversion
    def item(self) -> Any:
        """The value of a one-element tensor as a Python scalar."""
        if self.size != 1:
            raise ValueError(
                f"item(): only one-element tensors can be converted to Python scalars; "
                f"this tensor has shape {self.shape}"
            )
        return self._backend.to_numpy(self._data).reshape(()).item()

    def tolist(self) -> Any:
        """The data as (nested) Python lists of scalars."""
        return self._backend.to_numpy(self._data).tolist()

    def numpy(self, *, force: bool = False) -> Any:
        """The data as a NumPy array (a copy unless the backend shares host memory).

        Raises if the tensor requires grad (as PyTorch does); use ``detach().numpy()`` or
        ``force=True``.
        """
        if self.requires_grad and not force:
            raise RuntimeError(
                "can't call numpy() on a tensor that requires grad; use "
                "tensor.detach().numpy() instead"
            )
        return self._backend.to_numpy(self._data)

    def __array__(self, dtype: Any = None, copy: bool | None = None) -> Any:
        import numpy as np

        out = self._backend.to_numpy(self._data)
        return np.asarray(out, dtype=dtype) if dtype is not None else out

    def __dlpack__(self, *, stream: Any = None, max_version: tuple[int, int] | None = None,
                   dl_device: tuple[int, int] | None = None, copy: bool | None = None) -> Any:
        """Export the array through DLPack (the standard's keywords, passed on when set)."""
        kwargs = {k: v for k, v in (("stream", stream), ("max_version", max_version),
                                    ("dl_device", dl_device), ("copy", copy)) if v is not None}
        return self._data.__dlpack__(**kwargs)

    def __dlpack_device__(self) -> tuple[int, int]:
        return self._data.__dlpack_device__()

    def __float__(self) -> float:
        return float(self.item())

    def __int__(self) -> int:
        return int(self.item())

    def __bool__(self) -> bool:
        if self.size != 1:
            raise RuntimeError(
                f"the truth value of a tensor with more than one element is ambiguous "
                f"(shape {self.shape}); use .any() or .all()"
            )
        return bool(self.item())

    def __format__(self, spec: str) -> str:
        # f"{loss:.4f}" formats the value of a one-element tensor, as in PyTorch.
        if spec and self.size == 1:
            return format(self.item(), spec)
        return format(repr(self), spec)

    def __index__(self) -> int:
        if self.dtype.kind not in "iu":
            raise TypeError(f"only integer tensors can be used as an index, not {self.dtype.name}")
        return int(self.item())

    def __complex__(self) -> complex:
        return complex(self.item())

    def __hash__(self) -> int:
        return id(self)

    def __iter__(self) -> Iterator[Tensor]:
        if not self._data.shape:
            raise TypeError("iteration over a 0-d tensor")
        return (self[i] for i in range(self._data.shape[0]))

    def __repr__(self) -> str:
        import numpy as np

        try:
            values = np.array2string(np.asarray(self._backend.to_numpy(self._data)),
                                     separator=", ", prefix="tensor(", max_line_width=88)
        except Exception:  # a repr must never raise
            values = "<unprintable>"
        extras = []
        if self.size == 0:
            extras.append(f"size={self.shape}")
        if self.dtype not in (default_float(self._backend), _dtypes.int64, _dtypes.bool):
            extras.append(f"dtype={self.dtype.name}")
        if self._backend.name != "numpy":
            extras.append(f"backend={self._backend.name!r}")
        if self.device != "cpu":
            extras.append(f"device={self.device!r}")
        if self._node is not None:
            extras.append(f"grad_fn=<{self._node.name()}>")
        elif self.requires_grad:
            extras.append("requires_grad=True")
        return "tensor(" + values + "".join(", " + e for e in extras) + ")"

    def __deepcopy__(self, memo: dict[int, Any]) -> Tensor:
        if self._node is not None:
            raise RuntimeError(
                "only leaf tensors support deepcopy; call .detach() first"
            )
        out = _make(self._backend.xp.asarray(self._data, copy=True), self._backend, None)
        out.requires_grad = self.requires_grad
        memo[id(self)] = out
        return out

    def __reduce__(self) -> tuple[Any, ...]:
        # Host copy plus backend name: portable across processes (DataLoader workers).
        # Checkpoints use ag.save (safetensors), never pickle.
        if self._node is not None:
            raise RuntimeError("only leaf tensors can be pickled; call .detach() first")
        return (_rebuild, (self._backend.to_numpy(self._data), self._backend.name,
                           self.requires_grad))


def _rebuild(values, backend_name: str, requires_grad: bool) -> Tensor:
    backend = get_backend(backend_name)
    out = _make(backend.from_object(values), backend, None)
    out.requires_grad = requires_grad
    return out


class _Size(int):
    """The element count (an int, as the Array-API ``size`` attribute) that can also be
    called like PyTorch's ``size()``: ``t.size()`` -> shape, ``t.size(d)`` -> ``shape[d]``."""

    def __new__(cls, n: int, shape: tuple[int, ...]) -> _Size:
        out = super().__new__(cls, n)
        out._shape = shape
        return out

    def __call__(self, dim: int | None = None) -> Any:
        return self._shape if dim is None else self._shape[dim]


class _HookHandle:
    """Handle returned by ``register_hook``; ``remove()`` unregisters the hook."""

    __slots__ = ("_hooks", "_hook")

    def __init__(self, hooks: list, hook: Callable) -> None:
        self._hooks = hooks
        self._hook = hook

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)


# How many post-accumulate-grad hooks are registered (in any tensor): while none is, the
# engine skips the pre-pass that finds when each hooked leaf's gradient is final. A count
# left high by a tensor that died with hooks only costs that pre-pass.
_POST_HOOK_COUNT = [0]


def _post_hooks_of(t: Tensor) -> list[Callable[[Tensor], None]] | None:
    """``t``'s post-accumulate-grad hooks, or None (the slot is set only by the first
    registration, so the hot path that makes tensors does not pay for it)."""
    return getattr(t, "_post_hooks", None)


def _any_post_hooks() -> bool:
    """Whether any post-accumulate-grad hook may be registered (the engine's cheap test)."""
    return _POST_HOOK_COUNT[0] > 0


class _PostHookHandle(_HookHandle):
    """Handle returned by ``register_post_accumulate_grad_hook``."""

    __slots__ = ()

    def remove(self) -> None:
        if self._hook in self._hooks:
            self._hooks.remove(self._hook)
            _POST_HOOK_COUNT[0] -= 1


def _check_grad(t: Tensor, g: Any, what: str) -> None:
    """Raise unless ``g`` can be ``t``'s gradient: a Tensor of the same shape, dtype,
    backend and device (PyTorch's checks on ``.grad`` and on hook results)."""
    if not isinstance(g, Tensor):
        raise TypeError(f"{what} must be a Tensor or None, got {type(g).__name__}")
    problems = []
    if g.shape != t.shape:
        problems.append(f"shape {g.shape} (expected {t.shape})")
    if g.dtype != t.dtype:
        problems.append(f"dtype {g.dtype.name} (expected {t.dtype.name})")
    if g._backend is not t._backend:
        problems.append(f"backend {g._backend.name!r} (expected {t._backend.name!r})")
    elif g.device != t.device:
        problems.append(f"device {g.device!r} (expected {t.device!r})")
    if problems:
        raise RuntimeError(f"{what} has {', '.join(problems)}")


_new = object.__new__


def _make(data: Any, backend: Backend, node: Node | None) -> Tensor:
    """Wrap a raw array without checks (the hot path of every op).

    ``_hooks``, ``_retains_grad`` and ``_post_hooks`` stay unset until first used (read
    them with ``getattr(t, name, default)``): most tensors never get any.
    """
    t = _new(Tensor)
    t._data = data
    t._backend = backend
    t._node = node
    t.requires_grad = node is not None
    t._grad = None
    t._version = None
    t._view = None
    t._views = None
    return t


_VIEW_PRUNE_AT = 16  # a base's list of weak references is pruned at 16, 32, 64... entries


def _register_view(view: Tensor, source: Tensor, step: tuple | None) -> None:
    """Make ``view`` a view of ``source`` (PyTorch's view semantics).

    ``step`` is the ``(op, params)`` that made ``view`` from ``source``; None makes a
    ``detach()`` alias (same data, no history). ``view._view`` is ``(root, chain,
    grad_base, grad_chain)``: ``root`` owns the data (``chain`` leads from it to the view)
    and ``grad_base`` owns the history (``grad_chain`` leads from it; None for an alias,
    which is its own autograd base). Views share their root's version counter; the root
    keeps weak references to its live views so that any write can regenerate the others
    (:mod:`arraygrad.ops.inplace`).
    """
    view._version = source._version_cell()
    if source._view is None:
        root, chain, grad_base, grad_chain = source, (), source, ()
    else:
        root, chain, grad_base, grad_chain = source._view
        if grad_base is None:  # a view of an alias: the alias is its autograd base
            grad_base, grad_chain = source, ()
    if step is None:
        view._view = (root, chain, None, ())
    else:
        view._view = (root, chain + (step,), grad_base, grad_chain + (step,))
    views = root._views
    if views is None:
        root._views = [weakref.ref(view)]
        return
    n = len(views)
    if n >= _VIEW_PRUNE_AT and not n & (n - 1):  # amortised O(1) per view
        views[:] = [ref for ref in views if ref() is not None]
    views.append(weakref.ref(view))


def _init_leaf(t: Tensor, data: Any, backend: Backend) -> None:
    """Set every slot of a new leaf tensor (``Tensor.__init__`` and subclasses' ``__init__``)."""
    t._data = data
    t._backend = backend
    t._node = None
    t.requires_grad = False
    t._grad = None
    t._version = None
    t._view = None
    t._views = None


def bump_versions(tensors: list[Tensor]) -> None:
    """``Tensor._bump_version`` for several tensors written together (the parameters a
    compiled step updated in place): one write mark for all of them."""
    for t in tensors:
        if t._version is None:
            t._version = [1]
        else:
            t._version[0] += 1
    with _WRITE_LOCK:
        _last_write[0] = next(_sequence)
