"""``Module``: the base class of layers and models (PyTorch's ``nn.Module``)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterator, Mapping
from typing import Any, NamedTuple

from arraygrad import _dtypes
from arraygrad.grad_mode import no_grad
from arraygrad.nn.parameter import Buffer, Parameter
from arraygrad.tensor import Tensor, _make

__all__ = ["Module", "IncompatibleKeys", "RemovableHandle", "StateDictError"]


class StateDictError(RuntimeError, ValueError):
    """A state dict does not fit a module or optimizer (missing, unexpected or misshapen
    entries). A ``RuntimeError`` as in PyTorch, and a ``ValueError``."""


class IncompatibleKeys(NamedTuple):
    """What ``load_state_dict`` returns: keys it did not find, and keys it did not use."""

    missing_keys: list[str]
    unexpected_keys: list[str]


class RemovableHandle:
    """Returned by hook registrations; ``remove()`` unregisters the hook."""

    def __init__(self, hooks: dict, key: int) -> None:
        self._hooks = hooks
        self._key = key

    def remove(self) -> None:
        """Unregister the hook (idempotent)."""
        self._hooks.pop(self._key, None)


class Module:
    """Base class for layers and models.

    Assigning a :class:`Parameter` or a ``Module`` to an attribute registers it, so
    :meth:`parameters`, :meth:`state_dict`, :meth:`to` and friends find it. Subclasses call
    ``super().__init__()`` first and define :meth:`forward`; call the module itself
    (``model(x)``) so that forward hooks run.

    Examples
    --------
    >>> import arraygrad as ag
    >>> class Affine(ag.nn.Module):
    ...     def __init__(self):
    ...         super().__init__()
    ...         self.scale = ag.nn.Parameter(ag.ones(3))
    ...     def forward(self, x):
    ...         return x * self.scale
    >>> m = Affine()
    >>> [name for name, _ in m.named_parameters()]
    ['scale']
    """

    training: bool

    def __new__(cls, *args: Any, **kwargs: Any) -> Module:
        self = super().__new__(cls)
        # The constructor arguments (one tuple, no copy): ag.save(model) stores them as
        # JSON so that ag.load can call the class again.
        object.__setattr__(self, "_init_args", (args, kwargs))
        return self

    def __init__(self) -> None:
        object.__setattr__(self, "_parameters", OrderedDict())
        object.__setattr__(self, "_buffers", OrderedDict())
        object.__setattr__(self, "_non_persistent", set())
        object.__setattr__(self, "_modules", OrderedDict())
        object.__setattr__(self, "_forward_hooks", OrderedDict())
        object.__setattr__(self, "_forward_pre_hooks", OrderedDict())
        object.__setattr__(self, "training", True)

    # ------------------------------------------------------------------ registration
    def __setattr__(self, name: str, value: Any) -> None:
        params = self.__dict__.get("_parameters")
        if params is None:
            raise AttributeError(
                f"cannot assign {name!r} before Module.__init__() call; call "
                f"super().__init__() first in {type(self).__name__}.__init__"
            )
        if isinstance(value, Buffer):  # PyTorch's nn.Buffer: register it as a buffer
            params.pop(name, None)
            self._modules.pop(name, None)
            self.register_buffer(name, value.plain(), persistent=value.persistent)
        elif isinstance(value, Parameter):
            self.__dict__.pop(name, None)
            self._modules.pop(name, None)
            self._buffers.pop(name, None)
            params[name] = value
        elif isinstance(value, Module):
            self.__dict__.pop(name, None)
            params.pop(name, None)
            self._buffers.pop(name, None)
            self._modules[name] = value
        elif name in self._buffers:
            if value is not None and not isinstance(value, Tensor):
                raise TypeError(f"cannot assign {type(value).__name__} as buffer {name!r} "
                                f"of {type(self).__name__} (a Tensor or None is expected)")
            self._buffers[name] = value
        elif name in params or name in self._modules:
            store = params if name in params else self._modules
            if value is not None:
                kind = "parameter" if store is params else "submodule"
                raise TypeError(
                    f"cannot assign {type(value).__name__} as {kind} {name!r} of "
                    f"{type(self).__name__} (a {'Parameter' if kind == 'parameter' else 'Module'}"
                    f" or None is expected); wrap a tensor with ag.nn.Parameter(...)")
            store[name] = None
        else:
            object.__setattr__(self, name, value)

    def __getattr__(self, name: str) -> Any:
        d = self.__dict__
        for store in ("_parameters", "_buffers", "_modules"):
            if store in d and name in d[store]:
                return d[store][name]
        raise AttributeError(f"{type(self).__name__!r} object has no attribute {name!r}")

    def __delattr__(self, name: str) -> None:
        for store in (self._parameters, self._buffers, self._modules):
            if name in store:
                del store[name]
                self._non_persistent.discard(name)
                return
        object.__delattr__(self, name)

    def register_parameter(self, name: str, param: Parameter | None) -> None:
        """Register ``param`` (or None, a declared-but-absent parameter) under ``name``."""
        if param is not None and not isinstance(param, Parameter):
            raise TypeError(f"register_parameter: {name!r} must be a Parameter or None, not "
                            f"{type(param).__name__}")
        self._parameters[name] = param

    def register_buffer(self, name: str, tensor: Tensor | None, persistent: bool = True) -> None:
        """Register a non-trained tensor (running statistics...) saved in the state dict.

        ``persistent=False`` keeps it out of :meth:`state_dict`.
        """
        if not isinstance(name, str) or not name or "." in name:
            raise KeyError(f"register_buffer: invalid buffer name {name!r}")
        if tensor is not None and not isinstance(tensor, Tensor):
            raise TypeError(f"register_buffer: {name!r} must be a Tensor or None, not "
                            f"{type(tensor).__name__}")
        if name in self._parameters or name in self._modules:
            raise KeyError(f"register_buffer: attribute {name!r} already exists")
        self.__dict__.pop(name, None)
        self._buffers[name] = tensor
        if persistent:
            self._non_persistent.discard(name)
        else:
            self._non_persistent.add(name)

    def add_module(self, name: str, module: Module | None) -> None:
        """Register a submodule under ``name``."""
        if module is not None and not isinstance(module, Module):
            raise TypeError(f"add_module: {name!r} must be a Module, not "
                            f"{type(module).__name__}")
        self._modules[name] = module

    # ------------------------------------------------------------------ calling
    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The computation; subclasses override it."""
        raise NotImplementedError(f"{type(self).__name__} must define forward()")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        for hook in list(self._forward_pre_hooks.values()):
            result = hook(self, args)
            if result is not None:
                args = result if isinstance(result, tuple) else (result,)
        out = self.forward(*args, **kwargs)
        for hook in list(self._forward_hooks.values()):
            result = hook(self, args, out)
            if result is not None:
                out = result
        return out

    def register_forward_hook(self, hook: Callable[[Module, tuple, Any], Any]
                              ) -> RemovableHandle:
        """Call ``hook(module, inputs, output)`` after each forward; a non-None return
        value replaces the output."""
        key = id(hook) ^ len(self._forward_hooks) << 1
        while key in self._forward_hooks:
            key += 1
        self._forward_hooks[key] = hook
        return RemovableHandle(self._forward_hooks, key)

    def register_forward_pre_hook(self, hook: Callable[[Module, tuple], Any]
                                  ) -> RemovableHandle:
        """Call ``hook(module, inputs)`` before each forward; a non-None return value
        replaces the inputs."""
        key = id(hook) ^ len(self._forward_pre_hooks) << 1
        while key in self._forward_pre_hooks:
            key += 1
        self._forward_pre_hooks[key] = hook
        return RemovableHandle(self._forward_pre_hooks, key)

    # ------------------------------------------------------------------ traversal
    def named_modules(self, prefix: str = "", remove_duplicate: bool = True
                      ) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for this module and every descendant: each once, or, with
        ``remove_duplicate=False``, a module registered under several names once per name
        (as PyTorch's)."""
        seen: set[int] = set()
        stack = [(prefix, self)]
        while stack:
            name, module = stack.pop()
            if remove_duplicate and id(module) in seen:
                continue
            seen.add(id(module))
            yield name, module
            children = [(f"{name}.{n}" if name else n, m) for n, m in module._modules.items()
                        if m is not None]
            stack.extend(reversed(children))

    def modules(self) -> Iterator[Module]:
        """This module and every descendant."""
        for _, module in self.named_modules():
            yield module

    def named_children(self) -> Iterator[tuple[str, Module]]:
        """``(name, module)`` for the direct submodules."""
        for name, module in self._modules.items():
            if module is not None:
                yield name, module

    def children(self) -> Iterator[Module]:
        """The direct submodules."""
        for _, module in self.named_children():
            yield module

    def named_parameters(self, prefix: str = "", recurse: bool = True
                         ) -> Iterator[tuple[str, Parameter]]:
        """``(dotted name, parameter)`` pairs, each parameter once (shared ones too)."""
        seen: set[int] = set()
        mods = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_name, module in mods:
            for name, p in module._parameters.items():
                if p is None or id(p) in seen:
                    continue
                seen.add(id(p))
                yield (f"{mod_name}.{name}" if mod_name else name), p

    def parameters(self, recurse: bool = True) -> Iterator[Parameter]:
        """Every parameter (what an optimizer takes)."""
        for _, p in self.named_parameters(recurse=recurse):
            yield p

    def named_buffers(self, prefix: str = "", recurse: bool = True
                      ) -> Iterator[tuple[str, Tensor]]:
        """``(dotted name, buffer)`` pairs."""
        mods = self.named_modules(prefix) if recurse else iter([(prefix, self)])
        for mod_name, module in mods:
            for name, b in module._buffers.items():
                if b is not None:
                    yield (f"{mod_name}.{name}" if mod_name else name), b

    def buffers(self, recurse: bool = True) -> Iterator[Tensor]:
        """Every buffer."""
        for _, b in self.named_buffers(recurse=recurse):
            yield b

    # ------------------------------------------------------------------ modes
    def train(self, mode: bool = True) -> Module:
        """Set training mode (dropout active, batch norm uses batch statistics)."""
        if not isinstance(mode, bool):
            raise TypeError(f"train(mode) expects a bool, got {type(mode).__name__}")
        for module in self.modules():
            object.__setattr__(module, "training", mode)
        return self

    def eval(self) -> Module:
        """Set evaluation mode (``train(False)``)."""
        return self.train(False)

    def requires_grad_(self, requires_grad: bool = True) -> Module:
        """Set ``requires_grad`` on every parameter (freeze with False)."""
        for p in self.parameters():
            p.requires_grad_(requires_grad)
        return self

    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient (to None by default, as PyTorch)."""
        for p in self.parameters():
            if p.grad is None:
                continue
            if set_to_none:
                p.grad = None
            else:  # zeros_like, not grad * 0: that keeps NaN and infinity
                p.grad = _make(p.grad._backend.xp.zeros_like(p.grad._data), p.grad._backend,
                               None)

    def apply(self, fn: Callable[[Module], Any]) -> Module:
        """Call ``fn`` on every submodule (children first) and on self."""
        for module in self.children():
            module.apply(fn)
        fn(self)
        return self

    # ------------------------------------------------------------------ moving
    def to(self, *args: Any, device: str | None = None, backend: Any = None,
           dtype: Any = None) -> Module:
        """Move every parameter and buffer, in place, to a device and/or backend, and/or
        cast the floating ones to ``dtype``.

        ``model.to("cuda:0")``, ``model.to(ag.float64)``, ``model.to(backend="jax")``.
        Parameters keep their identity (build the optimizer before or after, either works);
        their gradients are dropped when the backend, device or dtype changes.
        """
        for arg in args:
            if isinstance(arg, _dtypes.DType):
                dtype = arg
            elif isinstance(arg, str):
                device = arg
            else:
                raise TypeError(f"Module.to: unexpected argument {arg!r}")
        if dtype is not None and not _dtypes.is_floating(_dtypes.dtype_from_name(
                getattr(dtype, "name", str(dtype)))):
            raise TypeError(f"Module.to only casts to floating dtypes, got {dtype}")
        with no_grad():
            for p in self.parameters():
                moved = _moved(p, device, backend, dtype)
                if moved is not p:
                    p._data = moved._data
                    p._backend = moved._backend
                    p.grad = None
                    p._bump_version()
            for module in self.modules():
                for name, b in module._buffers.items():
                    if b is not None:
                        module._buffers[name] = _moved(b, device, backend, dtype)
        return self

    def float(self) -> Module:
        """Cast floating parameters and buffers to float32."""
        return self.to(dtype=_dtypes.float32)

    def double(self) -> Module:
        """Cast floating parameters and buffers to float64."""
        return self.to(dtype=_dtypes.float64)

    # ------------------------------------------------------------------ state
    def state_dict(self, prefix: str = "", keep_vars: bool = False) -> OrderedDict[str, Tensor]:
        """Parameters and persistent buffers by dotted name (detached tensors sharing data).

        As PyTorch's: a submodule registered under two names (``self.conv1`` that is also
        ``self.net[0]``) contributes its entries under both."""
        out: OrderedDict[str, Tensor] = OrderedDict()
        for mod_name, module in self.named_modules(remove_duplicate=False):
            head = f"{prefix}{mod_name}." if mod_name else prefix
            for name, p in module._parameters.items():
                if p is not None:
                    out[head + name] = p if keep_vars else p.detach()
            for name, b in module._buffers.items():
                if b is not None and name not in module._non_persistent:
                    out[head + name] = b if keep_vars else b.detach()
        return out

    def load_state_dict(self, state_dict: Mapping[str, Any], strict: bool = True,
                        assign: bool = False) -> IncompatibleKeys:
        """Copy values from ``state_dict`` into this module's parameters and buffers.

        Every key is checked before anything is written: with ``strict=True`` a missing or
        unexpected key raises; a wrongly shaped value always raises. The error lists every
        problem, and on error nothing changes. Values are converted to each parameter's
        backend, device and dtype.

        Raises
        ------
        StateDictError
            Missing or unexpected keys (``strict=True``) or a value whose shape differs from
            the parameter's; the message lists every one.
        """
        targets = self.state_dict(keep_vars=True)
        if not hasattr(state_dict, "items"):
            raise TypeError(f"load_state_dict expects a mapping, got "
                            f"{type(state_dict).__name__}")
        missing = [k for k in targets if k not in state_dict]
        unexpected = [k for k in state_dict if k not in targets]
        wrong = []
        for key, target in targets.items():
            if key in state_dict:
                shape = tuple(getattr(state_dict[key], "shape", ()))
                if shape != target.shape:
                    wrong.append(f"{key}: checkpoint shape {shape}, model shape {target.shape}")
        problems = []
        if strict and missing:
            problems.append("missing key(s): " + ", ".join(missing))
        if strict and unexpected:
            problems.append("unexpected key(s): " + ", ".join(unexpected))
        if wrong:
            problems.append("size mismatch for " + "; ".join(wrong))
        if problems:
            msg = (f"Error(s) in loading state_dict for {type(self).__name__}: "
                   + " | ".join(problems) + ". Nothing was loaded.")
            raise StateDictError(msg)
        with no_grad():
            converted = {}
            for key, target in targets.items():
                if key in state_dict:
                    converted[key] = _converted(state_dict[key], target)
            for key, value in converted.items():
                target = targets[key]
                target._data = value._data
                target._backend = value._backend
                target._bump_version()
        return IncompatibleKeys(missing, unexpected)

    # ------------------------------------------------------------------ repr
    def extra_repr(self) -> str:
        """The text inside this module's parentheses in its repr."""
        return ""

    def __repr__(self) -> str:
        lines = []
        extra = self.extra_repr()
        if extra:
            lines.extend(extra.split("\n"))
        for name, module in self._modules.items():
            text = repr(module).replace("\n", "\n  ")
            lines.append(f"({name}): {text}")
        main = type(self).__name__ + "("
        if not lines:
            return main + ")"
        if len(lines) == 1 and not self._modules:
            return main + lines[0] + ")"
        return main + "\n  " + "\n  ".join(lines) + "\n)"

    def __dir__(self) -> list[str]:
        return sorted(set(super().__dir__()) | set(self._parameters) | set(self._buffers)
                      | set(self._modules))


def _moved(t: Tensor, device: Any, backend: Any, dtype: Any) -> Tensor:
    cast = dtype if dtype is not None and _dtypes.is_floating(t.dtype) else None
    if device is None and backend is None and cast is None:
        return t
    from arraygrad.ops.transfer import to

    out = to(t.detach(), device=device, backend=backend, dtype=cast)
    return t if out._data is t._data and out._backend is t._backend else out


def _converted(value: Any, target: Tensor) -> Tensor:
    from arraygrad.creation import asarray

    src = value.detach() if isinstance(value, Tensor) else value
    out = asarray(src, backend=target._backend, device=target.device, dtype=target.dtype,
                  copy=True)
    return out
