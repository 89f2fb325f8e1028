"""Replay on JAX: the whole step as one ``jax.jit`` function of (state, inputs).

The step runs once with every state array (parameters, gradients, buffers, optimizer
state), every Python number read at call time (learning rates, step counters), the
random key and the arguments replaced by JAX tracers; what it leaves in the state and
returns becomes the outputs of one XLA computation. The state arrays are donated (not those
of tensors that do not require grad, such as data read from the closure or globals, whose
arrays the caller may still hold), and the results are bound back to the same Tensors and
optimizer entries after each call, as an eager step would leave them. Anything that needs a
concrete value while tracing (``.item()``, a Python branch on a tensor) makes the step run
eagerly instead, with the reason. Value checks that eager makes on the host (the label
range of ``cross_entropy``) become outputs of the computation (see
``arraygrad.deferred_checks``): a failed one raises the op's error before anything is bound,
and a step with such checks does not donate its state, so a bad batch leaves it valid.

The step's Python runs once per variant, under ``jax.make_jaxpr``; ``jax.jit`` compiles
that traced program over flat positional arguments (no pytrees), read and bound by
straight-line code generated once per variant (``binding.build_reader``/``build_commit``,
as on numpy). Per call the host reads only what it must: one flag for all deferred checks,
one stacked array per dtype of new numbers.
"""

from __future__ import annotations

import warnings
from collections.abc import Callable
from typing import Any

from arraygrad import deferred_checks
from arraygrad.compile import binding, trace
from arraygrad.extend import make_tensor
from arraygrad.grad_mode import is_grad_enabled
from arraygrad.tensor import Tensor


class TraceFailed(Exception):
    """The step cannot be traced by ``jax.jit`` (the message says why).

    ``run_once``, when not None, runs this call's traced program and binds its results:
    the trace is right for this call but not for the next (it baked in this call's data),
    so the caller runs it instead of the step's Python a second time.
    """

    def __init__(self, reason: str, run_once: Callable[[], Any] | None = None) -> None:
        super().__init__(reason)
        self.run_once = run_once


class JaxVariant:
    """One guard variant on JAX: a jitted function and how to bind its results."""

    __slots__ = ("jitted", "pure", "donated", "arr_owners", "num_owners", "unique", "index",
                 "num_types", "info", "has_key", "backend", "calls", "stable", "n_donated",
                 "read", "reads_args", "commit", "draws", "flat", "num_groups", "n_new",
                 "n_outs", "checks_tree")
    jitted: Any
    pure: Any
    donated: bool
    arr_owners: list
    num_owners: list
    unique: list
    n_donated: int  # the first n_donated of ``unique`` may be donated, the rest never
    index: list[int]
    num_types: list[type]
    info: dict[str, Any]
    has_key: bool
    backend: Any
    calls: int
    stable: bool
    # built on the first call, from its trace (see _jit and _first_run)
    read: Any  # read(flat args) -> the jitted function's arguments, less the key
    reads_args: bool
    commit: Any  # binding.build_commit over the results the call binds
    draws: bool  # whether the program draws from the random key (else it gets none)
    flat: Any  # the function jitted: the traced program over flat arguments
    n_new: int  # how many new state arrays the jitted function returns
    num_groups: list  # the new numbers' owners and types, per stacked result
    n_outs: int  # how many of its results the step returns
    checks_tree: Any  # the pytree of the deferred checks (its last results, after the
    # flag that says whether all passed)

    def __init__(self) -> None:
        self.calls = 0
        self.stable = False
        self.read = None
        self.draws = False


def _snapshot(owners: list, opts: list, backend: Any) -> tuple:
    arrays = []
    for o in owners:
        kind, h, k = o
        if kind == "t":
            arrays.append((o, h, h.array))
        elif kind == "g":
            arrays.append((o, h.grad, h.grad.array))
        elif kind == "b":
            b = getattr(h, k)
            arrays.append((o, b, b.array))
    grads = {id(o[1]): (o[1], o[1].grad) for o in owners if o[0] == "t"}
    groups = [(g, dict(g)) for opt in opts for g in opt.param_groups]
    state = [(opt, {p: dict(st) for p, st in opt.state.items()}) for opt in opts]
    bufs = [(o[1], o[2], getattr(o[1], o[2])) for o in owners if o[0] == "b"]
    key = getattr(backend.rng, "_key", None)
    return arrays, grads, groups, state, bufs, key


def _restore(snap: tuple, backend: Any) -> None:
    arrays, grads, groups, state, bufs, key = snap
    for t, g in grads.values():
        t.grad = g
    for m, name, b in bufs:
        setattr(m, name, b)
    for _o, t, arr in arrays:
        t.data = make_tensor(arr, t.backend)
    for g, saved in groups:
        g.clear()
        g.update(saved)
    for opt, st in state:
        opt.state.clear()
        opt.state.update(st)
    if key is not None:
        backend.rng._key = key


def build(fn: Any, args: tuple, kwargs: dict, modules: list, opts: list, backend: Any
          ) -> JaxVariant:
    """A :class:`JaxVariant` for ``fn``; its first :func:`run` traces it (and raises
    :class:`TraceFailed`, the state left as it was, when it cannot)."""

    from arraygrad.compile import api as A

    hook = A.registered_hook(modules) or A.python_writes(fn, modules)
    if hook is not None:
        raise TraceFailed(hook)
    v = JaxVariant()
    v.backend = backend
    owners = A._owners(args, kwargs, modules, opts)
    arrays = [o for o in owners if o[0] in "tgbo" and not A._is_number(A._get(o))]
    kept = [o[0] == "t" and not o[1].requires_grad for o in arrays]  # data: not donated
    v.arr_owners = [o for o, k in zip(arrays, kept) if not k] + \
        [o for o, k in zip(arrays, kept) if k]
    v.n_donated = len({id(A._get(o)) for o, k in zip(arrays, kept) if not k})
    v.num_owners = [o for o in owners if o[0] in "ho" and A._is_number(A._get(o))]
    v.num_types = [type(A._get(o)) for o in v.num_owners]
    v.has_key = getattr(backend.rng, "_key", None) is not None
    # the same array in two places is passed (and donated) once
    v.unique, v.index = [], []
    pos: dict[int, int] = {}
    for o in v.arr_owners:
        a = A._get(o)
        if id(a) not in pos:
            pos[id(a)] = len(v.unique)
            v.unique.append(a)
        v.index.append(pos[id(a)])
    flat = list(args) + list(kwargs.values())
    inputs = [a.array for a in flat if isinstance(a, Tensor)]
    if {id(a) for a in inputs} & set(pos):
        raise TraceFailed("an argument is also part of the state (a parameter passed as an "
                          "argument)")
    info: dict[str, Any] = {}
    names = list(kwargs)
    num_types = {A._okey(o): t for o, t in zip(v.num_owners, v.num_types)}

    def pure(state: list, kept: list, numbers: list, key: Any, ins: list) -> tuple:
        from arraygrad import engine

        state = list(state) + list(kept)

        snap = _snapshot(owners, opts, backend)
        real_execute = engine._execute
        backwards = [0]

        def execute(*a: Any, **k: Any) -> Any:
            backwards[0] += 1
            return real_execute(*a, **k)
        engine._execute = execute
        try:
            for o, i in zip(v.arr_owners, v.index):
                A._alias(o, state[i])
            held = {A._okey(o): A._held(o) for o in owners if o[0] in "gbo"}
            kept_in = {A._okey(o): state[i] for o, i in zip(v.arr_owners, v.index)
                       if i >= v.n_donated}
            traced_numbers = list(numbers)
            for o, n in zip(v.num_owners, traced_numbers):
                A._alias(o, n)
            num_types_by_id = {id(n): t for n, t in zip(traced_numbers, v.num_types)}
            if v.has_key:
                backend.rng._key = key
            it = iter(ins)
            targs = [make_tensor(next(it), backend) if isinstance(a, Tensor) else a
                     for a in flat]
            bound = [t for t in targs if isinstance(t, Tensor)]
            hooks: list[str] = []
            with deferred_checks.collect() as checks, A.watch_hooks(hooks, modules, fn, undo=True):
                result = fn(*targs[:len(args)], **dict(zip(names, targs[len(args):])))
            if hooks:
                raise TraceFailed(hooks[0])
            info["checks"] = checks
            for t, x in zip(bound, ins):
                if t.array is not x:
                    raise TraceFailed("the step writes to an argument in place")
            for o, n in zip(v.num_owners, traced_numbers):
                if o[0] == "h" and o[1].get(o[2]) is not n:
                    raise TraceFailed("the step changes a learning rate (a scheduler "
                                      "stepped inside the step?); call "
                                      "scheduler.step() outside the compiled step")
            post = A._owners(tuple(targs[:len(args)]), dict(zip(names, targs[len(args):])),
                             modules, opts)
            post = [o for o in post if o[0] not in "ah"]
            is_num = [o[0] == "o" and (A._okey(o) in num_types or A._is_number(A._get(o)))
                      for o in post]
            post_num = [o for o, n in zip(post, is_num) if n]
            post_arr = [o for o, n in zip(post, is_num) if not n]
            post_grads = {id(o[1]) for o in post if o[0] == "g"}
            tensors: list = []
            # a number read at call time that the step returns (a learning rate) is a
            # tracer here: it comes back as the Python number eager returns
            out_types: dict[int, type] = {}
            info["spec"] = A._flatten_out(
                _numbers_as_scalars(result, num_types_by_id, out_types), tensors)
            info["numbers_out"] = [(i, out_types[id(t)]) for i, t in enumerate(tensors)
                                   if id(t) in out_types]
            for t in tensors:
                if isinstance(t, Tensor) and t.requires_grad and not backwards[0] \
                        and is_grad_enabled():
                    raise TraceFailed("a returned tensor requires grad; a replay cannot "
                                      "rebuild its graph (call it under ag.no_grad())")
            info["post_arr"] = post_arr
            # a new Tensor where eager made one (a gradient after zero_grad and backward)
            info["renew"] = [o[0] in "gbo" and isinstance(a := A._held(o), Tensor)
                             and a is not held.get(A._okey(o)) for o in post_arr]
            # a tensor that is not donated and that the step left alone keeps its array
            info["untouched"] = [A._get(o) is kept_in.get(A._okey(o), v) for o in post_arr]
            info["post_num"] = [(o, _number_type(A._get(o), num_types.get(A._okey(o))))
                                for o in post_num]
            info["cleared"] = [o[1] for o in owners if o[0] == "g" and id(o[1]) not in
                               post_grads]
            outs = [t.value if type(t).__name__ == "Scalar" else t.array for t in tensors]
            return ([A._get(o) for o in post_arr], [A._get(o) for o in post_num],
                    backend.rng._key if v.has_key else key, outs,
                    [(c.ok, c.values) for c in checks])
        finally:
            engine._execute = real_execute
            _restore(snap, backend)

    v.jitted = None  # chosen on the first call, once a trace has shown the checks
    v.pure = pure
    v.info = info  # filled in by the trace, on the first call
    return v


def _jit(v: JaxVariant, args: list) -> str | None:
    """Trace the step once (``jax.make_jaxpr``: its Python runs once) and jit the traced
    program over flat positional arguments: with the state donated, unless the step has
    deferred checks (a bad batch must leave the old state valid).

    ``args`` are the flat arguments of a call: state to donate, kept arrays, numbers, the
    arguments' arrays, then the random key. The jitted function takes the key only when
    the program draws from it, and returns only what a call binds: the new state less the
    kept arrays the step left alone, the new numbers, the new key (when drawn), the
    step's results and the deferred checks' values.

    Returns why the program is right for this call only (it bakes in an array the step
    made outside arraygrad's operations), or None.
    """
    import jax
    from jax.extend.core import jaxpr_as_fun

    n_un, n_num = len(v.unique), len(v.num_owners)
    state, kept = args[:v.n_donated], args[v.n_donated:n_un]
    numbers, ins, key = args[n_un:n_un + n_num], args[n_un + n_num:-1], args[-1]
    closed, shape = jax.make_jaxpr(v.pure, return_shape=True)(state, kept, numbers, key, ins)
    baked = None
    for c in closed.consts:  # an array the traced code did not compute: baked in
        if getattr(c, "ndim", 0):
            baked = (f"the step reads an array (shape {tuple(c.shape)}, dtype {c.dtype}) made "
                     f"outside arraygrad's operations inside the step (a batch taken with "
                     f"next(), NumPy arithmetic, ...): jax.jit would bake it into every call; "
                     f"pass the data as an argument")
            break
    jaxpr = closed.jaxpr
    n_arr, n_new_num, n_outs = len(shape[0]), len(shape[1]), len(shape[3])
    key_in = n_un + n_num  # the key's position among the traced function's inputs
    key_out = n_arr + n_new_num
    n_flat_out = key_out + 1 + n_outs
    if len(jaxpr.invars) != len(args) or len(jaxpr.outvars) < n_flat_out:
        raise TraceFailed("the traced step has an unexpected structure (an argument or a "
                          "result that is not one array or number)")
    kvar = jaxpr.invars[key_in]
    v.draws = jaxpr.outvars[key_out] is not kvar or any(
        x is kvar for e in jaxpr.eqns for x in e.invars) or any(
        x is kvar for i, x in enumerate(jaxpr.outvars) if i != key_out)
    untouched = v.info["untouched"]
    checks_at = key_out + 1 + n_outs
    keep = [i for i in range(n_arr) if not untouched[i]]
    rest = ([key_out] if v.draws else []) + list(range(key_out + 1, checks_at))
    # the new numbers (Adam's step counters) come back stacked, one array per dtype: each
    # array read from the device is a transfer
    by_dtype: dict[Any, list[int]] = {}
    for j, sd in enumerate(shape[1]):
        by_dtype.setdefault((sd.dtype, getattr(sd, "weak_type", False)), []).append(j)
    groups = list(by_dtype.values())
    traced = jaxpr_as_fun(closed)
    draws = v.draws
    checks_tree = jax.tree_util.tree_structure(shape[4])
    n_checks = len(v.info["checks"])

    def flat(*xs: Any) -> tuple:
        # the traced program's inputs are (state, numbers, key, arguments); a call passes
        # the key last, and a program that does not draw gets no key at all
        if draws:
            full = traced(*xs[:key_in], xs[-1], *xs[key_in:-1])
        else:
            full = traced(*xs[:key_in], None, *xs[key_in:])
        out = tuple(full[i] for i in keep) + tuple(
            jax.numpy.stack([full[n_arr + j] for j in g]) for g in groups) + tuple(
            full[i] for i in rest)
        if not n_checks:
            return out
        # one flag for all the checks: a call reads it alone (each value read from the
        # device costs a transfer), and the values only when a check failed
        oks = [ok for ok, _vals in jax.tree_util.tree_unflatten(checks_tree,
                                                               full[checks_at:])]
        return out + (jax.numpy.all(jax.numpy.stack(oks)),) + tuple(full[checks_at:])

    v.n_new = n_arr - sum(untouched)
    v.num_groups = [[v.info["post_num"][j] for j in g] for g in groups]
    v.n_outs = n_outs
    v.checks_tree = checks_tree
    v.flat = flat
    v.donated = not v.info["checks"]
    v.jitted = jax.jit(flat, donate_argnums=tuple(range(v.n_donated)) if v.donated else ())
    post_arr = v.info["post_arr"]
    commits = [binding.Commit(o, i, None, renew) for i, (o, renew) in enumerate(
        (o, r) for o, r, u in zip(post_arr, v.info["renew"], untouched) if not u)]
    commits += [binding.Commit(("g", t, None), None, None, False) for t in v.info["cleared"]]
    v.commit = binding.build_commit(commits, [], [], v.backend)
    return baked


def _number_type(value: Any, given: type | None) -> type:
    """The Python type a number of the state gets back after a call."""
    if type(value) in (int, float, bool):
        return type(value)
    if given is not None:
        return given
    return int if getattr(value, "dtype", None) is not None and value.dtype.kind in "iu" \
        else float


def _readers(v: JaxVariant, flat: list) -> list:
    """What a call reads, in the jitted function's order: one owner per state array, the
    numbers read at call time, then the call's tensor arguments (by position)."""
    first: list = [None] * len(v.unique)
    for o, i in zip(v.arr_owners, v.index):
        if first[i] is None:
            first[i] = o
    return first + list(v.num_owners) + [("a", None, i) for i, a in enumerate(flat)
                                         if isinstance(a, Tensor)]


def run(v: JaxVariant, args: tuple, kwargs: dict) -> Any:
    """One call: read the state, run the computation, bind the results back."""
    read = v.read
    if read is None:
        return _first_run(v, args, kwargs)
    xs = read(list(args) + list(kwargs.values()) if v.reads_args else ())
    if v.num_types:
        _check_numbers(v, xs)
    if v.draws:
        xs.append(v.backend.rng._key)
    return _bind(v, v.jitted(*xs))


def _check_numbers(v: JaxVariant, xs: list) -> None:
    start = len(v.unique)
    for n, t in zip(xs[start:start + len(v.num_types)], v.num_types):
        if type(n) is not t:
            raise TypeError(f"ag.compile: a number read at call time changed type "
                            f"({t.__name__} -> {type(n).__name__})")


def _first_run(v: JaxVariant, args: tuple, kwargs: dict) -> Any:
    """The variant's first call: trace and jit the step, then run it (a failure to trace
    raises :class:`TraceFailed` with the state as it was)."""
    flat = list(args) + list(kwargs.values())
    read = binding.build_reader(_readers(v, flat))
    xs = read(flat)
    _check_numbers(v, xs)
    xs.append(v.backend.rng._key if v.has_key else 0)
    with warnings.catch_warnings():  # said when the computation is compiled
        warnings.filterwarnings("ignore", message=".*donated buffers were not usable.*")
        try:
            baked = _jit(v, xs)
            if not v.draws:
                xs.pop()
            if baked is not None:  # the step's Python has run: this call runs its trace,
                # op by op as eager would (compiling it for one call would cost more)
                raise TraceFailed(baked, lambda: _bind(v, v.flat(*xs)))
            out = v.jitted(*xs)
        except TraceFailed:
            raise
        except Exception as exc:  # ConcretizationTypeError, TracerBoolConversionError...
            raise TraceFailed(f"jax.jit cannot trace the step ({type(exc).__name__}: "
                              f"{str(exc).splitlines()[0][:200]})") from None
    v.read = read
    v.reads_args = any(isinstance(a, Tensor) for a in flat)
    return _bind(v, out)


def _bind(v: JaxVariant, out: tuple) -> Any:
    """Bind a call's results (see :func:`_jit` for their order) and build its return."""
    n_new = v.n_new
    info = v.info
    pos = n_new + len(v.num_groups)
    if v.draws:
        pos += 1
    end = pos + v.n_outs
    if len(out) > end and not out[end]:  # deferred checks, read before anything is
        import jax  # bound: a failed check leaves the state as it was

        host = jax.tree_util.tree_unflatten(v.checks_tree,
                                            jax.device_get(list(out[end + 1:])))
        deferred_checks.raise_failed(info["checks"], [ok for ok, _v in host],
                                     [vals for _ok, vals in host])
    v.commit(out, None, ())
    if v.num_groups:
        import jax

        from arraygrad.compile import api as A

        stacked = jax.device_get(list(out[n_new:n_new + len(v.num_groups)]))
        for group, values in zip(v.num_groups, stacked):
            for (o, typ), value in zip(group, values.tolist()):
                A._set_raw(o, typ(value))
    if v.draws:
        v.backend.rng._key = out[pos - 1]
    v.calls += 1
    spec = info["spec"]
    if spec[0] == "T":  # a step returning one tensor (the loss)
        return make_tensor(out[pos + spec[1]], v.backend)
    from arraygrad.compile import api as A

    outs = list(out[pos:end])
    if info["numbers_out"]:
        import jax

        got = jax.device_get([outs[i] for i, _t in info["numbers_out"]])
        for (i, typ), value in zip(info["numbers_out"], got):
            outs[i] = typ(value.item())
    return A._build_out(spec, outs, v.backend)


def _numbers_as_scalars(obj: Any, types: dict[int, type], found: dict[int, type]) -> Any:
    """The step's result with each number read at call time (its tracer; ``types`` their
    Python types, by the tracer's id) wrapped in a ``trace.Scalar``; ``found`` gets, per
    wrapper's id, the Python type eager would return."""
    if isinstance(obj, Tensor) or obj is None or isinstance(obj, (bool, int, float, str)):
        return obj
    if type(obj) in (tuple, list):
        return type(obj)(_numbers_as_scalars(x, types, found) for x in obj)
    if type(obj) is dict:
        return {k: _numbers_as_scalars(x, types, found) for k, x in obj.items()}
    if id(obj) in types:  # not arithmetic on one: eager would return another Python number
        wrapped = trace.Scalar(obj)
        found[id(wrapped)] = types[id(obj)]
        return wrapped
    return obj
