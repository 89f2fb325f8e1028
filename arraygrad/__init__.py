"""arraygrad: define-by-run automatic differentiation for any Array-API library.

The module itself is an Array-API namespace whose arrays are :class:`Tensor`: code written
against the standard becomes differentiable when handed Tensors.

Examples
--------
>>> import arraygrad as ag
>>> w = ag.tensor([1.0, -2.0], requires_grad=True)
>>> loss = (ag.tanh(w) ** 2).sum()
>>> loss.backward()
>>> [f"{g:.4f}" for g in w.grad.tolist()]
['0.6397', '-0.1362']
"""

import builtins as _builtins  # the built-in ``bool`` (this namespace's ``bool`` is the dtype)
import sys as _sys

from arraygrad import (
    autograd,
    backend,  # noqa: F401  (the old name of backend_registry, kept as an alias)
    backends,  # noqa: E402,I001  (the registry package, after the core)
    func,
)
from arraygrad._dtypes import (
    DType,
    bfloat16,
    bool,
    complex64,
    complex128,
    float16,
    float32,
    float64,
    int8,
    int16,
    int32,
    int64,
    isdtype,
    uint8,
    uint16,
    uint32,
    uint64,
)
from arraygrad._info import (
    __array_namespace_info__,
    can_cast,
    e,
    finfo,
    iinfo,
    inf,
    nan,
    newaxis,
    pi,
    result_type,
)
from arraygrad.anomaly_mode import is_anomaly_check_nan_enabled, is_anomaly_enabled
from arraygrad.backend_registry import (
    Backend,
    BackendError,
    current_backend,
    get_backend,
    get_default_dtype,
    set_backend,
    set_default_dtype,
    use_backend,
)
from arraygrad.backend_registry import loaded_backends as _loaded_backends
from arraygrad.creation import (
    arange,
    as_tensor,
    asarray,
    empty,
    empty_like,
    eye,
    from_dlpack,
    from_numpy,
    full,
    full_like,
    linspace,
    ones,
    ones_like,
    tensor,
    zeros,
    zeros_like,
)
from arraygrad.device import device
from arraygrad.grad_mode import (
    enable_grad,
    inference_mode,
    is_grad_enabled,
    no_grad,
    set_grad_enabled,
)
from arraygrad.ops import OPS
from arraygrad.ops.elementwise import (
    abs,
    acos,
    acosh,
    add,
    asin,
    asinh,
    atan,
    atan2,
    atanh,
    bitwise_and,
    bitwise_invert,
    bitwise_left_shift,
    bitwise_or,
    bitwise_right_shift,
    bitwise_xor,
    ceil,
    clip,
    conj,
    copysign,
    cos,
    cosh,
    divide,
    equal,
    exp,
    expm1,
    floor,
    floor_divide,
    greater,
    greater_equal,
    hypot,
    imag,
    isfinite,
    isinf,
    isnan,
    less,
    less_equal,
    log,
    log1p,
    log2,
    log10,
    logaddexp,
    logical_and,
    logical_not,
    logical_or,
    logical_xor,
    maximum,
    minimum,
    multiply,
    negative,
    nextafter,
    not_equal,
    positive,
    pow,
    real,
    reciprocal,
    relu,
    remainder,
    round,
    sigmoid,
    sign,
    signbit,
    sin,
    sinh,
    sqrt,
    square,
    subtract,
    tan,
    tanh,
    trunc,
    where,
)
from arraygrad.ops.indexing import index_put, take, take_along_axis
from arraygrad.ops.linalg import matmul, outer, tensordot, vecdot
from arraygrad.ops.nn import cross_entropy, log_softmax, softmax
from arraygrad.ops.reductions import (
    all,
    any,
    argmax,
    argmin,
    argsort,
    count_nonzero,
    cumulative_prod,
    cumulative_sum,
    logsumexp,
    max,
    mean,
    min,
    nonzero,
    prod,
    searchsorted,
    sort,
    std,
    sum,
    unique_all,
    unique_counts,
    unique_inverse,
    unique_values,
    var,
)
from arraygrad.ops.shape import (
    astype,
    broadcast_arrays,
    broadcast_shapes,
    broadcast_to,
    concat,
    diff,
    expand_dims,
    flip,
    matrix_transpose,
    meshgrid,
    moveaxis,
    permute_dims,
    repeat,
    reshape,
    roll,
    squeeze,
    stack,
    tile,
    transpose,
    tril,
    triu,
    unstack,
)
from arraygrad.ops.torch_functions import (
    addcdiv,
    addcmul,
    argwhere,
    bmm,
    chunk,
    cumprod,
    diag,
    dist,
    einsum,
    flatten,
    gather,
    index_add,
    index_select,
    kthvalue,
    lerp,
    masked_fill,
    mm,
    movedim,
    mv,
    narrow,
    norm,
    scatter,
    scatter_add,
    select,
    split,
    topk,
    unbind,
    unflatten,
)
from arraygrad.ops.transfer import clone, to
from arraygrad.random import (
    bernoulli,
    manual_seed,
    multinomial,
    normal,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    uniform,
)
from arraygrad.tensor import Tensor
from arraygrad.tensor_types import (
    BFloat16Tensor,
    BoolTensor,
    ByteTensor,
    CharTensor,
    DoubleTensor,
    FloatTensor,
    HalfTensor,
    IntTensor,
    LongTensor,
    ShortTensor,
)

__version__ = "0.1.0"
__array_api_version__ = "2024.12"

# PyTorch-style aliases beside the standard's names.
cat = concat
permute = permute_dims
clamp = clip
sub = subtract
mul = multiply
div = divide
neg = negative
unsqueeze = expand_dims
seed = manual_seed
float = float32  # noqa: A001 - as torch.float
double = float64
long = int64
half = float16
int = int32  # noqa: A001 - as torch.int
short = int16
cfloat = complex64
cdouble = complex128
swapaxes = swapdims = transpose
Size = tuple  # torch.Size is a tuple of ints; tensor.shape is one


def is_tensor(obj: object) -> _builtins.bool:
    """Whether ``obj`` is an arraygrad Tensor."""
    return isinstance(obj, Tensor)


def devices() -> list[str]:
    """Every device of every loaded backend (the current one included), as
    ``"backend:device"`` strings. Backends not loaded yet are not imported."""
    current_backend()
    return [f"{be.name}:{name}" for be in _loaded_backends() for name in be.devices]


def default_device() -> str:
    """The current backend's default device."""
    return current_backend().default_device


# The training stack: modules, optimizers, data loading, checkpoints (no optional imports:
# safetensors, tqdm, matplotlib and scikit-learn load inside the functions that use them).
# ``distributed`` imports no engine (mpi4py, CuPy, JAX) until init_process_group; fft and
# linalg are the standard's extensions (ag.fft.fft, ag.linalg.inv).
from arraygrad import data, distributed, fft, linalg, nn, optim  # noqa: E402
from arraygrad.compile import compile  # noqa: E402
from arraygrad.serialization import load, save  # noqa: E402

# isort: split
# Probability distributions and sparse COO tensors (pure arraygrad code, cheap to import).
from arraygrad import distributions, sparse  # noqa: E402
from arraygrad.sparse import SparseTensor, sparse_coo_tensor, spmm  # noqa: E402

# isort: split
# Last, once every op family is registered: which rules hold for complex inputs.
# The assembled module is the namespace create_graph rules and ``__array_namespace__`` use.
from arraygrad import engine as _engine  # noqa: E402
from arraygrad.ops import complex_rules  # noqa: E402,F401

_engine.set_namespace(_sys.modules[__name__])

# The public namespace (type checkers read it: ``from arraygrad import tensor`` and
# ``ag.tensor`` type-check without --implicit-reexport). tests/test_api_surface.py checks
# that it lists every public name and nothing else.
__all__ = [
    "BFloat16Tensor", "Backend", "BackendError", "BoolTensor", "ByteTensor", "CharTensor",
    "DType", "DoubleTensor", "FloatTensor", "HalfTensor", "IntTensor", "LongTensor", "OPS",
    "ShortTensor", "Size", "SparseTensor", "Tensor", "__array_api_version__",
    "__array_namespace_info__", "__version__", "abs", "acos", "acosh", "add", "addcdiv",
    "addcmul", "all", "any", "arange", "argmax", "argmin", "argsort", "argwhere", "as_tensor",
    "asarray", "asin", "asinh", "astype", "atan", "atan2", "atanh", "autograd", "backends",
    "bernoulli", "bfloat16", "bitwise_and", "bitwise_invert", "bitwise_left_shift",
    "bitwise_or", "bitwise_right_shift", "bitwise_xor", "bmm", "bool", "broadcast_arrays",
    "broadcast_shapes", "broadcast_to", "can_cast", "cat", "cdouble", "ceil", "cfloat",
    "chunk", "clamp", "clip", "clone", "compile", "complex128", "complex64", "concat", "conj",
    "copysign", "cos", "cosh", "count_nonzero", "cross_entropy", "cumprod", "cumulative_prod",
    "cumulative_sum", "current_backend", "data", "default_device", "device", "devices", "diag",
    "diff", "dist", "distributed", "distributions", "div", "divide", "double", "e", "einsum",
    "empty", "empty_like", "enable_grad", "equal", "exp", "expand_dims", "expm1", "extend",
    "eye", "fft", "finfo", "flatten", "flip", "float", "float16", "float32", "float64",
    "floor", "floor_divide", "from_dlpack", "from_numpy", "full", "full_like", "func",
    "gather", "get_backend", "get_default_dtype", "greater", "greater_equal", "half", "hypot",
    "iinfo", "imag", "index_add", "index_put", "index_select", "inf", "inference_mode", "int",
    "int16", "int32", "int64", "int8", "is_anomaly_check_nan_enabled", "is_anomaly_enabled",
    "is_grad_enabled", "is_tensor", "isdtype", "isfinite", "isinf", "isnan", "kthvalue",
    "lerp", "less", "less_equal", "linalg", "linspace", "load", "log", "log10", "log1p",
    "log2", "log_softmax", "logaddexp", "logical_and", "logical_not", "logical_or",
    "logical_xor", "logsumexp", "long", "manual_seed", "masked_fill", "matmul",
    "matrix_transpose", "max", "maximum", "mean", "meshgrid", "min", "minimum", "mm",
    "moveaxis", "movedim", "mul", "multinomial", "multiply", "mv", "nan", "narrow", "neg",
    "negative", "newaxis", "nextafter", "nn", "no_grad", "nonzero", "norm", "normal",
    "not_equal", "ones", "ones_like", "optim", "outer", "permute", "permute_dims", "pi",
    "positive", "pow", "prod", "rand", "rand_like", "randint", "randint_like", "randn",
    "randn_like", "random", "randperm", "real", "reciprocal", "relu", "remainder", "repeat",
    "reshape", "result_type", "roll", "round", "save", "scatter", "scatter_add",
    "searchsorted", "seed", "select", "serialization", "set_backend", "set_default_dtype",
    "set_grad_enabled", "short", "sigmoid", "sign", "signbit", "sin", "sinh", "softmax",
    "sort", "sparse", "sparse_coo_tensor", "split", "spmm", "sqrt", "square", "squeeze",
    "stack", "std", "sub", "subtract", "sum", "swapaxes", "swapdims", "take",
    "take_along_axis", "tan", "tanh", "tensor", "tensordot", "tile", "to", "topk", "transpose",
    "tril", "triu", "trunc", "uint16", "uint32", "uint64", "uint8", "unbind", "unflatten",
    "uniform", "unique_all", "unique_counts", "unique_inverse", "unique_values", "unsqueeze",
    "unstack", "use_backend", "utils", "var", "vecdot", "where", "zeros", "zeros_like",
]
