"""Attention and transformer layers against PyTorch (same weights, float64): outputs,
attention weights and the gradients of every parameter and input, with every mask kind."""

import numpy as np
import pytest
from _torch_oracle import RNG, check, check_second_order, leaf, on_backends, pair, run_both, torch

import arraygrad as ag
from arraygrad import nn
from arraygrad.nn import functional as F

E, HEADS = 8, 2


def masks(bool_mask):
    return ag.tensor(bool_mask), torch.tensor(bool_mask)


@pytest.mark.parametrize("kind", ["none", "bool", "float", "causal", "scale"])
def test_scaled_dot_product_attention_matches_torch(kind):
    q, k, v = (leaf(RNG.standard_normal(s)) for s in ((2, 2, 4, 3), (2, 2, 5, 3), (2, 2, 5, 6)))
    kw_a, kw_t = {}, {}
    if kind == "bool":
        allowed = RNG.random((4, 5)) > 0.4
        allowed[1] = False  # a query that may attend to nothing gets zeros
        kw_a["attn_mask"], kw_t["attn_mask"] = masks(allowed)
    elif kind == "float":
        kw_a["attn_mask"], kw_t["attn_mask"] = leaf(RNG.standard_normal((2, 1, 4, 5)))
    elif kind == "causal":
        kw_a["is_causal"] = kw_t["is_causal"] = True
    elif kind == "scale":
        kw_a["scale"] = kw_t["scale"] = 0.3
    inputs = [q, k, v] + ([(kw_a["attn_mask"], kw_t["attn_mask"])] if kind == "float" else [])
    out_a = F.scaled_dot_product_attention(q[0], k[0], v[0], **kw_a)
    out_t = torch.nn.functional.scaled_dot_product_attention(q[1], k[1], v[1], **kw_t)
    check(None, None, [out_a], [out_t], inputs)


def test_sdpa_grouped_query_attention_matches_torch():
    q, k, v = (leaf(RNG.standard_normal(s)) for s in ((1, 4, 3, 2), (1, 2, 5, 2), (1, 2, 5, 2)))
    out_a = F.scaled_dot_product_attention(q[0], k[0], v[0], enable_gqa=True)
    out_t = torch.nn.functional.scaled_dot_product_attention(q[1], k[1], v[1], enable_gqa=True)
    check(None, None, [out_a], [out_t], [q, k, v])


@pytest.mark.parametrize("kw,call", [
    (dict(), dict()),
    (dict(batch_first=True), dict(kpm=True, average_attn_weights=False)),
    (dict(bias=False), dict(attn="bool", need_weights=False)),
    (dict(kdim=5, vdim=3, add_bias_kv=True), dict(kpm=True, attn="float3d")),
    (dict(add_zero_attn=True), dict(kpm=True, attn="bool", need_weights=False)),
    (dict(), dict(attn="causal", is_causal=True, need_weights=False)),
    (dict(), dict(unbatched=True, kpm=True, attn="bool")),
])
def test_multihead_attention_matches_torch(kw, call):
    torch.manual_seed(0)
    a, t = pair(nn.MultiheadAttention(E, HEADS, **kw), torch.nn.MultiheadAttention(E, HEADS,
                                                                                   **kw))
    n, length, source = 3, 4, 5
    kdim, vdim = kw.get("kdim", E), kw.get("vdim", E)

    def shaped(seq, width):
        if call.get("unbatched"):
            return (seq, width)
        return (n, seq, width) if kw.get("batch_first") else (seq, n, width)

    q, k, v = leaf(RNG.standard_normal(shaped(length, E))), leaf(
        RNG.standard_normal(shaped(source, kdim))), leaf(RNG.standard_normal(shaped(source,
                                                                                    vdim)))
    kw_a = {k_: v_ for k_, v_ in call.items() if k_ in ("need_weights", "average_attn_weights",
                                                          "is_causal")}
    kw_t = dict(kw_a)
    inputs = [q, k, v]
    if call.get("kpm"):
        pad = np.zeros((source,) if call.get("unbatched") else (n, source), dtype=bool)
        pad[..., -1] = True
        pad[..., 0] = RNG.random(pad.shape[:-1]) > 0.5
        kw_a["key_padding_mask"], kw_t["key_padding_mask"] = masks(pad)
    attn = call.get("attn")
    if attn == "bool":
        blocked = RNG.random((length, source)) > 0.7
        blocked[:, 1] = False  # every query keeps one key
        kw_a["attn_mask"], kw_t["attn_mask"] = masks(blocked)
    elif attn == "float3d":
        m = leaf(RNG.standard_normal((n * HEADS, length, source)))
        kw_a["attn_mask"], kw_t["attn_mask"] = m
        inputs.append(m)
    elif attn == "causal":
        mask = torch.nn.Transformer.generate_square_subsequent_mask(length, dtype=torch.float64)
        kw_t["attn_mask"] = mask
        kw_a["attn_mask"] = nn.Transformer.generate_square_subsequent_mask(length,
                                                                           dtype=ag.float64)
        np.testing.assert_array_equal(kw_a["attn_mask"].numpy(), mask.numpy())
        q, k, v = leaf(RNG.standard_normal(shaped(length, E))), *[leaf(RNG.standard_normal(
            shaped(length, E))) for _ in range(2)]
        inputs = [q, k, v]
    out_a, w_a = a(q[0], k[0], v[0], **kw_a)
    out_t, w_t = t(q[1], k[1], v[1], **kw_t)
    assert (w_a is None) == (w_t is None)
    check(a, t, [out_a, w_a], [out_t, w_t], inputs)


@pytest.mark.parametrize("need_weights", [False, True])
def test_fully_padded_sequence_gives_torch_values(need_weights):
    """A batch entry whose every key is padded: zeros through SDPA (need_weights=False, as
    the transformer layers call it), NaN with the explicit weights, as PyTorch."""
    torch.manual_seed(0)
    a, t = pair(nn.MultiheadAttention(4, 2), torch.nn.MultiheadAttention(4, 2))
    x = leaf(RNG.standard_normal((3, 2, 4)))
    pad = masks(np.array([[True] * 3, [False, False, True]]))
    with np.errstate(invalid="ignore"):  # NumPy's softmax of an all -inf row warns
        out_a = a(*[x[0]] * 3, key_padding_mask=pad[0], need_weights=need_weights)[0]
    out_t = t(*[x[1]] * 3, key_padding_mask=pad[1], need_weights=need_weights)[0]
    if need_weights:
        np.testing.assert_allclose(out_a.detach().numpy(), out_t.detach().numpy(), atol=1e-10)
        assert np.isnan(out_a.detach().numpy()[:, 0]).all()
    else:
        check(a, t, [out_a], [out_t], [x])


@pytest.mark.parametrize("kw", [
    dict(),
    dict(norm_first=True, activation="gelu", batch_first=True),
    dict(activation=torch.nn.functional.silu, bias=False),
])
def test_encoder_matches_torch(kw):
    torch.manual_seed(0)
    ours_kw = dict(kw)
    if callable(kw.get("activation")):
        ours_kw["activation"] = lambda x: x * ag.sigmoid(x)
    layer_a = nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0, **ours_kw)
    layer_t = torch.nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.0, **kw)
    a = nn.TransformerEncoder(layer_a, 2, norm=nn.LayerNorm(E))
    t = torch.nn.TransformerEncoder(layer_t, 2, norm=torch.nn.LayerNorm(E),
                                    enable_nested_tensor=False)
    pair(a, t)
    shape = (3, 5, E) if kw.get("batch_first") else (5, 3, E)
    x = leaf(RNG.standard_normal(shape))
    pad = np.zeros((3, 5), dtype=bool)
    pad[0, 3:] = True
    kpm = masks(pad)
    mask = nn.Transformer.generate_square_subsequent_mask(5, dtype=ag.float64)
    tmask = torch.nn.Transformer.generate_square_subsequent_mask(5, dtype=torch.float64)
    out_a = a(x[0], mask=mask, src_key_padding_mask=kpm[0])
    out_t = t(x[1], mask=tmask, src_key_padding_mask=kpm[1])
    check(a, t, [out_a], [out_t], [x])


@pytest.mark.parametrize("norm_first", [False, True])
def test_transformer_matches_torch(norm_first):
    torch.manual_seed(0)
    args = dict(d_model=E, nhead=HEADS, num_encoder_layers=1, num_decoder_layers=2,
                dim_feedforward=12, dropout=0.0, batch_first=norm_first, norm_first=norm_first)
    a, t = pair(nn.Transformer(**args), torch.nn.Transformer(**args))
    n, s_len, t_len = 2, 5, 4
    src = leaf(RNG.standard_normal((n, s_len, E) if norm_first else (s_len, n, E)))
    tgt = leaf(RNG.standard_normal((n, t_len, E) if norm_first else (t_len, n, E)))
    pad = np.zeros((n, s_len), dtype=bool)
    pad[1, -2:] = True
    kpm = masks(pad)
    tgt_mask = nn.Transformer.generate_square_subsequent_mask(t_len, dtype=ag.float64)
    ttgt_mask = torch.nn.Transformer.generate_square_subsequent_mask(t_len,
                                                                      dtype=torch.float64)
    out_a = a(src[0], tgt[0], tgt_mask=tgt_mask, src_key_padding_mask=kpm[0],
              memory_key_padding_mask=kpm[0])
    out_t = t(src[1], tgt[1], tgt_mask=ttgt_mask, src_key_padding_mask=kpm[1],
              memory_key_padding_mask=kpm[1])
    check(a, t, [out_a], [out_t], [src, tgt])


def test_defaults_and_init_follow_torch():
    model = nn.Transformer(num_encoder_layers=1, num_decoder_layers=1)
    theirs = torch.nn.Transformer(num_encoder_layers=1, num_decoder_layers=1)
    assert ({k: tuple(v.shape) for k, v in model.state_dict().items()}
            == {k: tuple(v.shape) for k, v in theirs.state_dict().items()})
    mha = nn.MultiheadAttention(16, 4)
    assert float(ag.abs(mha.in_proj_bias).sum().item()) == 0.0
    bound = np.sqrt(6 / (16 + 48))  # xavier_uniform_ on (3E, E)
    w = mha.in_proj_weight.detach().numpy()
    assert w.max() <= bound and w.min() >= -bound and w.max() > 0.9 * bound
    layer = nn.TransformerEncoderLayer(8, 2)
    assert layer.linear1.out_features == 2048 and layer.dropout.p == 0.1
    encoder = nn.TransformerEncoder(layer, 2)
    assert encoder.layers[0].linear1.weight is not encoder.layers[1].linear1.weight


def test_dropout_is_active_only_in_training():
    ag.manual_seed(0)
    layer = nn.TransformerEncoderLayer(E, HEADS, 16, dropout=0.5)
    x = ag.randn(5, 2, E)
    assert not np.allclose(layer(x).detach().numpy(), layer(x).detach().numpy())
    layer.eval()
    np.testing.assert_array_equal(layer(x).detach().numpy(), layer(x).detach().numpy())


def test_bad_input_names_the_layer_and_shapes():
    with pytest.raises(ValueError, match=r"MultiheadAttention: embed_dim must be divisible by "
                                         r"num_heads, got embed_dim=10 and num_heads=3"):
        nn.MultiheadAttention(10, 3)
    mha = nn.MultiheadAttention(8, 2)
    x = ag.ones(4, 2, 8)
    with pytest.raises(ValueError, match=r"expected query of embedding size 8.*\(4, 2, 6\)"):
        mha(ag.ones(4, 2, 6), x, x)
    with pytest.raises(ValueError, match=r"expected a 2-D attn_mask of shape \(4, 4\), got "
                                         r"\(4, 3\)"):
        mha(x, x, x, attn_mask=ag.zeros(4, 3))
    with pytest.raises(ValueError, match=r"expected key_padding_mask of shape \(2, 4\), got "
                                         r"\(2, 5\)"):
        mha(x, x, x, key_padding_mask=ag.zeros(2, 5, dtype=ag.bool))
    with pytest.raises(RuntimeError, match="need attn_mask if specifying the is_causal hint"):
        mha(x, x, x, is_causal=True)
    with pytest.raises(TypeError, match="only bool and floating types of attn_mask"):
        mha(x, x, x, attn_mask=ag.zeros(4, 4, dtype=ag.int64))
    with pytest.raises(ValueError, match="either attn_mask or is_causal"):
        F.scaled_dot_product_attention(x, x, x, attn_mask=ag.zeros(2, 2), is_causal=True)
    with pytest.raises(RuntimeError, match="activation should be relu/gelu, not tanh"):
        nn.TransformerEncoderLayer(8, 2, activation="tanh")
    with pytest.raises(ValueError, match=r"TransformerEncoderLayer: expected src of shape "
                                         r"\(seq, batch, 8\) or \(seq, 8\), got \(4, 2, 6\)"):
        nn.TransformerEncoderLayer(8, 2, 16)(ag.ones(4, 2, 6))
    model = nn.Transformer(8, 2, 1, 1, 16)
    with pytest.raises(RuntimeError, match="batch number of src and tgt must be equal"):
        model(ag.ones(4, 2, 8), ag.ones(3, 3, 8))


def test_encoder_layer_on_array_api_strict():
    x = RNG.standard_normal((3, 2, 4))
    pad = np.array([[False, False, True], [False, False, False]])

    def run(model, backend):
        xb = ag.tensor(x, backend=backend, requires_grad=True)
        return xb, model(xb, src_key_padding_mask=ag.tensor(pad, backend=backend))

    on_backends("array_api_strict", lambda: nn.TransformerEncoderLayer(4, 2, 6, dropout=0.0),
                run)


def test_multihead_attention_on_jax():  # small: JAX compiles every new (op, shape) once
    x = RNG.standard_normal((3, 4))

    def run(model, backend):
        xb = ag.tensor(x, backend=backend, requires_grad=True)
        mask = nn.Transformer.generate_square_subsequent_mask(3, dtype=ag.float64,
                                                              backend=backend)
        return xb, model(xb, xb, xb, attn_mask=mask, need_weights=False)[0]

    on_backends("jax", lambda: nn.MultiheadAttention(4, 2), run)


# ------------------------------------------- a PyTorch program, only the imports changed
TRANSFORMER_LANGUAGE_MODEL = """
import math

class PositionalEncoding(nn.Module):
    def __init__(self, d_model, max_len=32):
        super().__init__()
        position = torch.arange(max_len, dtype=torch.float64).unsqueeze(1)
        div_term = torch.exp(torch.arange(0, d_model, 2, dtype=torch.float64)
                             * (-math.log(10000.0) / d_model))
        pe = torch.zeros(max_len, 1, d_model, dtype=torch.float64)
        pe[:, 0, 0::2] = torch.sin(position * div_term)
        pe[:, 0, 1::2] = torch.cos(position * div_term)
        self.register_buffer("pe", pe)

    def forward(self, x):
        return x + self.pe[:x.size(0)]

class TransformerModel(nn.Module):
    def __init__(self, ntoken, d_model, nhead, d_hid, nlayers, dropout=0.0):
        super().__init__()
        self.pos_encoder = PositionalEncoding(d_model)
        layer = nn.TransformerEncoderLayer(d_model, nhead, d_hid, dropout, activation="gelu")
        self.transformer_encoder = nn.TransformerEncoder(layer, nlayers)
        self.embedding = nn.Embedding(ntoken, d_model)
        self.d_model = d_model
        self.linear = nn.Linear(d_model, ntoken)

    def forward(self, src, src_mask=None):
        src = self.pos_encoder(self.embedding(src) * math.sqrt(self.d_model))
        return self.linear(self.transformer_encoder(src, src_mask))

model = TransformerModel(12, 8, 2, 16, 2).double()
same_start(model)
criterion = nn.CrossEntropyLoss()
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
data = torch.tensor(tokens)
mask = nn.Transformer.generate_square_subsequent_mask(data.size(0) - 1).double()
losses = []
for step in range(3):
    optimizer.zero_grad()
    output = model(data[:-1], mask)
    loss = criterion(output.view(-1, 12), data[1:].reshape(-1))
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.5)
    optimizer.step()
    losses.append(loss.item())
"""


def test_pytorch_transformer_program_runs_with_only_the_imports_changed():
    imports = ("import {0} as torch\nimport {0}.nn as nn\nimport {0}.nn.functional as F\n")
    theirs, ours = run_both(TRANSFORMER_LANGUAGE_MODEL, imports.format("torch"),
                            imports.format("arraygrad"), tokens=RNG.integers(0, 12, (7, 3)))
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_second_order_gradients_match_torch():
    # need_weights=True: PyTorch's fused CPU attention has no double backward
    torch.manual_seed(0)
    a, t = pair(nn.MultiheadAttention(4, 2), torch.nn.MultiheadAttention(4, 2))
    mask = masks(np.triu(np.ones((3, 3), dtype=bool), 1))
    check_second_order(a, t, RNG.standard_normal((3, 2, 4)),
                       lambda q: a(q, q, q, attn_mask=mask[0])[0],
                       lambda q: t(q, q, q, attn_mask=mask[1])[0], "in_proj_weight")
