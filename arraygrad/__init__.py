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
    tan,
    tanh,
    trunc,
    where,
)
from arraygrad.ops.indexing import take, take_along_axis
from arraygrad.ops.linalg import matmul, outer, vecdot
from arraygrad.ops.linalg_ext import det, matrix_power, slogdet
from arraygrad.ops.linalg_ext import inv as inverse
from arraygrad.ops.nn import cross_entropy
from arraygrad.ops.reductions import (
    all,
    any,
    argmax,
    argmin,
    cumulative_prod,
    cumulative_sum,
    logsumexp,
    mean,
    nonzero,
    prod,
    searchsorted,
    sum,
    unique_all,
    unique_counts,
    unique_inverse,
    unique_values,
)
from arraygrad.ops.shape import (
    astype,
    broadcast_arrays,
    broadcast_shapes,
    broadcast_to,
    concat,
    expand_dims,
    matrix_transpose,
    meshgrid,
    moveaxis,
    permute_dims,
    repeat,
    reshape,
    stack,
    tile,
    transpose,
    unstack,
)
from arraygrad.ops.special import digamma, erfinv, lgamma
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
from arraygrad.ops.torch_namespace import (  # PyTorch's functions added by tns
    abs_,
    acos_,
    acosh_,
    add,
    addbmm,
    addmm,
    addmv,
    addmv_,
    addr,
    adjoint,
    allclose,
    amax,
    amin,
    aminmax,
    angle,
    arccos_,
    arccosh_,
    arcsin_,
    arcsinh_,
    arctan_,
    arctanh_,
    argsort,
    asin_,
    asinh_,
    atan_,
    atanh_,
    atleast_1d,
    atleast_2d,
    atleast_3d,
    baddbmm,
    bartlett_window,
    bernoulli,
    bincount,
    bitwise_not,
    blackman_window,
    block_diag,
    broadcast_tensors,
    bucketize,
    cartesian_prod,
    cdist,
    ceil_,
    chain_matmul,
    cholesky,
    cholesky_inverse,
    cholesky_solve,
    clamp_,
    clamp_max,
    clamp_max_,
    clamp_min,
    clamp_min_,
    clip_,
    column_stack,
    combinations,
    complex,
    conj_physical,
    conj_physical_,
    corrcoef,
    cos_,
    cosh_,
    count_nonzero,
    cov,
    cross,
    cummax,
    cummin,
    cumsum,
    cumulative_trapezoid,
    deg2rad,
    deg2rad_,
    detach,
    detach_,
    diag_embed,
    diagflat,
    diagonal,
    diagonal_scatter,
    diff,
    div,
    divide,
    dot,
    dsplit,
    dstack,
    erf,
    erf_,
    erfc,
    erfc_,
    exp2,
    exp2_,
    exp_,
    expm1_,
    fill,
    fill_,
    fix_,
    flip,
    fliplr,
    flipud,
    float_power,
    floor_,
    fmax,
    fmin,
    fmod,
    frac,
    frac_,
    frexp,
    frobenius_norm,
    gcd,
    gcd_,
    ger,
    get_device,
    gradient,
    hamming_window,
    hann_window,
    heaviside,
    histc,
    hsplit,
    hstack,
    index_copy,
    index_fill,
    index_put,
    index_put_,
    inner,
    is_complex,
    is_conj,
    is_floating_point,
    is_neg,
    is_nonzero,
    is_same_size,
    is_signed,
    isclose,
    isin,
    isneginf,
    isposinf,
    isreal,
    kron,
    lcm,
    lcm_,
    ldexp,
    ldexp_,
    log1p_,
    log2_,
    log10_,
    log_,
    log_softmax,
    logaddexp2,
    logcumsumexp,
    logdet,
    logit,
    logit_,
    logspace,
    masked_scatter,
    masked_select,
    matrix_exp,
    max,
    median,
    min,
    mode,
    msort,
    mvlgamma,
    nan_to_num,
    nan_to_num_,
    nanmean,
    nanmedian,
    nanquantile,
    nansum,
    neg_,
    negative_,
    normal,
    nuclear_norm,
    numel,
    pinverse,
    polar,
    polygamma,
    promote_types,
    put,
    qr,
    quantile,
    rad2deg,
    rad2deg_,
    ravel,
    reciprocal_,
    relu_,
    renorm,
    repeat_interleave,
    resolve_conj,
    resolve_neg,
    roll,
    rot90,
    round_,
    rsqrt,
    rsqrt_,
    rsub,
    scalar_tensor,
    select_scatter,
    sgn,
    sigmoid_,
    sin_,
    sinc,
    sinc_,
    sinh_,
    slice_scatter,
    softmax,
    sort,
    split_with_sizes,
    sqrt_,
    square_,
    squeeze,
    std,
    std_mean,
    sub,
    subtract,
    svd,
    t,
    take_along_dim,
    tan_,
    tanh_,
    tensor_split,
    tensordot,
    trace,
    trapezoid,
    trapz,
    triangular_solve,
    tril,
    tril_indices,
    triu,
    triu_indices,
    true_divide,
    trunc_,
    unique,
    unique_consecutive,
    unravel_index,
    unsafe_chunk,
    unsafe_split,
    unsafe_split_with_sizes,
    unsqueeze,
    vander,
    var,
    var_mean,
    vdot,
    vsplit,
    vstack,
    xlogy,
    xlogy_,
    zero_,
)
from arraygrad.ops.torch_namespace import range_ as _torch_range
from arraygrad.ops.transfer import clone, to
from arraygrad.random import (
    Generator,
    get_rng_state,
    initial_seed,
    manual_seed,
    multinomial,
    poisson,
    rand,
    rand_like,
    randint,
    randint_like,
    randn,
    randn_like,
    randperm,
    seed,
    set_rng_state,
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
mul = multiply
neg = negative
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
absolute = abs
arccos = acos
arccosh = acosh
arcsin = asin
arcsinh = asinh
arctan = atan
arctanh = atanh
arctan2 = atan2
concatenate = concat
row_stack = vstack
fix = trunc
eq = equal
ne = not_equal
lt = less
le = less_equal
gt = greater
ge = greater_equal
dtype = DType
range = _torch_range  # noqa: A001 - torch.range (inclusive end)


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
from arraygrad import data, distributed, fft, linalg, nn, optim, special  # noqa: E402
from arraygrad.compile import compile  # noqa: E402

# PyTorch's top-level names for nn.functional functions whose positional arguments are the
# same (torch.conv2d, torch.layer_norm...). Not aliased: those whose torch.* form takes its
# arguments in another order or an integer reduction (torch.embedding, torch.batch_norm,
# torch.instance_norm, the losses).
conv1d = nn.functional.conv1d
conv2d = nn.functional.conv2d
conv3d = nn.functional.conv3d
conv_transpose1d = nn.functional.conv_transpose1d
conv_transpose2d = nn.functional.conv_transpose2d
avg_pool1d = nn.functional.avg_pool1d
max_pool1d = nn.functional.max_pool1d
max_pool2d = nn.functional.max_pool2d
pixel_shuffle = nn.functional.pixel_shuffle
pixel_unshuffle = nn.functional.pixel_unshuffle
cosine_similarity = nn.functional.cosine_similarity
pairwise_distance = nn.functional.pairwise_distance
prelu = nn.functional.prelu
selu = nn.functional.selu
celu = nn.functional.celu
hardshrink = nn.functional.hardshrink
threshold = nn.functional.threshold
dropout = nn.functional.dropout
alpha_dropout = nn.functional.alpha_dropout
layer_norm = nn.functional.layer_norm
group_norm = nn.functional.group_norm
rms_norm = nn.functional.rms_norm
bilinear = nn.functional.bilinear
max_pool3d = nn.functional.max_pool3d
max_pool1d_with_indices = nn.functional.max_pool1d_with_indices
selu_ = nn.functional.selu_
celu_ = nn.functional.celu_
threshold_ = nn.functional.threshold_
rrelu_ = nn.functional.rrelu_
pdist = nn.functional.pdist
feature_alpha_dropout = nn.functional.feature_alpha_dropout
channel_shuffle = nn.functional.channel_shuffle
native_channel_shuffle = nn.functional.native_channel_shuffle
conv_transpose3d = nn.functional.conv_transpose3d
conv_tbc = nn.functional.conv_tbc
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
    "addcmul", "addmm", "addmv", "all", "allclose", "amax", "amin", "any", "arange", "argmax",
    "argmin", "argsort", "argwhere", "as_tensor", "asarray", "asin", "asinh", "astype", "atan",
    "atan2", "atanh", "atleast_1d", "atleast_2d", "atleast_3d", "autograd", "backends",
    "baddbmm", "bernoulli", "bucketize", "bfloat16", "bincount", "bitwise_and", "bitwise_invert",
    "bitwise_left_shift", "bitwise_or", "bitwise_right_shift", "bitwise_xor", "block_diag",
    "bmm", "bool", "broadcast_arrays", "broadcast_shapes", "broadcast_to", "can_cast",
    "cartesian_prod", "cat", "cdist", "cdouble", "ceil", "cfloat", "chunk", "clamp",
    "clamp_max", "clamp_min", "clip", "clone", "column_stack", "compile", "complex128",
    "complex64", "concat", "conj", "copysign", "cos", "cosh", "count_nonzero", "cross",
    "cross_entropy", "cumprod", "cumsum", "cumulative_prod", "cumulative_sum",
    "current_backend", "data", "default_device", "detach", "device", "devices", "diag",
    "diag_embed", "diagonal", "diff", "digamma", "dist", "distributed", "distributions", "div",
    "divide", "dot", "double", "dstack", "e", "einsum", "empty", "empty_like", "enable_grad",
    "equal", "erf", "erfc", "exp", "exp2", "expand_dims", "expm1", "extend", "eye", "fft",
    "finfo", "flatten", "flip", "float", "float16", "float32", "float64", "floor",
    "floor_divide", "fmod", "frac", "from_dlpack", "from_numpy", "full", "full_like", "func",
    "gather", "ger", "get_backend", "get_default_dtype", "greater", "greater_equal", "half",
    "heaviside", "histc", "hstack", "hypot", "iinfo", "imag", "index_add", "index_put",
    "index_select", "inf", "inference_mode", "inner", "int", "int16", "int32", "int64", "int8",
    "is_anomaly_check_nan_enabled", "is_anomaly_enabled", "is_complex", "is_floating_point",
    "is_grad_enabled", "is_tensor", "isclose", "isdtype", "isin", "isfinite", "isinf",
    "isnan", "kron",
    "kthvalue", "lerp", "less", "less_equal", "lgamma", "linalg", "linspace", "load", "log",
    "log10", "log1p", "log2", "log_softmax", "logaddexp", "logical_and", "logical_not",
    "logical_or", "logical_xor", "logit", "logsumexp", "long", "manual_seed", "masked_fill",
    "masked_select", "matmul", "matrix_transpose", "max", "maximum", "mean", "median",
    "meshgrid", "min", "minimum", "mm", "moveaxis", "movedim", "mul", "multinomial",
    "multiply", "mv", "nan", "nan_to_num", "nanmean", "nansum", "narrow", "neg", "negative",
    "newaxis", "nextafter",
    "nn", "no_grad", "nonzero", "norm", "normal", "not_equal", "numel", "ones", "ones_like",
    "optim", "outer", "permute", "permute_dims", "pi", "poisson", "positive", "pow", "prod", "rand",
    "rand_like", "randint", "randint_like", "randn", "randn_like", "random", "randperm",
    "real", "reciprocal", "relu", "remainder", "repeat", "repeat_interleave", "reshape",
    "result_type", "roll", "round", "rsqrt", "save", "scatter", "scatter_add", "searchsorted",
    "seed", "select", "serialization", "set_backend", "set_default_dtype", "set_grad_enabled",
    "sgn", "short", "sigmoid", "sign", "signbit", "sin", "sinh", "softmax", "sort", "sparse",
    "sparse_coo_tensor", "split", "spmm", "sqrt", "square", "squeeze", "stack", "std",
    "std_mean", "sub", "subtract", "sum", "swapaxes", "swapdims", "t", "take",
    "take_along_axis", "take_along_dim", "tan", "tanh", "tensor", "tensor_split", "tensordot",
    "tile", "to", "topk", "trace", "transpose", "tril", "tril_indices", "triu", "triu_indices",
    "true_divide", "trunc", "uint16", "uint32", "uint64", "uint8", "unbind", "unflatten",
    "uniform", "unique", "unique_all", "unique_counts", "unique_inverse", "unique_values",
    "unsqueeze", "unstack", "use_backend", "utils", "var", "var_mean", "vecdot", "vstack",
    "where", "xlogy", "zeros", "zeros_like",
]
# PyTorch's functions added by tns (kept apart so each branch's additions merge cleanly).
__all__ += [
    "abs_",
    "absolute",
    "acos_",
    "acosh_",
    "addbmm",
    "addmv_",
    "addr",
    "adjoint",
    "alpha_dropout",
    "aminmax",
    "angle",
    "arccos",
    "arccos_",
    "arccosh",
    "arccosh_",
    "arcsin",
    "arcsin_",
    "arcsinh",
    "arcsinh_",
    "arctan",
    "arctan2",
    "arctan_",
    "arctanh",
    "arctanh_",
    "asin_",
    "asinh_",
    "atan_",
    "atanh_",
    "avg_pool1d",
    "bartlett_window",
    "bilinear",
    "bitwise_not",
    "blackman_window",
    "broadcast_tensors",
    "ceil_",
    "celu",
    "chain_matmul",
    "cholesky",
    "cholesky_inverse",
    "cholesky_solve",
    "clamp_",
    "clamp_max_",
    "clamp_min_",
    "clip_",
    "combinations",
    "complex",
    "concatenate",
    "conj_physical",
    "conj_physical_",
    "conv1d",
    "conv2d",
    "conv3d",
    "conv_transpose1d",
    "conv_transpose2d",
    "corrcoef",
    "cos_",
    "cosh_",
    "cosine_similarity",
    "cov",
    "cummax",
    "cummin",
    "cumulative_trapezoid",
    "deg2rad",
    "deg2rad_",
    "det",
    "detach_",
    "diagflat",
    "diagonal_scatter",
    "dropout",
    "dsplit",
    "dtype",
    "eq",
    "erf_",
    "erfc_",
    "erfinv",
    "exp2_",
    "exp_",
    "expm1_",
    "fill",
    "fill_",
    "fix",
    "fix_",
    "fliplr",
    "flipud",
    "float_power",
    "floor_",
    "fmax",
    "fmin",
    "frac_",
    "frexp",
    "frobenius_norm",
    "gcd",
    "gcd_",
    "ge",
    "get_device",
    "gradient",
    "group_norm",
    "gt",
    "hamming_window",
    "hann_window",
    "hardshrink",
    "hsplit",
    "index_copy",
    "index_fill",
    "index_put_",
    "inverse",
    "is_conj",
    "is_neg",
    "is_nonzero",
    "is_same_size",
    "is_signed",
    "isneginf",
    "isposinf",
    "isreal",
    "layer_norm",
    "lcm",
    "lcm_",
    "ldexp",
    "ldexp_",
    "le",
    "log10_",
    "log1p_",
    "log2_",
    "log_",
    "logaddexp2",
    "logcumsumexp",
    "logdet",
    "logit_",
    "logspace",
    "lt",
    "masked_scatter",
    "matrix_exp",
    "matrix_power",
    "max_pool1d",
    "max_pool2d",
    "mode",
    "msort",
    "mvlgamma",
    "nan_to_num_",
    "nanmedian",
    "nanquantile",
    "ne",
    "neg_",
    "negative_",
    "nuclear_norm",
    "pairwise_distance",
    "pinverse",
    "pixel_shuffle",
    "pixel_unshuffle",
    "polar",
    "polygamma",
    "prelu",
    "promote_types",
    "put",
    "qr",
    "quantile",
    "rad2deg",
    "rad2deg_",
    "range",
    "ravel",
    "reciprocal_",
    "relu_",
    "renorm",
    "resolve_conj",
    "resolve_neg",
    "rms_norm",
    "rot90",
    "round_",
    "row_stack",
    "rsqrt_",
    "rsub",
    "scalar_tensor",
    "select_scatter",
    "selu",
    "sigmoid_",
    "sin_",
    "sinc",
    "sinc_",
    "sinh_",
    "slice_scatter",
    "slogdet",
    "split_with_sizes",
    "sqrt_",
    "square_",
    "svd",
    "tan_",
    "tanh_",
    "threshold",
    "trapezoid",
    "trapz",
    "triangular_solve",
    "trunc_",
    "unique_consecutive",
    "unravel_index",
    "unsafe_chunk",
    "unsafe_split",
    "unsafe_split_with_sizes",
    "vander",
    "vdot",
    "vsplit",
    "xlogy_",
    "zero_",
]

# isort: split
# PyTorch's torch.cuda, torch.amp (autocast, GradScaler), torch.jit and process-wide
# switches (set_num_threads, use_deterministic_algorithms...): see their modules.
from arraygrad import amp, cuda, jit  # noqa: E402
from arraygrad.amp import autocast  # noqa: E402
from arraygrad.runtime_flags import (  # noqa: E402
    are_deterministic_algorithms_enabled,
    get_float32_matmul_precision,
    get_num_interop_threads,
    get_num_threads,
    is_deterministic_algorithms_warn_only_enabled,
    set_float32_matmul_precision,
    set_num_interop_threads,
    set_num_threads,
    use_deterministic_algorithms,
)

__all__ += [
    "Generator", "amp", "are_deterministic_algorithms_enabled", "autocast", "cuda", "special",
    "get_float32_matmul_precision", "get_num_interop_threads", "get_num_threads",
    "get_rng_state", "initial_seed", "is_deterministic_algorithms_warn_only_enabled", "jit",
    "set_float32_matmul_precision", "set_num_interop_threads", "set_num_threads",
    "set_rng_state", "use_deterministic_algorithms",
]
# PyTorch's top-level names of nn.functional functions added by nnx (same positional
# arguments as their torch.* forms).
__all__ += [
    "max_pool3d", "max_pool1d_with_indices", "selu_", "celu_", "threshold_", "rrelu_",
    "pdist", "feature_alpha_dropout", "channel_shuffle", "native_channel_shuffle",
    "conv_transpose3d", "conv_tbc",
]
