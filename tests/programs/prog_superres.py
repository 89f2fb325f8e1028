"""Sub-pixel super-resolution (PyTorch's super_resolution example, scaled down): 4x4
digits to 8x8 with Conv2d + PixelShuffle, MSE, Adam and CosineAnnealingLR."""

import math

from sklearn.datasets import load_digits


def main(torch, nn, F, optim, data, *, init=None, steps=6):
    torch.manual_seed(0)
    dtype = torch.zeros(()).dtype
    high = torch.tensor(load_digits().images[:96] / 16.0, dtype=dtype).unsqueeze(1)
    low = F.avg_pool2d(high, 2)                    # (N, 1, 4, 4)

    class Net(nn.Module):
        def __init__(self, upscale_factor=2):
            super().__init__()
            self.relu = nn.ReLU()
            self.conv1 = nn.Conv2d(1, 16, 5, 1, 2)
            self.conv2 = nn.Conv2d(16, 8, 3, 1, 1)
            self.conv3 = nn.Conv2d(8, upscale_factor ** 2, 3, 1, 1)
            self.pixel_shuffle = nn.PixelShuffle(upscale_factor)
            self._initialize_weights()

        def forward(self, x):
            x = self.relu(self.conv1(x))
            x = self.relu(self.conv2(x))
            return self.pixel_shuffle(self.conv3(x))

        def _initialize_weights(self):
            nn.init.orthogonal_(self.conv1.weight, nn.init.calculate_gain("relu"))
            nn.init.orthogonal_(self.conv2.weight, nn.init.calculate_gain("relu"))
            nn.init.orthogonal_(self.conv3.weight)

    model = Net()
    if init:
        init({"model": model})
    criterion = nn.MSELoss()
    optimizer = optim.Adam(model.parameters(), lr=0.01)
    scheduler = optim.lr_scheduler.CosineAnnealingLR(optimizer, T_max=steps)
    loader = data.DataLoader(data.TensorDataset(low, high), batch_size=32)
    losses = []
    while len(losses) < steps:
        for lr_img, hr_img in loader:
            if len(losses) == steps:
                break
            optimizer.zero_grad()
            loss = criterion(model(lr_img), hr_img)
            loss.backward()
            optimizer.step()
            scheduler.step()
            losses.append(loss.item())
    with torch.no_grad():
        mse = criterion(model(low), high).item()
    return {"losses": losses, "models": {"model": model}, "psnr": 10 * math.log10(1 / mse),
            "lr": scheduler.get_last_lr()[0]}
