"""An arraygrad backend for PyTorch CPU tensors, written as a third-party plugin.

arraygrad finds this module through the ``arraygrad`` entry point in pyproject.toml and
calls its ``arraygrad_backends`` hook, which *declares* the backend without importing
torch. torch is imported by ``load()`` the first time someone asks for the backend
(``ag.tensor(..., backend="torch")``, ``--arraygrad-backend torch``), so a broken torch
install can never break ``import arraygrad``: it shows up in ``ag.backends.available()``.

arraygrad does the autograd itself; torch is used only as an array library (no
``requires_grad`` on the torch side).
"""

from __future__ import annotations

from typing import Any

from arraygrad.extend import Backend, BackendSpec, make_namespace
from arraygrad.hookspecs import hookimpl

__all__ = ["arraygrad_backends", "load", "TorchRNG"]
_PYTHON = (list, tuple, int, float, bool, complex)


class TorchRNG:
    """Random numbers from one ``torch.Generator`` (the RNG protocol of arraygrad).

    Every method returns a torch tensor of the requested shape, dtype and device.
    """

    def __init__(self, torch: Any) -> None:
        self._torch = torch
        self._gen = torch.Generator(device="cpu")
        self._gen.seed()  # non-deterministic until ag.manual_seed is called

    def seed(self, seed: int) -> None:
        self._gen.manual_seed(seed)

    def get_state(self) -> Any:
        """The generator's state (optional in the RNG protocol)."""
        return self._gen.get_state()

    def set_state(self, state: Any) -> None:
        """Continue from a state :meth:`get_state` returned."""
        self._gen.set_state(state)

    def uniform(self, shape, dtype, device, low=0.0, high=1.0):
        u = self._torch.rand(tuple(shape), generator=self._gen, dtype=dtype, device=device)
        return u * (high - low) + low

    def normal(self, shape, dtype, device, mean=0.0, std=1.0):
        n = self._torch.randn(tuple(shape), generator=self._gen, dtype=dtype, device=device)
        return n * std + mean

    def integers(self, low, high, shape, dtype, device):
        return self._torch.randint(low, high, tuple(shape), generator=self._gen, dtype=dtype,
                                   device=device)

    def permutation(self, n, device):
        return self._torch.randperm(n, generator=self._gen, device=device)

    def bernoulli(self, p, shape, dtype, device):
        u = self._torch.rand(tuple(shape), generator=self._gen, device=device)
        return (u < p).to(dtype)


def load() -> Backend:
    """Import torch and describe it to arraygrad (called once, on first use)."""
    import array_api_compat.torch as xp  # torch behind the Array-API standard's names
    import numpy as np
    import torch

    def from_object(obj, dtype=None, device=None, copy=None):
        """A torch tensor from a scalar, nested list, NumPy array or DLPack-capable array."""
        if device not in (None, "cpu"):
            raise ValueError(f"the torch backend has only device 'cpu', not {device!r}")
        if isinstance(obj, torch.Tensor):
            return torch.asarray(obj, dtype=dtype, copy=copy)
        if not isinstance(obj, (np.ndarray, np.generic, *_PYTHON)) and hasattr(obj,
                                                                                "__dlpack__"):
            try:  # zero-copy view, then a copy: the source may be immutable (JAX)
                return torch.from_dlpack(obj).to(dtype=dtype, copy=True)
            except (BufferError, TypeError, RuntimeError):
                obj = np.asarray(obj)  # e.g. an array on a device torch can't read
        if isinstance(obj, np.ndarray) and not obj.flags.writeable:
            copy = True  # torch warns about (and can't honour) read-only memory
        return torch.asarray(obj, dtype=dtype, copy=copy)

    def scatter_add(target, key, values):
        """Add ``values`` at ``target[key]``; repeated indices accumulate.

        Indexing a tensor of flat positions with ``key`` turns any key (ints, slices,
        masks, integer arrays) into the list of positions it selects, repeats included;
        ``index_add_`` then accumulates into those positions.
        """
        if not target.is_contiguous():
            target = target.contiguous()
        positions = torch.arange(target.numel()).reshape(target.shape)[key]
        values = torch.broadcast_to(torch.as_tensor(values, dtype=target.dtype),
                                    positions.shape)
        target.view(-1).index_add_(0, positions.reshape(-1), values.reshape(-1))
        return target

    def to_numpy(array):
        return array.detach().cpu().numpy()

    def to_device(array, device):
        if device != "cpu":
            raise ValueError(f"the torch backend has only device 'cpu', not {device!r}")
        return array

    return Backend(
        name="torch",
        xp=make_namespace(xp, scatter_add=scatter_add),
        devices=("cpu",),
        default_device="cpu",
        mutable=True,
        from_object=from_object,
        to_numpy=to_numpy,
        device_of=lambda array: "cpu",
        to_device=to_device,
        native_device=torch.device,
        owns=lambda obj: isinstance(obj, torch.Tensor),
        rng=TorchRNG(torch),
        scatter_add=scatter_add,
    )


@hookimpl
def arraygrad_backends() -> list[BackendSpec]:
    """Declare the ``torch`` backend (cheap: nothing is imported until it is used)."""
    return [BackendSpec("torch", load, "PyTorch CPU tensors (example third-party plugin)")]
