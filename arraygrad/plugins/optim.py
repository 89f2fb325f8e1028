"""The built-in optimizers (installed as ``arraygrad.plugins.optim``, entry point ``optim``).

SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax, NAdam, RAdam, ASGD, Rprop, LBFGS,
Adafactor and SparseAdam,
with PyTorch's names, signatures, defaults and update formulas, declared through the
``arraygrad_optimizers`` hook exactly as a third party's optimizers are: this module uses
only public API (:class:`arraygrad.optim.Optimizer`, :mod:`arraygrad.extend`, a Tensor's
``.array`` and ``.backend``). Blocking the plugin (``plugin_manager.block_plugin("optim")``)
removes all of them.

Functional core, stateful shell: each optimizer's arithmetic is one pure update function
over raw backend arrays, ``update(xp, param, grad, state, **hyperparameters) -> (param,
state)``. It uses the array in-place operators (``param -= lr * d``), which change NumPy
(and other mutable) arrays in place and return new arrays on immutable backends (JAX); the
shell (:class:`arraygrad.optim.Optimizer`) stores the result with
:func:`arraygrad.extend.assign` either way. It never changes ``grad`` in place. A backend
may supply a faster ``kernels["<name>_update"]`` with the same signature (without ``xp``).
LBFGS needs several evaluations of the loss per step, so it overrides ``step(closure)``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from arraygrad.extend import assign
from arraygrad.grad_mode import enable_grad, no_grad
from arraygrad.hookspecs import hookimpl
from arraygrad.optim.optimizer import Optimizer, State
from arraygrad.tensor import Tensor

__all__ = ["SGD", "Adam", "AdamW", "RMSprop", "Adagrad", "Adadelta", "Adamax", "NAdam",
           "RAdam", "ASGD", "Rprop", "LBFGS", "Adafactor", "SparseAdam", "adafactor_update",
           "sgd_update", "adam_update", "rmsprop_update",
           "adagrad_update", "adadelta_update", "adamax_update", "nadam_update",
           "radam_update", "asgd_update", "rprop_update"]


# ------------------------------------------------------------------ pure update functions
def _l2_gradient(param: Any, grad: Any, weight_decay: float, maximize: bool) -> Any:
    """The gradient to descend: negated for ``maximize``, plus L2 ``weight_decay * param``
    (a new array: ``grad`` itself is never changed)."""
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    return g


def _buffer(xp: Any, state: State, key: str, like: Any) -> Any:
    """``state[key]``, or zeros like ``like`` on the first step."""
    buf = state.get(key)
    return xp.zeros_like(like) if buf is None else buf


def sgd_update(xp: Any, param: Any, grad: Any, state: State, *, lr: float, momentum: float,
               dampening: float, weight_decay: float, nesterov: bool, maximize: bool
               ) -> tuple[Any, State]:
    """One SGD step (PyTorch's formulation, momentum buffer in ``state``)."""
    d_p = _l2_gradient(param, grad, weight_decay, maximize)
    state = dict(state)
    if momentum:
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = xp.asarray(d_p, copy=True)
        else:
            buf *= momentum
            buf += (1 - dampening) * d_p
        state["momentum_buffer"] = buf
        d_p = d_p + momentum * buf if nesterov else buf
    param -= lr * d_p
    return param, state


def adam_update(xp: Any, param: Any, grad: Any, state: State, *, lr: float,
                betas: tuple[float, float], eps: float, weight_decay: float, amsgrad: bool,
                maximize: bool, decoupled: bool = False) -> tuple[Any, State]:
    """One Adam step; ``decoupled=True`` is AdamW (weight decay applied to the parameter)."""
    beta1, beta2 = betas
    param, g, state, step, exp_avg, exp_avg_sq = _adam_start(
        xp, param, grad, state, lr=lr, betas=betas, weight_decay=weight_decay,
        decoupled=decoupled, maximize=maximize)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2_sqrt = _sqrt(1 - beta2 ** step)
    if amsgrad:
        max_sq = state.get("max_exp_avg_sq")
        # maximum() already returns a new array; only the first step needs a copy
        max_sq = (xp.asarray(exp_avg_sq, copy=True) if max_sq is None
                  else xp.maximum(max_sq, exp_avg_sq))
        state["max_exp_avg_sq"] = max_sq
        denom = xp.sqrt(max_sq) / bias_correction2_sqrt + eps
    else:
        denom = xp.sqrt(exp_avg_sq) / bias_correction2_sqrt + eps
    param -= (lr / bias_correction1) * (exp_avg / denom)
    state.update(step=step, exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)
    return param, state


def rmsprop_update(xp: Any, param: Any, grad: Any, state: State, *, lr: float, alpha: float,
                   eps: float, weight_decay: float, momentum: float, centered: bool,
                   maximize: bool) -> tuple[Any, State]:
    """One RMSprop step (PyTorch's formulation: eps added after the square root)."""
    g = _l2_gradient(param, grad, weight_decay, maximize)
    state = dict(state)
    state["step"] = state.get("step", 0) + 1
    square_avg = _buffer(xp, state, "square_avg", param)
    square_avg *= alpha
    square_avg += (1 - alpha) * (g * g)
    state["square_avg"] = square_avg
    if centered:
        grad_avg = _buffer(xp, state, "grad_avg", param)
        grad_avg *= alpha
        grad_avg += (1 - alpha) * g
        state["grad_avg"] = grad_avg
        avg = xp.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        avg = xp.sqrt(square_avg) + eps
    if momentum > 0:
        buf = _buffer(xp, state, "momentum_buffer", param)
        buf *= momentum
        buf += g / avg
        state["momentum_buffer"] = buf
        param -= lr * buf
    else:
        param -= lr * (g / avg)
    return param, state


def adagrad_update(xp: Any, param: Any, grad: Any, state: State, *, lr: float,
                   lr_decay: float, weight_decay: float, initial_accumulator_value: float,
                   eps: float, maximize: bool) -> tuple[Any, State]:
    """One Adagrad step."""
    g = _l2_gradient(param, grad, weight_decay, maximize)
    state = dict(state)
    step = state.get("step", 0) + 1
    total = state.get("sum")
    if total is None:
        total = xp.full(tuple(param.shape), initial_accumulator_value, dtype=param.dtype,
                        device=getattr(param, "device", None))
    clr = lr / (1 + (step - 1) * lr_decay)
    total += g * g
    param -= clr * (g / (xp.sqrt(total) + eps))
    state.update(step=step, sum=total)
    return param, state


def adadelta_update(xp: Any, param: Any, grad: Any, state: State, *, lr: float, rho: float,
                    eps: float, weight_decay: float, maximize: bool) -> tuple[Any, State]:
    """One Adadelta step (PyTorch's formulation: ``lr`` scales the adaptive delta)."""
    g = _l2_gradient(param, grad, weight_decay, maximize)
    state = dict(state)
    state["step"] = state.get("step", 0) + 1
    square_avg = _buffer(xp, state, "square_avg", param)
    acc_delta = _buffer(xp, state, "acc_delta", param)
    square_avg *= rho
    square_avg += (1 - rho) * (g * g)
    delta = xp.sqrt(acc_delta + eps) / xp.sqrt(square_avg + eps) * g
    acc_delta *= rho
    acc_delta += (1 - rho) * (delta * delta)
    param -= lr * delta
    state.update(square_avg=square_avg, acc_delta=acc_delta)
    return param, state


def adamax_update(xp: Any, param: Any, grad: Any, state: State, *, lr: float,
                  betas: tuple[float, float], eps: float, weight_decay: float,
                  maximize: bool) -> tuple[Any, State]:
    """One Adamax step (Adam with the infinity norm: ``u = max(beta2 * u, |g| + eps)``)."""
    beta1, beta2 = betas
    g = _l2_gradient(param, grad, weight_decay, maximize)
    state = dict(state)
    step = state.get("step", 0) + 1
    exp_avg = _buffer(xp, state, "exp_avg", param)
    exp_inf = _buffer(xp, state, "exp_inf", param)
    exp_avg *= beta1
    exp_avg += (1 - beta1) * g
    exp_inf = xp.maximum(beta2 * exp_inf, xp.abs(g) + eps)
    param -= (lr / (1 - beta1 ** step)) * (exp_avg / exp_inf)
    state.update(step=step, exp_avg=exp_avg, exp_inf=exp_inf)
    return param, state


def _sqrt(v: Any) -> Any:
    """``math.sqrt``; a number that ``ag.compile`` reads at call time (a traced step
    counter) has its own ``traced_sqrt`` that records the call, and a 0-d array that has
    no concrete value (a step counter inside ``jax.jit``) takes the array square root."""
    traced = getattr(v, "traced_sqrt", None)
    if traced is not None:
        return traced()
    if isinstance(v, (int, float)):
        return math.sqrt(v)
    try:
        return math.sqrt(v)
    except TypeError:  # jax's ConcretizationTypeError is a TypeError
        return v ** 0.5


def _decayed_gradient(param: Any, grad: Any, *, lr: float, weight_decay: float,
                      decoupled: bool, maximize: bool) -> tuple[Any, Any]:
    """``(param, gradient)`` for an Adam-family step: the gradient negated for ``maximize``,
    plus L2 weight decay, or (``decoupled``, AdamW-style) the decay applied to ``param``
    (in place on mutable arrays; a new array on JAX, hence returned)."""
    if decoupled and weight_decay:
        param *= 1 - lr * weight_decay
        return param, -grad if maximize else grad
    return param, _l2_gradient(param, grad, weight_decay, maximize)


def _adam_moments(xp: Any, param: Any, g: Any, state: State, beta1: float, beta2: float
                  ) -> tuple[Any, Any]:
    exp_avg = _buffer(xp, state, "exp_avg", param)
    exp_avg_sq = _buffer(xp, state, "exp_avg_sq", param)
    exp_avg *= beta1
    exp_avg += (1 - beta1) * g
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * (g * g)
    state.update(exp_avg=exp_avg, exp_avg_sq=exp_avg_sq)
    return exp_avg, exp_avg_sq


def _adam_start(xp: Any, param: Any, grad: Any, state: State, *, lr: float,
                betas: tuple[float, float], weight_decay: float, decoupled: bool,
                maximize: bool) -> tuple[Any, Any, State, int, Any, Any]:
    """What every Adam-family step begins with: a copy of ``state``, the step count, the
    decayed gradient and the updated moments. Returns ``(param, g, state, step, exp_avg,
    exp_avg_sq)``."""
    state = dict(state)
    step = state.get("step", 0) + 1
    param, g = _decayed_gradient(param, grad, lr=lr, weight_decay=weight_decay,
                                 decoupled=decoupled, maximize=maximize)
    exp_avg, exp_avg_sq = _adam_moments(xp, param, g, state, betas[0], betas[1])
    return param, g, state, step, exp_avg, exp_avg_sq


def nadam_update(xp: Any, param: Any, grad: Any, state: State, *, lr: float,
                 betas: tuple[float, float], eps: float, weight_decay: float,
                 momentum_decay: float, decoupled_weight_decay: bool, maximize: bool
                 ) -> tuple[Any, State]:
    """One NAdam step (Adam with Nesterov momentum and PyTorch's ``momentum_decay``
    schedule ``mu_t = beta1 * (1 - 0.5 * 0.96 ** (t * momentum_decay))``)."""
    beta1, beta2 = betas
    param, g, state, step, exp_avg, exp_avg_sq = _adam_start(
        xp, param, grad, state, lr=lr, betas=betas, weight_decay=weight_decay,
        decoupled=decoupled_weight_decay, maximize=maximize)
    mu = beta1 * (1.0 - 0.5 * 0.96 ** (step * momentum_decay))
    mu_next = beta1 * (1.0 - 0.5 * 0.96 ** ((step + 1) * momentum_decay))
    mu_product = state.get("mu_product", 1.0) * mu
    denom = xp.sqrt(exp_avg_sq / (1 - beta2 ** step)) + eps
    param -= (lr * (1.0 - mu) / (1.0 - mu_product)) * (g / denom)
    param -= (lr * mu_next / (1.0 - mu_product * mu_next)) * (exp_avg / denom)
    state.update(step=step, mu_product=mu_product)
    return param, state


def radam_update(xp: Any, param: Any, grad: Any, state: State, *, lr: float,
                 betas: tuple[float, float], eps: float, weight_decay: float,
                 decoupled_weight_decay: bool, maximize: bool) -> tuple[Any, State]:
    """One RAdam step (the variance rectification switches on once ``rho_t > 5``)."""
    beta1, beta2 = betas
    param, g, state, step, exp_avg, exp_avg_sq = _adam_start(
        xp, param, grad, state, lr=lr, betas=betas, weight_decay=weight_decay,
        decoupled=decoupled_weight_decay, maximize=maximize)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2 = 1 - beta2 ** step
    rho_inf = 2 / (1 - beta2) - 1
    rho_t = rho_inf - 2 * step * (beta2 ** step) / bias_correction2
    if rho_t > 5.0:
        rect = _sqrt((rho_t - 4) * (rho_t - 2) * rho_inf
                         / ((rho_inf - 4) * (rho_inf - 2) * rho_t))
        adaptive = _sqrt(bias_correction2) / (xp.sqrt(exp_avg_sq) + eps)
        param -= (exp_avg / bias_correction1) * lr * adaptive * rect
    else:
        param -= (exp_avg / bias_correction1) * lr
    state["step"] = step
    return param, state


def asgd_update(xp: Any, param: Any, grad: Any, state: State, *, lr: float, lambd: float,
                alpha: float, t0: float, weight_decay: float, maximize: bool
                ) -> tuple[Any, State]:
    """One averaged-SGD step; ``state["ax"]`` is the running average of the parameter
    (it starts averaging after ``t0`` steps)."""
    g = _l2_gradient(param, grad, weight_decay, maximize)
    state = dict(state)
    step = state.get("step", 0) + 1
    eta = state.get("eta", lr)
    mu = state.get("mu", 1.0)
    ax = _buffer(xp, state, "ax", param)
    param *= 1 - lambd * eta
    param -= eta * g
    ax = ax + (param - ax) * mu if mu != 1 else xp.asarray(param, copy=True)
    state.update(step=step, ax=ax, eta=lr / ((1 + lambd * lr * step) ** alpha),
                 mu=1 / max(1, step - t0))
    return param, state


def rprop_update(xp: Any, param: Any, grad: Any, state: State, *, lr: float,
                 etas: tuple[float, float], step_sizes: tuple[float, float], maximize: bool
                 ) -> tuple[Any, State]:
    """One Rprop step (PyTorch's variant: after a sign change the gradient counts as 0)."""
    etaminus, etaplus = etas
    step_size_min, step_size_max = step_sizes
    g = -grad if maximize else grad
    state = dict(state)
    state["step"] = state.get("step", 0) + 1
    prev = state.get("prev")
    step_size = state.get("step_size")
    if prev is None:
        prev = xp.zeros_like(param)
        step_size = xp.full(tuple(param.shape), lr, dtype=param.dtype,
                            device=getattr(param, "device", None))
    sign = xp.sign(g * prev)
    one = xp.ones_like(param)
    factor = xp.where(sign > 0, etaplus * one, xp.where(sign < 0, etaminus * one, one))
    step_size = xp.clip(step_size * factor, step_size_min, step_size_max)
    g = xp.where(sign < 0, xp.zeros_like(param), g)
    param -= xp.sign(g) * step_size
    state.update(prev=g, step_size=step_size)
    return param, state


def _lerp(xp: Any, start: Any, end: Any, weight: float) -> Any:
    """PyTorch's ``lerp`` (the two-sided formula, exact at both ends)."""
    if weight < 0.5:
        return start + weight * (end - start)
    return end - (end - start) * (1.0 - weight)


def _rms(xp: Any, a: Any) -> float:
    """``||a||_2 / sqrt(a.size)`` as a Python float (PyTorch reads it with ``.item()``)."""
    return float(xp.sqrt(xp.sum(a * a))) / math.sqrt(max(a.size, 1))


def adafactor_update(xp: Any, param: Any, grad: Any, state: State, *, lr: float,
                     beta2_decay: float, eps: tuple[float | None, float], d: float,
                     weight_decay: float, maximize: bool) -> tuple[Any, State]:
    """One Adafactor step (PyTorch's ``torch.optim.Adafactor``): factored second moments
    (row and column means of ``grad**2``) for tensors of 2 or more dimensions, the full
    second moment for vectors; relative step size ``min(lr, 1/sqrt(step))`` scaled by the
    parameter's RMS; the update clipped to RMS ``d``."""
    g = -grad if maximize else grad
    state = dict(state)
    eps1, eps2 = eps
    if eps1 is None:
        eps1 = float(xp.finfo(param.dtype).eps)
    step = state.get("step", 0.0) + 1.0
    one_minus_beta2 = step ** beta2_decay
    rho = min(lr, 1.0 / step ** 0.5)
    alpha = max(eps2, _rms(xp, param)) * rho
    if weight_decay:
        param *= 1 - lr * weight_decay
    if g.ndim > 1:
        row_mean = xp.sum(g * g, axis=-1, keepdims=True) / g.shape[-1]
        col_mean = xp.sum(g * g, axis=-2, keepdims=True) / g.shape[-2]
        row_var = _lerp(xp, _buffer(xp, state, "row_var", row_mean), row_mean,
                        one_minus_beta2)
        col_var = _lerp(xp, _buffer(xp, state, "col_var", col_mean), col_mean,
                        one_minus_beta2)
        state.update(row_var=row_var, col_var=col_var)
        estimate = xp.matmul(row_var, col_var)
        estimate = estimate / xp.clip(xp.mean(row_var, axis=-2, keepdims=True), min=eps1)
    else:
        variance = _lerp(xp, _buffer(xp, state, "variance", g), g * g, one_minus_beta2)
        state["variance"] = variance
        estimate = variance
    update = g / xp.sqrt(xp.clip(estimate, min=eps1 * eps1))
    denom = max(1.0, _rms(xp, update) / d)
    param -= (alpha / denom) * update
    state["step"] = step
    return param, state


class SGD(Optimizer):
    """Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and
    L2 weight decay (PyTorch's formulation).

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.nn.Parameter(ag.tensor([1.0, 2.0]))
    >>> opt = ag.optim.SGD([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> [round(v, 4) for v in w.tolist()]
    [0.8, 1.6]
    """

    name = "sgd"

    def __init__(self, params: Iterable[Any], lr: float = 1e-3, momentum: float = 0.0,
                 dampening: float = 0.0, weight_decay: float = 0.0, nesterov: bool = False,
                 *, maximize: bool = False, check_finite: bool = False) -> None:
        if nesterov and (momentum <= 0 or dampening != 0):
            raise ValueError("SGD: Nesterov momentum requires momentum > 0 and dampening 0")
        super().__init__(params, dict(lr=lr, momentum=momentum, dampening=dampening,
                                      weight_decay=weight_decay, nesterov=nesterov,
                                      maximize=maximize), check_finite=check_finite)

    def update(self, xp, param, grad, state, group):
        return sgd_update(xp, param, grad, state, **self.hyperparameters(group))


class Adam(Optimizer):
    """Adam (with optional AMSGrad and L2 weight decay added to the gradient).

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.nn.Parameter(ag.tensor([1.0, -2.0]))
    >>> opt = ag.optim.Adam([w], lr=0.1)
    >>> (w * w).sum().backward()
    >>> opt.step()  # the first Adam step moves each weight by about lr
    >>> [round(v, 4) for v in w.tolist()]
    [0.9, -1.9]
    """

    name = "adam"
    _decoupled = False

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, amsgrad: bool = False, *, maximize: bool = False,
                 check_finite: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, amsgrad=amsgrad,
                                      maximize=maximize), check_finite=check_finite)

    def update(self, xp, param, grad, state, group):
        return adam_update(xp, param, grad, state, decoupled=self._decoupled,
                           **self.hyperparameters(group))


class AdamW(Adam):
    """Adam with decoupled weight decay (default 0.01)."""

    name = "adamw"
    _decoupled = True

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 1e-2, amsgrad: bool = False, *, maximize: bool = False,
                 check_finite: bool = False) -> None:
        super().__init__(params, lr, betas, eps, weight_decay, amsgrad, maximize=maximize,
                         check_finite=check_finite)


class RMSprop(Optimizer):
    """RMSprop (optionally centered, with momentum and L2 weight decay)."""

    name = "rmsprop"

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, alpha: float = 0.99,
                 eps: float = 1e-8, weight_decay: float = 0.0, momentum: float = 0.0,
                 centered: bool = False, *, maximize: bool = False,
                 check_finite: bool = False) -> None:
        if not 0.0 <= alpha <= 1.0:
            raise ValueError(f"RMSprop: invalid alpha {alpha} (must be in [0, 1])")
        super().__init__(params, dict(lr=lr, alpha=alpha, eps=eps, weight_decay=weight_decay,
                                      momentum=momentum, centered=centered,
                                      maximize=maximize), check_finite=check_finite)

    def update(self, xp, param, grad, state, group):
        return rmsprop_update(xp, param, grad, state, **self.hyperparameters(group))


class Adagrad(Optimizer):
    """Adagrad (with learning-rate decay and L2 weight decay)."""

    name = "adagrad"

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lr_decay: float = 0.0,
                 weight_decay: float = 0.0, initial_accumulator_value: float = 0.0,
                 eps: float = 1e-10, *, maximize: bool = False,
                 check_finite: bool = False) -> None:
        if initial_accumulator_value < 0:
            raise ValueError(f"Adagrad: invalid initial_accumulator_value "
                             f"{initial_accumulator_value} (must be >= 0)")
        super().__init__(params, dict(lr=lr, lr_decay=lr_decay, weight_decay=weight_decay,
                                      initial_accumulator_value=initial_accumulator_value,
                                      eps=eps, maximize=maximize), check_finite=check_finite)

    def update(self, xp, param, grad, state, group):
        return adagrad_update(xp, param, grad, state, **self.hyperparameters(group))


class Adadelta(Optimizer):
    """Adadelta (PyTorch's defaults: ``lr=1.0``, ``rho=0.9``, ``eps=1e-6``)."""

    name = "adadelta"

    def __init__(self, params: Iterable[Any], lr: float = 1.0, rho: float = 0.9,
                 eps: float = 1e-6, weight_decay: float = 0.0, *, maximize: bool = False,
                 check_finite: bool = False) -> None:
        super().__init__(params, dict(lr=lr, rho=rho, eps=eps, weight_decay=weight_decay,
                                      maximize=maximize), check_finite=check_finite)

    def update(self, xp, param, grad, state, group):
        return adadelta_update(xp, param, grad, state, **self.hyperparameters(group))


class Adamax(Optimizer):
    """Adamax, Adam's infinity-norm variant (default ``lr=2e-3``)."""

    name = "adamax"

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, *, maximize: bool = False,
                 check_finite: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, maximize=maximize),
                         check_finite=check_finite)

    def update(self, xp, param, grad, state, group):
        return adamax_update(xp, param, grad, state, **self.hyperparameters(group))


class NAdam(Optimizer):
    """NAdam: Adam with Nesterov momentum (default ``lr=2e-3``, ``momentum_decay=4e-3``;
    ``decoupled_weight_decay=True`` applies weight decay to the parameter, as AdamW)."""

    name = "nadam"

    def __init__(self, params: Iterable[Any], lr: float = 2e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, momentum_decay: float = 4e-3,
                 decoupled_weight_decay: bool = False, *, maximize: bool = False,
                 check_finite: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay, momentum_decay=momentum_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize), check_finite=check_finite)

    def update(self, xp, param, grad, state, group):
        return nadam_update(xp, param, grad, state, **self.hyperparameters(group))


class RAdam(Optimizer):
    """RAdam: Adam with a rectified adaptive learning rate (``decoupled_weight_decay=True``
    applies weight decay to the parameter, as AdamW)."""

    name = "radam"

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 weight_decay: float = 0.0, decoupled_weight_decay: bool = False, *,
                 maximize: bool = False, check_finite: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps,
                                      weight_decay=weight_decay,
                                      decoupled_weight_decay=decoupled_weight_decay,
                                      maximize=maximize), check_finite=check_finite)

    def update(self, xp, param, grad, state, group):
        return radam_update(xp, param, grad, state, **self.hyperparameters(group))


class ASGD(Optimizer):
    """Averaged SGD; the average of each parameter is ``optimizer.state[p]["ax"]``
    (averaging starts after ``t0`` steps)."""

    name = "asgd"

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, lambd: float = 1e-4,
                 alpha: float = 0.75, t0: float = 1e6, weight_decay: float = 0.0, *,
                 maximize: bool = False, check_finite: bool = False) -> None:
        super().__init__(params, dict(lr=lr, lambd=lambd, alpha=alpha, t0=t0,
                                      weight_decay=weight_decay, maximize=maximize),
                         check_finite=check_finite)

    def update(self, xp, param, grad, state, group):
        return asgd_update(xp, param, grad, state, **self.hyperparameters(group))


class Rprop(Optimizer):
    """Resilient backpropagation: per-element step sizes grow by ``etas[1]`` while the
    gradient keeps its sign and shrink by ``etas[0]`` when it flips, within
    ``step_sizes``."""

    name = "rprop"

    def __init__(self, params: Iterable[Any], lr: float = 1e-2,
                 etas: tuple[float, float] = (0.5, 1.2),
                 step_sizes: tuple[float, float] = (1e-6, 50.0), *, maximize: bool = False,
                 check_finite: bool = False) -> None:
        super().__init__(params, dict(lr=lr, etas=tuple(etas), step_sizes=tuple(step_sizes),
                                      maximize=maximize), check_finite=check_finite)

    def check_group(self, group: dict[str, Any], where: str) -> None:
        """PyTorch's rule beside the common ones: ``0 < etas[0] < 1 < etas[1]``."""
        super().check_group(group, where)
        etaminus, etaplus = group["etas"]
        if not 0.0 < etaminus < 1.0 < etaplus:
            raise ValueError(f"Rprop: invalid etas={tuple(group['etas'])!r} (need "
                             f"0 < etas[0] < 1 < etas[1]; {where})")
        low, high = group["step_sizes"]
        if not 0.0 <= low <= high:
            raise ValueError(f"Rprop: invalid step_sizes={tuple(group['step_sizes'])!r} "
                             f"(need 0 <= min <= max; {where})")

    def update(self, xp, param, grad, state, group):
        return rprop_update(xp, param, grad, state, **self.hyperparameters(group))


class Adafactor(Optimizer):
    """Adafactor (PyTorch's ``torch.optim.Adafactor``: Shazeer and Stern's algorithm with
    PyTorch's defaults). It reads two norms per parameter to the host each step, as
    PyTorch's does.

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.nn.Parameter(ag.ones(2, 3))
    >>> opt = ag.optim.Adafactor([w])
    >>> (w * w).sum().backward()
    >>> opt.step()
    >>> [round(v, 4) for v in w.tolist()[0]]
    [0.99, 0.99, 0.99]
    """

    name = "adafactor"

    def __init__(self, params: Iterable[Any], lr: float = 1e-2, beta2_decay: float = -0.8,
                 eps: tuple[float | None, float] = (None, 1e-3), d: float = 1.0,
                 weight_decay: float = 0.0, *, foreach: bool | None = None,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, beta2_decay=beta2_decay, eps=tuple(eps), d=d,
                                      weight_decay=weight_decay, maximize=maximize))

    def check_group(self, group: dict[str, Any], where: str) -> None:
        """PyTorch's checks of Adafactor's hyperparameters (``ValueError``)."""
        lr, eps = group["lr"], tuple(group["eps"])
        if not 0.0 <= lr:
            raise ValueError(f"Adafactor: Learning rate should be >= 0 but is: {lr} ({where})")
        if not 0.0 >= group["beta2_decay"]:
            raise ValueError(f"Adafactor: beta2_decay should be <= 0 but is: "
                             f"{group['beta2_decay']} ({where})")
        if len(eps) != 2:
            raise ValueError(f"Adafactor: eps must be a pair (epsilon1, epsilon2), got {eps}")
        if eps[0] is not None and not 0.0 <= eps[0]:
            raise ValueError(f"Adafactor: epsilon1 should be >= 0 but is: {eps[0]} ({where})")
        if not 0.0 <= eps[1]:
            raise ValueError(f"Adafactor: epsilon2 should be >= 0 but is: {eps[1]} ({where})")
        if not 1.0 <= group["d"]:
            raise ValueError(f"Adafactor: Clipping threshold d should be >= 1 but is: "
                             f"{group['d']} ({where})")
        if not 0.0 <= group["weight_decay"]:
            raise ValueError(f"Adafactor: weight_decay should be >= 0 but is: "
                             f"{group['weight_decay']} ({where})")

    def update(self, xp, param, grad, state, group):
        return adafactor_update(xp, param, grad, state, **self.hyperparameters(group))


class SparseAdam(Optimizer):
    """PyTorch's ``torch.optim.SparseAdam``, for sparse gradients only. arraygrad's
    gradients are always dense (``nn.Embedding(sparse=True)`` gives dense ones), so
    :meth:`step` raises PyTorch's error for a dense gradient; use :class:`Adam`, which
    gives the same result for dense gradients.

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.nn.Parameter(ag.ones(2))
    >>> opt = ag.optim.SparseAdam([w])
    >>> w.sum().backward()
    >>> try:
    ...     opt.step()
    ... except RuntimeError as e:
    ...     print(str(e)[:40])
    SparseAdam does not support dense gradie
    """

    name = "sparseadam"

    def __init__(self, params: Iterable[Any], lr: float = 1e-3,
                 betas: tuple[float, float] = (0.9, 0.999), eps: float = 1e-8,
                 maximize: bool = False) -> None:
        super().__init__(params, dict(lr=lr, betas=tuple(betas), eps=eps, maximize=maximize))

    def step(self, closure: Callable[[], Any] | None = None, *,
             check_finite: bool | None = None) -> Any:
        """Raise PyTorch's ``RuntimeError`` if a parameter has a (dense) gradient."""
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    raise RuntimeError("SparseAdam does not support dense gradients, please "
                                       "consider Adam instead")
        return loss

    def update(self, xp, param, grad, state, group):
        raise RuntimeError("SparseAdam does not support dense gradients, please consider "
                           "Adam instead")


def _cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                       bounds: tuple[float, float] | None = None) -> float:
    """The minimizer of the cubic through two points with their slopes, within bounds
    (the bisection point when the cubic has no minimum)."""
    if bounds is not None:
        low, high = bounds
    else:
        low, high = (x1, x2) if x1 <= x2 else (x2, x1)
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 * d1 - g1 * g2
    if d2_square >= 0:
        d2 = math.sqrt(d2_square)
        if x1 <= x2:
            pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(pos, low), high)
    return (low + high) / 2.0


def _strong_wolfe(evaluate: Callable[[float], tuple[float, Any, float]], t: float, f: float,
                  g: Any, gtd: float, d_norm: float, c1: float = 1e-4, c2: float = 0.9,
                  tolerance_change: float = 1e-9, max_ls: int = 25
                  ) -> tuple[float, Any, float, int]:
    """A line search for a step ``t`` meeting the strong Wolfe conditions (bracketing, then
    zooming with cubic interpolation, as PyTorch and minFunc do). ``evaluate(t)`` returns
    the loss, flat gradient and directional derivative at ``x + t d``."""
    f_new, g_new, gtd_new = evaluate(t)
    evals = 1
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list[float] = []
    bracket_f: list[float] = []
    bracket_g: list[Any] = []
    bracket_gtd: list[float] = []
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g = [t], [f_new], [g_new]
            done = True
            break
        if gtd_new >= 0:
            bracket, bracket_f = [t_prev, t], [f_prev, f_new]
            bracket_g, bracket_gtd = [g_prev, g_new], [gtd_prev, gtd_new]
            break
        # extrapolate: the next trial lies beyond t, at most ten times as far
        min_step, max_step = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new,
                                          bounds=(min_step, max_step))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new, gtd_new = evaluate(t)
        evals += 1
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
        bracket_gtd = [gtd, gtd_new]
    insuf_progress = False
    low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1],
                               bracket_f[1], bracket_gtd[1])
        # keep the trial away from the bracket's ends unless progress stalls
        eps = 0.1 * (max(bracket) - min(bracket))
        if min(max(bracket) - t, t - min(bracket)) < eps:
            if insuf_progress or t >= max(bracket) or t <= min(bracket):
                t = max(bracket) - eps if abs(t - max(bracket)) < abs(t - min(bracket)) \
                    else min(bracket) + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new, gtd_new = evaluate(t)
        evals += 1
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low_pos]:
            bracket[high_pos], bracket_f[high_pos] = t, f_new
            bracket_g[high_pos], bracket_gtd[high_pos] = g_new, gtd_new
            low_pos, high_pos = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high_pos] - bracket[low_pos]) >= 0:
                bracket[high_pos], bracket_f[high_pos] = bracket[low_pos], bracket_f[low_pos]
                bracket_g[high_pos] = bracket_g[low_pos]
                bracket_gtd[high_pos] = bracket_gtd[low_pos]
            bracket[low_pos], bracket_f[low_pos] = t, f_new
            bracket_g[low_pos], bracket_gtd[low_pos] = g_new, gtd_new
    return bracket_f[low_pos], bracket_g[low_pos], bracket[low_pos], evals


class LBFGS(Optimizer):
    """L-BFGS (PyTorch's algorithm, from minFunc): ``step(closure)`` runs up to
    ``max_iter`` quasi-Newton iterations, re-evaluating the loss with ``closure``;
    ``line_search_fn="strong_wolfe"`` picks each step length by a strong-Wolfe line search.

    It takes a single parameter group and keeps its state (the curvature history, as flat
    vectors over all parameters) under the first parameter.

    Examples
    --------
    >>> import arraygrad as ag
    >>> w = ag.nn.Parameter(ag.tensor([3.0, -2.0], dtype=ag.float64))
    >>> opt = ag.optim.LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad()
    ...     loss = ((w - 1.0) ** 2).sum()
    ...     loss.backward()
    ...     return loss
    >>> _ = opt.step(closure)
    >>> [round(v, 6) for v in w.tolist()]
    [1.0, 1.0]
    """

    name = "lbfgs"

    def __init__(self, params: Iterable[Any], lr: float = 1.0, max_iter: int = 20,
                 max_eval: int | None = None, tolerance_grad: float = 1e-7,
                 tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        super().__init__(params, dict(lr=lr, max_iter=max_iter, max_eval=max_eval,
                                      tolerance_grad=tolerance_grad,
                                      tolerance_change=tolerance_change,
                                      history_size=history_size,
                                      line_search_fn=line_search_fn))
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups); "
                             "pass one list of parameters")
        self._params: list[Tensor] = self.param_groups[0]["params"]

    def check_group(self, group: dict[str, Any], where: str) -> None:
        """Beside the common rules: positive integer ``max_iter``, ``max_eval`` and
        ``history_size``, and ``line_search_fn`` None or ``"strong_wolfe"``."""
        super().check_group(group, where)
        for key in ("max_iter", "max_eval", "history_size"):
            value = group[key]
            if not isinstance(value, int) or isinstance(value, bool) or value < 1:
                raise ValueError(f"LBFGS: invalid {key}={value!r} (must be an integer >= 1; "
                                 f"{where})")
        if group["line_search_fn"] not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got "
                             f"{group['line_search_fn']!r} ({where})")

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """LBFGS takes exactly one parameter group: a second raises ``ValueError``."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def state_shape(self, param: Tensor, key: str) -> tuple[int, ...]:
        """Flat vectors over all parameters (the history and the last direction)."""
        return (sum(p.numel() for p in self._params),)

    def _xp(self) -> Any:
        return self._params[0].backend.xp

    def _flat_grad(self) -> Any:
        xp = self._xp()
        views = []
        for p in self._params:
            g = p.grad
            if g is None:
                views.append(xp.zeros((p.numel(),), dtype=p.array.dtype,
                                      device=getattr(p.array, "device", None)))
            else:
                views.append(xp.reshape(g.array, (-1,)))
        return xp.concat(views)

    def _add_grad(self, t: float, d: Any) -> None:
        xp = self._xp()
        offset = 0
        for p in self._params:
            n = p.numel()
            assign(p, p.array + t * xp.reshape(d[offset:offset + n], p.shape))
            offset += n

    def _dot(self, a: Any, b: Any) -> float:
        return float(self._xp().sum(a * b))

    def _max_abs(self, a: Any) -> float:
        return float(self._xp().max(self._xp().abs(a)))

    def step(self, closure: Callable[[], Any] | None = None, *,
             check_finite: bool | None = None) -> Any:
        """Run up to ``max_iter`` L-BFGS iterations; ``closure`` (required) zeroes the
        gradients, computes the loss, calls ``backward()`` and returns the loss.

        Returns
        -------
        The loss of the first evaluation.
        """
        if closure is None:
            raise TypeError("LBFGS.step requires a closure that re-evaluates the model and "
                            "returns the loss (it evaluates it several times per step)")
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tolerance_grad, tolerance_change = group["tolerance_grad"], group["tolerance_change"]
        history_size = group["history_size"]
        xp = self._xp()
        state = self.state.setdefault(self._params[0], {})
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        def evaluate() -> tuple[Any, float, Any]:
            with enable_grad():
                out = closure()
            flat = self._flat_grad()
            if check_finite or (check_finite is None and self.check_finite):
                if not bool(xp.all(xp.isfinite(flat))):
                    from arraygrad.optim.optimizer import NonFiniteGradientError
                    raise NonFiniteGradientError("LBFGS.step: the closure produced a "
                                                 "non-finite gradient")
            return out, float(out), flat

        with no_grad():
            orig_loss, loss, flat_grad = evaluate()
            current_evals = 1
            state["func_evals"] += 1
            if self._max_abs(flat_grad) <= tolerance_grad:
                return orig_loss
            # The previous step's direction, step size and curvature history (the first
            # iteration overall, n_iter == 1, starts them afresh).
            d: Any = state.get("d")
            t: Any = state.get("t")
            old_dirs: list[Any] = state.get("old_dirs", [])
            old_stps: list[Any] = state.get("old_stps", [])
            ro: list[float] = state.get("ro", [])
            h_diag: float = state.get("H_diag", 1.0)
            prev_flat_grad: Any = state.get("prev_flat_grad")
            prev_loss: Any = state.get("prev_loss")
            n_iter = 0
            while n_iter < max_iter:
                n_iter += 1
                state["n_iter"] += 1
                if state["n_iter"] == 1:
                    d = -flat_grad
                    old_dirs, old_stps, ro, h_diag = [], [], [], 1.0
                else:
                    y = flat_grad - prev_flat_grad
                    s = d * t
                    ys = self._dot(y, s)
                    if ys > 1e-10:  # keep only curvature pairs that keep H positive
                        if len(old_dirs) == history_size:
                            old_dirs.pop(0)
                            old_stps.pop(0)
                            ro.pop(0)
                        old_dirs.append(y)
                        old_stps.append(s)
                        ro.append(1.0 / ys)
                        h_diag = ys / self._dot(y, y)
                    # the two-loop recursion: d = -H grad
                    al = [0.0] * len(old_dirs)
                    q = -flat_grad
                    for i in range(len(old_dirs) - 1, -1, -1):
                        al[i] = self._dot(old_stps[i], q) * ro[i]
                        q = q - al[i] * old_dirs[i]
                    r = q * h_diag
                    for i in range(len(old_dirs)):
                        be_i = self._dot(old_dirs[i], r) * ro[i]
                        r = r + (al[i] - be_i) * old_stps[i]
                    d = r
                prev_flat_grad = xp.asarray(flat_grad, copy=True)
                prev_loss = loss
                if state["n_iter"] == 1:
                    t = min(1.0, 1.0 / float(xp.sum(xp.abs(flat_grad)))) * lr
                else:
                    t = lr
                gtd = self._dot(flat_grad, d)
                if gtd > -tolerance_change:  # not a descent direction
                    break
                ls_evals = 0
                if group["line_search_fn"] == "strong_wolfe":
                    x_init = [xp.asarray(p.array, copy=True) for p in self._params]

                    def along(step: float, direction: Any = d, x_init: list = x_init
                              ) -> tuple[float, Any, float]:
                        self._add_grad(step, direction)
                        _out, f_t, g_t = evaluate()
                        for p, x in zip(self._params, x_init):
                            assign(p, xp.asarray(x, copy=True))
                        return f_t, g_t, self._dot(g_t, direction)

                    loss, flat_grad, t, ls_evals = _strong_wolfe(
                        along, t, loss, flat_grad, gtd, self._max_abs(d),
                        max_ls=max_eval - current_evals)
                    self._add_grad(t, d)
                    opt_cond = self._max_abs(flat_grad) <= tolerance_grad
                else:
                    self._add_grad(t, d)
                    opt_cond = False
                    if n_iter != max_iter:
                        _out, loss, flat_grad = evaluate()
                        opt_cond = self._max_abs(flat_grad) <= tolerance_grad
                        ls_evals = 1
                current_evals += ls_evals
                state["func_evals"] += ls_evals
                if (n_iter == max_iter or current_evals >= max_eval or opt_cond
                        or self._max_abs(d * t) <= tolerance_change
                        or abs(loss - prev_loss) < tolerance_change):
                    break
            state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro,
                         H_diag=h_diag, prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss


@hookimpl
def arraygrad_optimizers() -> dict[str, Callable[..., Any]]:
    """Declare the built-in optimizers."""
    return {cls.name: cls for cls in (SGD, Adam, AdamW, RMSprop, Adagrad, Adadelta, Adamax,
                                      NAdam, RAdam, ASGD, Rprop, LBFGS, Adafactor,
                                      SparseAdam)}
