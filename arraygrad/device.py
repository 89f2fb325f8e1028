"""``ag.device``: PyTorch's device object, usable wherever a device string is."""

from __future__ import annotations

from typing import Any

__all__ = ["device"]


class device(str):  # noqa: N801 - PyTorch's name
    """A device such as ``ag.device("cpu")`` or ``ag.device("cuda", 0)``.

    It is a string (``ag.device("cuda", 1) == "cuda:1"``), so it works wherever arraygrad
    takes a device name, and it has PyTorch's ``type`` and ``index`` attributes. Its repr
    is the string's (``'cuda:1'``), so error messages read as before.

    Examples
    --------
    >>> import arraygrad as ag
    >>> d = ag.device("cuda", 0)
    >>> d.type, d.index, d == "cuda:0"
    ('cuda', 0, True)
    >>> ag.device("cpu").index is None
    True
    """

    __slots__ = ()

    def __new__(cls, type: Any, index: int | None = None) -> device:  # noqa: A002
        if isinstance(type, device) and index is None:
            return type
        text = str(type)
        if index is not None:
            if ":" in text:
                raise ValueError(f"device: {text!r} already names an index; pass "
                                 f"ag.device({text.split(':')[0]!r}, {index}) or "
                                 f"ag.device({text!r})")
            if not isinstance(index, int) or isinstance(index, bool) or index < 0:
                raise ValueError(f"device: index must be a non-negative int, got {index!r}")
            text = f"{text}:{index}"
        name, _, number = text.partition(":")
        if not name or (number and not number.isdigit()):
            raise ValueError(f"device: expected 'type' or 'type:index' (e.g. 'cuda:0'), got "
                             f"{text!r}")
        return super().__new__(cls, text)

    @property
    def type(self) -> str:
        """The device type: ``"cpu"``, ``"cuda"``, ``"gpu"``, ..."""
        return str.__str__(self).partition(":")[0]

    # torch.device.index is a property; on this str subclass it shadows the str.index method
    # on purpose, which no override that mypy accepts can express.
    @property
    def index(self) -> int | None:  # type: ignore[override]
        """The device number, or None when the string names none."""
        number = str.__str__(self).partition(":")[2]
        return int(number) if number else None

    def __str__(self) -> str:
        return str.__str__(self)
