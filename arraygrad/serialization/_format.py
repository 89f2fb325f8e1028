"""The bytes of a checkpoint: a safetensors file with a SHA-256 checksum in its metadata.

safetensors layout: an 8-byte little-endian header size, a JSON header (``{name: {dtype,
shape, data_offsets}}`` plus ``"__metadata__"``, a str -> str map), then the tensors' raw
little-endian bytes, back to back. arraygrad writes it itself (streaming, no copy of the
payload) and reads it itself (every field validated); the ``safetensors`` package is not
needed at run time, and any safetensors reader can open the files.

The checksum covers the whole file: it is the SHA-256 of the file's bytes with the 64 hex
digits of the checksum replaced by zeros. A flipped bit anywhere (size prefix, header,
data) therefore either breaks the parse or changes the digest.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import struct
from collections.abc import Iterable
from typing import Any, BinaryIO

import numpy as np

DOC_KEY = "arraygrad"
SUM_KEY = "arraygrad.sha256"
_ZEROS = "0" * 64
_NEEDLE = b'"' + SUM_KEY.encode() + b'":"'
_MAX_HEADER = 100 * 1024 * 1024  # as the safetensors reference reader

# safetensors dtype codes for the numpy dtypes arraygrad stores (complex as float pairs).
CODES = {"bool": "BOOL", "uint8": "U8", "int8": "I8", "uint16": "U16", "int16": "I16",
         "uint32": "U32", "int32": "I32", "uint64": "U64", "int64": "I64", "float16": "F16",
         "float32": "F32", "float64": "F64"}
_NUMPY = {code: np.dtype(name).newbyteorder("<") for name, code in CODES.items()}


class CheckpointError(ValueError):
    """A checkpoint file is truncated, corrupted, or not an arraygrad checkpoint.

    A ``ValueError``; the message names the file.
    """


def host_bytes(array: np.ndarray) -> np.ndarray:
    """``array`` as C-contiguous little-endian data (complex as trailing float pairs)."""
    array = np.asarray(array)
    if array.dtype.kind == "c":
        pairs = np.asarray(array, order="C").reshape(-1).view(array.real.dtype)
        array = pairs.reshape(array.shape + (2,))
    if array.dtype.name not in CODES:
        raise TypeError(f"dtype {array.dtype} cannot be stored in a checkpoint; storable "
                        f"dtypes: {', '.join(CODES)}, complex64, complex128")
    return np.asarray(array, dtype=array.dtype.newbyteorder("<"), order="C")  # keeps 0-d


def write(fh: BinaryIO, arrays: Iterable[tuple[str, np.ndarray]], doc: str) -> None:
    """Write a checkpoint: ``arrays`` (name, host_bytes array) in order, ``doc`` as metadata."""
    arrays = list(arrays)
    header: dict[str, Any] = {"__metadata__": {SUM_KEY: _ZEROS, DOC_KEY: doc}}
    offset = 0
    for name, array in arrays:
        header[name] = {"dtype": CODES[array.dtype.name], "shape": list(array.shape),
                        "data_offsets": [offset, offset + array.nbytes]}
        offset += array.nbytes
    text = json.dumps(header, separators=(",", ":")).encode()  # ASCII: names are escaped
    text += b" " * (-len(text) % 8)  # the reference writer's alignment
    prefix = struct.pack("<Q", len(text))
    digest = hashlib.sha256(prefix)
    digest.update(text)
    for _, array in arrays:
        digest.update(_raw(array))
    at = text.index(_NEEDLE + _ZEROS.encode()) + len(_NEEDLE)
    text = text[:at] + digest.hexdigest().encode() + text[at + 64:]
    fh.write(prefix)
    fh.write(text)
    for _, array in arrays:
        write_chunk(fh, _raw(array))


def write_chunk(fh: BinaryIO, data: Any) -> None:
    """One ``fh.write`` of tensor bytes (a seam that tests use to kill a save midway)."""
    fh.write(data)


def _raw(array: np.ndarray) -> memoryview:
    return array.reshape(-1).view(np.uint8).data


def read(raw: bytes, where: str) -> tuple[dict[str, Any], dict[str, np.ndarray]]:
    """Validate a checkpoint's bytes; return its arraygrad document and its arrays."""
    if len(raw) < 8:
        raise CheckpointError(f"checkpoint {where} is truncated ({len(raw)} bytes): not a "
                              f"safetensors file")
    (size,) = struct.unpack("<Q", raw[:8])
    if size > len(raw) - 8 or size > _MAX_HEADER:
        raise CheckpointError(f"checkpoint {where} is truncated or corrupted: its header "
                              f"claims {size} bytes but the file has {len(raw)}")
    text = raw[8:8 + size]
    try:
        header = json.loads(text, object_pairs_hook=_no_duplicates,
                            parse_constant=_no_constant)
    except (UnicodeDecodeError, ValueError) as exc:
        raise CheckpointError(f"checkpoint {where} is corrupted: unreadable header "
                              f"({exc})") from exc
    if not isinstance(header, dict):
        raise CheckpointError(f"checkpoint {where} is corrupted: the header is not a JSON "
                              f"object")
    meta = header.pop("__metadata__", None) or {}
    if not isinstance(meta, dict) or not all(isinstance(v, str) for v in meta.values()):
        raise CheckpointError(f"checkpoint {where} is corrupted: __metadata__ must map "
                              f"strings to strings")
    entries = _entries(header, len(raw) - 8 - size, where)
    if DOC_KEY not in meta:
        raise CheckpointError(f"{where} is a safetensors file but not an arraygrad checkpoint "
                              f"(no '{DOC_KEY}' metadata); read it with "
                              f"safetensors.numpy.load_file")
    try:
        doc = json.loads(meta[DOC_KEY], parse_constant=_no_constant)
    except ValueError as exc:
        raise CheckpointError(f"checkpoint {where} is corrupted: unreadable arraygrad "
                              f"metadata ({exc})") from exc
    if not isinstance(doc, dict) or "tree" not in doc:
        raise CheckpointError(f"checkpoint {where} is corrupted: the arraygrad metadata has "
                              f"no 'tree'")
    version = doc.get("format")
    if type(version) is not int or version not in (1, 2):
        raise CheckpointError(f"checkpoint {where} has format version {version!r}; this "
                              f"arraygrad reads versions 1 and 2 (upgrade arraygrad to read "
                              f"newer checkpoints)")
    if version >= 2 or SUM_KEY in meta:
        _verify(raw, size, meta.get(SUM_KEY), where)
    base = 8 + size
    arrays = {}
    for name, (dtype, shape, begin, end) in entries.items():
        count = (end - begin) // dtype.itemsize
        arrays[name] = (np.frombuffer(raw, dtype=dtype, count=count, offset=base + begin)
                        .reshape(shape) if count else np.zeros(shape, dtype))
    return doc, arrays


def _verify(raw: bytes, size: int, digest: Any, where: str) -> None:
    if not isinstance(digest, str) or len(digest) != 64 \
            or any(c not in "0123456789abcdef" for c in digest):
        raise CheckpointError(f"checkpoint {where} is corrupted: its SHA-256 checksum is "
                              f"missing or malformed")
    needle = _NEEDLE + digest.encode() + b'"'
    head = raw[8:8 + size]
    if head.count(needle) != 1:
        raise CheckpointError(f"checkpoint {where} is corrupted: its checksum field was "
                              f"altered")
    h = hashlib.sha256(raw[:8])
    h.update(head.replace(needle, _NEEDLE + _ZEROS.encode() + b'"'))
    h.update(memoryview(raw)[8 + size:])
    if not hmac.compare_digest(h.hexdigest(), digest):
        raise CheckpointError(f"checkpoint {where} is corrupted: its SHA-256 checksum does "
                              f"not match its contents (a damaged or altered file)")


def _entries(header: dict[str, Any], data_len: int, where: str
             ) -> dict[str, tuple[np.dtype, tuple[int, ...], int, int]]:
    out = {}
    for name, info in header.items():
        try:
            if not isinstance(info, dict) or set(info) != {"dtype", "shape", "data_offsets"}:
                raise ValueError("expected exactly dtype, shape and data_offsets")
            dtype = _NUMPY[info["dtype"]]
            shape = info["shape"]
            begin, end = info["data_offsets"]
            if not isinstance(shape, list) or not all(type(d) is int and d >= 0
                                                      for d in shape):
                raise ValueError(f"bad shape {shape!r}")
            if type(begin) is not int or type(end) is not int or not 0 <= begin <= end:
                raise ValueError(f"bad data_offsets {info['data_offsets']!r}")
            if end - begin != math.prod(shape) * dtype.itemsize:
                raise ValueError(f"{end - begin} bytes for shape {shape} of {info['dtype']}")
        except (KeyError, TypeError, ValueError) as exc:
            raise CheckpointError(f"checkpoint {where} is corrupted: bad entry for tensor "
                                  f"{name!r} ({exc})") from exc
        out[name] = (dtype, tuple(shape), begin, end)
    position = 0
    for name, (_, _, begin, end) in sorted(out.items(), key=lambda kv: kv[1][2:]):
        if begin != position:
            raise CheckpointError(f"checkpoint {where} is corrupted: tensor {name!r} starts "
                                  f"at byte {begin}, expected {position} (overlapping or "
                                  f"missing data)")
        position = end
    if position != data_len:
        raise CheckpointError(f"checkpoint {where} is truncated or corrupted: the tensors "
                              f"need {position} bytes of data, the file has {data_len}")
    return out


def _no_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out = dict(pairs)
    if len(out) != len(pairs):
        raise ValueError("duplicate key in JSON object")
    return out


def _no_constant(name: str) -> Any:
    raise ValueError(f"{name} is not valid JSON")
