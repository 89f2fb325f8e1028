"""The JSON document of a checkpoint: nested values, tensor references, module trees.

Plain JSON values stand for themselves; everything else is a one-key marker object:
``{"__tensor__": name, ...}`` / ``{"__ndarray__": name, ...}`` (the tensor ``name`` of the
safetensors file), ``{"__tuple__": [...]}``, ``{"__dict__": [[key, value], ...]}`` (keys
that are not strings, or that start with ``__``), ``{"__odict__": [[key, value], ...]}``,
``{"__float__": "inf"}``, ``{"__complex__": [re, im]}``, ``{"__dtype__": "float32"}``,
``{"__backend__": "numpy"}``, ``{"__module__": {...}}`` and ``{"__module_ref__": n}``.

A module node holds its class (``"module:QualName"``), the constructor arguments captured
when it was built, its training flag, and its own children, parameters and persistent
buffers by name. Loading calls the constructor (only for arraygrad's classes and allowed
ones), then makes the children, parameters and buffers exactly those of the file.
"""

from __future__ import annotations

import math
from collections import OrderedDict
from typing import Any

import numpy as np

from arraygrad import _dtypes
from arraygrad.serialization._format import CheckpointError, host_bytes

_MARKERS = {"__tensor__", "__ndarray__", "__tuple__", "__dict__", "__odict__", "__float__",
            "__complex__", "__dtype__", "__backend__", "__module__", "__module_ref__"}


class Encoder:
    """Walks a Python object; collects its arrays (named by path) and returns its JSON."""

    def __init__(self, where: str) -> None:
        self.where = where
        self.arrays: list[tuple[str, np.ndarray]] = []
        self._names: set[str] = {"__metadata__"}
        self._storage: dict[tuple, str] = {}  # (id(array), dtype, shape) -> name
        self._tensor_ids: dict[int, int] = {}
        self._modules: dict[int, int] = {}
        self._paths: dict[int, tuple[str, ...]] = {}
        self._keep: list[Any] = []  # holds encoded objects so their ids stay unique

    # ---------------------------------------------------------------- values
    def encode(self, obj: Any, path: tuple[str, ...] = (), ctor: str | None = None) -> Any:
        """JSON for ``obj`` found at ``path``; ``ctor`` names the module whose constructor
        arguments are being encoded (tensors and callables are refused there)."""
        from arraygrad.backend_registry import Backend
        from arraygrad.nn.module import Module
        from arraygrad.tensor import Tensor

        if obj is None or isinstance(obj, (bool, str)):
            return obj
        if isinstance(obj, int):
            return int(obj)
        if isinstance(obj, float):
            return float(obj) if math.isfinite(obj) else {"__float__": repr(float(obj))}
        if isinstance(obj, complex):
            return {"__complex__": [self.encode(obj.real), self.encode(obj.imag)]}
        if isinstance(obj, np.generic) and not isinstance(obj, np.void):
            return self.encode(obj.item(), path, ctor)
        if isinstance(obj, _dtypes.DType):
            return {"__dtype__": obj.name}
        if isinstance(obj, Backend):
            return {"__backend__": obj.name}
        if isinstance(obj, Module):
            return self._module(obj, path)
        if isinstance(obj, (Tensor, np.ndarray)) and ctor is None:
            return self._tensor(obj, path)
        if isinstance(obj, OrderedDict):
            return {"__odict__": [[self._key(k, path, ctor), self.encode(v, path + (str(k),),
                                                                         ctor)]
                                  for k, v in obj.items()]}
        if isinstance(obj, dict):
            if all(isinstance(k, str) and not k.startswith("__") for k in obj):
                return {k: self.encode(v, path + (k,), ctor) for k, v in obj.items()}
            return {"__dict__": [[self._key(k, path, ctor), self.encode(v, path + (str(k),),
                                                                        ctor)]
                                 for k, v in obj.items()]}
        if isinstance(obj, tuple):
            return {"__tuple__": [self.encode(v, path + (str(i),), ctor)
                                  for i, v in enumerate(obj)]}
        if isinstance(obj, list):
            return [self.encode(v, path + (str(i),), ctor) for i, v in enumerate(obj)]
        at = ".".join(path) or "the top level"
        if ctor is not None:
            kind = ("a tensor" if isinstance(obj, (Tensor, np.ndarray))
                    else "a callable" if callable(obj) else f"a {type(obj).__name__}")
            raise TypeError(
                f"ag.save({self.where}): cannot save the module {ctor} as a whole: its "
                f"constructor argument {at} is {kind} ({obj!r:.60}), which a checkpoint "
                f"cannot store as JSON (no pickle). Save the weights instead: "
                f"ag.save(model.state_dict(), path), and rebuild the model in code")
        raise TypeError(f"ag.save({self.where}): cannot save an object of type "
                        f"{type(obj).__name__} (at {at}); checkpoints hold tensors, arrays, "
                        f"modules, dicts, lists, tuples, numbers, strings and None (no "
                        f"pickle)")

    def _key(self, key: Any, path: tuple[str, ...], ctor: str | None) -> Any:
        if key is None or isinstance(key, (bool, int, float, str)):
            return self.encode(key, path, ctor)
        if isinstance(key, tuple):
            return {"__tuple__": [self._key(k, path, ctor) for k in key]}
        raise TypeError(f"ag.save({self.where}): dict keys must be str, int, float, bool, "
                        f"None or tuples of those, got {type(key).__name__} (at "
                        f"{'.'.join(path) or 'the top level'})")

    def _name(self, path: tuple[str, ...]) -> str:
        base = ".".join(path) or "tensor"
        name, n = base, 1
        while name in self._names:
            name, n = f"{base}#{n}", n + 1
        self._names.add(name)
        return name

    def _tensor(self, obj: Any, path: tuple[str, ...]) -> dict[str, Any]:
        from arraygrad.nn.parameter import Parameter
        from arraygrad.tensor import Tensor

        if isinstance(obj, Tensor):
            raw, dtype = obj.array, obj.dtype.name
            host = np.asarray(obj.backend.to_numpy(raw))
            node: dict[str, Any] = {"__tensor__": "", "dtype": dtype,
                                    "loc": f"{obj.backend.name}:{obj.device}"}
            if id(obj) in self._tensor_ids:
                node["id"] = self._tensor_ids[id(obj)]
            else:
                node["id"] = self._tensor_ids[id(obj)] = len(self._tensor_ids)
            if isinstance(obj, Parameter):
                node["parameter"] = True
            if obj.requires_grad:
                node["requires_grad"] = True
        else:
            raw = host = obj
            if obj.dtype.kind not in "biufc":
                raise TypeError(f"ag.save({self.where}): cannot save a NumPy array of dtype "
                                f"{obj.dtype} (at {'.'.join(path) or 'the top level'})")
            dtype = obj.dtype.name
            node = {"__ndarray__": "", "dtype": dtype}
        key = (id(raw), dtype, tuple(host.shape))
        self._keep.append((obj, raw))
        if key not in self._storage:
            try:
                data = host_bytes(host)
            except TypeError as exc:
                raise TypeError(f"ag.save({self.where}): {'.'.join(path)}: {exc}") from None
            self._storage[key] = name = self._name(path)
            self.arrays.append((name, data))
        node["__tensor__" if "__tensor__" in node else "__ndarray__"] = self._storage[key]
        return node

    # ---------------------------------------------------------------- modules
    def _module(self, module: Any, path: tuple[str, ...]) -> dict[str, Any]:
        if id(module) in self._modules:
            return {"__module_ref__": self._modules[id(module)]}
        if id(module) not in self._paths:  # the root of a module tree: its state-dict names
            for name, m in module.named_modules():
                self._paths.setdefault(id(m), path + tuple(name.split(".")) if name else path)
        where = self._paths.get(id(module), path)
        self._modules[id(module)] = number = len(self._modules)
        self._keep.append(module)
        from arraygrad.serialization._safe import class_path

        cls = class_path(type(module))
        if "<locals>" in cls:
            raise TypeError(f"ag.save({self.where}): cannot save the module {cls} as a "
                            f"whole: a class defined inside a function cannot be found again "
                            f"at load time; define it at module level, or save "
                            f"model.state_dict()")
        captured = module.__dict__.get("_init_args")
        if captured is None:
            raise TypeError(f"ag.save({self.where}): cannot save the module {cls} as a whole: "
                            f"its constructor arguments were not recorded (it was not built "
                            f"by calling its class); save model.state_dict() instead")
        args, kwargs = captured
        label = f"{type(module).__qualname__} at {'.'.join(where) or 'the top level'}"
        info: dict[str, Any] = {
            "id": number, "class": cls,
            "args": [self.encode(a, ("arg", str(i)), ctor=label) for i, a in enumerate(args)],
            "kwargs": {k: self.encode(v, ("arg", k), ctor=label) for k, v in kwargs.items()},
            "training": bool(module.training),
        }
        info["children"] = {n: None if m is None else self._module(m, where + (n,))
                            for n, m in module._modules.items()}
        info["parameters"] = {n: None if p is None else self._tensor(p, where + (n,))
                              for n, p in module._parameters.items()}
        info["buffers"] = {n: None if b is None else self._tensor(b, where + (n,))
                           for n, b in module._buffers.items()
                           if n not in module._non_persistent}
        return {"__module__": info}


class _Fingerprint(Encoder):
    """Encodes constructor arguments with modules reduced to their class."""

    def _module(self, module: Any, path: tuple[str, ...]) -> dict[str, Any]:
        from arraygrad.serialization._safe import class_path

        return {"__module__": class_path(type(module))}


def fingerprint(module: Any) -> Any:
    """The constructor arguments of a live module as comparable JSON (modules by class)."""
    enc = _Fingerprint("fingerprint")
    args, kwargs = module.__dict__.get("_init_args") or ((), {})
    return ([enc.encode(a, ctor="?") for a in args],
            {k: enc.encode(v, ctor="?") for k, v in kwargs.items()})


class Decoder:
    """Turns a checkpoint's JSON back into Python objects, tensors and modules."""

    def __init__(self, arrays: dict[str, np.ndarray], place: Any, where: str) -> None:
        self.arrays = arrays
        self.place = place
        self.where = where
        self.classes: dict[str, type] = {}
        self._module_class: dict[int, str] = {}
        self._tensors: dict[int, Any] = {}
        self._modules: dict[int, Any] = {}

    def bad(self, what: str) -> CheckpointError:
        """The error for a malformed document."""
        return CheckpointError(f"checkpoint {self.where} is corrupted: {what}")

    # ---------------------------------------------------------------- checking
    def check_classes(self, node: Any) -> None:
        """Resolve every module class first (refusing before anything is built)."""
        from arraygrad.serialization._safe import resolve

        stack = [node]
        while stack:
            item = stack.pop()
            if isinstance(item, list):
                stack.extend(item)
            elif isinstance(item, dict):
                info = item.get("__module__")
                if isinstance(info, dict) and len(item) == 1:
                    cls = info.get("class")
                    if not isinstance(cls, str):
                        raise self.bad("a module node has no class")
                    if cls not in self.classes:
                        self.classes[cls] = resolve(cls, self.where)
                    if type(info.get("id")) is int:
                        self._module_class[info["id"]] = cls
                stack.extend(item.values())

    # ---------------------------------------------------------------- values
    def decode(self, node: Any) -> Any:
        """The Python value of a JSON node."""
        if node is None or isinstance(node, (bool, int, float, str)):
            return node
        if isinstance(node, list):
            return [self.decode(v) for v in node]
        if not isinstance(node, dict):
            raise self.bad(f"unexpected value {node!r:.60}")
        marker = next((k for k in node if k in _MARKERS), None)
        if marker is None:
            if any(k.startswith("__") for k in node):
                raise self.bad(f"unknown marker in {sorted(node)!r:.80}")
            return {k: self.decode(v) for k, v in node.items()}
        value = node[marker]
        if marker in ("__tensor__", "__ndarray__"):
            return self._tensor(node, marker)
        if len(node) != 1:
            raise self.bad(f"unexpected keys beside {marker}: {sorted(node)!r:.80}")
        if marker == "__tuple__":
            return tuple(self.decode(v) for v in self._list(value, marker))
        if marker in ("__dict__", "__odict__"):
            out: dict = {} if marker == "__dict__" else OrderedDict()
            for pair in self._list(value, marker):
                if not isinstance(pair, list) or len(pair) != 2:
                    raise self.bad(f"{marker} entries must be [key, value] pairs")
                key = self.decode(pair[0])
                if isinstance(key, list):  # format 1 stored tuple keys as lists
                    key = tuple(key)
                try:
                    hash(key)
                except TypeError:
                    raise self.bad(f"unhashable dict key {key!r:.60}") from None
                out[key] = self.decode(pair[1])
            return out
        if marker == "__float__":
            if value not in ("inf", "-inf", "nan"):
                raise self.bad(f"bad special float {value!r:.40}")
            return float(value)
        if marker == "__complex__":
            parts = self._list(value, marker)
            re_im = [self.decode(v) for v in parts]
            if len(re_im) != 2 or not all(isinstance(v, (int, float)) for v in re_im):
                raise self.bad("a complex number needs [real, imag]")
            return complex(*re_im)
        if marker == "__dtype__":
            try:
                return _dtypes.dtype_from_name(value)
            except (KeyError, TypeError, ValueError):
                raise self.bad(f"unknown dtype {value!r:.40}") from None
        if marker == "__backend__":
            if not isinstance(value, str):
                raise self.bad("a backend must be named by a string")
            return value  # a name: every backend= argument takes one
        if marker == "__module_ref__":
            if value not in self._modules:
                raise self.bad(f"reference to unknown module {value!r:.20}")
            return self._modules[value]
        return self._build(value)

    def _list(self, value: Any, marker: str) -> list:
        if not isinstance(value, list):
            raise self.bad(f"{marker} must hold a list")
        return value

    def _tensor(self, node: dict[str, Any], marker: str) -> Any:
        known = {marker, "dtype", "loc", "id", "parameter", "requires_grad"}
        if not set(node) <= known:
            raise self.bad(f"unexpected keys in a tensor entry: {sorted(set(node) - known)}")
        ident = node.get("id")
        if ident is not None and ident in self._tensors:
            return self._tensors[ident]
        name = node[marker]
        if not isinstance(name, str) or name not in self.arrays:
            raise self.bad(f"tensor {name!r:.60} is missing")
        dtype_name = node.get("dtype", str(self.arrays[name].dtype))
        try:
            dtype = _dtypes.dtype_from_name(dtype_name)
        except (KeyError, TypeError, ValueError):
            raise self.bad(f"tensor {name!r} has unknown dtype {dtype_name!r:.40}") from None
        array = self.arrays[name]
        if _dtypes.is_complex(dtype):
            part = np.dtype(dtype.name).type(0).real.dtype
            if array.dtype != part or array.ndim == 0 or array.shape[-1] != 2:
                raise self.bad(f"tensor {name!r} is not stored as {dtype.name} pairs")
            flat = np.asarray(array, order="C").reshape(-1).view(np.dtype(dtype.name))
            array = flat.reshape(array.shape[:-1])
        elif array.dtype != np.dtype(dtype.name):
            raise self.bad(f"tensor {name!r} is stored as {array.dtype}, its entry says "
                           f"{dtype.name}")
        if marker == "__ndarray__":
            return np.array(array)
        loc = node.get("loc")
        tensor = self.place(array, dtype, loc if isinstance(loc, str) else None, name)
        requires_grad = node.get("requires_grad", False) is True
        if node.get("parameter") is True:
            from arraygrad.nn.parameter import Parameter

            tensor = Parameter(tensor, requires_grad=requires_grad)
        elif requires_grad:
            tensor.requires_grad_(True)
        if ident is not None:
            self._tensors[ident] = tensor
        return tensor

    # ---------------------------------------------------------------- modules
    def _info(self, info: Any) -> dict[str, Any]:
        keys = {"id", "class", "args", "kwargs", "training", "children", "parameters",
                "buffers"}
        if not isinstance(info, dict) or set(info) != keys:
            raise self.bad("a module entry must have exactly " + ", ".join(sorted(keys)))
        if not isinstance(info["args"], list) or not all(
                isinstance(info[k], dict) for k in ("kwargs", "children", "parameters",
                                                    "buffers")):
            raise self.bad(f"malformed module entry for {info['class']!r:.60}")
        if type(info["id"]) is not int or info["id"] in self._modules:
            raise self.bad(f"bad module id {info['id']!r:.20}")
        return info

    def _build(self, info: Any) -> Any:
        info = self._info(info)
        cls = self.classes[info["class"]]
        args = [self.decode(a) for a in info["args"]]
        kwargs = {k: self.decode(v) for k, v in info["kwargs"].items()}
        try:
            module = cls(*args, **kwargs)
        except Exception as exc:
            raise CheckpointError(
                f"ag.load({self.where}): rebuilding {cls.__module__}.{cls.__qualname__} with "
                f"its saved arguments failed ({type(exc).__name__}: {exc}); its constructor "
                f"may have changed since the file was written") from exc
        self._modules[info["id"]] = module
        self._fill(module, info)
        return module

    def _fill(self, module: Any, info: dict[str, Any]) -> None:
        try:
            self._fill_entries(module, info)
        except (KeyError, TypeError) as exc:  # a name used twice (parameter and buffer...)
            if isinstance(exc, TypeError) and "ag.load(" in str(exc):
                raise  # a dtype the target backend lacks: not a corrupted file
            raise self.bad(f"inconsistent entries of module {info['class']}: "
                           f"{exc}") from exc

    def _fill_entries(self, module: Any, info: dict[str, Any]) -> None:
        from arraygrad.nn.module import Module
        from arraygrad.nn.parameter import Parameter

        children = info["children"]
        for name, child in children.items():
            if child is None:
                module.add_module(name, None)
                continue
            if not isinstance(child, dict) or len(child) != 1 or not (
                    "__module__" in child or "__module_ref__" in child):
                raise self.bad(f"child {name!r:.40} of {info['class']} is not a module")
            if "__module_ref__" in child:
                target = self.decode(child)
            else:
                sub = self._info(child["__module__"])
                existing = module._modules.get(name)
                if isinstance(existing, Module) and self._same(existing, sub):
                    self._reuse(existing, sub)
                    continue
                target = self._build(sub)
            if module._modules.get(name) is not target:
                module.add_module(name, target)
        for name in [n for n in module._modules if n not in children]:
            delattr(module, name)
        params = info["parameters"]
        for name, ref in params.items():
            value = None if ref is None else self.decode(ref)
            if value is not None and not isinstance(value, Parameter):
                raise self.bad(f"parameter {name!r:.40} of {info['class']} is not stored as "
                               f"a parameter")
            if name in module._buffers or name in module._modules:
                raise KeyError(f"{name!r} is both a parameter and a buffer or child")
            module.register_parameter(name, value)
        for name in [n for n in module._parameters if n not in params]:
            delattr(module, name)
        buffers = info["buffers"]
        for name, ref in buffers.items():
            value = None if ref is None else self.decode(ref)
            module._non_persistent.discard(name)
            module.register_buffer(name, value)
        for name in [n for n in module._buffers
                     if n not in buffers and n not in module._non_persistent]:
            delattr(module, name)
        object.__setattr__(module, "training", info["training"] is True)

    def _reuse(self, module: Any, info: dict[str, Any]) -> None:
        """Keep ``module`` (made by its parent's constructor) for the saved ``info``."""
        self._modules[info["id"]] = module
        args, kwargs = module.__dict__["_init_args"]
        self._adopt(list(args), info["args"])
        self._adopt(kwargs, info["kwargs"])
        self._fill(module, info)

    def _adopt(self, live: Any, node: Any) -> None:
        """Walk saved constructor arguments beside the live ones (same structure, as the
        fingerprints matched): keep each live module that equals its saved node, build the
        others, so references to them resolve."""
        from arraygrad.nn.module import Module

        if isinstance(node, list):
            for value, sub in zip(live, node):
                self._adopt(value, sub)
        elif isinstance(node, dict) and len(node) == 1 and "__module__" in node:
            info = self._info(node["__module__"])
            if isinstance(live, Module) and self._same(live, info):
                self._reuse(live, info)
            else:
                self._build(info)
        elif isinstance(node, dict) and len(node) == 1 and "__tuple__" in node:
            self._adopt(live, node["__tuple__"])
        elif isinstance(node, dict) and len(node) == 1 and (
                "__dict__" in node or "__odict__" in node):
            pairs = next(iter(node.values()))
            for value, pair in zip(live.values(), pairs):
                self._adopt(value, pair[1])
        elif isinstance(node, dict) and isinstance(live, dict):
            for key, sub in node.items():
                if key in live:
                    self._adopt(live[key], sub)

    def _same(self, module: Any, info: dict[str, Any]) -> bool:
        """Whether a module the parent's constructor made equals the saved child (same
        class, same constructor arguments), so it can be kept instead of rebuilt."""
        from arraygrad.serialization._safe import class_path

        if class_path(type(module)) != info["class"]:
            return False
        try:
            live = fingerprint(module)
        except TypeError:
            return False
        return live == (self._shallow(info["args"]), self._shallow(info["kwargs"]))

    def _shallow(self, node: Any) -> Any:
        if isinstance(node, list):
            return [self._shallow(v) for v in node]
        if isinstance(node, dict):
            if len(node) == 1 and isinstance(node.get("__module__"), dict):
                return {"__module__": node["__module__"].get("class")}
            if len(node) == 1 and "__module_ref__" in node:
                return {"__module__": self._module_class.get(node["__module_ref__"])}
            return {k: self._shallow(v) for k, v in node.items()}
        return node
