"""``pad``: constant, reflect, replicate and circular padding (PyTorch's ``F.pad``)."""

from __future__ import annotations

from collections.abc import Sequence

from arraygrad import creation
from arraygrad.nn.functional._util import check_tensor, index_tensor
from arraygrad.ops import shape as sh
from arraygrad.ops.indexing import take
from arraygrad.tensor import Tensor

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")


def _crop(x: Tensor, axis: int, left: int, right: int) -> Tensor:
    """Negative padding removes elements (as PyTorch's constant mode)."""
    n = x.shape[axis]
    start, stop = -left if left < 0 else 0, n + right if right < 0 else n
    key = [slice(None)] * x.ndim
    key[axis] = slice(start, stop)
    return x[tuple(key)]


def _constant_axis(x: Tensor, axis: int, left: int, right: int, value: float) -> Tensor:
    x = _crop(x, axis, min(left, 0), min(right, 0))
    parts = []
    for width in (left, right):
        shape = list(x.shape)
        shape[axis] = max(width, 0)
        parts.append(creation.full(tuple(shape), value, dtype=x.dtype, backend=x.backend,
                                   device=x.device))
    if left <= 0 and right <= 0:
        return x
    return sh.concat([parts[0], x, parts[1]], axis=axis)


def _source_index(i: int, n: int, mode: str) -> int:
    if mode == "reflect":
        period = 2 * (n - 1)
        i %= period
        return i if i < n else period - i
    if mode == "replicate":
        return min(max(i, 0), n - 1)
    return i % n  # circular


def pad(input: Tensor, pad: Sequence[int], mode: str = "constant",  # noqa: A002
        value: float | None = None) -> Tensor:
    """Pad the last ``len(pad) // 2`` axes; ``pad`` lists (left, right) from the last axis.

    ``mode`` is ``'constant'`` (``value``, default 0; negative widths crop), ``'reflect'``
    (mirror without repeating the edge), ``'replicate'`` (repeat the edge) or
    ``'circular'`` (wrap around). The gradient of a padded element flows back to the
    element it copies.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.pad(ag.tensor([[1.0, 2.0, 3.0]]), (2, 1), mode="reflect").tolist()
    [[3.0, 2.0, 1.0, 2.0, 3.0, 2.0]]
    """
    check_tensor(input, "pad")
    widths = [int(p) for p in pad]
    if len(widths) % 2:
        raise ValueError(f"pad: the padding length must be even (pairs of left, right), got "
                         f"{tuple(pad)}")
    n_axes = len(widths) // 2
    if mode not in _MODES:
        raise ValueError(f"pad: mode must be one of {_MODES}, got {mode!r}")
    if n_axes > input.ndim:
        raise ValueError(f"pad: padding {tuple(pad)} covers {n_axes} axes but the input has "
                         f"shape {input.shape}")
    if mode != "constant":
        if value not in (None, 0, 0.0):
            raise ValueError(f"pad: value={value} only applies to mode='constant', got "
                             f"mode={mode!r}")
        # PyTorch: 1-3 padded axes, after a channel axis (unbatched) or batch and channel.
        if not 1 <= n_axes <= 3 or n_axes not in (input.ndim - 1, input.ndim - 2):
            raise NotImplementedError(
                f"pad: padding size {len(widths)} is not supported for a {input.ndim}-D input "
                f"with mode={mode!r}: pad the last 1-3 axes of a (C, ...) or (N, C, ...) "
                f"tensor (padding length 2 * (ndim - 1) or 2 * (ndim - 2))")
    x = input
    for k in range(n_axes):
        axis = x.ndim - 1 - k
        left, right = widths[2 * k], widths[2 * k + 1]
        if mode == "constant":
            x = _constant_axis(x, axis, left, right, 0.0 if value is None else value)
            continue
        n = x.shape[axis]
        if mode == "reflect" and (left >= n or right >= n):
            raise ValueError(f"pad: reflect padding ({left}, {right}) must be smaller than the "
                             f"padded axis {axis} of size {n} (input shape {input.shape})")
        if mode == "circular" and (left > n or right > n):
            raise ValueError(f"pad: circular padding ({left}, {right}) must be at most the size "
                             f"{n} of axis {axis} (input shape {input.shape})")
        if mode == "replicate" and n == 0:
            raise ValueError(f"pad: cannot replicate-pad the empty axis {axis} of shape "
                             f"{input.shape}")
        if left < 0 or right < 0:
            x = _crop(x, axis, min(left, 0), min(right, 0))
            n = x.shape[axis]
            left, right = max(left, 0), max(right, 0)
        idx = [_source_index(i, n, mode) for i in range(-left, n + right)]
        x = take(x, index_tensor(idx, x), axis=axis)
    return x
