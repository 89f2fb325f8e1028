"""An MLP with BatchNorm1d, Adam and StepLR; the weights survive a save/load round trip."""

import io

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=8, shuffle=False):
    torch.manual_seed(0)
    dtype = torch.zeros(()).dtype
    rng = np.random.default_rng(1)
    centers = rng.normal(size=(3, 6)) * 2.0
    labels = rng.integers(0, 3, size=96)
    points = centers[labels] + rng.normal(size=(96, 6))
    x = torch.tensor(points, dtype=dtype)
    y = torch.tensor(labels)

    model = nn.Sequential(
        nn.Linear(6, 24, bias=False),   # BatchNorm follows: a bias would be dead weight
        nn.BatchNorm1d(24),
        nn.ReLU(inplace=True),
        nn.Linear(24, 24, bias=False),
        nn.BatchNorm1d(24),
        nn.ReLU(),
        nn.Linear(24, 3),
    )
    if init:
        init({"model": model})
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=3, gamma=0.5)
    criterion = nn.CrossEntropyLoss()
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=24, shuffle=shuffle)
    losses, lrs = [], []
    for _epoch in range(steps // len(loader) + 1):
        model.train()
        for xb, yb in loader:
            if len(losses) == steps:
                break
            optimizer.zero_grad()
            loss = criterion(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
        lrs.append(optimizer.param_groups[0]["lr"])

    buf = io.BytesIO()
    torch.save(model.state_dict(), buf)
    buf.seek(0)
    clone = nn.Sequential(nn.Linear(6, 24, bias=False), nn.BatchNorm1d(24), nn.ReLU(),
                          nn.Linear(24, 24, bias=False),
                          nn.BatchNorm1d(24), nn.ReLU(), nn.Linear(24, 3))
    clone.load_state_dict(torch.load(buf))
    model.eval()
    clone.eval()
    with torch.no_grad():
        same = bool((model(x) == clone(x)).all().item())
        running_mean = model[1].running_mean.clone()
    return {"losses": losses, "models": {"model": model}, "lrs": lrs, "round_trip": same,
            "running_mean": running_mean}
