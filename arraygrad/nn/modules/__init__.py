"""PyTorch's ``torch.nn.modules`` package layout, as re-exports.

``arraygrad.nn.modules.conv.Conv2d is arraygrad.nn.Conv2d``, and so on for ``linear``,
``conv``, ``activation``, ``loss``, ``container``, ``batchnorm``, ``instancenorm``,
``normalization``, ``dropout``, ``pooling``, ``sparse``, ``distance``, ``flatten``,
``fold``, ``padding``, ``pixelshuffle``, ``upsampling`` and ``module``. The recurrent and attention
layers add ``rnn`` and ``transformer`` submodules here (re-exporting
:mod:`arraygrad.nn.rnn` and :mod:`arraygrad.nn.transformer`).
"""

from arraygrad.nn.modules import (
    activation,
    batchnorm,
    container,
    conv,
    distance,
    dropout,
    flatten,
    fold,
    instancenorm,
    linear,
    loss,
    module,
    normalization,
    padding,
    pixelshuffle,
    pooling,
    rnn,
    sparse,
    transformer,
    upsampling,
)
from arraygrad.nn.modules.activation import *  # noqa: F403
from arraygrad.nn.modules.batchnorm import *  # noqa: F403
from arraygrad.nn.modules.container import *  # noqa: F403
from arraygrad.nn.modules.conv import *  # noqa: F403
from arraygrad.nn.modules.distance import *  # noqa: F403
from arraygrad.nn.modules.dropout import *  # noqa: F403
from arraygrad.nn.modules.flatten import *  # noqa: F403
from arraygrad.nn.modules.fold import *  # noqa: F403
from arraygrad.nn.modules.instancenorm import *  # noqa: F403
from arraygrad.nn.modules.linear import *  # noqa: F403
from arraygrad.nn.modules.loss import *  # noqa: F403
from arraygrad.nn.modules.module import Module
from arraygrad.nn.modules.normalization import *  # noqa: F403
from arraygrad.nn.modules.padding import *  # noqa: F403
from arraygrad.nn.modules.pixelshuffle import *  # noqa: F403
from arraygrad.nn.modules.pooling import *  # noqa: F403
from arraygrad.nn.modules.rnn import *  # noqa: F403
from arraygrad.nn.modules.sparse import *  # noqa: F403
from arraygrad.nn.modules.transformer import *  # noqa: F403
from arraygrad.nn.modules.upsampling import *  # noqa: F403

_SUBMODULES = (activation, batchnorm, container, conv, distance, dropout, flatten, fold,
               instancenorm, linear, loss, module, normalization, padding, pixelshuffle,
               pooling, rnn, sparse, transformer, upsampling)
__all__ = ["Module"] + [name for m in _SUBMODULES if m is not module for name in m.__all__]
