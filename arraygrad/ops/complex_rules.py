"""Which ops' gradient rules are right for complex inputs, and how (``Op.complex_grad``).

PyTorch's convention for a real loss of a complex input is the conjugate Wirtinger
derivative: for ``y = f(z)``, ``grad_z = conj(f'(z)) * grad_y`` when ``f`` is holomorphic.
Rules are written for real numbers (``g * f'(z)``), so for holomorphic ops, and for ops
that are linear with real coefficients, the engine computes ``conj(rule(conj(g)))``.
Rules written for complex inputs from the start (linalg, fft, the complex parts) are
``native``. Any op not listed refuses a complex input that needs a gradient (``abs``,
``sign``, comparisons-based ops, ``vecdot``...), rather than return a wrong answer.
"""

from __future__ import annotations

from arraygrad.ops.registry import OPS

# Holomorphic in every input, or linear in it with real coefficients.
HOLOMORPHIC = (
    "add", "subtract", "multiply", "divide", "negative", "positive", "pow", "exp", "expm1",
    "log", "log1p", "log2", "log10", "sqrt", "square", "sin", "cos", "tan", "sinh", "cosh",
    "tanh", "asin", "acos", "atan", "asinh", "acosh", "atanh", "sigmoid", "matmul",
    "linear", "reshape", "permute_dims", "matrix_transpose", "expand_dims", "squeeze",
    "broadcast_to", "flip", "roll", "concat", "stack", "getitem", "index", "take",
    "index_put", "scatter_add", "sum", "mean", "prod", "cumulative_sum", "tril", "triu",
    "where", "copy", "fill", "clone",
)
# Rules that follow PyTorch's convention themselves.
NATIVE = (
    "real", "imag", "conj", "complex_from_parts", "to", "astype", "fft_c2c", "fft_r2c",
    "fft_c2r", "inv", "det", "slogdet", "solve", "cholesky", "eigh", "qr", "svd", "pinv",
    "diagonal",
)


def mark() -> None:
    """Set ``complex_grad`` on every listed op that is registered."""
    for names, kind in ((HOLOMORPHIC, "holomorphic"), (NATIVE, "native")):
        for name in names:
            op = OPS.get(name)
            if op is not None:
                op.complex_grad = kind


mark()
