"""Shape layers: ``Flatten`` and ``Unflatten``."""

from __future__ import annotations

from typing import Any

from arraygrad.nn import functional as F
from arraygrad.nn._common import shape_error
from arraygrad.nn.module import Module
from arraygrad.tensor import Tensor

__all__ = ["Flatten", "Unflatten"]


class Flatten(Module):
    """Merge axes ``start_dim`` .. ``end_dim`` (default: everything but the batch axis).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Flatten()(ag.ones(2, 3, 4)).shape
    (2, 12)
    """

    def __init__(self, start_dim: int = 1, end_dim: int = -1) -> None:
        super().__init__()
        self.start_dim = start_dim
        self.end_dim = end_dim

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        x = input
        if not isinstance(x, Tensor) or not (-max(x.ndim, 1) <= self.start_dim < max(x.ndim, 1)
                                             and -max(x.ndim, 1) <= self.end_dim
                                             < max(x.ndim, 1)):
            raise shape_error(self, f"at least {self.start_dim + 1} dimensions", x)
        return F.flatten(x, self.start_dim, self.end_dim)

    def extra_repr(self) -> str:
        return f"start_dim={self.start_dim}, end_dim={self.end_dim}"


class Unflatten(Module):
    """Split axis ``dim`` into ``unflattened_size``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.Unflatten(1, (2, 5))(ag.ones(3, 10)).shape
    (3, 2, 5)
    """

    def __init__(self, dim: int, unflattened_size: Any) -> None:
        super().__init__()
        if isinstance(unflattened_size, int) or not all(
                isinstance(v, int) for v in unflattened_size):
            raise TypeError(f"Unflatten: unflattened_size must be a tuple of ints, got "
                            f"{unflattened_size!r}")
        self.dim = dim
        self.unflattened_size = tuple(unflattened_size)

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if not isinstance(input, Tensor) or not -input.ndim <= self.dim < input.ndim:
            raise shape_error(self, f"a dimension {self.dim} to unflatten", input)
        return F.unflatten(input, self.dim, self.unflattened_size)

    def extra_repr(self) -> str:
        return f"dim={self.dim}, unflattened_size={self.unflattened_size}"
