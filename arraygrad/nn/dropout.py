"""Dropout layers: ``Dropout``, ``Dropout1d``, ``Dropout2d``, ``Dropout3d``, ``AlphaDropout``.

Active in training mode, the identity in eval mode.
"""

from __future__ import annotations

from arraygrad.nn import functional as F
from arraygrad.nn.module import Module
from arraygrad.tensor import Tensor

__all__ = ["Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout",
           "FeatureAlphaDropout"]


class _DropoutNd(Module):
    _fn = staticmethod(F.dropout)

    def __init__(self, p: float = 0.5, inplace: bool = False) -> None:
        super().__init__()
        if not 0.0 <= p <= 1.0:
            raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")
        self.p = p
        self.inplace = inplace

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        return type(self)._fn(input, self.p, self.training, self.inplace)

    def extra_repr(self) -> str:
        return f"p={self.p}, inplace={self.inplace}"


class Dropout(_DropoutNd):
    """Zero elements with probability ``p`` in training and scale the rest by ``1/(1-p)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Dropout(0.5).eval()(ag.ones(3)).tolist()
    [1.0, 1.0, 1.0]
    """


class Dropout1d(_DropoutNd):
    """Zero whole channels of (N, C, L) or (C, L) input.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Dropout1d().eval()(ag.ones(2, 3, 4)).shape
    (2, 3, 4)
    """

    _fn = staticmethod(F.dropout1d)


class Dropout2d(_DropoutNd):
    """Zero whole channels of (N, C, H, W) or (C, H, W) input.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Dropout2d().eval()(ag.ones(2, 3, 4, 4)).shape
    (2, 3, 4, 4)
    """

    _fn = staticmethod(F.dropout2d)


class Dropout3d(_DropoutNd):
    """Zero whole channels of (N, C, D, H, W) or (C, D, H, W) input.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Dropout3d().eval()(ag.ones(1, 2, 2, 2, 2)).shape
    (1, 2, 2, 2, 2)
    """

    _fn = staticmethod(F.dropout3d)


class AlphaDropout(_DropoutNd):
    """Dropout that keeps SELU activations' mean and variance.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.AlphaDropout(0.2).eval()(ag.ones(2)).tolist()
    [1.0, 1.0]
    """

    _fn = staticmethod(F.alpha_dropout)


class FeatureAlphaDropout(_DropoutNd):
    """Alpha dropout of whole channels (see
    :func:`arraygrad.nn.functional.feature_alpha_dropout`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.FeatureAlphaDropout(0.2).eval()(ag.ones(1, 2, 3)).shape
    (1, 2, 3)
    """

    _fn = staticmethod(F.feature_alpha_dropout)
