"""Built-in optimizers (installed as ``arraygrad.plugins.optim``): SGD, Adam, AdamW, RMSprop
and Adagrad, registered through the ``arraygrad_optimizers`` hook like any third party's.

Functional core, stateful shell: each optimizer's arithmetic is one pure update function
over raw backend arrays, ``update(xp, param, grad, state, **hyperparameters) -> (param,
state)``. It uses the array in-place operators (``param -= lr * d``), which change NumPy
(and other mutable) arrays in place and return new arrays on immutable backends (JAX); the
shell rebinds ``param._data`` to the result either way. A backend may supply a faster
``kernels["<name>_update"]`` with the same signature (without ``xp``).

``Optimizer.step`` validates every gradient before touching anything; with
``check_finite=True`` (at construction or per call) a NaN or infinite gradient raises
:class:`NonFiniteGradientError` and leaves every parameter and all optimizer state as
they were.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable
from typing import Any

from arraygrad.grad_mode import enable_grad, no_grad
from arraygrad.hookspecs import hookimpl
from arraygrad.tensor import Tensor, _make

__all__ = ["Optimizer", "SGD", "Adam", "AdamW", "RMSprop", "Adagrad",
           "NonFiniteGradientError", "sgd_update", "adam_update", "rmsprop_update",
           "adagrad_update"]

State = dict[str, Any]


class NonFiniteGradientError(FloatingPointError):
    """A gradient held NaN or infinity and ``check_finite`` was on; nothing was changed."""


# ------------------------------------------------------------------ pure update functions
def sgd_update(xp: Any, param: Any, grad: Any, state: State, *, lr: float, momentum: float,
               dampening: float, weight_decay: float, nesterov: bool, maximize: bool
               ) -> tuple[Any, State]:
    """One SGD step (PyTorch's formulation, momentum buffer in ``state``)."""
    d_p = -grad if maximize else grad
    if weight_decay:
        d_p = d_p + weight_decay * param
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
    g = -grad if maximize else grad
    state = dict(state)
    step = state.get("step", 0) + 1
    if weight_decay:
        if decoupled:
            param *= 1 - lr * weight_decay
        else:
            g = g + weight_decay * param
    exp_avg = state.get("exp_avg")
    exp_avg_sq = state.get("exp_avg_sq")
    if exp_avg is None:
        exp_avg, exp_avg_sq = xp.zeros_like(param), xp.zeros_like(param)
    exp_avg *= beta1
    exp_avg += (1 - beta1) * g
    exp_avg_sq *= beta2
    exp_avg_sq += (1 - beta2) * (g * g)
    bias_correction1 = 1 - beta1 ** step
    bias_correction2_sqrt = math.sqrt(1 - beta2 ** step)
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
    g = -grad if maximize else grad
    if weight_decay:
        g = g + weight_decay * param
    state = dict(state)
    state["step"] = state.get("step", 0) + 1
    square_avg = state.get("square_avg")
    if square_avg is None:
        square_avg = xp.zeros_like(param)
    square_avg *= alpha
    square_avg += (1 - alpha) * (g * g)
    state["square_avg"] = square_avg
    if centered:
        grad_avg = state.get("grad_avg")
        if grad_avg is None:
            grad_avg = xp.zeros_like(param)
        grad_avg *= alpha
        grad_avg += (1 - alpha) * g
        state["grad_avg"] = grad_avg
        avg = xp.sqrt(square_avg - grad_avg * grad_avg) + eps
    else:
        avg = xp.sqrt(square_avg) + eps
    if momentum > 0:
        buf = state.get("momentum_buffer")
        if buf is None:
            buf = xp.zeros_like(param)
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
    g = -grad if maximize else grad
    state = dict(state)
    step = state.get("step", 0) + 1
    if weight_decay:
        g = g + weight_decay * param
    total = state.get("sum")
    if total is None:
        total = xp.full(tuple(param.shape), initial_accumulator_value, dtype=param.dtype,
                        device=getattr(param, "device", None))
    clr = lr / (1 + (step - 1) * lr_decay)
    total += g * g
    param -= clr * (g / (xp.sqrt(total) + eps))
    state.update(step=step, sum=total)
    return param, state


# ------------------------------------------------------------------------- the shell
class Optimizer:
    """Base class: parameter groups, state, ``step``, ``zero_grad`` and state dicts.

    A subclass sets ``name`` (its registry name and kernel prefix) and implements
    :meth:`update` (usually one call of a pure update function).

    Parameters
    ----------
    params : iterable of Parameters, or of dicts (parameter groups)
        Each group dict has ``"params"`` and may override any hyperparameter.
    defaults : dict
        Hyperparameters for groups that don't set them.
    check_finite : bool
        Refuse (raise :class:`NonFiniteGradientError`, change nothing) a step whose
        gradients hold NaN or infinity.
    """

    name = "optimizer"

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any], *,
                 check_finite: bool = False) -> None:
        self.defaults = dict(defaults)
        self.check_finite = check_finite
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, State] = {}
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of tensors or "
                            f"of dicts, not a single Tensor; wrap it in a list")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list; pass "
                             f"model.parameters() (is the model empty, or was the iterator "
                             f"already consumed?)")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters."""
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{type(self).__name__}: a parameter group must be a dict with a "
                            f"'params' entry, got {type(group).__name__}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: a parameter group has no parameters")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameter {i} of group "
                                f"{len(self.param_groups)} is a {type(p).__name__}, not a "
                                f"Tensor")
            if p.dtype.kind not in "fc":
                raise TypeError(f"{type(self).__name__}: can only optimize floating-point "
                                f"tensors, but parameter {i} of group {len(self.param_groups)}"
                                f" has dtype {p.dtype.name} (shape {p.shape})")
            if p._node is not None:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf tensor "
                                 f"(parameter {i}, shape {p.shape}); pass leaves")
            if id(p) in seen:
                raise ValueError(f"{type(self).__name__}: parameter {i} (shape {p.shape}) "
                                 f"appears in more than one parameter group")
            seen.add(id(p))
        full = dict(self.defaults)
        full.update({k: v for k, v in group.items() if k != "params"})
        full["params"] = params
        self._validate(full)
        self.param_groups.append(full)

    def _validate(self, group: dict[str, Any]) -> None:
        lr = group.get("lr")
        if not isinstance(lr, (int, float)) or lr < 0:
            raise ValueError(f"{type(self).__name__}: invalid learning rate {lr!r} (must be a "
                             f"number >= 0)")
        for key in ("eps", "weight_decay", "momentum", "lr_decay"):
            if key in group and group[key] < 0:
                raise ValueError(f"{type(self).__name__}: invalid {key} {group[key]} "
                                 f"(must be >= 0)")
        betas = group.get("betas")
        if betas is not None and not all(0.0 <= b < 1.0 for b in betas):
            raise ValueError(f"{type(self).__name__}: invalid betas {betas} (each in [0, 1))")

    # ----------------------------------------------------------------- stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default), else to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad = None if set_to_none else _make(
                        p._backend.xp.zeros_like(p.grad._data), p._backend, None)

    def update(self, xp: Any, param: Any, grad: Any, state: State, group: dict[str, Any]
               ) -> tuple[Any, State]:
        """The arithmetic of one step for one parameter (raw arrays in and out)."""
        raise NotImplementedError(f"{type(self).__name__} must implement update()")

    def _pending(self) -> list[tuple[dict[str, Any], Tensor, Any, int, int]]:
        """Every (group, param, raw grad), validated, before anything is changed."""
        work = []
        for gi, group in enumerate(self.param_groups):
            for pi, p in enumerate(group["params"]):
                g = p.grad
                if g is None:
                    continue
                if g._backend is not p._backend or g.shape != p.shape:
                    raise ValueError(
                        f"{type(self).__name__}.step: the gradient of parameter {pi} in group "
                        f"{gi} has shape {g.shape} on backend {g._backend.name!r}, but the "
                        f"parameter has shape {p.shape} on {p._backend.name!r}")
                data = g._data
                if data.dtype != p._data.dtype:
                    data = p._backend.xp.astype(data, p._data.dtype)
                work.append((group, p, data, gi, pi))
        return work

    def _check_finite(self, work: list) -> None:
        bad = []
        for _group, p, g, gi, pi in work:
            xp = p._backend.xp
            finite = xp.isfinite(g)
            if not bool(xp.all(finite)):
                count = int(xp.sum(xp.astype(xp.logical_not(finite), xp.int64)))
                bad.append(f"parameter {pi} of group {gi} (shape {p.shape}): {count} "
                           f"non-finite value(s)")
        if bad:
            raise NonFiniteGradientError(
                f"{type(self).__name__}.step: refusing a step with non-finite gradients ("
                + "; ".join(bad) + "). No parameter or optimizer state was changed. Lower the "
                "learning rate, clip gradients, or check the loss for overflow.")

    def step(self, closure: Callable[[], Any] | None = None, *,
             check_finite: bool | None = None) -> Any:
        """Apply one update to every parameter that has a gradient.

        Parameters
        ----------
        closure : callable, optional
            Re-evaluates the model and returns the loss (called with grad enabled).
        check_finite : bool, optional
            Overrides the constructor's ``check_finite`` for this step.

        Returns
        -------
        The closure's loss, or None.
        """
        loss = None
        if closure is not None:
            with enable_grad():
                loss = closure()
        work = self._pending()
        if self.check_finite if check_finite is None else check_finite:
            self._check_finite(work)
        with no_grad():
            for group, p, g, _gi, _pi in work:
                self._apply(group, p, g)
        return loss

    def _apply(self, group: dict[str, Any], p: Tensor, g: Any) -> None:
        be = p._backend
        data = p._data
        if be.mutable and not _writable(data):
            data = be.xp.asarray(data, copy=True)
        state = self.state.get(p, {})
        kernel = be.kernels.get(f"{self.name}_update")
        if kernel is not None:
            new, new_state = kernel(data, g, state, **self.hyperparameters(group))
        else:
            new, new_state = self.update(be.xp, data, g, state, group)
        p._data = new
        self.state[p] = new_state
        p._bump_version()

    def hyperparameters(self, group: dict[str, Any]) -> dict[str, Any]:
        """The keyword arguments of this optimizer's update function for ``group`` (its
        defaults' keys; extra keys that schedulers add, such as ``initial_lr``, are left out)."""
        return {k: group[k] for k in self.defaults}

    # ----------------------------------------------------------------- state dicts
    def state_dict(self) -> dict[str, Any]:
        """``{"state": {index: {...}}, "param_groups": [...]}`` with parameters as indices
        (in group order), state arrays as Tensors (copies), numbers as numbers."""
        index: dict[int, int] = {}
        groups = []
        for group in self.param_groups:
            entry = {k: (list(v) if isinstance(v, tuple) else v) for k, v in group.items()
                     if k != "params"}
            entry["params"] = []
            for p in group["params"]:
                index.setdefault(id(p), len(index))
                entry["params"].append(index[id(p)])
            groups.append(entry)
        state = {}
        for group in self.param_groups:
            for p in group["params"]:
                if p in self.state:
                    state[index[id(p)]] = {
                        k: (_make(p._backend.xp.asarray(v, copy=True), p._backend, None)
                            if hasattr(v, "shape") else v)
                        for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state saved by :meth:`state_dict` (for the same parameters, in order).

        Everything is checked first; on error nothing changes.
        """
        from arraygrad.nn.module import StateDictError, _converted

        groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        saved_state = state_dict.get("state", {}) if isinstance(state_dict, dict) else None
        if groups is None or not isinstance(saved_state, dict):
            raise StateDictError(f"{type(self).__name__}.load_state_dict: expected a dict with "
                                 f"'state' and 'param_groups'")
        if len(groups) != len(self.param_groups):
            raise StateDictError(f"{type(self).__name__}.load_state_dict: the state dict has "
                                 f"{len(groups)} parameter groups, the optimizer "
                                 f"{len(self.param_groups)}")
        by_index: dict[int, Tensor] = {}
        for gi, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if len(saved["params"]) != len(group["params"]):
                raise StateDictError(
                    f"{type(self).__name__}.load_state_dict: group {gi} has "
                    f"{len(saved['params'])} parameters in the state dict but "
                    f"{len(group['params'])} in the optimizer")
            for idx, p in zip(saved["params"], group["params"]):
                by_index[int(idx)] = p
        new_state: dict[Tensor, State] = {}
        problems = []
        for key, entries in saved_state.items():
            p = by_index.get(int(key))
            if p is None:
                problems.append(f"state for unknown parameter index {key}")
                continue
            converted = {}
            for name, value in entries.items():
                if hasattr(value, "shape"):
                    if tuple(value.shape) != p.shape:
                        problems.append(f"parameter {key} {name}: shape {tuple(value.shape)} "
                                        f"but the parameter has shape {p.shape}")
                        continue
                    value = _converted(value, p)._data
                converted[name] = value
            new_state[p] = converted
        if problems:
            raise StateDictError(f"{type(self).__name__}.load_state_dict: "
                                 + "; ".join(problems) + ". Nothing was loaded.")
        for saved, group in zip(groups, self.param_groups):
            for k, v in saved.items():
                if k != "params":
                    group[k] = tuple(v) if isinstance(group.get(k), tuple) else v
        self.state = new_state

    def __repr__(self) -> str:
        lines = [f"{type(self).__name__} ("]
        for i, group in enumerate(self.param_groups):
            lines.append(f"Parameter Group {i}")
            for k in sorted(group):
                if k != "params":
                    lines.append(f"    {k}: {group[k]}")
        lines.append(")")
        return "\n".join(lines)


def _writable(data: Any) -> bool:
    flags = getattr(data, "flags", None)
    return flags is None or flags.writeable


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


@hookimpl
def arraygrad_optimizers() -> dict[str, Callable[..., Any]]:
    """Declare the built-in optimizers."""
    return {"sgd": SGD, "adam": Adam, "adamw": AdamW, "rmsprop": RMSprop, "adagrad": Adagrad}
