"""Padding layers: zero, constant, reflection, replication and circular, 1-D to 3-D."""

from __future__ import annotations

from typing import Any

from arraygrad.nn import functional as F
from arraygrad.nn._common import shape_error
from arraygrad.nn.module import Module
from arraygrad.tensor import Tensor

__all__ = [
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
]


def _widths(padding: Any, n: int, name: str) -> tuple[int, ...]:
    if isinstance(padding, int):
        return (padding,) * (2 * n)
    widths = tuple(int(v) for v in padding)
    if len(widths) != 2 * n:
        raise ValueError(f"{name}: padding must be an int or a {2 * n}-tuple, got {padding!r}")
    return widths


class _Pad(Module):
    _n = 1
    _mode = "constant"

    def __init__(self, padding: Any, value: float = 0.0) -> None:
        super().__init__()
        self.padding = _widths(padding, self._n, type(self).__name__)
        self.value = value

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        n = self._n
        if not isinstance(input, Tensor) or input.ndim not in (n + 1, n + 2):
            raise shape_error(self, f"a {n + 1}-D or {n + 2}-D tensor", input)
        if self._mode == "constant":
            return F.pad(input, self.padding, "constant", self.value)
        return F.pad(input, self.padding, self._mode)

    def extra_repr(self) -> str:
        if self._mode == "constant" and not type(self).__name__.startswith("Zero"):
            return f"padding={self.padding}, value={self.value}"
        return f"{self.padding}"


class ZeroPad1d(_Pad):
    """Pad the last axis with zeros (``padding``: int or (left, right)).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ZeroPad1d(1)(ag.ones(1, 2)).tolist()
    [[0.0, 1.0, 1.0, 0.0]]
    """

    _n = 1

    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)


class ZeroPad2d(ZeroPad1d):
    """Pad the last two axes with zeros (``padding``: int or (left, right, top, bottom)).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ZeroPad2d(1)(ag.ones(1, 2, 2)).shape
    (1, 4, 4)
    """

    _n = 2


class ZeroPad3d(ZeroPad1d):
    """Pad the last three axes with zeros.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ZeroPad3d(1)(ag.ones(1, 1, 1, 1)).shape
    (1, 3, 3, 3)
    """

    _n = 3


class ConstantPad1d(_Pad):
    """Pad the last axis with ``value``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ConstantPad1d(1, 5.0)(ag.zeros(1, 1)).tolist()
    [[5.0, 0.0, 5.0]]
    """

    _n = 1


class ConstantPad2d(_Pad):
    """Pad the last two axes with ``value``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ConstantPad2d(1, 5.0)(ag.zeros(1, 1, 1)).shape
    (1, 3, 3)
    """

    _n = 2


class ConstantPad3d(_Pad):
    """Pad the last three axes with ``value``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ConstantPad3d(1, 5.0)(ag.zeros(1, 1, 1, 1)).shape
    (1, 3, 3, 3)
    """

    _n = 3


class _ModePad(_Pad):
    def __init__(self, padding: Any) -> None:
        super().__init__(padding, 0.0)


class ReflectionPad1d(_ModePad):
    """Pad the last axis by reflection (the edge is not repeated).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ReflectionPad1d(1)(ag.tensor([[1.0, 2.0]])).tolist()
    [[2.0, 1.0, 2.0, 1.0]]
    """

    _n, _mode = 1, "reflect"


class ReflectionPad2d(_ModePad):
    """Pad the last two axes by reflection.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ReflectionPad2d(1)(ag.ones(1, 2, 2)).shape
    (1, 4, 4)
    """

    _n, _mode = 2, "reflect"


class ReflectionPad3d(_ModePad):
    """Pad the last three axes by reflection.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ReflectionPad3d(1)(ag.ones(1, 2, 2, 2)).shape
    (1, 4, 4, 4)
    """

    _n, _mode = 3, "reflect"


class ReplicationPad1d(_ModePad):
    """Pad the last axis by repeating the edge.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ReplicationPad1d(1)(ag.tensor([[1.0, 2.0]])).tolist()
    [[1.0, 1.0, 2.0, 2.0]]
    """

    _n, _mode = 1, "replicate"


class ReplicationPad2d(_ModePad):
    """Pad the last two axes by repeating the edges.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ReplicationPad2d(1)(ag.ones(1, 2, 2)).shape
    (1, 4, 4)
    """

    _n, _mode = 2, "replicate"


class ReplicationPad3d(_ModePad):
    """Pad the last three axes by repeating the edges.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.ReplicationPad3d(1)(ag.ones(1, 2, 2, 2)).shape
    (1, 4, 4, 4)
    """

    _n, _mode = 3, "replicate"


class CircularPad1d(_ModePad):
    """Pad the last axis by wrapping around.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.CircularPad1d(1)(ag.tensor([[1.0, 2.0]])).tolist()
    [[2.0, 1.0, 2.0, 1.0]]
    """

    _n, _mode = 1, "circular"


class CircularPad2d(_ModePad):
    """Pad the last two axes by wrapping around.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.CircularPad2d(1)(ag.ones(1, 2, 2)).shape
    (1, 4, 4)
    """

    _n, _mode = 2, "circular"


class CircularPad3d(_ModePad):
    """Pad the last three axes by wrapping around.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.CircularPad3d(1)(ag.ones(1, 2, 2, 2)).shape
    (1, 4, 4, 4)
    """

    _n, _mode = 3, "circular"
