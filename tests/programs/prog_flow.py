"""A RealNVP-style normalizing flow on two moons: affine coupling layers with a tanh-scaled
log-scale, alternating masks held as buffers, a torch.distributions base (Independent
Normal or MultivariateNormal), log-determinants summed per sample, a mixture-of-Gaussians
baseline through torch.logsumexp and log_softmax, and Adamax with a weight decay."""

import math

from sklearn.datasets import make_moons


def main(torch, nn, F, optim, data, *, init=None, steps=4, base="independent"):
    torch.manual_seed(0)
    points, _ = make_moons(n_samples=128, noise=0.05, random_state=0)
    dtype = torch.get_default_dtype()
    x_all = torch.tensor(points, dtype=dtype)
    D = torch.distributions

    class Coupling(nn.Module):
        def __init__(self, mask):
            super().__init__()
            self.register_buffer("mask", mask)
            self.net = nn.Sequential(nn.Linear(2, 16), nn.ELU(), nn.Linear(16, 16),
                                     nn.Softplus(beta=2.0), nn.Linear(16, 4))
            self.scale = nn.Parameter(torch.ones(1, 2) * 0.5)

        def forward(self, x):
            xm = x * self.mask
            s, t = self.net(xm).chunk(2, dim=1)
            s = self.scale * torch.tanh(s) * (1 - self.mask)
            t = t * (1 - self.mask)
            y = xm + (1 - self.mask) * (x * torch.exp(s) + t)
            return y, s.sum(dim=1)

    class Flow(nn.Module):
        def __init__(self):
            super().__init__()
            masks = [torch.tensor([1.0, 0.0]), torch.tensor([0.0, 1.0])] * 2
            self.layers = nn.ModuleList(Coupling(m.to(dtype)) for m in masks)
            self.register_buffer("loc", torch.zeros(2))
            self.register_buffer("cov", torch.eye(2))

        def base(self):
            if base == "mvn":
                return D.MultivariateNormal(self.loc, covariance_matrix=self.cov)
            return D.Independent(D.Normal(self.loc, torch.ones_like(self.loc)), 1)

        def log_prob(self, x):
            log_det = torch.zeros(x.shape[0], dtype=x.dtype)
            for layer in self.layers:
                x, ld = layer(x)
                log_det = log_det + ld
            return self.base().log_prob(x) + log_det

    class Mixture(nn.Module):
        def __init__(self, k=4):
            super().__init__()
            self.logits = nn.Parameter(torch.zeros(k))
            self.means = nn.Parameter(torch.randn(k, 2))
            self.log_std = nn.Parameter(torch.zeros(k, 2))

        def log_prob(self, x):
            diff = (x.unsqueeze(1) - self.means) / self.log_std.exp()
            comp = -0.5 * (diff ** 2).sum(-1) - self.log_std.sum(-1) - math.log(2 * math.pi)
            return torch.logsumexp(F.log_softmax(self.logits, dim=0) + comp, dim=1)

    flow, mix = Flow(), Mixture()
    if init:
        init({"flow": flow, "mix": mix})
    optimizer = optim.Adamax(list(flow.parameters()) + list(mix.parameters()), lr=5e-3,
                             weight_decay=1e-4)
    loader = data.DataLoader(data.TensorDataset(x_all), batch_size=32)
    losses, mix_nll = [], []
    for xb, in loader:
        if len(losses) == steps:
            break
        loss_flow = -flow.log_prob(xb).mean()
        loss_mix = -mix.log_prob(xb).mean()
        optimizer.zero_grad()
        (loss_flow + loss_mix).backward()
        optimizer.step()
        losses.append(loss_flow.item())
        mix_nll.append(loss_mix.item())
    with torch.no_grad():
        test_lp = flow.log_prob(x_all[:8])
        entropy = flow.base().entropy()
        weights = F.softmax(mix.logits, dim=-1)
    return {"losses": losses, "models": {"flow": flow, "mix": mix}, "mix_nll": mix_nll,
            "test_lp": test_lp.tolist(), "entropy": float(entropy),
            "weights": weights.tolist()}
