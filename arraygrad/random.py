"""Random tensors drawn from the backend's RNG (the Array-API standard has none).

``manual_seed(n)`` seeds every backend, loaded now or later, so runs are reproducible.
"""

from __future__ import annotations

import contextlib
import functools
import secrets
from collections.abc import Iterator
from typing import Any

import numpy as np

from arraygrad import _dtypes
from arraygrad._host import HostRNG
from arraygrad._vmap_state import HOOKS as _VMAP_HOOKS
from arraygrad._vmap_state import STATE as _VMAP
from arraygrad.backend_registry import (
    _registry,
    current_backend,
    default_float,
    get_backend,
    loaded_backends,
    seed_all,
)
from arraygrad.creation import _shape_of
from arraygrad.grad_mode import is_grad_enabled
from arraygrad.ops import elementwise as ew
from arraygrad.ops import reductions as rd
from arraygrad.ops import shape as sh
from arraygrad.ops.special import lgamma_xp
from arraygrad.tensor import Tensor, _make

__all__ = ["manual_seed", "seed", "initial_seed", "get_rng_state", "set_rng_state",
           "fork_rng", "Generator", "rand", "randn", "randint", "normal", "uniform", "randperm",
           "bernoulli", "rand_like", "randn_like", "randint_like", "multinomial", "poisson"]


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


def seed() -> int:
    """Seed every backend with a fresh non-deterministic seed and return it (PyTorch's
    ``torch.seed()``)."""
    value = secrets.randbits(63)
    seed_all(value)
    return value


def initial_seed() -> int:
    """The seed of the last :func:`manual_seed` or :func:`seed`, or the one drawn at
    start-up (every backend is seeded with it when it loads), as PyTorch's
    ``torch.initial_seed()``."""
    return _registry.seed


def get_rng_state() -> dict[str, Any]:
    """The state of every loaded backend's generator, by backend name (PyTorch returns a
    byte tensor; this is a dict for :func:`set_rng_state`). A backend whose generator
    cannot report its state (CuPy's) is left out; the current backend must be able to."""
    out: dict[str, Any] = {}
    for backend in loaded_backends():
        get = getattr(backend.rng, "get_state", None)
        if get is not None:
            out[backend.name] = get()
    current = current_backend()
    if current.name not in out:
        raise NotImplementedError(f"get_rng_state: the random-number generator of the "
                                  f"{current.name!r} backend cannot report its state")
    return out


def set_rng_state(new_state: dict[str, Any]) -> None:
    """Put back the generator states :func:`get_rng_state` returned."""
    if not isinstance(new_state, dict):
        raise TypeError(f"set_rng_state expects the dict get_rng_state returned, got "
                        f"{type(new_state).__name__}")
    for name, state in new_state.items():
        setter = getattr(get_backend(name).rng, "set_state", None)
        if setter is None:
            raise NotImplementedError(f"set_rng_state: the random-number generator of the "
                                      f"{name!r} backend cannot restore a state")
        setter(state)


@contextlib.contextmanager
def fork_rng(devices: Any = None, enabled: bool = True, _caller: str = "fork_rng",
             _devices_kw: str = "devices", device_type: str = "cuda") -> Iterator[None]:
    """A block after which every backend's generator is as it was before it (PyTorch's
    ``torch.random.fork_rng``): draws inside do not change the numbers drawn after.
    ``devices`` and the other arguments are PyTorch's (its per-GPU generators); every
    loaded backend is covered here."""
    if not enabled:
        yield
        return
    state = get_rng_state()
    try:
        yield
    finally:
        set_rng_state(state)


class Generator:
    """An independent random-number stream (PyTorch's ``torch.Generator``), for the
    ``generator=`` argument of the random functions, ``DataLoader``, the samplers and
    ``random_split``. Its numbers are drawn on the host by NumPy's PCG64 and moved to the
    backend that asks for them.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.random import Generator
    >>> g = Generator().manual_seed(0)
    >>> a = ag.rand(3, generator=g)
    >>> b = ag.rand(3, generator=Generator().manual_seed(0))
    >>> bool((a == b).all()), g.initial_seed()
    (True, 0)
    """

    def __init__(self, device: Any = "cpu") -> None:
        self.device = device
        self._initial = secrets.randbits(63)
        self._rng = HostRNG(lambda values, dev: values)
        self._rng.seed(self._initial)

    def manual_seed(self, seed: int) -> Generator:
        """Restart the stream from ``seed``; returns the generator."""
        if not isinstance(seed, int) or isinstance(seed, bool):
            raise TypeError(f"manual_seed expects an int, got {type(seed).__name__}")
        self._initial = seed
        self._rng.seed(seed % 2 ** 64)
        return self

    def seed(self) -> int:
        """Restart the stream from a fresh non-deterministic seed and return it."""
        self.manual_seed(secrets.randbits(63))
        return self._initial

    def initial_seed(self) -> int:
        """The seed the stream started from."""
        return self._initial

    def get_state(self) -> dict:
        """The stream's state (a dict; PyTorch's is a byte tensor)."""
        return self._rng.get_state()

    def set_state(self, new_state: dict) -> Generator:
        """Continue from a state :meth:`get_state` returned; returns the generator."""
        self._rng.set_state(new_state)
        return self

    @property
    def numpy_generator(self) -> np.random.Generator:
        """The NumPy generator behind the stream (shared: drawing from it advances it)."""
        return self._rng._gen

    def _for(self, backend: Any) -> HostRNG:
        """A backend RNG drawing from this stream, its numbers moved to ``backend``."""
        rng = HostRNG(lambda values, dev: backend.from_object(values, device=dev))
        rng._gen = self._rng._gen
        return rng

    def __repr__(self) -> str:
        return f"<arraygrad.Generator (initial seed {self._initial})>"


def _rng(be: Any, generator: Generator | None) -> Any:
    if generator is None:
        return be.rng
    if not isinstance(generator, Generator):
        raise TypeError(f"generator must be an arraygrad.Generator, got "
                        f"{type(generator).__name__}")
    return generator._for(be)


def _setup(backend, device, dtype, default=None):
    be = get_backend(backend) if backend is not None else current_backend()
    dev = be.check_device(device)
    dt = dtype if dtype is not None else (default or default_float(be))
    return be, dev, dt


def _result(arr, be, requires_grad: bool) -> Tensor:
    t = _make(arr, be, None)
    if requires_grad:
        t.requires_grad_(True)
    return t


def _float_only(name: str, dtype) -> None:
    if not _dtypes.is_floating(_dtypes.dtype_from_name(getattr(dtype, "name", str(dtype)))):
        raise TypeError(f"{name}: dtype must be floating, got {dtype}")


def _floats(name: str, draw: str, shape: tuple, a: float, b: float, dtype, device,
            backend, requires_grad: bool, generator: Generator | None = None) -> Tensor:
    """Floats from the backend's ``rng.<draw>(shape, dtype, device, a, b)`` (``uniform``:
    in ``[a, b)``; ``normal``: mean ``a``, standard deviation ``b``), or ``generator``'s."""
    be, dev, dt = _setup(backend, device, dtype)
    _float_only(name, dt)
    return _result(getattr(_rng(be, generator), draw)(_shape_of(shape), be.native_dtype(dt),
                                                       dev, a, b), be, requires_grad)


def rand(*shape, dtype=None, device: str | None = None, backend=None,
         requires_grad: bool = False, size: Any = None,
         generator: Generator | None = None) -> Tensor:
    """Uniform samples in ``[0, 1)`` (``size=`` is PyTorch's keyword for the shape)."""
    shape = shape if size is None else (size,)
    return _floats("rand", "uniform", shape, 0.0, 1.0, dtype, device, backend, requires_grad,
                   generator)


def uniform(low: float = 0.0, high: float = 1.0, size: Any = (), *, dtype=None,
            device: str | None = None, backend=None, requires_grad: bool = False,
            generator: Generator | None = None) -> Tensor:
    """Uniform samples in ``[low, high)``."""
    return _floats("uniform", "uniform", (size,), low, high, dtype, device, backend,
                   requires_grad, generator)


def randn(*shape, dtype=None, device: str | None = None, backend=None,
          requires_grad: bool = False, size: Any = None,
          generator: Generator | None = None) -> Tensor:
    """Standard normal samples (``size=`` is PyTorch's keyword for the shape)."""
    shape = shape if size is None else (size,)
    return _floats("randn", "normal", shape, 0.0, 1.0, dtype, device, backend, requires_grad,
                   generator)


def normal(mean: float = 0.0, std: float = 1.0, size: Any = (), *, dtype=None,
           device: str | None = None, backend=None, requires_grad: bool = False,
           generator: Generator | None = None) -> Tensor:
    """Normal samples with the given mean and standard deviation."""
    if std < 0:
        raise ValueError(f"normal: std must be non-negative, got {std}")
    return _floats("normal", "normal", (size,), mean, std, dtype, device, backend,
                   requires_grad, generator)


def randint(low: int, high: int | None = None, size: Any = (), *, dtype=None,
            device: str | None = None, backend=None,
            generator: Generator | None = None) -> Tensor:
    """Integers in ``[low, high)`` (``randint(high, size=...)`` draws from ``[0, high)``)."""
    if high is None:
        low, high = 0, low
    if high <= low:
        raise ValueError(f"randint: high ({high}) must be greater than low ({low})")
    be, dev, dt = _setup(backend, device, dtype, _dtypes.int64)
    return _make(_rng(be, generator).integers(low, high, _shape_of((size,)),
                                              be.native_dtype(dt), dev), be, None)


def randperm(n: int, *, device: str | None = None, backend=None,
             generator: Generator | None = None) -> Tensor:
    """A random permutation of ``0 .. n-1`` (int64)."""
    be, dev, _ = _setup(backend, device, None)
    return _make(_rng(be, generator).permutation(n, dev), be, None)


def bernoulli(p: float, size: Any = (), *, dtype=None, device: str | None = None,
              backend=None) -> Tensor:
    """Samples that are 1 with probability ``p`` and 0 otherwise."""
    if not 0.0 <= p <= 1.0:
        raise ValueError(f"bernoulli: p must be in [0, 1], got {p}")
    be, dev, dt = _setup(backend, device, dtype)
    return _make(be.rng.bernoulli(p, _shape_of((size,)), be.native_dtype(dt), dev), be, None)


def _vmap_aware(fn):
    # Inside ag.func.vmap a draw follows the vmap's ``randomness`` (error, different, same);
    # outside, one check of an empty list. Levels exist only once arraygrad.func has set
    # the hook, so the hook is there whenever it is needed.
    @functools.wraps(fn)
    def draw(*args, **kwargs):
        if not _VMAP.levels:
            return fn(*args, **kwargs)
        hook = _VMAP_HOOKS.random_draw
        assert hook is not None  # levels are pushed only by arraygrad.func, which sets it
        return hook(fn, fn.__name__, args, kwargs)

    return draw


rand = _vmap_aware(rand)
uniform = _vmap_aware(uniform)
randn = _vmap_aware(randn)
normal = _vmap_aware(normal)
randint = _vmap_aware(randint)
randperm = _vmap_aware(randperm)
bernoulli = _vmap_aware(bernoulli)


def _like(x: Tensor, dtype: Any, device: Any) -> dict:
    if not isinstance(x, Tensor):
        raise TypeError(f"rand_like/randn_like/randint_like expect a Tensor to take the shape, "
                        f"dtype and device from, got {type(x).__name__}; wrap it with "
                        f"ag.tensor(...) first")
    return {"dtype": x.dtype if dtype is None else dtype,
            "device": x.device if device is None else device, "backend": x._backend}


def rand_like(x: Tensor, *, dtype: Any = None, device: Any = None,
              requires_grad: bool = False) -> Tensor:
    """Uniform samples in ``[0, 1)`` with ``x``'s shape, dtype, device and backend."""
    like = _like(x, dtype, device)
    return rand(x.shape, requires_grad=requires_grad, **like)


def randn_like(x: Tensor, *, dtype: Any = None, device: Any = None,
               requires_grad: bool = False) -> Tensor:
    """Standard normal samples with ``x``'s shape, dtype, device and backend."""
    like = _like(x, dtype, device)
    return randn(x.shape, requires_grad=requires_grad, **like)


def randint_like(x: Tensor, low: int, high: int | None = None, *, dtype: Any = None,
                 device: Any = None) -> Tensor:
    """Integers in ``[low, high)`` (``randint_like(x, high)``: ``[0, high)``) with ``x``'s
    shape, and by default its dtype, device and backend."""
    like = _like(x, dtype, device)
    wanted = like.pop("dtype")
    drawn = randint(low, high, x.shape, **like)  # integers first: some backends draw no floats
    return drawn if drawn.dtype == wanted else drawn.astype(wanted)


def multinomial(probs: Tensor, num_samples: int, replacement: bool = False) -> Tensor:
    """Indices drawn from the categorical distributions in the rows of ``probs`` (weights,
    need not sum to 1): ``num_samples`` per row, with or without replacement (int64)."""
    if probs.ndim not in (1, 2):
        raise ValueError(f"multinomial: probs must be 1-D or 2-D, got shape {probs.shape}")
    p = probs.detach() if probs.ndim == 2 else sh.reshape(probs.detach(), (1, -1))
    n = p.shape[-1]
    if bool(rd.any(p < 0).item()) or not bool(rd.all(ew.isfinite(p)).item()):
        raise ValueError("multinomial: probabilities must be finite and non-negative")
    if bool(rd.any(rd.sum(p, axis=-1) <= 0).item()):
        raise ValueError("multinomial: every row of probs must have a positive sum")
    if not replacement and num_samples > n:
        raise ValueError(f"multinomial: cannot draw {num_samples} samples without "
                         f"replacement from {n} categories")
    be, dev = p._backend, p.device
    if replacement:  # inverse CDF: count the bins below each uniform draw
        cdf = rd.cumulative_sum(p / rd.sum(p, axis=-1, keepdims=True), axis=-1)
        u = uniform(0.0, 1.0, (p.shape[0], num_samples), dtype=p.dtype, device=dev,
                    backend=be)
        below = sh.expand_dims(u, axis=-1) >= sh.expand_dims(cdf, axis=-2)
        out = sh.astype(rd.sum(sh.astype(below, _dtypes.int64), axis=-1), _dtypes.int64)
        out = ew.minimum(out, n - 1)
    else:  # Gumbel top-k: keys log(p) + Gumbel noise, the k largest
        u = uniform(1e-12, 1.0, p.shape, dtype=p.dtype, device=dev, backend=be)
        keys = ew.log(p) - ew.log(-ew.log(u))
        out = rd.argsort(keys, axis=-1, descending=True)[:, :num_samples]
    return out if probs.ndim == 2 else out[0]


def poisson(input: Tensor, generator: Any = None) -> Tensor:  # noqa: A002 - PyTorch's name
    """One Poisson sample per element of ``input`` (the rates), as ``torch.poisson``.

    The samples (whole numbers, in ``input``'s dtype) come from the backend's generator,
    so :func:`manual_seed` makes them reproducible. Rates below 10 are sampled by
    inversion, larger ones by Hörmann's transformed rejection (PTRS, as NumPy and PyTorch
    do); both are exact up to floating-point rounding (computed in float64 where the
    backend has it). As in PyTorch, the result of an ``input`` that requires grad requires
    grad too, and its gradient is zero.

    Parameters
    ----------
    input : Tensor
        Non-negative, finite rates of a floating dtype.
    generator : None
        PyTorch's per-call generator; arraygrad has one generator per backend, so only
        ``None`` is accepted (seed with :func:`manual_seed`).

    Returns
    -------
    Tensor
        The samples, with ``input``'s shape, dtype, device and backend.

    Raises
    ------
    TypeError
        If ``input`` is not a Tensor or not floating, or ``generator`` is given.
    RuntimeError
        If a rate is negative, NaN or infinite (PyTorch raises for negative and NaN rates;
        for an infinite one it returns a meaningless integer).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.manual_seed(0)
    >>> s = ag.poisson(ag.full((1000,), 4.0, dtype=ag.float64))
    >>> bool(abs(s.mean().item() - 4.0) < 0.5), s.dtype == ag.float64
    (True, True)
    """
    if generator is not None:
        raise TypeError("poisson: generator= is not supported (arraygrad has one generator per "
                        "backend); pass None and seed with ag.manual_seed(n)")
    if getattr(type(input), "_ag_batched", False):  # inside ag.func.vmap
        return _poisson_in_vmap(input)
    if not isinstance(input, Tensor):
        raise TypeError(f"poisson: input must be a Tensor of rates, got "
                        f"{type(input).__name__} (wrap it with ag.tensor(...))")
    if not _dtypes.is_floating(input.dtype):
        raise TypeError(f"poisson: the rates must have a floating dtype, got "
                        f"{input.dtype.name} (shape {input.shape}); cast with "
                        f".to(ag.float32) or .double()")
    be = input._backend
    xp = be.xp
    lam = input.detach().array
    if lam.size and not bool(xp.all(xp.logical_and(lam >= 0, xp.isfinite(lam)))):
        raise RuntimeError(f"poisson: invalid Poisson rate: every rate must be non-negative "
                           f"and finite (input of shape {input.shape}, dtype "
                           f"{input.dtype.name} has a negative, NaN or infinite element)")
    sample = _make(xp.astype(_poisson_draws(be, input.device, lam), lam.dtype), be, None)
    if input.requires_grad and is_grad_enabled():
        return sample + 0 * input  # PyTorch's PoissonBackward: a zero gradient
    return sample


def _poisson_in_vmap(rates: Any) -> Any:
    for _, _, mode in _VMAP.levels:
        if mode != "different":
            raise RuntimeError(
                f"vmap: poisson() draws random numbers inside a function vmapped with "
                f"randomness={mode!r}, which poisson does not support; pass "
                f"randomness='different' (independent draws per example)")
    map_physical = type(rates)._ag_map_physical  # every element is drawn independently
    levels = _VMAP.levels
    _VMAP.levels = []
    try:
        return map_physical(poisson, rates)
    finally:
        _VMAP.levels = levels


def _poisson_draws(be: Any, device: Any, lam: Any) -> Any:
    """Poisson samples for the native array of rates ``lam`` (float64 where possible)."""
    xp = be.xp
    f64 = be.native_dtype(_dtypes.float64)
    lam = xp.astype(lam, f64)
    shape = tuple(lam.shape)
    zero = xp.zeros_like(lam)

    def uniform() -> Any:
        return be.rng.uniform(shape, f64, device, 0.0, 1.0)

    # Rates below 10: inversion by sequential search, K = min{k : u <= F(k)}. An element
    # stays in the loop while u > F; it leaves once the pmf underflows (F has converged).
    small = lam < 10.0
    rate = xp.where(small, lam, zero)
    u = uniform()
    p = xp.exp(-rate)
    cdf = p
    k = zero
    i = 1
    while True:
        active = xp.logical_and(u > cdf, p > 0)
        if not bool(xp.any(active)):
            break
        k = k + xp.astype(active, f64)
        p = p * rate / i
        cdf = cdf + p
        i += 1
    large = xp.logical_not(small)
    if not bool(xp.any(large)):
        return k
    # Rates of 10 and more: PTRS (W. Hörmann, "The transformed rejection method for
    # generating Poisson random variables", 1993), one round of draws for every pending
    # element at a time (each round accepts about 90% of them).
    rate = xp.where(large, lam, zero + 10.0)
    slam = xp.sqrt(rate)
    loglam = xp.log(rate)
    b = 0.931 + 2.53 * slam
    a = -0.059 + 0.02483 * b
    log_invalpha = xp.log(1.1239 + 1.1328 / (b - 3.4))
    vr = 0.9277 - 3.6224 / (b - 2.0)
    tiny = zero + 1e-30
    drawn = zero
    pending = large
    while bool(xp.any(pending)):
        centered = uniform() - 0.5
        v = uniform()
        us = 0.5 - xp.abs(centered)
        us_safe = xp.where(us > 1e-30, us, tiny)
        kk = xp.floor((2.0 * a / us_safe + b) * centered + rate + 0.43)
        quick = xp.logical_and(us >= 0.07, v <= vr)
        refused = xp.logical_or(kk < 0, xp.logical_and(us < 0.013, v > us))
        k_safe = xp.where(kk < 0, zero, kk)
        lhs = xp.log(xp.where(v > 0, v, tiny)) + log_invalpha \
            - xp.log(a / (us_safe * us_safe) + b)
        rhs = -rate + k_safe * loglam - lgamma_xp(xp, k_safe + 1.0)
        ok = xp.logical_or(quick, xp.logical_and(xp.logical_not(refused), lhs <= rhs))
        accepted = xp.logical_and(pending, ok)
        drawn = xp.where(accepted, kk, drawn)
        pending = xp.logical_and(pending, xp.logical_not(accepted))
    return xp.where(large, drawn, k)
