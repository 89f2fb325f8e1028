"""Random tensors drawn from the backend's RNG (the Array-API standard has none).

``manual_seed(n)`` seeds every backend, loaded now or later, so runs are reproducible.
"""

from __future__ import annotations

from typing import Any

from arraygrad import _dtypes
from arraygrad.backend import current_backend, get_backend, seed_all
from arraygrad.creation import _shape_of
from arraygrad.tensor import Tensor, _make

__all__ = ["manual_seed", "seed", "rand", "randn", "randint", "normal", "uniform", "randperm",
           "bernoulli", "rand_like", "randn_like", "randint_like"]


def manual_seed(seed: int) -> None:
    """Seed the random-number generator of every backend (now and loaded later).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.manual_seed(0); a = ag.rand(3)
    >>> ag.manual_seed(0); b = ag.rand(3)
    >>> bool((a == b).all())
    True
    """
    if not isinstance(seed, int) or isinstance(seed, bool):
        raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
    seed_all(seed)


seed = manual_seed


def _setup(backend, device, dtype, default=None):
    be = get_backend(backend) if backend is not None else current_backend()
    dev = be.check_device(device)
    dt = dtype if dtype is not None else (default or be.default_float)
    return be, dev, dt


def _result(arr, be, requires_grad: bool) -> Tensor:
    t = _make(arr, be, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_only(name: str, dtype) -> None:
    if not _dtypes.is_floating(_dtypes.dtype_from_name(getattr(dtype, "name", str(dtype)))):
        raise TypeError(f"{name}: dtype must be floating, got {dtype}")


def rand(*shape, dtype=None, device: str | None = None, backend=None,
         requires_grad: bool = False) -> Tensor:
    """Uniform samples in ``[0, 1)``."""
    be, dev, dt = _setup(backend, device, dtype)
    _float_only("rand", dt)
    return _result(be.rng.uniform(_shape_of(shape), be.native_dtype(dt), dev, 0.0, 1.0), be,
                   requires_grad)


def uniform(low: float = 0.0, high: float = 1.0, size: Any = (), *, dtype=None,
            device: str | None = None, backend=None, requires_grad: bool = False) -> Tensor:
    """Uniform samples in ``[low, high)``."""
    be, dev, dt = _setup(backend, device, dtype)
    _float_only("uniform", dt)
    return _result(be.rng.uniform(_shape_of((size,)), be.native_dtype(dt), dev, low, high),
                   be, requires_grad)


def randn(*shape, dtype=None, device: str | None = None, backend=None,
          requires_grad: bool = False) -> Tensor:
    """Standard normal samples."""
    be, dev, dt = _setup(backend, device, dtype)
    _float_only("randn", dt)
    return _result(be.rng.normal(_shape_of(shape), be.native_dtype(dt), dev, 0.0, 1.0), be,
                   requires_grad)


def normal(mean: float = 0.0, std: float = 1.0, size: Any = (), *, dtype=None,
           device: str | None = None, backend=None, requires_grad: bool = False) -> Tensor:
    """Normal samples with the given mean and standard deviation."""
    if std < 0:
        raise ValueError(f"normal: std must be non-negative, got {std}")
    be, dev, dt = _setup(backend, device, dtype)
    _float_only("normal", dt)
    return _result(be.rng.normal(_shape_of((size,)), be.native_dtype(dt), dev, mean, std),
                   be, requires_grad)


def randint(low: int, high: int | None = None, size: Any = (), *, dtype=None,
            device: str | None = None, backend=None) -> Tensor:
    """Integers in ``[low, high)`` (``randint(high, size=...)`` draws from ``[0, high)``)."""
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    be, dev, dt = _setup(backend, device, dtype, _dtypes.int64)
    return _make(be.rng.integers(low, high, _shape_of((size,)), be.native_dtype(dt), dev), be,
                 None)


def randperm(n: int, *, device: str | None = None, backend=None) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64)."""
    be, dev, _ = _setup(backend, device, None)
    return _make(be.rng.permutation(n, dev), be, None)


def bernoulli(p: float, size: Any = (), *, dtype=None, device: str | None = None,
              backend=None) -> Tensor:
    """Samples that are 1 with probability ``p`` and 0 otherwise."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"bernoulli: p must be in [0, 1], got {p}")
    be, dev, dt = _setup(backend, device, dtype)
    return _make(be.rng.bernoulli(p, _shape_of((size,)), be.native_dtype(dt), dev), be, None)


def _like_args(name: str, x: Tensor, dtype, device):
    if not isinstance(x, Tensor):
        raise TypeError(f"{name} expects a Tensor, got {type(x).__name__}")
    return (dtype if dtype is not None else x.dtype,
            device if device is not None else x.device)


def rand_like(x: Tensor, *, dtype=None, device: str | None = None,
              requires_grad: bool = False) -> Tensor:
    """Uniform samples in ``[0, 1)`` with the shape, dtype, device and backend of ``x``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.rand_like(ag.zeros(2, 3, dtype=ag.float64)).dtype == ag.float64
    True
    """
    dt, dev = _like_args("rand_like", x, dtype, device)
    _float_only("rand_like", dt)
    return rand(*x.shape, dtype=dt, device=dev, backend=x.backend, requires_grad=requires_grad)


def randn_like(x: Tensor, *, dtype=None, device: str | None = None,
               requires_grad: bool = False) -> Tensor:
    """Standard normal samples with the shape, dtype, device and backend of ``x``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.randn_like(ag.zeros(2, 3)).shape
    (2, 3)
    """
    dt, dev = _like_args("randn_like", x, dtype, device)
    _float_only("randn_like", dt)
    return randn(*x.shape, dtype=dt, device=dev, backend=x.backend, requires_grad=requires_grad)


def randint_like(x: Tensor, low: int, high: int | None = None, *, dtype=None,
                 device: str | None = None) -> Tensor:
    """Integers in ``[low, high)`` (or ``[0, low)``) with the shape of ``x``; the dtype,
    device and backend are ``x``'s unless given.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.randint_like(ag.zeros(4, dtype=ag.int64), 3).shape
    (4,)
    """
    dt, dev = _like_args("randint_like", x, dtype, device)
    return randint(low, high, tuple(x.shape), dtype=dt, device=dev, backend=x.backend)


def _vmap_aware(fn):
    # Inside ag.func.vmap a draw follows the vmap's ``randomness`` (error, different, same);
    # outside, one check of an empty list.
    import functools

    from arraygrad.func._vmap import STATE as _VMAP

    @functools.wraps(fn)
    def draw(*args, **kwargs):
        if not _VMAP.levels:
            return fn(*args, **kwargs)
        from arraygrad.func._vmap import random_in_vmap

        return random_in_vmap(fn, fn.__name__, args, kwargs)

    return draw


rand = _vmap_aware(rand)
uniform = _vmap_aware(uniform)
randn = _vmap_aware(randn)
normal = _vmap_aware(normal)
randint = _vmap_aware(randint)
randperm = _vmap_aware(randperm)
bernoulli = _vmap_aware(bernoulli)
