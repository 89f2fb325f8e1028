"""Helpers shared by backends whose data can be viewed from the host with NumPy."""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

import numpy as np


def has_array_index(key: Any) -> bool:
    """True if an indexing key holds an integer array (so indices may repeat)."""
    parts = key if isinstance(key, tuple) else (key,)
    return any(
        getattr(k, "ndim", 0) > 0 and np.dtype(getattr(k, "dtype", np.float64)).kind in "iu"
        for k in parts
    )


def numpy_scatter_add(target: np.ndarray, key: Any, values: Any) -> np.ndarray:
    """Add ``values`` at ``target[key]`` in place; repeated integer indices accumulate."""
    if has_array_index(key):
        np.add.at(target, key, values)
    else:  # basic indexing and boolean masks never repeat an element
        target[key] += values
    return target


class HostRNG:
    """Random numbers drawn by NumPy's PCG64 on the host, then moved by ``convert``.

    ``convert(numpy_array, device)`` returns the backend's native array.
    """

    def __init__(self, convert: Callable[[np.ndarray, str], Any]) -> None:
        self._convert = convert
        self._gen = np.random.default_rng()

    def seed(self, seed: int) -> None:
        """Restart the stream from ``seed``."""
        self._gen = np.random.default_rng(seed)

    def get_state(self) -> dict:
        """The generator's state (a copy): :meth:`set_state` with it repeats the draws."""
        return copy.deepcopy(dict(self._gen.bit_generator.state))

    def set_state(self, state: dict) -> None:
        """Continue from a state :meth:`get_state` returned."""
        self._gen.bit_generator.state = state

    def _out(self, values: np.ndarray, dtype: Any, device: str) -> Any:
        return self._convert(values.astype(np.dtype(str(dtype_name(dtype))), copy=False), device)

    def uniform(self, shape, dtype, device, low=0.0, high=1.0):
        """Uniform samples in ``[low, high)``."""
        return self._out(self._gen.uniform(low, high, size=shape), dtype, device)

    def normal(self, shape, dtype, device, mean=0.0, std=1.0):
        """Normal samples with ``mean`` and ``std``."""
        return self._out(self._gen.normal(mean, std, size=shape), dtype, device)

    def integers(self, low, high, shape, dtype, device):
        """Integers in ``[low, high)``."""
        return self._out(self._gen.integers(low, high, size=shape), dtype, device)

    def permutation(self, n, device):
        """A random permutation of ``range(n)`` (int64)."""
        return self._convert(self._gen.permutation(n).astype(np.int64), device)

    def bernoulli(self, p, shape, dtype, device):
        """Ones with probability ``p``, zeros otherwise."""
        return self._out(self._gen.random(size=shape) < p, dtype, device)


def dtype_name(dtype: Any) -> str:
    """Name of a native or arraygrad dtype (``"float32"``)."""
    name = getattr(dtype, "name", None)
    if isinstance(name, str):
        return name
    return str(dtype).rsplit(".", 1)[-1]
