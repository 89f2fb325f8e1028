"""Special functions and small linear algebra as compositions of arraygrad ops.

Everything here is built from existing differentiable ops, so gradients (and gradients
of gradients) come for free on every backend. ``lgamma``/``digamma`` hold for ``x > 0``
(every distribution here only needs them there): the argument is shifted up by 8 with the
recurrences ``lgamma(x) = lgamma(x + 8) - sum(log(x + k))`` and
``digamma(x) = digamma(x + 8) - sum(1 / (x + k))``, then the Stirling / asymptotic series
is evaluated at ``z = x + 8 >= 8`` (truncation error below 1e-15). The matrix helpers loop
over the matrix size ``n`` (one vectorised step per row or column, batched over leading
dims), which suits the small event sizes of multivariate distributions.
"""

from __future__ import annotations

import math

import arraygrad as ag

_SHIFT = 8
_HALF_LOG_2PI = 0.5 * math.log(2 * math.pi)


def lgamma(x):
    """``log(Gamma(x))`` for positive ``x``."""
    shift = ag.log(x)
    for k in range(1, _SHIFT):
        shift = shift + ag.log(x + k)
    z = x + _SHIFT
    zi = 1.0 / z
    zi2 = zi * zi
    series = zi * (1 / 12 + zi2 * (-1 / 360 + zi2 * (1 / 1260 + zi2 * (
        -1 / 1680 + zi2 * (1 / 1188 + zi2 * (-691 / 360360 + zi2 / 156))))))
    return (z - 0.5) * ag.log(z) - z + _HALF_LOG_2PI + series - shift


def digamma(x):
    """The derivative of ``lgamma`` for positive ``x``."""
    shift = 1.0 / x
    for k in range(1, _SHIFT):
        shift = shift + 1.0 / (x + k)
    z = x + _SHIFT
    zi2 = 1.0 / (z * z)
    series = zi2 * (1 / 12 - zi2 * (1 / 120 - zi2 * (1 / 252 - zi2 * (
        1 / 240 - zi2 * (1 / 132 - zi2 * (691 / 32760 - zi2 / 12))))))
    return ag.log(z) - 0.5 / z - series - shift


def xlogy(x, y):
    """``x * log(y)``, 0 where ``x == 0``."""
    return ag.where(x == 0, 0.0, x * ag.log(ag.where(x == 0, 1.0, y)))


def softplus(x):
    """``log(1 + exp(x))`` without overflow; the gradient is ``sigmoid(x)`` everywhere
    (``relu(x) + log1p(exp(-abs(x)))`` would give 0 at ``x == 0``: both kinks' subgradients)."""
    pos = x > 0
    return ag.where(pos, x, 0.0) + ag.log1p(ag.exp(ag.where(pos, -x, x)))


def eye_like(x, n: int):
    """The ``n x n`` identity with ``x``'s dtype, backend and device."""
    return ag.eye(n, dtype=x.dtype, backend=x.backend, device=x.device)


def diagonal(a):
    """The diagonal of the last two dims of ``a``."""
    return (a * eye_like(a, a.shape[-1])).sum(axis=-1)


def cholesky(a):
    """Lower Cholesky factor of a (batch of) symmetric positive-definite matrices.

    The input is symmetrised first, so the gradient is symmetric (as PyTorch's).
    """
    n = a.shape[-1]
    a = 0.5 * (a + a.transpose(-1, -2))
    idx = ag.arange(n, backend=a.backend, device=a.device)
    cols: list = []
    for j in range(n):
        c = a[..., :, j]
        if cols:
            prev = ag.stack(cols, axis=-1)  # (..., n, j)
            c = c - (prev * prev[..., j:j + 1, :]).sum(axis=-1)
        pivot = c[..., j:j + 1]
        d = ag.sqrt(ag.where(pivot > 0, pivot, math.nan))  # not positive definite: NaN
        below = c / d
        cols.append(ag.where(idx > j, below, ag.where(idx == j, d, 0.0)))
    return ag.stack(cols, axis=-1)


def solve_lower(tril, b):
    """``x`` with ``tril @ x == b`` for lower-triangular ``tril`` (..., n, n), ``b`` (..., n, k)."""
    n = tril.shape[-1]
    rows: list = []
    for i in range(n):
        r = b[..., i, :]
        if rows:
            prev = ag.stack(rows, axis=-2)  # (..., i, k)
            r = r - (tril[..., i, :i, None] * prev).sum(axis=-2)
        rows.append(r / tril[..., i, i:i + 1])
    return ag.stack(rows, axis=-2)
