"""PyTorch's ``torch.special`` over Tensors: ``ag.special.erfinv(x)``, ``ag.special.ndtr(x)``...

Every function is differentiable where PyTorch's is, runs on every backend, and takes
PyTorch's arguments. Functions of ``torch.special`` that are not listed in ``__all__``
(the Bessel functions, ``erfcx``, ``ndtri``, ``log_ndtr``, ``zeta``...) are absent, so
calling one raises AttributeError rather than returning an approximation.

Examples
--------
>>> import arraygrad as ag
>>> x = ag.tensor([0.0, 0.5], dtype=ag.float64, requires_grad=True)
>>> [f"{v:.6f}" for v in ag.special.ndtr(x).tolist()]
['0.500000', '0.691462']
>>> [f"{v:.6f}" for v in ag.special.erfinv(ag.special.erf(x)).tolist()]
['0.000000', '0.500000']
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad.creation import full_like, ones_like, zeros_like
from arraygrad.ops import elementwise as _ew
from arraygrad.ops import reductions as _reductions
from arraygrad.ops import torch_namespace as _tn
from arraygrad.ops.conv import erf
from arraygrad.ops.elementwise import expm1, log1p
from arraygrad.ops.special import digamma, erfinv
from arraygrad.ops.special import lgamma as gammaln
from arraygrad.ops.torch_namespace import erfc, exp2, logit, mvlgamma, polygamma, sinc, xlogy
from arraygrad.tensor import Tensor

__all__ = [
    "digamma", "entr", "erf", "erfc", "erfinv", "exp2", "expit", "expm1", "gammaln",
    "log1p", "log_softmax", "logit", "logsumexp", "multigammaln", "ndtr", "polygamma", "psi",
    "round", "sinc", "softmax", "xlog1py", "xlogy",
]

psi = digamma


def expit(x: Tensor) -> Tensor:
    """The logistic sigmoid ``1 / (1 + exp(-x))`` (``torch.special.expit``)."""
    return _ew.sigmoid(x)


def xlog1py(x: Any, y: Any) -> Tensor:
    """``x * log1p(y)``, 0 where ``x == 0`` (NaN where ``y`` is NaN), as
    ``torch.special.xlog1py``."""
    out = _ew.where(x == 0, 0.0, x * _ew.log1p(y))
    return _ew.where(_ew.isnan(y), y, out) if isinstance(y, Tensor) else out


def multigammaln(x: Tensor, p: int) -> Tensor:
    """The multivariate log-gamma function of dimension ``p`` (``torch.mvlgamma``)."""
    return mvlgamma(x, p)


def ndtr(x: Tensor) -> Tensor:
    """The standard normal CDF ``(1 + erf(x / sqrt 2)) / 2``, written with ``erfc`` so
    that the lower tail keeps its digits (``torch.special.ndtr``; PyTorch's own
    ``1 + erf`` cancels there: ``ndtr(-30)`` is 0 in PyTorch, 4.9e-198 here)."""
    x = _tn._floating("ndtr", x)
    return 0.5 * erfc(x * (-1.0 / math.sqrt(2.0)))


def entr(x: Tensor) -> Tensor:
    """The elementwise entropy ``-x log x``: 0 at 0, ``-inf`` for negative ``x`` (NaN
    stays NaN), as ``torch.special.entr``. The gradient is ``-(1 + log x)`` for
    ``x > 0`` and 0 elsewhere (PyTorch's formula gives ``+inf`` at 0 and NaN below)."""
    x = _tn._floating("entr", x)
    positive = x > 0
    plain = x.detach()
    safe = _ew.where(positive, x, ones_like(plain))
    rest = _ew.where(plain == 0, zeros_like(plain), full_like(plain, -math.inf))
    out = _ew.where(positive, -safe * _ew.log(safe), rest)
    return _ew.where(_ew.isnan(x), x, out)


def round(x: Tensor, *, decimals: int = 0) -> Tensor:  # noqa: A001 - torch's name
    """Round half to even, to ``decimals`` places (``torch.special.round``)."""
    return _ew.round(x, decimals=decimals)


def logsumexp(x: Tensor, dim: Any, keepdim: bool = False) -> Tensor:
    """``log(sum(exp(x)))`` over ``dim``, computed stably (``torch.special.logsumexp``)."""
    axis = tuple(dim) if isinstance(dim, list) else dim
    return _reductions.logsumexp(x, axis=axis, keepdims=keepdim)


def softmax(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Softmax along ``dim`` (``torch.special.softmax``); ``dtype`` casts first."""
    return _tn.softmax(x, dim=dim, dtype=dtype)


def log_softmax(x: Tensor, dim: int, *, dtype: Any = None) -> Tensor:
    """Log-softmax along ``dim`` (``torch.special.log_softmax``); ``dtype`` casts first."""
    return _tn.log_softmax(x, dim=dim, dtype=dtype)
