"""SimCLR-style contrastive learning: two noisy views of each sample, a projection head,
F.normalize, a temperature-scaled similarity matrix whose diagonal is masked through
torch.eye(..., dtype=torch.bool), torch.arange labels rolled by the batch size,
F.cross_entropy over the -inf-masked logits and, with label smoothing, over the
off-diagonal entries picked by boolean indexing; SGD with dampened momentum and a
CosineAnnealingLR; nearest neighbours through fill_diagonal_."""

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=5, temperature=0.5):
    torch.manual_seed(0)
    rng = np.random.default_rng(3)
    base = rng.standard_normal((64, 10))
    view_noise = 0.2 * rng.standard_normal((steps, 2, 32, 10))
    base_t = torch.from_numpy(base)

    encoder = nn.Sequential(nn.Linear(10, 32), nn.BatchNorm1d(32), nn.ReLU(),
                            nn.Linear(32, 16))
    projector = nn.Sequential(nn.Linear(16, 16), nn.ReLU(), nn.Linear(16, 8, bias=False))
    if init:
        init({"encoder": encoder, "projector": projector})
    params = list(encoder.parameters()) + list(projector.parameters())
    optimizer = optim.SGD(params, lr=0.3, momentum=0.9, dampening=0.1)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps, eta_min=1e-3)

    def info_nce(z1, z2):
        n = z1.shape[0]
        z = F.normalize(torch.cat([z1, z2], dim=0), dim=1)
        sim = torch.matmul(z, z.T) / temperature
        self_mask = torch.eye(2 * n, dtype=torch.bool, device=z.device)
        labels = torch.arange(2 * n, device=z.device)
        labels = torch.roll(labels, shifts=n)
        # the diagonal dropped by boolean indexing, the positives' column shifted down
        off_diag = sim[~self_mask].view(2 * n, 2 * n - 1)
        shifted = labels - (labels > torch.arange(2 * n)).long()
        smooth = F.cross_entropy(off_diag, shifted, label_smoothing=0.05)
        sim = sim.masked_fill(self_mask, float("-inf"))
        loss = F.cross_entropy(sim, labels) + 0.5 * smooth
        pos = sim[torch.arange(2 * n), labels]
        rank = (sim >= pos[:, None]).long().sum(dim=-1).float()
        return loss, rank.mean()

    losses, ranks, lrs = [], [], []
    for step in range(steps):
        idx = torch.arange(step * 8, step * 8 + 32) % base_t.size(0)
        x = base_t.index_select(0, idx).to(torch.get_default_dtype())
        v1 = x + torch.from_numpy(view_noise[step, 0]).to(x.dtype)
        v2 = x * (1 + torch.from_numpy(view_noise[step, 1]).to(x.dtype))
        loss, rank = info_nce(projector(encoder(v1)), projector(encoder(v2)))
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        ranks.append(rank.item())
        lrs.append(scheduler.get_last_lr()[0])
    encoder.eval()
    with torch.no_grad():
        feats = F.normalize(encoder(base_t.to(torch.get_default_dtype())), p=2, dim=-1)
        nearest = (feats @ feats.t()).fill_diagonal_(-2).argmax(dim=1)
    return {"losses": losses, "models": {"encoder": encoder, "projector": projector},
            "ranks": ranks, "lrs": lrs, "nearest": nearest.tolist()}
