"""Resampling: ``interpolate`` (nearest, nearest-exact, linear, bilinear, bicubic,
trilinear, area) and ``pixel_shuffle`` / ``pixel_unshuffle``.

Interpolation is separable: each spatial axis is resampled in turn by gathering the
source rows (``take``) and mixing them with constant weights, so gradients come free.
Source coordinates follow PyTorch exactly (the nearest modes in float32 arithmetic, as
PyTorch's kernels compute them).
"""

from __future__ import annotations

import math
import struct
import warnings
from collections.abc import Sequence
from typing import Any

from arraygrad.nn.functional._util import check_tensor, const, index_tensor
from arraygrad.nn.functional.pooling import adaptive_avg_pool1d, adaptive_avg_pool2d
from arraygrad.ops import shape as sh
from arraygrad.ops.indexing import take
from arraygrad.tensor import Tensor

__all__ = ["interpolate", "upsample", "pixel_shuffle", "pixel_unshuffle", "upsample_nearest",
           "upsample_bilinear", "channel_shuffle", "native_channel_shuffle"]

_MODES = {"nearest": None, "nearest-exact": None, "area": None, "linear": 3, "bilinear": 4,
          "bicubic": 4, "trilinear": 5}
_INTERPOLATING = ("linear", "bilinear", "bicubic", "trilinear")
_CUBIC_A = -0.75


def _f32(v: float) -> float:
    return struct.unpack("f", struct.pack("f", v))[0]


def _nearest_index(i: int, size: int, out: int, scale: float | None, exact: bool) -> int:
    if not exact:
        if out == size:
            return i
        if out == 2 * size:
            return i >> 1
    s = _f32(1.0 / scale if scale is not None else size / out)
    src = _f32(_f32(i + 0.5) * s) if exact else _f32(i * s)
    return min(int(math.floor(src)), size - 1)


def _linear_scale(size: int, out: int, align_corners: bool, scale: float | None) -> float:
    if align_corners:
        return (size - 1) / (out - 1) if out > 1 else 0.0
    return 1.0 / scale if scale is not None and scale > 0 else size / out


def _source(i: int, s: float, align_corners: bool, cubic: bool) -> float:
    if align_corners:
        return s * i
    src = s * (i + 0.5) - 0.5
    return src if cubic or src > 0 else 0.0


def _cubic1(x: float) -> float:
    return ((_CUBIC_A + 2) * x - (_CUBIC_A + 3)) * x * x + 1


def _cubic2(x: float) -> float:
    return ((_CUBIC_A * x - 5 * _CUBIC_A) * x + 8 * _CUBIC_A) * x - 4 * _CUBIC_A


def _taps(mode: str, size: int, out: int, align_corners: bool, scale: float | None
          ) -> list[tuple[list[int], list[float] | None]]:
    """Per tap: the source index of each output position and its weight (None: weight 1)."""
    if mode in ("nearest", "nearest-exact"):
        return [([_nearest_index(i, size, out, scale, mode == "nearest-exact")
                  for i in range(out)], None)]
    s = _linear_scale(size, out, align_corners, scale)
    if mode == "bicubic":
        taps: list[tuple[list[int], list[float]]] = [([], []) for _ in range(4)]
        for i in range(out):
            src = _source(i, s, align_corners, cubic=True)
            base = math.floor(src)
            t = src - base
            weights = (_cubic2(t + 1), _cubic1(t), _cubic1(1 - t), _cubic2(2 - t))
            for j in range(4):
                taps[j][0].append(min(max(base - 1 + j, 0), size - 1))
                taps[j][1].append(weights[j])
        return taps  # type: ignore[return-value]
    lo: list[int] = []
    hi: list[int] = []
    w_lo: list[float] = []
    w_hi: list[float] = []
    for i in range(out):
        src = _source(i, s, align_corners, cubic=False)
        i0 = int(src)
        lam = src - i0
        lo.append(i0)
        hi.append(i0 + (1 if i0 < size - 1 else 0))
        w_lo.append(1.0 - lam)
        w_hi.append(lam)
    return [(lo, w_lo), (hi, w_hi)]


def _resample_axis(x: Tensor, axis: int, taps: list) -> Tensor:
    out = None
    for idx, weights in taps:
        part = take(x, index_tensor(idx, x), axis=axis)
        if weights is not None:
            shape = [1] * x.ndim
            shape[axis] = len(weights)
            part = part * sh.reshape(const(weights, x), tuple(shape))
        out = part if out is None else out + part
    return out  # type: ignore[return-value]


def interpolate(input: Tensor, size: int | Sequence[int] | None = None,  # noqa: A002
                scale_factor: float | Sequence[float] | None = None, mode: str = "nearest",
                align_corners: bool | None = None, recompute_scale_factor: bool | None = None,
                antialias: bool = False) -> Tensor:
    """Resize the spatial axes of (N, C, ...) ``input`` to ``size`` or by ``scale_factor``.

    ``mode``: ``'nearest'``, ``'nearest-exact'``, ``'linear'`` (3-D input), ``'bilinear'``
    and ``'bicubic'`` (4-D), ``'trilinear'`` (5-D) or ``'area'`` (adaptive average
    pooling). ``align_corners`` applies to the interpolating modes only. With a
    ``scale_factor`` the output size is ``floor(size * scale_factor)`` and the coordinate
    map uses ``1 / scale_factor`` unless ``recompute_scale_factor=True``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.tensor([[[1.0, 2.0]]])
    >>> ag.nn.functional.interpolate(x, scale_factor=2, mode="linear").tolist()
    [[[1.0, 1.25, 1.75, 2.0]]]
    """
    check_tensor(input, "interpolate")
    if mode not in _MODES:
        raise ValueError(f"interpolate: mode must be one of {tuple(_MODES)}, got {mode!r}")
    if input.ndim < 3:
        raise ValueError(f"interpolate: expected an input (N, C, spatial...) of at least 3 "
                         f"dimensions, got shape {input.shape}")
    n = input.ndim - 2
    need = _MODES[mode]
    if need is not None and input.ndim != need:
        raise NotImplementedError(f"interpolate: got {input.ndim}D input, but {mode} mode "
                                  f"needs {need}D input")
    if mode == "area" and n > 2:
        raise NotImplementedError(f"interpolate: mode 'area' supports 3-D and 4-D input, got "
                                  f"{input.ndim}D")
    if align_corners is not None and mode not in _INTERPOLATING:
        raise ValueError("interpolate: align_corners option can only be set with the "
                         "interpolating modes: linear | bilinear | bicubic | trilinear")
    if antialias:
        raise NotImplementedError("interpolate: antialias=True is not supported (use "
                                  "antialias=False)")
    if (size is None) == (scale_factor is None):
        raise ValueError("interpolate: exactly one of size or scale_factor must be given")
    spatial = tuple(input.shape[2:])
    scales: tuple[float | None, ...]
    if size is not None:
        out = tuple(int(v) for v in ((size,) * n if isinstance(size, int) else size))
        if len(out) != n:
            raise ValueError(f"interpolate: size {size!r} must have {n} elements for input "
                             f"shape {input.shape}")
        scales = (None,) * n
    else:
        factors = ((float(scale_factor),) * n if isinstance(scale_factor, (int, float))
                   else tuple(float(v) for v in scale_factor))  # type: ignore[union-attr]
        if len(factors) != n:
            raise ValueError(f"interpolate: scale_factor {scale_factor!r} must have {n} "
                             f"elements for input shape {input.shape}")
        out = tuple(int(math.floor(spatial[i] * factors[i])) for i in range(n))
        scales = (None,) * n if recompute_scale_factor else factors
    if min(out) < 1:
        raise ValueError(f"interpolate: the output size {out} must be positive (input shape "
                         f"{input.shape})")
    if mode == "area":
        return (adaptive_avg_pool1d if n == 1 else adaptive_avg_pool2d)(input, out)
    x = input
    for i in range(n):
        if out[i] == spatial[i] and scales[i] in (None, 1.0) and mode != "bicubic":
            continue  # the identity map: every mode returns the input along this axis
        taps = _taps(mode, spatial[i], out[i], bool(align_corners), scales[i])
        x = _resample_axis(x, 2 + i, taps)
    return x


def upsample(input: Tensor, size: Any = None, scale_factor: Any = None,  # noqa: A002
             mode: str = "nearest", align_corners: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`interpolate` (as in PyTorch).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.upsample(ag.ones(1, 1, 2, 2), scale_factor=2).shape
    (1, 1, 4, 4)
    """
    return interpolate(input, size, scale_factor, mode, align_corners)


def upsample_nearest(input: Tensor, size: Any = None,  # noqa: A002
                     scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='nearest')``, with
    PyTorch's deprecation warning.

    Examples
    --------
    >>> import warnings
    >>> import arraygrad as ag
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     ag.nn.functional.upsample_nearest(ag.ones(1, 1, 2, 2), scale_factor=2).shape
    (1, 1, 4, 4)
    """
    warnings.warn("`nn.functional.upsample_nearest` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="nearest")


def upsample_bilinear(input: Tensor, size: Any = None,  # noqa: A002
                      scale_factor: Any = None) -> Tensor:
    """Deprecated: ``interpolate(input, size, scale_factor, mode='bilinear',
    align_corners=True)`` (PyTorch's choice of corners), with PyTorch's deprecation warning.

    Examples
    --------
    >>> import warnings
    >>> import arraygrad as ag
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     ag.nn.functional.upsample_bilinear(ag.ones(1, 1, 2, 2), size=3).shape
    (1, 1, 3, 3)
    """
    warnings.warn("`nn.functional.upsample_bilinear` is deprecated. Use "
                  "`nn.functional.interpolate` instead.", UserWarning, stacklevel=2)
    return interpolate(input, size, scale_factor, mode="bilinear", align_corners=True)


def channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """Split the C channels of (N, C, *) ``input`` into ``groups`` groups and interleave
    them: the channel order becomes ``(C / groups, groups)`` transposed (ShuffleNet).

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.arange(6.0).reshape(1, 6, 1)
    >>> ag.nn.functional.channel_shuffle(x, 2).flatten().tolist()
    [0.0, 3.0, 1.0, 4.0, 2.0, 5.0]
    """
    check_tensor(input, "channel_shuffle")
    if input.ndim <= 2:
        raise RuntimeError(f"channel_shuffle expects input with > 2 dims, but got input with "
                           f"sizes {list(input.shape)}")
    g = int(groups)
    if g <= 0:
        raise RuntimeError(f"channel_shuffle: Number of groups to divide channels in must be "
                           f"positive. Value of groups:{groups}")
    n, c, *rest = input.shape
    if c % g:
        raise RuntimeError(f"channel_shuffle: Number of channels must be divisible by groups. "
                           f"Got {c} channels and {g} groups.")
    x = sh.reshape(input, (n, g, c // g, *rest))
    x = sh.permute_dims(x, (0, 2, 1) + tuple(range(3, x.ndim)))
    return sh.reshape(x, tuple(input.shape))


def native_channel_shuffle(input: Tensor, groups: int) -> Tensor:  # noqa: A002
    """:func:`channel_shuffle` (PyTorch's name for its kernel).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.native_channel_shuffle(ag.ones(1, 4, 2), 2).shape
    (1, 4, 2)
    """
    return channel_shuffle(input, groups)


def pixel_shuffle(input: Tensor, upscale_factor: int) -> Tensor:  # noqa: A002
    """Rearrange (*, C * r**2, H, W) into (*, C, H * r, W * r) with ``r = upscale_factor``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.pixel_shuffle(ag.ones(1, 8, 3, 3), 2).shape
    (1, 2, 6, 6)
    """
    check_tensor(input, "pixel_shuffle")
    r = int(upscale_factor)
    if input.ndim < 3 or r < 1 or input.shape[-3] % (r * r):
        raise ValueError(f"pixel_shuffle: expected an input (*, C * r^2, H, W) with r="
                         f"{upscale_factor} (channels divisible by {r * r}), got shape "
                         f"{input.shape}")
    *lead, c, h, w = input.shape
    x = sh.reshape(input, (*lead, c // (r * r), r, r, h, w))
    k = len(lead)
    x = sh.permute_dims(x, tuple(range(k)) + (k, k + 3, k + 1, k + 4, k + 2))
    return sh.reshape(x, (*lead, c // (r * r), h * r, w * r))


def pixel_unshuffle(input: Tensor, downscale_factor: int) -> Tensor:  # noqa: A002
    """Rearrange (*, C, H * r, W * r) into (*, C * r**2, H, W), inverting :func:`pixel_shuffle`.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.pixel_unshuffle(ag.ones(1, 2, 6, 6), 2).shape
    (1, 8, 3, 3)
    """
    check_tensor(input, "pixel_unshuffle")
    r = int(downscale_factor)
    if input.ndim < 3 or r < 1 or input.shape[-1] % r or input.shape[-2] % r:
        raise ValueError(f"pixel_unshuffle: expected an input (*, C, H, W) with H and W "
                         f"divisible by downscale_factor={downscale_factor}, got shape "
                         f"{input.shape}")
    *lead, c, h, w = input.shape
    x = sh.reshape(input, (*lead, c, h // r, r, w // r, r))
    k = len(lead)
    x = sh.permute_dims(x, tuple(range(k)) + (k, k + 2, k + 4, k + 1, k + 3))
    return sh.reshape(x, (*lead, c * r * r, h // r, w // r))
