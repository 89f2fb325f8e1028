"""A word-level LSTM language model on a tiny text (PyTorch's word_language_model, scaled
down): Embedding, LSTM, Linear with tied weights, CrossEntropyLoss, truncated BPTT with the
hidden state detached between batches, clip_grad_norm_, plain SGD written by hand."""

TEXT = ("the cat sat on the mat . the dog sat on the log . a cat saw a dog . "
        "the dog saw the cat on the mat . a log on a mat .")


def main(torch, nn, F, optim, data, *, init=None, steps=6, bptt=5, lr=2.0):
    torch.manual_seed(0)
    words = TEXT.split()
    vocab = sorted(set(words))
    stoi = {w: i for i, w in enumerate(vocab)}
    ids = torch.tensor([stoi[w] for w in words])
    batch = 2
    nbatch = ids.size(0) // batch
    source = ids[: nbatch * batch].view(batch, -1).t().contiguous()   # (time, batch)

    class RNNModel(nn.Module):
        def __init__(self, ntoken, ninp=8, nlayers=1):
            super().__init__()
            self.encoder = nn.Embedding(ntoken, ninp)
            self.rnn = nn.LSTM(ninp, ninp, nlayers)
            self.decoder = nn.Linear(ninp, ntoken)
            self.decoder.weight = self.encoder.weight           # weight tying
            self.nlayers, self.nhid = nlayers, ninp
            initrange = 0.1
            nn.init.uniform_(self.encoder.weight, -initrange, initrange)
            nn.init.zeros_(self.decoder.bias)

        def forward(self, inp, hidden):
            output, hidden = self.rnn(self.encoder(inp), hidden)
            decoded = self.decoder(output).view(-1, self.decoder.out_features)
            return F.log_softmax(decoded, dim=1), hidden

        def init_hidden(self, bsz):
            weight = next(self.parameters())
            return (weight.new_zeros(self.nlayers, bsz, self.nhid),
                    weight.new_zeros(self.nlayers, bsz, self.nhid))

    def repackage_hidden(h):
        if isinstance(h, tuple):
            return tuple(repackage_hidden(v) for v in h)
        return h.detach()

    model = RNNModel(len(vocab))
    if init:
        init({"model": model})
    criterion = nn.NLLLoss()
    losses = []
    model.train()
    hidden = model.init_hidden(batch)
    i = 0
    while len(losses) < steps:
        if i + 1 >= source.size(0) - 1:
            i = 0
            hidden = model.init_hidden(batch)
        seq_len = min(bptt, source.size(0) - 1 - i)
        inp, target = source[i:i + seq_len], source[i + 1:i + 1 + seq_len].reshape(-1)
        hidden = repackage_hidden(hidden)
        model.zero_grad()
        output, hidden = model(inp, hidden)
        loss = criterion(output, target)
        loss.backward()
        nn.utils.clip_grad_norm_(model.parameters(), 0.25)
        for p in model.parameters():
            p.data.add_(p.grad, alpha=-lr)
        losses.append(loss.item())
        i += seq_len
    return {"losses": losses, "models": {"model": model},
            "tied": model.decoder.weight is model.encoder.weight}
