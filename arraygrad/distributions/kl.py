"""``kl_divergence(p, q)`` and ``register_kl`` (PyTorch's dispatch on the pair's types)."""

from __future__ import annotations

import math
from collections.abc import Callable
from typing import Any

import arraygrad as ag
from arraygrad.distributions._math import digamma, lgamma, softplus, solve_lower
from arraygrad.distributions.continuous import MultivariateNormal, Normal, Uniform
from arraygrad.distributions.discrete import Bernoulli, Categorical, OneHotCategorical
from arraygrad.distributions.distribution import Distribution, sum_rightmost
from arraygrad.distributions.gamma import Beta, Dirichlet, Gamma
from arraygrad.distributions.independent import Independent
from arraygrad.distributions.more import Exponential, Geometric, Gumbel, Laplace, Poisson
from arraygrad.tensor import Tensor

__all__ = ["kl_divergence", "register_kl"]

_KL: dict[tuple[type, type], Callable[[Any, Any], Tensor]] = {}


def register_kl(type_p: type, type_q: type) -> Callable[[Callable], Callable]:
    """Decorator registering ``fn(p, q)`` as ``KL(p || q)`` for these two types.

    The most specific registered pair (by method resolution order) wins, as in PyTorch.

    Examples
    --------
    >>> from arraygrad.distributions import Normal, register_kl
    >>> class MyNormal(Normal):
    ...     pass
    >>> @register_kl(MyNormal, MyNormal)
    ... def _kl_mine(p, q):
    ...     return (p.loc - q.loc) ** 2
    """
    for t in (type_p, type_q):
        if not (isinstance(t, type) and issubclass(t, Distribution)):
            raise TypeError(f"register_kl expects Distribution subclasses, got {t!r}")

    def decorator(fn: Callable) -> Callable:
        _KL[type_p, type_q] = fn
        return fn

    return decorator


def _dispatch(tp: type, tq: type) -> Callable | None:
    best = None
    best_rank = None
    for (rp, rq), fn in _KL.items():
        if issubclass(tp, rp) and issubclass(tq, rq):
            rank = (tp.__mro__.index(rp), tq.__mro__.index(rq))
            if best_rank is None or rank < best_rank:
                best, best_rank = fn, rank
    return best


def kl_divergence(p: Distribution, q: Distribution) -> Tensor:
    """``KL(p || q)``, one value per batch entry.

    Raises NotImplementedError for a pair with no registered formula.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.distributions import Normal, kl_divergence
    >>> kl_divergence(Normal(ag.tensor(0.0), ag.tensor(1.0)),
    ...               Normal(ag.tensor(1.0), ag.tensor(1.0))).item()
    0.5
    """
    fn = _dispatch(type(p), type(q))
    if fn is None:
        raise NotImplementedError(f"No KL(p || q) is implemented for p of type "
                                  f"{type(p).__name__} and q of type {type(q).__name__}; "
                                  f"register one with @register_kl")
    return fn(p, q)


@register_kl(Normal, Normal)
def _kl_normal_normal(p: Normal, q: Normal) -> Tensor:
    var_ratio = (p.scale / q.scale) ** 2
    t1 = ((p.loc - q.loc) / q.scale) ** 2
    return 0.5 * (var_ratio + t1 - 1 - ag.log(var_ratio))


@register_kl(Categorical, Categorical)
def _kl_categorical_categorical(p: Categorical, q: Categorical) -> Tensor:
    t = p.probs * (p.logits - q.logits)
    shape = t.shape
    t = ag.where((q.probs == 0).expand(*shape), math.inf, t)
    t = ag.where((p.probs == 0).expand(*shape), 0.0, t)
    return t.sum(axis=-1)


@register_kl(OneHotCategorical, OneHotCategorical)
def _kl_onehot_onehot(p: OneHotCategorical, q: OneHotCategorical) -> Tensor:
    return _kl_categorical_categorical(p._categorical, q._categorical)


@register_kl(Bernoulli, Bernoulli)
def _kl_bernoulli_bernoulli(p: Bernoulli, q: Bernoulli) -> Tensor:
    t1 = p.probs * (softplus(-q.logits) - softplus(-p.logits))
    t1 = ag.where(p.probs == 0, 0.0, ag.where(q.probs == 0, math.inf, t1))
    t2 = (1 - p.probs) * (softplus(q.logits) - softplus(p.logits))
    t2 = ag.where(p.probs == 1, 0.0, ag.where(q.probs == 1, math.inf, t2))
    return t1 + t2


@register_kl(MultivariateNormal, MultivariateNormal)
def _kl_mvn_mvn(p: MultivariateNormal, q: MultivariateNormal) -> Tensor:
    if p.event_shape != q.event_shape:
        raise ValueError(f"KL-divergence between two Multivariate Normals with different "
                         f"event shapes cannot be computed: {p.event_shape} vs "
                         f"{q.event_shape}")
    n = p.event_shape[0]
    batch = ag.broadcast_shapes(p.batch_shape, q.batch_shape)
    lq = q._unbroadcasted_scale_tril.expand(*(batch + (n, n)))
    lp = p._unbroadcasted_scale_tril.expand(*(batch + (n, n)))
    half_term1 = q._half_log_det() - p._half_log_det()
    term2 = (solve_lower(lq, lp) ** 2).sum(axis=(-2, -1))
    diff = (q.loc - p.loc).expand(*(batch + (n,)))
    term3 = (solve_lower(lq, diff[..., None])[..., 0] ** 2).sum(axis=-1)
    return half_term1 + 0.5 * (term2 + term3 - n)


@register_kl(Beta, Beta)
def _kl_beta_beta(p: Beta, q: Beta) -> Tensor:
    sum_p = p.concentration1 + p.concentration0
    sum_q = q.concentration1 + q.concentration0
    t1 = lgamma(q.concentration1) + lgamma(q.concentration0) + lgamma(sum_p)
    t2 = lgamma(p.concentration1) + lgamma(p.concentration0) + lgamma(sum_q)
    t3 = (p.concentration1 - q.concentration1) * digamma(p.concentration1)
    t4 = (p.concentration0 - q.concentration0) * digamma(p.concentration0)
    t5 = (sum_q - sum_p) * digamma(sum_p)
    return t1 - t2 + t3 + t4 + t5


@register_kl(Gamma, Gamma)
def _kl_gamma_gamma(p: Gamma, q: Gamma) -> Tensor:
    t1 = q.concentration * ag.log(p.rate / q.rate)
    t2 = lgamma(q.concentration) - lgamma(p.concentration)
    t3 = (p.concentration - q.concentration) * digamma(p.concentration)
    t4 = (q.rate - p.rate) * (p.concentration / p.rate)
    return t1 + t2 + t3 + t4


@register_kl(Dirichlet, Dirichlet)
def _kl_dirichlet_dirichlet(p: Dirichlet, q: Dirichlet) -> Tensor:
    sum_p = p.concentration.sum(axis=-1)
    sum_q = q.concentration.sum(axis=-1)
    t1 = lgamma(sum_p) - lgamma(sum_q)
    t2 = (lgamma(p.concentration) - lgamma(q.concentration)).sum(axis=-1)
    t3 = p.concentration - q.concentration
    t4 = digamma(p.concentration) - digamma(sum_p)[..., None]
    return t1 - t2 + (t3 * t4).sum(axis=-1)


@register_kl(Uniform, Uniform)
def _kl_uniform_uniform(p: Uniform, q: Uniform) -> Tensor:
    result = ag.log((q.high - q.low) / (p.high - p.low))
    return ag.where((q.low > p.low) | (q.high < p.high), math.inf, result)


@register_kl(Independent, Independent)
def _kl_independent_independent(p: Independent, q: Independent) -> Tensor:
    if p.reinterpreted_batch_ndims != q.reinterpreted_batch_ndims:
        raise NotImplementedError(f"KL(Independent || Independent) needs the same "
                                  f"reinterpreted_batch_ndims, got "
                                  f"{p.reinterpreted_batch_ndims} and "
                                  f"{q.reinterpreted_batch_ndims}")
    return sum_rightmost(kl_divergence(p.base_dist, q.base_dist), p.reinterpreted_batch_ndims)


@register_kl(Exponential, Exponential)
def _kl_exponential_exponential(p: Exponential, q: Exponential) -> Tensor:
    ratio = q.rate / p.rate
    return ratio - 1 - ag.log(ratio)


@register_kl(Laplace, Laplace)
def _kl_laplace_laplace(p: Laplace, q: Laplace) -> Tensor:
    scale_ratio = p.scale / q.scale
    loc_abs_diff = ag.abs(p.loc - q.loc)
    t1 = -ag.log(scale_ratio)
    t2 = loc_abs_diff / q.scale
    t3 = scale_ratio * ag.exp(-loc_abs_diff / p.scale)
    return t1 + t2 + t3 - 1


@register_kl(Poisson, Poisson)
def _kl_poisson_poisson(p: Poisson, q: Poisson) -> Tensor:
    return p.rate * (ag.log(p.rate) - ag.log(q.rate)) - (p.rate - q.rate)


@register_kl(Geometric, Geometric)
def _kl_geometric_geometric(p: Geometric, q: Geometric) -> Tensor:
    return -p.entropy() - ag.log1p(-q.probs) / p.probs - q.logits


@register_kl(Gumbel, Gumbel)
def _kl_gumbel_gumbel(p: Gumbel, q: Gumbel) -> Tensor:
    ct1 = p.scale / q.scale
    ct2 = q.loc / q.scale
    ct3 = p.loc / q.scale
    t1 = -ag.log(ct1) - ct2 + ct3
    t2 = ct1 * _EULER_GAMMA
    t3 = ag.exp(ct2 + lgamma(1 + ct1) - ct3)
    return t1 + t2 + t3 - (1 + _EULER_GAMMA)


_EULER_GAMMA = 0.57721566490153286060
