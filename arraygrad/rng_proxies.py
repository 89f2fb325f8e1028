"""Stand-ins for a backend's RNG that note the draws or hand out draws made before: how a
second run sees the random numbers of a first (``utils.checkpoint``'s recomputation, an
eager re-run after a failed compiled replay)."""

from __future__ import annotations

from typing import Any

__all__ = ["RecordingRNG", "PredrawnRNG"]


class RecordingRNG:
    """Forwards to ``real`` and appends every draw to ``drawn``."""

    def __init__(self, real: Any, drawn: list) -> None:
        self.real = real
        self._drawn = drawn

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.real, name)
        if name == "seed" or not callable(attr):
            return attr

        def draw(*args: Any, **kwargs: Any) -> Any:
            value = attr(*args, **kwargs)
            self._drawn.append(value)
            return value
        return draw


class PredrawnRNG:
    """Hands out ``drawn`` in order; once they are used up, forwards to ``real``, or with
    ``strict=True`` raises (a second run that draws more than the first is not the same
    computation)."""

    def __init__(self, real: Any, drawn: list, *, strict: bool = False) -> None:
        self.real = real
        self._drawn = list(reversed(drawn))
        self._strict = strict

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self.real, name)
        if name == "seed" or not callable(attr):
            return attr

        def draw(*args: Any, **kwargs: Any) -> Any:
            if self._drawn:
                return self._drawn.pop()
            if self._strict:
                raise RuntimeError("the second run drew more random numbers than the first "
                                   "(the function is not deterministic)")
            return attr(*args, **kwargs)
        return draw
