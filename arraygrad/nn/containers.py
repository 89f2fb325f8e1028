"""Containers: ``Sequential``, ``ModuleList``, ``ModuleDict``, ``ParameterList``,
``ParameterDict`` (PyTorch's registration and indexing behaviour)."""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Mapping
from typing import Any, TypeVar

from arraygrad.nn.module import Module
from arraygrad.nn.parameter import Parameter
from arraygrad.tensor import Tensor

__all__ = ["Sequential", "ModuleList", "ModuleDict", "ParameterList", "ParameterDict"]


def _index(index: int, n: int, name: str) -> int:
    if not isinstance(index, int):
        raise TypeError(f"{name} indices must be integers or slices, not "
                        f"{type(index).__name__}")
    if not -n <= index < n:
        raise IndexError(f"{name} index {index} is out of range for {n} entries")
    return index % n


def _renumber(module: Module, items: list) -> None:
    module._modules.clear()
    for i, m in enumerate(items):
        module.add_module(str(i), m)


_S = TypeVar("_S", bound="_ModuleSequence")


class _ModuleSequence(Module):
    """What Sequential and ModuleList share: modules numbered "0", "1", ... in order."""

    __getitem__: Callable[..., Any]  # each subclass indexes (and deletes) its own way
    __delitem__: Callable[..., None]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[Module]:
        return iter(self._modules.values())

    def append(self: _S, module: Module) -> _S:
        """Add ``module`` at the end."""
        self.add_module(str(len(self)), module)
        return self

    def pop(self, key: int | slice) -> Any:
        """Remove and return the module at ``key``."""
        value = self[key]
        del self[key]
        return value


class Sequential(_ModuleSequence):
    """Modules applied one after another: ``Sequential(a, b)(x) == b(a(x))``.

    Takes modules positionally (named "0", "1", ...) or one ``OrderedDict`` of names.

    Examples
    --------
    >>> import arraygrad as ag
    >>> net = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.ReLU(), ag.nn.Linear(8, 2))
    >>> net(ag.ones(3, 4)).shape
    (3, 2)
    """

    def __init__(self, *args: Any) -> None:
        super().__init__()
        if len(args) == 1 and isinstance(args[0], OrderedDict):
            for name, module in args[0].items():
                self.add_module(name, module)
        else:
            for i, module in enumerate(args):
                self.add_module(str(i), module)

    def forward(self, input: Any) -> Any:  # noqa: A002
        for module in self._modules.values():
            input = module(input)
        return input

    def __getitem__(self, idx: int | slice) -> Any:
        items = list(self._modules.items())
        if isinstance(idx, slice):
            return Sequential(OrderedDict(items[idx]))
        return items[_index(idx, len(items), "Sequential")][1]

    def __setitem__(self, idx: int, module: Module) -> None:
        key = list(self._modules)[_index(idx, len(self), "Sequential")]
        self.add_module(key, module)

    def __delitem__(self, idx: int | slice) -> None:
        keys = list(self._modules)
        targets = keys[idx] if isinstance(idx, slice) else [keys[_index(idx, len(keys),
                                                                        "Sequential")]]
        for key in targets:
            del self._modules[key]
        if all(k.isdigit() for k in self._modules):  # keep "0", "1", ... contiguous
            _renumber(self, list(self._modules.values()))

    def extend(self, sequential: Iterable[Module]) -> Sequential:
        """Append every module of ``sequential``."""
        for module in sequential:
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> Sequential:
        """Insert ``module`` before position ``index``."""
        if not isinstance(module, Module):
            raise TypeError(f"Sequential.insert: expected a Module, got {type(module).__name__}")
        n = len(self)
        if not -n <= index <= n:
            raise IndexError(f"Sequential.insert: index {index} is out of range for {n} modules")
        items = list(self._modules.values())
        items.insert(index % (n + 1) if index < 0 else index, module)
        _renumber(self, items)
        return self



class ModuleList(_ModuleSequence):
    """A list of modules whose parameters are registered (indexable, iterable).

    Examples
    --------
    >>> import arraygrad as ag
    >>> layers = ag.nn.ModuleList([ag.nn.Linear(2, 2) for _ in range(3)])
    >>> len(list(layers.parameters()))
    6
    """

    def __init__(self, modules: Iterable[Module] | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.extend(modules)

    def __getitem__(self, idx: int | slice) -> Any:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            return ModuleList(values[idx])
        return values[_index(idx, len(values), "ModuleList")]

    def __setitem__(self, idx: int, module: Module) -> None:
        self.add_module(str(_index(idx, len(self), "ModuleList")), module)

    def __delitem__(self, idx: int | slice) -> None:
        values = list(self._modules.values())
        if isinstance(idx, slice):
            del values[idx]
        else:
            del values[_index(idx, len(values), "ModuleList")]
        _renumber(self, values)

    def __iadd__(self, modules: Iterable[Module]) -> ModuleList:
        return self.extend(modules)

    def __add__(self, other: Iterable[Module]) -> ModuleList:
        return ModuleList(list(self) + list(other))

    def extend(self, modules: Iterable[Module]) -> ModuleList:
        """Add every module of ``modules``."""
        if isinstance(modules, Module) and not isinstance(modules, (ModuleList, Sequential)):
            raise TypeError(f"ModuleList.extend should be called with an iterable, but got "
                            f"{type(modules).__name__}")
        for module in list(modules):
            self.append(module)
        return self

    def insert(self, index: int, module: Module) -> None:
        """Insert ``module`` before position ``index``."""
        values = list(self._modules.values())
        values.insert(index, module)
        _renumber(self, values)


    def forward(self, *args: Any) -> Any:
        raise TypeError("ModuleList is a container, not a layer: iterate over it in your "
                        "module's forward()")


class ModuleDict(Module):
    """An ordered dict of modules whose parameters are registered.

    Examples
    --------
    >>> import arraygrad as ag
    >>> heads = ag.nn.ModuleDict({"cls": ag.nn.Linear(4, 3), "reg": ag.nn.Linear(4, 1)})
    >>> heads["reg"](ag.ones(2, 4)).shape
    (2, 1)
    """

    def __init__(self, modules: Mapping[str, Module] | Iterable | None = None) -> None:
        super().__init__()
        if modules is not None:
            self.update(modules)

    def __getitem__(self, key: str) -> Module:
        if key not in self._modules:
            raise KeyError(key)
        return self._modules[key]

    def __setitem__(self, key: str, module: Module) -> None:
        self.add_module(key, module)

    def __delitem__(self, key: str) -> None:
        del self._modules[key]

    def __len__(self) -> int:
        return len(self._modules)

    def __iter__(self) -> Iterator[str]:
        return iter(self._modules)

    def __contains__(self, key: object) -> bool:
        return key in self._modules

    def clear(self) -> None:
        """Remove every module."""
        self._modules.clear()

    def pop(self, key: str) -> Module:
        """Remove and return the module under ``key``."""
        value = self[key]
        del self[key]
        return value

    def keys(self) -> Iterable[str]:
        """The names."""
        return self._modules.keys()

    def items(self) -> Iterable[tuple[str, Module]]:
        """(name, module) pairs."""
        return self._modules.items()

    def values(self) -> Iterable[Module]:
        """The modules."""
        return self._modules.values()

    def update(self, modules: Mapping[str, Module] | Iterable) -> None:
        """Add or replace modules from a mapping or an iterable of (name, module) pairs."""
        pairs: Iterable[Any] = (modules.items() if isinstance(modules, (Mapping, ModuleDict))
                                else modules)
        for entry in pairs:
            try:
                key, module = entry
            except (TypeError, ValueError):
                raise TypeError(f"ModuleDict.update: expected (name, module) pairs, got "
                                f"{entry!r}") from None
            self[key] = module

    def forward(self, *args: Any) -> Any:
        raise TypeError("ModuleDict is a container, not a layer: index it in your module's "
                        "forward()")


def _as_parameter(value: Any) -> Any:
    if isinstance(value, Tensor) and not isinstance(value, Parameter):
        return Parameter(value)
    return value


class ParameterList(Module):
    """A list of parameters, registered as "0", "1", ... (plain tensors are wrapped).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ps = ag.nn.ParameterList([ag.nn.Parameter(ag.zeros(2)) for _ in range(3)])
    >>> len(list(ps.parameters())), ps[0].shape
    (3, (2,))
    """

    def __init__(self, values: Iterable[Any] | None = None) -> None:
        super().__init__()
        self._size = 0
        if values is not None:
            self.extend(values)

    def __len__(self) -> int:
        return self._size

    def __iter__(self) -> Iterator[Any]:
        return (self[i] for i in range(len(self)))

    def __getitem__(self, idx: int | slice) -> Any:
        if isinstance(idx, slice):
            return ParameterList([self[i] for i in range(len(self))[idx]])
        return getattr(self, str(_index(idx, len(self), "ParameterList")))

    def __setitem__(self, idx: int, param: Any) -> None:
        key = str(_index(idx, len(self), "ParameterList"))
        self._set(key, param)

    def _set(self, key: str, value: Any) -> None:
        value = _as_parameter(value)
        if isinstance(value, Parameter):
            self._parameters.pop(key, None)
            setattr(self, key, value)
        else:
            self._parameters.pop(key, None)
            object.__setattr__(self, key, value)

    def append(self, value: Any) -> ParameterList:
        """Add ``value`` (a Parameter; a Tensor is wrapped) at the end."""
        self._size += 1
        self._set(str(self._size - 1), value)
        return self

    def extend(self, values: Iterable[Any]) -> ParameterList:
        """Append every value."""
        for value in values:
            self.append(value)
        return self

    def extra_repr(self) -> str:
        lines = []
        for i, p in enumerate(self):
            if isinstance(p, Tensor):
                lines.append(f"({i}): Parameter containing: [{p.dtype.name} of size "
                             f"{tuple(p.shape)}]")
            else:
                lines.append(f"({i}): Object of type: {type(p).__name__}")
        return "\n".join(lines)

    def forward(self, *args: Any) -> Any:
        raise TypeError("ParameterList is a container, not a layer")


class ParameterDict(Module):
    """An ordered dict of parameters, registered under their keys (tensors are wrapped).

    Examples
    --------
    >>> import arraygrad as ag
    >>> pd = ag.nn.ParameterDict({"scale": ag.ones(3)})
    >>> isinstance(pd["scale"], ag.nn.Parameter), sorted(dict(pd.named_parameters()))
    (True, ['scale'])
    """

    def __init__(self, parameters: Mapping[str, Any] | Iterable | None = None) -> None:
        super().__init__()
        self._keys: dict[str, None] = {}
        if parameters is not None:
            self.update(parameters)

    def __getitem__(self, key: str) -> Any:
        if key not in self._keys:
            raise KeyError(key)
        return getattr(self, key)

    def __setitem__(self, key: str, value: Any) -> None:
        if not isinstance(key, str):
            raise TypeError(f"ParameterDict keys must be strings, got {type(key).__name__}")
        self._keys[key] = None
        value = _as_parameter(value)
        self._parameters.pop(key, None)
        if isinstance(value, Parameter):
            setattr(self, key, value)
        else:
            object.__setattr__(self, key, value)

    def __delitem__(self, key: str) -> None:
        del self._keys[key]
        delattr(self, key)

    def __len__(self) -> int:
        return len(self._keys)

    def __iter__(self) -> Iterator[str]:
        return iter(self._keys)

    def __contains__(self, key: object) -> bool:
        return key in self._keys

    def keys(self) -> Iterable[str]:
        """The keys."""
        return self._keys.keys()

    def items(self) -> Iterable[tuple[str, Any]]:
        """(key, parameter) pairs."""
        return [(k, self[k]) for k in self._keys]

    def values(self) -> Iterable[Any]:
        """The parameters."""
        return [self[k] for k in self._keys]

    def get(self, key: str, default: Any = None) -> Any:
        """The parameter under ``key``, or ``default``."""
        return self[key] if key in self else default

    def pop(self, key: str) -> Any:
        """Remove and return the parameter under ``key``."""
        value = self[key]
        del self[key]
        return value

    def clear(self) -> None:
        """Remove every parameter."""
        for key in list(self._keys):
            del self[key]

    def update(self, parameters: Mapping[str, Any] | Iterable) -> None:
        """Add or replace entries from a mapping or an iterable of (key, value) pairs."""
        pairs: Iterable[Any] = (parameters.items()
                                if isinstance(parameters, (Mapping, ParameterDict))
                                else parameters)
        for key, value in pairs:
            self[key] = value

    def forward(self, *args: Any) -> Any:
        raise TypeError("ParameterDict is a container, not a layer")
