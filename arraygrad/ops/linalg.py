"""Linear algebra: matmul (batched and 1-D cases), tensordot, vecdot, outer."""

from __future__ import annotations

from collections.abc import Sequence

from arraygrad.ops.reductions import sum as _sum
from arraygrad.ops.registry import binary, defop
from arraygrad.ops.shape import permute_dims, reshape
from arraygrad.tensor import Tensor


def _matmul_grad_a(xp, g, ans, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * b
    if b.ndim == 1:  # (..., m, k) @ (k,) -> (..., m)
        return xp.expand_dims(g, axis=-1) * b
    if a.ndim == 1:  # (k,) @ (..., k, n) -> (..., n); summed over batch by the engine
        return xp.sum(xp.expand_dims(g, axis=-2) * b, axis=-1)
    return xp.matmul(g, xp.matrix_transpose(b))


def _matmul_grad_b(xp, g, ans, a, b):
    if a.ndim == 1 and b.ndim == 1:
        return g * a
    if a.ndim == 1:  # outer product of a with g, per batch
        return xp.expand_dims(a, axis=-1) * xp.expand_dims(g, axis=-2)
    if b.ndim == 1:
        return a * xp.expand_dims(g, axis=-1)
    return xp.matmul(xp.matrix_transpose(a), g)


MATMUL = defop("matmul", lambda xp, a, b: xp.matmul(a, b), (_matmul_grad_a, _matmul_grad_b),
               reads=((1,), (0,)))


def matmul(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Matrix product with NumPy's rules for 1-D and batched operands (``x1 @ x2``).

    Raises a ValueError naming both shapes when the contracted dimensions differ.
    """
    if isinstance(x1, Tensor) and isinstance(x2, Tensor):
        s1, s2 = x1.shape, x2.shape
        if not s1 or not s2:
            raise ValueError(f"matmul: operands must be at least 1-D; got shapes {s1} and {s2}")
        k1 = s1[-1]
        k2 = s2[0] if len(s2) == 1 else s2[-2]
        if k1 != k2:
            raise ValueError(
                f"matmul: shapes {s1} and {s2} are not aligned: dimension {len(s1) - 1} of "
                f"the first ({k1}) must equal dimension {max(len(s2) - 2, 0)} of the "
                f"second ({k2})"
            )
    return binary(MATMUL, x1, x2)


def tensordot(x1: Tensor, x2: Tensor, /, *,
              axes: int | tuple[Sequence[int], Sequence[int]] = 2) -> Tensor:
    """Sum products over the given axes (built from permute, reshape and matmul)."""
    if isinstance(axes, int):
        a_axes = list(range(x1.ndim - axes, x1.ndim))
        b_axes = list(range(axes))
    else:
        a_axes = [a % x1.ndim for a in axes[0]]
        b_axes = [b % x2.ndim for b in axes[1]]
    for a, b in zip(a_axes, b_axes):
        if x1.shape[a] != x2.shape[b]:
            raise ValueError(f"tensordot: axis {a} of shape {x1.shape} and axis {b} of shape "
                             f"{x2.shape} differ in size")
    free_a = [i for i in range(x1.ndim) if i not in a_axes]
    free_b = [i for i in range(x2.ndim) if i not in b_axes]
    k = 1
    for a in a_axes:
        k *= x1.shape[a]
    rows = 1
    for i in free_a:
        rows *= x1.shape[i]
    cols = 1
    for i in free_b:
        cols *= x2.shape[i]
    # Explicit sizes: -1 is ambiguous when a size is 0.
    left = reshape(permute_dims(x1, free_a + a_axes), (rows, k))
    right = reshape(permute_dims(x2, b_axes + free_b), (k, cols))
    out_shape = tuple(x1.shape[i] for i in free_a) + tuple(x2.shape[i] for i in free_b)
    return reshape(matmul(left, right), out_shape)


def vecdot(x1: Tensor, x2: Tensor, /, *, axis: int = -1) -> Tensor:
    """Dot product ``sum(conj(x1) * x2)`` along ``axis``, broadcasting the other axes.

    Raises a ValueError naming both shapes when the sizes along ``axis`` differ.
    """
    from arraygrad.ops._complex import conj

    if isinstance(x1, Tensor) and isinstance(x2, Tensor):
        low = min(x1.ndim, x2.ndim)
        if not -low <= axis < low or low == 0:
            raise ValueError(f"vecdot: axis {axis} is out of range for shapes {x1.shape} and "
                             f"{x2.shape}")
        if axis >= 0 and x1.ndim != x2.ndim:
            raise ValueError(f"vecdot: a non-negative axis ({axis}) is ambiguous for inputs of "
                             f"different ranks {x1.shape} and {x2.shape}; use a negative axis")
        if x1.shape[axis] != x2.shape[axis]:
            raise ValueError(f"vecdot: shapes {x1.shape} and {x2.shape} differ in size along "
                             f"axis {axis} ({x1.shape[axis]} != {x2.shape[axis]})")
        x1 = conj(x1)
    prod = x1 * x2
    out = _sum(prod, axis=axis)  # a non-negative axis implies equal ranks (checked above)
    return out if out.dtype == prod.dtype else out.astype(prod.dtype)


def outer(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Outer product of two 1-D tensors."""
    return reshape(x1, (-1, 1)) * reshape(x2, (1, -1))
