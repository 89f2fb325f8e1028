"""Batching rules for :func:`arraygrad.func._vmap`, one per op, grouped by family.

A rule is ``rule(op, args, bdims, params, size) -> Tensor``: ``args`` are the op's positional
inputs with every batched one replaced by its physical value (batch axis first), ``bdims``
says which are batched (0) or not (None), ``params`` are the op's keyword parameters as the
per-example code passed them, and ``size`` is the batch size. The rule returns the physical
result, batch axis first. Rules call arraygrad's own functions, so a physical value that is
itself batched at an outer vmap level (nested vmap) batches again, and autograd records the
physical computation as usual. Importing this module sets ``OPS[name].batch`` for each op.
"""

from __future__ import annotations

from typing import Any

from arraygrad.func._vmap import STATE, BatchedTensor, unbatch
from arraygrad.ops.registry import OPS, apply
from arraygrad.tensor import Tensor

__all__ = ["RULES", "batched_getitem", "missing_rules"]


def _is_array(x: Any) -> bool:
    return isinstance(x, (Tensor, BatchedTensor))


def _lnd(x: Any, d: Any) -> int:
    """Per-example number of dimensions of one argument."""
    if not _is_array(x):
        return 0
    return x.ndim - 1 if d is not None else x.ndim


def _pad(x: Any, d: Any, n: int) -> Any:
    """A batched ``x`` reshaped to (B, 1, ..., 1, *shape) with ``n`` per-example dims."""
    if d is None:
        return x
    k = n - (x.ndim - 1)
    if k <= 0:
        return x
    return x.reshape((x.shape[0],) + (1,) * k + tuple(x.shape[1:]))


def _axes(axis: Any, nd: int) -> tuple[int, ...]:
    """Per-example axes (None: all), normalized and shifted past the batch axis."""
    if axis is None:
        return tuple(range(1, nd + 1))
    if isinstance(axis, int):
        axis = (axis,)
    m = max(nd, 1)
    return tuple((a % m) + 1 for a in axis)


def _axis1(axis: int, nd: int) -> int:
    return axis % max(nd, 1) + 1


def _expand(x: Any, d: Any, size: int) -> Any:
    """An unbatched ``x`` broadcast to have the batch axis first."""
    import arraygrad as ag

    if d is not None:
        return x
    return ag.broadcast_to(ag.expand_dims(x, axis=0), (size,) + tuple(x.shape))


def _compose(fn: Any, args: tuple, bdims: tuple, size: int) -> Any:
    """Run a per-example composition of other ops on the batch (a decomposition rule)."""
    STATE.counter += 1
    level = STATE.counter
    wrapped = [BatchedTensor(a, level, size) if d is not None else a
               for a, d in zip(args, bdims)]
    return unbatch(fn(*wrapped), level, size)


# ----------------------------------------------------------------------- elementwise
def elementwise(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """Any op whose forward is elementwise with broadcasting: align ranks, batch first."""
    n = max(_lnd(a, d) for a, d in zip(args, bdims))
    return apply(op, tuple(_pad(a, d, n) for a, d in zip(args, bdims)), params)


ELEMENTWISE = (
    "abs", "acos", "acosh", "add", "asin", "asinh", "atan", "atan2", "atanh", "bitwise_and",
    "bitwise_invert", "bitwise_or", "bitwise_xor", "ceil", "clip", "copysign", "cos", "cosh",
    "divide", "equal", "erf", "exp", "expm1", "floor", "floor_divide", "greater",
    "greater_equal", "hypot", "isfinite", "isinf", "isnan", "less", "less_equal", "log",
    "log10", "log1p", "log2", "logaddexp", "logical_and", "logical_not", "logical_or",
    "logical_xor", "maximum", "minimum", "multiply", "negative", "not_equal", "positive",
    "pow", "relu", "remainder", "round", "sigmoid", "sign", "signbit", "sin", "sinh", "sqrt",
    "square", "subtract", "tan", "tanh", "trunc", "where", "astype", "clone", "copy",
    "real", "imag", "conj", "complex_from_parts", "bitwise_left_shift", "bitwise_right_shift",
    "nextafter", "clip_tensor",
)
# Linear-algebra ops over the last two axes (leading axes are a stack of matrices); the
# packed multi-output ops (slogdet, eigh, qr, svd) pack along trailing axes too.
TRAILING = ("matrix_transpose", "tril", "triu", "inv", "det", "slogdet", "cholesky", "eigh",
            "qr", "svd", "pinv", "diagonal", "matrix_rank")


# ----------------------------------------------------------------------- reductions
def reduction(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """Reductions over ``axis`` (None: every per-example axis)."""
    x = args[0]
    nd = x.ndim - 1
    p = dict(params)
    if op.name in ("argmax", "argmin") and p.get("axis") is None:
        keep = p.get("keepdims", False)
        flat = x.reshape((x.shape[0], -1))
        p["axis"] = 1
        p["keepdims"] = False
        out = apply(op, (flat,), p)
        return out.reshape((x.shape[0],) + (1,) * nd) if keep else out
    if nd == 0:
        if op.name in ("argmax", "argmin"):
            return apply(op, (x.reshape((x.shape[0], 1)),), {**p, "axis": 1})
        p["axis"] = ()
        if op.name in ("logsumexp", "cumulative_sum", "cumulative_prod"):
            return x  # over no axes (of a 0-d example): the identity
        return apply(op, (x,), p)
    if op.name in ("argmax", "argmin", "cumulative_sum", "cumulative_prod", "argsort"):
        p["axis"] = _axis1(p.get("axis", -1 if op.name == "argsort" else 0), nd)
    else:
        p["axis"] = _axes(p.get("axis"), nd)
    return apply(op, (x,), p)


REDUCTIONS = ("sum", "mean", "prod", "max", "min", "logsumexp", "all", "any", "argmax",
              "argmin", "cumulative_sum", "cumulative_prod", "argsort", "vector_norm", "var",
              "std")


def axis_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """Ops with one ``axis`` that is not reduced (softmax, log_softmax)."""
    x = args[0]
    return apply(op, (x,), {**params, "axis": _axis1(params.get("axis", -1), x.ndim - 1)})


# ----------------------------------------------------------------------- shape
def reshape_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``reshape``: the batch axis stays in front."""
    x = args[0]
    return apply(op, (x,), {**params, "shape": (x.shape[0],) + tuple(params["shape"])})


def permute_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``permute_dims``: axes shifted past the batch axis."""
    x = args[0]
    nd = x.ndim - 1
    return apply(op, (x,), {**params, "axes": (0,) + tuple(a % nd + 1 for a in params["axes"])})


def trailing_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """Ops acting on the last axes only (matrix_transpose, tril, triu)."""
    return apply(op, args, params)


def expand_dims_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``expand_dims``: the new axis is counted in the result's per-example dims."""
    x = args[0]
    return apply(op, (x,), {**params, "axis": params["axis"] % x.ndim + 1})


def squeeze_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``squeeze``: axes shifted past the batch axis."""
    x = args[0]
    axis = params["axis"]
    nd = x.ndim - 1
    if axis is None:
        axis = tuple(i for i, s in enumerate(x.shape[1:]) if s == 1)
    return apply(op, (x,), {**params, "axis": _axes(axis, nd)})


def broadcast_to_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``broadcast_to``: align the per-example rank, then broadcast behind the batch axis."""
    x = args[0]
    shape = tuple(params["shape"])
    x = _pad(x, 0, len(shape))
    return apply(op, (x,), {**params, "shape": (x.shape[0],) + shape})


def flip_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``flip``: None flips every per-example axis."""
    x = args[0]
    return apply(op, (x,), {**params, "axis": _axes(params.get("axis"), x.ndim - 1)})


def roll_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``roll``: None rolls the flattened example."""
    x = args[0]
    axis = params.get("axis")
    if axis is None:
        flat = x.reshape((x.shape[0], -1))
        out = apply(op, (flat,), {**params, "axis": 1})
        return out.reshape(tuple(x.shape))
    axes = _axes(axis, x.ndim - 1)
    return apply(op, (x,), {**params, "axis": axes if isinstance(axis, tuple) else axes[0]})


def join_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``concat`` and ``stack``: unbatched inputs are broadcast over the batch."""
    xs = tuple(_expand(a, d, size) for a, d in zip(args, bdims))
    nd = xs[0].ndim - 1
    axis = params.get("axis", 0)
    if axis is None:  # concat(axis=None) joins the flattened inputs
        xs = tuple(x.reshape((size, -1)) for x in xs)
        return apply(op, xs, {**params, "axis": 1})
    m = nd + 1 if op.name == "stack" else nd
    return apply(op, xs, {**params, "axis": axis % max(m, 1) + 1})


# ----------------------------------------------------------------------- indexing
def getitem_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``getitem``/``index`` with a key of ints, slices, None and ``...`` (and, for
    ``index``, arrays that stay adjacent): a full slice in front keeps the batch axis."""
    x = args[0]
    key = params["key"]
    key = key if isinstance(key, tuple) else (key,)
    arrays = [i for i, k in enumerate(key) if hasattr(k, "shape")]
    if arrays and (arrays[-1] - arrays[0] + 1 != len(arrays)):
        # Separated index arrays put their axes first: loop instead.
        from arraygrad.func._vmap import _loop

        return _loop(op, args, bdims, params, size)
    return apply(op, (x,), {**params, "key": (slice(None),) + key})


def take_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``take`` with unbatched indices: the axis shifts past the batch axis."""
    x = args[0]
    return apply(op, (x,), {**params, "axis": params["axis"] % (x.ndim - 1) + 1})


def batched_getitem(x: BatchedTensor, key: Any) -> Any:
    """``x[key]`` for a batched ``x`` (``BatchedTensor.__getitem__``)."""
    import arraygrad as ag
    from arraygrad.ops.indexing import GETITEM, INDEX, TAKE

    keys = key if isinstance(key, tuple) else (key,)
    if any(isinstance(k, BatchedTensor) for k in keys):
        if any(isinstance(k, BatchedTensor) and k.level != x.level for k in keys):
            raise RuntimeError("vmap: indexing with an index tensor batched by a different "
                               "vmap than the indexed tensor is not supported")
        # Batched indices: index each example with its own key (a loop over the batch).
        rows = [x.value[b][tuple(k.value[b] if isinstance(k, BatchedTensor) else k
                                 for k in keys)] for b in range(x.batch_size)]
        return BatchedTensor(ag.stack(rows, axis=0), x.level, x.batch_size)
    if any(isinstance(k, Tensor) or isinstance(k, (list, range)) for k in keys):
        tensor_keys = [i for i, k in enumerate(keys) if not isinstance(k, (int, slice))
                       or isinstance(k, bool)]
        # The namespace (arraygrad) as Any: its functions take batched tensors, which their
        # annotations (Tensor) do not spell out.
        xp = x.__array_namespace__()
        if len(keys) == 1 and isinstance(key, Tensor) and key.dtype.kind in "iu":
            return xp.take(x, key, axis=0)
        if len(tensor_keys) == 1 and all(isinstance(k, slice) and k == slice(None)
                                         for k in keys[:tensor_keys[0]]) and \
                isinstance(keys[tensor_keys[0]], Tensor) and \
                keys[tensor_keys[0]].dtype.kind in "iu" and keys[tensor_keys[0]].ndim == 1:
            return xp.take(x, keys[tensor_keys[0]], axis=tensor_keys[0])
        rows = [x.value[b][key] for b in range(x.batch_size)]
        return BatchedTensor(ag.stack(rows, axis=0), x.level, x.batch_size)
    for k in keys:
        if not (k is None or k is Ellipsis or isinstance(k, (int, slice))):
            raise TypeError(f"vmap: unsupported index {k!r} of type {type(k).__name__} for "
                            f"a batched tensor")
    del GETITEM, INDEX, TAKE
    value = x.value[(slice(None),) + keys]
    return BatchedTensor(value, x.level, x.batch_size)


# ----------------------------------------------------------------------- linear algebra
def matmul_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``matmul``: 1-d operands become matrices, ranks are aligned behind the batch axis."""
    import arraygrad as ag

    a, b = args
    da, db = bdims
    la, lb = _lnd(a, da), _lnd(b, db)
    if la == 0 or lb == 0:
        raise ValueError(f"matmul: operands must have at least one dimension per example; got "
                         f"per-example ranks {la} and {lb}")
    if la == 1:  # (k,) -> (1, k)
        a = ag.expand_dims(a, axis=-2)
    if lb == 1:  # (k,) -> (k, 1)
        b = ag.expand_dims(b, axis=-1)
    n = max(la, lb, 2)
    out = apply(op, (_pad(a, da, n), _pad(b, db, n)), params)
    if la == 1 and lb == 1:
        return out.reshape((out.shape[0],))
    if la == 1:
        return ag.squeeze(out, axis=-2)
    if lb == 1:
        return ag.squeeze(out, axis=-1)
    return out


def linear_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """Fused ``linear``: ``x @ weight.T + bias``, batched through matmul when the weight is."""
    import arraygrad as ag

    x, w, bias = args
    dx, dw, dbias = bdims
    if dw is None and dbias is None:
        return apply(op, args, params)
    return _compose(lambda x, w, bias: ag.matmul(x, ag.matrix_transpose(w)) + bias,
                    args, bdims, size)


def cross_entropy_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """Fused softmax cross-entropy: the per-example loss by its composition."""
    import arraygrad as ag

    def per_example(logits: Any, hot: Any) -> Any:
        losses = ag.logsumexp(logits, axis=-1) - ag.sum(logits * hot, axis=-1)
        total = ag.sum(losses)
        return total / logits.shape[0] if params.get("reduction", "mean") == "mean" else total

    return _compose(per_example, args, bdims, size)


def _batch_into_n(op: Any, x: Any, w: Any, params: dict, size: int) -> Any:
    """A convolution whose input alone is batched (batch first): the batch folds into N."""
    n = x.shape[1]
    out = apply(op, (x.reshape((size * n,) + tuple(x.shape[2:])), w), params)
    return out.reshape((size, n) + tuple(out.shape[1:]))


def conv2d_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``conv2d``: the batch folds into N (batched input) or into groups (batched weight)."""
    import arraygrad as ag

    x, w = args
    dx, dw = bdims
    if dw is None:
        return _batch_into_n(op, x, w, params, size)
    x = _expand(x, dx, size)  # (B, N, C, H, W)
    n, c = x.shape[1], x.shape[2]
    groups = params["groups"]
    xs = ag.moveaxis(x, 0, 1).reshape((n, size * c) + tuple(x.shape[3:]))
    ws = w.reshape((size * w.shape[1],) + tuple(w.shape[2:]))  # (B*O, C/g, kh, kw)
    out = apply(op, (xs, ws), {**params, "groups": size * groups})
    out = out.reshape((n, size, w.shape[1]) + tuple(out.shape[2:]))
    return ag.moveaxis(out, 1, 0)


def conv_transpose2d_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``conv_transpose2d``: as conv2d, the batch folds into N or into ``groups``."""
    import arraygrad as ag

    x, w = args
    dx, dw = bdims
    if dw is None:
        return _batch_into_n(op, x, w, params, size)
    x = _expand(x, dx, size)  # (B, N, C_in, H, W); the weight is (B, C_in, C_out/g, kh, kw)
    n, c = x.shape[1], x.shape[2]
    xs = ag.moveaxis(x, 0, 1).reshape((n, size * c) + tuple(x.shape[3:]))
    ws = w.reshape((size * w.shape[1],) + tuple(w.shape[2:]))
    out = apply(op, (xs, ws), {**params, "groups": size * params["groups"]})
    out = out.reshape((n, size, out.shape[1] // size) + tuple(out.shape[2:]))
    return ag.moveaxis(out, 1, 0)


def take_along_axis_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``take_along_axis``: both operands batched (one broadcast), the axis shifted."""
    x, idx = (_expand(a, d, size) for a, d in zip(args, bdims))
    return apply(op, (x, idx), {**params, "axis": _axis1(params.get("axis", -1), x.ndim - 1)})


def _one_array_key(key: tuple, nd: int) -> tuple[int, Any] | None:
    """(axis, index array) when ``key`` is full slices around one 1-D integer array."""
    entries = list(key)
    if entries and entries[-1] is Ellipsis:
        entries.pop()
    found = None
    for i, k in enumerate(entries):
        if isinstance(k, slice) and k == slice(None):
            continue
        dtype = getattr(k, "dtype", None)
        if found is None and getattr(k, "ndim", None) == 1 and dtype is not None and \
                getattr(dtype, "kind", None) in (None, "i", "u") and \
                "bool" not in str(dtype):
            found = (i, k)
            continue
        return None
    return found


def put_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``scatter_add`` and ``index_put`` at an unbatched key of full slices around one
    1-D integer array (how gather, scatter, index_add and diag write): the target is
    broadcast over the batch and the key gets a full slice in front. Other keys loop."""
    target, values = args
    dt, dv = bdims
    key = params["key"]
    nd = target.ndim - (1 if dt is not None else 0)
    found = _one_array_key(key, nd)
    if found is None:
        from arraygrad.func._vmap import _loop

        return _loop(op, args, bdims, params, size)
    axis, idx = found
    target = _expand(target, dt, size)
    shape = tuple(target.shape[1:])
    selected = shape[:axis] + (idx.shape[0],) + shape[axis + 1:]
    if dv is not None:
        values = _pad(values, dv, len(selected))
    return apply(op, (target, values), {**params, "key": (slice(None),) + tuple(key)})


def solve_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """``linalg.solve``: a per-example vector right-hand side becomes a one-column matrix
    (the physical operand would otherwise read as a stack of matrices)."""
    import arraygrad as ag

    a, b = args
    da, db = bdims
    vector = _lnd(b, db) == 1
    if vector:
        b = ag.expand_dims(b, axis=-1)
    n = max(_lnd(a, da), _lnd(b, db))
    out = apply(op, (_pad(a, da, n), _pad(b, db, n)), params)
    return ag.squeeze(out, axis=-1) if vector else out


def fft_rule(op: Any, args: tuple, bdims: tuple, params: dict, size: int) -> Any:
    """The one-axis FFT ops (``axis``) and the complex FFT over ``axes``: axes shifted."""
    x = args[0]
    nd = x.ndim - 1
    p = dict(params)
    if "axes" in p:
        p["axes"] = _axes(tuple(p["axes"]), nd)
    else:
        p["axis"] = _axis1(p.get("axis", -1), nd)
    return apply(op, (x,) + tuple(args[1:]), p)


# ----------------------------------------------------------------------- the table
RULES: dict[str, Any] = {name: elementwise for name in ELEMENTWISE}
RULES.update({name: reduction for name in REDUCTIONS})
RULES.update({name: trailing_rule for name in TRAILING})
RULES.update({
    "softmax": axis_rule, "log_softmax": axis_rule,
    "reshape": reshape_rule, "permute_dims": permute_rule, "expand_dims": expand_dims_rule,
    "squeeze": squeeze_rule, "broadcast_to": broadcast_to_rule, "flip": flip_rule,
    "roll": roll_rule, "concat": join_rule, "stack": join_rule, "getitem": getitem_rule,
    "index": getitem_rule, "take": take_rule, "matmul": matmul_rule, "linear": linear_rule,
    "softmax_cross_entropy": cross_entropy_rule, "conv2d": conv2d_rule,
    "conv_transpose2d": conv_transpose2d_rule, "take_along_axis": take_along_axis_rule,
    "scatter_add": put_rule, "index_put": put_rule, "solve": solve_rule,
    "fft_c2c": fft_rule, "fft_r2c": fft_rule, "fft_c2r": fft_rule,
})


def _install() -> None:
    for name, rule in RULES.items():
        if name in OPS:
            OPS[name].batch = rule


def missing_rules() -> list[str]:
    """Names of registered ops without a batching rule (they take the loop fallback)."""
    _install()
    return sorted(name for name, op in OPS.items() if op.batch is None)


_install()
