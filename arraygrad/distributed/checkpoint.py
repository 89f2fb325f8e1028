"""Checkpoints in a distributed job: rank 0 writes, every rank waits for the file."""

from __future__ import annotations

import os
from typing import Any

__all__ = ["save"]


def save(obj: Any, path: str | os.PathLike) -> None:
    """Save ``obj`` with :func:`arraygrad.save` on rank 0 only, then wait on every rank
    until the file is complete (a barrier), so any rank may load it right after.

    ``arraygrad.save`` writes atomically (a temporary file, then a rename): a rank that
    dies while saving leaves the previous checkpoint, never a half-written one. Outside a
    job (no process group) this is ``arraygrad.save``.

    Examples
    --------
    >>> import arraygrad as ag, os, tempfile
    >>> path = os.path.join(tempfile.mkdtemp(), "w.safetensors")
    >>> ag.distributed.save({"w": ag.ones(2)}, path)
    >>> ag.load(path)["w"].tolist()
    [1.0, 1.0]
    """
    from arraygrad.distributed.process_group import _WORLD
    from arraygrad.serialization import save as _save

    pg = _WORLD[0]
    error: BaseException | None = None
    if pg is None or pg.rank == 0:
        try:
            _save(obj, path)
        except BaseException as exc:  # the others must learn about it, not wait forever
            error = exc
    if pg is not None and pg.world_size > 1:
        failed = pg.allgather_object(None if error is None else repr(error))[0]
        if failed is not None and error is None:
            raise RuntimeError(f"distributed.save: rank 0 failed to write {os.fspath(path)!r}: "
                               f"{failed}")
    if error is not None:
        raise error
