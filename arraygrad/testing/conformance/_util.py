"""Helpers shared by the conformance tests."""

from __future__ import annotations

import contextlib
from collections.abc import Iterator, Sequence
from typing import Any

import numpy as np
import pytest

from arraygrad.testing.op_table import FEATURES, OpCase, has_dtype, missing_features


def skip_missing(names: Sequence[str], backend: Any, what: str) -> None:
    """Skip with a reason the kit's summary groups ("missing feature: ...")."""
    if names:
        pytest.skip("; ".join(f"missing feature: {n}" for n in names)
                    + f" (backend {backend.name!r}, {what})")


def require_case(case: OpCase, backend: Any, dtype: str = "float32") -> None:
    """Skip unless ``backend`` has everything ``case`` needs in ``dtype``."""
    extra = ("float64",) if dtype == "float64" else ()
    skip_missing(missing_features(case, backend, extra), backend, case.name)


def require_float64(backend: Any, what: str) -> None:
    """Skip unless ``backend`` has float64."""
    if not has_dtype(backend, "float64"):
        skip_missing([FEATURES["float64"]], backend, what)


def effective_dtype(backend: Any, name: str) -> Any:
    """The dtype ``backend`` stores when asked for ``name`` (JAX without x64: int64 -> int32)."""
    return backend.dtype_of[backend.native_dtype(name)]


def host(x: Any) -> np.ndarray:
    """A Tensor's (or array's) values as a NumPy array."""
    if hasattr(x, "detach"):
        x = x.detach()
    if hasattr(x, "numpy"):
        return np.asarray(x.numpy())
    return np.asarray(x)


def other_backend(backend: Any) -> Any:
    """Another available backend (NumPy unless ``backend`` is NumPy), or skip."""
    import arraygrad as ag

    for name in ["numpy", *sorted(ag.backends.names())]:
        if name == backend.name:
            continue
        try:
            return ag.get_backend(name)
        except ag.BackendError:
            continue
    pytest.skip(f"needs a second available backend besides {backend.name!r}")


def _missing_name(exc: BaseException, backend: Any) -> str | None:
    """The namespace function whose absence caused ``exc`` (through its cause chain)."""
    seen: set[int] = set()
    link: BaseException | None = exc
    while link is not None and id(link) not in seen:
        seen.add(id(link))
        if isinstance(link, AttributeError) and link.name:
            obj = getattr(link, "obj", None)
            if obj is backend.xp or (obj is None and not hasattr(backend.xp, link.name)):
                return link.name
        link = link.__cause__ or link.__context__
    return None


@contextlib.contextmanager
def diagnose(backend: Any, what: str) -> Iterator[None]:
    """Report a function missing from the backend's namespace as a missing feature (a skip
    the summary lists as ``missing: NAME``), not as a wrong value."""
    try:
        yield
    except Exception as exc:
        name = _missing_name(exc, backend)
        if name is None:
            raise
        pytest.skip(f"missing feature: {name} (backend {backend.name!r}'s namespace has no "
                    f"{name!r}; needed by {what})")


def downcast_message(backend: Any, what: str, got: Any) -> str:
    """The failure text for float64 data that came back as float32."""
    return (f"silent float64->float32 downcast: {what} gave {got} on backend "
            f"{backend.name!r}, which declares float64. Keep float64 (check from_object / "
            f"asarray and the namespace's functions), or leave float64 out of the backend's "
            f"namespace so arraygrad knows it is missing")
