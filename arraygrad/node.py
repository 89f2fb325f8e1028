"""Graph nodes: what ``tensor.grad_fn`` returns.

A node records one op application: the op, its inputs (with the version each input tensor
had), its parameters, and one edge per input — the input's own node, the input tensor
itself when it is a leaf that requires grad, or ``None``.
"""

from __future__ import annotations

import itertools
from typing import Any

__all__ = ["Node", "make_node"]

# Monotonic creation order. A node is always created after the nodes of its inputs, so
# visiting nodes by decreasing sequence number is a topological order (no pre-pass needed).
_sequence = itertools.count()

# The sequence number drawn by the latest in-place write to any tensor (every version bump
# draws one: ``Tensor._bump_version``). A node whose ``seq`` is larger was recorded after
# that write, so none of its saved versions can have changed: backward compares them only
# for older nodes.
_last_write = [-1]


class Node:
    """One recorded op application (``grad_fn``)."""

    __slots__ = ("op", "seq", "backend", "links", "n_inputs", "params", "out", "out_version",
                 "versions", "hooks", "retained", "__weakref__")
    op: Any                  # the registry's Op
    seq: int                 # creation order (see _sequence)
    backend: Any             # the Backend the op ran on
    links: tuple             # the inputs, then the edges (see below)
    n_inputs: int
    params: dict             # non-tensor keyword arguments of the op
    out: Any                 # raw output, only for ops whose rule uses it
    out_version: Any         # with ``out``: the output's version cell (else None)
    versions: tuple | None   # per input: version when saved (None for constants)
    hooks: list | None       # hooks of the (non-leaf) tensor this node produced
    retained: Any            # weakref to that tensor when it called retain_grad()

    # ``links`` holds the inputs and the edges in one tuple, ``(in_0, ..., in_n-1, edge_0,
    # ..., edge_n-1)``, and only the edges once backward has released the inputs
    # (``n_inputs`` is then 0): one GC-tracked container per node instead of two, which is
    # what the cyclic collector rescans while a deep graph is alive.
    #
    # No ``__init__``: ``Node()`` (object's own constructor, which calls no Python code) is
    # the cheapest way to make one; the op registry's hot path then sets the slots itself
    # (a test checks that it sets every one), and :func:`make_node` does it for the rest.

    @property
    def inputs(self) -> tuple | None:
        """The op's positional inputs (Tensors or constants), or None once backward has
        released them."""
        n = self.n_inputs
        return self.links[:n] if n else None

    @property
    def edges(self) -> tuple:
        """Per input: the Node to propagate to, the leaf Tensor to accumulate into, or
        None (a constant, or an input that needed no gradient when this node was made)."""
        return self.links[self.n_inputs:]

    @property
    def arrays(self) -> tuple | None:
        """The raw values the first-order rules read: the inputs with every Tensor
        replaced by its array (None once backward has released the inputs).

        A node keeps only its input Tensors, not a second copy of their arrays: a rule
        reads an input's current array, and an in-place write since recording (which
        changes that array) is caught by the version check before any rule runs.
        """
        inputs = self.inputs
        if inputs is None:
            return None
        return tuple(a._data if getattr(a.__class__, "_ag_tensor", False) else a
                     for a in inputs)

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


def make_node(op: Any, backend: Any, inputs: tuple, params: dict, out: Any, edges: tuple,
              versions: tuple | None) -> Node:
    """A new :class:`Node` with every slot set: ``op`` applied to ``inputs`` (Tensors or
    constants) with the non-tensor keyword arguments ``params``; ``out`` is the raw output
    for ops whose rule uses it (else None); one edge and one saved version (None for
    constants) per input, or ``versions`` None when no rule reads input values."""
    node = Node()
    node.op = op
    node.seq = next(_sequence)
    node.backend = backend
    node.links = inputs + edges
    node.n_inputs = len(inputs)
    node.params = params
    node.out = out
    node.out_version = None  # with ``out``: the output's version cell (set by the caller)
    node.versions = versions
    node.hooks = None  # hooks of the (non-leaf) tensor this node produced
    node.retained = None  # weakref to that tensor when it called retain_grad()
    return node
