"""The Array-API ``linalg`` extension over Tensors: ``ag.linalg.inv(x)``, ``ag.linalg.svd(x)``...

Every function is differentiable where the mathematics is (see docs/ops.md for each
gradient's conditions); decompositions return the standard's named tuples.

Examples
--------
>>> import arraygrad as ag
>>> a = ag.tensor([[2.0, 1.0], [1.0, 3.0]], requires_grad=True)
>>> ag.linalg.det(a).backward()
>>> a.grad.tolist()
[[3.0, -1.0], [-1.0, 2.0]]
"""

from __future__ import annotations

from arraygrad.ops.linalg import matmul, outer, vecdot
from arraygrad.ops.linalg_ext import (
    EighResult,
    QRResult,
    SlogdetResult,
    SVDResult,
    cholesky,
    cross,
    det,
    diagonal,
    eigh,
    eigvalsh,
    inv,
    matrix_norm,
    matrix_power,
    matrix_rank,
    norm,
    pinv,
    qr,
    slogdet,
    solve,
    svd,
    svdvals,
    trace,
    vector_norm,
)
from arraygrad.ops.shape import matrix_transpose
from arraygrad.ops.torch_namespace import (  # PyTorch's torch.linalg functions (tns)
    LstsqResult,
    cond,
    lstsq,
    matrix_exp,
    multi_dot,
    solve_triangular,
    tensordot,  # ag.tensordot: axes= or dims=
    tensorinv,
    tensorsolve,
)
from arraygrad.ops.torch_namespace import linalg_vander as vander

__all__ = [
    "EighResult", "QRResult", "SlogdetResult", "SVDResult",
    "cholesky", "cross", "det", "diagonal", "eigh", "eigvalsh", "inv", "matmul",
    "matrix_norm", "matrix_power", "matrix_rank", "matrix_transpose", "norm", "outer", "pinv",
    "qr",
    "slogdet", "solve", "svd", "svdvals", "tensordot", "trace", "vecdot", "vector_norm",
    "LstsqResult", "cond", "lstsq", "matrix_exp", "multi_dot", "solve_triangular",
    "tensorinv", "tensorsolve", "vander",
]
