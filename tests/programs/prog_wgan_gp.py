"""WGAN-GP on a 2-D ring of Gaussians: a critic and a generator (MLPs), the gradient
penalty through torch.autograd.grad(create_graph=True) at random interpolates, critic
steps repeated n_critic times per generator step, Adam with betas=(0.5, 0.9), the critic's
parameters frozen with requires_grad_(False) during the generator step, and a gradient
hook on the fake batch that records its norm."""

import math

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=3, n_critic=2, lam=10.0):
    torch.manual_seed(0)
    rng = np.random.default_rng(13)
    dtype = torch.get_default_dtype()
    angles = rng.integers(0, 8, size=(steps * n_critic, 32)) * (2 * math.pi / 8)
    real_np = np.stack([np.cos(angles), np.sin(angles)], -1) * 2
    real_np += 0.02 * rng.standard_normal(real_np.shape)
    z_np = rng.standard_normal((steps * (n_critic + 1), 32, 4))
    eps_np = rng.random((steps * n_critic, 32, 1))

    generator = nn.Sequential(nn.Linear(4, 32), nn.ReLU(), nn.Linear(32, 32), nn.ReLU(),
                              nn.Linear(32, 2))
    critic = nn.Sequential(nn.Linear(2, 32), nn.LeakyReLU(0.2), nn.Linear(32, 32),
                           nn.LeakyReLU(0.2), nn.Linear(32, 1))
    if init:
        init({"generator": generator, "critic": critic})
    opt_g = optim.Adam(generator.parameters(), lr=1e-3, betas=(0.5, 0.9))
    opt_c = optim.Adam(critic.parameters(), lr=1e-3, betas=(0.5, 0.9))

    def gradient_penalty(real, fake, eps):
        interp = (eps * real + (1 - eps) * fake).requires_grad_(True)
        out = critic(interp)
        grads, = torch.autograd.grad(outputs=out, inputs=interp,
                                     grad_outputs=torch.ones_like(out),
                                     create_graph=True, retain_graph=True)
        return ((grads.norm(2, dim=1) - 1) ** 2).mean()

    losses, g_losses, penalties, hook_norms = [], [], [], []
    zi = 0
    for step in range(steps):
        for p in critic.parameters():
            p.requires_grad_(True)
        for k in range(n_critic):
            i = step * n_critic + k
            real = torch.tensor(real_np[i], dtype=dtype)
            with torch.no_grad():
                fake = generator(torch.tensor(z_np[zi], dtype=dtype))
            zi += 1
            gp = gradient_penalty(real, fake, torch.tensor(eps_np[i], dtype=dtype))
            loss_c = critic(fake).mean() - critic(real).mean() + lam * gp
            opt_c.zero_grad()
            loss_c.backward()
            opt_c.step()
            losses.append(loss_c.item())
            penalties.append(gp.item())
        for p in critic.parameters():
            p.requires_grad_(False)
        fake = generator(torch.tensor(z_np[zi], dtype=dtype))
        zi += 1
        fake.register_hook(lambda g: hook_norms.append(g.norm().item()))
        loss_g = -critic(fake).mean()
        opt_g.zero_grad()
        loss_g.backward()
        opt_g.step()
        g_losses.append(loss_g.item())
    critic_grads_none = all(p.grad is not None for p in critic.parameters())
    return {"losses": losses, "models": {"generator": generator, "critic": critic},
            "g_losses": g_losses, "penalties": penalties, "hook_norms": hook_norms,
            "critic_grads": critic_grads_none}
