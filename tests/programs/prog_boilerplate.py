"""The set-up and bookkeeping most PyTorch training scripts carry around the model: the
device from torch.cuda.is_available(), torch.backends.cudnn.benchmark, set_num_threads,
set_float32_matmul_precision, a seeded torch.Generator for random_split and the
DataLoader (no shuffling here, so both libraries see the same batches), a GradScaler and
autocast switched off for the CPU, gradient checkpointing of a block, an EMA of the
weights (swa_utils.AveragedModel), clip_grad_norm_, a OneCycleLR schedule,
torch.inference_mode() for evaluation and a state_dict round trip through torch.save /
torch.load into a fresh model."""

import io

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=6):
    torch.manual_seed(0)
    device = torch.device("cuda" if torch.cuda.is_available() else "cpu")
    torch.backends.cudnn.benchmark = True
    torch.set_num_threads(1)
    torch.set_float32_matmul_precision("high")
    dtype = torch.get_default_dtype()
    rng = np.random.default_rng(4)
    xs = rng.standard_normal((40, 6))
    ys = np.tanh(xs[:, :2].sum(1, keepdims=True)) + 0.05 * rng.standard_normal((40, 1))
    full = data.TensorDataset(torch.tensor(xs, dtype=dtype), torch.tensor(ys, dtype=dtype))
    # random_split's order comes from each library's own generator: the split itself is
    # fixed here, and the seeded split is only checked to be a partition of 30 + 10
    split = data.random_split(full, [0.75, 0.25], generator=torch.Generator().manual_seed(42))
    train_set, val_set = data.Subset(full, list(range(30))), data.Subset(full, list(range(30, 40)))
    loader = data.DataLoader(train_set, batch_size=6, shuffle=False,
                             generator=torch.Generator().manual_seed(0))

    class Net(nn.Module):
        def __init__(self):
            super().__init__()
            self.inp = nn.Linear(6, 16)
            self.block = nn.Sequential(nn.Linear(16, 16), nn.GELU(), nn.Linear(16, 16))
            self.out = nn.Linear(16, 1)

        def forward(self, x):
            h = F.silu(self.inp(x))
            h = h + torch.utils.checkpoint.checkpoint(self.block, h, use_reentrant=False)
            return self.out(h)

    model = Net().to(device)
    if init:
        init({"model": model})
    ema = optim.swa_utils.AveragedModel(model,
                                        multi_avg_fn=optim.swa_utils.get_ema_multi_avg_fn(0.9))
    opt = optim.AdamW(model.parameters(), lr=3e-3, weight_decay=0.01)
    sched = optim.lr_scheduler.OneCycleLR(opt, max_lr=1e-2, total_steps=steps * len(loader))
    scaler = torch.amp.GradScaler(device.type, enabled=device.type == "cuda")
    losses, val_losses = [], []
    for _epoch in range(steps):
        model.train()
        for xb, yb in loader:
            xb, yb = xb.to(device), yb.to(device)
            opt.zero_grad(set_to_none=True)
            with torch.autocast(device_type=device.type, enabled=device.type == "cuda"):
                loss = F.mse_loss(model(xb), yb)
            scaler.scale(loss).backward()
            scaler.unscale_(opt)
            nn.utils.clip_grad_norm_(model.parameters(), max_norm=1.0)
            scaler.step(opt)
            scaler.update()
            sched.step()
            ema.update_parameters(model)
            losses.append(loss.item())
        model.eval()
        with torch.inference_mode():
            xv = torch.stack([val_set[i][0] for i in range(len(val_set))])
            yv = torch.stack([val_set[i][1] for i in range(len(val_set))])
            val_losses.append(F.mse_loss(ema(xv), yv).item())
    buffer = io.BytesIO()
    torch.save({"model": model.state_dict(), "ema": ema.state_dict()}, buffer)
    buffer.seek(0)
    restored = Net()
    restored.load_state_dict(torch.load(buffer)["model"])
    with torch.no_grad():
        same = bool(torch.allclose(restored(xv), model(xv)))
    return {"losses": losses + val_losses, "models": {"model": model}, "restored": same,
            "split": sorted(len(part) for part in split),
            "split_indices": sorted(i for part in split for i in part.indices)}
