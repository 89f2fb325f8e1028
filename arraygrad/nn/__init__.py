"""``arraygrad.nn``: modules, layers, losses, initializers (PyTorch's ``torch.nn``).

The classes live in modules split by job (``linear``, ``conv``, ``pooling``,
``activation``, ``dropout``, ``sparse``, ``distance``, ``flatten``, ``padding``,
``pixelshuffle``, ``upsampling``, ``normalization``, ``losses``, ``containers``); PyTorch's
paths (``arraygrad.nn.modules.conv.Conv2d``...) are mirrored by :mod:`arraygrad.nn.modules`.

Examples
--------
>>> import arraygrad as ag
>>> ag.manual_seed(0)
>>> model = ag.nn.Sequential(ag.nn.Linear(4, 8), ag.nn.ReLU(), ag.nn.Linear(8, 3))
>>> loss = ag.nn.functional.cross_entropy(model(ag.ones(2, 4)), ag.tensor([0, 2]))
>>> loss.backward()
>>> model[0].weight.grad.shape
(8, 4)
"""

from arraygrad.nn import functional, init, utils
from arraygrad.nn.activation import (
    CELU,
    ELU,
    GELU,
    GLU,
    SELU,
    Hardshrink,
    Hardsigmoid,
    Hardswish,
    Hardtanh,
    LeakyReLU,
    LogSigmoid,
    LogSoftmax,
    Mish,
    PReLU,
    ReLU,
    ReLU6,
    RReLU,
    Sigmoid,
    SiLU,
    Softmax,
    Softmax2d,
    Softmin,
    Softplus,
    Softshrink,
    Softsign,
    Tanh,
    Tanhshrink,
    Threshold,
)
from arraygrad.nn.adaptive import AdaptiveLogSoftmaxWithLoss
from arraygrad.nn.containers import (
    ModuleDict,
    ModuleList,
    ParameterDict,
    ParameterList,
    Sequential,
)
from arraygrad.nn.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from arraygrad.nn.distance import CosineSimilarity, PairwiseDistance
from arraygrad.nn.dropout import (
    AlphaDropout,
    Dropout,
    Dropout1d,
    Dropout2d,
    Dropout3d,
    FeatureAlphaDropout,
)
from arraygrad.nn.flatten import Flatten, Unflatten
from arraygrad.nn.fold import Fold, Unfold
from arraygrad.nn.lazy import (
    LazyBatchNorm1d,
    LazyBatchNorm2d,
    LazyBatchNorm3d,
    LazyConv1d,
    LazyConv2d,
    LazyConv3d,
    LazyConvTranspose1d,
    LazyConvTranspose2d,
    LazyConvTranspose3d,
    LazyInstanceNorm1d,
    LazyInstanceNorm2d,
    LazyInstanceNorm3d,
    LazyLinear,
    UninitializedBuffer,
    UninitializedParameter,
)
from arraygrad.nn.linear import Bilinear, Identity, Linear
from arraygrad.nn.losses import (
    BCELoss,
    BCEWithLogitsLoss,
    CosineEmbeddingLoss,
    CrossEntropyLoss,
    CTCLoss,
    GaussianNLLLoss,
    HingeEmbeddingLoss,
    HuberLoss,
    KLDivLoss,
    L1Loss,
    MarginRankingLoss,
    MSELoss,
    MultiLabelMarginLoss,
    MultiLabelSoftMarginLoss,
    MultiMarginLoss,
    NLLLoss,
    NLLLoss2d,
    PoissonNLLLoss,
    SmoothL1Loss,
    SoftMarginLoss,
    TripletMarginLoss,
    TripletMarginWithDistanceLoss,
)
from arraygrad.nn.module import IncompatibleKeys, Module, RemovableHandle, StateDictError
from arraygrad.nn.normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    GroupNorm,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
    LayerNorm,
    LocalResponseNorm,
    RMSNorm,
)
from arraygrad.nn.padding import (
    CircularPad1d,
    CircularPad2d,
    CircularPad3d,
    ConstantPad1d,
    ConstantPad2d,
    ConstantPad3d,
    ReflectionPad1d,
    ReflectionPad2d,
    ReflectionPad3d,
    ReplicationPad1d,
    ReplicationPad2d,
    ReplicationPad3d,
    ZeroPad1d,
    ZeroPad2d,
    ZeroPad3d,
)
from arraygrad.nn.parameter import Buffer, Parameter
from arraygrad.nn.pixelshuffle import ChannelShuffle, PixelShuffle, PixelUnshuffle
from arraygrad.nn.pooling import (
    AdaptiveAvgPool1d,
    AdaptiveAvgPool2d,
    AdaptiveAvgPool3d,
    AdaptiveMaxPool1d,
    AdaptiveMaxPool2d,
    AdaptiveMaxPool3d,
    AvgPool1d,
    AvgPool2d,
    AvgPool3d,
    LPPool1d,
    LPPool2d,
    LPPool3d,
    MaxPool1d,
    MaxPool2d,
    MaxPool3d,
    MaxUnpool1d,
    MaxUnpool2d,
    MaxUnpool3d,
)
from arraygrad.nn.sparse import Embedding, EmbeddingBag
from arraygrad.nn.upsampling import Upsample, UpsamplingBilinear2d, UpsamplingNearest2d

__all__ = [
    # base, parameters, containers
    "Module", "Parameter", "Sequential", "ModuleList", "ModuleDict", "ParameterList",
    "ParameterDict", "IncompatibleKeys", "RemovableHandle", "StateDictError",
    # linear, convolution, pooling, resampling
    "Identity", "Linear", "Bilinear", "Conv1d", "Conv2d", "Conv3d", "ConvTranspose1d",
    "ConvTranspose2d", "ConvTranspose3d", "MaxPool1d", "MaxPool2d", "AvgPool1d", "AvgPool2d",
    "AdaptiveAvgPool1d", "AdaptiveAvgPool2d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d",
    "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d", "MaxUnpool1d",
    "MaxUnpool2d", "MaxUnpool3d", "LPPool1d", "LPPool2d", "LPPool3d",
    "Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d", "Fold", "Unfold", "PixelShuffle",
    "PixelUnshuffle", "Flatten", "Unflatten",
    "ZeroPad1d", "ZeroPad2d", "ZeroPad3d", "ConstantPad1d", "ConstantPad2d", "ConstantPad3d",
    "ReflectionPad1d", "ReflectionPad2d", "ReflectionPad3d", "ReplicationPad1d",
    "ReplicationPad2d", "ReplicationPad3d", "CircularPad1d", "CircularPad2d", "CircularPad3d",
    # dropout, lookup, distances
    "Dropout", "Dropout1d", "Dropout2d", "Dropout3d", "AlphaDropout", "Embedding",
    "EmbeddingBag", "CosineSimilarity", "PairwiseDistance",
    # normalization
    "BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
    "InstanceNorm3d", "LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm",
    # activations
    "ReLU", "ReLU6", "RReLU", "LeakyReLU", "ELU", "SELU", "CELU", "SiLU", "Mish", "GELU",
    "Softplus",
    "Hardtanh", "PReLU", "Tanh", "Sigmoid", "LogSigmoid", "Hardsigmoid", "Hardswish",
    "Softsign", "Tanhshrink", "Softshrink", "Hardshrink", "Threshold", "GLU", "Softmax",
    "Softmin", "LogSoftmax", "Softmax2d",
    # losses
    "L1Loss", "MSELoss", "SmoothL1Loss", "HuberLoss", "BCELoss", "BCEWithLogitsLoss",
    "KLDivLoss", "NLLLoss", "CrossEntropyLoss", "CosineEmbeddingLoss", "MarginRankingLoss",
    "TripletMarginLoss", "HingeEmbeddingLoss", "SoftMarginLoss", "MultiLabelSoftMarginLoss",
    "PoissonNLLLoss", "GaussianNLLLoss", "CTCLoss", "MultiMarginLoss", "MultiLabelMarginLoss",
    "TripletMarginWithDistanceLoss", "ChannelShuffle", "FeatureAlphaDropout",
    "AdaptiveLogSoftmaxWithLoss", "NLLLoss2d",
    # lazy modules and their placeholders
    "Buffer", "UninitializedParameter", "UninitializedBuffer", "LazyLinear", "LazyConv1d",
    "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
    "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
    "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d",
    # submodules
    "functional", "init", "utils", "modules",
]

from arraygrad.nn import (
    modules,  # noqa: E402  (PyTorch's module paths, re-exports only)
    parallel,  # noqa: E402  (DistributedDataParallel)
)

# --- recurrent, attention and transformer layers (branch nnrnn) ---
__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
            "rnn_utils", "MultiheadAttention", "Transformer", "TransformerEncoder",
            "TransformerDecoder", "TransformerEncoderLayer", "TransformerDecoderLayer"]

import sys as _sys  # noqa: E402

from arraygrad.nn import rnn_utils  # noqa: E402
from arraygrad.nn.attention import MultiheadAttention  # noqa: E402
from arraygrad.nn.rnn import (  # noqa: E402
    GRU,
    LSTM,
    RNN,
    GRUCell,
    LSTMCell,
    RNNBase,
    RNNCell,
    RNNCellBase,
)
from arraygrad.nn.transformer import (  # noqa: E402
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

# PyTorch's path ``nn.utils.rnn`` while ``nn.utils`` is a plain module
utils.rnn = rnn_utils  # type: ignore[attr-defined]
_sys.modules.setdefault("arraygrad.nn.utils.rnn", rnn_utils)
# --- end nnrnn block ---
