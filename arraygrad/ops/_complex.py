"""Complex parts (``real``, ``imag``, ``conj``) used by the linalg and fft gradient rules.

Gradients of complex tensors follow PyTorch's convention: for a real loss ``L`` of a complex
``z = x + iy`` the gradient is ``dL/dx + i dL/dy`` (the conjugate Wirtinger derivative times
two). So the rule of ``real`` is ``g`` (as a complex gradient), of ``imag`` ``i g`` (written
``-conj(i) g`` would be the same), and of ``conj`` ``conj(g)``.

The ops are registered under the standard's names unless another module (the elementwise
family) registered them first, in which case that registration is used. Rules call
:func:`real_of` / :func:`conj_of`, which work with a raw namespace and with ``arraygrad``.
"""

from __future__ import annotations

from typing import Any

from arraygrad.ops._arrays import is_array
from arraygrad.ops.registry import OPS, apply, defop, unary
from arraygrad.tensor import Tensor


def _is_complex(xp: Any, a: Any) -> bool:
    dtype = a.dtype
    kind = getattr(dtype, "kind", None)
    if isinstance(kind, str) and hasattr(dtype, "bits"):  # an arraygrad DType
        return kind == "c"
    return bool(xp.isdtype(dtype, "complex floating"))


def _real_vjp(xp, g, ans, z):
    # A real g reaching a complex input: the engine casts it to the input's dtype.
    return g


def _imag_vjp(xp, g, ans, z):
    # dL/dx = 0, dL/dy = g: the gradient is i*g (complex).
    return _times_i(xp, g, z)


def _times_i(xp: Any, g: Any, like: Any) -> Any:
    if is_array(g):
        return _make_complex(g * 0.0, g)
    return xp.astype(g, like.dtype) * 1j


def _conj_vjp(xp, g, ans, z):
    return conj_of(xp, g)


def _reg(name: str, forward: Any, rule: Any):
    return OPS[name] if name in OPS else defop(name, forward, (rule,), checks_inputs=False)


REAL = _reg("real", lambda xp, z: xp.real(z), _real_vjp)
IMAG = _reg("imag", lambda xp, z: xp.imag(z), _imag_vjp)
CONJ = _reg("conj", lambda xp, z: xp.conj(z), _conj_vjp)


def _complex_forward(xp, re, im):
    dtype = xp.complex128 if re.dtype == xp.float64 else xp.complex64
    return xp.astype(re, dtype) + xp.astype(im, dtype) * 1j


COMPLEX = OPS["complex_from_parts"] if "complex_from_parts" in OPS else defop(
    "complex_from_parts", _complex_forward,
    (lambda xp, g, ans, re, im: real_of(xp, g),
     lambda xp, g, ans, re, im: imag_of(xp, g)), checks_inputs=False,
    doc="re + i*im from two real tensors")


def _make_complex(re: Tensor, im: Tensor) -> Tensor:
    return apply(COMPLEX, (re, im))


def real(x: Tensor, /) -> Tensor:
    """Real part of each element (``x`` itself for real tensors)."""
    if not x.dtype.kind == "c":
        return x
    return unary(REAL, x)


def imag(x: Tensor, /) -> Tensor:
    """Imaginary part of each element (complex tensors)."""
    return unary(IMAG, x)


def conj(x: Tensor, /) -> Tensor:
    """Complex conjugate of each element (``x`` itself for real tensors)."""
    if not x.dtype.kind == "c":
        return x
    return unary(CONJ, x)


def complex_from_parts(re: Tensor, im: Tensor, /) -> Tensor:
    """The complex tensor ``re + i*im`` (like ``torch.complex``); both real, same dtype."""
    return _make_complex(re, im)


def real_of(xp: Any, a: Any) -> Any:
    """``real(a)`` for a raw array (namespace ``xp``) or a Tensor; real input unchanged."""
    if not _is_complex(xp, a):
        return a
    if is_array(a):
        return real(a)
    return xp.real(a)


def imag_of(xp: Any, a: Any) -> Any:
    """``imag(a)`` for a raw array or a Tensor (complex input)."""
    if is_array(a):
        return imag(a)
    return xp.imag(a)


def conj_of(xp: Any, a: Any) -> Any:
    """``conj(a)`` for a raw array or a Tensor; real input unchanged."""
    if not _is_complex(xp, a):
        return a
    if is_array(a):
        return conj(a)
    return xp.conj(a)


def is_complex_of(xp: Any, a: Any) -> bool:
    """Whether ``a`` (raw array or Tensor) has a complex dtype."""
    return _is_complex(xp, a)
