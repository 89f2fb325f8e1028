"""Graph nodes: what ``tensor.grad_fn`` returns.

A node records one op application: the op, its saved input arrays (with the version each
input tensor had), its parameters, and one edge per input — the input's own node, the
input tensor itself when it is a leaf that requires grad, or ``None``.
"""

from __future__ import annotations

import itertools
from typing import Any

__all__ = ["Node"]

# Monotonic creation order. A node is always created after the nodes of its inputs, so
# visiting nodes by decreasing sequence number is a topological order (no pre-pass needed).
_sequence = itertools.count()


class Node:
    """One recorded op application (``grad_fn``)."""

    __slots__ = ("op", "seq", "backend", "arrays", "params", "out", "out_version", "inputs",
                 "edges", "versions", "hooks", "retained", "__weakref__")

    def __init__(self, op: Any, backend: Any, arrays: tuple, params: dict, out: Any,
                 inputs: tuple, edges: tuple, versions: tuple | None) -> None:
        self.op = op
        self.seq = next(_sequence)
        self.backend = backend
        self.arrays = arrays        # raw input arrays/constants; None once released
        self.params = params        # non-tensor keyword arguments of the op
        self.out = out              # raw output, only for ops whose rule uses it
        self.out_version: list[int] | None = None  # with ``out``: the output's version cell
        self.inputs = inputs        # input Tensors, for version checks and create_graph
        self.edges = edges          # per input: Node, leaf Tensor, or None
        self.versions = versions    # per input: version when saved (None for constants)
        self.hooks: list | None = None  # hooks of the (non-leaf) tensor this node produced
        self.retained = None        # weakref to that tensor when it called retain_grad()

    def name(self) -> str:
        """PyTorch-style name of the backward function, e.g. ``"MulBackward"``."""
        return self.op.backward_name

    @property
    def next_functions(self) -> tuple[tuple[Any, int], ...]:
        """Edges to the inputs' nodes, as ``(node_or_leaf, 0)`` pairs (PyTorch's shape)."""
        return tuple((edge, 0) for edge in self.edges)

    def register_hook(self, hook: Any) -> None:
        """Run ``hook(grad)`` on the gradient flowing into this node (may return a new one)."""
        if self.hooks is None:
            self.hooks = []
        self.hooks.append(hook)

    def __repr__(self) -> str:
        return f"<{self.name()} object at {id(self):#x}>"
