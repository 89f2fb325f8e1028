"""All layer classes in one namespace (the import path before the layers were split by job
into ``linear``, ``conv``, ``pooling``, ``activation``, ``dropout``, ``sparse``,
``distance``, ``flatten``, ``padding``, ``pixelshuffle`` and ``upsampling``).

Re-exports only; new code imports from :mod:`arraygrad.nn` or the job modules.
"""

from arraygrad.nn._common import factory as _factory  # noqa: F401  (older import path)
from arraygrad.nn._common import shape_error as _shape_error  # noqa: F401
from arraygrad.nn.activation import *  # noqa: F403
from arraygrad.nn.activation import __all__ as _activation
from arraygrad.nn.conv import *  # noqa: F403
from arraygrad.nn.conv import __all__ as _conv
from arraygrad.nn.distance import *  # noqa: F403
from arraygrad.nn.distance import __all__ as _distance
from arraygrad.nn.dropout import *  # noqa: F403
from arraygrad.nn.dropout import __all__ as _dropout
from arraygrad.nn.flatten import *  # noqa: F403
from arraygrad.nn.flatten import __all__ as _flatten
from arraygrad.nn.linear import *  # noqa: F403
from arraygrad.nn.linear import __all__ as _linear
from arraygrad.nn.padding import *  # noqa: F403
from arraygrad.nn.padding import __all__ as _padding
from arraygrad.nn.pixelshuffle import *  # noqa: F403
from arraygrad.nn.pixelshuffle import __all__ as _pixelshuffle
from arraygrad.nn.pooling import *  # noqa: F403
from arraygrad.nn.pooling import __all__ as _pooling
from arraygrad.nn.sparse import *  # noqa: F403
from arraygrad.nn.sparse import __all__ as _sparse
from arraygrad.nn.upsampling import *  # noqa: F403
from arraygrad.nn.upsampling import __all__ as _upsampling

__all__ = (_linear + _conv + _pooling + _activation + _dropout + _sparse + _distance
           + _flatten + _padding + _pixelshuffle + _upsampling)
