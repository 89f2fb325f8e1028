"""Linear algebra: matmul (batched and 1-D cases), tensordot, vecdot, outer."""

from __future__ import annotations

from collections.abc import Sequence

from arraygrad.ops._axes import normalize_axes, normalize_axis
from arraygrad.ops.elementwise import conj
from arraygrad.ops.reductions import sum as _sum
from arraygrad.ops.registry import binary, defop
from arraygrad.ops.shape import broadcast_shapes, permute_dims, reshape
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
    if a.shape[-2] == 1:
        # One row per matrix (what vmap makes of a vector times a matrix): the product is
        # an outer product, exact as a broadcast multiply and about twice as fast as a
        # stacked matmul with an inner dimension of 1 (which BLAS does not take).
        return xp.matrix_transpose(a) * g
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
        d1, d2 = x1.dtype, x2.dtype
        if d1 is not d2 and (d1.kind in "fc") != (d2.kind in "fc"):
            # PyTorch refuses a floating with an integer matrix (NumPy would promote)
            raise RuntimeError(f"matmul: expected both operands to have the same dtype, "
                               f"but got {d1.name} and {d2.name}")
    return binary(MATMUL, x1, x2)


def tensordot(x1: Tensor, x2: Tensor, /, *,
              axes: int | tuple[Sequence[int], Sequence[int]] = 2) -> Tensor:
    """Sum products over the given axes (built from permute, reshape and matmul)."""
    if isinstance(axes, int):
        if not 0 <= axes <= min(x1.ndim, x2.ndim):
            raise ValueError(f"tensordot: axes={axes} must be in [0, {min(x1.ndim, x2.ndim)}] "
                             f"for shapes {x1.shape} and {x2.shape}")
        a_axes = list(range(x1.ndim - axes, x1.ndim))
        b_axes = list(range(axes))
    else:
        a_axes = list(normalize_axes("tensordot", tuple(axes[0]), x1.ndim, scalar_ok=False,
                                     sort=False))
        b_axes = list(normalize_axes("tensordot", tuple(axes[1]), x2.ndim, scalar_ok=False,
                                     sort=False))
        if len(a_axes) != len(b_axes):
            raise ValueError(f"tensordot: axes {axes!r} must name as many axes of each "
                             f"operand")
    for a, b in zip(a_axes, b_axes):
        if x1.shape[a] != x2.shape[b]:
            raise ValueError(f"tensordot: axis {a} of shape {x1.shape} and axis {b} of shape "
                             f"{x2.shape} differ in size")
    free_a = [i for i in range(x1.ndim) if i not in a_axes]
    free_b = [i for i in range(x2.ndim) if i not in b_axes]
    k = m = n = 1
    for a in a_axes:
        k *= x1.shape[a]
    for i in free_a:
        m *= x1.shape[i]
    for i in free_b:
        n *= x2.shape[i]
    # Explicit sizes (not -1): right when an axis has size 0.
    left = reshape(permute_dims(x1, free_a + a_axes), (m, k))
    right = reshape(permute_dims(x2, b_axes + free_b), (k, n))
    out_shape = tuple(x1.shape[i] for i in free_a) + tuple(x2.shape[i] for i in free_b)
    return reshape(matmul(left, right), out_shape)


def vecdot(x1: Tensor, x2: Tensor, /, *, axis: int = -1) -> Tensor:
    """Dot product ``sum(conj(x1) * x2)`` along ``axis``, broadcasting the other axes.

    The result keeps the operands' promoted dtype (small integers are not widened).
    """
    shape = broadcast_shapes(x1.shape, x2.shape)
    ax = normalize_axis("vecdot", axis, len(shape))
    n1 = x1.shape[ax - len(shape) + x1.ndim] if ax - len(shape) + x1.ndim >= 0 else 1
    n2 = x2.shape[ax - len(shape) + x2.ndim] if ax - len(shape) + x2.ndim >= 0 else 1
    if n1 != n2:
        raise ValueError(f"vecdot: the contracted axis {axis} has size {n1} in shape "
                         f"{x1.shape} and {n2} in shape {x2.shape}")
    prod = conj(x1) * x2
    return _sum(prod, axis=ax - len(shape), dtype=prod.dtype)


def outer(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Outer product of two 1-D tensors."""
    return reshape(x1, (-1, 1)) * reshape(x2, (1, -1))
