"""Custom differentiable functions, PyTorch's ``torch.autograd.Function`` style."""

from __future__ import annotations

from typing import Any

from arraygrad.grad_mode import STATE, no_grad
from arraygrad.ops.registry import Op, record
from arraygrad.tensor import Tensor, _make


class FunctionCtx:
    """What ``forward`` and ``backward`` of a :class:`Function` receive as ``ctx``."""

    def __init__(self, needs_input_grad: tuple[bool, ...]) -> None:
        self.needs_input_grad = needs_input_grad
        self._saved: tuple[Tensor | None, ...] = ()
        self._versions: tuple[int, ...] = ()
        self._cache: tuple[Any, tuple] | None = None

    def save_for_backward(self, *tensors: Tensor | None) -> None:
        """Keep tensors for ``backward``; modifying them in place afterwards is an error."""
        self._saved = tensors
        self._versions = tuple(t._version_number if isinstance(t, Tensor) else 0
                               for t in tensors)

    @property
    def saved_tensors(self) -> tuple[Tensor | None, ...]:
        """The tensors given to :meth:`save_for_backward`."""
        for i, (t, v) in enumerate(zip(self._saved, self._versions)):
            if isinstance(t, Tensor) and t._version_number != v:
                raise RuntimeError(
                    f"saved tensor {i} (shape {t.shape}) of a custom Function was modified in "
                    f"place after save_for_backward (version {t._version_number}, expected {v})"
                )
        return self._saved


class Function:
    """Base class for custom ops with a hand-written backward.

    Subclasses define static ``forward(ctx, *args)`` and ``backward(ctx, grad)``;
    ``backward`` returns one gradient (or None) per ``forward`` argument. Use ``.apply``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> class Cube(ag.autograd.Function):
    ...     @staticmethod
    ...     def forward(ctx, x):
    ...         ctx.save_for_backward(x)
    ...         return x ** 3
    ...     @staticmethod
    ...     def backward(ctx, g):
    ...         (x,) = ctx.saved_tensors
    ...         return 3 * x ** 2 * g
    >>> x = ag.tensor(2.0, requires_grad=True)
    >>> Cube.apply(x).backward()
    >>> x.grad.item()
    12.0
    """

    @staticmethod
    def forward(ctx: FunctionCtx, *args: Any, **kwargs: Any) -> Tensor:
        """Compute the output from the inputs (runs without recording)."""
        raise NotImplementedError("a Function subclass must define forward(ctx, *args)")

    @staticmethod
    def backward(ctx: FunctionCtx, *grad_outputs: Any) -> Any:
        """Return the gradient for each input of ``forward`` (None where there is none)."""
        raise NotImplementedError("a Function subclass must define backward(ctx, grad)")

    @classmethod
    def apply(cls, *args: Any, **kwargs: Any) -> Tensor:
        """Run ``forward`` and record one node whose gradient is ``backward``."""
        needs = tuple(isinstance(a, Tensor) and a.requires_grad for a in args)
        ctx = FunctionCtx(needs)
        with no_grad():
            out = cls.forward(ctx, *args, **kwargs)
        if not isinstance(out, Tensor):
            raise TypeError(f"{cls.__name__}.forward must return a single Tensor, got "
                            f"{type(out).__name__}")
        if not (any(needs) and STATE.enabled):
            return out
        params = {"ctx": ctx, "fn": cls, "backend": out._backend}
        return record(_op_for(cls), out._backend, out._data, args, params)


_FUNCTION_OPS: dict[type, Op] = {}


def _function_rule(xp, g, ans, *inputs, argnum, ctx, fn, backend):
    if ctx._cache is None or ctx._cache[0] is not g:
        higher_order = isinstance(g, Tensor)
        if higher_order:
            grads = fn.backward(ctx, g)
        else:
            with no_grad():
                grads = fn.backward(ctx, _make(g, backend, None))
        if not isinstance(grads, tuple):
            grads = (grads,)
        if len(grads) != len(inputs):
            raise RuntimeError(f"{fn.__name__}.backward returned {len(grads)} gradients but "
                               f"forward took {len(inputs)} inputs")
        ctx._cache = (g, grads)
    gi = ctx._cache[1][argnum]
    if gi is None or isinstance(g, Tensor):
        return gi
    return gi._data if isinstance(gi, Tensor) else gi


def _op_for(cls: type) -> Op:
    op = _FUNCTION_OPS.get(cls)
    if op is None:
        op = Op(cls.__name__, None, _function_rule, False, False, False, True, cls.__doc__ or "")
        op.backward_name = f"{cls.__name__}Backward"
        _FUNCTION_OPS[cls] = op
    return op
