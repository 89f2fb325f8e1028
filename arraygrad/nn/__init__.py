"""``arraygrad.nn``: modules, layers, losses, initializers (PyTorch's ``torch.nn``).

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
from arraygrad.nn.containers import ModuleList, Sequential
from arraygrad.nn.layers import (
    GELU,
    AvgPool2d,
    Conv2d,
    Dropout,
    Embedding,
    Flatten,
    Identity,
    Linear,
    LogSoftmax,
    MaxPool2d,
    ReLU,
    Sigmoid,
    Softmax,
    Tanh,
)
from arraygrad.nn.losses import BCEWithLogitsLoss, CrossEntropyLoss, L1Loss, MSELoss, NLLLoss
from arraygrad.nn.module import IncompatibleKeys, Module, RemovableHandle, StateDictError
from arraygrad.nn.normalization import BatchNorm1d, BatchNorm2d, LayerNorm
from arraygrad.nn.parameter import Parameter

__all__ = [
    "Module", "Parameter", "Sequential", "ModuleList", "Linear", "Conv2d", "MaxPool2d",
    "AvgPool2d", "Flatten", "Dropout", "Embedding", "BatchNorm1d", "BatchNorm2d", "LayerNorm",
    "ReLU", "GELU", "Tanh", "Sigmoid", "Softmax", "LogSoftmax", "Identity", "MSELoss",
    "L1Loss", "CrossEntropyLoss", "NLLLoss", "BCEWithLogitsLoss", "functional", "init",
    "utils", "IncompatibleKeys", "RemovableHandle", "StateDictError",
]

# --- recurrent, attention and transformer layers (branch nnrnn) ---
import sys as _sys  # noqa: E402

from arraygrad.nn import rnn_utils  # noqa: E402
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

# PyTorch's path ``nn.utils.rnn`` while ``nn.utils`` is a plain module
utils.rnn = rnn_utils  # type: ignore[attr-defined]
_sys.modules.setdefault("arraygrad.nn.utils.rnn", rnn_utils)
__all__ += ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell",
            "rnn_utils"]
# --- end nnrnn block ---

# --- attention and transformer layers (branch nnrnn) ---
from arraygrad.nn.attention import MultiheadAttention  # noqa: E402
from arraygrad.nn.transformer import (  # noqa: E402
    Transformer,
    TransformerDecoder,
    TransformerDecoderLayer,
    TransformerEncoder,
    TransformerEncoderLayer,
)

__all__ += ["MultiheadAttention", "Transformer", "TransformerEncoder", "TransformerDecoder",
            "TransformerEncoderLayer", "TransformerDecoderLayer"]
# --- end nnrnn attention block ---
