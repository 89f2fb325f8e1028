"""Optional fast kernels of the JAX backend: XLA convolutions, ``erf`` and ``erfc``.

The contract (layouts, argument names, shapes) is documented in
:mod:`arraygrad.nn.functional`. Each convolution kernel is one ``jax.jit`` function with
the geometry as static arguments, so XLA compiles it once per shape (as JAX's eager ops
are compiled anyway) and the two gradients are XLA's own transposed convolutions, taken
with ``jax.vjp`` inside the compiled function (the unused forward is dead code there).
"""

from __future__ import annotations

from collections.abc import Callable
from functools import partial
from typing import Any

import jax
import jax.numpy as jnp
from jax.scipy.special import erf, erfc

_STATIC = ("stride", "padding", "dilation", "groups")
_DIMS = ("NCHW", "OIHW", "NCHW")


def _conv(x: Any, w: Any, stride: tuple[int, int], padding: tuple[int, int],
          dilation: tuple[int, int], groups: int) -> Any:
    return jax.lax.conv_general_dilated(
        x, w, window_strides=stride, padding=[(padding[0], padding[0]),
                                              (padding[1], padding[1])],
        rhs_dilation=dilation, dimension_numbers=_DIMS, feature_group_count=groups)


@partial(jax.jit, static_argnames=_STATIC)
def conv2d(x: Any, w: Any, *, stride, padding, dilation, groups) -> Any:
    """Cross-correlation of NCHW ``x`` with OIHW ``w``."""
    return _conv(x, w, stride, padding, dilation, groups)


@partial(jax.jit, static_argnames=("x_shape", *_STATIC))
def conv2d_vjp_input(g: Any, w: Any, x_shape: tuple[int, ...], *, stride, padding, dilation,
                     groups) -> Any:
    """Gradient of the convolution with respect to its input, shape ``x_shape``."""
    _, pullback = jax.vjp(lambda x: _conv(x, w, stride, padding, dilation, groups),
                          jnp.zeros(x_shape, g.dtype))
    return pullback(g)[0]


@partial(jax.jit, static_argnames=("w_shape", *_STATIC))
def conv2d_vjp_weight(g: Any, x: Any, w_shape: tuple[int, ...], *, stride, padding, dilation,
                      groups) -> Any:
    """Gradient of the convolution with respect to its weight, shape ``w_shape``."""
    _, pullback = jax.vjp(lambda w: _conv(x, w, stride, padding, dilation, groups),
                          jnp.zeros(w_shape, g.dtype))
    return pullback(g)[0]


KERNELS: dict[str, Callable[..., Any]] = {
    "conv2d": conv2d,
    "conv2d_vjp_input": conv2d_vjp_input,
    "conv2d_vjp_weight": conv2d_vjp_weight,
    "erf": erf,
    "erfc": erfc,
}
