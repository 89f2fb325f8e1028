"""Spatial transformers: ``affine_grid`` and ``grid_sample`` (2-D and 3-D).

``grid_sample`` maps each grid point to input coordinates (PyTorch's unnormalization for
``align_corners``, then its ``border``/``reflection`` rules), and mixes the ``2**n``
neighbouring input values (bilinear, or trilinear for 5-D input) or picks the nearest
one, gathered with ``take_along_axis`` from the flattened input. It is a composition of
differentiable ops: the gradient reaches the input (a scatter-add of the weights) and the
grid (through the interpolation weights), as PyTorch's.
"""

from __future__ import annotations

import itertools
import math
import warnings
from typing import Any

from arraygrad import creation
from arraygrad.grad_mode import no_grad
from arraygrad.nn.functional._util import check_tensor
from arraygrad.ops import elementwise as ew
from arraygrad.ops import indexing as ix
from arraygrad.ops import shape as sh
from arraygrad.ops.linalg import matmul
from arraygrad.tensor import Tensor

__all__ = ["affine_grid", "grid_sample"]

_CORNERS_WARNING = ("Default grid_sample and affine_grid behavior has changed to "
                    "align_corners=False since 1.3.0. Please specify align_corners=True if the "
                    "old behavior is desired. See the documentation of grid_sample for details.")


def _base_coords(size: int, align_corners: bool, like: Tensor) -> Tensor:
    """Normalized coordinates of ``size`` pixel centres (PyTorch's ``linspace_from_neg_one``)."""
    steps = creation.arange(size, dtype=like.dtype, backend=like.backend, device=like.device)
    if size <= 1:
        return steps * 0.0
    if align_corners:
        return steps * (2.0 / (size - 1)) - 1.0
    return (steps * 2.0 + 1.0) / size - 1.0


def affine_grid(theta: Tensor, size: Any, align_corners: bool | None = None) -> Tensor:
    """The sampling grid of a batch of affine maps ``theta`` (N, 2, 3) or (N, 3, 4) for an
    output of ``size`` (N, C, H, W) or (N, C, D, H, W): normalized coordinates ``(x, y[,
    z])`` in [-1, 1] of each output pixel, mapped by ``theta`` (shape (N, H, W, 2) or
    (N, D, H, W, 3)), for :func:`grid_sample`.

    Examples
    --------
    >>> import arraygrad as ag
    >>> theta = ag.tensor([[[1.0, 0.0, 0.0], [0.0, 1.0, 0.0]]])
    >>> ag.nn.functional.affine_grid(theta, (1, 1, 2, 2), align_corners=True)[0, 0].tolist()
    [[-1.0, -1.0], [1.0, -1.0]]
    """
    check_tensor(theta, "affine_grid")
    if align_corners is None:
        warnings.warn(_CORNERS_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    if theta.dtype.kind != "f":
        raise ValueError(f"affine_grid: Expected theta to have floating point type, but got "
                         f"{theta.dtype.name}")
    size = tuple(int(v) for v in size)
    if len(size) not in (4, 5):
        raise NotImplementedError(f"affine_grid only supports 4D and 5D sizes, for 2D and 3D "
                                  f"affine transforms, respectively. Got size {size}.")
    n = len(size) - 2
    if theta.ndim != 3 or tuple(theta.shape[1:]) != (n, n + 1) or theta.shape[0] != size[0]:
        raise ValueError(f"affine_grid: Expected a batch of {n}D affine matrices of shape "
                         f"Nx{n}x{n + 1} for size {size}. Got {tuple(theta.shape)}.")
    if min(size[2:]) <= 0:
        raise ValueError(f"affine_grid: expected non-zero, positive output size, got {size}")
    spatial = size[2:]  # (H, W) or (D, H, W); the grid's last axis is (x, y[, z])
    with no_grad():
        axes = [_base_coords(spatial[n - 1 - k], align_corners, theta) for k in range(n)]
        parts = []
        for k in range(n):  # coordinate k varies along spatial axis n - 1 - k
            shape = [1] * n
            shape[n - 1 - k] = spatial[n - 1 - k]
            parts.append(sh.broadcast_to(sh.reshape(axes[k], tuple(shape)), spatial))
        parts.append(creation.ones(spatial, dtype=theta.dtype, backend=theta.backend,
                                   device=theta.device))
        base = sh.reshape(sh.stack(parts, axis=-1), (1, -1, n + 1))
    grid = matmul(base, sh.matrix_transpose(theta))  # (N, prod(spatial), n)
    return sh.reshape(grid, (size[0],) + spatial + (n,))


def _unnormalize(coord: Tensor, size: int, align_corners: bool) -> Tensor:
    if align_corners:
        return (coord + 1.0) * ((size - 1) / 2.0)
    return ((coord + 1.0) * size - 1.0) / 2.0


def _clip(coord: Tensor, size: int) -> Tensor:
    """Clamp to [0, size - 1]; PyTorch's gradient is 1 strictly inside only."""
    limit = float(size - 1)
    inside = (coord > 0.0) & (coord < limit)
    return ew.where(inside, coord, ew.clip(coord, 0.0, limit).detach())


def _reflect(coord: Tensor, twice_low: int, twice_high: int) -> Tensor:
    """PyTorch's ``reflect_coordinates``: fold ``coord`` into [low, high] by reflections."""
    if twice_low == twice_high:
        return coord * 0.0
    low = twice_low / 2.0
    span = (twice_high - twice_low) / 2.0
    distance = ew.abs(coord - low)
    flips = ew.floor(distance / span)
    extra = distance - flips * span  # fmod(distance, span), gradient 1
    even = ew.remainder(flips, 2.0) == 0.0
    return ew.where(even, extra + low, span - extra + low)


def _source_coord(coord: Tensor, size: int, padding_mode: str, align_corners: bool) -> Tensor:
    coord = _unnormalize(coord, size, align_corners)
    if padding_mode == "border":
        return _clip(coord, size)
    if padding_mode == "reflection":
        if align_corners:
            coord = _reflect(coord, 0, 2 * (size - 1))
        else:
            coord = _reflect(coord, -1, 2 * size - 1)
        return _clip(coord, size)
    return coord


def grid_sample(input: Tensor, grid: Tensor, mode: str = "bilinear",  # noqa: A002
                padding_mode: str = "zeros", align_corners: bool | None = None) -> Tensor:
    """Sample (N, C, H, W) ``input`` at the normalized ``grid`` (N, Ho, Wo, 2) points ``(x,
    y)`` in [-1, 1] (or (N, C, D, H, W) at (N, Do, Ho, Wo, 3) points ``(x, y, z)``).

    ``mode``: ``'bilinear'`` (trilinear for 5-D input) or ``'nearest'`` (ties round to
    even, as PyTorch); ``padding_mode``: ``'zeros'``, ``'border'`` or ``'reflection'``.
    Gradients flow to the input and to the grid, as PyTorch's. ``'bicubic'`` is not
    implemented (it raises).

    Examples
    --------
    >>> import arraygrad as ag
    >>> x = ag.arange(4.0).reshape(1, 1, 2, 2)
    >>> grid = ag.tensor([[[[0.0, 0.0], [-1.0, -1.0]]]])
    >>> ag.nn.functional.grid_sample(x, grid, align_corners=True).tolist()
    [[[[1.5, 0.0]]]]
    """
    op = "grid_sample"
    check_tensor(input, op)
    check_tensor(grid, op)
    if mode not in ("bilinear", "nearest", "bicubic"):
        raise ValueError(f"nn.functional.grid_sample(): expected mode to be 'bilinear', "
                         f"'nearest' or 'bicubic', but got: '{mode}'")
    if padding_mode not in ("zeros", "border", "reflection"):
        raise ValueError(f"nn.functional.grid_sample(): expected padding_mode to be 'zeros', "
                         f"'border', or 'reflection', but got: '{padding_mode}'")
    if align_corners is None:
        warnings.warn(_CORNERS_WARNING, UserWarning, stacklevel=2)
        align_corners = False
    if input.ndim not in (4, 5) or grid.ndim != input.ndim:
        raise RuntimeError(f"grid_sampler(): expected 4D or 5D input and grid with same number "
                           f"of dimensions, but got input with sizes {list(input.shape)} and "
                           f"grid with sizes {list(grid.shape)}")
    n = input.ndim - 2
    if grid.shape[-1] != n:
        raise RuntimeError(f"grid_sampler(): expected grid to have size {n} in last dimension, "
                           f"but got grid with sizes {list(grid.shape)}")
    if grid.shape[0] != input.shape[0]:
        raise RuntimeError(f"grid_sampler(): expected grid and input to have same batch size, "
                           f"but got input with sizes {list(input.shape)} and grid with sizes "
                           f"{list(grid.shape)}")
    if input.dtype.kind != "f" or grid.dtype != input.dtype:
        raise RuntimeError(f"grid_sampler(): expected input and grid of the same floating "
                           f"point dtype, got {input.dtype.name} and {grid.dtype.name}")
    if min(input.shape[2:]) <= 0:
        raise RuntimeError(f"grid_sampler(): expected input to have non-empty spatial "
                           f"dimensions, but input has sizes {list(input.shape)}")
    if mode == "bicubic":
        raise NotImplementedError("grid_sample: mode='bicubic' is not implemented in arraygrad "
                                  "(use 'bilinear' or 'nearest')")
    nb, c = input.shape[0], input.shape[1]
    spatial = tuple(input.shape[2:])
    out_spatial = tuple(grid.shape[1:-1])
    count = math.prod(out_spatial)
    flat_input = sh.reshape(input, (nb, c, -1))
    # position along spatial axis k (D, H, W order) from grid coordinate n - 1 - k
    coords = [_source_coord(sh.reshape(grid[..., n - 1 - k], (nb, 1, count)), spatial[k],
                            padding_mode, align_corners) for k in range(n)]
    strides = [math.prod(spatial[k + 1:]) for k in range(n)]

    def gather(index: list[Tensor]) -> tuple[Tensor, Tensor]:
        with no_grad():
            valid = None
            flat = None
            for k in range(n):
                inside = (index[k] >= 0) & (index[k] < spatial[k])
                valid = inside if valid is None else valid & inside
                safe = ew.where(inside, index[k], 0).astype("int64") * strides[k]
                flat = safe if flat is None else flat + safe
            assert flat is not None and valid is not None
            flat = sh.broadcast_to(flat, (nb, c, count))
        return ix.take_along_axis(flat_input, flat, axis=2), valid

    if mode == "nearest":
        with no_grad():
            index = [ew.round(coord.detach()) for coord in coords]
        values, valid = gather(index)
        out = ew.where(valid, values, 0.0)
        # PyTorch's grid gradient here is zeros (not None): a zero-slope term of the grid
        for coord in coords:
            out = out + ew.where(ew.isfinite(coord), ew.floor(coord) * 0.0, 0.0)
    else:
        with no_grad():
            lower = [ew.floor(coord.detach()) for coord in coords]
        out = None
        for corner in itertools.product((0, 1), repeat=n):
            index = [lower[k] + corner[k] for k in range(n)]
            weight = None
            for k in range(n):
                frac = coords[k] - lower[k]
                w = frac if corner[k] else 1.0 - frac
                weight = w if weight is None else weight * w
            values, valid = gather(index)
            term = ew.where(valid, weight * values, 0.0)
            out = term if out is None else out + term
    assert out is not None
    return sh.reshape(out, (nb, c) + out_spatial)
