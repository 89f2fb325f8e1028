"""Gradient accumulation over micro-batches for a small attention regressor: scores through
torch.einsum("...id,...jd->...ij") (or bmm), a key mask applied with torch.where, the loss
split over micro-batches (each scaled by 1/accum), an auxiliary loss backpropagated first
with retain_graph=True through the shared encoder, a per-parameter gradient hook,
torch.cumsum / torch.sort / topk / scatter_add_ / index_select features, and
optimizer.step() every `accum` micro-batches with Adam."""

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=3, accum=2, use_bmm=False):
    torch.manual_seed(0)
    rng = np.random.default_rng(21)
    dtype = torch.get_default_dtype()
    n, length, d_in, groups = steps * accum * 6, 5, 3, 4
    xs = rng.standard_normal((n, length, d_in))
    keep = rng.random((n, length)) > 0.2
    keep[:, 0] = True
    ys = (xs[..., 0] * keep).sum(1) + 0.1 * rng.standard_normal(n)
    group_ids = rng.integers(0, groups, size=n)

    class Regressor(nn.Module):
        def __init__(self, d=8):
            super().__init__()
            self.enc = nn.Linear(d_in, d)
            self.q = nn.Linear(d, d, bias=False)
            self.k = nn.Linear(d, d, bias=False)
            self.v = nn.Linear(d, d)
            self.group_emb = nn.Embedding(groups, d)
            self.out = nn.Linear(2 * d + 3, 1)
            self.aux = nn.Linear(d, 1)

        def forward(self, x, mask, g):
            h = torch.tanh(self.enc(x))
            q, k, v = self.q(h), self.k(h), self.v(h)
            if use_bmm:
                scores = torch.bmm(q, k.transpose(1, 2))
            else:
                scores = torch.einsum("...id,...jd->...ij", q, k)
            scores = scores / q.shape[-1] ** 0.5
            neg = torch.full_like(scores, -1e9)
            scores = torch.where(mask.unsqueeze(1), scores, neg)
            ctx = (F.softmax(scores, dim=-1) @ v).mean(dim=1)
            csum = torch.cumsum(x[..., 0] * mask, dim=1)[:, -1:]
            top2 = torch.topk(x[..., 1], k=2, dim=1).values.sum(1, keepdim=True)
            sorted_vals, order = torch.sort(x[..., 2], dim=1, descending=True)
            first = sorted_vals[:, :1] + order[:, :1].to(x.dtype) * 0.01
            feats = torch.cat([ctx, self.group_emb(g), csum, top2, first], dim=1)
            return self.out(feats).squeeze(-1), self.aux(h).squeeze(-1)

    model = Regressor()
    if init:
        init({"model": model})
    hooked = []
    model.out.weight.register_hook(lambda g: hooked.append(float(g.abs().sum())))
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    X, M = torch.tensor(xs, dtype=dtype), torch.tensor(keep)
    Y, G = torch.tensor(ys, dtype=dtype), torch.tensor(group_ids)
    losses, group_err = [], []
    micro = 0
    optimizer.zero_grad()
    order = torch.arange(n)
    for start in range(0, n, 6):
        idx = order.index_select(0, torch.arange(start, start + 6))
        pred, aux = model(X[idx], M[idx], G[idx])
        aux_loss = F.mse_loss(aux, X[idx][..., 0]) / accum
        aux_loss.backward(retain_graph=True)
        loss = F.mse_loss(pred, Y[idx]) / accum
        loss.backward()
        micro += 1
        with torch.no_grad():
            per_group = torch.zeros(groups, dtype=dtype)
            per_group.scatter_add_(0, G[idx], (pred - Y[idx]) ** 2)
            group_err.append(per_group.tolist())
        if micro % accum == 0:
            optimizer.step()
            optimizer.zero_grad()
            losses.append(loss.item() * accum)
    return {"losses": losses, "models": {"model": model}, "hooked": hooked,
            "group_err": group_err}
