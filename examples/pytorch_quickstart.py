"""PyTorch's "Quickstart" training loop, written for arraygrad (digits instead of FashionMNIST)."""
import arraygrad as ag
from arraygrad import nn
from arraygrad.data import DataLoader, load_dataset

train_dataloader = DataLoader(load_dataset("digits", split="train", flatten=True),
                              batch_size=64, shuffle=True, seed=0)
test_dataloader = DataLoader(load_dataset("digits", split="test", flatten=True), batch_size=64)

model = nn.Sequential(nn.Linear(64, 128), nn.ReLU(), nn.Linear(128, 128), nn.ReLU(),
                      nn.Linear(128, 10))
loss_fn = nn.CrossEntropyLoss()
optimizer = ag.optim.SGD(model.parameters(), lr=1e-1, momentum=0.9)

def train(dataloader, model, loss_fn, optimizer):
    model.train()
    for X, y in dataloader:
        loss = loss_fn(model(X), y)
        loss.backward()
        optimizer.step()
        optimizer.zero_grad()

def test(dataloader, model, loss_fn):
    model.eval()
    test_loss, correct, size = 0.0, 0, 0
    with ag.no_grad():
        for X, y in dataloader:
            pred = model(X)
            test_loss += loss_fn(pred, y).item() * len(y)
            correct += int((pred.argmax(1) == y).sum().item())
            size += len(y)
    print(f"Accuracy: {100 * correct / size:>0.1f}%, Avg loss: {test_loss / size:>8f}")
    return correct / size

for _epoch in range(10):
    train(train_dataloader, model, loss_fn, optimizer)
accuracy = test(test_dataloader, model, loss_fn)
