"""Checkpoints: ``ag.save(obj, f)`` and ``ag.load(f)``, safetensors files without pickle.

The file is safetensors: tensors as raw little-endian bytes under their state-dict names
(``model.fc1.weight``), readable by any safetensors tool. Everything that is not a
tensor (nested dicts, lists, tuples, numbers, strings, None, and whole modules as their
class, constructor arguments and children) is a JSON document in the safetensors
metadata under ``"arraygrad"``, beside a SHA-256 checksum of the file
(``"arraygrad.sha256"``). Loading never runs code from the file: it parses JSON, copies
bytes, and constructs only arraygrad's module classes and those allowed with
:func:`add_safe_globals` or :func:`safe_globals`.
"""

from arraygrad.serialization._format import CheckpointError
from arraygrad.serialization._io import load, save
from arraygrad.serialization._safe import (
    add_safe_globals,
    clear_safe_globals,
    get_safe_globals,
    safe_globals,
)

__all__ = ["save", "load", "CheckpointError", "add_safe_globals", "safe_globals",
           "get_safe_globals", "clear_safe_globals"]
