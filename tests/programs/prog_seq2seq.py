"""A GRU encoder-decoder with Bahdanau-style attention that reverses digit sequences:
padded variable-length inputs through pack_padded_sequence / pad_packed_sequence, a
bidirectional encoder whose final states are joined by torch.cat and a Linear+tanh bridge,
an attention over the encoder outputs masked at padding, teacher forcing from fixed coin
flips, NLL over log_softmax with ignore_index, Adagrad and clip_grad_norm_."""

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=4):
    torch.manual_seed(0)
    rng = np.random.default_rng(9)
    PAD, SOS, vocab, max_len, batch = 0, 1, 8, 6, 12
    n = batch * steps
    lengths = rng.integers(2, max_len + 1, size=n)
    seqs = np.zeros((n, max_len), dtype=np.int64)
    targets = np.zeros((n, max_len), dtype=np.int64)
    for i, L in enumerate(lengths):
        seqs[i, :L] = rng.integers(2, vocab, size=L)
        targets[i, :L] = seqs[i, :L][::-1]
    forcing = rng.random((steps, max_len)) < 0.5

    class Encoder(nn.Module):
        def __init__(self, hidden=12):
            super().__init__()
            self.embed = nn.Embedding(vocab, 8, padding_idx=PAD)
            self.rnn = nn.GRU(8, hidden, batch_first=True, bidirectional=True)
            self.bridge = nn.Linear(2 * hidden, hidden)

        def forward(self, src, lens):
            packed = nn.utils.rnn.pack_padded_sequence(self.embed(src), lens.cpu(),
                                                       batch_first=True, enforce_sorted=False)
            out, h = self.rnn(packed)
            out, out_lens = nn.utils.rnn.pad_packed_sequence(out, batch_first=True,
                                                             total_length=max_len)
            h = torch.tanh(self.bridge(torch.cat((h[-2], h[-1]), dim=1)))
            return out, h

    class Decoder(nn.Module):
        def __init__(self, hidden=12):
            super().__init__()
            self.embed = nn.Embedding(vocab, 8)
            self.attn_w = nn.Linear(hidden + 2 * hidden, hidden)
            self.v = nn.Linear(hidden, 1, bias=False)
            self.cell = nn.GRUCell(8 + 2 * hidden, hidden)
            self.out = nn.Linear(hidden + 2 * hidden + 8, vocab)

        def forward(self, tok, h, enc, mask):
            emb = self.embed(tok)
            rep = h.unsqueeze(1).repeat(1, enc.size(1), 1)
            energy = torch.tanh(self.attn_w(torch.cat((rep, enc), dim=2)))
            scores = self.v(energy).squeeze(2).masked_fill(mask == 0, -1e10)
            a = F.softmax(scores, dim=1)
            context = torch.bmm(a.unsqueeze(1), enc).squeeze(1)
            h = self.cell(torch.cat((emb, context), dim=1), h)
            logits = self.out(torch.cat((h, context, emb), dim=1))
            return F.log_softmax(logits, dim=-1), h, a

    enc, dec = Encoder(), Decoder()
    if init:
        init({"enc": enc, "dec": dec})
    params = [*enc.parameters(), *dec.parameters()]
    optimizer = optim.Adagrad(params, lr=0.1, lr_decay=0.01, initial_accumulator_value=0.1)
    src_all, tgt_all = torch.tensor(seqs), torch.tensor(targets)
    tgt_all[tgt_all == PAD] = -100
    len_all = torch.tensor(lengths)
    losses, attn_sums = [], []
    for step in range(steps):
        sl = slice(step * batch, (step + 1) * batch)
        src, tgt, lens = src_all[sl], tgt_all[sl], len_all[sl]
        mask = src != PAD
        enc_out, h = enc(src, lens)
        tok = torch.full((batch,), SOS, dtype=torch.long)
        loss = 0
        for t in range(max_len):
            logp, h, a = dec(tok, h, enc_out, mask)
            loss = loss + F.nll_loss(logp, tgt[:, t], ignore_index=-100, reduction="sum")
            if forcing[step, t]:
                tok = tgt[:, t].clamp(min=0)
            else:
                tok = logp.argmax(1).detach()
        loss = loss / (tgt != -100).sum()
        optimizer.zero_grad()
        loss.backward()
        nn.utils.clip_grad_norm_(params, max_norm=2.0, norm_type=2)
        optimizer.step()
        losses.append(loss.item())
        attn_sums.append(a.sum(dim=1).mean().item())
    return {"losses": losses, "models": {"enc": enc, "dec": dec}, "attn": attn_sums}
