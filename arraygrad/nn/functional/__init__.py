"""``arraygrad.nn.functional``: layers and losses as functions (PyTorch's ``F``).

PyTorch's ``torch.nn.functional`` names, positional argument order and defaults.
Everything here is a composition of arraygrad ops (so gradients, including gradients of
gradients, come for free) except 2-D convolution, its transpose and ``erf``, which are
registered ops in :mod:`arraygrad.ops.conv` with their own VJPs. The functions live in
submodules by job (``conv``, ``pooling``, ``vision``, ``activation``, ``dropout``,
``normalization``, ``sparse``, ``distance``, ``loss``, ``padding``) and are all
re-exported here.

Backend kernel contract for convolution
---------------------------------------
The portable convolution is im2col by strided slicing (one slice per kernel offset) plus
one matmul. A backend may register faster kernels in ``Backend.kernels``; arraygrad calls
them with the backend's raw arrays, and falls back to the portable code for any missing
name and for higher-order gradients. Layouts: input ``x`` is NCHW ``(N, C, H, W)``; weight
``w`` is OIHW ``(O, C // groups, kh, kw)``; ``stride``, ``padding`` (symmetric, zeros) and
``dilation`` are ``(h, w)`` tuples of ints; ``groups`` divides ``C`` and ``O``. The op is
cross-correlation (no kernel flip), as in PyTorch::

    kernels["conv2d"](x, w, *, stride, padding, dilation, groups) -> (N, O, Ho, Wo)
    kernels["conv2d_vjp_input"](g, w, x_shape, *, stride, padding, dilation, groups)
        -> gradient for x, shape x_shape
    kernels["conv2d_vjp_weight"](g, x, w_shape, *, stride, padding, dilation, groups)
        -> gradient for w, shape w_shape
    kernels["erf"](x) -> erf(x), elementwise

with ``Ho = (H + 2*ph - dh*(kh - 1) - 1) // sh + 1`` (likewise ``Wo``) and ``g`` the
gradient of the output, shape ``(N, O, Ho, Wo)``. Each kernel may be registered alone.
The bias is added outside the kernel, by broadcasting. ``conv1d`` and ``conv3d`` call the
2-D kernels (a height-1 image; one call per kernel depth offset); ``conv_transpose2d`` is
``conv2d_vjp_input`` forward, with ``conv2d`` and ``conv2d_vjp_weight`` as its gradients.
"""

from __future__ import annotations

from arraygrad.nn.functional._util import IntPair, ntuple, pair  # noqa: F401  (for layers)
from arraygrad.nn.functional.activation import (
    celu,
    celu_,
    elu,
    elu_,
    gelu,
    glu,
    gumbel_softmax,
    hardshrink,
    hardsigmoid,
    hardswish,
    hardtanh,
    hardtanh_,
    leaky_relu,
    leaky_relu_,
    log_softmax,
    logsigmoid,
    mish,
    prelu,
    relu,
    relu6,
    relu_,
    rrelu,
    rrelu_,
    selu,
    selu_,
    sigmoid,
    silu,
    softmax,
    softmin,
    softplus,
    softshrink,
    softsign,
    tanh,
    tanhshrink,
    threshold,
    threshold_,
)
from arraygrad.nn.functional.conv import (
    conv1d,
    conv2d,
    conv3d,
    conv_tbc,
    conv_transpose1d,
    conv_transpose2d,
    conv_transpose3d,
)
from arraygrad.nn.functional.distance import cosine_similarity, normalize, pairwise_distance, pdist
from arraygrad.nn.functional.dropout import (
    alpha_dropout,
    dropout,
    dropout1d,
    dropout2d,
    dropout3d,
    feature_alpha_dropout,
)
from arraygrad.nn.functional.fold import fold, unfold
from arraygrad.nn.functional.loss import (
    binary_cross_entropy,
    binary_cross_entropy_with_logits,
    cosine_embedding_loss,
    cross_entropy,
    ctc_loss,
    gaussian_nll_loss,
    hinge_embedding_loss,
    huber_loss,
    kl_div,
    l1_loss,
    margin_ranking_loss,
    mse_loss,
    multi_margin_loss,
    multilabel_margin_loss,
    multilabel_soft_margin_loss,
    nll_loss,
    poisson_nll_loss,
    smooth_l1_loss,
    soft_margin_loss,
    triplet_margin_loss,
    triplet_margin_with_distance_loss,
)
from arraygrad.nn.functional.normalization import (
    batch_norm,
    group_norm,
    instance_norm,
    layer_norm,
    local_response_norm,
    rms_norm,
)
from arraygrad.nn.functional.padding import pad
from arraygrad.nn.functional.pooling import (
    adaptive_avg_pool1d,
    adaptive_avg_pool2d,
    adaptive_max_pool1d,
    adaptive_max_pool2d,
    avg_pool1d,
    avg_pool2d,
    max_pool1d,
    max_pool2d,
)
from arraygrad.nn.functional.pooling_ext import (
    adaptive_avg_pool3d,
    adaptive_max_pool1d_with_indices,
    adaptive_max_pool2d_with_indices,
    adaptive_max_pool3d,
    adaptive_max_pool3d_with_indices,
    avg_pool3d,
    lp_pool1d,
    lp_pool2d,
    lp_pool3d,
    max_pool1d_with_indices,
    max_pool2d_with_indices,
    max_pool3d,
    max_pool3d_with_indices,
    max_unpool1d,
    max_unpool2d,
    max_unpool3d,
)
from arraygrad.nn.functional.sampling import affine_grid, grid_sample
from arraygrad.nn.functional.sparse import embedding, embedding_bag, one_hot
from arraygrad.nn.functional.vision import (
    channel_shuffle,
    interpolate,
    native_channel_shuffle,
    pixel_shuffle,
    pixel_unshuffle,
    upsample,
    upsample_bilinear,
    upsample_nearest,
)
from arraygrad.ops import shape as _sh
from arraygrad.ops.conv import erf
from arraygrad.ops.fused import linear as _fused_linear
from arraygrad.ops.linalg import matmul as _matmul
from arraygrad.tensor import Tensor

__all__ = [
    # linear and convolution
    "linear", "bilinear", "conv1d", "conv2d", "conv3d", "conv_transpose1d",
    "conv_transpose2d", "conv_transpose3d", "conv_tbc",
    # pooling and resampling
    "max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d", "adaptive_avg_pool1d",
    "adaptive_avg_pool2d", "adaptive_max_pool1d", "adaptive_max_pool2d", "interpolate",
    "upsample", "pixel_shuffle", "pixel_unshuffle", "pad", "unfold", "fold",
    "max_pool3d", "avg_pool3d", "adaptive_avg_pool3d", "adaptive_max_pool3d",
    "max_pool1d_with_indices", "max_pool2d_with_indices", "max_pool3d_with_indices",
    "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
    "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d",
    "lp_pool1d", "lp_pool2d", "lp_pool3d",
    # activations
    "relu", "relu_", "relu6", "leaky_relu", "elu", "selu", "celu", "silu", "mish", "gelu",
    "softplus", "hardtanh", "prelu", "tanh", "sigmoid", "logsigmoid", "hardsigmoid",
    "hardswish", "softsign", "tanhshrink", "softshrink", "hardshrink", "threshold", "glu",
    "softmax", "softmin", "log_softmax", "erf", "rrelu", "gumbel_softmax",
    # dropout
    "dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
    # normalization and distances
    "batch_norm", "layer_norm", "group_norm", "instance_norm", "rms_norm",
    "local_response_norm", "normalize", "cosine_similarity", "pairwise_distance",
    # lookup and shape
    "embedding", "embedding_bag", "one_hot", "flatten", "unflatten",
    # losses
    "l1_loss", "mse_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
    "binary_cross_entropy_with_logits", "kl_div", "nll_loss", "cross_entropy",
    "cosine_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
    "hinge_embedding_loss", "soft_margin_loss", "multilabel_soft_margin_loss",
    "poisson_nll_loss", "gaussian_nll_loss", "ctc_loss", "multi_margin_loss",
    "multilabel_margin_loss", "triplet_margin_with_distance_loss",
    # more (branch nnx)
    "elu_", "leaky_relu_", "hardtanh_", "selu_", "celu_", "threshold_", "rrelu_", "pdist",
    "feature_alpha_dropout", "channel_shuffle", "native_channel_shuffle", "upsample_nearest",
    "upsample_bilinear", "affine_grid", "grid_sample",
]



def linear(input: Tensor, weight: Tensor, bias: Tensor | None = None) -> Tensor:  # noqa: A002
    """``input @ weight.T + bias`` with ``weight`` of shape (out_features, in_features).

    Examples
    --------
    >>> import arraygrad as ag
    >>> F = ag.nn.functional
    >>> F.linear(ag.ones(2, 3), ag.ones(4, 3)).shape
    (2, 4)
    """
    if bias is not None:
        fused = _fused_linear(input, weight, bias)  # one graph node (arraygrad/ops/fused.py)
        if fused is not None:
            return fused
    out = _matmul(input, _sh.matrix_transpose(weight))
    return out if bias is None else out + bias


def bilinear(input1: Tensor, input2: Tensor, weight: Tensor,
             bias: Tensor | None = None) -> Tensor:
    """``y_k = x1 @ weight[k] @ x2 + bias_k`` with ``weight`` (out, in1, in2).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.bilinear(ag.ones(4, 2), ag.ones(4, 3), ag.ones(5, 2, 3)).shape
    (4, 5)
    """
    if weight.ndim != 3 or input1.shape[-1] != weight.shape[1] or \
            input2.shape[-1] != weight.shape[2] or input1.shape[:-1] != input2.shape[:-1]:
        raise ValueError(f"bilinear: expected input1 (..., in1), input2 (..., in2) with the "
                         f"same leading shape and weight (out, in1, in2); got "
                         f"{input1.shape}, {input2.shape}, {weight.shape}")
    left = _sh.expand_dims(_sh.expand_dims(input1, axis=-2), axis=-2)  # (..., 1, 1, in1)
    mixed = _matmul(left, weight)  # (..., out, 1, in2)
    out = _sh.squeeze(_matmul(mixed, _sh.expand_dims(_sh.expand_dims(input2, axis=-2),
                                                     axis=-1)), axis=(-2, -1))
    return out if bias is None else out + bias


def flatten(input: Tensor, start_dim: int = 1, end_dim: int = -1) -> Tensor:  # noqa: A002
    """Merge axes ``start_dim`` .. ``end_dim`` into one (default: all but the batch axis).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.flatten(ag.ones(2, 3, 4)).shape
    (2, 12)
    """
    return input.flatten(start_dim, end_dim)


def unflatten(input: Tensor, dim: int, sizes: tuple[int, ...]) -> Tensor:  # noqa: A002
    """Split axis ``dim`` into ``sizes`` (one entry may be -1).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.functional.unflatten(ag.ones(2, 12), 1, (3, 4)).shape
    (2, 3, 4)
    """
    if not isinstance(input, Tensor):
        raise TypeError(f"unflatten: expected a Tensor, got {type(input).__name__}")
    axis = dim % input.ndim if input.ndim else 0
    sizes = tuple(int(v) for v in sizes)
    known = 1
    for v in sizes:
        known *= v if v != -1 else 1
    n = input.shape[axis]
    if sizes.count(-1) > 1 or (-1 not in sizes and known != n) or \
            (-1 in sizes and (known == 0 or n % known)):
        raise ValueError(f"unflatten: sizes {sizes} don't multiply up to the size of dim {dim} "
                         f"({n}) of input shape {input.shape}")
    shape = tuple(input.shape[:axis]) + sizes + tuple(input.shape[axis + 1:])
    return _sh.reshape(input, shape)


# ------------------------------------------- attention (branch nnrnn: arraygrad.nn.attention)
from arraygrad.nn.attention import (  # noqa: E402
    multi_head_attention_forward,
    scaled_dot_product_attention,
)

__all__ += ["scaled_dot_product_attention", "multi_head_attention_forward"]
