"""The optimizer shell: parameter groups, state, ``step``, ``zero_grad``, state dicts.

Functional core, stateful shell: a named optimizer (from the built-in ``optim`` plugin or a
third party's) subclasses :class:`Optimizer`, sets ``name`` and implements :meth:`update`,
usually one call of a pure function over raw backend arrays::

    update(xp, param, grad, state, group) -> (new_param, new_state)

The shell validates every gradient before touching anything, runs the updates under
``no_grad`` and writes each result with :func:`arraygrad.extend.assign` (which bumps the
parameter's version counter). A backend may supply a faster ``kernels["<name>_update"]``
taking ``(param, grad, state, **hyperparameters)``. Only public API is used here:
``Tensor.array``, ``.backend``, ``.grad_fn`` and :mod:`arraygrad.extend`.
"""

from __future__ import annotations

import inspect
import math
from collections.abc import Callable, Iterable
from typing import Any, TypeGuard

from arraygrad.extend import assign, make_tensor
from arraygrad.grad_mode import enable_grad, no_grad
from arraygrad.tensor import Tensor

__all__ = ["Optimizer", "NonFiniteGradientError", "State"]

State = dict[str, Any]

# Hyperparameters every optimizer checks the same way (PyTorch's rules): the name, the
# allowed range, and how to say it. A NaN fails every range.
_RANGES: dict[str, tuple[Callable[[float], bool], str]] = {
    "lr": (lambda v: v >= 0.0, ">= 0"),
    "eps": (lambda v: v >= 0.0, ">= 0"),
    "weight_decay": (lambda v: v >= 0.0, ">= 0"),
    "momentum": (lambda v: v >= 0.0, ">= 0"),
    "lr_decay": (lambda v: v >= 0.0, ">= 0"),
    "dampening": (lambda v: math.isfinite(v), "finite"),
    "momentum_decay": (lambda v: v >= 0.0, ">= 0"),
    "rho": (lambda v: 0.0 <= v <= 1.0, "in [0, 1]"),
}


class NonFiniteGradientError(FloatingPointError):
    """A gradient held NaN or infinity and ``check_finite`` was on; nothing was changed."""


def _is_number(value: Any) -> TypeGuard[float]:
    return isinstance(value, (int, float)) and not isinstance(value, bool)


class Optimizer:
    """Base class: parameter groups, state, ``step``, ``zero_grad`` and state dicts.

    A subclass sets ``name`` (its registry name and kernel prefix) and implements
    :meth:`update` (usually one call of a pure update function); a subclass with its own
    checks overrides :meth:`check_group` (and calls ``super().check_group``).

    Parameters
    ----------
    params : iterable of Parameters, or of dicts (parameter groups)
        Each group dict has ``"params"`` and may override any hyperparameter.
    defaults : dict
        Hyperparameters for groups that don't set them.
    check_finite : bool
        Refuse (raise :class:`NonFiniteGradientError`, change nothing) a step whose
        gradients hold NaN or infinity.

    Examples
    --------
    >>> import arraygrad as ag
    >>> class SignSGD(ag.optim.Optimizer):
    ...     name = "signsgd"
    ...     def __init__(self, params, lr=0.1):
    ...         super().__init__(params, {"lr": lr})
    ...     def update(self, xp, param, grad, state, group):
    ...         return param - group["lr"] * xp.sign(grad), state
    >>> w = ag.nn.Parameter(ag.tensor([1.0, -1.0]))
    >>> opt = SignSGD([w], lr=0.25)
    >>> (w * 3.0).sum().backward()
    >>> opt.step()
    >>> w.tolist()
    [0.75, -1.25]
    """

    name = "optimizer"

    def __init__(self, params: Iterable[Any], defaults: dict[str, Any], *,
                 check_finite: bool = False) -> None:
        self.defaults = dict(defaults)
        self.check_finite = check_finite
        # the kind each hyperparameter must have: the constructor's own default where it
        # declares one (so a bad value given to the constructor is caught too)
        declared = {name: p.default for name, p in
                    inspect.signature(type(self).__init__).parameters.items()
                    if p.default is not inspect.Parameter.empty}
        self._kinds = {k: declared.get(k, v) for k, v in self.defaults.items()}
        self.param_groups: list[dict[str, Any]] = []
        self.state: dict[Tensor, State] = {}
        if isinstance(params, Tensor):
            raise TypeError(f"{type(self).__name__}: params must be an iterable of tensors or "
                            f"of dicts, not a single Tensor; wrap it in a list")
        self.check_group(dict(self.defaults), "the constructor")
        groups = list(params)
        if not groups:
            raise ValueError(f"{type(self).__name__} got an empty parameter list; pass "
                             f"model.parameters() (is the model empty, or was the iterator "
                             f"already consumed?)")
        if not isinstance(groups[0], dict):
            groups = [{"params": groups}]
        for group in groups:
            self.add_param_group(group)

    def add_param_group(self, param_group: dict[str, Any]) -> None:
        """Add a group of parameters with its own hyperparameters (the others default to
        the constructor's); it is checked completely before it is added."""
        group = param_group
        where = f"parameter group {len(self.param_groups)}"
        if not isinstance(group, dict) or "params" not in group:
            raise TypeError(f"{type(self).__name__}: a parameter group must be a dict with a "
                            f"'params' entry, got {type(group).__name__}")
        params = group["params"]
        params = [params] if isinstance(params, Tensor) else list(params)
        if not params:
            raise ValueError(f"{type(self).__name__}: {where} has no parameters")
        seen = {id(p) for g in self.param_groups for p in g["params"]}
        for i, p in enumerate(params):
            if not isinstance(p, Tensor):
                raise TypeError(f"{type(self).__name__}: parameter {i} of {where} is a "
                                f"{type(p).__name__}, not a Tensor")
            if p.dtype.kind not in "fc":
                raise TypeError(f"{type(self).__name__}: can only optimize floating-point "
                                f"tensors, but parameter {i} of {where} has dtype "
                                f"{p.dtype.name} (shape {p.shape})")
            if p.grad_fn is not None:
                raise ValueError(f"{type(self).__name__}: can't optimize a non-leaf tensor "
                                 f"(parameter {i} of {where}, shape {p.shape}); pass leaves")
            if id(p) in seen:
                raise ValueError(f"{type(self).__name__}: parameter {i} of {where} (shape "
                                 f"{p.shape}) appears in more than one parameter group")
            seen.add(id(p))
        full = dict(self.defaults)
        full.update({k: v for k, v in group.items() if k != "params"})
        self.check_group(full, where)
        full["params"] = params
        self.param_groups.append(full)

    def check_group(self, group: dict[str, Any], where: str) -> None:
        """Raise ``ValueError``/``TypeError`` naming the optimizer, ``where`` and the
        argument if a hyperparameter of ``group`` is invalid.

        Every hyperparameter must have the kind of its default (a number, a bool, a pair);
        ``lr``, ``eps``, ``weight_decay``, ``momentum``... must be in PyTorch's ranges, and
        each of ``betas`` in [0, 1).
        """
        cls = type(self).__name__
        for key, default in self._kinds.items():
            if key not in group:
                raise ValueError(f"{cls}: {where} has no {key!r}")
            value = group[key]
            if isinstance(default, bool):
                if not isinstance(value, bool):
                    raise TypeError(f"{cls}: {key} must be True or False, got {value!r} "
                                    f"({where})")
            elif _is_number(default):
                if not _is_number(value):
                    raise TypeError(f"{cls}: {key} must be a number, got {value!r} "
                                    f"({type(value).__name__}, {where})")
            elif isinstance(default, tuple):
                if (not isinstance(value, (tuple, list)) or len(value) != len(default)
                        or not all(_is_number(v) for v in value)):
                    raise TypeError(f"{cls}: {key} must be a tuple of {len(default)} numbers, "
                                    f"got {value!r} ({where})")
        for key, (ok, rule) in _RANGES.items():
            value = group.get(key)
            if _is_number(value) and not ok(value):
                name = "learning rate lr" if key == "lr" else key
                raise ValueError(f"{cls}: invalid {name}={value!r} (must be {rule}; {where})")
        betas = group.get("betas")
        if isinstance(betas, (tuple, list)):
            for i, b in enumerate(betas):
                if _is_number(b) and not 0.0 <= b < 1.0:
                    raise ValueError(f"{cls}: invalid beta parameter at index {i}: betas="
                                     f"{tuple(betas)!r} (each must be in [0, 1); {where})")

    # ----------------------------------------------------------------- stepping
    def zero_grad(self, set_to_none: bool = True) -> None:
        """Reset every parameter's gradient: to None (default), else to zeros."""
        for group in self.param_groups:
            for p in group["params"]:
                if p.grad is not None:
                    p.grad = None if set_to_none else make_tensor(
                        p.backend.xp.zeros_like(p.grad.array), p.backend)

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
                if g.backend is not p.backend or g.shape != p.shape:
                    raise ValueError(
                        f"{type(self).__name__}.step: the gradient of parameter {pi} in group "
                        f"{gi} has shape {g.shape} on backend {g.backend.name!r}, but the "
                        f"parameter has shape {p.shape} on {p.backend.name!r}")
                data = g.array
                if data.dtype != p.array.dtype:
                    data = p.backend.xp.astype(data, p.array.dtype)
                work.append((group, p, data, gi, pi))
        return work

    def _check_finite(self, work: list) -> None:
        bad = []
        for _group, p, g, gi, pi in work:
            xp = p.backend.xp
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
        be = p.backend
        data = p.array
        if be.mutable and not _writable(data):
            data = be.xp.asarray(data, copy=True)
        held = self.state.get(p)
        # the update functions see raw arrays; the state holds Tensors (as PyTorch's)
        state = {k: v.array if isinstance(v, Tensor) else v for k, v in held.items()} \
            if held else {}
        kernel = be.kernels.get(f"{self.name}_update")
        if kernel is not None:
            new, new_state = kernel(data, g, state, **self.hyperparameters(group))
        else:
            new, new_state = self.update(be.xp, data, g, state, group)
        assign(p, new)
        self.state[p] = _as_tensors(new_state, held, be)

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
                    state[index[id(p)]] = {k: _export(v, p) for k, v in self.state[p].items()}
        return {"state": state, "param_groups": groups}

    def state_shape(self, param: Tensor, key: str) -> tuple[int, ...]:
        """The shape every state array ``key`` of ``param`` has (its shape; an optimizer
        with other state, such as LBFGS's flat history, overrides this)."""
        return param.shape

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore state saved by :meth:`state_dict` (for the same parameters, in order).

        Everything is checked first (the number of groups and of parameters in each, every
        hyperparameter as the constructor checks it, the shape of every state array); on
        error a ``StateDictError`` (a ``ValueError``) is raised and nothing changes.
        """
        from arraygrad.nn.module import StateDictError

        cls = type(self).__name__
        groups = state_dict.get("param_groups") if isinstance(state_dict, dict) else None
        saved_state = state_dict.get("state", {}) if isinstance(state_dict, dict) else None
        if not isinstance(groups, (list, tuple)) or not isinstance(saved_state, dict):
            raise StateDictError(f"{cls}.load_state_dict: expected a dict with 'state' (a "
                                 f"dict) and 'param_groups' (a list)")
        if len(groups) != len(self.param_groups):
            raise StateDictError(f"{cls}.load_state_dict: the state dict has {len(groups)} "
                                 f"parameter groups, the optimizer {len(self.param_groups)}")
        by_index: dict[int, Tensor] = {}
        new_groups = []
        for gi, (saved, group) in enumerate(zip(groups, self.param_groups)):
            if not isinstance(saved, dict) or not isinstance(saved.get("params"),
                                                             (list, tuple)):
                raise StateDictError(f"{cls}.load_state_dict: parameter group {gi} must be a "
                                     f"dict with a 'params' list")
            if len(saved["params"]) != len(group["params"]):
                raise StateDictError(
                    f"{cls}.load_state_dict: group {gi} has {len(saved['params'])} "
                    f"parameters in the state dict but {len(group['params'])} in the optimizer")
            for idx, p in zip(saved["params"], group["params"]):
                if not _is_number(idx) or int(idx) != idx:
                    raise StateDictError(f"{cls}.load_state_dict: group {gi} lists parameter "
                                         f"index {idx!r}, not an integer")
                by_index[int(idx)] = p
            merged = dict(group)
            for k, v in saved.items():
                if k != "params":
                    merged[k] = tuple(v) if isinstance(group.get(k), tuple) else v
            try:
                self.check_group(merged, f"parameter group {gi} of the state dict")
            except (TypeError, ValueError) as exc:
                raise StateDictError(f"{cls}.load_state_dict: {exc}. Nothing was loaded."
                                     ) from None
            new_groups.append(merged)
        new_state: dict[Tensor, State] = {}
        problems = []
        for key, entries in saved_state.items():
            p = by_index.get(int(key)) if _is_number(key) or str(key).isdigit() else None
            if p is None:
                problems.append(f"state for unknown parameter index {key!r}")
                continue
            if not isinstance(entries, dict):
                problems.append(f"state of parameter {key} is a {type(entries).__name__}, "
                                f"not a dict")
                continue
            converted = {}
            for name, value in entries.items():
                try:
                    converted[name] = _import(value, p, self.state_shape(p, name))
                except ValueError as exc:
                    problems.append(f"parameter {key} {name}: {exc}")
            new_state[p] = _as_tensors(converted, None, p.backend)
        if problems:
            raise StateDictError(f"{cls}.load_state_dict: " + "; ".join(problems)
                                 + ". Nothing was loaded.")
        for group, merged in zip(self.param_groups, new_groups):
            group.update(merged)
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


def _is_array(value: Any) -> bool:
    """A raw backend array (not a Tensor, not a Python or NumPy float)."""
    return hasattr(value, "shape") and not isinstance(value, (Tensor, int, float, bool))


def _as_tensors(new: State, held: State | None, backend: Any) -> State:
    """``new`` with each raw array held by a Tensor: the Tensor already held under that
    key (its array replaced, its version bumped, as PyTorch's in-place update), or a new
    one. Numbers, lists and Tensors stay as they are."""
    out = new  # a fresh dict from the update function (it never keeps ``state``'s)
    for k, v in list(new.items()):
        if _is_array(v):
            old = held.get(k) if held else None
            if isinstance(old, Tensor):
                if old.array is v:  # updated in place (a mutable backend): nothing to do
                    out[k] = old
                    continue
                if tuple(old.shape) == tuple(v.shape):
                    assign(old, v)
                    out[k] = old
                    continue
            out[k] = make_tensor(v, backend)
    return out


def _export(value: Any, p: Tensor) -> Any:
    """A state value for a state dict: arrays become Tensor copies, lists are walked."""
    if isinstance(value, Tensor):
        value = value.array
    if hasattr(value, "shape"):
        return make_tensor(p.backend.xp.asarray(value, copy=True), p.backend)
    if isinstance(value, (list, tuple)):
        return [_export(v, p) for v in value]
    return value


def _import(value: Any, p: Tensor, shape: tuple[int, ...]) -> Any:
    """A state-dict value back on ``p``'s backend, device and dtype; ValueError if its
    shape is neither ``shape`` nor a scalar, or it is neither an array nor a number."""
    from arraygrad.creation import asarray

    if hasattr(value, "shape"):
        if tuple(value.shape) not in (shape, ()):
            raise ValueError(f"shape {tuple(value.shape)}, but it must have shape {shape}")
        src = value.detach() if isinstance(value, Tensor) else value
        return asarray(src, backend=p.backend, device=p.device, dtype=p.dtype,
                       copy=True).array
    if isinstance(value, (list, tuple)):
        return [_import(v, p, shape) for v in value]
    if value is None or isinstance(value, (int, float, bool)):
        return value
    raise ValueError(f"a {type(value).__name__} ({value!r:.40}) is neither an array nor a "
                     f"number")
