"""A user script in docs/porting.md's style, checked by mypy (tests/test_typing.py): an
``nn.Module`` subclass, an optimizer, a DataLoader over a TensorDataset, a scheduler."""

from __future__ import annotations

import arraygrad as ag
import arraygrad.nn as nn
import arraygrad.nn.functional as F
from arraygrad import optim
from arraygrad.utils.data import DataLoader, TensorDataset


class MLP(nn.Module):
    def __init__(self, n_in: int, n_hidden: int, n_out: int) -> None:
        super().__init__()
        self.fc1 = nn.Linear(n_in, n_hidden)
        self.fc2 = nn.Linear(n_hidden, n_out)
        self.drop = nn.Dropout(0.1)

    def forward(self, x: ag.Tensor) -> ag.Tensor:
        h: ag.Tensor = F.relu(self.fc1(x))
        out: ag.Tensor = self.fc2(self.drop(h))
        return out


def train(epochs: int = 2) -> float:
    ag.manual_seed(0)
    device = ag.device("cpu")
    model = MLP(4, 16, 3).to(device)
    opt = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    x = ag.randn(64, 4)
    y = (x[:, 0] > 0).long() + (x[:, 1] > 0).long()
    loader = DataLoader(TensorDataset(x, y), batch_size=16, shuffle=True)
    loss = ag.tensor(0.0)
    model.train()
    for _ in range(epochs):
        for xb, yb in loader:
            opt.zero_grad()
            loss = F.cross_entropy(model(xb.to(device)), yb.to(device))
            loss.backward()
            opt.step()
    model.eval()
    with ag.no_grad():
        logits = model(x)
        accuracy = float((logits.argmax(dim=1) == y).float().mean())
    assert 0.0 <= accuracy <= 1.0
    for p in model.parameters():
        assert p.grad is not None
        g: ag.Tensor = p.grad
        assert g.shape == p.shape
    state = model.state_dict()
    model.load_state_dict(state)
    return float(loss.item())


if __name__ == "__main__":
    print(f"final loss {train():.3f}")
