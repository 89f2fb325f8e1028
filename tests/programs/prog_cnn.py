"""A small CNN on the 8x8 digits (PyTorch's MNIST example, scaled down)."""

from sklearn.datasets import load_digits


def main(torch, nn, F, optim, data, *, init=None, steps=6, dropout=0.0, shuffle=False):
    torch.manual_seed(0)
    device = torch.device("cpu")
    dtype = torch.zeros(()).dtype          # the default float
    digits = load_digits()
    x = torch.tensor(digits.images[:160] / 16.0, dtype=dtype).unsqueeze(1)
    y = torch.tensor(digits.target[:160])
    x_test = torch.tensor(digits.images[160:320] / 16.0, dtype=dtype).unsqueeze(1)
    y_test = torch.tensor(digits.target[160:320])

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.conv1 = nn.Conv2d(1, 8, 3, padding=1)
            self.conv2 = nn.Conv2d(8, 16, 3, padding=1)
            self.pool = nn.MaxPool2d(2)
            self.dropout = nn.Dropout(dropout)
            self.fc1 = nn.Linear(16 * 2 * 2, 32)
            self.fc2 = nn.Linear(32, 10)

        def forward(self, x):
            x = self.pool(F.relu(self.conv1(x)))
            x = self.pool(F.relu(self.conv2(x)))
            x = x.view(x.size(0), -1)
            x = self.dropout(F.relu(self.fc1(x)))
            return F.log_softmax(self.fc2(x), dim=1)

    model = Net().to(device)
    if init:
        init({"model": model})
    optimizer = optim.SGD(model.parameters(), lr=0.1, momentum=0.9)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=32, shuffle=shuffle)
    losses = []
    model.train()
    while len(losses) < steps:
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            optimizer.zero_grad()
            loss = F.nll_loss(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            if len(losses) == steps:
                break
    model.eval()
    with torch.no_grad():
        out = model(x_test.to(device))
        pred = out.argmax(dim=1)
        correct = (pred == y_test).sum().item()
        test_nll = -out[range(len(y_test)), y_test].mean().item()
    return {"losses": losses, "models": {"model": model}, "accuracy": correct / len(y_test),
            "test_nll": test_nll}
