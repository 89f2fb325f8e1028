"""A click-through-rate model fed by a hand-written data pipeline: a map-style Dataset whose
items are dicts of NumPy arrays and Python numbers, default_collate of those dicts, a
custom collate_fn that pads variable-length id lists into EmbeddingBag offsets,
ConcatDataset and Subset, BatchSampler over a SequentialSampler, nn.EmbeddingBag(mode=
"mean" / per-sample weights), BCEWithLogitsLoss(pos_weight=), NAdam or RAdam, a param
group added mid-training with add_param_group, LinearLR warmup chained by SequentialLR into
ExponentialLR, and an optimizer + scheduler state_dict round trip."""

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=6, opt="nadam"):
    torch.manual_seed(0)
    rng = np.random.default_rng(23)
    n_items, n_users, n = 20, 7, 48
    users = rng.integers(0, n_users, size=n)
    hist = [rng.integers(0, n_items, size=rng.integers(1, 5)) for _ in range(n)]
    dense = rng.standard_normal((n, 3))
    clicks = (dense[:, 0] + (users % 2) > 0.3).astype(np.float64)
    dtype = torch.get_default_dtype()

    class Clicks(data.Dataset):
        def __init__(self, lo, hi):
            self.lo, self.hi = lo, hi

        def __len__(self):
            return self.hi - self.lo

        def __getitem__(self, i):
            j = self.lo + i
            return {"user": int(users[j]), "dense": dense[j], "hist": hist[j],
                    "click": float(clicks[j])}

    full = data.ConcatDataset([Clicks(0, 30), Clicks(30, n)])
    train = data.Subset(full, list(range(0, n, 1)))

    def collate(batch):
        ids = [torch.as_tensor(b["hist"]) for b in batch]
        offsets = torch.tensor([0] + [len(i) for i in ids[:-1]]).cumsum(dim=0)
        rest = data.default_collate([{k: b[k] for k in ("user", "dense", "click")}
                                     for b in batch])
        rest["ids"], rest["offsets"] = torch.cat(ids), offsets
        rest["weights"] = torch.cat([torch.full((len(i),), 1.0 / len(i), dtype=dtype)
                                     for i in ids])
        return rest

    sampler = data.BatchSampler(data.SequentialSampler(train), batch_size=8, drop_last=True)
    loader = data.DataLoader(train, batch_sampler=sampler, collate_fn=collate)

    class CTR(nn.Module):
        def __init__(self):
            super().__init__()
            self.user = nn.Embedding(n_users, 4)
            self.items = nn.EmbeddingBag(n_items, 4, mode="mean")
            self.items_w = nn.EmbeddingBag(n_items, 4, mode="sum")
            self.mlp = nn.Sequential(nn.Linear(4 + 4 + 4 + 3, 8), nn.Hardswish(),
                                     nn.Linear(8, 1))
            self.bias = nn.Parameter(torch.zeros(1))

        def forward(self, b):
            h = torch.cat([self.user(b["user"]), self.items(b["ids"], b["offsets"]),
                           self.items_w(b["ids"], b["offsets"],
                                        per_sample_weights=b["weights"]),
                           b["dense"].to(dtype)], dim=1)
            return self.mlp(h).squeeze(1) + self.bias

    model = CTR()
    if init:
        init({"model": model})
    body = [p for name, p in model.named_parameters() if name != "bias"]
    Opt = optim.NAdam if opt == "nadam" else optim.RAdam
    optimizer = Opt(body, lr=2e-2, weight_decay=1e-3)
    warm = optim.lr_scheduler.LinearLR(optimizer, start_factor=0.25, total_iters=2)
    decay = optim.lr_scheduler.ExponentialLR(optimizer, gamma=0.8)
    scheduler = optim.lr_scheduler.SequentialLR(optimizer, [warm, decay], milestones=[2])
    criterion = nn.BCEWithLogitsLoss(pos_weight=torch.tensor([2.0]))
    losses, lrs = [], []
    while len(losses) < steps:
        for b in loader:
            if len(losses) == steps:
                break
            if len(losses) == 2:
                optimizer.add_param_group({"params": [model.bias], "lr": 1e-2})
                saved_opt = optimizer.state_dict()
                saved_sched = scheduler.state_dict()
                optimizer.load_state_dict(saved_opt)
                scheduler.load_state_dict(saved_sched)
            optimizer.zero_grad()
            loss = criterion(model(b), b["click"].to(dtype))
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
            lrs.append([g["lr"] for g in optimizer.param_groups])
    with torch.no_grad():
        batch = collate([train[i] for i in range(5)])
        probs = torch.sigmoid(model(batch))
    state_keys = sorted(optimizer.state_dict()["state"])
    return {"losses": losses, "models": {"model": model}, "lrs": lrs,
            "probs": probs.tolist(), "state_keys": state_keys, "n_batches": len(loader)}
