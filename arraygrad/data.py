"""``arraygrad.data`` is :mod:`arraygrad.utils.data` under a shorter name (``ag.data``).

``import arraygrad.data`` and ``from arraygrad.data import DataLoader`` give the very same
module and objects as ``arraygrad.utils.data``.
"""

import sys

import arraygrad.utils.data as _data

sys.modules[__name__] = _data
