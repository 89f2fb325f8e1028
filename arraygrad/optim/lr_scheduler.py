"""``arraygrad.optim.lr_scheduler``: learning-rate schedules (PyTorch's
``torch.optim.lr_scheduler``), part of the core: they work with any optimizer, built-in or
a plugin's.

Each computes the learning rate of step ``last_epoch`` in closed form from the group's
``initial_lr`` and writes it into ``optimizer.param_groups[i]["lr"]``. Call
``scheduler.step()`` after ``optimizer.step()``, as in PyTorch.
"""

from __future__ import annotations

import math
from typing import Any

__all__ = ["LRScheduler", "StepLR", "ExponentialLR", "CosineAnnealingLR", "LinearLR",
           "OneCycleLR"]


class LRScheduler:
    """Base class: subclasses implement :meth:`lr_at` (the rate at a step for one group)."""

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
        self.step()

    def lr_at(self, base_lr: float, step: int) -> float:
        """The learning rate at ``step`` for a group whose initial rate is ``base_lr``."""
        raise NotImplementedError(f"{type(self).__name__} must implement lr_at()")

    def get_lr(self) -> list[float]:
        """The learning rate of every group at the current step."""
        return [self.lr_at(base, self.last_epoch) for base in self.base_lrs]

    def step(self) -> None:
        """Advance one step (one epoch or one batch, as the schedule is defined)."""
        self.last_epoch += 1
        lrs = self.get_lr()
        for group, lr in zip(self.optimizer.param_groups, lrs):
            group["lr"] = lr
        self._last_lr = lrs

    def get_last_lr(self) -> list[float]:
        """The learning rates set by the last :meth:`step`."""
        return list(self._last_lr)

    def state_dict(self) -> dict[str, Any]:
        """Everything but the optimizer (numbers and lists only)."""
        return {k: v for k, v in self.__dict__.items() if k != "optimizer"}

    def load_state_dict(self, state_dict: dict[str, Any]) -> None:
        """Restore a :meth:`state_dict`."""
        self.__dict__.update(state_dict)


class StepLR(LRScheduler):
    """Multiply the rate by ``gamma`` every ``step_size`` steps."""

    def __init__(self, optimizer: Any, step_size: int, gamma: float = 0.1,
                 last_epoch: int = -1) -> None:
        if step_size < 1:
            raise ValueError(f"StepLR: step_size must be >= 1, got {step_size}")
        self.step_size = step_size
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, step: int) -> float:
        return base_lr * self.gamma ** (step // self.step_size)


class ExponentialLR(LRScheduler):
    """Multiply the rate by ``gamma`` every step."""

    def __init__(self, optimizer: Any, gamma: float, last_epoch: int = -1) -> None:
        self.gamma = gamma
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, step: int) -> float:
        return base_lr * self.gamma ** step


class CosineAnnealingLR(LRScheduler):
    """Cosine from the initial rate down to ``eta_min`` over ``T_max`` steps."""

    def __init__(self, optimizer: Any, T_max: int, eta_min: float = 0.0,  # noqa: N803
                 last_epoch: int = -1) -> None:
        if T_max < 1:
            raise ValueError(f"CosineAnnealingLR: T_max must be >= 1, got {T_max}")
        self.T_max = T_max
        self.eta_min = eta_min
        super().__init__(optimizer, last_epoch)

    def lr_at(self, base_lr: float, step: int) -> float:
        return self.eta_min + (base_lr - self.eta_min) * (
            1 + math.cos(math.pi * step / self.T_max)) / 2


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

    def lr_at(self, base_lr: float, step: int) -> float:
        frac = min(step, self.total_iters) / self.total_iters if self.total_iters else 1.0
        return base_lr * (self.start_factor + (self.end_factor - self.start_factor) * frac)


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
            if "betas" in optimizer.defaults:
                self._beta = True
            elif "momentum" not in optimizer.defaults:
                raise ValueError("OneCycleLR: cycle_momentum=True needs an optimizer with "
                                 "'momentum' or 'betas'; pass cycle_momentum=False")
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
                m = self._value(group, step, True)
                if self._beta:
                    group["betas"] = (m, *tuple(group["betas"])[1:])
                else:
                    group["momentum"] = m
        return lrs
