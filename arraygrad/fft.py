"""The Array-API ``fft`` extension over Tensors, with PyTorch's ``torch.fft`` signatures
too: ``ag.fft.fft(x, n, dim, norm)`` and ``ag.fft.fft(x, n=8, axis=0)`` are the same call.

Every transform is differentiable; gradients follow PyTorch's complex convention and
agree with ``torch.fft``. The standard's keywords (``axis=``, ``axes=``) and PyTorch's
(``dim=``, positional ``n``/``s``, ``norm=None`` for ``"backward"``) are both accepted,
and ``fft2``/``ifft2``/``rfft2``/``irfft2`` are PyTorch's two-dimensional forms. See
docs/ops.md.

Examples
--------
>>> import arraygrad as ag
>>> x = ag.tensor([1.0, 2.0, 3.0, 4.0], requires_grad=True)
>>> ag.fft.rfft(x).tolist()[0]
(10+0j)
>>> ag.fft.irfft(ag.fft.rfft(x), n=4).sum().backward()
>>> x.grad.tolist()
[1.0, 1.0, 1.0, 1.0]
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from arraygrad.ops import fft as _fft
from arraygrad.tensor import Tensor

__all__ = ["fft", "ifft", "fftn", "ifftn", "rfft", "irfft", "rfftn", "irfftn", "hfft",
           "ihfft", "fftfreq", "rfftfreq", "fftshift", "ifftshift", "fft2", "ifft2", "rfft2",
           "irfft2"]


def _norm(norm: str | None) -> str:
    return "backward" if norm is None else norm


def _pick(name: str, axis: Any, dim: Any, default: Any) -> Any:
    """``dim`` (PyTorch's name) or ``axis``/``axes`` (the standard's), not both."""
    if axis is not None and dim is not None:
        raise TypeError(f"fft.{name}: pass either dim= (PyTorch's name) or the standard's "
                        f"axis=/axes=, not both")
    out = dim if dim is not None else (axis if axis is not None else default)
    return tuple(out) if isinstance(out, list) else out


def fft(x: Tensor, n: int | None = None, dim: int | None = None, norm: str | None = None, *,
        axis: int | None = None) -> Tensor:
    """One-dimensional DFT along ``dim``/``axis`` (default the last), trimmed or
    zero-padded to ``n`` (``torch.fft.fft``)."""
    return _fft.fft(x, n=n, axis=_pick("fft", axis, dim, -1), norm=_norm(norm))


def ifft(x: Tensor, n: int | None = None, dim: int | None = None, norm: str | None = None,
         *, axis: int | None = None) -> Tensor:
    """One-dimensional inverse DFT (``torch.fft.ifft``)."""
    return _fft.ifft(x, n=n, axis=_pick("ifft", axis, dim, -1), norm=_norm(norm))


def rfft(x: Tensor, n: int | None = None, dim: int | None = None, norm: str | None = None,
         *, axis: int | None = None) -> Tensor:
    """DFT of a real input, the ``n // 2 + 1`` non-negative frequencies
    (``torch.fft.rfft``)."""
    return _fft.rfft(x, n=n, axis=_pick("rfft", axis, dim, -1), norm=_norm(norm))


def irfft(x: Tensor, n: int | None = None, dim: int | None = None, norm: str | None = None,
          *, axis: int | None = None) -> Tensor:
    """Inverse of :func:`rfft`: a real output of length ``n`` (default
    ``2 * (m - 1)``), as ``torch.fft.irfft``."""
    return _fft.irfft(x, n=n, axis=_pick("irfft", axis, dim, -1), norm=_norm(norm))


def hfft(x: Tensor, n: int | None = None, dim: int | None = None, norm: str | None = None,
         *, axis: int | None = None) -> Tensor:
    """DFT of a Hermitian-symmetric signal given by its half (``torch.fft.hfft``)."""
    return _fft.hfft(x, n=n, axis=_pick("hfft", axis, dim, -1), norm=_norm(norm))


def ihfft(x: Tensor, n: int | None = None, dim: int | None = None, norm: str | None = None,
          *, axis: int | None = None) -> Tensor:
    """Inverse of :func:`hfft` for a real input (``torch.fft.ihfft``)."""
    return _fft.ihfft(x, n=n, axis=_pick("ihfft", axis, dim, -1), norm=_norm(norm))


def _sizes(s: Any) -> Any:
    return None if s is None else tuple(s)


def fftn(x: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
         norm: str | None = None, *, axes: Sequence[int] | None = None) -> Tensor:
    """N-dimensional DFT over ``dim``/``axes`` (all, or the last ``len(s)``, by default),
    as ``torch.fft.fftn``."""
    return _fft.fftn(x, s=_sizes(s), axes=_pick("fftn", axes, dim, None), norm=_norm(norm))


def ifftn(x: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
          norm: str | None = None, *, axes: Sequence[int] | None = None) -> Tensor:
    """N-dimensional inverse DFT (``torch.fft.ifftn``)."""
    return _fft.ifftn(x, s=_sizes(s), axes=_pick("ifftn", axes, dim, None), norm=_norm(norm))


def rfftn(x: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
          norm: str | None = None, *, axes: Sequence[int] | None = None) -> Tensor:
    """N-dimensional DFT of a real input (``torch.fft.rfftn``)."""
    return _fft.rfftn(x, s=_sizes(s), axes=_pick("rfftn", axes, dim, None), norm=_norm(norm))


def irfftn(x: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] | None = None,
           norm: str | None = None, *, axes: Sequence[int] | None = None) -> Tensor:
    """Inverse of :func:`rfftn` (``torch.fft.irfftn``)."""
    return _fft.irfftn(x, s=_sizes(s), axes=_pick("irfftn", axes, dim, None),
                       norm=_norm(norm))


def fft2(x: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
         norm: str | None = None) -> Tensor:
    """Two-dimensional DFT over ``dim`` (default the last two), as ``torch.fft.fft2``."""
    return _fft.fftn(x, s=_sizes(s), axes=tuple(dim), norm=_norm(norm))


def ifft2(x: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
          norm: str | None = None) -> Tensor:
    """Two-dimensional inverse DFT (``torch.fft.ifft2``)."""
    return _fft.ifftn(x, s=_sizes(s), axes=tuple(dim), norm=_norm(norm))


def rfft2(x: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
          norm: str | None = None) -> Tensor:
    """Two-dimensional DFT of a real input (``torch.fft.rfft2``)."""
    return _fft.rfftn(x, s=_sizes(s), axes=tuple(dim), norm=_norm(norm))


def irfft2(x: Tensor, s: Sequence[int] | None = None, dim: Sequence[int] = (-2, -1),
           norm: str | None = None) -> Tensor:
    """Inverse of :func:`rfft2` (``torch.fft.irfft2``)."""
    return _fft.irfftn(x, s=_sizes(s), axes=tuple(dim), norm=_norm(norm))


def fftfreq(n: int, d: float = 1.0, *, dtype: Any = None, device: Any = None,
            requires_grad: bool = False) -> Tensor:
    """The sample frequencies of an ``n``-point DFT with spacing ``d``
    (``torch.fft.fftfreq``)."""
    out = _fft.fftfreq(n, d=d, dtype=dtype, device=device)
    return out.requires_grad_(True) if requires_grad else out


def rfftfreq(n: int, d: float = 1.0, *, dtype: Any = None, device: Any = None,
             requires_grad: bool = False) -> Tensor:
    """The non-negative sample frequencies of :func:`rfft` (``torch.fft.rfftfreq``)."""
    out = _fft.rfftfreq(n, d=d, dtype=dtype, device=device)
    return out.requires_grad_(True) if requires_grad else out


def fftshift(x: Tensor, dim: int | Sequence[int] | None = None, *,
             axes: int | Sequence[int] | None = None) -> Tensor:
    """The zero frequency moved to the centre along ``dim``/``axes`` (all by default),
    as ``torch.fft.fftshift``."""
    return _fft.fftshift(x, axes=_pick("fftshift", axes, dim, None))


def ifftshift(x: Tensor, dim: int | Sequence[int] | None = None, *,
              axes: int | Sequence[int] | None = None) -> Tensor:
    """Inverse of :func:`fftshift` (``torch.fft.ifftshift``)."""
    return _fft.ifftshift(x, axes=_pick("ifftshift", axes, dim, None))
