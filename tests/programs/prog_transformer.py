"""A Transformer encoder classifier over token sequences: Embedding plus a learned position
table, nn.TransformerEncoder with a key-padding mask, mean over the unpadded positions,
AdamW and gradient clipping. Dropout is a parameter (0 for the step-by-step comparison)."""

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=4, dropout=0.0):
    torch.manual_seed(0)
    rng = np.random.default_rng(4)
    n, length, vocab = 48, 7, 10
    tokens = rng.integers(1, vocab, size=(n, length))
    lengths = rng.integers(3, length + 1, size=n)
    pad = np.arange(length)[None, :] >= lengths[:, None]
    tokens[pad] = 0
    labels = ((tokens == 3).sum(1) > (tokens == 4).sum(1)).astype(np.int64)
    x = torch.tensor(tokens)
    mask = torch.tensor(pad)
    y = torch.tensor(labels)

    class Classifier(nn.Module):
        def __init__(self, d_model=16, nhead=2):
            super().__init__()
            self.embed = nn.Embedding(vocab, d_model, padding_idx=0)
            self.pos = nn.Parameter(torch.zeros(1, length, d_model))
            layer = nn.TransformerEncoderLayer(d_model, nhead, dim_feedforward=32,
                                               dropout=dropout, batch_first=True)
            self.encoder = nn.TransformerEncoder(layer, num_layers=2,
                                                 enable_nested_tensor=False)
            self.head = nn.Linear(d_model, 2)

        def forward(self, tokens, padding_mask):
            h = self.encoder(self.embed(tokens) + self.pos, src_key_padding_mask=padding_mask)
            keep = (~padding_mask).unsqueeze(-1).to(h.dtype)
            pooled = (h * keep).sum(dim=1) / keep.sum(dim=1)
            return self.head(pooled)

    model = Classifier()
    if init:
        init({"model": model})
    optimizer = optim.AdamW(model.parameters(), lr=3e-3)
    loader = data.DataLoader(data.TensorDataset(x, mask, y), batch_size=16)
    losses = []
    model.train()
    while len(losses) < steps:
        for xb, mb, yb in loader:
            if len(losses) == steps:
                break
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb, mb), yb)
            loss.backward()
            nn.utils.clip_grad_norm_(model.parameters(), 1.0)
            optimizer.step()
            losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        correct = (model(x, mask).argmax(dim=1) == y).sum().item()
    return {"losses": losses, "models": {"model": model}, "correct": correct}
