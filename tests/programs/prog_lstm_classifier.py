"""A recurrent sequence classifier: does a noisy sequence trend up or down? An LSTM (or a
GRU) with batch_first, the last hidden state into a Linear head, Adam."""

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=6, cell="LSTM"):
    torch.manual_seed(0)
    dtype = torch.zeros(()).dtype
    rng = np.random.default_rng(3)
    labels = rng.integers(0, 2, size=64)
    t = np.linspace(0, 1, 12)
    seqs = (2 * labels[:, None] - 1) * t[None, :] + 0.3 * rng.normal(size=(64, 12))
    x = torch.tensor(seqs[:, :, None], dtype=dtype)   # (batch, time, features)
    y = torch.tensor(labels)

    class SequenceClassifier(nn.Module):
        def __init__(self, hidden=8):
            super().__init__()
            self.rnn = getattr(nn, cell)(input_size=1, hidden_size=hidden, num_layers=2,
                                         batch_first=True)
            self.fc = nn.Linear(hidden, 2)

        def forward(self, x):
            out, state = self.rnn(x)
            h = state[0] if isinstance(state, tuple) else state
            return self.fc(h[-1]), out

    model = SequenceClassifier()
    if init:
        init({"model": model})
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=16)
    losses = []
    while len(losses) < steps:
        for xb, yb in loader:
            if len(losses) == steps:
                break
            optimizer.zero_grad()
            logits, out = model(xb)
            loss = F.cross_entropy(logits, yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
    with torch.no_grad():
        logits, out = model(x)
        correct = (logits.argmax(dim=1) == y).sum().item()
    return {"losses": losses, "models": {"model": model}, "correct": correct,
            "out_shape": tuple(out.shape)}
