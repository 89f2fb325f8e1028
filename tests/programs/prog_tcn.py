"""A temporal convolutional network (Bai et al.'s TCN) on a copy-memory style task: dilated
causal Conv1d layers wrapped in nn.utils.weight_norm, a Chomp1d that trims the right
padding, residual 1x1 downsampling, a head under nn.utils.spectral_norm (power iteration
in train mode, none in eval), weights initialised with .normal_(0, 0.01) on weight_v,
SGD, StepLR and a final remove_weight_norm / remove_spectral_norm."""

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=5):
    torch.manual_seed(0)
    rng = np.random.default_rng(17)
    n, length, channels = 40, 12, 2
    seq = rng.standard_normal((n, channels, length))
    target = (seq[:, 0, :4].sum(1) > 0).astype(np.int64) + (seq[:, 1, -3:].mean(1) > 0)
    dtype = torch.get_default_dtype()
    X, Y = torch.tensor(seq, dtype=dtype), torch.tensor(target)

    class Chomp1d(nn.Module):
        def __init__(self, chomp_size):
            super().__init__()
            self.chomp_size = chomp_size

        def forward(self, x):
            return x[:, :, :-self.chomp_size].contiguous()

    class TemporalBlock(nn.Module):
        def __init__(self, n_in, n_out, kernel_size, dilation):
            super().__init__()
            padding = (kernel_size - 1) * dilation
            self.conv1 = nn.utils.weight_norm(nn.Conv1d(n_in, n_out, kernel_size,
                                                        padding=padding, dilation=dilation))
            self.conv2 = nn.utils.weight_norm(nn.Conv1d(n_out, n_out, kernel_size,
                                                        padding=padding, dilation=dilation))
            self.net = nn.Sequential(self.conv1, Chomp1d(padding), nn.ReLU(), nn.Dropout(0.0),
                                     self.conv2, Chomp1d(padding), nn.ReLU(), nn.Dropout(0.0))
            self.downsample = nn.Conv1d(n_in, n_out, 1) if n_in != n_out else None
            self.conv1.weight_v.data.normal_(0, 0.01)
            self.conv2.weight_v.data.normal_(0, 0.01)

        def forward(self, x):
            out = self.net(x)
            res = x if self.downsample is None else self.downsample(x)
            return F.relu(out + res)

    class TCN(nn.Module):
        def __init__(self):
            super().__init__()
            layers, n_in = [], channels
            for i, n_out in enumerate([6, 6, 6]):
                layers.append(TemporalBlock(n_in, n_out, 3, dilation=2 ** i))
                n_in = n_out
            self.network = nn.Sequential(*layers)
            self.head = nn.utils.spectral_norm(nn.Linear(6, 3))

        def forward(self, x):
            return self.head(self.network(x)[:, :, -1])

    model = TCN()
    if init:
        init({"model": model})
    optimizer = optim.SGD(model.parameters(), lr=0.5, momentum=0.5)
    scheduler = optim.lr_scheduler.StepLR(optimizer, step_size=2, gamma=0.5)
    loader = data.DataLoader(data.TensorDataset(X, Y), batch_size=20)
    losses = []
    while len(losses) < steps:
        model.train()
        for xb, yb in loader:
            if len(losses) == steps:
                break
            optimizer.zero_grad()
            loss = F.cross_entropy(model(xb), yb)
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
        scheduler.step()
    model.eval()
    with torch.no_grad():
        eval_logits = model(X[:6])
        u = model.head.weight_u.clone()
        names = sorted(name for name, _ in model.named_parameters())
        for block in model.network:
            nn.utils.remove_weight_norm(block.conv1)
            nn.utils.remove_weight_norm(block.conv2)
        nn.utils.remove_spectral_norm(model.head)
        after = model(X[:6])
    return {"losses": losses, "models": {"model": model}, "eval": eval_logits.tolist(),
            "u": u.tolist(), "names": names, "after": after.tolist(),
            "state": sorted(model.state_dict())}
