"""Rewrites of a recorded NumPy program that keep every result bit for bit.

A recording logs every kernel call eager ran, including calls whose results only steered
Python (``isdtype`` checks on constant dtypes) and calls that only depend on shapes the
guards fix (``ones_like`` of the loss, the reshapes of its gradient). The replay needs
neither. The passes here, in order:

1. **dead code**: a call of a known pure function whose results reach nothing (no later
   call, no result, no value check) is dropped;
2. **shape constants**: ``ones_like``/``zeros_like``/``full_like`` of a recorded array, and
   pure calls on nothing but such values and constants, are computed once, at build time
   (their values depend only on shapes and dtypes, which the guards fix); not a value
   that (or a view of which) could be written to or handed out, nor one computed from
   such a value;
3. **typed scalars**: a Python number passed to a ufunc together with arrays of the dtype
   NumPy would cast it to becomes a 0-d array of that dtype, made once: NumPy's
   weak-scalar conversion (NEP 50) then runs at build time instead of on every call.

``api.py`` still runs the verification replay on the result and compares it bit for bit
with eager; a program the passes broke is rebuilt without them.
"""

from __future__ import annotations

import operator
from collections.abc import Sequence
from typing import Any

import numpy as np

# Namespace functions without side effects whose result depends only on their arguments.
# (Indexing is not here: an unused ``x[labels]`` still raises on a bad label.)
PURE_NAMES = frozenset({
    "isdtype", "result_type", "can_cast", "reshape", "broadcast_to", "expand_dims",
    "squeeze", "permute_dims", "matrix_transpose", "astype", "asarray", "ones_like",
    "zeros_like", "full_like", "ones", "zeros", "full", "arange", "sum", "max", "min",
    "mean", "prod", "stack", "concat", "flip", "roll", "moveaxis", "swapaxes", "where",
})
SHAPE_ONLY = frozenset({"ones_like", "zeros_like", "full_like"})
_MUTATING_METHODS = frozenset({"fill", "sort", "resize", "put", "itemset"})
# Backend namespace functions that write into their first argument (and return it).
IN_PLACE_FUNCTIONS = frozenset({"scatter_add"})
_SCALAR_MODULES = frozenset({"_operator", "operator", "math"})  # number arithmetic


def pure_functions(xp: Any) -> dict[int, str]:
    """``id(function) -> name`` for the pure functions of namespace ``xp`` and NumPy."""
    out: dict[int, str] = {}
    for name in PURE_NAMES:
        for ns in (xp, np):
            f = getattr(ns, name, None)
            if callable(f):
                out[id(f)] = name
    out[id(np.ndarray.astype)] = "astype"
    out[id(np.ndarray.reshape)] = "reshape"
    return out


def slots_in(e: Any, acc: list[int]) -> list[int]:
    """The slot numbers an encoded argument (see trace.Recorder.enc) refers to."""
    tag, v = e
    if tag == "s":
        acc.append(v)
    elif tag in ("t", "l", "sl", "nt"):
        for x in v:
            slots_in(x, acc)
    elif tag == "d":
        for _k, x in v:
            slots_in(x, acc)
    return acc


def _has_out(kwargs: Any) -> bool:
    return any(k in ("out", "where") for k, _v in kwargs[1])


def _pure(ins: tuple, pure: dict[int, str]) -> bool:
    kind, fn, _args, kwargs, _pattern = ins
    if kind == "view":
        return True
    if kind != "call":
        return False  # random draws advance the generator
    if type(fn) is np.ufunc:
        return not _has_out(kwargs)
    if getattr(fn, "__name__", "") in _MUTATING_METHODS:
        return False
    return id(fn) in pure and not _has_out(kwargs)


def _inputs(ins: tuple) -> list[int]:
    kind, _fn, args, kwargs, _pattern = ins
    if kind == "view":
        return [args[0]]
    return slots_in(args, slots_in(kwargs, []))


def dead_code(code: list, keep: set[int], pure: dict[int, str]) -> list[bool]:
    """Which instructions are needed: impure ones, and pure ones whose results reach an
    impure instruction or a slot in ``keep`` (results, value checks)."""
    live = set(keep)
    needed = [False] * len(code)
    for i in range(len(code) - 1, -1, -1):
        ins = code[i]
        outs = slots_in(ins[4], [])
        if not _pure(ins, pure) or any(s in live for s in outs):
            needed[i] = True
            live.update(_inputs(ins))
    return needed


def _evaluate(e: Any, values: dict[int, Any]) -> Any:
    tag, v = e
    if tag == "s":
        return values[v]
    if tag == "c":
        return v
    if tag in ("t", "l", "nt"):
        items = [_evaluate(x, values) for x in v]
        return tuple(items) if tag != "l" else items
    if tag == "sl":
        return slice(*(_evaluate(x, values) for x in v))
    if tag == "d":
        return {k: _evaluate(x, values) for k, x in v}
    raise AssertionError(tag)


def _bind(pattern: Any, value: Any, values: dict[int, Any]) -> None:
    tag, v = pattern
    if tag == "s":
        values[v] = value
    elif tag in ("t", "nt"):
        for p, x in zip(v, value):
            _bind(p, x, values)


def shape_constants(code: list, meta: dict[int, tuple], protected: set[int],
                    pure: dict[int, str]) -> dict[int, Any]:
    """``slot -> value`` for the slots computable at build time (see the module docstring);
    empty when any of them (or a view of one) is in ``protected`` (written to, handed out,
    or read by a value check)."""
    values: dict[int, Any] = {}
    for ins in code:
        kind, fn, args, kwargs, pattern = ins
        if not _pure(ins, pure) or kind != "call":
            continue
        ins_slots = _inputs(ins)
        name = pure.get(id(fn))
        try:
            if name in SHAPE_ONLY and ins_slots and ins_slots[0] in meta \
                    and all(s in values for s in ins_slots[1:]):
                first = ins_slots[0]
                proto = np.empty(meta[first][0], meta[first][1])
                local = dict(values)
                local[first] = proto
                value = fn(*_evaluate(args, local), **_evaluate(kwargs, local))
            elif all(s in values for s in ins_slots):
                value = fn(*_evaluate(args, values), **_evaluate(kwargs, values))
            else:
                continue
        except Exception:  # noqa: BLE001 - leave it to the replay, as recorded
            continue
        _bind(pattern, value, values)
    if not values:
        return {}
    # Anything derived from a value by a call that may return a view may share its memory:
    # a value such a slot of which is written to or leaves the program is not folded
    # (``zeros`` that a scatter-add fills), and neither is a value computed from one (it
    # may have read it after the write).
    sharing: dict[int, set[int]] = {s: {s} for s in values}
    for ins in code:
        if ins[0] == "call" and type(ins[1]) is np.ufunc and not _has_out(ins[3]):
            continue  # a new array
        ins_slots = _inputs(ins)
        outs = slots_in(ins[4], [])
        for group in sharing.values():
            if any(s in group for s in ins_slots):
                group.update(outs)
    bad = {s for s, group in sharing.items() if group & protected}
    for ins in code:  # in program order: what a bad value feeds is bad too
        outs = [s for s in slots_in(ins[4], []) if s in values]
        if outs and any(s in bad for s in _inputs(ins)):
            bad.update(outs)
    values = {s: v for s, v in values.items() if s not in bad}
    for v in values.values():
        if isinstance(v, np.ndarray):
            v.flags.writeable = False
    return values


def typed_scalar_args(ins: tuple, dtypes: dict[int, Any]) -> tuple:
    """``ins`` with Python-number arguments of a ufunc call turned into 0-d arrays of the
    dtype NumPy's weak-scalar rule casts them to (``ins`` itself when that is not certain)."""
    kind, fn, args, kwargs, pattern = ins
    if kind != "call" or type(fn) is not np.ufunc or kwargs[1] and any(
            k != "out" for k, _v in kwargs[1]):
        return ins
    items = args[1][:fn.nin]
    arrays = [dtypes.get(v) for tag, v in items if tag == "s"]
    numbers = [v for tag, v in items if tag == "c" and type(v) in (int, float, complex)]
    if not numbers or not arrays or any(d is None for d in arrays) \
            or len(arrays) + len(numbers) != fn.nin:  # (a dtype == None is float64)
        return ins
    try:
        rt = np.result_type(*arrays, *numbers)
    except (TypeError, ValueError):
        return ins
    if any(d != rt for d in arrays) or rt.char * fn.nin + "->" not in {
            t[:fn.nin + 2] for t in fn.types}:
        return ins
    new: list[tuple] = []
    for tag, v in args[1]:
        if tag == "c" and type(v) in (int, float, complex) and len(new) < fn.nin:
            try:
                c = np.asarray(v, dtype=rt)
            except (OverflowError, TypeError, ValueError):
                return ins
            if rt.kind in "iub" and int(c) != v:
                return ins
            c.flags.writeable = False
            new.append(("c", c))
        else:
            new.append((tag, v))
    return (kind, fn, ("t", tuple(new)), kwargs, pattern)


def _key(e: Any) -> Any:
    """A hashable key of an encoded argument; constants of other than plain Python types
    compare by identity."""
    tag, v = e
    if tag == "s":
        return e
    if tag == "c":
        if v is None or type(v) in (bool, int, float, complex, str):
            return ("c", type(v), v)
        return ("c", id(v))
    if tag == "d":
        return (tag, tuple((k, _key(x)) for k, x in v))
    return (tag, tuple(_key(x) for x in v))


def _rename_all(e: Any, names: dict[int, int]) -> Any:
    """Encoded argument ``e`` with every slot in ``names`` replaced by ``names[slot]``."""
    tag, v = e
    if tag == "s":
        return ("s", names[v]) if v in names else e
    if tag in ("t", "l", "sl", "nt"):
        return (tag, tuple(_rename_all(x, names) for x in v))
    if tag == "d":
        return (tag, tuple((k, _rename_all(x, names)) for k, x in v))
    return e


def common_subexpressions(code: list, needed: list[bool], keep: set[int],
                          pure: dict[int, str]) -> dict[int, int]:
    """``later slot -> earlier slot`` for pure calls that repeat an earlier call on the
    same arguments (cross-entropy's backward recomputes the softmax of its forward) with
    no write to any array in between. Slots in ``keep`` (results, value checks) keep their
    own call: two results must never be one array."""
    seen: dict[Any, int] = {}
    names: dict[int, int] = {}
    for i, ins in enumerate(code):
        if not needed[i]:
            continue
        kind, fn, args, kwargs, pattern = ins
        if mutated_by(ins) or kind == "rng":
            seen.clear()  # a write: earlier values may have changed
            continue
        if kind != "call" or pattern[0] != "s" or not _pure(ins, pure):
            continue
        if names and any(s in names for s in _inputs(ins)):
            args, kwargs = _rename_all(args, names), _rename_all(kwargs, names)
        try:
            key = (id(fn), _key(args), _key(kwargs))
            hash(key)
        except TypeError:
            continue
        if key in seen and pattern[1] not in keep:
            names[pattern[1]] = seen[key]
        else:
            seen.setdefault(key, pattern[1])
    return names


def optimize(code: list, results: Sequence[int], checks: Sequence[tuple],
             dtypes: dict[int, Any], meta: dict[int, tuple], mutated: set[int],
             pure: dict[int, str]) -> tuple[list, list[tuple], dict[int, Any], dict[str, int]]:
    """The passes of the module docstring.

    Returns the new instruction list, the value checks with their positions moved to the
    new list, the build-time constants (``slot -> value``, to bind before the first
    instruction) and counts of what each pass did.
    """
    keep = set(results) | {c[1] for c in checks}
    folded = shape_constants(code, meta, set(results) | mutated | {c[1] for c in checks},
                             pure)
    read = {s for ins in code for s in _inputs(ins)}
    folded = {s: v for s, v in folded.items() if s in keep or s in read}
    needed = dead_code(code, keep, pure)
    same = common_subexpressions(code, needed, keep, pure)
    new_code: list = []
    position: list[int] = []  # old index -> new index of the next kept instruction
    removed = folded_n = typed = repeated = 0
    for i, ins in enumerate(code):
        position.append(len(new_code))
        outs = slots_in(ins[4], [])
        if outs and all(s in folded for s in outs):
            folded_n += 1
            continue
        if outs and outs[0] in same:
            repeated += 1
            continue
        if not needed[i]:
            removed += 1
            continue
        if same and ins[0] == "view":
            ins = (ins[0], ins[1], (same.get(ins[2][0], ins[2][0]), *ins[2][1:]), ins[3],
                   ins[4])
        elif same and any(s in same for s in _inputs(ins)):
            ins = (ins[0], ins[1], _rename_all(ins[2], same), _rename_all(ins[3], same),
                   ins[4])
        t = typed_scalar_args(ins, dtypes)
        typed += t is not ins
        new_code.append(t)
    position.append(len(new_code))
    new_checks = [(position[pos], n, value, where) for pos, n, value, where in checks]
    # only the folded values that a kept instruction (or a result) still reads
    used: set[int] = set(results)
    for ins in new_code:
        used.update(_inputs(ins))
    consts = {s: v for s, v in folded.items() if s in used}
    stats = {"dead": removed, "repeated": repeated, "folded": folded_n, "typed": typed}
    return new_code, new_checks, consts, stats


def mutated_by(ins: tuple) -> list[int]:
    """The slots instruction ``ins`` writes into (``out=``, item assignment, ``ufunc.at``,
    the mutating ndarray methods, ``scatter_add``), as the recorder marks them."""
    kind, fn, args, kwargs, _pattern = ins
    if kind == "view":
        return []
    written = [s for k, v in kwargs[1] if k == "out" for s in slots_in(v, [])]
    name = getattr(fn, "__name__", "")
    if (fn is operator.setitem or name == "at" or name in _MUTATING_METHODS
            or name in IN_PLACE_FUNCTIONS) and args[1] and args[1][0][0] == "s":
        written.append(args[1][0][1])
    return written


def in_place_tail(code: list, externals: Sequence[int], checks: Sequence[tuple],
                  meta: dict[int, tuple]) -> tuple[list, int, list[tuple]] | None:
    """Arrange a program's writes into state arrays (parameters, optimizer state, buffers)
    so that they cannot fail once they have begun: a replay then writes them in place, in
    eager's order, with no copy of the state and no staging buffer.

    Applies when every write into an external array comes after the last value check, the
    instructions from the first such write on (the tail) are elementwise ufuncs and number
    arithmetic only, each write is an ``out=`` into the external itself (not a view of it),
    and no view of a written external is read in the tail. The number arithmetic of the
    tail (Adam's bias corrections) is moved ahead of it, so that the tail is ufuncs alone;
    their results depend only on the shapes, dtypes and writability of what they read,
    which a check just before the tail compares with the recording (``precheck``: ``(slot,
    shape, dtype, written)`` for every array the tail reads from before it). Under NumPy's
    default error state (no ``raise``) nothing in the tail can then fail.

    Returns ``(code, first, precheck)`` with the tail starting at ``code[first]``
    (``first == len(code)`` when the program writes no state), or None when the program
    does not have that form (its replay then runs on copies of the state it writes).
    """
    ext = set(externals)
    derived: dict[int, int] = {}  # slot that may view an external -> that external
    first = None
    for i, ins in enumerate(code):
        if any(s in ext or s in derived for s in mutated_by(ins)):
            first = i
            break
        if not (ins[0] == "call" and type(ins[1]) is np.ufunc and not _has_out(ins[3])):
            # (a call other than a ufunc may return a view; numbers are never views)
            roots = {derived.get(s, s) for s in _inputs(ins)
                     if (s in ext and s in meta) or s in derived}
            for s in slots_in(ins[4], []):
                if roots and s not in ext and s in meta:
                    derived[s] = next(iter(roots)) if len(roots) == 1 else -1
    if first is None:
        return list(code), len(code), []
    if any(pos > first for pos, *_rest in checks):
        return None
    numbers: list = []  # number arithmetic, moved ahead of the tail
    tail: list = []
    made_in_tail: set[int] = set()
    for ins in code[first:]:
        kind, fn, _args, _kwargs, pattern = ins
        if kind == "call" and getattr(fn, "__module__", None) in _SCALAR_MODULES:
            if any(s in made_in_tail for s in _inputs(ins)):
                return None  # arithmetic on a value of the tail: it cannot move ahead
            numbers.append(ins)
            continue
        if not (kind == "call" and type(fn) is np.ufunc):
            return None  # only elementwise kernels and number arithmetic after a write
        if any(s in derived for s in _inputs(ins) + slots_in(pattern, [])):
            return None  # a view of the state read after a write would see other values
        for s in mutated_by(ins):
            if s not in ext or s not in meta:
                return None  # a write into something the check cannot vouch for
        made_in_tail.update(slots_in(pattern, []))
        tail.append(ins)
    written = {s for ins in tail for s in mutated_by(ins)}
    precheck: list[tuple] = []
    seen: set[int] = set()
    for ins in tail:
        for s in _inputs(ins) + [s for s in mutated_by(ins)]:
            if s in seen or (s in made_in_tail and s not in ext):
                continue
            seen.add(s)
            if s in meta:
                shape, dtype = meta[s]
                precheck.append((s, tuple(shape), np.dtype(dtype), s in written))
    first += len(numbers)
    return list(code[:first - len(numbers)]) + numbers + tail, first, precheck


def _fast_functions() -> dict[int, str]:
    from arraygrad.backends import _numpy_fast
    return {id(f): name for name, f in _numpy_fast.FAST_FUNCTIONS.items()}


_FAST = _fast_functions()
_NUMPY_WRAPPERS = {id(np.reshape): "reshape", id(np.expand_dims): "expand_dims",
                   id(np.astype): "astype", id(np.all): "all", id(np.any): "any"}


def spelling(fn: Any, args: Any, kwargs: Any, meta: dict[int, tuple],
             src: Any) -> str | None:
    """Source of an exact, cheaper spelling of the call ``fn(args, kwargs)`` when its first
    argument is a NumPy array of at least one dimension (a slot recorded as one: the
    replay's kernels produce the same types): the ndarray method or ufunc reduction that
    NumPy's Python-level wrapper (``np.reshape``, ``np.expand_dims``, ``np.astype``,
    ``np.all``) or the backend's fast function ends up calling, without the wrapper's
    argument handling. ``src`` renders an encoded argument. None: keep the call."""
    items, keys = args[1], kwargs[1]
    if not items or items[0][0] != "s" or items[0][1] not in meta:
        return None
    shape = meta[items[0][1]][0]
    if not shape:
        return None  # 0-d results of kernels may be NumPy scalars at replay
    x = src(items[0])
    name = _NUMPY_WRAPPERS.get(id(fn)) or _FAST.get(id(fn))
    kw = {k: v for k, v in keys}
    if name == "reshape" and len(items) == 2 and not keys:
        if items[1][0] == "c" and type(items[1][1]) is tuple and items[1][1] == tuple(shape):
            return x  # to its own shape: the same memory, shape and strides
        return f"{x}.reshape({src(items[1])})"
    if name == "expand_dims" and (len(items) == 2) != ("axis" in kw) and len(kw) <= 1:
        axis = items[1] if len(items) == 2 else kw["axis"]
        if axis[0] != "c" or type(axis[1]) is not int:
            return None
        out_ndim = len(shape) + 1
        if not -out_ndim <= axis[1] < out_ndim:
            return None
        pos = axis[1] % out_ndim
        return f"{x}.reshape({tuple(shape[:pos]) + (1,) + tuple(shape[pos:])!r})"
    if name == "astype" and len(items) == 2 and set(kw) <= {"copy"}:
        return f"{x}.astype({', '.join([src(items[1])] + [f'copy={src(kw[k])}' for k in kw])})"
    if name in ("all", "any") and len(items) == 1 and not keys:
        return f"{x}.{name}()"
    if name == "matrix_transpose" and len(items) == 1 and not keys and len(shape) >= 2:
        return f"{x}.mT"
    if name in ("sum", "max", "min") and len(items) == 1 and set(kw) <= {
            "axis", "dtype", "keepdims"} and (name == "sum" or 0 not in shape):
        if name != "sum" and "dtype" in kw:
            return None
        ufunc = {"sum": "_add_reduce", "max": "_max_reduce", "min": "_min_reduce"}[name]
        # the fast functions' defaults (ufunc.reduce's own default axis is 0, not None)
        kw = {"axis": ("c", None), "keepdims": ("c", False), **kw}
        parts = [x] + [f"{k}={src(v)}" for k, v in kw.items()]
        return f"{ufunc}({', '.join(parts)})"
    return None


REDUCTIONS = {"_add_reduce": np.add.reduce, "_max_reduce": np.maximum.reduce,
              "_min_reduce": np.minimum.reduce}
