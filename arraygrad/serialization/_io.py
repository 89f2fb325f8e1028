"""``ag.save`` and ``ag.load``: files and file objects, atomic writes, where tensors go."""

from __future__ import annotations

import io
import json
import os
import re
import secrets
import time
from collections.abc import Callable
from typing import Any, BinaryIO

import numpy as np

from arraygrad import _dtypes
from arraygrad.serialization import _format
from arraygrad.serialization._format import CheckpointError
from arraygrad.serialization._tree import Decoder, Encoder

_FORMAT = 2
# 64-bit dtypes a backend may lack (JAX without x64), and what downcast=True loads instead.
_NARROW = {"float64": "float32", "int64": "int32", "uint64": "uint32",
           "complex128": "complex64"}
_STALE_AGE_S = 24 * 3600  # where a process cannot be probed (Windows): remove after a day


def _temp_name(base: str, pid: int, tag: str) -> str:
    return f"{_temp_prefix(base)}{pid}-{tag}"


def _temp_prefix(base: str) -> str:
    return f".{base[:200]}.tmp-"  # [:200]: the name stays within NAME_MAX (255)


def _temp_pattern(base: str) -> re.Pattern[str]:
    return re.compile(re.escape(_temp_prefix(base)) + r"(\d+)-[0-9a-f]{8}\Z")


_ANY_TEMP = re.compile(r"\..+\.tmp-\d+-[0-9a-f]{8}\Z")


def _alive(pid: int) -> bool:
    if pid == os.getpid():
        return True  # another thread of this process may be writing it
    if os.name == "nt":  # os.kill would terminate the process there
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True  # exists, owned by someone else
    return True


def _remove_stale(directory: str, base: str) -> None:
    """Delete temporaries of ``base`` left by saves whose process died (killed, crashed)."""
    pattern = _temp_pattern(base)
    try:
        names = os.listdir(directory)
    except OSError:
        return
    now = time.time()
    for name in names:
        match = pattern.match(name)
        if match is None:
            continue
        full = os.path.join(directory, name)
        try:
            old = now - os.path.getmtime(full) > _STALE_AGE_S
            if not _alive(int(match.group(1))) or (os.name == "nt" and old):
                os.unlink(full)
        except OSError:
            pass  # gone already, or not ours to remove


def save(obj: Any, f: str | os.PathLike | BinaryIO) -> None:
    """Write ``obj`` to a checkpoint (a safetensors file; never pickle).

    ``obj`` may be a tensor, a state dict, any nesting of dicts, lists and tuples of
    tensors, NumPy arrays, numbers, strings, booleans and None (what ``{"epoch": 3,
    "model": model.state_dict(), "optim": opt.state_dict()}`` holds), or a whole
    :class:`~arraygrad.nn.Module`: then its class, the constructor arguments it was built
    with, its submodules and its tensors are stored, and :func:`load` rebuilds it.

    A path is written atomically: the data goes to a hidden temporary
    ``.NAME.tmp-PID-RANDOM`` beside it (never matching ``*.safetensors``), is fsync'ed,
    then renamed over ``f``; the file gets the permissions of the user's umask.
    Temporaries that killed saves of the same file left behind are removed. An open
    binary file object (``io.BytesIO``, ``open(..., "wb")``) is written in place.

    Parameters
    ----------
    obj : object
        What to save.
    f : str, path-like or binary file object
        Where to write it.

    Raises
    ------
    TypeError
        An object that a checkpoint cannot hold (the message says where it is), or a
        module whose constructor arguments are not JSON-representable (a callable, a
        tensor: save ``model.state_dict()`` instead). Nothing is written.

    Examples
    --------
    >>> import arraygrad as ag, tempfile, os
    >>> model = ag.nn.Linear(2, 1)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> ag.save({"model": model.state_dict(), "epoch": 3}, path)
    >>> ag.load(path)["epoch"]
    3
    """
    where = _describe(f)
    encoder = Encoder(where)
    tree = encoder.encode(obj)
    doc = json.dumps({"format": _FORMAT, "tree": tree}, allow_nan=False,
                     separators=(",", ":"))
    if hasattr(f, "write") and not isinstance(f, (str, bytes, os.PathLike)):
        if isinstance(f, io.TextIOBase):
            raise TypeError(f"ag.save: {where} is open in text mode; open it with 'wb'")
        _format.write(f, encoder.arrays, doc)
        return
    if not isinstance(f, (str, os.PathLike)):
        raise TypeError(f"ag.save: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")
    path = os.path.abspath(os.fspath(f))
    directory, base = os.path.split(path)
    if not os.path.isdir(directory):
        raise FileNotFoundError(f"ag.save: cannot write {path}: directory {directory} does "
                                f"not exist")
    if os.path.isdir(path):
        raise IsADirectoryError(f"ag.save: cannot write {path}: it is a directory")
    _remove_stale(directory, base)
    tmp = os.path.join(directory, _temp_name(base, os.getpid(), secrets.token_hex(4)))
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_BINARY", 0),
                 0o666)  # the umask applies, as for open(path, "wb")
    try:
        with os.fdopen(fd, "wb") as fh:
            _format.write(fh, encoder.arrays, doc)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise
    try:  # make the rename durable too (best effort; not every OS allows it)
        dir_fd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dir_fd)
    except OSError:
        pass
    finally:
        os.close(dir_fd)


def load(f: str | os.PathLike | BinaryIO, map_location: Any = None, *,
         backend: Any = None, device: str | None = None, weights_only: bool | None = None,
         downcast: bool = False) -> Any:
    """Read a checkpoint written by :func:`save`.

    Nothing in the file is executed: the JSON document is parsed, the tensors are raw
    bytes, and a saved module is rebuilt only if its class is arraygrad's own or was
    allowed with :func:`arraygrad.serialization.add_safe_globals` /
    :func:`arraygrad.serialization.safe_globals`. Every file carries a SHA-256 checksum
    of its bytes, verified before anything is built.

    Parameters
    ----------
    f : str, path-like or binary file object
        The checkpoint.
    map_location : str, Backend, dict or callable, optional
        Where tensors go, as in PyTorch: a backend name (``"jax"``), a device
        (``"cpu"``, ``"cuda:0"``: the current backend if it has it, else a backend that
        does), ``"backend:device"`` (``"jax:cpu"``, as :func:`arraygrad.devices` lists), a
        dict from saved locations (``"numpy:cpu"`` or ``"cpu"``) to any of these, or
        ``fn(tensor, location)`` called with each tensor (on NumPy) and its saved
        ``"backend:device"``, returning the tensor to use. Default: ``backend``/``device``.
    backend, device : optional
        The backend and device for every tensor (default: the current backend and its
        default device). Not together with ``map_location``.
    weights_only : bool, optional
        Accepted for PyTorch compatibility and ignored: loading never unpickles, so it is
        always as safe as ``weights_only=True``.
    downcast : bool
        Where the target backend lacks a saved 64-bit dtype (JAX without x64 mode), load
        float64/int64/uint64/complex128 as their 32-bit kind instead of raising. Floats
        are rounded (a finite value beyond float32's range raises); integers must fit.

    Raises
    ------
    FileNotFoundError
        ``f`` does not exist.
    CheckpointError
        (a ``ValueError``) The file is truncated, corrupted, has an unknown format
        version, is not an arraygrad checkpoint, or names a module class that is not
        allowed; the message names the file (and the class and how to allow it).
    TypeError
        A saved dtype that the target backend lacks, without ``downcast=True``.
    OverflowError
        With ``downcast=True``, a value that the 32-bit dtype cannot hold.

    Examples
    --------
    >>> import arraygrad as ag, io
    >>> buffer = io.BytesIO()
    >>> ag.save({"w": ag.ones(2), "step": 7}, buffer)
    >>> _ = buffer.seek(0)
    >>> ag.load(buffer, map_location="numpy")["w"].tolist()
    [1.0, 1.0]
    """
    del weights_only  # never unpickles: nothing to restrict
    where = _describe(f)
    if hasattr(f, "read") and not isinstance(f, (str, bytes, os.PathLike)):
        raw = b"" if isinstance(f, io.TextIOBase) else f.read()
        if isinstance(raw, (bytearray, memoryview)):
            raw = bytes(raw)
        if not isinstance(raw, bytes) or isinstance(f, io.TextIOBase):
            raise TypeError(f"ag.load: {where} must be opened in binary mode ('rb')")
    elif isinstance(f, (str, os.PathLike)):
        path = os.fspath(f)
        if isinstance(path, bytes):
            path = os.fsdecode(path)
        if not os.path.isfile(path):
            raise FileNotFoundError(f"checkpoint not found: {path}")
        if _ANY_TEMP.match(os.path.basename(path)):
            raise CheckpointError(f"{path} is an unfinished temporary file of ag.save (its "
                                  f"save was interrupted); load the checkpoint it was meant "
                                  f"to replace")
        with open(path, "rb") as fh:
            raw = fh.read()
    else:
        raise TypeError(f"ag.load: f must be a path or a binary file object, got "
                        f"{type(f).__name__}")
    try:
        doc, arrays = _format.read(raw, where)
    except RecursionError:
        raise CheckpointError(f"checkpoint {where} is corrupted: its document is nested "
                              f"too deeply") from None
    place = _Placement(map_location, backend, device, downcast, where)
    decoder = Decoder(arrays, place, where)
    try:
        decoder.check_classes(doc["tree"])
        out = decoder.decode(doc["tree"])
    except RecursionError:
        raise CheckpointError(f"checkpoint {where} is corrupted: its document is nested "
                              f"too deeply") from None
    if place.target is not None:  # what constructors made (non-persistent buffers) follows
        for module in _modules_in(out):
            module.to(backend=place.target[0], device=place.target[1])
    return out


def _modules_in(obj: Any) -> list[Any]:
    from arraygrad.nn.module import Module

    found, stack = [], [obj]
    while stack:
        item = stack.pop()
        if isinstance(item, Module):
            found.append(item)
        elif isinstance(item, dict):
            stack.extend(item.values())
        elif isinstance(item, (list, tuple)):
            stack.extend(item)
    return found


def _describe(f: Any) -> str:
    if isinstance(f, (str, os.PathLike)):
        return os.fspath(f)
    name = getattr(f, "name", None)
    if isinstance(name, str):
        return name
    return f"<{type(f).__name__}>" if isinstance(f, io.IOBase) else repr(f)[:60]


class _Placement:
    """Decides backend, device and dtype for each loaded tensor and creates it."""

    def __init__(self, map_location: Any, backend: Any, device: Any, downcast: bool,
                 where: str) -> None:
        from arraygrad.backend_registry import Backend, current_backend, get_backend

        if map_location is not None and (backend is not None or device is not None):
            raise TypeError("ag.load: give map_location, or backend=/device=, not both")
        self.where = where
        self.downcast = bool(downcast)
        self.fn: Callable[..., Any] | None = None
        self.table: dict[str, Any] | None = None
        self.target: tuple[Any, str] | None = None  # one place for every tensor
        if map_location is None:
            be = current_backend() if backend is None else get_backend(backend)
            self.target = (be, be.check_device(device))
        elif isinstance(map_location, dict):
            self.table = {str(k): self._resolve(v) for k, v in map_location.items()}
        elif callable(map_location) and not isinstance(map_location, Backend):
            self.fn = map_location
        else:
            self.target = self._resolve(map_location)

    @staticmethod
    def _resolve(spec: Any) -> tuple[Any, str]:
        from arraygrad.backend_registry import Backend, current_backend, get_backend, names

        if isinstance(spec, Backend):
            return spec, spec.default_device
        if isinstance(spec, tuple) and len(spec) == 2:
            be = get_backend(spec[0])
            return be, be.check_device(spec[1])
        if not isinstance(spec, str):
            spec = str(spec)  # a device object
        if spec in names():
            be = get_backend(spec)
            return be, be.default_device
        head, _, rest = spec.partition(":")
        if rest and head in names():
            be = get_backend(head)
            return be, be.check_device(rest)
        be = current_backend()
        try:
            return be, be.check_device(spec)
        except ValueError:
            from arraygrad.ops.transfer import backend_for_device

            be = backend_for_device(spec)
            return be, be.check_device(spec)

    def __call__(self, array: np.ndarray, dtype: Any, loc: str | None, name: str) -> Any:
        from arraygrad.creation import tensor
        from arraygrad.tensor import Tensor

        if self.fn is not None:
            out = self.fn(tensor(array, dtype=dtype, backend="numpy"), loc)
            if not isinstance(out, Tensor):
                raise TypeError(f"ag.load({self.where}): map_location returned "
                                f"{type(out).__name__} for tensor {name!r}; it must return a "
                                f"Tensor")
            return out
        if self.table is not None:
            found = None
            if loc is not None:  # "backend:device" first, then the device alone
                found = self.table.get(loc) or self.table.get(loc.partition(":")[2])
            target = found or self._default()
        else:
            target = self.target or self._default()
        be, device = target
        dtype, array = self._dtype(be, dtype, array, name)
        return tensor(array, dtype=dtype, backend=be, device=device)

    @staticmethod
    def _default() -> tuple[Any, str]:
        from arraygrad.backend_registry import current_backend

        be = current_backend()
        return be, be.default_device

    def _dtype(self, be: Any, dtype: Any, array: np.ndarray, name: str) -> tuple[Any, Any]:
        native = be.native_dtypes.get(dtype)
        if native is not None and be.dtype_of.get(native) == dtype:
            return dtype, array
        narrow = _NARROW.get(dtype.name)
        if not self.downcast or narrow is None:
            hint = f"; or pass downcast=True to load it as {narrow}" if narrow else ""
            raise TypeError(f"ag.load({self.where}): tensor {name!r} is {dtype.name}, but "
                            f"backend {be.name!r} has no {dtype.name}{be.dtype_note}{hint}")
        small = np.dtype(narrow)
        if small.kind in "iu":
            info = np.iinfo(small)
            if array.size and (array.min() < info.min or array.max() > info.max):
                raise OverflowError(f"ag.load({self.where}): downcast of tensor {name!r} "
                                    f"from {dtype.name} to {narrow} would change its values "
                                    f"(range {array.min()}..{array.max()} does not fit)")
        else:
            parts = [array.real, array.imag] if small.kind == "c" else [array]
            limit = np.finfo(small).max
            for part in parts:
                finite = part[np.isfinite(part)]
                if finite.size and np.abs(finite).max() > limit:
                    raise OverflowError(f"ag.load({self.where}): downcast of tensor "
                                        f"{name!r} from {dtype.name} to {narrow}: a value "
                                        f"exceeds {narrow}'s range ({limit:.3g})")
        return _dtypes.dtype_from_name(narrow), array.astype(small)
