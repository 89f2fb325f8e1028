"""``ag.compile``: record a step once, replay it while its guards hold."""

from __future__ import annotations

import contextlib
import functools
import os
import warnings
from collections import OrderedDict
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from arraygrad import engine
from arraygrad.anomaly_mode import ANOMALY
from arraygrad.compile import binding, effects, optimize, replay_jax, trace
from arraygrad.compile.guards import (
    Probe,
    Unsupported,
    build_probe,
    describe_miss,
    discover,
    guard_key,
    module_tensors,
    python_writes,
)
from arraygrad.compile.replay_numpy import Mismatch, Program, errors_raise
from arraygrad.extend import assign, make_tensor
from arraygrad.grad_mode import is_grad_enabled
from arraygrad.rng_proxies import PredrawnRNG
from arraygrad.tensor import Tensor

__all__ = ["compile", "CompiledFunction", "CompileError", "CompileWarning"]

ENV_VAR = "ARRAYGRAD_COMPILE"
# os.environ's own storage, which its setters write through: one dict lookup per call
# instead of Mapping.get's key encoding and value decoding (about 1 us of a replay)
_ENV_DATA = getattr(os.environ, "_data", None)
_ENV_KEY, _ENV_OFF = (os.environ.encodekey(ENV_VAR), os.environ.encodevalue("0")) \
    if _ENV_DATA is not None else (ENV_VAR, "0")


def _disabled() -> bool:
    """Whether ``ARRAYGRAD_COMPILE=0`` is set now."""
    if _ENV_DATA is None:
        return os.environ.get(ENV_VAR, "1") == "0"
    return _ENV_DATA.get(_ENV_KEY) == _ENV_OFF
REPLAY_BACKENDS = ("numpy", "jax")  # backends whose steps replay (others run eagerly)
MAX_VARIANTS = 8
MAX_CONSECUTIVE_MISSES = 4
MAX_PROBE_FAILURES = 8  # in a row: then every call runs the full guard (guards.Probe)


class CompileError(RuntimeError):
    """``fullgraph=True`` and the step cannot be replayed (the message says why)."""


class CompileWarning(UserWarning):
    """A compiled step runs eagerly (said once per reason)."""


class _Fallback:
    __slots__ = ("reason",)

    def __init__(self, reason: str) -> None:
        self.reason = reason


class _Variant:
    """One recorded program plus how to read its inputs and commit its results."""

    __slots__ = ("program", "readers", "mutated", "commits", "out_spec", "calls", "stable",
                 "copies", "reads_args", "backend", "read", "commit")

    def __init__(self, program: Program, readers: list, mutated: list[bool], commits: Any,
                 out_spec: Any) -> None:
        self.program = program
        self.readers = readers
        self.mutated = mutated
        self.commits = commits
        self.out_spec = out_spec
        self.calls = 0
        self.stable = False  # whether a replay leaves the state under the same guard key
        # per input written in place: a buffer the replay copies it into (None: a fresh
        # copy each call), for inputs whose result is copied back into the original array
        self.copies: list[Any] = [None] * len(readers)
        self.reads_args = any(o[0] == "a" for o in readers) or any(
            c.owner[0] == "a" for c in commits[0])
        self.read: Callable[[list], list] = binding.build_reader(readers)
        self.commit: Callable[[Any, list, list], None] | None = None  # built by _record
        self.backend = next((o[1].backend for o in readers if o[0] in "ta"), None)


# ----------------------------------------------------------------------------- owners
def _owners(args: tuple, kwargs: dict, modules: list, opts: list) -> list[tuple]:
    """Every place a step's arrays live: (kind, holder, key)."""
    out: list[tuple] = []
    seen: set = set()

    def tensor(t: Tensor) -> None:
        if id(t) not in seen:
            seen.add(id(t))
            out.append(("t", t, None))
            if t.grad is not None:
                out.append(("g", t, None))

    for i, a in enumerate(list(args) + list(kwargs.values())):
        if isinstance(a, Tensor) and id(a) not in seen:
            seen.add(id(a))
            out.append(("a", a, i))
    for m in modules:
        if isinstance(m, list):  # tensors (and raw arrays) of the closure/globals
            for t in m:
                if isinstance(t, Tensor):
                    tensor(t)
            continue
        for _n, p in m.named_parameters():
            tensor(p)
        for sub in m.modules():
            for name, b in module_tensors(sub):
                if b is not None:
                    out.append(("b", sub, name))
    for opt in opts:
        for group in opt.param_groups:
            for p in group["params"]:
                tensor(p)
            if _is_number(group.get("lr")):
                out.append(("h", group, "lr"))  # read at call time: schedulers change it
        for p, st in opt.state.items():
            for k, v in st.items():
                if isinstance(v, Tensor) or hasattr(v, "__array_namespace__") \
                        or isinstance(v, np.ndarray) or _is_number(v):
                    out.append(("o", (opt, p), k))
    return out


@contextlib.contextmanager
def watch_hooks(problems: list, modules: list, fn: Any = None, *, undo: bool = False
                ) -> Iterator[None]:
    """While a step is recorded or traced: note in ``problems`` every hook that runs, a
    draw from a Python-level random generator and a change to Python state (see
    :mod:`.effects`; ``fn``: the step, whose closure and globals hold that state).

    A hook is Python code: a replay would redo the kernels it called but skip the rest of
    it (appending to a list, logging, counting), so a step whose hooks run is not replayed.
    ``undo``: a trace (JAX), not a real run: when it fails or finds a problem, the watched
    Python state and generators are put back, so that the eager run that follows is the
    call's only one.
    """
    draws = effects.DrawWatch(fn, modules)
    state = effects.StateWatch(fn, modules)
    found = registered_hook(modules)
    if found is not None:
        problems.append(found)
    real_hooks, real_post = engine._run_hooks, engine._run_post_hooks

    def run_hooks(hooks: list, g: Any, backend: Any, create_graph: bool) -> Any:
        problems.append(_hook_problem(hooks[0] if hooks else None))
        return real_hooks(hooks, g, backend, create_graph)

    def run_post_hooks(leaf: Any) -> None:
        problems.append(_hook_problem(None))
        return real_post(leaf)

    engine._run_hooks, engine._run_post_hooks = run_hooks, run_post_hooks
    failed = True
    try:
        yield
        failed = False
    finally:
        engine._run_hooks, engine._run_post_hooks = real_hooks, real_post
        for found in (draws.problem(), state.problem()):
            if found is not None:
                problems.append(found)
        if undo and (failed or problems):
            draws.restore()
            state.restore()


def registered_hook(modules: list) -> str | None:
    """Why the step cannot be replayed when a module or tensor it reaches has a hook
    registered (None: no hook), found before running it (a trace would run it once more)."""
    for m in modules:
        tensors = m if isinstance(m, list) else list(m.parameters())
        for sub in ([] if isinstance(m, list) else m.modules()):
            if sub._forward_hooks or sub._forward_pre_hooks:
                return (f"{type(sub).__name__} has forward hooks (Python code a replay "
                        f"would skip); remove them to compile the step")
        for t in tensors:
            hooks = (getattr(t, "_hooks", None) or getattr(t, "_post_hooks", None)) \
                if isinstance(t, Tensor) else None
            if hooks:
                return _hook_problem(hooks[0])
    return None


def _hook_problem(hook: Any) -> str:
    name = getattr(hook, "__qualname__", None) or "a post-accumulate-grad hook"
    return (f"the step runs a gradient hook ({name}): Python code a replay would skip; "
            f"remove the hook to compile the step")


def _is_number(v: Any) -> bool:
    """A Python number the recording reads at call time (trace.Scalar), not a constant."""
    return type(v) is int or type(v) is float or type(v) is trace.Scalar


def _bind(owner: tuple, flat: list) -> tuple:
    """A recorded owner as it is in this call (arguments are taken by position)."""
    return ("a", flat[owner[2]], owner[2]) if owner[0] == "a" else owner


def _get(owner: tuple) -> Any:
    kind, h, k = owner
    if kind == "t" or kind == "a":
        return h.array
    if kind == "g":
        return h.grad.array
    if kind == "b":
        return getattr(h, k).array
    if kind == "h":
        return h[k]
    v = h[0].state[h[1]][k]
    return v.array if isinstance(v, Tensor) else v


def _swap(t: Tensor, value: Any) -> None:
    """Give ``t`` another array object with the same contents, without a version bump
    (the traced alias during a recording and back): graphs recorded meanwhile stay valid."""
    t.data = make_tensor(value, t.backend)


def _alias(owner: tuple, value: Any) -> None:
    kind, h, k = owner
    if kind == "t" or kind == "a":
        _swap(h, value)
    elif kind == "g":
        _swap(h.grad, value)
    elif kind == "b":
        _swap(getattr(h, k), value)
    elif kind == "h":
        h[k] = value
    else:
        _set_raw(owner, value)


def _set(owner: tuple, value: Any, renew: bool = False) -> None:
    """Write ``value`` where ``owner`` points (the generic form of binding.build_commit):
    ``renew`` makes a new Tensor there, as eager did, instead of updating the one there."""
    kind, h, k = owner
    if kind == "t" or kind == "a":
        assign(h, value)
    elif kind == "g":
        if value is None:
            h.grad = None
        elif renew or h.grad is None:
            h.grad = make_tensor(value, h.backend)
        else:
            assign(h.grad, value)
    elif kind == "b":
        if renew:
            setattr(h, k, make_tensor(value, h.backend))
        else:
            assign(getattr(h, k), value)
    elif kind == "h":
        h[k] = value
    else:
        st = h[0].state.setdefault(h[1], {})
        if renew:
            st[k] = make_tensor(value, h[1].backend)
        elif isinstance(st.get(k), Tensor):
            assign(st[k], value)
        else:
            st[k] = value


def _slot(rec: trace.Recorder, arr: Any) -> int | None:
    """The slot of ``arr``, or of the traced array it is a plain alias of (see _plainify)."""
    n = rec.slot_of.get(id(arr))
    if n is None and isinstance(arr, np.ndarray) and arr.base is not None:
        n = rec.alias(arr)
    return n


def _plain(a: Any) -> Any:
    return a.view(np.ndarray) if isinstance(a, trace._Traced) else a


# ----------------------------------------------------------------------------- outputs
def _flatten_out(obj: Any, tensors: list) -> Any:
    if isinstance(obj, Tensor):
        tensors.append(obj)
        return ("T", len(tensors) - 1)
    if type(obj) is trace.Scalar:  # e.g. a learning rate read in the step
        tensors.append(obj)
        return ("N", len(tensors) - 1)
    if obj is None or isinstance(obj, (bool, int, float, str)):
        return ("c", obj)
    if type(obj) in (tuple, list):
        return (type(obj), tuple(_flatten_out(v, tensors) for v in obj))
    if type(obj) is dict:
        return (dict, tuple((k, _flatten_out(v, tensors)) for k, v in obj.items()))
    raise TypeError(
        f"ag.compile: the step returned a {type(obj).__name__}; a compiled step returns "
        f"Tensors, numbers, strings, None, or tuples/lists/dicts of them")


def _build_out(spec: Any, arrays: list, backend: Any) -> Any:
    tag, v = spec
    if tag == "T":
        return make_tensor(arrays[v], backend)
    if tag == "N":
        return arrays[v]
    if tag == "c":
        return v
    if tag is dict:
        return {k: _build_out(s, arrays, backend) for k, s in v}
    return tag(_build_out(s, arrays, backend) for s in v)


# ----------------------------------------------------------------------------- compiled
class CompiledFunction:
    """A step compiled by :func:`compile`: call it like the original function.

    Attributes
    ----------
    fn : callable
        The original function (``__wrapped__`` too).
    fullgraph : bool
        Whether a step that cannot be replayed raises :class:`CompileError`.
    """

    def __init__(self, fn: Callable[..., Any], fullgraph: bool = False,
                 max_variants: int = MAX_VARIANTS) -> None:
        self.fn = fn
        self.__wrapped__ = fn
        self.fullgraph = fullgraph
        self.max_variants = max_variants
        self._variants: OrderedDict[tuple, Any] = OrderedDict()
        self._log: list[str] = []
        self._warned: set[str] = set()
        self._misses = 0
        self._mismatches = 0
        self._stopped: str | None = None
        self._last_key: tuple | None = None
        self._probe: Probe | None = None
        self._probe_failures = 0
        self.replays = 0
        self.eager_calls = 0
        functools.update_wrapper(self, fn, updated=())

    # ------------------------------------------------------------------ reporting
    def explain(self) -> str:
        """What happened so far: variants (guards and program size), guard misses,
        fallbacks to eager and why.

        Returns
        -------
        str
            A multi-line report (also useful to print in a bug report).
        """
        lines = [f"ag.compile({getattr(self.fn, '__qualname__', self.fn)!r}): "
                 f"{len(self._variants)} variant(s), {self.replays} replay(s), "
                 f"{self.eager_calls} eager call(s)"]
        if _disabled():
            lines.append(f"  disabled: {ENV_VAR}=0")
        if self._stopped:
            lines.append(f"  stopped compiling: {self._stopped}")
        for i, (key, v) in enumerate(self._variants.items()):
            if isinstance(v, _Fallback):
                lines.append(f"  variant {i}: eager ({v.reason})")
            else:
                size = ("one jax.jit computation" if type(v) is replay_jax.JaxVariant
                        else f"{v.program.n_instructions} kernel calls")
                lines.append(f"  variant {i}: {size}, "
                             f"{v.calls} replay(s); guards: "
                             + "; ".join(f"{k}={val!r}" for k, val in key)[:400])
        lines.extend("  " + e for e in self._log[-50:])
        return "\n".join(lines)

    def _fallback(self, reason: str) -> None:
        if self.fullgraph:
            raise CompileError(f"ag.compile(fullgraph=True): {reason}")
        if reason not in self._warned:
            self._warned.add(reason)
            warnings.warn(f"ag.compile: running {getattr(self.fn, '__qualname__', 'the step')}"
                          f" eagerly: {reason}", CompileWarning, stacklevel=3)

    # ------------------------------------------------------------------ calling
    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        if _disabled() or self._stopped or \
                trace._ACTIVE is not None or ANOMALY.enabled:
            # inside another recording its kernels count; anomaly detection checks eager's
            # backward, which a replay does not run
            self.eager_calls += 1
            return self.fn(*args, **kwargs)
        probe = self._probe
        if probe is not None and probe.check(args, kwargs):
            v = probe.variant
            if v is None:
                v = probe.variant = self._variants.get(probe.key)
            if (type(v) is _Variant or type(v) is replay_jax.JaxVariant) and v.stable:
                # the common case: one tuple compare
                self._misses = self._probe_failures = 0
                return self._replay(probe.key, v, args, kwargs, probe.modules, probe.opts)
        result = self._call_full(args, kwargs)
        self._update_probe(args, kwargs)
        return result

    def _update_probe(self, args: tuple, kwargs: dict) -> None:
        """After a call that took the full guard path: a probe for the state as the call
        left it (the next call's state), unless probes keep failing."""
        if self._probe is not None:
            self._probe_failures += 1
        self._probe = None
        if self._probe_failures >= MAX_PROBE_FAILURES or self._stopped:
            return
        try:
            modules, opts = discover(self.fn, args, kwargs)
            key = guard_key(args, kwargs, modules, opts, self.fn)
            self._probe = build_probe(self.fn, args, kwargs, modules, opts, key)
        except (Unsupported, ValueError):
            self._probe = None

    def _call_full(self, args: tuple, kwargs: dict) -> Any:
        modules, opts = discover(self.fn, args, kwargs)
        try:
            key = guard_key(args, kwargs, modules, opts, self.fn)
        except Unsupported as exc:
            self._log.append(f"eager: {exc}")
            self._fallback(str(exc))
            self.eager_calls += 1
            return self.fn(*args, **kwargs)
        v = self._variants.get(key)
        if v is not None:
            self._misses = 0
            if isinstance(v, _Fallback):
                self.eager_calls += 1
                return self.fn(*args, **kwargs)
            self._variants.move_to_end(key)
            return self._replay(key, v, args, kwargs, modules, opts)
        if self._last_key is not None:
            self._log.append(f"guard miss ({describe_miss(key, self._last_key)}): recording")
            self._misses += 1
            if self._misses >= MAX_CONSECUTIVE_MISSES:
                miss = describe_miss(key, self._last_key)
                hint = ("a tensor the step reads from its closure or globals is a new "
                        "object on every call (a batch?): pass it as an argument"
                        if "closure or globals" in miss else
                        "a value the guards check changes on every call, e.g. an "
                        "optimizer's step counter (Adam) or a per-step learning rate")
                self._stopped = f"{self._misses} guard misses in a row (last: {miss}); {hint}"
                self._log.append(self._stopped)
                self._fallback(self._stopped)
                self.eager_calls += 1
                return self.fn(*args, **kwargs)
        self._last_key = key
        return self._record(key, args, kwargs, modules, opts)

    def _remember(self, key: tuple, v: Any) -> None:
        if self._probe is not None:
            self._probe.variant = None  # it may be the one replaced or evicted here
        self._variants[key] = v
        while len(self._variants) > self.max_variants:
            self._variants.popitem(last=False)
            self._log.append(f"evicted the oldest variant (cache of {self.max_variants})")

    # ------------------------------------------------------------------ recording
    def _record(self, key: tuple, args: tuple, kwargs: dict, modules: list, opts: list
                ) -> Any:
        backend_name = dict(key).get("backend")
        reason = None
        if backend_name not in REPLAY_BACKENDS:
            reason = (f"record/replay is implemented for the numpy backend only (this step "
                      f"runs on {backend_name!r})")
        elif any(isinstance(a, Tensor) and a.requires_grad
                 for a in list(args) + list(kwargs.values())):
            reason = "an argument requires grad (its gradient would not be replayed)"
        if reason is not None:
            self._log.append(f"eager: {reason}")
            self._remember(key, _Fallback(reason))
            self._fallback(reason)
            self.eager_calls += 1
            return self.fn(*args, **kwargs)
        owners = _owners(args, kwargs, modules, opts)
        backend = next((o[1].backend for o in owners if o[0] in "ta"), None)
        if backend is None:
            reason = "the step has no tensors (nothing to compile)"
            self._remember(key, _Fallback(reason))
            self._fallback(reason)
            self.eager_calls += 1
            return self.fn(*args, **kwargs)
        if backend_name == "jax":
            return self._record_jax(key, args, kwargs, modules, opts, backend)
        rec = trace.Recorder(backend)
        # Snapshot (for the verification replay and for a fullgraph=True roll-back).
        before = []
        numbers = []  # Python numbers read at call time (step counters, learning rates)
        in_slot: dict[tuple, int] = {}
        for o in owners:
            arr = _get(o)
            if _is_number(arr):
                numbers.append((o, arr))
            if isinstance(arr, np.generic) and o[0] in "tagb":
                # a 0-d result of eager's NumPy kernels is a NumPy scalar (BatchNorm's
                # num_batches_tracked after ``+ 1``): traced as the 0-d array it stands for
                arr = np.asarray(arr)
            if not isinstance(arr, np.ndarray):
                continue
            before.append((o, arr, np.array(arr, copy=True)))
        saved_grads = {id(o[1]): o[1].grad for o in owners if o[0] == "t"}
        saved_state = [(opt, {p: dict(st) for p, st in opt.state.items()}) for opt in opts]
        saved_bufs = [(o[1], o[2], getattr(o[1], o[2])) for o in owners if o[0] == "b"]
        held_before = {_okey(o): _held(o) for o in owners if o[0] in "gbo"}
        ext_values: dict[int, Any] = {}
        for o, arr, _copy in before:
            if not arr.flags.c_contiguous:
                reason = (f"{_owner_name(o)} is not C-contiguous (copy it into contiguous memory, "
                          f"e.g. p.data = p.data.clone())")
                self._log.append(f"eager: {reason}")
                self._remember(key, _Fallback(reason))
                self._fallback(reason)
                self.eager_calls += 1
                return self.fn(*args, **kwargs)
        with trace.install(rec):
            for o, arr, copy in before:
                n, t = rec.external(arr)
                in_slot[_okey(o)] = n
                ext_values[n] = copy
                _alias(o, t)
            for o, value in numbers:
                n, t = rec.scalar_external(value)
                in_slot[_okey(o)] = n
                ext_values[n] = value
                _alias(o, t)
            writes = python_writes(self.fn, modules)
            if writes is not None:
                rec.problems.append(writes)
            try:
                with watch_hooks(rec.problems, modules, self.fn):
                    result = self.fn(*args, **kwargs)
            finally:
                trace._ACTIVE = None
                final_numbers = _plainify(args, kwargs, modules, opts, rec)
                for o, value in numbers:
                    if o[0] == "h" and type(o[1][o[2]]) is trace.Scalar:
                        o[1][o[2]] = value  # a group the step dropped
        # Analyse.
        tensors: list = []
        out_spec = _flatten_out(result, tensors)
        result = _plain_numbers(result)
        for t in tensors:
            if isinstance(t, Tensor) and isinstance(t.array, trace._Traced):
                _swap(t, _plain(t.array))
        problems = list(rec.problems)
        if rec.data_reads:
            problems.insert(0, "the step reads tensor values in Python ("
                            + ", ".join(rec.data_reads) + "), so its control flow may depend "
                            "on data")
        post = _owners(args, kwargs, modules, opts)
        originals = {_okey(o): arr for o, arr, _copy in before}
        results: list[int] = []
        commits: list = []
        for o in post:
            if _okey(o) in final_numbers:
                final = final_numbers[_okey(o)]
                if o[0] == "h" and final != in_slot.get(_okey(o)):
                    problems.append("the step changes a learning rate (a scheduler stepped "
                                    "inside the step?); its Python state would not be "
                                    "replayed: call scheduler.step() outside the compiled "
                                    "step")
            elif o[0] == "h" or (o[0] == "o" and _is_number(_get(o))):
                if o[0] == "h" and _okey(o) in in_slot:
                    problems.append("the step sets a learning rate to a Python number (a "
                                    "scheduler stepped inside the step?); call "
                                    "scheduler.step() outside the compiled step")
                continue  # a number computed from constants: written back as one
            else:
                final = _slot(rec, _get(o))  # type: ignore[assignment]
            if final is None:
                problems.append(f"the final value of {_owner_name(o)} was not produced by a "
                                f"recorded kernel")
                continue
            if in_slot.get(_okey(o)) == final and final not in rec.mutated:
                continue  # unchanged: nothing to write back
            if _untouched(o, final, in_slot, originals, rec):
                continue  # a view of itself (a no-op reshape was recorded later)
            results.append(final)
            commits.append(o)
        for o in owners:  # gradients that were set before and are None now
            if o[0] == "g" and o[1].grad is None:
                commits.append(("g", o[1], None))
                results.append(-1)
        opt_scalars = []
        for opt in opts:
            for p, st in opt.state.items():
                for k, v in st.items():
                    if not (isinstance(v, (Tensor, np.ndarray))) \
                            and (id(p), "o", k) not in final_numbers:
                        opt_scalars.append((opt, p, k, v))
        out_slots: list[int | None] = []
        for t in tensors:
            if type(t) is trace.Scalar:
                out_slots.append(rec.slot_of.get(id(t)))
                continue
            returned = _slot(rec, t.array)
            if returned is None:
                problems.append(f"a returned tensor (shape {t.shape}) was not produced by a "
                                f"recorded kernel")
            out_slots.append(returned)
            if t.requires_grad and not rec.backwards and is_grad_enabled():
                problems.append("a returned tensor requires grad but the step ran no "
                                "backward; a replay cannot rebuild the graph (compile the "
                                "whole training step, or call it under ag.no_grad())")
        unseen = _unreachable_constant(rec.consts, modules)
        if unseen is not None:
            problems.append(unseen)
        for n in rec.mutated:
            if n in rec.consts:
                problems.append("the step writes in place to an array that belongs to no "
                                "parameter, buffer, gradient or optimizer state the compiler "
                                "can see (make the model/optimizer reachable from the "
                                "function: an argument, its closure or a global)")
                break
        if problems:
            reason = problems[0]
            self._log.append(f"eager: {reason}")
            self._remember(key, _Fallback(reason))
            if self.fullgraph:
                _rollback(before, saved_grads, saved_state, saved_bufs, owners)
                for o, value in numbers:
                    if o[0] == "h":
                        o[1][o[2]] = value
            self._fallback(reason)
            self.eager_calls += 1
            return result
        ext_order = list(rec.externals)
        all_results = [n for n in results if n >= 0] + [n for n in out_slots if n is not None]
        want = [_get(o) for o, n in zip(commits, results) if n >= 0] \
            + [t.value if type(t) is trace.Scalar else t.array for t in tensors]
        fresh = rec.fresh if backend.mutable else {}
        program = Program(rec.code, ext_order, rec.consts, all_results, rec.rng_values,
                          rec.checks, fresh, meta=rec.meta, mutated=rec.mutated,
                          pure=optimize.pure_functions(backend.xp))
        bad = _verify(program, [ext_values[n] for n in ext_order], want)
        if bad is not None:  # the rewrites are exact by construction; be sure anyway
            program = Program(rec.code, ext_order, rec.consts, all_results, rec.rng_values,
                              rec.checks, fresh)
            bad = _verify(program, [ext_values[n] for n in ext_order], want)
            if bad is None:
                self._log.append("the optimized program differed from eager: replaying "
                                 "the recording as it is")
        if bad is not None:
            self._log.append(f"eager: {bad}")
            self._remember(key, _Fallback(bad))
            self._fallback(bad)
            self.eager_calls += 1
            return result
        readers: list[Any] = [None] * len(ext_order)
        pos = {n: i for i, n in enumerate(ext_order)}
        for o in [b[0] for b in before] + [o for o, _v in numbers]:
            n = in_slot[_okey(o)]
            if readers[pos[n]] is None:
                readers[pos[n]] = o
        mutated = [n in rec.mutated for n in ext_order]
        commit_list: list[binding.Commit] = []
        ri = 0
        for o, n in zip(commits, results):
            if n >= 0:
                # Written in place by eager (same array object before and after): the
                # replay copies its result into that object, so aliases see the update.
                same = n in pos and mutated[pos[n]] and in_slot.get(_okey(o)) == n
                after = _held(o) if o[0] in "gbo" else None
                renew = isinstance(after, Tensor) and after is not held_before.get(_okey(o))
                commit_list.append(binding.Commit(o, ri, pos[n] if same else None, renew,
                                                  rec.meta.get(n, ((0,),))[0] == ()))
                ri += 1
            else:
                commit_list.append(binding.Commit(o, None, None, False))
        v = _Variant(program, readers, mutated, (commit_list, opt_scalars, ri), out_spec)
        handed_out = {n for n in out_slots if n is not None}
        if backend.mutable and program.writes_state:
            for c in commit_list:
                if c.inplace is not None and ext_order[c.inplace] not in handed_out:
                    arr = ext_values[ext_order[c.inplace]]
                    v.copies[c.inplace] = np.empty_like(arr)
        v.commit = binding.build_commit(commit_list, opt_scalars, v.copies, backend)
        self._store(key, v, args, kwargs, f"{program.n_instructions} kernel calls, "
                    f"{len(ext_order)} inputs")
        self.eager_calls += 1
        return result

    def _store(self, key: tuple, v: Any, args: tuple, kwargs: dict, what: str) -> None:
        """Keep a new variant, noting whether a replay leaves the state under its key."""
        try:
            v.stable = guard_key(args, kwargs, *discover(self.fn, args, kwargs),
                                 self.fn) == key
        except (Unsupported, ValueError):
            v.stable = False
        self._remember(key, v)
        self._log.append(f"recorded variant {len(self._variants) - 1}: {what}")

    def _record_jax(self, key: tuple, args: tuple, kwargs: dict, modules: list, opts: list,
                    backend: Any) -> Any:
        """JAX: trace the step into one jitted computation (see replay_jax)."""
        try:
            v = replay_jax.build(self.fn, args, kwargs, modules, opts, backend)
            result = replay_jax.run(v, args, kwargs)
        except replay_jax.TraceFailed as exc:
            reason = str(exc)
            self._log.append(f"eager: {reason}")
            self._remember(key, _Fallback(reason))
            self._fallback(reason)
            self.eager_calls += 1
            if exc.run_once is not None:  # the trace ran the step's Python: not again
                self._log.append("this call ran its traced program (the step's Python "
                                 "ran once, while traced); later calls run eagerly")
                return exc.run_once()
            return self.fn(*args, **kwargs)
        self._store(key, v, args, kwargs, f"one jax.jit computation, {len(v.unique)} state "
                    f"arrays " + ("donated" if v.donated else
                                  "not donated (the step has deferred value checks)"))
        self.replays += 1
        return result

    # ------------------------------------------------------------------ replaying
    def _replay(self, key: tuple, v: Any, args: tuple, kwargs: dict, modules: list,
                opts: list) -> Any:
        if type(v) is replay_jax.JaxVariant:
            self.replays += 1
            return replay_jax.run(v, args, kwargs)
        program = v.program
        flat = list(args) + list(kwargs.values()) if v.reads_args else []
        if program.writes_state or (program.writes_in_place and errors_raise()):
            originals = v.read(flat)
            ext = []
            for arr, mut, buf in zip(originals, v.mutated, v.copies):
                if not mut:
                    ext.append(arr)
                elif buf is not None and buf.shape == arr.shape and buf.dtype == arr.dtype:
                    np.copyto(buf, arr)  # the replay works on a copy: a failure changes nothing
                    ext.append(buf)
                else:
                    ext.append(np.array(arr, copy=True))
        else:  # nothing can fail once the program writes the state (see in_place_tail)
            originals = ext = v.read(flat)
        if program.rng_slots:
            program.drawn.clear()
        try:
            got = program.run(ext)  # a failure here has changed nothing
        except Mismatch as exc:
            if exc.args[0] < 0:  # a guard missed a change: nothing has been written
                value, where = None, "state arrays about to be written changed shape, " \
                    "dtype or writability"
            else:
                _pos, _n, value, where = v.program.checks[exc.args[0]]
            self._mismatches += 1
            # A branch on a number read at call time (RAdam's rectification switching on at
            # step 6) usually flips once: record the new branch. A value read from an array
            # (a label range) may flip back and forth: run this call eagerly.
            rerecord = not isinstance(value, np.ndarray)
            self._log.append(f"value check failed ({where}): "
                             + ("re-recording" if rerecord else "this call runs eagerly"))
            if self._mismatches >= MAX_CONSECUTIVE_MISSES:
                self._stopped = (f"a value read in Python changes on every call ({where}); "
                                 f"the recorded control flow cannot be reused")
                self._log.append(self._stopped)
                self._fallback(self._stopped)
                rerecord = False
            drawn = list(v.program.drawn)
            v.program.drawn.clear()
            if not rerecord:
                self.eager_calls += 1
            backend = v.backend
            real = backend.rng
            if drawn:  # the re-run must see the numbers the replay drew
                backend.rng = PredrawnRNG(real, drawn)
            try:
                if rerecord:
                    return self._record(key, args, kwargs, modules, opts)
                return self.fn(*args, **kwargs)
            finally:
                backend.rng = real
        if program.rng_slots:
            program.drawn.clear()
        self._mismatches = 0
        v.commit(got, originals, flat)
        n_state = v.commits[2]
        self.replays += 1
        v.calls += 1
        outs = got[n_state:]
        spec = v.out_spec
        if spec[0] == "T":  # a step returning one tensor (the loss)
            return make_tensor(outs[spec[1]], v.backend)
        return _build_out(spec, list(outs), v.backend)


def _verify(program: Program, inputs: list, want: list) -> str | None:
    """Run ``program`` once on copies of ``inputs`` (random draws as eager drew them) and
    compare its results with eager's ``want`` bit for bit: None, or what went wrong."""
    inputs = [np.array(x, copy=True) if isinstance(x, np.ndarray) else x for x in inputs]
    try:
        got = program.verifier()(inputs)
    except Exception as exc:  # a replay that cannot even run must not be used
        return f"the verification replay raised {type(exc).__name__}: {exc}"
    for i, (g, w) in enumerate(zip(got, want)):
        if not _identical(g, w):
            return f"the verification replay differs from eager (result {i})"
    return None


def _unreachable_constant(consts: dict[int, Any], modules: list) -> str | None:
    """Why the recording cannot be replayed when a kernel read an array that is neither
    state nor a raw array of the step's closure or globals (None: every one is).

    Such an array came out of Python code that a replay does not run: a batch taken with
    ``next(iterator)`` inside the step, NumPy arithmetic on a buffer refilled between calls.
    A replay would reuse this very array every call.
    """
    known = {id(a) for m in modules if isinstance(m, list) for a in m
             if not isinstance(a, Tensor)}
    for a in consts.values():
        base = a
        while base is not None and id(base) not in known:
            base = getattr(base, "base", None)
        if base is None:
            return (f"a kernel read an array (shape {tuple(a.shape)}, dtype {a.dtype}) that "
                    f"the step made outside arraygrad's operations (a batch taken with "
                    f"next() inside the step, NumPy arithmetic, ...) or that belongs to a "
                    f"tensor the compiler did not find (a model held deeper than a direct "
                    f"attribute of an object the step reaches, such as trainer.cfg.model): "
                    f"a replay would reuse it every call; pass the data as an argument or "
                    f"compute it with arraygrad ops, and keep models where docs/compile.md "
                    f"says they are found")
    return None


def _untouched(o: tuple, final: int, in_slot: dict, originals: dict, rec: trace.Recorder
               ) -> bool:
    """Whether ``o`` ends the step holding its own array as it found it: the recording
    names a later slot for it only because a no-op view (the reshape of a linear layer's
    input in backward) has the same memory, shape and strides, and nothing was written to
    that memory. Such an owner needs no write-back (which would rebind it on every call)."""
    start = in_slot.get(_okey(o))
    orig = originals.get(_okey(o))
    if start is None or orig is None or start in rec.mutated or final in rec.mutated:
        return False
    now = _get(o)
    if not isinstance(now, np.ndarray) or trace.descriptor(now) != trace.descriptor(orig):
        return False
    written = [a for a in rec.alive if isinstance(a, np.ndarray)
               and rec.slot_of.get(id(a)) in rec.mutated]
    return not any(np.may_share_memory(orig, a) for a in written)


def _held(o: tuple) -> Any:
    """The object an owner of a gradient, buffer or optimizer state holds now."""
    kind, h, k = o
    if kind == "g":
        return h.grad
    if kind == "b":
        return getattr(h, k)
    return h[0].state.get(h[1], {}).get(k)


def _okey(o: tuple) -> tuple:
    return (id(o[1][1]) if o[0] == "o" else id(o[1]), o[0], o[2])


def _owner_name(o: tuple) -> str:
    kind, h, k = o
    if kind == "t" or kind == "a":
        return f"tensor of shape {h.shape}"
    if kind == "g":
        return f"the gradient of a parameter of shape {h.shape}"
    if kind == "b":
        return f"buffer {k!r} of {type(h).__name__}"
    return f"optimizer state {k!r}"


def _set_raw(owner: tuple, value: Any) -> None:
    opt, p = owner[1]
    st = opt.state.setdefault(p, {})
    if isinstance(st.get(owner[2]), Tensor):
        assign(st[owner[2]], value)
    else:
        st[owner[2]] = value


def _plainify(args: tuple, kwargs: dict, modules: list, opts: list, rec: trace.Recorder
              ) -> dict[tuple, int]:
    """Turn every traced array left in the step's state back into a plain ndarray and every
    traced number into its value; returns the slots of those numbers."""
    numbers = {}
    for o in _owners(args, kwargs, modules, opts):
        arr = _get(o)
        if isinstance(arr, trace._Traced):
            _alias(o, _plain(arr))
        elif type(arr) is trace.Scalar:
            n = rec.slot_of.get(id(arr))
            if n is not None:
                numbers[_okey(o)] = n
            _alias(o, arr.value)
    return numbers


def _plain_numbers(obj: Any) -> Any:
    """The step's result with traced numbers replaced by their values."""
    if type(obj) is trace.Scalar:
        return obj.value
    if type(obj) in (tuple, list):
        return type(obj)(_plain_numbers(v) for v in obj)
    if type(obj) is dict:
        return {k: _plain_numbers(v) for k, v in obj.items()}
    return obj


def _identical(got: Any, want: Any) -> bool:
    """Bit-identical arrays (NaN equal to NaN), or numbers of the same type and value."""
    if isinstance(want, np.ndarray):
        if isinstance(got, np.generic):
            got = np.asarray(got)
        return (isinstance(got, np.ndarray) and got.shape == want.shape
                and got.dtype == want.dtype
                and bool(np.array_equal(got, want, equal_nan=got.dtype.kind in "fc")))
    return type(got) is type(want) and (got == want or (got != got and want != want))


def _rollback(before: list, saved_grads: dict, saved_state: list, saved_bufs: list,
              owners: list) -> None:
    """Put the state back as it was before a recording (fullgraph=True failures)."""
    for _o, arr, copy in before:
        arr[...] = copy
    for o in owners:
        if o[0] in ("t", "a"):
            t = o[1]
            orig = next(a for oo, a, _c in before if oo is o)
            assign(t, orig)
            t.grad = saved_grads.get(id(t))
    for opt, st in saved_state:
        opt.state.clear()
        opt.state.update(st)
    for m, name, b in saved_bufs:
        setattr(m, name, b)
    for o, arr, _copy in before:
        if o[0] in ("g", "o"):
            if o[0] == "o":
                _set_raw(o, arr)
            elif o[1].grad is not None:
                assign(o[1].grad, arr)
        elif o[0] == "b":
            assign(getattr(o[1], o[2]), arr)


def compile(fn: Callable[..., Any] | None = None, *, fullgraph: bool = False,
            max_variants: int = MAX_VARIANTS) -> Any:
    """Record a step once and replay its kernel calls while its guards hold.

    The first call (and every call whose guards do not match a recorded variant) runs
    ``fn`` eagerly while recording the backend kernels it calls: forward ops, the backward
    rules, optimizer updates. Later calls with matching guards replay that program and
    write the results back to the parameters, gradients, buffers and optimizer state.
    A step that cannot be replayed faithfully runs eagerly, with one
    :class:`CompileWarning` saying why. See docs/compile.md.

    Parameters
    ----------
    fn : callable
        The step (or a Module). Usable as ``@ag.compile`` and ``@ag.compile(...)``.
    fullgraph : bool
        Raise :class:`CompileError` instead of falling back to eager (the state is put back
        as it was before the failed recording).
    max_variants : int
        How many guard variants to keep (least recently used are dropped).

    Returns
    -------
    CompiledFunction

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.tensor([1.0, 2.0], requires_grad=True)
    >>> opt = ag.optim.SGD([w], lr=0.1)
    >>> def step(x):
    ...     loss = (w * x).sum()
    ...     loss.backward()
    ...     opt.step()
    ...     opt.zero_grad()
    ...     return loss
    >>> fast = ag.compile(step)
    >>> x = ag.tensor([1.0, 1.0])
    >>> [round(fast(x).item(), 4) for _ in range(3)]
    [3.0, 2.8, 2.6]
    """
    if fn is None:
        return lambda f: compile(f, fullgraph=fullgraph, max_variants=max_variants)
    if not callable(fn):
        raise TypeError(f"ag.compile: expected a callable (a function, method or Module), "
                        f"got {type(fn).__name__}")
    if not isinstance(max_variants, int) or max_variants < 1:
        raise ValueError(f"ag.compile: max_variants must be a positive int, got "
                         f"{max_variants!r}")
    return CompiledFunction(fn, fullgraph=fullgraph, max_variants=max_variants)
