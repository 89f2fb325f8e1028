"""Dropout: elementwise, channel-wise (1-D, 2-D, 3-D) and alpha dropout.

Masks come from the tensor's backend RNG on its device (reproducible under
``ag.manual_seed``). ``inplace=True`` writes the result into the input and returns it.
"""

from __future__ import annotations

import warnings
from typing import Any

from arraygrad.grad_mode import is_grad_enabled
from arraygrad.nn.functional._util import check_tensor
from arraygrad.tensor import Tensor

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

_ALPHA = 1.7580993408473766  # -SELU's negative saturation value, as PyTorch


def _check_p(p: float, op: str) -> None:
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"{op}: dropout probability has to be between 0 and 1, but got {p}")


def _keep_mask(x: Tensor, p: float, shape: tuple[int, ...]) -> Tensor:
    # Through ag.bernoulli, so that inside ag.func.vmap the draw follows ``randomness``.
    from arraygrad.random import bernoulli

    return bernoulli(1.0 - p, shape, dtype=x.dtype, device=x.device, backend=x.backend)


def _finish(x: Tensor, out: Tensor, inplace: bool) -> Tensor:
    return x.copy_(out) if inplace else out


def _source(x: Tensor, inplace: bool) -> Tensor:
    return x.clone() if inplace and x.requires_grad and is_grad_enabled() else x


def _dropout(x: Any, p: float, training: bool, inplace: bool, mask_shape: Any, op: str
             ) -> Tensor:
    check_tensor(x, op)
    _check_p(p, op)
    if not training or p == 0.0:
        return x
    src = _source(x, inplace)
    if p == 1.0:
        return _finish(x, src * 0.0, inplace)
    mask = _keep_mask(x, p, mask_shape(x))
    return _finish(x, src * mask * (1.0 / (1.0 - p)), inplace)


def dropout(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
            inplace: bool = False) -> Tensor:
    """Zero each element with probability ``p`` and scale the rest by ``1/(1-p)``
    (identity when not training).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.dropout(ag.ones(3), 0.5, training=False).tolist()
    [1.0, 1.0, 1.0]
    """
    return _dropout(input, p, training, inplace, lambda x: tuple(x.shape), "dropout")


def _channel_mask(x: Tensor, spatial: int, op: str) -> tuple[int, ...]:
    if x.ndim == spatial + 1:  # unbatched (C, ...)
        return (x.shape[0],) + (1,) * spatial
    if x.ndim == spatial + 2:
        return (x.shape[0], x.shape[1]) + (1,) * spatial
    raise ValueError(f"{op}: expected a {spatial + 1}-D or {spatial + 2}-D input (C, ...) or "
                     f"(N, C, ...), got shape {x.shape}")


def dropout1d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, L) or (C, L) ``input`` with probability ``p``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.dropout1d(ag.ones(2, 3, 4), training=False).shape
    (2, 3, 4)
    """
    return _dropout(input, p, training, inplace, lambda x: _channel_mask(x, 1, "dropout1d"),
                    "dropout1d")


def dropout2d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, H, W) or (C, H, W) ``input`` with probability ``p``.

    A 3-D input is read as (N, C, L) with a warning, as PyTorch does.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.dropout2d(ag.ones(2, 3, 4, 4), training=False).shape
    (2, 3, 4, 4)
    """
    check_tensor(input, "dropout2d")
    if input.ndim == 3:
        warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that "
                      "channel-wise 1D dropout behavior is desired - input is interpreted as "
                      "shape (N, C, L), where C is the channel dim. This behavior will change "
                      "in a future release to interpret the input as one without a batch "
                      "dimension, i.e. shape (C, H, W). To maintain the 1D channel-wise "
                      "dropout behavior, please switch to using dropout1d instead.",
                      UserWarning, stacklevel=2)
        return _dropout(input, p, training, inplace,
                        lambda x: (x.shape[0], x.shape[1], 1), "dropout2d")
    return _dropout(input, p, training, inplace, lambda x: _channel_mask(x, 2, "dropout2d"),
                    "dropout2d")


def dropout3d(input: Tensor, p: float = 0.5, training: bool = True,  # noqa: A002
              inplace: bool = False) -> Tensor:
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) ``input``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.dropout3d(ag.ones(1, 2, 2, 2, 2), training=False).shape
    (1, 2, 2, 2, 2)
    """
    return _dropout(input, p, training, inplace, lambda x: _channel_mask(x, 3, "dropout3d"),
                    "dropout3d")


def alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                  inplace: bool = False) -> Tensor:
    """Dropout that keeps SELU activations' mean and variance: dropped elements take
    SELU's saturation value, then an affine map restores the statistics (as PyTorch).

    Note PyTorch's default ``training=False`` for this function.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.alpha_dropout(ag.ones(3), 0.5).tolist()
    [1.0, 1.0, 1.0]
    """
    return _alpha_dropout(input, p, training, inplace, False, "alpha_dropout")


def _alpha_dropout(input: Any, p: float, training: bool, inplace: bool,  # noqa: A002
                   feature: bool, op: str) -> Tensor:
    check_tensor(input, op)
    _check_p(p, op)
    if feature and input.ndim < 2:
        raise RuntimeError(f"{op}: Feature dropout requires at least 2 dimensions in the "
                           f"input, got shape {tuple(input.shape)}")
    if not training or p == 0.0:
        return input
    src = _source(input, inplace)
    if p == 1.0:
        return _finish(input, src * 0.0, inplace)
    shape = tuple(input.shape[:2]) + (1,) * (input.ndim - 2) if feature else \
        tuple(input.shape)
    keep = _keep_mask(input, p, shape)
    a = 1.0 / ((_ALPHA * _ALPHA * p + 1.0) * (1.0 - p)) ** 0.5
    b = (keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p
    return _finish(input, src * (keep * a) + b, inplace)


def feature_alpha_dropout(input: Tensor, p: float = 0.5, training: bool = False,  # noqa: A002
                          inplace: bool = False) -> Tensor:
    """:func:`alpha_dropout` of whole channels: one draw per (sample, channel) of
    (N, C, ...) ``input``, as PyTorch's ``F.feature_alpha_dropout`` (default
    ``training=False``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.feature_alpha_dropout(ag.ones(2, 3, 4), 0.5).shape
    (2, 3, 4)
    """
    return _alpha_dropout(input, p, training, inplace, True, "feature_alpha_dropout")
