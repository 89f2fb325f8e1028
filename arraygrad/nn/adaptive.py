"""``AdaptiveLogSoftmaxWithLoss`` (Grave et al., "Efficient softmax approximation for
GPUs"): PyTorch's module, parameters and outputs."""

from __future__ import annotations

from typing import Any, NamedTuple

import arraygrad as ag
from arraygrad.nn import functional as F
from arraygrad.nn.containers import ModuleList, Sequential
from arraygrad.nn.linear import Linear
from arraygrad.nn.module import Module
from arraygrad.ops import indexing as ix
from arraygrad.tensor import Tensor

__all__ = ["AdaptiveLogSoftmaxWithLoss"]


class _ASMoutput(NamedTuple):
    output: Tensor
    loss: Tensor


class AdaptiveLogSoftmaxWithLoss(Module):
    """Adaptive softmax: a head over the ``cutoffs[0]`` most frequent classes plus one
    entry per cluster, and for each cluster a two-layer projection (sizes divided by
    ``div_value`` per cluster). ``forward(input, target)`` returns ``(output, loss)`` with
    the target log-probabilities and their negative mean; :meth:`log_prob` gives all of
    them, :meth:`predict` the most likely class.

    Examples
    --------
    >>> import arraygrad as ag
    >>> asm = ag.nn.AdaptiveLogSoftmaxWithLoss(8, 10, cutoffs=[4, 7])
    >>> out = asm(ag.randn(5, 8), ag.tensor([0, 3, 5, 9, 6]))
    >>> out.output.shape, out.loss.shape, asm.log_prob(ag.randn(2, 8)).shape
    ((5,), (), (2, 10))
    """

    def __init__(self, in_features: int, n_classes: int, cutoffs: Any, div_value: float = 4.0,
                 head_bias: bool = False, device: Any = None, dtype: Any = None) -> None:
        super().__init__()
        cutoffs = list(cutoffs)
        if len(cutoffs) == 0:
            raise ValueError("cutoffs should be a sequence of length larger than 0")
        if (cutoffs != sorted(cutoffs) or min(cutoffs) <= 0 or max(cutoffs) > n_classes - 1
                or len(set(cutoffs)) != len(cutoffs) or any(int(c) != c for c in cutoffs)):
            raise ValueError("cutoffs should be a sequence of unique, positive integers sorted "
                             "in an increasing order, where each value is between 1 and "
                             "n_classes-1")
        self.in_features = in_features
        self.n_classes = n_classes
        self.cutoffs = [int(c) for c in cutoffs] + [n_classes]
        self.div_value = div_value
        self.head_bias = head_bias
        self.shortlist_size = self.cutoffs[0]
        self.n_clusters = len(self.cutoffs) - 1
        self.head_size = self.shortlist_size + self.n_clusters
        self.head = Linear(in_features, self.head_size, bias=head_bias, device=device,
                           dtype=dtype)
        self.tail = ModuleList()
        for i in range(self.n_clusters):
            hsz = int(in_features // (div_value ** (i + 1)))
            osz = self.cutoffs[i + 1] - self.cutoffs[i]
            self.tail.append(Sequential(
                Linear(in_features, hsz, bias=False, device=device, dtype=dtype),
                Linear(hsz, osz, bias=False, device=device, dtype=dtype)))

    def reset_parameters(self) -> None:
        """Re-draw the head's and the projections' weights."""
        self.head.reset_parameters()
        for projection in self.tail:
            for layer in projection.children():
                layer.reset_parameters()

    def forward(self, input_: Tensor, target_: Tensor) -> _ASMoutput:
        """``(output, loss)``: each row's target log-probability and ``-output.mean()``."""
        targ_dim = target_.ndim
        if targ_dim == 1:
            if input_.shape[0] != target_.shape[0]:
                raise RuntimeError("Input and target should have the same size in the batch "
                                   f"dimension (input {tuple(input_.shape)}, target "
                                   f"{tuple(target_.shape)}).")
            if input_.ndim != 2:
                raise RuntimeError(f"1D target tensor expects 2D input tensors, but found "
                                   f"inputs with size {tuple(input_.shape)}")
        elif targ_dim == 0:
            if input_.ndim != 1:
                raise RuntimeError(f"0D target tensor expects 1D input tensors, but found "
                                   f"inputs with size {tuple(input_.shape)}")
        else:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
        batched = targ_dim > 0
        x = input_ if batched else ag.expand_dims(input_, axis=0)
        target = target_ if batched else ag.reshape(target_, (1,))
        n = target.shape[0]
        targets = [int(v) for v in target.tolist()]
        if targets and (min(targets) < 0 or max(targets) > self.n_classes - 1):
            raise RuntimeError(f"Target values should be in [0, {self.n_classes - 1}], but "
                               f"values in range [{min(targets)}, {max(targets)}] were found. ")
        output = ag.zeros(n, dtype=x.dtype, backend=x.backend, device=x.device)
        head_index = list(targets)
        bounds = [0] + self.cutoffs
        for i in range(1, len(bounds) - 1):
            low, high = bounds[i], bounds[i + 1]
            rows = [r for r, t in enumerate(targets) if low <= t < high]
            if not rows:
                continue
            index = ag.asarray(rows, dtype=ag.int64, backend=x.backend, device=x.device)
            logprob = F.log_softmax(self.tail[i - 1](ix.take(x, index, axis=0)), dim=1)
            relative = ag.asarray([[targets[r] - low] for r in rows], dtype=ag.int64,
                                  backend=x.backend, device=x.device)
            local = ag.reshape(ix.take_along_axis(logprob, relative, axis=1), (-1,))
            output = ix.index_put(output, (index,), local)
            for r in rows:
                head_index[r] = self.shortlist_size + i - 1
        head_logprob = F.log_softmax(self.head(x), dim=1)
        gather = ag.asarray([[v] for v in head_index], dtype=ag.int64, backend=x.backend,
                            device=x.device)
        output = output + ag.reshape(ix.take_along_axis(head_logprob, gather, axis=1), (-1,))
        loss = (-output).mean()
        if not batched:
            output = ag.reshape(output, ())
        return _ASMoutput(output, loss)

    def _full_log_prob(self, x: Tensor, head_output: Tensor) -> Tensor:
        head_logprob = F.log_softmax(head_output, dim=1)
        parts = [head_logprob[:, :self.shortlist_size]]
        for i, projection in enumerate(self.tail):
            cluster = F.log_softmax(projection(x), dim=1)
            column = head_logprob[:, self.shortlist_size + i:self.shortlist_size + i + 1]
            parts.append(cluster + column)
        return ag.concat(parts, axis=1)

    def log_prob(self, input: Tensor) -> Tensor:  # noqa: A002
        """Log-probabilities of every class, (N, n_classes) (or (n_classes,))."""
        batched = input.ndim > 1
        x = input if batched else ag.expand_dims(input, axis=0)
        out = self._full_log_prob(x, self.head(x))
        return out if batched else out[0]

    def predict(self, input: Tensor) -> Tensor:  # noqa: A002
        """The most likely class of each row."""
        return ag.argmax(self.log_prob(input), axis=-1)
