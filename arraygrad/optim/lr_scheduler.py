"""``arraygrad.optim.lr_scheduler``: learning-rate schedules (PyTorch's
``torch.optim.lr_scheduler``), part of the core: they work with any optimizer, built-in or
a plugin's.

As in PyTorch, most schedules are *chainable*: ``get_lr`` derives the next rate from the
group's current ``lr``, so several schedulers on one optimizer compose
(:class:`ChainedScheduler`), and :class:`SequentialLR` switches between them at milestones.
Those with a closed form also take ``step(epoch)``. Call ``scheduler.step()`` after
``optimizer.step()`` (:class:`ReduceLROnPlateau`: ``scheduler.step(val_loss)``).

Examples
--------
>>> import arraygrad as ag
>>> w = ag.nn.Parameter(ag.zeros(1))
>>> opt = ag.optim.SGD([w], lr=1.0)
>>> sched = ag.optim.lr_scheduler.MultiStepLR(opt, milestones=[2, 4], gamma=0.5)
>>> lrs = []
>>> for _ in range(5):
...     opt.step()
...     sched.step()
...     lrs.append(sched.get_last_lr()[0])
>>> lrs
[1.0, 0.5, 0.5, 0.25, 0.25]
"""

from __future__ import annotations

import math
import types
from bisect import bisect_right
from collections import Counter
from collections.abc import Callable, Sequence
from typing import Any

__all__ = ["LRScheduler", "StepLR", "MultiStepLR", "ConstantLR", "LinearLR", "ExponentialLR",
           "PolynomialLR", "CosineAnnealingLR", "LambdaLR", "MultiplicativeLR",
           "CosineAnnealingWarmRestarts", "CyclicLR", "OneCycleLR", "SequentialLR",
           "ChainedScheduler", "ReduceLROnPlateau"]


def _group_lrs(optimizer: Any) -> list[float]:
    return [group["lr"] for group in optimizer.param_groups]


def _per_group(name: str, optimizer: Any, value: Any, cls: str) -> list[Any]:
    n = len(optimizer.param_groups)
    if isinstance(value, (list, tuple)):
        if len(value) != n:
            raise ValueError(f"{cls}: {name} has {len(value)} values but the optimizer has {n} "
                             f"parameter groups; give one per group or a single value")
        return list(value)
    return [value] * n


def _same_kind(old: Any, new: Any) -> bool:
    """Whether a loaded state value ``new`` may replace ``old``."""
    if isinstance(old, bool) or old is None:
        return isinstance(new, bool) or old is None
    if isinstance(old, (int, float)):
        return isinstance(new, (int, float)) and not isinstance(new, bool) and (
            new == new or old != old)  # NaN only where NaN was
    if isinstance(old, (list, tuple)):
        return (isinstance(new, (list, tuple)) and len(new) == len(old)
                and all(_same_kind(a, b) for a, b in zip(old, new)))
    if isinstance(old, dict):
        return isinstance(new, dict)
    return isinstance(new, type(old))


class LRScheduler:
    """Base class: a subclass implements :meth:`get_lr` (the rates of the step that
    :attr:`last_epoch` now names, usually from the groups' current ``lr``) and, when the
    schedule has one, ``_get_closed_form_lr`` (used by ``step(epoch)``).

    Parameters
    ----------
    optimizer : Optimizer
        Any object with ``param_groups`` (and ``defaults``), e.g. ``ag.optim.SGD``.
    last_epoch : int
        The index of the last step taken; -1 starts the schedule (and records each group's
        ``initial_lr``), a larger value resumes it.
    """

    _is_initial = False

    def __init__(self, optimizer: Any, last_epoch: int = -1) -> None:
        if not hasattr(optimizer, "param_groups"):
            raise TypeError(f"{type(self).__name__}: expected an optimizer, got "
                            f"{type(optimizer).__name__}")
        self.optimizer = optimizer
        if last_epoch == -1:
            for group in optimizer.param_groups:
                group.setdefault("initial_lr", group["lr"])
        else:
            for i, group in enumerate(optimizer.param_groups):
                if "initial_lr" not in group:
                    raise KeyError(f"{type(self).__name__}: param group {i} has no "
                                   f"'initial_lr'; resuming (last_epoch={last_epoch}) needs a "
                                   f"group that a scheduler already started")
        self.base_lrs = [group["initial_lr"] for group in optimizer.param_groups]
        self.last_epoch = last_epoch
        self._last_lr: list[float] = []
        self._initial_step()

    def _initial_step(self) -> None:
        self._step_count = 0
        self._is_initial = True
        try:
            self.step()
        finally:
            del self._is_initial  # back to the class's False (and out of state_dict)

    def get_lr(self) -> list[float]:
        """The learning rate of every group at step :attr:`last_epoch`."""
        raise NotImplementedError(f"{type(self).__name__} must implement get_lr()")

    def step(self, epoch: int | None = None) -> None:
        """Advance one step (one epoch or one batch, as the schedule is defined); with
        ``epoch``, jump to that step (the closed form where the schedule has one)."""
        self._step_count += 1
        self._update_lr(epoch)

    def _update_lr(self, epoch: int | None) -> None:
        if epoch is None:
            self.last_epoch += 1
            values = self.get_lr()
        else:
            self.last_epoch = epoch
            closed = getattr(self, "_get_closed_form_lr", None)
            values = closed() if closed is not None else self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, values):
            group["lr"] = lr
        self._last_lr = _group_lrs(self.optimizer)

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last :meth:`step`."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (and functions, which can't be saved)."""
        return {k: v for k, v in self.__dict__.items()
                if k != "optimizer" and not callable(v)}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict`; every entry is checked first (known key, value of
        the same kind and length as now) and on error nothing changes."""
        cls = type(self).__name__
        if not isinstance(state_dict, dict):
            raise TypeError(f"{cls}.load_state_dict: expected a dict, got "
                            f"{type(state_dict).__name__}")
        current = self.state_dict()
        problems = []
        for key, value in state_dict.items():
            if key not in current:
                problems.append(f"unknown entry {key!r}")
            elif not _same_kind(current[key], value):
                problems.append(f"{key}={value!r:.60} does not fit (now {current[key]!r:.60})")
        if problems:
            raise ValueError(f"{cls}.load_state_dict: " + "; ".join(problems)
                             + ". Nothing was loaded.")
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` steps."""

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if not isinstance(step_size, int) or step_size < 1:
            raise ValueError(f"StepLR: step_size must be an integer >= 1, got {step_size!r}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates, times ``gamma`` at each multiple of ``step_size``."""
        if self.last_epoch == 0 or self.last_epoch % self.step_size != 0:
            return _group_lrs(self.optimizer)
        return [lr * self.gamma for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** (self.last_epoch // self.step_size)
                for base in self.base_lrs]


class MultiStepLR(LRScheduler):
    """Multiply the rate by ``gamma`` at each of the ``milestones`` (step indices; a
    repeated milestone multiplies as often as it appears)."""

    def __init__(self, optimizer: Any, milestones: Sequence[int], gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        self.milestones = Counter(milestones)
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates, times ``gamma ** count`` at a milestone."""
        if self.last_epoch not in self.milestones:
            return _group_lrs(self.optimizer)
        return [lr * self.gamma ** self.milestones[self.last_epoch]
                for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:
        milestones = sorted(self.milestones.elements())
        return [base * self.gamma ** bisect_right(milestones, self.last_epoch)
                for base in self.base_lrs]

    def state_dict(self) -> dict[str, Any]:
        """As the base class, with the milestones as a ``{step: count}`` dict."""
        out = super().state_dict()
        out["milestones"] = dict(self.milestones)
        return out

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As the base class (milestones given as a dict or a Counter)."""
        super().load_state_dict(state_dict)
        self.milestones = Counter(self.milestones)


class ConstantLR(LRScheduler):
    """Multiply the rate by ``factor`` for the first ``total_iters`` steps."""

    def __init__(self, optimizer: Any, factor: float = 1.0 / 3, total_iters: int = 5,
                 last_epoch: int = -1) -> None:
        if not 0 <= factor <= 1:
            raise ValueError(f"ConstantLR: factor must be in [0, 1], got {factor!r}")
        self.factor = factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """``lr * factor`` at step 0, ``lr / factor`` at ``total_iters``, else ``lr``."""
        if self.last_epoch == 0:
            return [lr * self.factor for lr in _group_lrs(self.optimizer)]
        if self.last_epoch != self.total_iters:
            return _group_lrs(self.optimizer)
        return [lr * (1.0 / self.factor) for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (self.factor + (self.last_epoch >= self.total_iters) * (1 - self.factor))
                for base in self.base_lrs]


class LinearLR(LRScheduler):
    """Scale the rate linearly from ``start_factor`` to ``end_factor`` over
    ``total_iters`` steps, then hold (a warm-up)."""

    def __init__(self, optimizer: Any, start_factor: float = 1.0 / 3, end_factor: float = 1.0,
                 total_iters: int = 5, last_epoch: int = -1) -> None:
        if not 0 < start_factor <= 1 or not 0 <= end_factor <= 1:
            raise ValueError(f"LinearLR: start_factor must be in (0, 1] and end_factor in "
                             f"[0, 1], got {start_factor} and {end_factor}")
        self.start_factor = start_factor
        self.end_factor = end_factor
        self.total_iters = total_iters
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates, moved one step along the line."""
        lrs = _group_lrs(self.optimizer)
        if self.last_epoch == 0:
            return [lr * self.start_factor for lr in lrs]
        if self._is_initial or self.last_epoch > self.total_iters:
            return lrs
        span = self.end_factor - self.start_factor
        ratio = 1.0 + span / (self.total_iters * self.start_factor
                              + (self.last_epoch - 1) * span)
        return [lr * ratio for lr in lrs]

    def _get_closed_form_lr(self) -> list[float]:
        frac = min(self.total_iters, self.last_epoch) / self.total_iters
        return [base * (self.start_factor + (self.end_factor - self.start_factor) * frac)
                for base in self.base_lrs]


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every step."""

    def __init__(self, optimizer: Any, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates times ``gamma``."""
        if self._is_initial:
            return _group_lrs(self.optimizer)
        return [lr * self.gamma for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * self.gamma ** self.last_epoch for base in self.base_lrs]


class PolynomialLR(LRScheduler):
    """Decay the rate to 0 over ``total_iters`` steps as ``(1 - t / total_iters) ** power``."""

    def __init__(self, optimizer: Any, total_iters: int = 5, power: float = 1.0,
                 last_epoch: int = -1) -> None:
        if not isinstance(total_iters, int) or total_iters < 1:
            raise ValueError(f"PolynomialLR: total_iters must be an integer >= 1, got "
                             f"{total_iters!r}")
        self.total_iters = total_iters
        self.power = power
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates times this step's decay factor."""
        if self._is_initial or self.last_epoch > self.total_iters:
            return _group_lrs(self.optimizer)
        factor = ((1.0 - self.last_epoch / self.total_iters)
                  / (1.0 - (self.last_epoch - 1) / self.total_iters)) ** self.power
        return [lr * factor for lr in _group_lrs(self.optimizer)]

    def _get_closed_form_lr(self) -> list[float]:
        return [base * (1.0 - min(self.total_iters, self.last_epoch) / self.total_iters)
                ** self.power for base in self.base_lrs]


class CosineAnnealingLR(LRScheduler):
    """Cosine from the initial rate down to ``eta_min`` over ``T_max`` steps (and back up
    over the next ``T_max``, as PyTorch's recursive form)."""

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be >= 1, got {T_max}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The next rates along the cosine, from the current ones."""
        lrs = _group_lrs(self.optimizer)
        if self._is_initial:
            return lrs
        if self._step_count == 1 and self.last_epoch > 0:
            return self._get_closed_form_lr()
        if (self.last_epoch - 1 - self.T_max) % (2 * self.T_max) == 0:
            return [lr + (base - self.eta_min) * (1 - math.cos(math.pi / self.T_max)) / 2
                    for lr, base in zip(lrs, self.base_lrs)]
        ratio = ((1 + math.cos(math.pi * self.last_epoch / self.T_max))
                 / (1 + math.cos(math.pi * (self.last_epoch - 1) / self.T_max)))
        return [ratio * (lr - self.eta_min) + self.eta_min for lr in lrs]

    def _get_closed_form_lr(self) -> list[float]:
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.last_epoch / self.T_max)) / 2
                for base in self.base_lrs]


def _lambdas(name: str, optimizer: Any, fn: Any, cls: str) -> list[Callable[[int], float]]:
    fns = _per_group(name, optimizer, fn, cls)
    for f in fns:
        if not callable(f):
            raise TypeError(f"{cls}: {name} must be a function of the step (or one per "
                            f"group), got {type(f).__name__}")
    return fns


class LambdaLR(LRScheduler):
    """The rate is ``initial_lr * lr_lambda(step)`` (one function, or one per group)."""

    def __init__(self, optimizer: Any, lr_lambda: Callable[[int], float] | list,
                 last_epoch: int = -1) -> None:
        self.lr_lambdas = _lambdas("lr_lambda", optimizer, lr_lambda, "LambdaLR")
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """``base_lr * lr_lambda(last_epoch)`` per group."""
        return [base * fn(self.last_epoch) for fn, base in zip(self.lr_lambdas, self.base_lrs)]

    def state_dict(self) -> dict[str, Any]:
        """As the base class; plain functions are not saved (callable objects' attributes
        are, as in PyTorch)."""
        out = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "lr_lambdas")}
        out["lr_lambdas"] = [None if isinstance(fn, types.FunctionType) else dict(fn.__dict__)
                             for fn in self.lr_lambdas]
        return out

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """As the base class; saved attributes of callable objects are restored."""
        state = dict(state_dict)
        saved = state.pop("lr_lambdas", None)
        if saved is not None and (not isinstance(saved, list)
                                  or len(saved) != len(self.lr_lambdas)):
            raise ValueError(f"{type(self).__name__}.load_state_dict: lr_lambdas has "
                             f"{len(saved) if isinstance(saved, list) else saved!r} entries, "
                             f"the scheduler {len(self.lr_lambdas)}. Nothing was loaded.")
        LRScheduler.load_state_dict(self, state)
        for fn, attrs in zip(self.lr_lambdas, saved or []):
            if attrs is not None:
                fn.__dict__.update(attrs)



class MultiplicativeLR(LambdaLR):
    """Multiply the rate by ``lr_lambda(step)`` every step (one function, or one per
    group)."""

    def __init__(self, optimizer: Any, lr_lambda: Callable[[int], float] | list,
                 last_epoch: int = -1) -> None:
        self.lr_lambdas = _lambdas("lr_lambda", optimizer, lr_lambda, "MultiplicativeLR")
        LRScheduler.__init__(self, optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The current rates times ``lr_lambda(last_epoch)``."""
        lrs = _group_lrs(self.optimizer)
        if self._is_initial:
            return lrs
        return [lr * fn(self.last_epoch) for fn, lr in zip(self.lr_lambdas, lrs)]


class CosineAnnealingWarmRestarts(LRScheduler):
    """Cosine annealing from the initial rate to ``eta_min`` over ``T_0`` steps, then a
    restart; each period is ``T_mult`` times longer than the one before (SGDR)."""

    def __init__(self, optimizer: Any, T_0: int, T_mult: int = 1,  # noqa: N803
                 eta_min: float = 0.0, last_epoch: int = -1) -> None:
        if not isinstance(T_0, int) or isinstance(T_0, bool) or T_0 <= 0:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_0 must be a positive integer, "
                             f"got {T_0!r}")
        if not isinstance(T_mult, int) or isinstance(T_mult, bool) or T_mult < 1:
            raise ValueError(f"CosineAnnealingWarmRestarts: T_mult must be an integer >= 1, "
                             f"got {T_mult!r}")
        self.T_0 = T_0
        self.T_i = T_0
        self.T_mult = T_mult
        self.eta_min = eta_min
        self.T_cur: float = last_epoch
        super().__init__(optimizer, last_epoch)

    def get_lr(self) -> list[float]:
        """The rate at ``T_cur`` steps into the current period."""
        return [self.eta_min + (base - self.eta_min)
                * (1 + math.cos(math.pi * self.T_cur / self.T_i)) / 2 for base in self.base_lrs]

    def step(self, epoch: float | None = None) -> None:
        """Advance one step, or jump to ``epoch`` (fractional epochs allowed: call
        ``step(epoch + i / iters)`` per batch)."""
        self._step_count += 1
        if epoch is None and self.last_epoch < 0:
            epoch = 0
        if epoch is None:
            epoch = self.last_epoch + 1
            self.T_cur = self.T_cur + 1
            if self.T_cur >= self.T_i:
                self.T_cur = self.T_cur % self.T_i
                self.T_i = self.T_i * self.T_mult
        else:
            if epoch < 0:
                raise ValueError(f"CosineAnnealingWarmRestarts: epoch must be >= 0, got "
                                 f"{epoch}")
            if epoch >= self.T_0:
                if self.T_mult == 1:
                    self.T_cur = epoch % self.T_0
                else:
                    n = int(math.log(epoch / self.T_0 * (self.T_mult - 1) + 1, self.T_mult))
                    self.T_cur = epoch - self.T_0 * (self.T_mult ** n - 1) / (self.T_mult - 1)
                    self.T_i = self.T_0 * self.T_mult ** n
            else:
                self.T_i = self.T_0
                self.T_cur = epoch
        self.last_epoch = math.floor(epoch)
        for group, lr in zip(self.optimizer.param_groups, self.get_lr()):
            group["lr"] = lr
        self._last_lr = _group_lrs(self.optimizer)


def _cycles_beta1(name: str, optimizer: Any) -> bool:
    """Whether cycling momentum sets Adam's beta1 (the optimizer has ``betas``) rather than
    ``momentum``; a ValueError naming the scheduler when it has neither."""
    defaults = getattr(optimizer, "defaults", {})
    if "momentum" not in defaults and "betas" not in defaults:
        raise ValueError(f"{name}: cycle_momentum=True needs an optimizer with 'momentum' or "
                         f"'betas'; pass cycle_momentum=False")
    return "betas" in defaults


def _set_momentum(group: dict[str, Any], value: float, beta1: bool) -> None:
    """Set a parameter group's momentum, or the first of its ``betas`` when ``beta1``."""
    if beta1:
        group["betas"] = (value, *tuple(group["betas"])[1:])
    else:
        group["momentum"] = value


class CyclicLR(LRScheduler):
    """Cycle the rate between ``base_lr`` and ``max_lr`` (``mode`` ``"triangular"``,
    ``"triangular2"`` halving the amplitude each cycle, ``"exp_range"`` scaling it by
    ``gamma ** step``, or a custom ``scale_fn``), stepping once per batch; momentum (or
    Adam's beta1) cycles the other way between ``max_momentum`` and ``base_momentum``."""

    def __init__(self, optimizer: Any, base_lr: float | list[float],
                 max_lr: float | list[float], step_size_up: int = 2000,
                 step_size_down: int | None = None, mode: str = "triangular",
                 gamma: float = 1.0, scale_fn: Callable[[float], float] | None = None,
                 scale_mode: str = "cycle", cycle_momentum: bool = True,
                 base_momentum: float | list[float] = 0.8,
                 max_momentum: float | list[float] = 0.9, last_epoch: int = -1) -> None:
        name = "CyclicLR"
        if not hasattr(optimizer, "param_groups"):
            raise TypeError(f"{name}: expected an optimizer, got {type(optimizer).__name__}")
        base_lrs = _per_group("base_lr", optimizer, base_lr, name)
        if last_epoch == -1:
            for lr, group in zip(base_lrs, optimizer.param_groups):
                group["lr"] = lr
        self.max_lrs = _per_group("max_lr", optimizer, max_lr, name)
        up = float(step_size_up)
        down = float(step_size_down) if step_size_down is not None else up
        if up <= 0 or down < 0:
            raise ValueError(f"{name}: step_size_up must be > 0 and step_size_down >= 0, got "
                             f"{step_size_up} and {step_size_down}")
        self.total_size = up + down
        self.step_ratio = up / self.total_size
        if mode not in ("triangular", "triangular2", "exp_range") and scale_fn is None:
            raise ValueError(f"{name}: mode must be 'triangular', 'triangular2' or "
                             f"'exp_range' (or give scale_fn), got {mode!r}")
        if scale_mode not in ("cycle", "iterations"):
            raise ValueError(f"{name}: scale_mode must be 'cycle' or 'iterations', got "
                             f"{scale_mode!r}")
        self.mode = mode
        self.gamma = gamma
        self._scale_fn_custom = scale_fn
        self.scale_mode = scale_mode if scale_fn is not None else (
            "iterations" if mode == "exp_range" else "cycle")
        self.cycle_momentum = cycle_momentum
        if cycle_momentum:
            self.use_beta1 = _cycles_beta1(name, optimizer)
            self.base_momentums = _per_group("base_momentum", optimizer, base_momentum, name)
            self.max_momentums = _per_group("max_momentum", optimizer, max_momentum, name)
            if last_epoch == -1:
                for top, low, group in zip(self.max_momentums, self.base_momentums,
                                           optimizer.param_groups):
                    _set_momentum(group, top, self.use_beta1)
                    group["max_momentum"] = top
                    group["base_momentum"] = low
        super().__init__(optimizer, last_epoch)
        self.base_lrs = base_lrs

    def scale_fn(self, x: float) -> float:
        """The amplitude scale at cycle (or iteration) ``x``."""
        if self._scale_fn_custom is not None:
            return self._scale_fn_custom(x)
        if self.mode == "triangular":
            return 1.0
        if self.mode == "triangular2":
            return 1 / (2.0 ** (x - 1))
        return self.gamma ** x

    def get_lr(self) -> list[float]:
        """The rates (and momenta, which it sets) at step :attr:`last_epoch`."""
        cycle = math.floor(1 + self.last_epoch / self.total_size)
        x = 1.0 + self.last_epoch / self.total_size - cycle
        scale_factor = x / self.step_ratio if x <= self.step_ratio \
            else (x - 1) / (self.step_ratio - 1)
        scale = self.scale_fn(cycle if self.scale_mode == "cycle" else self.last_epoch)
        lrs = [base + (top - base) * scale_factor * scale
               for base, top in zip(self.base_lrs, self.max_lrs)]
        if self.cycle_momentum:
            for group, low, top in zip(self.optimizer.param_groups, self.base_momentums,
                                       self.max_momentums):
                _set_momentum(group, top - (top - low) * scale_factor * scale, self.use_beta1)
        return lrs


class OneCycleLR(LRScheduler):
    """The 1cycle policy: warm up to ``max_lr`` then anneal far below the start, stepping
    once per batch; momentum (or Adam's beta1) cycles the other way.

    Give ``total_steps``, or ``epochs`` and ``steps_per_epoch``.
    """

    def __init__(self, optimizer: Any, max_lr: float | list[float], total_steps: int | None = None,
                 epochs: int | None = None, steps_per_epoch: int | None = None,
                 pct_start: float = 0.3, anneal_strategy: str = "cos",
                 cycle_momentum: bool = True, base_momentum: float = 0.85,
                 max_momentum: float = 0.95, div_factor: float = 25.0,
                 final_div_factor: float = 1e4, three_phase: bool = False,
                 last_epoch: int = -1) -> None:
        if total_steps is None:
            if epochs is None or steps_per_epoch is None:
                raise ValueError("OneCycleLR: give total_steps, or epochs and steps_per_epoch")
            total_steps = epochs * steps_per_epoch
        if total_steps < 1:
            raise ValueError(f"OneCycleLR: total_steps must be >= 1, got {total_steps}")
        if not 0 <= pct_start <= 1:
            raise ValueError(f"OneCycleLR: pct_start must be in [0, 1], got {pct_start}")
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"OneCycleLR: anneal_strategy must be 'cos' or 'linear', got "
                             f"{anneal_strategy!r}")
        self.total_steps = total_steps
        self.anneal_strategy = anneal_strategy
        groups = optimizer.param_groups
        max_lrs = list(max_lr) if isinstance(max_lr, (list, tuple)) else [max_lr] * len(groups)
        if len(max_lrs) != len(groups):
            raise ValueError(f"OneCycleLR: max_lr has {len(max_lrs)} values but the optimizer "
                             f"has {len(groups)} parameter groups; give one per group or a "
                             f"single number")
        if last_epoch == -1:
            for group, top in zip(groups, max_lrs):
                group["initial_lr"] = top / div_factor
                group["max_lr"] = top
                group["min_lr"] = group["initial_lr"] / final_div_factor
        if three_phase:
            self.phases = [(float(pct_start * total_steps) - 1, "initial_lr", "max_lr"),
                           (float(2 * pct_start * total_steps) - 2, "max_lr", "initial_lr"),
                           (total_steps - 1, "initial_lr", "min_lr")]
        else:
            self.phases = [(float(pct_start * total_steps) - 1, "initial_lr", "max_lr"),
                           (total_steps - 1, "max_lr", "min_lr")]
        self.cycle_momentum = cycle_momentum
        self._beta = False
        if cycle_momentum:
            self._beta = _cycles_beta1("OneCycleLR", optimizer)
            if last_epoch == -1:
                for group in groups:
                    group["max_momentum"] = max_momentum
                    group["base_momentum"] = base_momentum
        super().__init__(optimizer, last_epoch)

    def _anneal(self, start: float, end: float, pct: float) -> float:
        if self.anneal_strategy == "cos":
            return end + (start - end) / 2.0 * (math.cos(math.pi * pct) + 1)
        return (end - start) * pct + start

    def _value(self, group: dict[str, Any], step: int, momentum: bool) -> float:
        start_step = 0.0
        for i, (end_step, start_key, end_key) in enumerate(self.phases):
            if step <= end_step or i == len(self.phases) - 1:
                pct = (step - start_step) / (end_step - start_step) if end_step != start_step \
                    else 1.0
                if momentum:  # momentum runs opposite to the learning rate
                    flip = {"initial_lr": "max_momentum", "min_lr": "max_momentum",
                            "max_lr": "base_momentum"}
                    return self._anneal(group[flip[start_key]], group[flip[end_key]], pct)
                return self._anneal(group[start_key], group[end_key], pct)
            start_step = end_step
        raise AssertionError("unreachable: the last phase always matches")

    def get_lr(self) -> list[float]:
        step = self.last_epoch
        if step > self.total_steps:
            raise ValueError(f"OneCycleLR: tried to step {step} times, more than total_steps="
                             f"{self.total_steps}")
        lrs = []
        for group in self.optimizer.param_groups:
            lrs.append(self._value(group, step, False))
            if self.cycle_momentum:
                _set_momentum(group, self._value(group, step, True), self._beta)
        return lrs


class SequentialLR(LRScheduler):
    """Run ``schedulers`` one after another, switching at each of the ``milestones``
    (``len(schedulers) - 1`` step indices); each restarts from its step 0."""

    def __init__(self, optimizer: Any, schedulers: Sequence[LRScheduler],
                 milestones: Sequence[int], last_epoch: int = -1) -> None:
        name = "SequentialLR"
        _check_schedulers(name, optimizer, schedulers)
        if len(milestones) != len(schedulers) - 1:
            raise ValueError(f"{name}: expected {len(schedulers) - 1} milestones for "
                             f"{len(schedulers)} schedulers, got {len(milestones)}")
        if list(milestones) != sorted(milestones):
            raise ValueError(f"{name}: milestones must be increasing, got {list(milestones)}")
        self._schedulers = list(schedulers)
        self._milestones = list(milestones)
        self.last_epoch = last_epoch + 1
        self.optimizer = optimizer
        for group in optimizer.param_groups:  # undo what building the schedulers did
            group["lr"] = group["initial_lr"]
        for sched in _leaves(self._schedulers):
            sched.last_epoch -= 1
        first = self._schedulers[bisect_right(self._milestones, 0)]
        first._initial_step()
        self._last_lr = first.get_last_lr()

    def step(self) -> None:  # type: ignore[override]
        """Step the scheduler whose turn it is (a new one starts at its step 0)."""
        self.last_epoch += 1
        idx = bisect_right(self._milestones, self.last_epoch)
        sched = self._schedulers[idx]
        if idx > 0 and self._milestones[idx - 1] == self.last_epoch:
            sched._update_lr(0)
        else:
            sched.step()
        self._last_lr = sched.get_last_lr()

    def state_dict(self) -> dict[str, Any]:
        """Its own counters plus each scheduler's state dict."""
        out = {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "_schedulers")}
        out["_schedulers"] = [s.state_dict() for s in self._schedulers]
        return out

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore :meth:`state_dict` (each scheduler's part checked by that scheduler)."""
        _load_composite(self, state_dict)


class ChainedScheduler(LRScheduler):
    """Step several chainable schedulers together each step: their factors multiply."""

    def __init__(self, schedulers: Sequence[LRScheduler], optimizer: Any = None) -> None:
        if len(schedulers) < 1:
            raise ValueError("ChainedScheduler: expected at least one scheduler")
        optimizer = optimizer or schedulers[0].optimizer
        _check_schedulers("ChainedScheduler", optimizer, schedulers)
        self._schedulers = list(schedulers)
        self.optimizer = optimizer
        self._last_lr = _group_lrs(optimizer)

    def step(self) -> None:  # type: ignore[override]
        """Step every scheduler, in order."""
        for sched in self._schedulers:
            sched.step()
        self._last_lr = _group_lrs(self.optimizer)

    state_dict = SequentialLR.state_dict
    load_state_dict = SequentialLR.load_state_dict


def _check_schedulers(name: str, optimizer: Any, schedulers: Sequence[Any]) -> None:
    if len(schedulers) < 1:
        raise ValueError(f"{name}: expected at least one scheduler")
    for i, sched in enumerate(schedulers):
        if isinstance(sched, ReduceLROnPlateau):
            raise ValueError(f"{name}: scheduler {i} is a ReduceLROnPlateau, which needs the "
                             f"metric in step(); it can't be combined")
        if not isinstance(sched, LRScheduler):
            raise TypeError(f"{name}: scheduler {i} is a {type(sched).__name__}, not an "
                            f"LRScheduler")
        if sched.optimizer is not optimizer:
            raise ValueError(f"{name}: scheduler {i} ({type(sched).__name__}) belongs to "
                             f"another optimizer; all must share one")


def _leaves(schedulers: Sequence[Any]) -> list[Any]:
    out = []
    for s in schedulers:
        out.extend(_leaves(s._schedulers) if hasattr(s, "_schedulers") else [s])
    return out


def _load_composite(self: Any, state_dict: dict[str, Any]) -> None:
    cls = type(self).__name__
    if not isinstance(state_dict, dict):
        raise TypeError(f"{cls}.load_state_dict: expected a dict, got "
                        f"{type(state_dict).__name__}")
    state = dict(state_dict)
    parts = state.pop("_schedulers", None)
    if not isinstance(parts, list) or len(parts) != len(self._schedulers):
        raise ValueError(f"{cls}.load_state_dict: expected {len(self._schedulers)} scheduler "
                         f"states under '_schedulers'. Nothing was loaded.")
    saved = [dict(s.__dict__) for s in self._schedulers]
    own = dict(self.__dict__)
    try:
        LRScheduler.load_state_dict(self, state)
        for sched, part in zip(self._schedulers, parts):
            sched.load_state_dict(part)
    except (TypeError, ValueError):
        for sched, before in zip(self._schedulers, saved):  # nothing half-loaded
            sched.__dict__.clear()
            sched.__dict__.update(before)
        self.__dict__.clear()
        self.__dict__.update(own)
        raise


class ReduceLROnPlateau:
    """Multiply the rate by ``factor`` when a metric has stopped improving for more than
    ``patience`` steps: ``scheduler.step(val_loss)``.

    ``mode`` ``"min"`` (lower is better) or ``"max"``; an improvement must beat the best by
    ``threshold`` (relative in ``threshold_mode="rel"``, absolute in ``"abs"``); after a
    reduction, ``cooldown`` steps pass before counting again; rates never go below
    ``min_lr`` (one value or one per group), and a change smaller than ``eps`` is skipped.
    """

    def __init__(self, optimizer: Any, mode: str = "min", factor: float = 0.1,
                 patience: int = 10, threshold: float = 1e-4, threshold_mode: str = "rel",
                 cooldown: int = 0, min_lr: float | list[float] = 0, eps: float = 1e-8) -> None:
        name = "ReduceLROnPlateau"
        if not hasattr(optimizer, "param_groups"):
            raise TypeError(f"{name}: expected an optimizer, got {type(optimizer).__name__}")
        if not factor < 1.0:
            raise ValueError(f"{name}: factor must be < 1.0, got {factor!r}")
        if mode not in ("min", "max"):
            raise ValueError(f"{name}: mode must be 'min' or 'max', got {mode!r}")
        if threshold_mode not in ("rel", "abs"):
            raise ValueError(f"{name}: threshold_mode must be 'rel' or 'abs', got "
                             f"{threshold_mode!r}")
        self.optimizer = optimizer
        self.factor = factor
        self.default_min_lr = None if isinstance(min_lr, (list, tuple)) else min_lr
        self.min_lrs = _per_group("min_lr", optimizer, min_lr, name)
        self.patience = patience
        self.cooldown = cooldown
        self.eps = eps
        self.mode = mode
        self.threshold = threshold
        self.threshold_mode = threshold_mode
        self.last_epoch = 0
        self._last_lr = _group_lrs(optimizer)
        self._reset()

    def _reset(self) -> None:
        self.best = math.inf if self.mode == "min" else -math.inf
        self.cooldown_counter = 0
        self.num_bad_epochs = 0

    def _is_better(self, a: float, best: float) -> bool:
        if self.mode == "min":
            return a < (best * (1.0 - self.threshold) if self.threshold_mode == "rel"
                        else best - self.threshold)
        return a > (best * (self.threshold + 1.0) if self.threshold_mode == "rel"
                    else best + self.threshold)

    @property
    def in_cooldown(self) -> bool:
        """Whether the scheduler is waiting after a reduction."""
        return self.cooldown_counter > 0

    def step(self, metrics: Any) -> None:
        """Record this step's metric (a number or a one-element tensor) and reduce the
        rates if it has not improved for more than ``patience`` steps."""
        current = float(metrics)
        self.last_epoch += 1
        if self._is_better(current, self.best):
            self.best = current
            self.num_bad_epochs = 0
        else:
            self.num_bad_epochs += 1
        if self.in_cooldown:
            self.cooldown_counter -= 1
            self.num_bad_epochs = 0
        if self.num_bad_epochs > self.patience:
            if len(self.min_lrs) != len(self.optimizer.param_groups):
                if self.default_min_lr is None:
                    raise ValueError(f"ReduceLROnPlateau: the optimizer now has "
                                     f"{len(self.optimizer.param_groups)} parameter groups "
                                     f"but min_lr has {len(self.min_lrs)} values; update "
                                     f"scheduler.min_lrs")
                self.min_lrs = [self.default_min_lr] * len(self.optimizer.param_groups)
            for group, floor in zip(self.optimizer.param_groups, self.min_lrs):
                old = float(group["lr"])
                new = max(old * self.factor, floor)
                if old - new > self.eps:
                    group["lr"] = new
            self.cooldown_counter = self.cooldown
            self.num_bad_epochs = 0
        self._last_lr = _group_lrs(self.optimizer)

    def get_last_lr(self) -> list[float]:
        """The learning rates after the last :meth:`step`."""
        return list(self._last_lr)

    state_dict = LRScheduler.state_dict
    load_state_dict = LRScheduler.load_state_dict
