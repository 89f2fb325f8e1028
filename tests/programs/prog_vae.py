"""A variational autoencoder on the digits: reparameterisation, BCE + KL."""

from sklearn.datasets import load_digits


def main(torch, nn, F, optim, data, *, init=None, steps=5, noise=None):
    torch.manual_seed(0)
    dtype = torch.zeros(()).dtype
    images = torch.tensor(load_digits().data[:128] / 16.0, dtype=dtype)

    class VAE(nn.Module):
        def __init__(self, latent=4):
            super().__init__()
            self.fc1 = nn.Linear(64, 32)
            self.fc_mu = nn.Linear(32, latent)
            self.fc_logvar = nn.Linear(32, latent)
            self.fc3 = nn.Linear(latent, 32)
            self.fc4 = nn.Linear(32, 64)

        def encode(self, x):
            h = F.relu(self.fc1(x))
            return self.fc_mu(h), self.fc_logvar(h)

        def reparameterize(self, mu, logvar, eps):
            std = torch.exp(0.5 * logvar)
            if eps is None:
                eps = torch.randn_like(std)
            return mu + eps * std

        def decode(self, z):
            return torch.sigmoid(self.fc4(F.relu(self.fc3(z))))

        def forward(self, x, eps=None):
            mu, logvar = self.encode(x.view(-1, 64))
            z = self.reparameterize(mu, logvar, eps)
            return self.decode(z), mu, logvar

    def loss_function(recon, x, mu, logvar):
        bce = F.binary_cross_entropy(recon, x.view(-1, 64), reduction="sum")
        kld = -0.5 * torch.sum(1 + logvar - mu.pow(2) - logvar.exp())
        return bce + kld

    model = VAE()
    if init:
        init({"model": model})
    optimizer = optim.Adam(model.parameters(), lr=1e-2)
    loader = data.DataLoader(data.TensorDataset(images), batch_size=32)
    losses = []
    model.train()
    step = 0
    while step < steps:
        for (xb,) in loader:
            if step == steps:
                break
            eps = None if noise is None else torch.tensor(noise[step], dtype=dtype)
            optimizer.zero_grad()
            recon, mu, logvar = model(xb, eps)
            loss = loss_function(recon, xb, mu, logvar)
            loss.backward()
            optimizer.step()
            losses.append(loss.item() / len(xb))
            step += 1
    model.eval()
    with torch.no_grad():
        sample = model.decode(torch.zeros(2, 4, dtype=dtype))
    return {"losses": losses, "models": {"model": model}, "sample": sample}
