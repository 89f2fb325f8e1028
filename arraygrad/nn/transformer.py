"""Transformer layers (PyTorch's ``nn.Transformer*``: names, submodules, defaults, masks).

Submodule and parameter names are PyTorch's (``self_attn``, ``multihead_attn``,
``linear1``, ``linear2``, ``norm1``..``norm3``, ``dropout1``..``dropout3``,
``layers.0...``), so a torch ``state_dict`` loads as is. Masks are those of
:class:`~arraygrad.nn.MultiheadAttention` (boolean True = not allowed, or float added).

PyTorch has inference fast paths (fused kernels, nested tensors) that compute the same
values, except one: ``TransformerEncoder`` in eval mode without gradients, given a
``src_key_padding_mask``, returns 0 at padded positions. arraygrad always computes the
ordinary layer there (the values a padded position would have in training mode).
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from typing import Any

from arraygrad import creation
from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn.attention import MultiheadAttention
from arraygrad.nn.containers import ModuleList
from arraygrad.nn.layers import Dropout, Linear
from arraygrad.nn.module import Module
from arraygrad.nn.normalization import LayerNorm
from arraygrad.tensor import Tensor

__all__ = ["Transformer", "TransformerEncoder", "TransformerDecoder",
           "TransformerEncoderLayer", "TransformerDecoderLayer"]

Activation = str | Callable[[Tensor], Tensor]


def _activation(activation: Activation, layer: str) -> Callable[[Tensor], Tensor]:
    if isinstance(activation, str):
        if activation == "relu":
            return F.relu
        if activation == "gelu":
            return F.gelu
        raise RuntimeError(f"{layer}: activation should be relu/gelu, not {activation}")
    if not callable(activation):
        raise TypeError(f"{layer}: activation must be 'relu', 'gelu' or a callable, got "
                        f"{type(activation).__name__}")
    return activation


def _square_causal(size: int, like: Tensor) -> Tensor:
    return Transformer.generate_square_subsequent_mask(size, device=like.device,
                                                       dtype=like.dtype, backend=like.backend)


def _detect_is_causal_mask(mask: Tensor | None, is_causal: bool | None,
                           size: int | None = None) -> bool:
    """PyTorch's rule: an explicit hint wins; otherwise a mask equal to the square
    subsequent mask counts as causal."""
    if is_causal is not None:
        return bool(is_causal)
    if mask is None or mask.ndim != 2 or mask.dtype.kind != "f":
        return False
    n = size if size is not None else mask.shape[-2]
    if tuple(mask.shape) != (n, n):
        return False
    return bool((mask == _square_causal(n, mask)).all().item())


def _seq_len(x: Tensor, batch_first: bool) -> int:
    return x.shape[1] if batch_first and x.ndim == 3 else x.shape[0]


def _check_width(x: Any, d_model: int, layer: str, what: str, batch_first: bool) -> None:
    if not isinstance(x, Tensor) or x.ndim not in (2, 3) or x.shape[-1] != d_model:
        layout = "(batch, seq, " if batch_first else "(seq, batch, "
        got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
        raise ValueError(f"{layer}: expected {what} of shape {layout}{d_model}) or "
                         f"(seq, {d_model}), got {got}")


class _TransformerLayer(Module):
    """What the encoder and decoder layers share: PyTorch's submodules in PyTorch's order
    (attention, feed-forward, norms, dropouts; the decoder adds cross-attention, a third norm
    and a third dropout) and the residual wiring of their blocks, pre- or post-norm."""

    _cross_attention = False  # the decoder's: attention over ``memory``

    def __init__(self, d_model: int, nhead: int, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Activation = "relu",
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: str | None = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        cross_attention = self._cross_attention
        f = {"dtype": dtype, "device": device, "backend": backend}

        def attention() -> MultiheadAttention:
            return MultiheadAttention(d_model, nhead, dropout=dropout, bias=bias,
                                      batch_first=batch_first, **f)

        def norm() -> LayerNorm:
            return LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **f)

        self.self_attn = attention()
        if cross_attention:
            self.multihead_attn = attention()
        self.linear1 = Linear(d_model, dim_feedforward, bias=bias, **f)
        self.dropout = Dropout(dropout)
        self.linear2 = Linear(dim_feedforward, d_model, bias=bias, **f)
        self.norm_first = norm_first
        self.norm1 = norm()
        self.norm2 = norm()
        if cross_attention:
            self.norm3 = norm()
        self.dropout1 = Dropout(dropout)
        self.dropout2 = Dropout(dropout)
        if cross_attention:
            self.dropout3 = Dropout(dropout)
        self.batch_first = batch_first
        if not cross_attention:  # PyTorch's encoder layer keeps this flag, its decoder not
            self.activation_relu_or_gelu = {"relu": 1, "gelu": 2}.get(
                activation if isinstance(activation, str) else "", 0)
        self.activation = _activation(activation, type(self).__name__)

    def _residuals(self, x: Tensor,
                   blocks: list[tuple[Module, Callable[[Tensor], Tensor]]]) -> Tensor:
        """``x + block(norm(x))`` (pre-norm) or ``norm(x + block(x))`` for each block."""
        for norm, block in blocks:
            x = x + block(norm(x)) if self.norm_first else norm(x + block(x))
        return x

    @staticmethod
    def _attention_block(attention: Module, dropout: Module, x: Tensor, mem: Tensor,
                         attn_mask: Tensor | None, key_padding_mask: Tensor | None,
                         is_causal: bool) -> Tensor:
        x = attention(x, mem, mem, attn_mask=attn_mask, key_padding_mask=key_padding_mask,
                      need_weights=False, is_causal=is_causal)[0]
        return dropout(x)

    def _ff_block(self, x: Tensor, dropout: Module) -> Tensor:
        return dropout(self.linear2(self.dropout(self.activation(self.linear1(x)))))


class TransformerEncoderLayer(_TransformerLayer):
    """Self-attention then a feed-forward block, each with a residual and a LayerNorm.

    Parameters
    ----------
    d_model, nhead : int
    dim_feedforward : int
    dropout : float
    activation : {"relu", "gelu"} or callable
    layer_norm_eps : float
    batch_first : bool
    norm_first : bool
        Pre-norm (``x + block(norm(x))``) instead of post-norm (``norm(x + block(x))``).
    bias : bool
    device, dtype, backend : optional

    Forward ``(src, src_mask=None, src_key_padding_mask=None, is_causal=False)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16, batch_first=True)
    >>> layer(ag.randn(3, 5, 8)).shape
    (3, 5, 8)
    """

    def forward(self, src: Tensor, src_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None, is_causal: bool = False) -> Tensor:
        _check_width(src, self.self_attn.embed_dim, "TransformerEncoderLayer", "src",
                     self.batch_first)
        return self._residuals(src, [
            (self.norm1, lambda x: self._attention_block(
                self.self_attn, self.dropout1, x, x, src_mask, src_key_padding_mask,
                is_causal)),
            (self.norm2, lambda x: self._ff_block(x, self.dropout2))])


class TransformerDecoderLayer(_TransformerLayer):
    """Self-attention, cross-attention over ``memory``, then a feed-forward block.

    Parameters as :class:`TransformerEncoderLayer`. Forward ``(tgt, memory, tgt_mask=None,
    memory_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    tgt_is_causal=False, memory_is_causal=False)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)
    >>> layer(ag.randn(4, 2, 8), ag.randn(6, 2, 8)).shape
    (4, 2, 8)
    """

    _cross_attention = True

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None, tgt_is_causal: bool = False,
                memory_is_causal: bool = False) -> Tensor:
        d_model = self.self_attn.embed_dim
        _check_width(tgt, d_model, "TransformerDecoderLayer", "tgt", self.batch_first)
        _check_width(memory, d_model, "TransformerDecoderLayer", "memory", self.batch_first)
        return self._residuals(tgt, [
            (self.norm1, lambda x: self._attention_block(
                self.self_attn, self.dropout1, x, x, tgt_mask, tgt_key_padding_mask,
                tgt_is_causal)),
            (self.norm2, lambda x: self._attention_block(
                self.multihead_attn, self.dropout2, x, memory, memory_mask,
                memory_key_padding_mask, memory_is_causal)),
            (self.norm3, lambda x: self._ff_block(x, self.dropout3))])


class _TransformerStack(Module):
    """``num_layers`` deep copies of ``layer``, then an optional ``norm``: what
    :class:`TransformerEncoder` and :class:`TransformerDecoder` share."""

    def __init__(self, layer: Module, num_layers: int, norm: Module | None) -> None:
        super().__init__()
        self.layers = ModuleList([copy.deepcopy(layer) for _ in range(num_layers)])
        self.num_layers = num_layers
        self.norm = norm

    def _run(self, x: Tensor, mask: Tensor | None, is_causal: bool | None,
             step: Callable[[Module, Tensor, bool], Tensor]) -> Tensor:
        """``x = step(layer, x, causal)`` through every layer, then the norm; ``causal`` is
        PyTorch's detection of a causal ``mask`` (an explicit ``is_causal`` wins)."""
        first = self.layers[0] if len(self.layers) else None
        batch_first = bool(getattr(first, "batch_first", False))
        causal = _detect_is_causal_mask(mask, is_causal, _seq_len(x, batch_first))
        for layer in self.layers:
            x = step(layer, x, causal)
        if self.norm is not None:
            x = self.norm(x)
        return x


class TransformerEncoder(_TransformerStack):
    """``num_layers`` deep copies of ``encoder_layer``, then an optional ``norm``.

    Parameters
    ----------
    encoder_layer : TransformerEncoderLayer
    num_layers : int
    norm : Module, optional
    enable_nested_tensor, mask_check : bool
        Accepted for PyTorch compatibility (they only steer PyTorch's inference fast path).

    Forward ``(src, mask=None, src_key_padding_mask=None, is_causal=None)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.TransformerEncoderLayer(8, 2, dim_feedforward=16)
    >>> ag.nn.TransformerEncoder(layer, 2)(ag.randn(5, 3, 8)).shape
    (5, 3, 8)
    """

    def __init__(self, encoder_layer: Module, num_layers: int, norm: Module | None = None,
                 enable_nested_tensor: bool = True, mask_check: bool = True) -> None:
        super().__init__(encoder_layer, num_layers, norm)
        self.enable_nested_tensor = enable_nested_tensor
        self.mask_check = mask_check

    def forward(self, src: Tensor, mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                is_causal: bool | None = None) -> Tensor:
        return self._run(src, mask, is_causal, lambda layer, x, causal: layer(
            x, src_mask=mask, is_causal=causal, src_key_padding_mask=src_key_padding_mask))


class TransformerDecoder(_TransformerStack):
    """``num_layers`` deep copies of ``decoder_layer``, then an optional ``norm``.

    Forward ``(tgt, memory, tgt_mask=None, memory_mask=None, tgt_key_padding_mask=None,
    memory_key_padding_mask=None, tgt_is_causal=None, memory_is_causal=False)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.TransformerDecoderLayer(8, 2, dim_feedforward=16)
    >>> ag.nn.TransformerDecoder(layer, 2)(ag.randn(4, 3, 8), ag.randn(5, 3, 8)).shape
    (4, 3, 8)
    """

    def __init__(self, decoder_layer: Module, num_layers: int,
                 norm: Module | None = None) -> None:
        super().__init__(decoder_layer, num_layers, norm)

    def forward(self, tgt: Tensor, memory: Tensor, tgt_mask: Tensor | None = None,
                memory_mask: Tensor | None = None, tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                tgt_is_causal: bool | None = None, memory_is_causal: bool = False) -> Tensor:
        return self._run(tgt, tgt_mask, tgt_is_causal, lambda layer, x, causal: layer(
            x, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
            tgt_key_padding_mask=tgt_key_padding_mask,
            memory_key_padding_mask=memory_key_padding_mask, tgt_is_causal=causal,
            memory_is_causal=memory_is_causal))


class Transformer(Module):
    """Encoder-decoder transformer ("Attention Is All You Need"), PyTorch's layout.

    Parameters
    ----------
    d_model, nhead, num_encoder_layers, num_decoder_layers, dim_feedforward : int
    dropout : float
    activation : {"relu", "gelu"} or callable
    custom_encoder, custom_decoder : Module, optional
    layer_norm_eps : float
    batch_first, norm_first, bias : bool
    device, dtype, backend : optional

    Every parameter with more than one dimension is re-drawn with ``xavier_uniform_``.
    Forward ``(src, tgt, src_mask=None, tgt_mask=None, memory_mask=None,
    src_key_padding_mask=None, tgt_key_padding_mask=None, memory_key_padding_mask=None,
    src_is_causal=None, tgt_is_causal=None, memory_is_causal=False)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> model = ag.nn.Transformer(8, 2, 1, 1, dim_feedforward=16)
    >>> mask = model.generate_square_subsequent_mask(4)
    >>> model(ag.randn(6, 2, 8), ag.randn(4, 2, 8), tgt_mask=mask).shape
    (4, 2, 8)
    """

    def __init__(self, d_model: int = 512, nhead: int = 8, num_encoder_layers: int = 6,
                 num_decoder_layers: int = 6, dim_feedforward: int = 2048,
                 dropout: float = 0.1, activation: Activation = "relu",
                 custom_encoder: Module | None = None, custom_decoder: Module | None = None,
                 layer_norm_eps: float = 1e-5, batch_first: bool = False,
                 norm_first: bool = False, bias: bool = True, device: str | None = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        f = {"dtype": dtype, "device": device, "backend": backend}

        def stack(layer: type[_TransformerLayer], stack: type[_TransformerStack],
                  num_layers: int) -> Module:
            one = layer(d_model, nhead, dim_feedforward, dropout, activation, layer_norm_eps,
                        batch_first, norm_first, bias, **f)
            return stack(one, num_layers, LayerNorm(d_model, eps=layer_norm_eps, bias=bias, **f))

        self.encoder = (custom_encoder if custom_encoder is not None else
                        stack(TransformerEncoderLayer, TransformerEncoder, num_encoder_layers))
        self.decoder = (custom_decoder if custom_decoder is not None else
                        stack(TransformerDecoderLayer, TransformerDecoder, num_decoder_layers))
        self._reset_parameters()
        self.d_model = d_model
        self.nhead = nhead
        self.batch_first = batch_first

    def _reset_parameters(self) -> None:
        for p in self.parameters():
            if p.ndim > 1:
                init.xavier_uniform_(p)

    def forward(self, src: Tensor, tgt: Tensor, src_mask: Tensor | None = None,
                tgt_mask: Tensor | None = None, memory_mask: Tensor | None = None,
                src_key_padding_mask: Tensor | None = None,
                tgt_key_padding_mask: Tensor | None = None,
                memory_key_padding_mask: Tensor | None = None,
                src_is_causal: bool | None = None, tgt_is_causal: bool | None = None,
                memory_is_causal: bool = False) -> Tensor:
        for what, x in (("src", src), ("tgt", tgt)):
            if not isinstance(x, Tensor) or x.ndim not in (2, 3):
                raise ValueError(f"Transformer: expected {what} of 2 or 3 dimensions, got "
                                 f"{tuple(x.shape) if isinstance(x, Tensor) else type(x)}")
        batched = src.ndim == 3
        axis = 0 if self.batch_first else 1
        if batched and (tgt.ndim != 3 or src.shape[axis] != tgt.shape[axis]):
            raise RuntimeError(f"Transformer: the batch number of src and tgt must be equal, "
                               f"got src {tuple(src.shape)} and tgt {tuple(tgt.shape)} "
                               f"(batch_first={self.batch_first})")
        if src.shape[-1] != self.d_model or tgt.shape[-1] != self.d_model:
            raise RuntimeError(f"Transformer: the feature number of src and tgt must be equal "
                               f"to d_model ({self.d_model}), got src {tuple(src.shape)} and "
                               f"tgt {tuple(tgt.shape)}")
        memory = self.encoder(src, mask=src_mask, src_key_padding_mask=src_key_padding_mask,
                              is_causal=src_is_causal)
        return self.decoder(tgt, memory, tgt_mask=tgt_mask, memory_mask=memory_mask,
                            tgt_key_padding_mask=tgt_key_padding_mask,
                            memory_key_padding_mask=memory_key_padding_mask,
                            tgt_is_causal=tgt_is_causal, memory_is_causal=memory_is_causal)

    @staticmethod
    def generate_square_subsequent_mask(sz: int, device: str | None = None, dtype: Any = None,
                                        *, backend: Any = None) -> Tensor:
        """Float ``(sz, sz)`` mask: ``-inf`` above the diagonal, 0 on and below it.

        Examples
        --------
        >>> import arraygrad as ag
        >>> ag.nn.Transformer.generate_square_subsequent_mask(3).tolist()
        [[0.0, -inf, -inf], [0.0, 0.0, -inf], [0.0, 0.0, 0.0]]
        """
        full = creation.full((sz, sz), float("-inf"), dtype=dtype, device=device,
                             backend=backend)
        return full.triu(1)
