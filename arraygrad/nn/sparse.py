"""Lookup-table layers: ``Embedding`` and ``EmbeddingBag``."""

from __future__ import annotations

from typing import Any

from arraygrad import creation
from arraygrad.grad_mode import no_grad
from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn._common import factory, non_default
from arraygrad.nn.functional.sparse import _padding_idx, sparse_gradient_error
from arraygrad.nn.module import Module
from arraygrad.nn.parameter import Parameter
from arraygrad.tensor import Tensor

__all__ = ["Embedding", "EmbeddingBag"]


class Embedding(Module):
    """A lookup table: integer indices of any shape -> rows of ``weight`` (N(0, 1) init).

    Parameters
    ----------
    num_embeddings, embedding_dim : int
    padding_idx : int, optional
        This row starts at zero and gets no gradient.
    max_norm, norm_type : optional
        Rows looked up with a larger ``norm_type``-norm are renormalized in place.
    scale_grad_by_freq : bool
        Divide each row's gradient by its frequency in the batch.
    sparse : bool
        PyTorch's sparse gradient: refused (NotImplementedError, here when the weight
        requires grad, else at the first forward after it does) since arraygrad's
        gradients are dense; ``sparse=False`` gives the same gradient values, densified.
    _weight : Tensor, optional
        Use this table instead of a random one; ``_freeze`` keeps it from training.
    device, dtype : optional

    Examples
    --------
    >>> import arraygrad as ag
    >>> emb = ag.nn.Embedding(10, 3, padding_idx=0)
    >>> emb(ag.tensor([[0, 2, 5]])).shape
    (1, 3, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, padding_idx: int | None = None,
                 max_norm: float | None = None, norm_type: float = 2.0,
                 scale_grad_by_freq: bool = False, sparse: bool = False,
                 _weight: Tensor | None = None, _freeze: bool = False, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        if sparse and not _freeze:  # before anything is drawn or built
            raise sparse_gradient_error("Embedding", (num_embeddings, embedding_dim))
        super().__init__()
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.padding_idx = _padding_idx(padding_idx, num_embeddings, "Embedding")
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.sparse = sparse
        if _weight is None:
            self.weight = Parameter(creation.empty((num_embeddings, embedding_dim),
                                                   **factory(dtype, device, backend)),
                                    requires_grad=not _freeze)
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"Embedding: shape of _weight {tuple(_weight.shape)} does not "
                                 f"match num_embeddings and embedding_dim "
                                 f"({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight.detach(), requires_grad=not _freeze)

    def reset_parameters(self) -> None:
        """Re-draw the table from N(0, 1); the padding row is zero."""
        init.normal_(self.weight)
        self._fill_padding_idx_with_zero()

    def _fill_padding_idx_with_zero(self) -> None:
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input: Tensor) -> Tensor:  # noqa: A002
        if isinstance(input, Tensor) and input.dtype.kind not in "iu":
            raise TypeError(f"{self!r}: indices must be an integer tensor, got dtype "
                            f"{input.dtype.name} (shape {input.shape})")
        return F.embedding(input, self.weight, self.padding_idx, self.max_norm,
                           self.norm_type, self.scale_grad_by_freq, self.sparse)

    def extra_repr(self) -> str:
        return f"{self.num_embeddings}, {self.embedding_dim}" + non_default(
            self, padding_idx=None, max_norm=None, norm_type=2, scale_grad_by_freq=False,
            sparse=False)

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        padding_idx: int | None = None, max_norm: float | None = None,
                        norm_type: float = 2.0, scale_grad_by_freq: bool = False,
                        sparse: bool = False) -> Embedding:
        """An Embedding holding the 2-D ``embeddings`` (frozen unless ``freeze=False``).

        Examples
        --------
        >>> import arraygrad as ag
        >>> emb = ag.nn.Embedding.from_pretrained(ag.tensor([[1.0, 2.0], [3.0, 4.0]]))
        >>> emb(ag.tensor([1])).tolist(), emb.weight.requires_grad
        ([[3.0, 4.0]], False)
        """
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise ValueError("Embedding.from_pretrained: embeddings parameter is expected to "
                             "be 2-dimensional")
        rows, cols = embeddings.shape
        return cls(rows, cols, padding_idx, max_norm, norm_type, scale_grad_by_freq, sparse,
                   _weight=embeddings, _freeze=freeze)


class EmbeddingBag(Module):
    """Sums, means or maxima of bags of embeddings (see
    :func:`arraygrad.nn.functional.embedding_bag`).

    Examples
    --------
    >>> import arraygrad as ag
    >>> bag = ag.nn.EmbeddingBag(10, 3, mode="sum")
    >>> bag(ag.tensor([1, 2, 4, 5]), ag.tensor([0, 2])).shape
    (2, 3)
    """

    def __init__(self, num_embeddings: int, embedding_dim: int, max_norm: float | None = None,
                 norm_type: float = 2.0, scale_grad_by_freq: bool = False, mode: str = "mean",
                 sparse: bool = False, _weight: Tensor | None = None,
                 include_last_offset: bool = False, padding_idx: int | None = None,
                 device: Any = None, dtype: Any = None, *, backend: Any = None) -> None:
        if sparse:  # before anything is drawn or built
            raise sparse_gradient_error("EmbeddingBag", (num_embeddings, embedding_dim))
        super().__init__()
        if mode not in ("sum", "mean", "max"):
            raise ValueError(f"EmbeddingBag: mode must be 'sum', 'mean' or 'max', got {mode!r}")
        self.num_embeddings = num_embeddings
        self.embedding_dim = embedding_dim
        self.max_norm = max_norm
        self.norm_type = norm_type
        self.scale_grad_by_freq = scale_grad_by_freq
        self.mode = mode
        self.sparse: bool = sparse
        self.include_last_offset = include_last_offset
        self.padding_idx = _padding_idx(padding_idx, num_embeddings, "EmbeddingBag")
        if _weight is None:
            self.weight = Parameter(creation.empty((num_embeddings, embedding_dim),
                                                   **factory(dtype, device, backend)))
            self.reset_parameters()
        else:
            if tuple(_weight.shape) != (num_embeddings, embedding_dim):
                raise ValueError(f"EmbeddingBag: shape of _weight {tuple(_weight.shape)} does "
                                 f"not match ({num_embeddings}, {embedding_dim})")
            self.weight = Parameter(_weight.detach())

    def reset_parameters(self) -> None:
        """Re-draw the table from N(0, 1); the padding row is zero."""
        init.normal_(self.weight)
        if self.padding_idx is not None:
            with no_grad():
                self.weight[self.padding_idx] = 0.0

    def forward(self, input: Tensor, offsets: Tensor | None = None,  # noqa: A002
                per_sample_weights: Tensor | None = None) -> Tensor:
        return F.embedding_bag(input, self.weight, offsets, self.max_norm, self.norm_type,
                               self.scale_grad_by_freq, self.mode, self.sparse,
                               per_sample_weights, self.include_last_offset, self.padding_idx)

    def extra_repr(self) -> str:
        return (f"{self.num_embeddings}, {self.embedding_dim}, mode={self.mode!r}"
                + non_default(self, padding_idx=None))

    @classmethod
    def from_pretrained(cls, embeddings: Tensor, freeze: bool = True,
                        max_norm: float | None = None, norm_type: float = 2.0,
                        scale_grad_by_freq: bool = False, mode: str = "mean",
                        sparse: bool = False, include_last_offset: bool = False,
                        padding_idx: int | None = None) -> EmbeddingBag:
        """An EmbeddingBag holding the 2-D ``embeddings`` (frozen unless ``freeze=False``).

        Examples
        --------
        >>> import arraygrad as ag
        >>> bag = ag.nn.EmbeddingBag.from_pretrained(ag.tensor([[1.0], [3.0]]))
        >>> bag(ag.tensor([[0, 1]])).tolist()
        [[2.0]]
        """
        if not isinstance(embeddings, Tensor) or embeddings.ndim != 2:
            raise ValueError("EmbeddingBag.from_pretrained: embeddings parameter is expected "
                             "to be 2-dimensional")
        rows, cols = embeddings.shape
        if sparse and not freeze:
            raise sparse_gradient_error("EmbeddingBag.from_pretrained", embeddings.shape)
        bag = cls(rows, cols, max_norm, norm_type, scale_grad_by_freq, mode, False,
                  embeddings, include_last_offset, padding_idx)
        bag.weight.requires_grad_(not freeze)
        bag.sparse = sparse  # frozen: no gradient at all, as in PyTorch
        return bag
