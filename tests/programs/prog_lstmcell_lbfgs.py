"""Time-series regression with an LSTMCell unrolled by hand (PyTorch's time_sequence_prediction
example, scaled down), trained with LBFGS through ``optimizer.step(closure)``; then it
predicts ``future`` steps past the input by feeding back its own output."""

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=2, future=3):
    torch.manual_seed(0)
    dtype = torch.zeros(()).dtype
    t = np.arange(14)[None, :] + np.array([0, 3, 6, 9])[:, None]
    wave = np.sin(t / 2.0)
    inputs = torch.tensor(wave[:, :-1], dtype=dtype)
    targets = torch.tensor(wave[:, 1:], dtype=dtype)

    class Sequence(nn.Module):
        def __init__(self, hidden=8):
            super().__init__()
            self.hidden = hidden
            self.lstm1 = nn.LSTMCell(1, hidden)
            self.lstm2 = nn.LSTMCell(hidden, hidden)
            self.linear = nn.Linear(hidden, 1)

        def forward(self, x, future=0):
            outputs = []
            h_t = torch.zeros(x.size(0), self.hidden, dtype=dtype)
            c_t = torch.zeros(x.size(0), self.hidden, dtype=dtype)
            h_t2 = torch.zeros(x.size(0), self.hidden, dtype=dtype)
            c_t2 = torch.zeros(x.size(0), self.hidden, dtype=dtype)
            for input_t in x.split(1, dim=1):
                h_t, c_t = self.lstm1(input_t, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            for _ in range(future):
                h_t, c_t = self.lstm1(output, (h_t, c_t))
                h_t2, c_t2 = self.lstm2(h_t, (h_t2, c_t2))
                output = self.linear(h_t2)
                outputs += [output]
            return torch.cat(outputs, dim=1)

    seq = Sequence()
    if init:
        init({"seq": seq})
    criterion = nn.MSELoss()
    optimizer = optim.LBFGS(seq.parameters(), lr=0.8, max_iter=4)
    losses = []
    for _ in range(steps):
        def closure():
            optimizer.zero_grad()
            loss = criterion(seq(inputs), targets)
            loss.backward()
            return loss
        losses.append(optimizer.step(closure).item())
    with torch.no_grad():
        pred = seq(inputs, future=future)
        final = criterion(pred[:, :-future], targets).item()
    return {"losses": losses + [final], "models": {"seq": seq}, "pred": pred}
