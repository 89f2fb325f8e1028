"""Checkpoints: ``ag.save(state, path)`` and ``ag.load(path)``.

The file is safetensors (tensors as raw little-endian bytes; no pickle, so loading an
untrusted file cannot run code). Everything that is not a tensor (nested dicts, lists,
tuples, numbers, strings, booleans, None) goes into a JSON document stored in the
safetensors metadata under ``"arraygrad"``. Writes are atomic: a temporary file in the
same directory, flushed and fsync'ed, then ``os.replace``. Tensors are saved from the
host, so a checkpoint written on one backend loads on any other
(``ag.load(path, backend="jax")``).
"""

from __future__ import annotations

import json
import os
import struct
import tempfile
from typing import Any

from arraygrad.tensor import Tensor

__all__ = ["save", "load", "CheckpointError"]

_META_KEY = "arraygrad"
_FORMAT = 1


class CheckpointError(ValueError):
    """A checkpoint file is truncated, corrupted, or not an arraygrad checkpoint."""


def _encode(obj: Any, tensors: dict[str, Any], path: str) -> Any:
    import numpy as np

    if isinstance(obj, Tensor):
        key = f"t{len(tensors)}"
        tensors[key] = np.asarray(obj._backend.to_numpy(obj._data), order="C")  # keeps 0-d
        return {"__tensor__": key, "dtype": obj.dtype.name}
    if isinstance(obj, np.ndarray):
        key = f"t{len(tensors)}"
        tensors[key] = np.asarray(obj, order="C")
        return {"__ndarray__": key}
    if obj is None or isinstance(obj, (bool, str)):
        return obj
    if isinstance(obj, (int, float)):
        if isinstance(obj, float) and not np.isfinite(obj):
            return {"__float__": repr(obj)}
        return obj
    if isinstance(obj, np.generic):
        return _encode(obj.item(), tensors, path)
    if isinstance(obj, dict):
        if all(isinstance(k, str) for k in obj) and not any(k.startswith("__") for k in obj):
            return {k: _encode(v, tensors, path) for k, v in obj.items()}
        items = []
        for k, v in obj.items():
            if not isinstance(k, (str, int, float, bool)) and k is not None:
                raise TypeError(f"save({path!r}): dict keys must be str, int, float, bool or "
                                f"None, got {type(k).__name__}")
            items.append([k, _encode(v, tensors, path)])
        return {"__dict__": items}
    if isinstance(obj, tuple):
        return {"__tuple__": [_encode(v, tensors, path) for v in obj]}
    if isinstance(obj, list):
        return [_encode(v, tensors, path) for v in obj]
    raise TypeError(f"save({path!r}): cannot save an object of type {type(obj).__name__}; "
                    f"checkpoints hold tensors, arrays, dicts, lists, tuples, numbers, strings "
                    f"and None (no pickle)")


def save(obj: Any, path: str | os.PathLike) -> None:
    """Write ``obj`` (a state dict, or nested dicts/lists of tensors and plain values).

    Examples
    --------
    >>> import arraygrad as ag, tempfile, os
    >>> model = ag.nn.Linear(2, 1)
    >>> path = os.path.join(tempfile.mkdtemp(), "model.safetensors")
    >>> ag.save({"model": model.state_dict(), "epoch": 3}, path)
    >>> ag.load(path)["epoch"]
    3
    """
    from safetensors.numpy import save as st_save

    path = os.fspath(path)
    tensors: dict[str, Any] = {}
    tree = _encode(obj, tensors, path)
    meta = json.dumps({"format": _FORMAT, "tree": tree}, allow_nan=False)
    payload = st_save(tensors, metadata={_META_KEY: meta})
    directory = os.path.dirname(os.path.abspath(path))
    fd, tmp = tempfile.mkstemp(prefix=".tmp-", suffix=".safetensors", dir=directory)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(payload)
            f.flush()
            os.fsync(f.fileno())
        os.replace(tmp, path)
    except BaseException:
        if os.path.exists(tmp):
            os.unlink(tmp)
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


def _header(raw: bytes, path: str) -> dict[str, Any]:
    if len(raw) < 8:
        raise CheckpointError(f"checkpoint {path} is truncated ({len(raw)} bytes): not a "
                              f"safetensors file")
    (size,) = struct.unpack("<Q", raw[:8])
    if size > len(raw) - 8:
        raise CheckpointError(f"checkpoint {path} is truncated or corrupted: its header "
                              f"claims {size} bytes but the file has {len(raw)}")
    try:
        header = json.loads(raw[8:8 + size])
    except (UnicodeDecodeError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {path} is corrupted: unreadable header "
                              f"({exc})") from exc
    if not isinstance(header, dict):
        raise CheckpointError(f"checkpoint {path} is corrupted: the header is not a JSON "
                              f"object")
    end = 0
    for name, info in header.items():
        if name == "__metadata__":
            continue
        try:
            end = max(end, int(info["data_offsets"][1]))
        except (KeyError, TypeError, IndexError, ValueError) as exc:
            raise CheckpointError(f"checkpoint {path} is corrupted: bad entry for tensor "
                                  f"{name!r}") from exc
    if 8 + size + end != len(raw):
        raise CheckpointError(f"checkpoint {path} is truncated or corrupted: the tensors need "
                              f"{8 + size + end} bytes, the file has {len(raw)}")
    return header


def load(path: str | os.PathLike, *, backend: Any = None, device: str | None = None) -> Any:
    """Read a checkpoint written by :func:`save`.

    Tensors are created on ``backend``/``device`` (default: the current backend), with
    the dtypes they were saved with.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    CheckpointError
        (a ``ValueError``) If the file is truncated, corrupted or not an arraygrad
        checkpoint; the message names the path.
    """
    from safetensors import SafetensorError
    from safetensors.numpy import load as st_load

    path = os.fspath(path)
    if not os.path.isfile(path):
        raise FileNotFoundError(f"checkpoint not found: {path}")
    with open(path, "rb") as f:
        raw = f.read()
    header = _header(raw, path)
    meta = (header.get("__metadata__") or {}).get(_META_KEY)
    if meta is None:
        raise CheckpointError(f"{path} is a safetensors file but not an arraygrad checkpoint "
                              f"(no '{_META_KEY}' metadata)")
    try:
        doc = json.loads(meta)
        tree = doc["tree"]
    except (ValueError, KeyError, TypeError) as exc:
        raise CheckpointError(f"checkpoint {path} is corrupted: bad arraygrad "
                              f"metadata") from exc
    try:
        arrays = st_load(raw)
    except (SafetensorError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {path} is corrupted: {exc}") from exc
    from arraygrad.backend import current_backend, get_backend

    be = current_backend() if backend is None else get_backend(backend)
    return _decode(tree, arrays, be, device, path)


def _decode(node: Any, arrays: dict[str, Any], backend: Any, device: str | None,
            path: str) -> Any:
    if isinstance(node, list):
        return [_decode(v, arrays, backend, device, path) for v in node]
    if not isinstance(node, dict):
        return node
    if "__tensor__" in node or "__ndarray__" in node:
        key = node.get("__tensor__", node.get("__ndarray__"))
        if key not in arrays:
            raise CheckpointError(f"checkpoint {path} is corrupted: tensor {key!r} is "
                                  f"missing")
        if "__ndarray__" in node:
            return arrays[key]
        from arraygrad.creation import tensor

        return tensor(arrays[key], backend=backend, device=device)
    if "__tuple__" in node:
        return tuple(_decode(v, arrays, backend, device, path) for v in node["__tuple__"])
    if "__dict__" in node:
        return {(k if not isinstance(k, list) else tuple(k)): _decode(v, arrays, backend,
                                                                      device, path)
                for k, v in node["__dict__"]}
    if "__float__" in node:
        return float(node["__float__"])
    return {k: _decode(v, arrays, backend, device, path) for k, v in node.items()}
