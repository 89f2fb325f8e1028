"""``torch.amp``: ``GradScaler`` (loss scaling) and ``autocast``.

``GradScaler`` is PyTorch's dynamic loss scaling, step for step: ``scale(loss)`` multiplies
by the scale (a power of two, so exactly), ``unscale_(opt)`` divides the gradients by it
and notes whether any is inf or NaN, ``step(opt)`` skips the update when one was, and
``update()`` halves the scale after such a step and doubles it after ``growth_interval``
clean ones. Its numbers are PyTorch's.

``autocast`` with ``enabled=False`` is a no-op, as in PyTorch, so the usual
``autocast(device_type, enabled=use_amp)`` runs in full precision. arraygrad has no
automatic mixed precision: ``enabled=True`` raises rather than computing in a precision
other than the one PyTorch would use.
"""

from __future__ import annotations

import functools
import types
import warnings
from collections.abc import Callable, Iterator
from typing import Any

from arraygrad import cuda
from arraygrad.grad_mode import no_grad
from arraygrad.ops.elementwise import isfinite
from arraygrad.ops.reductions import all as _all
from arraygrad.optim.optimizer import Optimizer
from arraygrad.tensor import Tensor

__all__ = ["GradScaler", "autocast", "cuda_amp"]

_READY, _UNSCALED, _STEPPED = "ready", "unscaled", "stepped"


class autocast:  # noqa: N801 - PyTorch's name
    """``torch.autocast``: a context manager (and decorator) that, enabled, would run ops in
    ``dtype``; disabled (``enabled=False``), a no-op.

    Examples
    --------
    >>> import arraygrad as ag
    >>> with ag.amp.autocast("cpu", enabled=False):
    ...     y = ag.ones(2) * 2
    >>> y.dtype.name
    'float32'
    """

    def __init__(self, device_type: str = "cuda", dtype: Any = None, enabled: bool = True,
                 cache_enabled: bool | None = None) -> None:
        if not isinstance(device_type, str):
            raise ValueError(f"Expected `device_type` of type `str`, got: "
                             f"`{type(device_type)}`")
        self.device_type = device_type
        self.fast_dtype = dtype
        self._enabled = bool(enabled)

    def __enter__(self) -> autocast:
        if self._enabled:
            raise NotImplementedError(
                f"autocast(device_type={self.device_type!r}"
                + (f", dtype={self.fast_dtype}" if self.fast_dtype is not None else "")
                + "): arraygrad has no automatic mixed precision; pass enabled=False (the "
                "step then runs in full precision, as PyTorch does without autocast)")
        return self

    def __exit__(self, *exc: Any) -> None:
        return None

    def __call__(self, fn: Callable[..., Any]) -> Callable[..., Any]:
        @functools.wraps(fn)
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            with self:
                return fn(*args, **kwargs)
        return wrapper


def _grads(optimizer: Optimizer) -> Iterator[Tensor]:
    for group in optimizer.param_groups:
        for p in group["params"]:
            if p.grad is not None:
                yield p.grad


class GradScaler:
    """``torch.amp.GradScaler``: dynamic loss scaling (see the module docstring).

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.nn.Parameter(ag.ones(2))
    >>> opt = ag.optim.SGD([w], lr=0.5)
    >>> scaler = ag.amp.GradScaler("cpu", init_scale=1024.0)
    >>> scaler.scale((w * w).sum()).backward()
    >>> scaler.step(opt); scaler.update()
    >>> w.tolist(), scaler.get_scale()
    ([0.0, 0.0], 1024.0)
    """

    def __init__(self, device: str = "cuda", init_scale: float = 2.0 ** 16,
                 growth_factor: float = 2.0, backoff_factor: float = 0.5,
                 growth_interval: int = 2000, enabled: bool = True) -> None:
        if growth_factor <= 1.0:
            raise ValueError("The growth factor must be > 1.0.")
        if backoff_factor >= 1.0:
            raise ValueError("The backoff factor must be < 1.0.")
        self._device = device
        if enabled and str(device).startswith("cuda") and not cuda.is_available():
            warnings.warn("torch.cuda.amp.GradScaler is enabled, but CUDA is not available.  "
                          "Disabling.", UserWarning, stacklevel=2)
            enabled = False
        self._enabled = bool(enabled)
        self._init_scale = float(init_scale)
        self._scale: float | None = None
        self._growth_factor = float(growth_factor)
        self._backoff_factor = float(backoff_factor)
        self._growth_interval = int(growth_interval)
        self._growth_tracker = 0
        self._per_optimizer: dict[int, dict[str, Any]] = {}

    # ------------------------------------------------------------------ scaling
    def scale(self, outputs: Any) -> Any:
        """``outputs`` (a tensor, or lists/tuples of them) times the current scale."""
        if not self._enabled:
            return outputs
        if self._scale is None:
            self._scale = self._init_scale
        if isinstance(outputs, Tensor):
            return outputs * _typed(self._scale, outputs)
        if isinstance(outputs, (list, tuple)):
            return type(outputs)(self.scale(o) for o in outputs)
        raise ValueError("outputs must be a Tensor or an iterable of Tensors")

    def _state(self, optimizer: Optimizer) -> dict[str, Any]:
        return self._per_optimizer.setdefault(id(optimizer), {"stage": _READY,
                                                              "found_inf": False})

    def _require_scale(self, what: str) -> float:
        if self._scale is None:
            raise RuntimeError(f"Attempted {what} but _scale is None.  This may indicate your "
                               f"script did not use scaler.scale(loss or outputs) earlier "
                               f"in the iteration.")
        return self._scale

    def unscale_(self, optimizer: Optimizer) -> None:
        """Divide ``optimizer``'s gradients by the scale, in place (once per step)."""
        if not self._enabled:
            return
        scale = self._require_scale("unscale_")
        state = self._state(optimizer)
        if state["stage"] is _UNSCALED:
            raise RuntimeError("unscale_() has already been called on this optimizer since "
                               "the last update().")
        if state["stage"] is _STEPPED:
            raise RuntimeError("unscale_() is being called after step().")
        inv = 1.0 / scale
        found = False
        with no_grad():
            for g in _grads(optimizer):
                if g.dtype.name == "float16":
                    raise ValueError("Attempting to unscale FP16 gradients.")
                if not bool(_all(isfinite(g)).item()):
                    found = True
                g.mul_(_typed(inv, g))
        state["found_inf"] = found
        state["stage"] = _UNSCALED

    def step(self, optimizer: Optimizer, *args: Any, **kwargs: Any) -> Any:
        """``optimizer.step()``, unless the unscaled gradients hold an inf or NaN."""
        if not self._enabled:
            return optimizer.step(*args, **kwargs)
        if "closure" in kwargs:
            raise RuntimeError("Closure use is not currently supported if GradScaler is "
                               "enabled.")
        self._require_scale("step")
        state = self._state(optimizer)
        if state["stage"] is _STEPPED:
            raise RuntimeError("step() has already been called since the last update().")
        if state["stage"] is _READY:
            self.unscale_(optimizer)
        result = None if state["found_inf"] else optimizer.step(*args, **kwargs)
        state["stage"] = _STEPPED
        return result

    def update(self, new_scale: float | Tensor | None = None) -> None:
        """Halve the scale after a skipped step, double it after ``growth_interval`` clean
        steps (or set ``new_scale``); the next iteration may unscale and step again."""
        if not self._enabled:
            return
        scale = self._require_scale("update")
        if new_scale is not None:
            value = new_scale.item() if isinstance(new_scale, Tensor) else new_scale
            if not isinstance(value, float):
                raise ValueError("new_scale should be a float or a 1-element tensor")
            self._scale = value
        else:
            found = [s["found_inf"] for s in self._per_optimizer.values()
                     if s["stage"] is not _READY]
            if not found:
                raise AssertionError("No inf checks were recorded prior to update.")
            if any(found):
                self._scale = scale * self._backoff_factor
                self._growth_tracker = 0
            else:
                self._growth_tracker += 1
                if self._growth_tracker == self._growth_interval:
                    self._scale = scale * self._growth_factor
                    self._growth_tracker = 0
        self._per_optimizer = {}

    # ------------------------------------------------------------------ settings
    def get_scale(self) -> float:
        """The current scale (1.0 when disabled)."""
        if not self._enabled:
            return 1.0
        return self._init_scale if self._scale is None else self._scale

    def get_growth_factor(self) -> float:
        """The factor the scale grows by."""
        return self._growth_factor

    def set_growth_factor(self, new_factor: float) -> None:
        """Change the growth factor."""
        self._growth_factor = float(new_factor)

    def get_backoff_factor(self) -> float:
        """The factor the scale shrinks by after a skipped step."""
        return self._backoff_factor

    def set_backoff_factor(self, new_factor: float) -> None:
        """Change the backoff factor."""
        self._backoff_factor = float(new_factor)

    def get_growth_interval(self) -> int:
        """How many clean steps make the scale grow."""
        return self._growth_interval

    def set_growth_interval(self, new_interval: int) -> None:
        """Change the growth interval."""
        self._growth_interval = int(new_interval)

    def is_enabled(self) -> bool:
        """Whether the scaler scales (``enabled``)."""
        return self._enabled

    def state_dict(self) -> dict[str, Any]:
        """PyTorch's keys: scale, growth_factor, backoff_factor, growth_interval,
        _growth_tracker (empty when disabled)."""
        if not self._enabled:
            return {}
        return {"scale": self.get_scale(), "growth_factor": self._growth_factor,
                "backoff_factor": self._backoff_factor,
                "growth_interval": self._growth_interval,
                "_growth_tracker": self._growth_tracker}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict`."""
        if not self._enabled:
            return
        if len(state_dict) == 0:
            raise RuntimeError("The source state dict is empty, possibly because it was saved "
                               "from a disabled instance of GradScaler.")
        self._init_scale = float(state_dict["scale"])
        self._scale = float(state_dict["scale"])
        self._growth_factor = float(state_dict["growth_factor"])
        self._backoff_factor = float(state_dict["backoff_factor"])
        self._growth_interval = int(state_dict["growth_interval"])
        self._growth_tracker = int(state_dict["_growth_tracker"])


def _typed(value: float, like: Tensor) -> Tensor:
    """``value`` as a 0-d tensor of ``like``'s dtype, backend and device (PyTorch keeps the
    scale as a float32 tensor, so the products are float32 products)."""
    return like.new_full((), value)


def _cuda_autocast(enabled: bool = True, dtype: Any = None, cache_enabled: bool = True
                   ) -> autocast:
    """``torch.cuda.amp.autocast``: :class:`autocast` on ``"cuda"``."""
    return autocast("cuda", dtype=dtype, enabled=enabled, cache_enabled=cache_enabled)


def _cuda_grad_scaler(init_scale: float = 2.0 ** 16, growth_factor: float = 2.0,
                      backoff_factor: float = 0.5, growth_interval: int = 2000,
                      enabled: bool = True) -> GradScaler:
    """``torch.cuda.amp.GradScaler``: :class:`GradScaler` on ``"cuda"``."""
    return GradScaler("cuda", init_scale, growth_factor, backoff_factor, growth_interval,
                      enabled)


# ``torch.cuda.amp`` (reached as ``arraygrad.cuda.amp``)
cuda_amp = types.SimpleNamespace(autocast=_cuda_autocast, GradScaler=_cuda_grad_scaler)
