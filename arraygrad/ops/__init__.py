"""All ops, grouped by family, and the Tensor methods and operators that call them.

A new op is one :func:`~arraygrad.ops.registry.defop` entry in its family module plus one
row in the op test table (``arraygrad/testing/op_table.py``).
"""

from __future__ import annotations

from arraygrad.ops import (  # conv: conv2d, conv_transpose2d and erf, behind arraygrad.nn
    conv,
    elementwise,
    indexing,
    inplace,
    linalg,
    nn,
    reductions,
    shape,
    special,
    transfer,
)
from arraygrad.ops.registry import OPS, Op, defop

__all__ = ["OPS", "Op", "defop", "elementwise", "reductions", "shape", "linalg", "indexing",
           "nn", "transfer", "inplace", "conv", "special"]

from arraygrad.ops import _methods  # noqa: E402,F401  (attaches Tensor methods)
