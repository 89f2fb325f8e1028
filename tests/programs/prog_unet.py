"""A tiny U-Net denoiser: two encoder stages with MaxPool2d, a ConvTranspose2d and an
F.interpolate(bilinear) decoder stage joined to the encoder by torch.cat skips,
GroupNorm and SiLU, an L1 + MSE loss, Adam with amsgrad and ReduceLROnPlateau."""

import numpy as np


def main(torch, nn, F, optim, data, *, init=None, steps=5):
    torch.manual_seed(0)
    rng = np.random.default_rng(11)
    yy, xx = np.meshgrid(np.linspace(-1, 1, 12), np.linspace(-1, 1, 12), indexing="ij")
    freqs = rng.uniform(1, 3, size=(16, 1, 1, 1))
    clean = np.sin(freqs * np.pi * xx) * np.cos(freqs * np.pi * yy)
    noisy = clean + 0.3 * rng.standard_normal(clean.shape)
    clean_t = torch.as_tensor(clean, dtype=torch.get_default_dtype())
    noisy_t = torch.as_tensor(noisy, dtype=torch.get_default_dtype())

    def double_conv(cin, cout):
        return nn.Sequential(
            nn.Conv2d(cin, cout, 3, padding=1), nn.GroupNorm(2, cout), nn.SiLU(),
            nn.Conv2d(cout, cout, 3, padding=1, padding_mode="reflect"),
            nn.GroupNorm(2, cout), nn.SiLU())

    class UNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.inc = double_conv(1, 4)
            self.down1 = nn.Sequential(nn.MaxPool2d(2), double_conv(4, 8))
            self.down2 = nn.Sequential(nn.MaxPool2d(2), double_conv(8, 8))
            self.up1 = nn.ConvTranspose2d(8, 8, kernel_size=2, stride=2)
            self.conv1 = double_conv(16, 4)
            self.conv2 = double_conv(8, 4)
            self.outc = nn.Conv2d(4, 1, kernel_size=1)

        def forward(self, x):
            x1 = self.inc(x)
            x2 = self.down1(x1)
            x3 = self.down2(x2)
            u = self.up1(x3)
            dy, dx = x2.size(2) - u.size(2), x2.size(3) - u.size(3)
            u = F.pad(u, [dx // 2, dx - dx // 2, dy // 2, dy - dy // 2])
            u = self.conv1(torch.cat([x2, u], dim=1))
            u = F.interpolate(u, scale_factor=2, mode="bilinear", align_corners=False)
            u = self.conv2(torch.cat([x1, u], dim=1))
            return x - self.outc(u)

    model = UNet()
    if init:
        init({"model": model})
    optimizer = optim.Adam(model.parameters(), lr=1e-2, amsgrad=True)
    scheduler = optim.lr_scheduler.ReduceLROnPlateau(optimizer, mode="min", factor=0.5,
                                                     patience=0)
    loader = data.DataLoader(data.TensorDataset(noisy_t, clean_t), batch_size=8)
    losses, lrs = [], []
    for _ in range(steps):
        epoch = 0.0
        for xb, yb in loader:
            optimizer.zero_grad()
            out = model(xb)
            loss = F.l1_loss(out, yb) + 0.5 * F.mse_loss(out, yb, reduction="mean")
            loss.backward()
            optimizer.step()
            losses.append(loss.item())
            epoch += loss.item()
        scheduler.step(epoch)
        lrs.append(optimizer.param_groups[0]["lr"])
    with torch.no_grad():
        psnr = (10 * torch.log10(1.0 / F.mse_loss(model(noisy_t), clean_t))).item()
    return {"losses": losses, "models": {"model": model}, "lrs": lrs, "psnr": psnr}
