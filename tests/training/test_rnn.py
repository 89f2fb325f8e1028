"""nn.RNN / LSTM / GRU, the cells and nn.utils.rnn against PyTorch (same weights, float64):
outputs, final states and the gradients of every parameter and of the input."""

import numpy as np
import pytest
from _torch_oracle import RNG, check, check_second_order, leaf, on_backends, run_both, torch
from _torch_oracle import pair as copy_weights

import arraygrad as ag
from arraygrad import nn
from arraygrad.nn.utils import rnn as ru

LAYERS = {"RNN": (nn.RNN, torch.nn.RNN), "LSTM": (nn.LSTM, torch.nn.LSTM),
          "GRU": (nn.GRU, torch.nn.GRU), "RNNCell": (nn.RNNCell, torch.nn.RNNCell),
          "LSTMCell": (nn.LSTMCell, torch.nn.LSTMCell), "GRUCell": (nn.GRUCell, torch.nn.GRUCell)}


def pair(name, *args, **kw):
    """The same layer in both libraries, torch's initial weights copied into ours."""
    ours, theirs = LAYERS[name]
    torch.manual_seed(0)
    return copy_weights(ours(*args, **kw), theirs(*args, **kw))


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kw", [
    dict(),
    dict(num_layers=2, bidirectional=True),
    dict(batch_first=True, bias=False),
    dict(num_layers=2, batch_first=True, bidirectional=True, with_h0=True),
])
def test_recurrent_layers_match_torch(name, kw):
    kw = dict(kw)
    with_h0 = kw.pop("with_h0", False)
    if name == "RNN" and kw.get("bias") is False:
        kw["nonlinearity"] = "relu"
    a, t = pair(name, 3, 4, **kw)
    shape = (2, 5, 3) if kw.get("batch_first") else (5, 2, 3)
    xa, xt = leaf(RNG.standard_normal(shape))
    inputs = [(xa, xt)]
    args_a, args_t = [xa], [xt]
    if with_h0:
        d = 2 * kw.get("num_layers", 1) * (2 if kw.get("bidirectional") else 1)
        states = [leaf(RNG.standard_normal((d // 2, 2, 4))) for _ in range(1 + (name == "LSTM"))]
        inputs += states
        if name == "LSTM":
            args_a.append(tuple(s[0] for s in states))
            args_t.append(tuple(s[1] for s in states))
        else:
            args_a.append(states[0][0])
            args_t.append(states[0][1])
    check(a, t, a(*args_a), t(*args_t), inputs)


@pytest.mark.parametrize("name", ["RNN", "LSTM", "GRU"])
def test_packed_unsorted_lengths_match_torch(name):
    a, t = pair(name, 3, 4, num_layers=2, bidirectional=True)
    lengths = [3, 5, 1, 4]
    xa, xt = leaf(RNG.standard_normal((5, 4, 3)))
    n = 2 * 2 * 1
    states = [leaf(RNG.standard_normal((n, 4, 4))) for _ in range(1 + (name == "LSTM"))]
    pa = ru.pack_padded_sequence(xa, lengths, enforce_sorted=False)
    pt = torch.nn.utils.rnn.pack_padded_sequence(xt, lengths, enforce_sorted=False)
    for ours, theirs in zip(pa, pt):
        np.testing.assert_allclose(ours.detach().numpy(), theirs.detach().numpy())
    if name == "LSTM":
        ha, ht = tuple(s[0] for s in states), tuple(s[1] for s in states)
    else:
        ha, ht = states[0]
    oa, sa = a(pa, ha)
    ot, st = t(pt, ht)
    pada, la = ru.pad_packed_sequence(oa, batch_first=True, padding_value=-1.0, total_length=6)
    padt, lt = torch.nn.utils.rnn.pad_packed_sequence(ot, batch_first=True, padding_value=-1.0,
                                                      total_length=6)
    assert la.tolist() == lt.tolist() == lengths
    check(a, t, (pada, sa), (padt, st), [(xa, xt)] + states)


def test_lstm_projection_and_unbatched_match_torch():
    a, t = pair("LSTM", 3, 5, num_layers=2, bidirectional=True, proj_size=2)
    xa, xt = leaf(RNG.standard_normal((4, 3)))
    h = leaf(RNG.standard_normal((4, 2)))
    c = leaf(RNG.standard_normal((4, 5)))
    oa, ot = a(xa, (h[0], c[0])), t(xt, (h[1], c[1]))
    assert tuple(oa[0].shape) == (4, 4) and tuple(oa[1][0].shape) == (4, 2)
    check(a, t, oa, ot, [(xa, xt), h, c])


def test_dropout_between_layers():
    a, t = pair("GRU", 3, 4, num_layers=2, dropout=1.0)  # p=1 zeroes: deterministic
    xa, xt = leaf(RNG.standard_normal((5, 2, 3)))
    check(a, t, a(xa), t(xt), [(xa, xt)])
    a.eval()
    t.eval()
    np.testing.assert_allclose(a(xa)[0].detach().numpy(), t(xt)[0].detach().numpy(),
                               atol=1e-12)
    with pytest.warns(UserWarning, match="num_layers greater than 1"):
        nn.LSTM(2, 3, dropout=0.5)


@pytest.mark.parametrize("name", ["RNNCell", "LSTMCell", "GRUCell"])
def test_cells_match_torch_over_a_loop(name):
    a, t = pair(name, 3, 4)
    xs = [leaf(RNG.standard_normal((2, 3))) for _ in range(3)]
    ha = ht = None
    outs_a, outs_t = [], []
    for xa, xt in xs:
        ha, ht = a(xa, ha), t(xt, ht)
        outs_a.append(ha)
        outs_t.append(ht)
    check(a, t, outs_a, outs_t, xs)
    one_a, one_t = leaf(RNG.standard_normal(3))
    check(a, t, a(one_a), t(one_t), [(one_a, one_t)])


def test_padding_utilities_match_torch():
    seqs = [RNG.standard_normal((n, 2)) for n in (2, 4, 3)]
    sa = [ag.tensor(s, requires_grad=True) for s in seqs]
    st = [torch.tensor(s, requires_grad=True) for s in seqs]
    for kw in (dict(), dict(batch_first=True, padding_value=7.0), dict(padding_side="left")):
        np.testing.assert_array_equal(ru.pad_sequence(sa, **kw).detach().numpy(),
                                      torch.nn.utils.rnn.pad_sequence(st, **kw).detach().numpy())
    pa = ru.pack_sequence(sa, enforce_sorted=False)
    pt = torch.nn.utils.rnn.pack_sequence(st, enforce_sorted=False)
    for ours, theirs in zip(pa, pt):
        np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    (pa.data * 3.0).sum().backward()
    (pt.data * 3.0).sum().backward()
    for u, v in zip(sa, st):
        np.testing.assert_array_equal(u.grad.numpy(), v.grad.numpy())
    back = ru.unpack_sequence(pa)
    for u, s in zip(back, seqs):
        np.testing.assert_array_equal(u.detach().numpy(), s)
    sorted_pack = ru.pack_padded_sequence(ag.ones(3, 2, 1), ag.tensor([3, 2]))
    assert sorted_pack.sorted_indices is None and sorted_pack.batch_sizes.tolist() == [2, 2, 1]


def test_bad_input_names_the_layer_and_shapes():
    lstm = nn.LSTM(10, 20, num_layers=2)
    with pytest.raises(ValueError, match=r"LSTM: expected input of shape \(seq, batch, 10\) "
                                         r"or \(seq, 10\), got \(5, 3, 7\)"):
        lstm(ag.ones(5, 3, 7))
    with pytest.raises(ValueError, match=r"LSTM: expected h_0 of shape \(2, 3, 20\), got "
                                         r"\(2, 4, 20\)"):
        lstm(ag.ones(5, 3, 10), (ag.zeros(2, 4, 20), ag.zeros(2, 3, 20)))
    with pytest.raises(ValueError, match=r"GRU: for unbatched 2-D input, h_0 should also be "
                                         r"2-D, got 3-D"):
        nn.GRU(10, 20)(ag.ones(5, 10), ag.zeros(1, 1, 20))
    with pytest.raises(TypeError, match=r"LSTM: hx must be a tuple \(h_0, c_0\)"):
        lstm(ag.ones(5, 3, 10), ag.zeros(2, 3, 20))
    with pytest.raises(ValueError, match=r"GRUCell: expected input of shape \(batch, 3\)"):
        nn.GRUCell(3, 4)(ag.ones(2, 5))
    with pytest.raises(ValueError, match=r"LSTMCell: expected c_0 of shape \(2, 4\)"):
        nn.LSTMCell(3, 4)(ag.ones(2, 3), (ag.zeros(2, 4), ag.zeros(2, 5)))
    with pytest.raises(ValueError, match=r"LSTM: input dtype \(float64\) does not match "
                                         r"weight dtype \(float32\)"):
        lstm(ag.ones(5, 3, 10, dtype=ag.float64))
    with pytest.raises(ValueError, match=r"GRUCell: h_0 dtype \(float64\) does not match"):
        nn.GRUCell(3, 4)(ag.ones(2, 3), ag.zeros(2, 4, dtype=ag.float64))
    with pytest.raises(ValueError, match="RNN: unknown nonlinearity 'gelu'"):
        nn.RNN(3, 4, nonlinearity="gelu")
    with pytest.raises(ValueError, match="dropout should be a number in range"):
        nn.GRU(3, 4, num_layers=2, dropout=1.5)
    with pytest.raises(ValueError, match="proj_size has to be smaller than hidden_size"):
        nn.LSTM(3, 4, proj_size=4)
    with pytest.raises(RuntimeError, match="sorted in decreasing order"):
        ru.pack_padded_sequence(ag.ones(4, 2, 1), [2, 4])
    with pytest.raises(ValueError, match="greater than 0"):
        ru.pack_padded_sequence(ag.ones(4, 2, 1), [4, 0])
    with pytest.raises(ValueError, match="total_length to be at least"):
        ru.pad_packed_sequence(ru.pack_padded_sequence(ag.ones(4, 2, 1), [4, 2]),
                               total_length=3)


def test_module_surface_follows_torch():
    lstm = nn.LSTM(3, 4, 2, True, True, 0.0, True)  # PyTorch's positional order
    assert lstm.batch_first and lstm.bidirectional and lstm.num_layers == 2
    assert repr(lstm) == repr(torch.nn.LSTM(3, 4, 2, True, True, 0.0, True))
    assert repr(nn.RNN(3, 4, nonlinearity="relu")) == repr(torch.nn.RNN(3, 4,
                                                                          nonlinearity="relu"))
    assert repr(nn.RNNCell(3, 4, False, "relu")) == repr(torch.nn.RNNCell(3, 4, False, "relu"))
    lstm.flatten_parameters()
    assert [p.shape for p in lstm.all_weights[1]] == [(16, 3), (16, 4), (16,), (16,)]
    bound = 1 / np.sqrt(4)
    values = np.concatenate([p.detach().numpy().ravel() for p in lstm.parameters()])
    assert values.max() <= bound and values.min() >= -bound and values.max() > 0.9 * bound


def test_packed_bidirectional_lstm_on_array_api_strict():
    x = RNG.standard_normal((4, 3, 2))

    def run(model, backend):
        xb = ag.tensor(x, backend=backend, requires_grad=True)
        out, (h, c) = model(ru.pack_padded_sequence(xb, [2, 4, 3], enforce_sorted=False))
        return xb, ru.pad_packed_sequence(out)[0].sum() + (h * 2).sum() + c.sum()

    on_backends("array_api_strict", lambda: nn.LSTM(2, 3, bidirectional=True), run)


def test_gru_on_jax():  # small: JAX compiles every new (op, shape) on first use
    x = RNG.standard_normal((2, 2))

    def run(model, backend):
        xb = ag.tensor(x, backend=backend, requires_grad=True)
        out, h = model(xb)
        return xb, out.sum() + h.sum()

    on_backends("jax", lambda: nn.GRU(2, 2), run)


# ------------------------------------------- PyTorch programs, only the imports changed
TORCH_IMPORTS = """import torch
import torch.nn as nn
import torch.nn.functional as F
from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
"""
OUR_IMPORTS = """import arraygrad as torch
import arraygrad.nn as nn
import arraygrad.nn.functional as F
from arraygrad.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence, pad_sequence
"""


LSTM_LANGUAGE_MODEL = """
class RNNModel(nn.Module):
    def __init__(self, ntoken, ninp, nhid, nlayers, dropout=0.0):
        super().__init__()
        self.drop = nn.Dropout(dropout)
        self.encoder = nn.Embedding(ntoken, ninp)
        self.rnn = nn.LSTM(ninp, nhid, nlayers, dropout=dropout)
        self.decoder = nn.Linear(nhid, ntoken)
        self.nlayers, self.nhid = nlayers, nhid

    def forward(self, input, hidden):
        emb = self.drop(self.encoder(input))
        output, hidden = self.rnn(emb, hidden)
        decoded = self.decoder(self.drop(output))
        return F.log_softmax(decoded.view(-1, self.decoder.out_features), dim=1), hidden

    def init_hidden(self, bsz):
        shape = (self.nlayers, bsz, self.nhid)
        return (torch.zeros(shape, dtype=torch.float64), torch.zeros(shape, dtype=torch.float64))

model = RNNModel(20, 8, 12, 2).double()
same_start(model)
criterion = nn.NLLLoss()
optimizer = torch.optim.SGD(model.parameters(), lr=0.5)
data = torch.tensor(tokens)
hidden = model.init_hidden(data.size(1))
losses = []
for i in range(0, data.size(0) - 1, 5):
    seq_len = min(5, data.size(0) - 1 - i)
    x, y = data[i:i + seq_len], data[i + 1:i + 1 + seq_len].reshape(-1)
    hidden = tuple(h.detach() for h in hidden)
    model.zero_grad()
    output, hidden = model(x, hidden)
    loss = criterion(output, y)
    loss.backward()
    torch.nn.utils.clip_grad_norm_(model.parameters(), 0.25)
    optimizer.step()
    losses.append(loss.item())
"""

LSTMCELL_TIME_SERIES = """
class Sequence(nn.Module):
    def __init__(self):
        super().__init__()
        self.lstm1 = nn.LSTMCell(1, 10)
        self.lstm2 = nn.LSTMCell(10, 10)
        self.linear = nn.Linear(10, 1)

    def forward(self, input, future=0):
        outputs = []
        h_t = torch.zeros(input.size(0), 10, dtype=torch.double)
        c_t = torch.zeros(input.size(0), 10, dtype=torch.double)
        h_t2 = torch.zeros(input.size(0), 10, dtype=torch.double)
        c_t2 = torch.zeros(input.size(0), 10, dtype=torch.double)
        for t in range(input.size(1)):
            h_t, c_t = self.lstm1(input[:, t:t + 1], (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        for i in range(future):
            h_t, c_t = self.lstm1(output, (h_t, c_t))
            h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
            output = self.linear(h_t2)
            outputs += [output]
        return torch.cat(outputs, dim=1)

seq = Sequence().double()
same_start(seq)
criterion = nn.MSELoss()
optimizer = torch.optim.Adam(seq.parameters(), lr=0.05)
inputs, target = torch.tensor(wave[:, :-1]), torch.tensor(wave[:, 1:])
losses = []
for step in range(2):
    optimizer.zero_grad()
    loss = criterion(seq(inputs), target)
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
with torch.no_grad():
    pred = seq(inputs[:2], future=3)
    losses.append(criterion(pred[:, :-3], target[:2]).item())
    losses.extend(pred[:, -3:].reshape(-1).tolist())
"""

PACKED_GRU_CLASSIFIER = """
class Classifier(nn.Module):
    def __init__(self):
        super().__init__()
        self.embed = nn.Embedding(10, 6, padding_idx=0)
        self.gru = nn.GRU(6, 8, num_layers=2, batch_first=True, bidirectional=True)
        self.out = nn.Linear(16 + 16, 3)

    def forward(self, seqs, lengths):
        packed = pack_padded_sequence(self.embed(seqs), lengths, batch_first=True,
                                      enforce_sorted=False)
        output, h_n = self.gru(packed)
        padded, _ = pad_packed_sequence(output, batch_first=True)
        pooled = padded.sum(dim=1) / lengths.unsqueeze(1).double()
        return self.out(torch.cat([h_n[-2], h_n[-1], pooled], dim=1))

model = Classifier().double()
same_start(model)
seqs = pad_sequence([torch.tensor(s) for s in sentences], batch_first=True)
lengths = torch.tensor([len(s) for s in sentences])
optimizer = torch.optim.Adam(model.parameters(), lr=0.01)
losses = []
for step in range(2):
    optimizer.zero_grad()
    loss = F.cross_entropy(model(seqs, lengths), torch.tensor(labels))
    loss.backward()
    optimizer.step()
    losses.append(loss.item())
"""


@pytest.mark.parametrize("program,data", [
    (LSTM_LANGUAGE_MODEL, lambda: dict(tokens=RNG.integers(0, 20, (11, 3)))),
    (LSTMCELL_TIME_SERIES, lambda: dict(wave=np.sin(np.arange(3)[:, None] * 0.7
                                                    + np.arange(9)[None] * 0.4))),
    (PACKED_GRU_CLASSIFIER, lambda: dict(
        sentences=[RNG.integers(1, 10, n).tolist() for n in (3, 6, 2, 5)],
        labels=[0, 2, 1, 2])),
], ids=["lstm_language_model", "lstmcell_time_series", "packed_gru_classifier"])
def test_pytorch_programs_run_with_only_the_imports_changed(program, data):
    theirs, ours = run_both(program, TORCH_IMPORTS, OUR_IMPORTS, **data())
    np.testing.assert_allclose(ours, theirs, rtol=1e-9, atol=1e-12)


def test_second_order_gradients_match_torch():
    a, t = pair("LSTM", 2, 3)
    check_second_order(a, t, RNG.standard_normal((3, 2, 2)), lambda x: a(x)[0],
                       lambda x: t(x)[0], "weight_hh_l0")
