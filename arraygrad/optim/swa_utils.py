"""``torch.optim.swa_utils``: weight averaging (SWA, EMA), its learning-rate schedule and
BatchNorm statistics for the averaged weights.

``AveragedModel(model)`` keeps a copy of ``model`` whose parameters (and, with
``use_buffers=True``, buffers) are averages of ``model``'s over the calls of
``update_parameters``: the running mean by default (SWA), or what ``avg_fn`` /
``multi_avg_fn`` compute (``get_ema_multi_avg_fn(0.999)``: an exponential moving average).
``SWALR`` anneals each group's learning rate to ``swa_lr``; ``update_bn`` recomputes the
BatchNorm running statistics of a model with one pass over a loader.
"""

from __future__ import annotations

import copy
import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from arraygrad.creation import tensor
from arraygrad.grad_mode import no_grad
from arraygrad.nn.module import Module
from arraygrad.nn.normalization import _BatchNorm
from arraygrad.optim.lr_scheduler import LRScheduler
from arraygrad.tensor import Tensor

__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn",
           "get_swa_multi_avg_fn", "get_ema_avg_fn", "get_swa_avg_fn"]

ParamList = Sequence[Tensor]


def _check_decay(decay: float) -> None:
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in "
                         f"[0,1] range.")


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable[[ParamList, ParamList, Any], None]:
    """The in-place EMA update of lists of averaged and current tensors:
    ``ema = decay * ema + (1 - decay) * current`` (as PyTorch, a lerp)."""
    _check_decay(decay)

    def ema_update(ema_params: ParamList, current_params: ParamList, _n: Any) -> None:
        with no_grad():
            for e, c in zip(ema_params, current_params):
                if e.dtype.kind in "fc":
                    e.lerp_(c, 1.0 - decay)
                else:
                    e.mul_(decay).add_(c * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn() -> Callable[[ParamList, ParamList, Any], None]:
    """The in-place running-mean update of lists of averaged and current tensors after
    ``num_averaged`` models (a lerp by ``1 / (num_averaged + 1)``, as PyTorch)."""
    def swa_update(averaged: ParamList, current: ParamList, num_averaged: Any) -> None:
        n = num_averaged.item() if isinstance(num_averaged, Tensor) else num_averaged
        with no_grad():
            for a, c in zip(averaged, current):
                if a.dtype.kind in "fc":
                    a.lerp_(c, 1 / (n + 1))
                else:
                    a.add_((c - a) / (n + 1))
    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The EMA of one tensor: ``decay * ema + (1 - decay) * current`` (a new tensor)."""
    _check_decay(decay)

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn() -> Callable[[Tensor, Tensor, Any], Tensor]:
    """The running mean of one tensor after ``num_averaged`` models (a new tensor)."""
    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose weights are averages of ``model``'s (see the module
    docstring); calling it calls the copy.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.optim.swa_utils import AveragedModel, get_ema_multi_avg_fn
    >>> model = ag.nn.Linear(2, 1)
    >>> ema = AveragedModel(model, multi_avg_fn=get_ema_multi_avg_fn(0.9))
    >>> ema.update_parameters(model)
    >>> int(ema.n_averaged.item()), bool((ema.module.weight == model.weight).all())
    (1, True)
    """

    def __init__(self, model: Module, device: Any = None,
                 avg_fn: Callable[[Tensor, Tensor, Any], Tensor] | None = None,
                 multi_avg_fn: Callable[[ParamList, ParamList, Any], None] | None = None,
                 use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", tensor(0, backend=_backend_of(model),
                                                  device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        """The averaged copy's forward."""
        return self.module(*args, **kwargs)

    def _pairs(self, model: Module) -> tuple[list[Tensor], list[Tensor]]:
        if self.use_buffers:
            mine = list(self.module.parameters()) + list(self.module.buffers())
            theirs = list(model.parameters()) + list(model.buffers())
        else:
            mine, theirs = list(self.module.parameters()), list(model.parameters())
        return [p.detach() for p in mine], \
            [q.detach().to(p.device) for p, q in zip(mine, theirs)]

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current weights into the average."""
        mine, theirs = self._pairs(model)
        n = int(self.n_averaged.item())
        with no_grad():
            if n == 0:
                for p, q in zip(mine, theirs):
                    p.copy_(q)
            elif self.avg_fn is not None:
                for p, q in zip(mine, theirs):
                    p.copy_(self.avg_fn(p, q, self.n_averaged))
            else:
                (self.multi_avg_fn or get_swa_multi_avg_fn())(mine, theirs, self.n_averaged)
            if not self.use_buffers:
                # the buffers are not averaged: the copy keeps the model's (update_bn
                # recomputes BatchNorm statistics for the averaged weights)
                for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                    b_swa.detach().copy_(b_model.detach().to(b_swa.device))
            self.n_averaged.add_(1)


def _backend_of(model: Module) -> Any:
    for p in model.parameters():
        return p.backend
    return None


@no_grad()
def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of ``model``'s BatchNorm layers with one pass over
    ``loader`` (a batch is a tensor, or a list/tuple whose first element is the input): the
    statistics are reset and averaged over all batches (``momentum=None``), then the
    momenta and the training flag are put back."""
    momenta: dict[Module, Any] = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    try:
        for batch in loader:
            if isinstance(batch, (list, tuple)):
                batch = batch[0]
            if device is not None:
                batch = batch.to(device)
            model(batch)
    finally:
        for module, momentum in momenta.items():
            module.momentum = momentum
        model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` steps
    (``"cos"`` or ``"linear"``), then keep it there.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.optim.swa_utils import SWALR
    >>> opt = ag.optim.SGD([ag.nn.Parameter(ag.zeros(1))], lr=1.0)
    >>> sched = SWALR(opt, swa_lr=0.1, anneal_epochs=2, anneal_strategy="linear")
    >>> for _ in range(3):
    ...     sched.step()
    >>> round(opt.param_groups[0]["lr"], 6)
    0.1
    """

    def __init__(self, optimizer: Any, swa_lr: float | Sequence[float], anneal_epochs: int = 10,
                 anneal_strategy: str = "cos", last_epoch: int = -1) -> None:
        groups = optimizer.param_groups
        if isinstance(swa_lr, (list, tuple)):
            if len(swa_lr) != len(groups):
                raise ValueError(f"swa_lr must have the same length as "
                                 f"optimizer.param_groups: swa_lr has {len(swa_lr)}, "
                                 f"optimizer.param_groups has {len(groups)}")
            lrs = list(swa_lr)
        else:
            lrs = [swa_lr] * len(groups)
        for lr, group in zip(lrs, groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got "
                             f"{anneal_strategy}")
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got "
                             f"{anneal_epochs}")
        self.anneal_strategy = anneal_strategy
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    def _anneal(self, t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2 if self.anneal_strategy == "cos" else t

    @staticmethod
    def _initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def get_lr(self) -> list[float]:
        """The next learning rate of every group (PyTorch's formula: it recovers the
        annealing's starting point from the current ``lr``)."""
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self._anneal(prev_t)
        prev = [self._initial_lr(g["lr"], g["swa_lr"], prev_alpha)
                for g in self.optimizer.param_groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self._anneal(t)
        return [g["swa_lr"] * alpha + lr * (1 - alpha)
                for g, lr in zip(self.optimizer.param_groups, prev)]
