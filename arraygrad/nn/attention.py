"""Attention: ``scaled_dot_product_attention``, ``multi_head_attention_forward`` and
:class:`MultiheadAttention` (PyTorch's names, argument order, masks and parameters).

Masks follow PyTorch, whose two conventions differ:

- ``scaled_dot_product_attention``: a boolean ``attn_mask`` is True where a query **may**
  attend; a float mask is added to the scores.
- ``MultiheadAttention`` / ``multi_head_attention_forward``: a boolean ``attn_mask`` or
  ``key_padding_mask`` is True where attention is **not** allowed; a float mask is added.

As in PyTorch, a query row that may attend to nothing gets zeros from
``scaled_dot_product_attention`` (so from ``MultiheadAttention(need_weights=False)`` and the
transformer layers) and NaN from ``MultiheadAttention(need_weights=True)``, which returns
the attention weights. Everything is a composition of arraygrad ops (matmul, softmax,
where...), so gradients come for free.
"""

from __future__ import annotations

import math
from typing import Any

from arraygrad import _dtypes, creation
from arraygrad.nn import init
from arraygrad.nn.layers import Linear
from arraygrad.nn.module import Module
from arraygrad.nn.parameter import Parameter
from arraygrad.ops import elementwise as ew
from arraygrad.ops import reductions as red
from arraygrad.ops import shape as sh
from arraygrad.ops._arrays import is_array
from arraygrad.ops.indexing import take
from arraygrad.ops.linalg import matmul
from arraygrad.ops.nn import softmax
from arraygrad.tensor import Tensor

__all__ = ["scaled_dot_product_attention", "multi_head_attention_forward",
           "MultiheadAttention"]


def _F():
    from arraygrad.nn import functional

    return functional


def _shape(t: Any) -> Any:
    return tuple(t.shape) if is_array(t) else type(t).__name__


def _ndim(t: Any) -> int:
    return t.ndim if is_array(t) else -1


def _causal(rows: int, cols: int, like: Tensor) -> Tensor:
    """Boolean ``(rows, cols)``: True on and below the diagonal."""
    r = creation.arange(rows, dtype=_dtypes.int64, backend=like.backend, device=like.device)
    c = creation.arange(cols, dtype=_dtypes.int64, backend=like.backend, device=like.device)
    return sh.reshape(r, (rows, 1)) >= sh.reshape(c, (1, cols))


def _neg_inf(like: Tensor) -> Tensor:
    return creation.full((), float("-inf"), dtype=like.dtype, backend=like.backend,
                         device=like.device)


def scaled_dot_product_attention(query: Tensor, key: Tensor, value: Tensor,
                                 attn_mask: Tensor | None = None, dropout_p: float = 0.0,
                                 is_causal: bool = False, scale: float | None = None,
                                 enable_gqa: bool = False) -> Tensor:
    """``softmax(q k^T * scale + mask) v`` over the last two axes (PyTorch's math).

    Parameters
    ----------
    query : Tensor
        ``(..., L, E)``.
    key, value : Tensor
        ``(..., S, E)`` and ``(..., S, Ev)``; leading axes broadcast against ``query``'s.
    attn_mask : Tensor, optional
        Broadcastable to ``(..., L, S)``: boolean (True = may attend) or float (added).
    dropout_p : float
        Dropout probability on the attention weights (applied whenever > 0, as PyTorch).
    is_causal : bool
        Mask out keys after each query (lower-triangular ``(L, S)``); not with ``attn_mask``.
    scale : float, optional
        Default ``1 / sqrt(E)``.
    enable_gqa : bool
        Grouped-query attention: ``key``/``value`` have fewer heads (axis -3) than
        ``query``; each is repeated to match.

    Returns
    -------
    Tensor
        ``(..., L, Ev)``. A row with nothing to attend to gives zeros.

    Examples
    --------
    >>> import arraygrad as ag
    >>> q = ag.randn(2, 4, 5, 8)
    >>> ag.nn.functional.scaled_dot_product_attention(q, q, q, is_causal=True).shape
    (2, 4, 5, 8)
    """
    op = "scaled_dot_product_attention"
    for label, t in (("query", query), ("key", key), ("value", value)):
        if not is_array(t) or t.ndim < 2:
            raise ValueError(f"{op}: {label} must be a Tensor of at least 2 dimensions "
                             f"(..., length, features), got {_shape(t)}")
    if query.shape[-1] != key.shape[-1] or key.shape[-2] != value.shape[-2]:
        raise ValueError(f"{op}: expected query (..., L, E), key (..., S, E) and value "
                         f"(..., S, Ev), got {tuple(query.shape)}, {tuple(key.shape)} and "
                         f"{tuple(value.shape)}")
    if not 0.0 <= dropout_p <= 1.0:
        raise ValueError(f"{op}: dropout_p must be in [0, 1], got {dropout_p}")
    if is_causal and attn_mask is not None:
        raise ValueError(f"{op}: pass either attn_mask or is_causal=True, not both")
    if enable_gqa and query.ndim >= 3 and key.shape[-3] != query.shape[-3]:
        heads, kv_heads = query.shape[-3], key.shape[-3]
        if kv_heads == 0 or heads % kv_heads:
            raise ValueError(f"{op}: with enable_gqa the query heads ({heads}) must be a "
                             f"multiple of the key/value heads ({kv_heads})")
        index = creation.tensor([h // (heads // kv_heads) for h in range(heads)],
                                dtype=_dtypes.int64, backend=key.backend, device=key.device)
        key = take(key, index, axis=key.ndim - 3)
        value = take(value, index, axis=value.ndim - 3)
    length, source = query.shape[-2], key.shape[-2]
    factor = 1.0 / math.sqrt(query.shape[-1]) if scale is None else scale
    scores = matmul(query, sh.matrix_transpose(key)) * factor
    if is_causal:
        scores = ew.where(_causal(length, source, query), scores, _neg_inf(scores))
    elif attn_mask is not None:
        if not is_array(attn_mask):
            raise TypeError(f"{op}: attn_mask must be a Tensor, got "
                            f"{type(attn_mask).__name__}")
        if attn_mask.dtype.kind == "b":
            scores = ew.where(attn_mask, scores, _neg_inf(scores))
        elif attn_mask.dtype.kind in "fc":
            scores = scores + attn_mask
        else:
            raise TypeError(f"{op}: attn_mask must be bool or floating point, got dtype "
                            f"{attn_mask.dtype.name}")
    # PyTorch's safe softmax: a row whose every score is -inf attends to nothing (zeros);
    # its scores are zeroed first so that neither the values nor the gradients see NaN
    dead = red.all(scores == float("-inf"), axis=-1, keepdims=True)
    zero = creation.zeros((), dtype=scores.dtype, backend=scores.backend, device=scores.device)
    weights = ew.where(dead, zero, softmax(ew.where(dead, zero, scores), axis=-1))
    if dropout_p > 0.0:
        weights = _F().dropout(weights, dropout_p, True)
    return matmul(weights, value)


def _float_mask(mask: Tensor | None, name: str, like: Tensor) -> Tensor | None:
    """PyTorch's canonical mask: bool (True = masked) becomes 0 / -inf; float is kept."""
    if mask is None:
        return None
    if not is_array(mask):
        raise TypeError(f"MultiheadAttention: {name} must be a Tensor, got "
                        f"{type(mask).__name__}")
    if mask.dtype.kind == "b":
        zero = creation.zeros((), dtype=like.dtype, backend=like.backend, device=like.device)
        return ew.where(mask, _neg_inf(like), zero)
    if mask.dtype.kind != "f":
        raise TypeError(f"MultiheadAttention: only bool and floating types of {name} are "
                        f"supported, got dtype {mask.dtype.name}")
    return mask


def _pad_column(mask: Tensor | None) -> Tensor | None:
    """One zero column appended on the last axis (a key added at the end)."""
    if mask is None:
        return None
    zero = creation.zeros(tuple(mask.shape[:-1]) + (1,), dtype=mask.dtype,
                          backend=mask.backend, device=mask.device)
    return sh.concat([mask, zero], axis=-1)


def _check_shapes(query: Tensor, key: Tensor, value: Tensor, key_padding_mask: Any,
                  attn_mask: Any, num_heads: int) -> bool:
    """Whether the call is batched; raises on inconsistent ranks (PyTorch's rules)."""
    name = "MultiheadAttention"
    for label, t in (("query", query), ("key", key), ("value", value)):
        if not is_array(t):
            raise TypeError(f"{name}: {label} must be a Tensor, got {type(t).__name__}")
    d = query.ndim
    if d not in (2, 3):
        raise ValueError(f"{name}: query should be an unbatched 2-D or batched 3-D tensor, "
                         f"got shape {tuple(query.shape)}")
    what = f"{'batched' if d == 3 else 'unbatched'} ({d}-D) query"
    if key.ndim != d or value.ndim != d:
        raise ValueError(f"{name}: for {what}, expected key and value to be {d}-D, got "
                         f"{key.ndim}-D and {value.ndim}-D")
    if key_padding_mask is not None and _ndim(key_padding_mask) != d - 1:
        raise ValueError(f"{name}: for {what}, expected key_padding_mask to be None or "
                         f"{d - 1}-D, got shape {_shape(key_padding_mask)}")
    if attn_mask is not None and _ndim(attn_mask) not in (2, 3):
        raise ValueError(f"{name}: for {what}, expected attn_mask to be None, 2-D or 3-D, got "
                         f"shape {_shape(attn_mask)}")
    if d == 2 and attn_mask is not None:
        expected = (num_heads, query.shape[0], key.shape[0])
        if attn_mask.ndim == 3 and tuple(attn_mask.shape) != expected:
            raise ValueError(f"{name}: expected a 3-D attn_mask of shape {expected}, got "
                             f"{tuple(attn_mask.shape)}")
    return d == 3


def multi_head_attention_forward(
        query: Tensor, key: Tensor, value: Tensor, embed_dim_to_check: int, num_heads: int,
        in_proj_weight: Tensor | None, in_proj_bias: Tensor | None, bias_k: Tensor | None,
        bias_v: Tensor | None, add_zero_attn: bool, dropout_p: float,
        out_proj_weight: Tensor, out_proj_bias: Tensor | None, training: bool = True,
        key_padding_mask: Tensor | None = None, need_weights: bool = True,
        attn_mask: Tensor | None = None, use_separate_proj_weight: bool = False,
        q_proj_weight: Tensor | None = None, k_proj_weight: Tensor | None = None,
        v_proj_weight: Tensor | None = None, static_k: Tensor | None = None,
        static_v: Tensor | None = None, average_attn_weights: bool = True,
        is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
    """Multi-head attention on ``(L, N, E)`` inputs (or unbatched ``(L, E)``), as PyTorch's.

    Parameters are PyTorch's (see :class:`MultiheadAttention` for the masks). ``static_k``
    and ``static_v`` (``(N * num_heads, S, E / num_heads)``) replace the projected keys and
    values. ``is_causal`` is a hint that ``attn_mask`` is the causal mask: it needs
    ``attn_mask``, and when neither weights nor a key padding mask are asked for, the
    causal mask is used in its place.

    Returns
    -------
    (Tensor, Tensor or None)
        The output ``(L, N, E)`` and, with ``need_weights``, the attention weights
        ``(N, L, S)`` (averaged over heads) or ``(N, num_heads, L, S)``.
    """
    name = "MultiheadAttention"
    batched = _check_shapes(query, key, value, key_padding_mask, attn_mask, num_heads)
    if not batched:
        query, key, value = query.unsqueeze(1), key.unsqueeze(1), value.unsqueeze(1)
        if key_padding_mask is not None:
            key_padding_mask = key_padding_mask.unsqueeze(0)
    tgt_len, bsz, embed_dim = query.shape
    if embed_dim != embed_dim_to_check:
        raise ValueError(f"{name}: expected query of embedding size {embed_dim_to_check}, got "
                         f"query shape {tuple(query.shape)}")
    if num_heads <= 0 or embed_dim % num_heads:
        raise ValueError(f"{name}: embed_dim ({embed_dim}) must be divisible by num_heads "
                         f"({num_heads})")
    head_dim = embed_dim // num_heads
    if use_separate_proj_weight:
        if tuple(key.shape[:2]) != tuple(value.shape[:2]):
            raise ValueError(f"{name}: key's sequence and batch dims {tuple(key.shape[:2])} "
                             f"do not match value's {tuple(value.shape[:2])}")
    elif tuple(key.shape) != tuple(value.shape):
        raise ValueError(f"{name}: key shape {tuple(key.shape)} does not match value shape "
                         f"{tuple(value.shape)}")
    if key.shape[1] != bsz:
        raise ValueError(f"{name}: query batch size {bsz} does not match key's, got query "
                         f"{tuple(query.shape)} and key {tuple(key.shape)}")
    key_padding_mask = _float_mask(key_padding_mask, "key_padding_mask", query)
    attn_mask = _float_mask(attn_mask, "attn_mask", query)
    if is_causal and attn_mask is None:
        raise RuntimeError(f"{name}: need attn_mask if specifying the is_causal hint; pass "
                           f"the causal mask (e.g. Transformer.generate_square_subsequent_mask)"
                           f" as attn_mask")
    use_causal = is_causal and key_padding_mask is None and not need_weights
    if use_causal:
        attn_mask = None
    F = _F()
    if not use_separate_proj_weight:
        if in_proj_weight is None:
            raise ValueError(f"{name}: use_separate_proj_weight is False but in_proj_weight "
                             f"is None")
        b = [None] * 3 if in_proj_bias is None else [
            in_proj_bias[i * embed_dim:(i + 1) * embed_dim] for i in range(3)]
        w = [in_proj_weight[i * embed_dim:(i + 1) * embed_dim] for i in range(3)]
    else:
        if q_proj_weight is None or k_proj_weight is None or v_proj_weight is None:
            raise ValueError(f"{name}: use_separate_proj_weight is True but q_proj_weight, "
                             f"k_proj_weight or v_proj_weight is None")
        b = [None] * 3 if in_proj_bias is None else [
            in_proj_bias[i * embed_dim:(i + 1) * embed_dim] for i in range(3)]
        w = [q_proj_weight, k_proj_weight, v_proj_weight]
    for label, x, weight in (("query", query, w[0]), ("key", key, w[1]), ("value", value, w[2])):
        if x.shape[-1] != weight.shape[-1]:
            raise ValueError(f"{name}: expected {label} of feature size {weight.shape[-1]}, "
                             f"got {label} shape {tuple(x.shape)}")
    q = F.linear(query, w[0], b[0])
    k = F.linear(key, w[1], b[1])
    v = F.linear(value, w[2], b[2])
    if attn_mask is not None:
        if attn_mask.ndim == 2:
            if tuple(attn_mask.shape) != (tgt_len, key.shape[0]):
                raise ValueError(f"{name}: expected a 2-D attn_mask of shape "
                                 f"{(tgt_len, key.shape[0])}, got {tuple(attn_mask.shape)}")
            attn_mask = attn_mask.unsqueeze(0)
        else:
            expected = (bsz * num_heads, tgt_len, key.shape[0])
            if tuple(attn_mask.shape) != expected:
                raise ValueError(f"{name}: expected a 3-D attn_mask of shape {expected}, got "
                                 f"{tuple(attn_mask.shape)}")
    if bias_k is not None and bias_v is not None:
        if static_k is not None or static_v is not None:
            raise ValueError(f"{name}: bias cannot be added to static key/value")
        k = sh.concat([k, sh.broadcast_to(bias_k, (1, bsz, embed_dim))], axis=0)
        v = sh.concat([v, sh.broadcast_to(bias_v, (1, bsz, embed_dim))], axis=0)
        attn_mask = _pad_column(attn_mask)
        key_padding_mask = _pad_column(key_padding_mask)
    elif (bias_k is None) != (bias_v is None):
        raise ValueError(f"{name}: bias_k and bias_v must both be given or both be None")
    q = q.reshape(tgt_len, bsz * num_heads, head_dim).transpose(0, 1)
    heads = []
    for label, proj, static in (("static_k", k, static_k), ("static_v", v, static_v)):
        if static is None:
            heads.append(proj.reshape(proj.shape[0], bsz * num_heads, head_dim).transpose(0, 1))
        else:
            if (static.ndim != 3 or static.shape[0] != bsz * num_heads
                    or static.shape[2] != head_dim):
                raise ValueError(f"{name}: expected {label} of shape (batch * num_heads = "
                                 f"{bsz * num_heads}, S, head_dim = {head_dim}), got "
                                 f"{_shape(static)}")
            heads.append(static)
    k, v = heads
    if add_zero_attn:
        zeros = creation.zeros((bsz * num_heads, 1, head_dim), dtype=k.dtype,
                               backend=k.backend, device=k.device)
        k = sh.concat([k, zeros], axis=1)
        v = sh.concat([v, zeros], axis=1)
        attn_mask = _pad_column(attn_mask)
        key_padding_mask = _pad_column(key_padding_mask)
    src_len = k.shape[1]
    if key_padding_mask is not None:
        if tuple(key_padding_mask.shape) != (bsz, src_len):
            raise ValueError(f"{name}: expected key_padding_mask of shape {(bsz, src_len)}, "
                             f"got {tuple(key_padding_mask.shape)}")
        kpm = sh.broadcast_to(sh.reshape(key_padding_mask, (bsz, 1, 1, src_len)),
                              (bsz, num_heads, 1, src_len))
        kpm = sh.reshape(kpm, (bsz * num_heads, 1, src_len))
        attn_mask = kpm if attn_mask is None else attn_mask + kpm
    if not training:
        dropout_p = 0.0
    if need_weights:
        scores = matmul(q * math.sqrt(1.0 / head_dim), sh.matrix_transpose(k))
        if attn_mask is not None:
            scores = scores + attn_mask
        weights = softmax(scores, axis=-1)
        if dropout_p > 0.0:
            weights = F.dropout(weights, dropout_p, True)
        out = matmul(weights, v)
        out = sh.reshape(out.transpose(0, 1), (tgt_len * bsz, embed_dim))
        out = sh.reshape(F.linear(out, out_proj_weight, out_proj_bias), (tgt_len, bsz, -1))
        weights = sh.reshape(weights, (bsz, num_heads, tgt_len, src_len))
        if average_attn_weights:
            weights = red.mean(weights, axis=1)
        if not batched:
            out, weights = out[:, 0], weights[0]
        return out, weights
    if attn_mask is not None:
        attn_mask = (attn_mask.unsqueeze(0) if attn_mask.shape[0] == 1
                     else sh.reshape(attn_mask, (bsz, num_heads, -1, src_len)))
    q = sh.reshape(q, (bsz, num_heads, tgt_len, head_dim))
    k = sh.reshape(k, (bsz, num_heads, src_len, head_dim))
    v = sh.reshape(v, (bsz, num_heads, src_len, head_dim))
    out = scaled_dot_product_attention(q, k, v, attn_mask, dropout_p, use_causal)
    out = sh.reshape(sh.permute_dims(out, (2, 0, 1, 3)), (bsz * tgt_len, embed_dim))
    out = sh.reshape(F.linear(out, out_proj_weight, out_proj_bias), (tgt_len, bsz, -1))
    if not batched:
        out = out[:, 0]
    return out, None


class MultiheadAttention(Module):
    """Multi-head attention ``softmax(Q K^T / sqrt(d) + mask) V`` with in/out projections.

    Parameters
    ----------
    embed_dim : int
        Model width ``E`` (divisible by ``num_heads``).
    num_heads : int
    dropout : float
        Dropout on the attention weights (training mode only).
    bias : bool
        Biases on the input and output projections.
    add_bias_kv : bool
        Learned ``bias_k``/``bias_v`` appended to the keys and values (one extra key).
    add_zero_attn : bool
        A zero key and value appended (one extra key).
    kdim, vdim : int, optional
        Key/value feature sizes (default ``embed_dim``); when they differ from it the
        projections are ``q_proj_weight``/``k_proj_weight``/``v_proj_weight`` instead of
        one ``in_proj_weight`` ``(3E, E)``.
    batch_first : bool
        Inputs and output are ``(N, L, E)`` instead of ``(L, N, E)``.
    device, dtype, backend : optional

    Forward ``(query, key, value, key_padding_mask=None, need_weights=True, attn_mask=None,
    average_attn_weights=True, is_causal=False)``: ``key_padding_mask`` ``(N, S)`` and
    ``attn_mask`` ``(L, S)`` or ``(N * num_heads, L, S)`` are boolean (True = not allowed)
    or float (added to the scores). Returns ``(output, weights)``, ``weights`` None unless
    ``need_weights``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> mha = ag.nn.MultiheadAttention(8, 2, batch_first=True)
    >>> x = ag.randn(3, 5, 8)
    >>> out, w = mha(x, x, x)
    >>> out.shape, w.shape
    ((3, 5, 8), (3, 5, 5))
    """

    def __init__(self, embed_dim: int, num_heads: int, dropout: float = 0.0, bias: bool = True,
                 add_bias_kv: bool = False, add_zero_attn: bool = False,
                 kdim: int | None = None, vdim: int | None = None, batch_first: bool = False,
                 device: str | None = None, dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        if not isinstance(embed_dim, int) or embed_dim <= 0 or not isinstance(
                num_heads, int) or num_heads <= 0:
            raise ValueError(f"MultiheadAttention: embed_dim and num_heads must be positive "
                             f"integers, got embed_dim={embed_dim!r} and "
                             f"num_heads={num_heads!r}")
        if embed_dim % num_heads:
            raise ValueError(f"MultiheadAttention: embed_dim must be divisible by num_heads, "
                             f"got embed_dim={embed_dim} and num_heads={num_heads}")
        if not 0.0 <= dropout <= 1.0:
            raise ValueError(f"MultiheadAttention: dropout must be in [0, 1], got {dropout}")
        self.embed_dim = embed_dim
        self.kdim = kdim if kdim is not None else embed_dim
        self.vdim = vdim if vdim is not None else embed_dim
        self._qkv_same_embed_dim = self.kdim == embed_dim and self.vdim == embed_dim
        self.num_heads = num_heads
        self.dropout = dropout
        self.batch_first = batch_first
        self.head_dim = embed_dim // num_heads
        f = {"dtype": dtype, "device": device, "backend": backend}
        if not self._qkv_same_embed_dim:
            self.q_proj_weight = Parameter(creation.empty((embed_dim, embed_dim), **f))
            self.k_proj_weight = Parameter(creation.empty((embed_dim, self.kdim), **f))
            self.v_proj_weight = Parameter(creation.empty((embed_dim, self.vdim), **f))
            self.register_parameter("in_proj_weight", None)
        else:
            self.in_proj_weight = Parameter(creation.empty((3 * embed_dim, embed_dim), **f))
            self.register_parameter("q_proj_weight", None)
            self.register_parameter("k_proj_weight", None)
            self.register_parameter("v_proj_weight", None)
        if bias:
            self.in_proj_bias = Parameter(creation.empty((3 * embed_dim,), **f))
        else:
            self.register_parameter("in_proj_bias", None)
        self.out_proj = Linear(embed_dim, embed_dim, bias=bias, **f)
        if add_bias_kv:
            self.bias_k = Parameter(creation.empty((1, 1, embed_dim), **f))
            self.bias_v = Parameter(creation.empty((1, 1, embed_dim), **f))
        else:
            self.register_parameter("bias_k", None)
            self.register_parameter("bias_v", None)
        self.add_zero_attn = add_zero_attn
        self._reset_parameters()

    def _reset_parameters(self) -> None:
        if self._qkv_same_embed_dim:
            init.xavier_uniform_(self.in_proj_weight)
        else:
            init.xavier_uniform_(self.q_proj_weight)
            init.xavier_uniform_(self.k_proj_weight)
            init.xavier_uniform_(self.v_proj_weight)
        if self.in_proj_bias is not None:
            init.constant_(self.in_proj_bias, 0.0)
        if self.out_proj.bias is not None:
            init.constant_(self.out_proj.bias, 0.0)
        if self.bias_k is not None:
            init.xavier_normal_(self.bias_k)
        if self.bias_v is not None:
            init.xavier_normal_(self.bias_v)

    def forward(self, query: Tensor, key: Tensor, value: Tensor,
                key_padding_mask: Tensor | None = None, need_weights: bool = True,
                attn_mask: Tensor | None = None, average_attn_weights: bool = True,
                is_causal: bool = False) -> tuple[Tensor, Tensor | None]:
        batched = isinstance(query, Tensor) and query.ndim == 3
        if self.batch_first and batched:
            query, key, value = (x.transpose(0, 1) if isinstance(x, Tensor) else x
                                 for x in (query, key, value))
        out, weights = multi_head_attention_forward(
            query, key, value, self.embed_dim, self.num_heads, self.in_proj_weight,
            self.in_proj_bias, self.bias_k, self.bias_v, self.add_zero_attn, self.dropout,
            self.out_proj.weight, self.out_proj.bias, training=self.training,
            key_padding_mask=key_padding_mask, need_weights=need_weights, attn_mask=attn_mask,
            use_separate_proj_weight=not self._qkv_same_embed_dim,
            q_proj_weight=self.q_proj_weight, k_proj_weight=self.k_proj_weight,
            v_proj_weight=self.v_proj_weight, average_attn_weights=average_attn_weights,
            is_causal=is_causal)
        if self.batch_first and batched:
            out = out.transpose(0, 1)
        return out, weights
