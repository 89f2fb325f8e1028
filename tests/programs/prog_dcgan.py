"""A DCGAN-style generator and discriminator on 8x8 digits: two optimizers, BCELoss,
ConvTranspose2d, BatchNorm2d, LeakyReLU, weights initialised with nn.init."""

from sklearn.datasets import load_digits


def main(torch, nn, F, optim, data, *, init=None, steps=4, noise=None, nz=6):
    torch.manual_seed(0)
    device = torch.device("cpu")
    dtype = torch.zeros(()).dtype
    real_images = torch.tensor(load_digits().images[:64] / 8.0 - 1.0, dtype=dtype)
    real_images = real_images.view(-1, 1, 8, 8)

    def weights_init(m):
        name = type(m).__name__
        if name.find("Conv") != -1:
            nn.init.normal_(m.weight.data, 0.0, 0.02)
        elif name.find("BatchNorm") != -1:
            nn.init.normal_(m.weight.data, 1.0, 0.02)
            nn.init.constant_(m.bias.data, 0)

    class Generator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.ConvTranspose2d(nz, 16, 2, 1, 0, bias=False),   # 1 -> 2
                nn.BatchNorm2d(16),
                nn.ReLU(True),
                nn.ConvTranspose2d(16, 8, 4, 2, 1, bias=False),    # 2 -> 4
                nn.BatchNorm2d(8),
                nn.ReLU(True),
                nn.ConvTranspose2d(8, 1, 4, 2, 1, bias=False),     # 4 -> 8
                nn.Tanh(),
            )

        def forward(self, z):
            return self.main(z)

    class Discriminator(nn.Module):
        def __init__(self):
            super().__init__()
            self.main = nn.Sequential(
                nn.Conv2d(1, 8, 4, 2, 1, bias=False),              # 8 -> 4
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(8, 16, 4, 2, 1, bias=False),             # 4 -> 2
                nn.BatchNorm2d(16),
                nn.LeakyReLU(0.2, inplace=True),
                nn.Conv2d(16, 1, 2, 1, 0, bias=False),             # 2 -> 1
                nn.Sigmoid(),
            )

        def forward(self, x):
            return self.main(x).view(-1, 1).squeeze(1)

    netG = Generator().to(device)
    netG.apply(weights_init)
    netD = Discriminator().to(device)
    netD.apply(weights_init)
    if init:
        init({"netG": netG, "netD": netD})
    criterion = nn.BCELoss()
    optimizerD = optim.Adam(netD.parameters(), lr=2e-3, betas=(0.5, 0.999))
    optimizerG = optim.Adam(netG.parameters(), lr=2e-3, betas=(0.5, 0.999))
    loader = data.DataLoader(data.TensorDataset(real_images), batch_size=16)
    real_label, fake_label = 1.0, 0.0
    losses = []
    for i, (real,) in enumerate(loader):
        if i == steps:
            break
        b = real.size(0)
        if noise is None:
            z = torch.randn(b, nz, 1, 1, device=device)
        else:
            z = torch.tensor(noise[i], dtype=dtype)
        # (1) update D: maximise log(D(x)) + log(1 - D(G(z)))
        netD.zero_grad()
        label = torch.full((b,), real_label, dtype=dtype, device=device)
        errD_real = criterion(netD(real), label)
        errD_real.backward()
        fake = netG(z)
        label.fill_(fake_label)
        errD_fake = criterion(netD(fake.detach()), label)
        errD_fake.backward()
        errD = errD_real + errD_fake
        optimizerD.step()
        # (2) update G: maximise log(D(G(z)))
        netG.zero_grad()
        label.fill_(real_label)
        errG = criterion(netD(fake), label)
        errG.backward()
        optimizerG.step()
        losses.append(errD.item())
        losses.append(errG.item())
    return {"losses": losses, "models": {"netG": netG, "netD": netD}}
