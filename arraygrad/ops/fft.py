"""The fft extension: three primitive ops and the standard's functions built on them.

* ``fft_c2c`` — complex-to-complex transform over some axes (``fft``, ``ifft``, ``fftn``,
  ``ifftn`` and the inner axes of ``rfftn``/``irfftn``); its VJP is the transform in the
  other direction with the dual normalization (the adjoint of the DFT matrix), whose
  real part is taken when the input was real;
* ``fft_r2c`` — ``rfft`` of a real input along one axis; VJP: the real part of the
  adjoint of the full transform applied to the gradient zero-padded to full length;
* ``fft_c2r`` — ``irfft`` of a half spectrum along one axis; VJP: ``rfft`` of the gradient
  with the dual normalization, entries that stand for two conjugate bins doubled.

Complex gradients follow PyTorch's convention (``dL/dRe + i dL/dIm``); the results agree
with ``torch.fft``'s gradients. ``n``/``s`` padding and trimming are ``concat`` with zeros and
slicing (differentiable), so the primitives always see their final sizes. ``hfft`` and
``ihfft`` are ``irfft``/``rfft`` of conjugates with the opposite normalization (as NumPy).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad import _dtypes
from arraygrad.backend_registry import current_backend, default_float
from arraygrad.creation import asarray, zeros
from arraygrad.ops._complex import conj, real_of
from arraygrad.ops.linalg_ext import require
from arraygrad.ops.registry import defop, unary
from arraygrad.ops.shape import concat, roll
from arraygrad.tensor import Tensor

__all__ = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft",
           "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift"]

_NORMS = ("backward", "ortho", "forward")
_DUAL = {"backward": "forward", "forward": "backward", "ortho": "ortho"}


def _complex_dtype(xp: Any, x: Any) -> Any:
    return xp.complex128 if x.dtype == xp.float64 else xp.complex64


def _as_complex(xp: Any, x: Any) -> Any:
    if xp.isdtype(x.dtype, "complex floating"):
        return x
    return xp.astype(x, _complex_dtype(xp, x))


def _c2c(xp: Any, x: Any, axes: tuple[int, ...], norm: str, inverse: bool) -> Any:
    if len(axes) == 1:
        fn = xp.fft.ifft if inverse else xp.fft.fft
        return fn(x, axis=axes[0], norm=norm)
    fn = xp.fft.ifftn if inverse else xp.fft.fftn
    return fn(x, axes=axes, norm=norm)


def _c2c_forward(xp, x, axes=(-1,), norm="backward", inverse=False):
    return _c2c(xp, _as_complex(xp, x), axes, norm, inverse)


def _c2c_vjp(xp, g, ans, x, axes=(-1,), norm="backward", inverse=False):
    return _real_if(xp, _c2c(xp, g, axes, _DUAL[norm], not inverse), x)


def _real_if(xp: Any, g: Any, x: Any) -> Any:
    """``g``'s real part when the input ``x`` was real (a real input's gradient is real)."""
    return g if xp.isdtype(x.dtype, "complex floating") else real_of(xp, g)


FFT_C2C = defop("fft_c2c", _c2c_forward, (_c2c_vjp,), checks_inputs=False,
                doc="complex-to-complex DFT over axes (fft, ifft, fftn, ifftn)")


def _take(x: Any, axis: int, start: int, stop: int) -> Any:
    axis = axis % x.ndim
    return x[(slice(None),) * axis + (slice(start, stop), Ellipsis)]


def _r2c_forward(xp, x, axis=-1, norm="backward"):
    return xp.fft.rfft(x, axis=axis, norm=norm)


def _r2c_vjp(xp, g, ans, x, axis=-1, norm="backward"):
    n = x.shape[axis]
    m = g.shape[axis]
    if n > m:
        g = xp.concat([g, xp.zeros_like(_take(g, axis, 0, n - m))], axis=axis)
    return real_of(xp, _c2c(xp, g, (axis,), _DUAL[norm], True))


FFT_R2C = defop("fft_r2c", _r2c_forward, (_r2c_vjp,), checks_inputs=False,
                doc="real-to-complex half-spectrum DFT along one axis (rfft)")


def _c2r_forward(xp, z, n=2, axis=-1, norm="backward"):
    return xp.fft.irfft(_as_complex(xp, z), n=n, axis=axis, norm=norm)


def _c2r_vjp(xp, g, ans, z, n=2, axis=-1, norm="backward"):
    gz = xp.fft.rfft(g, axis=axis, norm=_DUAL[norm])
    m = gz.shape[axis]
    doubled = n - m  # bins 1..doubled stand for themselves and their conjugates
    if doubled > 0:
        gz = xp.concat([_take(gz, axis, 0, 1), 2 * _take(gz, axis, 1, 1 + doubled),
                        _take(gz, axis, 1 + doubled, m)], axis=axis)
    return _real_if(xp, gz, z)


FFT_C2R = defop("fft_c2r", _c2r_forward, (_c2r_vjp,), checks_inputs=False,
                doc="half-spectrum-to-real inverse DFT along one axis (irfft)")


# ------------------------------------------------------------------------------ helpers
def _check(x: Tensor, name: str, norm: str) -> None:
    require(x, "fft", name)
    if norm not in _NORMS:
        raise ValueError(f"fft.{name}: norm must be one of {', '.join(map(repr, _NORMS))}, "
                         f"got {norm!r}")
    if x.dtype.kind not in "fc":
        raise TypeError(f"fft.{name}: expected a floating-point or complex tensor, got dtype "
                        f"{x.dtype.name}; convert first, e.g. x.astype(ag.complex128)")


def _axis(name: str, x: Tensor, axis: int) -> int:
    if not isinstance(axis, int) or not -x.ndim <= axis < max(x.ndim, 1) or x.ndim == 0:
        raise ValueError(f"fft.{name}: axis {axis!r} is out of range for a tensor of shape "
                         f"{x.shape}")
    return axis % x.ndim


def _resize(x: Tensor, axis: int, size: int) -> Tensor:
    """Trim or zero-pad ``x`` along ``axis`` to ``size`` (differentiable)."""
    cur = x.shape[axis]
    if size == cur:
        return x
    if size < cur:
        return _take(x, axis, 0, size)
    shape = list(x.shape)
    shape[axis] = size - cur
    pad = zeros(tuple(shape), dtype=x.dtype, device=x.device, backend=x.backend)
    return concat([x, pad], axis=axis)


def _size(name: str, n: Any, what: str = "n") -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"fft.{name}: {what} must be a positive int, got {n!r}")
    return n


def _axes_and_sizes(name: str, x: Tensor, s: Sequence[int] | None,
                    axes: Sequence[int] | None) -> tuple[list[int], list[int | None]]:
    if axes is None:
        axes = list(range(x.ndim)) if s is None else list(range(x.ndim - len(s), x.ndim))
    axes = [_axis(name, x, a) for a in (axes if not isinstance(axes, int) else [axes])]
    if len(set(axes)) != len(axes):
        raise ValueError(f"fft.{name}: axes {tuple(axes)} repeat an axis")
    if s is None:
        return axes, [None] * len(axes)
    s = list(s)
    if len(s) != len(axes):
        raise ValueError(f"fft.{name}: s {tuple(s)} and axes {tuple(axes)} differ in length")
    return axes, [None if n == -1 else _size(name, n, "each entry of s") for n in s]


def _c2c_apply(x: Tensor, axes: Sequence[int], norm: str, inverse: bool) -> Tensor:
    params: dict = {"axes": tuple(axes), "norm": norm, "inverse": inverse}
    return unary(FFT_C2C, x, params)


# ---------------------------------------------------------------------------- 1-D c2c
def fft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
        norm: str = "backward") -> Tensor:
    """One-dimensional discrete Fourier transform along ``axis`` (length ``n``: trimmed or
    zero-padded). A real input is treated as complex (as PyTorch)."""
    _check(x, "fft", norm)
    axis = _axis("fft", x, axis)
    if n is not None:
        x = _resize(x, axis, _size("fft", n))
    return _c2c_apply(x, (axis,), norm, False)


def ifft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
         norm: str = "backward") -> Tensor:
    """One-dimensional inverse discrete Fourier transform along ``axis``."""
    _check(x, "ifft", norm)
    axis = _axis("ifft", x, axis)
    if n is not None:
        x = _resize(x, axis, _size("ifft", n))
    return _c2c_apply(x, (axis,), norm, True)


def _nd(name: str, x: Tensor, s: Any, axes: Any, norm: str, inverse: bool) -> Tensor:
    _check(x, name, norm)
    axes, sizes = _axes_and_sizes(name, x, s, axes)
    for a, n in zip(axes, sizes):
        if n is not None:
            x = _resize(x, a, n)
    if not axes:
        return x if x.dtype.kind == "c" else x.astype(
            "complex128" if x.dtype == "float64" else "complex64")
    return _c2c_apply(x, axes, norm, inverse)


def fftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
         norm: str = "backward") -> Tensor:
    """N-dimensional discrete Fourier transform over ``axes`` (all by default), each trimmed
    or zero-padded to ``s``."""
    return _nd("fftn", x, s, axes, norm, False)


def ifftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str = "backward") -> Tensor:
    """N-dimensional inverse discrete Fourier transform over ``axes`` (all by default)."""
    return _nd("ifftn", x, s, axes, norm, True)


# ------------------------------------------------------------------------- real input
def _real_only(name: str, x: Tensor) -> None:
    if x.dtype.kind == "c":
        raise TypeError(f"fft.{name}: expects a real input tensor, got dtype {x.dtype.name} "
                        f"(shape {x.shape}); use fft.fft for complex input")


def rfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
         norm: str = "backward") -> Tensor:
    """DFT of a real input along ``axis``: the ``n // 2 + 1`` non-negative frequencies."""
    _check(x, "rfft", norm)
    _real_only("rfft", x)
    axis = _axis("rfft", x, axis)
    if n is not None:
        x = _resize(x, axis, _size("rfft", n))
    return unary(FFT_R2C, x, {"axis": axis, "norm": norm})


def irfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
          norm: str = "backward") -> Tensor:
    """Inverse of :func:`rfft`: a real output of length ``n`` (default ``2 * (m - 1)``)
    along ``axis`` from a half spectrum of length ``m``."""
    _check(x, "irfft", norm)
    axis = _axis("irfft", x, axis)
    if n is None:
        n = 2 * (x.shape[axis] - 1)
        if n < 1:
            raise ValueError(f"fft.irfft: the input has length {x.shape[axis]} along axis "
                             f"{axis}, so the default n = 2*(m-1) is {n}; pass n >= 1")
    n = _size("irfft", n)
    x = _resize(x, axis, n // 2 + 1)
    return unary(FFT_C2R, x, {"n": n, "axis": axis, "norm": norm})


def rfftn(x: Tensor, /, *, s: Sequence[int] | None = None, axes: Sequence[int] | None = None,
          norm: str = "backward") -> Tensor:
    """N-dimensional DFT of a real input: ``rfft`` over the last of ``axes``, then ``fft``
    over the others."""
    _check(x, "rfftn", norm)
    _real_only("rfftn", x)
    axes, sizes = _axes_and_sizes("rfftn", x, s, axes)
    if not axes:
        raise ValueError(f"fft.rfftn: needs at least one axis (shape {x.shape})")
    for a, n in zip(axes, sizes):
        if n is not None:
            x = _resize(x, a, n)
    out = unary(FFT_R2C, x, {"axis": axes[-1], "norm": norm})
    return _c2c_apply(out, axes[:-1], norm, False) if len(axes) > 1 else out


def irfftn(x: Tensor, /, *, s: Sequence[int] | None = None,
           axes: Sequence[int] | None = None, norm: str = "backward") -> Tensor:
    """Inverse of :func:`rfftn`: ``ifft`` over all but the last of ``axes``, then
    ``irfft`` over the last (output length ``s[-1]``, default ``2 * (m - 1)``)."""
    _check(x, "irfftn", norm)
    axes, sizes = _axes_and_sizes("irfftn", x, s, axes)
    if not axes:
        raise ValueError(f"fft.irfftn: needs at least one axis (shape {x.shape})")
    last = sizes[-1] if sizes[-1] is not None else 2 * (x.shape[axes[-1]] - 1)
    last = _size("irfftn", last, "the last output size")
    for a, n in zip(axes[:-1], sizes[:-1]):
        if n is not None:
            x = _resize(x, a, n)
    if len(axes) > 1:
        x = _c2c_apply(x, axes[:-1], norm, True)
    x = _resize(x, axes[-1], last // 2 + 1)
    return unary(FFT_C2R, x, {"n": last, "axis": axes[-1], "norm": norm})


def hfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
         norm: str = "backward") -> Tensor:
    """DFT of a Hermitian-symmetric signal given by its half ``x``: a real output of length
    ``n`` (default ``2 * (m - 1)``); ``irfft(conj(x))`` with the opposite normalization."""
    _check(x, "hfft", norm)
    return irfft(conj(x), n=n, axis=axis, norm=_DUAL[norm])


def ihfft(x: Tensor, /, *, n: int | None = None, axis: int = -1,
          norm: str = "backward") -> Tensor:
    """Inverse of :func:`hfft` for a real input: ``conj(rfft(x))`` with the opposite
    normalization."""
    _check(x, "ihfft", norm)
    _real_only("ihfft", x)
    return conj(rfft(x, n=n, axis=axis, norm=_DUAL[norm]))


# ------------------------------------------------------------------- frequencies, shifts
def _freq_tensor(name: str, values: list[float], dtype: Any, device: Any) -> Tensor:
    be = current_backend()
    dtype = default_float(be) if dtype is None else dtype
    if isinstance(dtype, str):
        dtype = _dtypes.dtype_from_name(dtype)
    if getattr(dtype, "kind", None) != "f":
        raise ValueError(f"fft.{name}: dtype must be a real floating-point dtype, got "
                         f"{dtype!r}")
    return asarray(values, dtype=dtype, device=device)


def fftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: Any = None) -> Tensor:
    """Sample frequencies of an ``n``-point DFT with sample spacing ``d``:
    ``[0, 1, ..., -2, -1] / (d * n)``."""
    n = _size("fftfreq", n)
    ints = list(range((n - 1) // 2 + 1)) + list(range(-(n // 2), 0))
    return _freq_tensor("fftfreq", [i / (d * n) for i in ints], dtype, device)


def rfftfreq(n: int, /, *, d: float = 1.0, dtype: Any = None, device: Any = None) -> Tensor:
    """Sample frequencies of :func:`rfft`'s output: ``[0, 1, ..., n // 2] / (d * n)``."""
    n = _size("rfftfreq", n)
    return _freq_tensor("rfftfreq", [i / (d * n) for i in range(n // 2 + 1)], dtype, device)


def _shift(name: str, x: Tensor, axes: Any, sign: int) -> Tensor:
    require(x, "fft", name)
    if axes is None:
        axes = tuple(range(x.ndim))
    elif isinstance(axes, int):
        axes = (axes,)
    axes = tuple(_axis(name, x, a) for a in axes)
    if not axes:
        return x
    shifts = tuple(sign * (x.shape[a] // 2) for a in axes)
    return roll(x, shifts, axis=axes)


def fftshift(x: Tensor, /, *, axes: int | Sequence[int] | None = None) -> Tensor:
    """Move the zero-frequency term to the centre of ``axes`` (all by default)."""
    return _shift("fftshift", x, axes, 1)


def ifftshift(x: Tensor, /, *, axes: int | Sequence[int] | None = None) -> Tensor:
    """Inverse of :func:`fftshift`."""
    return _shift("ifftshift", x, axes, -1)
