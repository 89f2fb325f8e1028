"""The linalg extension: decompositions, inverses, solves, norms, with their gradients.

Gradient rules are the standard published formulas (those PyTorch uses), written once
against ``xp`` so they also run on Tensors (``create_graph=True``). Conventions:

* complex gradients follow PyTorch (``dL/dRe + i dL/dIm``), so transposes in rules are
  conjugate transposes (``_mH``);
* a decomposition returning several arrays (``eigh``, ``qr``, ``svd``, ``slogdet``) is one
  op whose output packs the results (each flattened, concatenated on the last axis); the
  public function slices them out again with differentiable ``getitem``/``reshape``, so
  a loss may use any subset of the results and the gradient stays exact. Without anything
  to record the backend's function is called directly (no packing);
* where the gradient is ill-defined the rule gives what PyTorch gives: ``nan`` for
  repeated eigenvalues (``eigh``) or singular values (``svd``), the gradient of the
  leading ``min(m, n)`` columns only for ``svd(full_matrices=True)``; ``qr`` with
  ``mode="complete"`` and more rows than columns raises, as PyTorch does.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from typing import Any, NamedTuple

from arraygrad.creation import eye
from arraygrad.grad_mode import is_grad_enabled
from arraygrad.ops._arrays import is_array, is_batched
from arraygrad.ops._complex import conj_of
from arraygrad.ops.linalg import matmul
from arraygrad.ops.reductions import max as _max
from arraygrad.ops.reductions import min as _min
from arraygrad.ops.reductions import sum as _sum
from arraygrad.ops.registry import apply, defop, op_error, unary
from arraygrad.ops.shape import astype as _astype
from arraygrad.ops.shape import broadcast_to, moveaxis, reshape, stack
from arraygrad.tensor import Tensor, _make

__all__ = [
    "EighResult", "QRResult", "SlogdetResult", "SVDResult",
    "cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matrix_norm",
    "matrix_power", "matrix_rank", "pinv", "qr", "slogdet", "solve", "svd", "svdvals",
    "trace", "vector_norm", "require", "norm",
]


class EighResult(NamedTuple):
    """``eigh``'s result: eigenvalues (ascending) and eigenvectors (as columns)."""

    eigenvalues: Tensor
    eigenvectors: Tensor


class QRResult(NamedTuple):
    """``qr``'s result: orthonormal ``Q`` and upper-triangular ``R``."""

    Q: Tensor
    R: Tensor


class SlogdetResult(NamedTuple):
    """``slogdet``'s result: the determinant's sign and the log of its absolute value."""

    sign: Tensor
    logabsdet: Tensor


class SVDResult(NamedTuple):
    """``svd``'s result: ``U``, singular values ``S`` (descending) and ``Vh``."""

    U: Tensor
    S: Tensor
    Vh: Tensor


# ------------------------------------------------------------------------------ checks
def require(x: Tensor, ext: str, name: str) -> Any:
    """The backend function ``ext.name`` of ``x``'s backend, or a clear error.

    Raises NotImplementedError naming the backend and the function when the backend's
    namespace lacks the extension or the function.
    """
    if not is_array(x):
        raise TypeError(f"{ext}.{name}: expected a Tensor, got {type(x).__name__}; make one "
                        f"with ag.asarray(...)")
    backend = x.backend
    module = getattr(backend.xp, ext, None)
    fn = getattr(module, name, None) if module is not None else None
    if fn is None:
        what = f"the {ext!r} extension" if module is None else f"the function {ext}.{name}"
        raise NotImplementedError(
            f"{ext}.{name}: backend {backend.name!r} does not provide {what}; move the "
            f"tensor to a backend that has it, e.g. x.to(backend='numpy')")
    return fn


def _matrix(name: str, x: Tensor, square: bool = False) -> None:
    fn = f"linalg.{name}"
    require(x, "linalg", name)
    if x.ndim < 2:
        raise ValueError(f"{fn}: expected a matrix or a stack of matrices (at least 2-D), "
                         f"got shape {x.shape}")
    if square and x.shape[-1] != x.shape[-2]:
        raise ValueError(f"{fn}: expected square matrices (..., n, n), got shape {x.shape}")
    if x.dtype.kind not in "fc":
        raise TypeError(f"{fn}: expected a floating-point tensor, got dtype {x.dtype.name}; "
                        f"convert first, e.g. x.astype(ag.float64)")


def _recording(*xs: Any) -> bool:
    # A batched input (inside vmap) takes the op path too: the registry batches it.
    return any(is_batched(t) for t in xs) or \
        is_grad_enabled() and any(isinstance(t, Tensor) and t.requires_grad for t in xs)


def _no_complex_grad(name: str, x: Tensor) -> None:
    if x.dtype.kind == "c":
        raise NotImplementedError(
            f"linalg.{name}: gradients for complex inputs are not implemented (input shape "
            f"{x.shape}, dtype {x.dtype.name}); use a real dtype, or detach the input")


def _direct(op: Any, name: str, x: Tensor, params: dict) -> tuple:
    """Call the backend's ``linalg.name`` and wrap each result (nothing is recorded)."""
    fn = require(x, "linalg", name)
    try:
        out = fn(x.array, **params)
    except Exception as exc:
        raise op_error(op, (x,), params, exc) from exc
    return tuple(_make(a, x._backend, None) for a in out)


# ----------------------------------------------------------------------------- helpers
def _mH(xp: Any, a: Any) -> Any:
    return conj_of(xp, xp.matrix_transpose(a))


def _eye_mask(xp: Any, a: Any) -> Any:
    """Ones on the main diagonal of ``a``'s last two axes, zeros elsewhere (a's dtype)."""
    return xp.tril(xp.triu(xp.ones_like(a)))


def _diag_embed(xp: Any, v: Any, like: Any) -> Any:
    """``v`` (..., k) on the diagonal of a (..., k, k) array shaped like ``like``."""
    return _eye_mask(xp, like) * v[..., None, :]


def _pack(xp: Any, parts: Sequence[Any], cores: Sequence[int]) -> Any:
    """Flatten each part's trailing ``cores[i]`` axes and concatenate on the last axis."""
    flat = []
    for p, c in zip(parts, cores):
        batch = tuple(p.shape[:p.ndim - c])
        flat.append(xp.reshape(p, batch + (math.prod(p.shape[p.ndim - c:]),)))
    return xp.concat(flat, axis=-1)


def _unpack(packed: Any, core_shapes: Sequence[tuple[int, ...]], reshape: Any) -> list:
    batch = tuple(packed.shape[:-1])
    out, start = [], 0
    for shape in core_shapes:
        size = math.prod(shape)
        out.append(reshape(packed[..., start:start + size], batch + tuple(shape)))
        start += size
    return out


def _xp_unpack(xp: Any, packed: Any, core_shapes: Sequence[tuple[int, ...]]) -> list:
    return _unpack(packed, core_shapes, lambda a, s: xp.reshape(a, s))


def _tensor_unpack(packed: Tensor, core_shapes: Sequence[tuple[int, ...]]) -> list:
    return _unpack(packed, core_shapes, reshape)


# --------------------------------------------------------------------------------- inv
def _inv_vjp(xp, g, ans, a):
    yh = _mH(xp, ans)
    return -(yh @ g @ yh)


INV = defop("inv", lambda xp, a: xp.linalg.inv(a), (_inv_vjp,), uses_ans=True,
            checks_inputs=False, doc="matrix inverse")


def inv(x: Tensor, /) -> Tensor:
    """Inverse of each square matrix in ``x`` (gradient ``-A^-H g A^-H``)."""
    _matrix("inv", x, square=True)
    return unary(INV, x)


# --------------------------------------------------------------------------------- det
def _det_vjp(xp, g, ans, a):
    # d det(A) = tr(adj(A) dA); adj(A)^T = det(A) A^-T when A is well conditioned. For a
    # singular or nearly singular A (s_min < sqrt(eps) s_max), adj(A)^T = det(U) det(Vh)
    # U diag(prod_{j != i} s_j) Vh from the SVD, which stays accurate (PyTorch's result).
    sv = xp.linalg.svdvals(a)
    tol = float(xp.finfo(sv.dtype).eps) ** 0.5
    if bool(xp.all(sv[..., -1] > sv[..., 0] * tol)):
        return (g * conj_of(xp, ans))[..., None, None] * _mH(xp, xp.linalg.inv(a))
    u, s, vh = xp.linalg.svd(a, full_matrices=False)
    square = xp.broadcast_to(s[..., None, :], tuple(s.shape) + (s.shape[-1],))
    mask = _eye_mask(xp, square)
    others = xp.prod(square * (1 - mask) + mask, axis=-1)
    phase = conj_of(xp, xp.linalg.det(u) * xp.linalg.det(vh))
    adj_t = (u * others[..., None, :]) @ vh
    return (g * phase)[..., None, None] * conj_of(xp, adj_t)


DET = defop("det", lambda xp, a: xp.linalg.det(a), (_det_vjp,), uses_ans=True,
            doc="determinant")


def det(x: Tensor, /) -> Tensor:
    """Determinant of each square matrix in ``x`` (singular matrices included)."""
    _matrix("det", x, square=True)
    return unary(DET, x)


# ----------------------------------------------------------------------------- slogdet
def _slogdet_forward(xp, a):
    sign, logabs = xp.linalg.slogdet(a)
    return xp.stack([sign, logabs], axis=-1)


def _slogdet_vjp(xp, g, ans, a):
    # The sign is piecewise constant (no gradient); d log|det A| = tr(A^-1 dA).
    return g[..., 1][..., None, None] * _mH(xp, xp.linalg.inv(a))


SLOGDET = defop("slogdet", _slogdet_forward, (_slogdet_vjp,),
                doc="sign and log|det| (packed: [..., 0] sign, [..., 1] log|det|)")


def slogdet(x: Tensor, /) -> SlogdetResult:
    """Sign and natural log of the absolute determinant (a :class:`SlogdetResult`).

    Only ``logabsdet`` carries a gradient (the sign is piecewise constant).
    """
    _matrix("slogdet", x, square=True)
    if not _recording(x):
        return SlogdetResult(*_direct(SLOGDET, "slogdet", x, {}))
    _no_complex_grad("slogdet", x)
    packed = unary(SLOGDET, x)
    return SlogdetResult(packed[..., 0], packed[..., 1])


# ------------------------------------------------------------------------------- solve
def _solve_forward(xp, a, b):
    if b.ndim == 1:
        return xp.linalg.solve(a, b[:, None])[..., 0]
    return xp.linalg.solve(a, b)


def _solve_gb(xp, g, ans, a, b):
    ah = _mH(xp, a)
    if b.ndim == 1:
        return xp.linalg.solve(ah, g[..., None])[..., 0]
    return xp.linalg.solve(ah, g)


def _solve_ga(xp, g, ans, a, b):
    gb = _solve_gb(xp, g, ans, a, b)
    if b.ndim == 1:
        return -(gb[..., :, None] * conj_of(xp, ans)[..., None, :])
    return -(gb @ _mH(xp, ans))


SOLVE = defop("solve", _solve_forward, (_solve_ga, _solve_gb), uses_ans=True,
              doc="solution of A X = B")


def solve(x1: Tensor, x2: Tensor, /) -> Tensor:
    """Solve ``x1 @ X = x2`` for ``X``; a 1-D ``x2`` is one right-hand-side vector."""
    _matrix("solve", x1, square=True)
    if not is_array(x2):
        raise TypeError(f"linalg.solve: x2 must be a Tensor, got {type(x2).__name__}")
    m = x1.shape[-1]
    rows = x2.shape[0] if x2.ndim == 1 else (x2.shape[-2] if x2.ndim >= 2 else None)
    if rows != m:
        raise ValueError(f"linalg.solve: x1 has shape {x1.shape} (systems of size {m}) but x2 "
                         f"has shape {x2.shape}; x2 must be (M,) or (..., M, K) with M = {m}")
    return apply(SOLVE, (x1, x2))


# ---------------------------------------------------------------------------- cholesky
def _cholesky_vjp(xp, g, ans, a, upper=False):
    # gA = L^-H Phi(L^H gL) L^-1 symmetrized: 0.5 L^-H (P + tril(P, -1)^H) L^-1 with
    # P = tril(L^H gL) (PyTorch's cholesky_backward).
    low = _mH(xp, ans) if upper else ans
    gl = _mH(xp, g) if upper else g
    p = xp.tril(_mH(xp, low) @ xp.tril(gl))
    sym = 0.5 * (p + _mH(xp, xp.tril(p, k=-1)))
    linv = xp.linalg.inv(low)
    return _mH(xp, linv) @ sym @ linv


CHOLESKY = defop("cholesky", lambda xp, a, upper=False: xp.linalg.cholesky(a, upper=upper),
                 (_cholesky_vjp,), uses_ans=True, checks_inputs=False,
                 doc="Cholesky factor")


def cholesky(x: Tensor, /, *, upper: bool = False) -> Tensor:
    """Cholesky factor ``L`` (``x = L L^H``), or ``U = L^H`` with ``upper=True``.

    The gradient is the symmetric one (as PyTorch's): differentiate through a symmetric
    construction of ``x`` when comparing with finite differences.
    """
    _matrix("cholesky", x, square=True)
    return unary(CHOLESKY, x, {"upper": True} if upper else {})


# -------------------------------------------------------------------------------- eigh
def _eigh_forward(xp, a):
    w, v = xp.linalg.eigh(a)
    return _pack(xp, (w, v), (1, 2))


def _eigh_vjp(xp, g, ans, a):
    n = a.shape[-1]
    gw, gv = _xp_unpack(xp, g, ((n,), (n, n)))
    w, v = _xp_unpack(xp, ans, ((n,), (n, n)))
    # gA = V (diag(gw) + skew(V^T gV) / E) V^T, E_ij = w_j - w_i (1 on the diagonal):
    # repeated eigenvalues give nan, as in PyTorch.
    vtgv = xp.matrix_transpose(v) @ gv
    skew = 0.5 * (vtgv - xp.matrix_transpose(vtgv))
    eye = _eye_mask(xp, vtgv)
    gap = w[..., None, :] - w[..., :, None] + eye
    inner = skew / gap + eye * gw[..., None, :]
    return v @ inner @ xp.matrix_transpose(v)


EIGH = defop("eigh", _eigh_forward, (_eigh_vjp,), uses_ans=True, checks_inputs=False,
             doc="symmetric eigendecomposition (packed eigenvalues and eigenvectors)")


def eigh(x: Tensor, /) -> EighResult:
    """Eigenvalues (ascending) and eigenvectors of symmetric/Hermitian matrices.

    Only the lower triangle of ``x`` is read. The gradient assumes distinct eigenvalues
    (``nan`` otherwise, as in PyTorch) and a loss that does not depend on each
    eigenvector's sign.
    """
    _matrix("eigh", x, square=True)
    if not _recording(x):
        return EighResult(*_direct(EIGH, "eigh", x, {}))
    _no_complex_grad("eigh", x)
    n = x.shape[-1]
    w, v = _tensor_unpack(unary(EIGH, x), ((n,), (n, n)))
    return EighResult(w, v)


def eigvalsh(x: Tensor, /) -> Tensor:
    """Eigenvalues (ascending) of symmetric/Hermitian matrices."""
    _matrix("eigvalsh", x, square=True)
    if not _recording(x):
        return _eigvalsh_direct(x)
    return eigh(x).eigenvalues


def _eigvalsh_direct(x: Tensor) -> Tensor:
    fn = require(x, "linalg", "eigvalsh")
    try:
        return _make(fn(x.array), x._backend, None)
    except Exception as exc:
        raise op_error(EIGH, (x,), {}, exc) from exc


# ---------------------------------------------------------------------------------- qr
def _qr_forward(xp, a, mode="reduced"):
    q, r = xp.linalg.qr(a, mode=mode)
    return _pack(xp, (q, r), (2, 2))


def _qr_shapes(shape: tuple[int, ...], mode: str) -> tuple[tuple[int, int], tuple[int, int]]:
    m, n = shape[-2], shape[-1]
    k = m if mode == "complete" else min(m, n)
    return (m, k), (k, n)


def _copyltu(xp: Any, m: Any) -> Any:
    """The symmetric matrix whose lower triangle is ``m``'s."""
    return xp.tril(m) + xp.matrix_transpose(xp.tril(m, k=-1))


def _qr_square_tall(xp, q, r, gq, gr):
    # m >= n: gA = (gQ + Q copyltu(M)) R^-T with M = R gR^T - gQ^T Q.
    mm = r @ xp.matrix_transpose(gr) - xp.matrix_transpose(gq) @ q
    b = gq + q @ _copyltu(xp, mm)
    return xp.matrix_transpose(xp.linalg.solve(r, xp.matrix_transpose(b)))


def _qr_vjp(xp, g, ans, a, mode="reduced"):
    qs, rs = _qr_shapes(tuple(a.shape), mode)
    gq, gr = _xp_unpack(xp, g, (qs, rs))
    q, r = _xp_unpack(xp, ans, (qs, rs))
    m, n = a.shape[-2], a.shape[-1]
    if m >= n:
        return _qr_square_tall(xp, q, r, gq, gr)
    # m < n: A = [X | Y], R = [U | V] with X = Q U square; Y = Q V.
    y = a[..., :, m:]
    u, gu, gv = r[..., :, :m], gr[..., :, :m], gr[..., :, m:]
    gx = _qr_square_tall(xp, q, u, gq + y @ xp.matrix_transpose(gv), gu)
    return xp.concat([gx, q @ gv], axis=-1)


QR = defop("qr", _qr_forward, (_qr_vjp,), uses_ans=True,
           doc="QR decomposition (packed Q and R)")


def qr(x: Tensor, /, *, mode: str = "reduced") -> QRResult:
    """QR decomposition: ``mode="reduced"`` (``Q`` is (m, k), k = min(m, n)) or
    ``"complete"`` (``Q`` is (m, m)). Returns a :class:`QRResult`.

    Not differentiable for ``mode="complete"`` with more rows than columns (as PyTorch).
    """
    _matrix("qr", x)
    if mode not in ("reduced", "complete"):
        raise ValueError(f"linalg.qr: mode must be 'reduced' or 'complete', got {mode!r}")
    params = {"mode": mode}
    if not _recording(x):
        return QRResult(*_direct(QR, "qr", x, params))
    _no_complex_grad("qr", x)
    if mode == "complete" and x.shape[-2] > x.shape[-1]:
        raise RuntimeError(
            f"linalg.qr: the QR decomposition is not differentiable when mode='complete' and "
            f"nrows > ncols (shape {x.shape}); use mode='reduced', or detach the input")
    qs, rs = _qr_shapes(x.shape, mode)
    q, r = _tensor_unpack(unary(QR, x, params), (qs, rs))
    return QRResult(q, r)


# --------------------------------------------------------------------------------- svd
def _svd_forward(xp, a, full_matrices=True):
    u, s, vh = xp.linalg.svd(a, full_matrices=full_matrices)
    return _pack(xp, (u, s, vh), (2, 1, 2))


def _svd_shapes(shape: tuple[int, ...], full: bool) -> tuple[tuple[int, ...], ...]:
    m, n = shape[-2], shape[-1]
    k = min(m, n)
    return ((m, m if full else k), (k,), (n if full else k, n))


def _svd_vjp(xp, g, ans, a, full_matrices=True):
    shapes = _svd_shapes(tuple(a.shape), full_matrices)
    gu, gs, gvh = _xp_unpack(xp, g, shapes)
    u, s, vh = _xp_unpack(xp, ans, shapes)
    m, n = a.shape[-2], a.shape[-1]
    k = min(m, n)
    if full_matrices:  # as PyTorch: only the leading k singular vectors matter
        u, gu = u[..., :, :k], gu[..., :, :k]
        vh, gvh = vh[..., :k, :], gvh[..., :k, :]
    v, gv = xp.matrix_transpose(vh), xp.matrix_transpose(gvh)
    utgu = xp.matrix_transpose(u) @ gu
    vtgv = xp.matrix_transpose(v) @ gv
    eye = _eye_mask(xp, utgu)
    s2 = s * s
    gap = s2[..., None, :] - s2[..., :, None] + eye  # E_ij = s_j^2 - s_i^2; nan if tied
    inner = ((utgu - xp.matrix_transpose(utgu)) * s[..., None, :]
             + s[..., :, None] * (vtgv - xp.matrix_transpose(vtgv))) / gap
    inner = inner + eye * gs[..., None, :]
    ga = u @ inner @ vh
    if m > k:  # (I - U U^T) gU S^-1 Vh
        gus = gu / s[..., None, :]
        ga = ga + (gus - u @ (xp.matrix_transpose(u) @ gus)) @ vh
    if n > k:  # U S^-1 gV^T (I - V V^T)
        gvs = gv / s[..., None, :]
        ga = ga + u @ xp.matrix_transpose(gvs - v @ (xp.matrix_transpose(v) @ gvs))
    return ga


SVD = defop("svd", _svd_forward, (_svd_vjp,), uses_ans=True, checks_inputs=False,
            doc="singular value decomposition (packed U, S and Vh)")


def svd(x: Tensor, /, *, full_matrices: bool = True) -> SVDResult:
    """Singular value decomposition ``x = U diag(S) Vh`` (a :class:`SVDResult`).

    The gradient assumes distinct, nonzero singular values (``nan`` otherwise, as in
    PyTorch) and a loss invariant to the joint sign of each singular-vector pair; with
    ``full_matrices=True`` only the first ``min(m, n)`` columns of ``U`` / rows of ``Vh``
    carry gradient (as in PyTorch).
    """
    _matrix("svd", x)
    params = {"full_matrices": bool(full_matrices)}
    if not _recording(x):
        return SVDResult(*_direct(SVD, "svd", x, params))
    _no_complex_grad("svd", x)
    u, s, vh = _tensor_unpack(unary(SVD, x, params), _svd_shapes(x.shape, full_matrices))
    return SVDResult(u, s, vh)


def svdvals(x: Tensor, /) -> Tensor:
    """Singular values (descending) of each matrix in ``x``."""
    _matrix("svdvals", x)
    if not _recording(x):
        fn = require(x, "linalg", "svdvals")
        try:
            return _make(fn(x.array), x._backend, None)
        except Exception as exc:
            raise op_error(SVD, (x,), {}, exc) from exc
    return svd(x, full_matrices=False).S


# -------------------------------------------------------------------------------- pinv
def _pinv_forward(xp, a, rtol=None):
    return xp.linalg.pinv(a) if rtol is None else xp.linalg.pinv(a, rtol=rtol)


def _pinv_vjp(xp, g, ans, a, rtol=None):
    # Golub & Pereyra: dX = -X dA X + X X^H dA^H (I - A X) + (I - X A) dA^H X^H X.
    x = ans
    xh, gh = _mH(xp, x), _mH(xp, g)
    term1 = -(xh @ g @ xh)
    left = gh @ (x @ xh)
    term2 = left - a @ (x @ left)
    right = (xh @ x) @ gh
    term3 = right - (right @ x) @ a
    return term1 + term2 + term3


PINV = defop("pinv", _pinv_forward, (_pinv_vjp,), uses_ans=True,
             doc="Moore-Penrose pseudo-inverse")


def pinv(x: Tensor, /, *, rtol: float | Tensor | None = None) -> Tensor:
    """Moore-Penrose pseudo-inverse; singular values below ``rtol * max(S)`` are dropped.

    The gradient holds where the rank is locally constant (as PyTorch's).
    """
    _matrix("pinv", x)
    params = {} if rtol is None else {"rtol": rtol.array if isinstance(rtol, Tensor) else rtol}
    return unary(PINV, x, params)


# ------------------------------------------------------------------------- matrix_rank
MATRIX_RANK = defop(
    "matrix_rank",
    lambda xp, a, rtol=None: (xp.linalg.matrix_rank(a) if rtol is None
                              else xp.linalg.matrix_rank(a, rtol=rtol)),
    None, doc="rank (number of singular values above the tolerance)")


def matrix_rank(x: Tensor, /, *, rtol: float | Tensor | None = None) -> Tensor:
    """Rank of each matrix: singular values above ``rtol * max(S)`` (default tolerance
    ``max(m, n) * eps``). Not differentiable (integer result)."""
    _matrix("matrix_rank", x)
    params = {} if rtol is None else {"rtol": rtol.array if isinstance(rtol, Tensor) else rtol}
    return unary(MATRIX_RANK, x, params)


# ---------------------------------------------------------------------------- diagonal
def _diagonal_vjp(xp, g, ans, a, offset=0):
    rows, cols = a.shape[-2], a.shape[-1]
    length = g.shape[-1]
    mask = xp.triu(xp.tril(xp.ones_like(a), k=offset), k=offset)
    if offset >= 0:  # element (i, i + offset) is g[i]: spread g along the rows
        if length < rows:
            g = xp.concat([g, xp.zeros_like(a[..., length:, 0])], axis=-1)
        return mask * g[..., :, None]
    if length < cols:  # element (j - offset, j) is g[j]: spread g along the columns
        g = xp.concat([g, xp.zeros_like(a[..., 0, length:])], axis=-1)
    return mask * g[..., None, :]


DIAGONAL = defop("diagonal", lambda xp, a, offset=0: xp.linalg.diagonal(a, offset=offset),
                 (_diagonal_vjp,), checks_inputs=False, doc="a diagonal of each matrix")


def diagonal(x: Tensor, /, *, offset: int = 0) -> Tensor:
    """Diagonal ``offset`` (0 main, > 0 above, < 0 below) of each matrix in ``x``."""
    require(x, "linalg", "diagonal")
    if x.ndim < 2:
        raise ValueError(f"linalg.diagonal: expected at least 2-D input, got shape {x.shape}")
    return unary(DIAGONAL, x, {"offset": int(offset)} if offset else {})


def trace(x: Tensor, /, *, offset: int = 0, dtype: Any = None) -> Tensor:
    """Sum of diagonal ``offset`` of each matrix; ``dtype`` casts before summing."""
    d = diagonal(x, offset=offset)
    return _sum(d, axis=-1, dtype=dtype)


# ------------------------------------------------------------------------------- cross
def cross(x1: Tensor, x2: Tensor, /, *, axis: int = -1) -> Tensor:
    """Cross product of 3-element vectors along ``axis`` (broadcasting the others)."""
    for t in (x1, x2):
        if not is_array(t):
            raise TypeError(f"linalg.cross: expected Tensors, got {type(t).__name__}")
    low = min(x1.ndim, x2.ndim)
    if not -low <= axis < 0 and not (0 <= axis < low and x1.ndim == x2.ndim):
        raise ValueError(f"linalg.cross: axis {axis} is out of range for shapes {x1.shape} "
                         f"and {x2.shape} (use a negative axis in [-{low}, -1])")
    if x1.shape[axis] != 3 or x2.shape[axis] != 3:
        raise ValueError(f"linalg.cross: axis {axis} must have size 3 in both inputs, got "
                         f"shapes {x1.shape} and {x2.shape}")
    a = moveaxis(x1, axis, -1)
    b = moveaxis(x2, axis, -1)
    a0, a1, a2 = a[..., 0], a[..., 1], a[..., 2]
    b0, b1, b2 = b[..., 0], b[..., 1], b[..., 2]
    c = stack([a1 * b2 - a2 * b1, a2 * b0 - a0 * b2, a0 * b1 - a1 * b0], axis=-1)
    return moveaxis(c, -1, axis)


# ------------------------------------------------------------------------ matrix_power
def matrix_power(x: Tensor, n: int, /) -> Tensor:
    """``x`` multiplied by itself ``n`` times (``n < 0``: powers of the inverse; ``n = 0``:
    identity matrices), by repeated squaring."""
    _matrix("matrix_power", x, square=True)
    if not isinstance(n, int) or isinstance(n, bool):
        raise TypeError(f"linalg.matrix_power: n must be an int, got {type(n).__name__}")
    if n == 0:
        ident = eye(x.shape[-1], dtype=x.dtype, device=x.device, backend=x.backend)
        return broadcast_to(ident, x.shape) + x * 0
    base = inv(x) if n < 0 else x
    n = abs(n)
    # Exponentiation by squaring (n >= 1 here): the product of base^(2^k) over the set bits
    # k of n, lowest first.
    while not n & 1:
        base = matmul(base, base)
        n >>= 1
    result = base
    n >>= 1
    while n:
        base = matmul(base, base)
        if n & 1:
            result = matmul(result, base)
        n >>= 1
    return result


# -------------------------------------------------------------------------------- norms
def _norm_vjp(xp, g, ans, x, axis=None, keepdims=False, ord=2):
    axes = tuple(range(x.ndim)) if axis is None else \
        tuple(a % x.ndim for a in (axis if isinstance(axis, tuple) else (axis,)))
    if not keepdims:
        kept = tuple(1 if i in axes else n for i, n in enumerate(x.shape))
        g = xp.reshape(g, kept)
        ans = xp.reshape(ans, kept)
    if ord == 0:
        return xp.zeros_like(x)
    ax = xp.abs(x)
    sgn = xp.sign(x)  # x / |x| for complex x (0 at 0)
    if ord == 1:
        return g * sgn
    if ord in (math.inf, -math.inf):
        # As PyTorch: the gradient is shared equally by every element at the extremum.
        hit = xp.astype(ax == ans, ax.dtype)
        return sgn * (g * hit / xp.sum(hit, axis=axes, keepdims=True))
    if ord == 2:
        safe = xp.where(ans == 0, 1.0, ans)
        return xp.where(ans == 0, 0.0, g / safe) * x
    safe = xp.where(ans == 0, 1.0, ans)
    scale = xp.where(ans == 0, 0.0, g / safe ** (ord - 1))
    return scale * sgn * ax ** (ord - 1)


VECTOR_NORM = defop(
    "vector_norm",
    lambda xp, x, axis=None, keepdims=False, ord=2: xp.linalg.vector_norm(
        x, axis=axis, keepdims=keepdims, ord=ord),
    (_norm_vjp,), uses_ans=True, doc="vector p-norm")


def vector_norm(x: Tensor, /, *, axis: int | tuple[int, ...] | None = None,
                keepdims: bool = False, ord: float = 2) -> Tensor:
    """Vector ``ord``-norm over ``axis`` (all axes by default). Real result.

    The gradient at a zero vector is zero (as PyTorch's) for ``ord >= 1``.
    """
    require(x, "linalg", "vector_norm")
    if x.dtype.kind not in "fc":
        raise TypeError(f"linalg.vector_norm: expected a floating-point tensor, got dtype "
                        f"{x.dtype.name}; convert first, e.g. x.astype(ag.float64)")
    if isinstance(axis, list):
        axis = tuple(axis)
    params: dict = {"axis": axis, "keepdims": bool(keepdims), "ord": ord}
    return unary(VECTOR_NORM, x, params)


def matrix_norm(x: Tensor, /, *, keepdims: bool = False, ord: Any = "fro") -> Tensor:
    """Matrix norm of each matrix: ``"fro"``, ``"nuc"``, ``1``, ``-1``, ``2``, ``-2``,
    ``inf`` or ``-inf`` (as NumPy/PyTorch). Real result; built from other ops."""
    _matrix("matrix_norm", x)
    if ord == "fro":
        out = vector_norm(x, axis=(-2, -1), ord=2)
    elif ord in ("nuc", 2, -2):
        s = svdvals(x)
        out = _sum(s, axis=-1) if ord == "nuc" else (_max(s, axis=-1) if ord == 2
                                                    else _min(s, axis=-1))
    elif ord in (1, -1, math.inf, -math.inf):
        along = -2 if ord in (1, -1) else -1
        sums = vector_norm(x, axis=along, ord=1)
        out = _max(sums, axis=-1) if ord > 0 else _min(sums, axis=-1)
    else:
        raise ValueError(f"linalg.matrix_norm: ord must be 'fro', 'nuc', 1, -1, 2, -2, inf "
                         f"or -inf, got {ord!r}")
    if keepdims:
        out = reshape(out, out.shape + (1, 1))
    return out



def norm(x: Tensor, ord: Any = None, dim: Any = None, keepdim: bool = False, *,  # noqa: A002
         dtype: Any = None) -> Tensor:
    """PyTorch's ``torch.linalg.norm``: a vector norm over one ``dim``, a matrix norm over
    two, and with no ``dim`` the 2-norm of the flattened tensor (``ord=None``) or, for a
    1-D or 2-D tensor, its vector or matrix ``ord``-norm.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.linalg.norm(ag.tensor([[3.0, 0.0], [0.0, 4.0]])).item()
    5.0
    """
    if dtype is not None:
        x = _astype(x, dtype)
    if isinstance(dim, int) and not isinstance(dim, bool):
        dim = (dim,)
    if dim is None:
        if ord is None:
            return vector_norm(x, keepdims=keepdim)
        if x.ndim == 1:
            return vector_norm(x, ord=ord, keepdims=keepdim)
        if x.ndim == 2:
            return matrix_norm(x, ord=ord, keepdims=keepdim)
        raise RuntimeError(f"linalg.norm: if dim is not given but ord is, the input must be "
                           f"1-D or 2-D; got shape {x.shape}")
    dim = tuple(dim)
    if len(dim) == 1:
        if isinstance(ord, str):
            raise RuntimeError(f"linalg.norm: ord={ord!r} is a matrix norm and needs two "
                               f"dims, got dim={dim}")
        return vector_norm(x, axis=dim, ord=2 if ord is None else ord, keepdims=keepdim)
    if len(dim) == 2:
        axes = tuple(d % x.ndim if -x.ndim <= d < x.ndim else d for d in dim)
        if any(not 0 <= d < x.ndim for d in axes) or axes[0] == axes[1]:
            raise RuntimeError(f"linalg.norm: dim={dim} must name two different axes of a "
                               f"tensor of shape {x.shape}")
        moved = moveaxis(x, axes, (-2, -1))
        out = matrix_norm(moved, ord="fro" if ord is None else ord, keepdims=keepdim)
        return moveaxis(out, (-2, -1), axes) if keepdim else out
    raise RuntimeError(f"linalg.norm: dim must be one or two axes, got dim={dim}")
