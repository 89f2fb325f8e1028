"""A siamese network with a small ResNet block on digit triplets: residual connections,
AdaptiveAvgPool2d, TripletMarginLoss, PairwiseDistance and CosineSimilarity at test time,
gradient clipping."""

import numpy as np
from sklearn.datasets import load_digits


def main(torch, nn, F, optim, data, *, init=None, steps=4):
    torch.manual_seed(0)
    dtype = torch.zeros(()).dtype
    digits = load_digits()
    images, target = digits.images[:300] / 16.0, digits.target[:300]
    rng = np.random.default_rng(0)
    anchor_idx = rng.choice(len(target), 64, replace=False)
    pos_idx = [rng.choice(np.flatnonzero(target == target[a])) for a in anchor_idx]
    neg_idx = [rng.choice(np.flatnonzero(target != target[a])) for a in anchor_idx]
    x = torch.tensor(images, dtype=dtype).unsqueeze(1)

    class BasicBlock(nn.Module):
        def __init__(self, channels):
            super().__init__()
            self.conv1 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn1 = nn.BatchNorm2d(channels)
            self.conv2 = nn.Conv2d(channels, channels, 3, padding=1, bias=False)
            self.bn2 = nn.BatchNorm2d(channels)

        def forward(self, x):
            identity = x
            out = F.relu(self.bn1(self.conv1(x)))
            out = self.bn2(self.conv2(out))
            out += identity
            return F.relu(out)

    class EmbeddingNet(nn.Module):
        def __init__(self):
            super().__init__()
            self.stem = nn.Sequential(nn.Conv2d(1, 8, 3, padding=1, bias=False),
                                      nn.BatchNorm2d(8),
                                      nn.ReLU(inplace=True))
            self.layer = BasicBlock(8)
            self.pool = nn.AdaptiveAvgPool2d((1, 1))
            self.fc = nn.Linear(8, 4)

        def forward(self, x):
            x = self.pool(self.layer(self.stem(x)))
            return self.fc(torch.flatten(x, 1))

    net = EmbeddingNet()
    if init:
        init({"net": net})
    criterion = nn.TripletMarginLoss(margin=1.0)
    optimizer = optim.SGD(net.parameters(), lr=0.05, momentum=0.9)
    loader = data.DataLoader(
        data.TensorDataset(torch.tensor(anchor_idx), torch.tensor(np.array(pos_idx)),
                           torch.tensor(np.array(neg_idx))), batch_size=16)
    losses, norms = [], []
    net.train()
    for i, (a, p, n) in enumerate(loader):
        if i == steps:
            break
        optimizer.zero_grad()
        emb = net(torch.cat([x[a], x[p], x[n]]))
        ea, ep, en = emb.chunk(3)
        loss = criterion(ea, ep, en)
        loss.backward()
        norms.append(float(nn.utils.clip_grad_norm_(net.parameters(), max_norm=1.0)))
        optimizer.step()
        losses.append(loss.item())
    net.eval()
    with torch.no_grad():
        ea, ep, en = net(x[anchor_idx]), net(x[pos_idx]), net(x[neg_idx])
        d_pos = nn.PairwiseDistance()(ea, ep)
        d_neg = F.pairwise_distance(ea, en)
        cos = nn.CosineSimilarity(dim=1)(ea, ep)
        ranking = (d_pos < d_neg).float().mean().item()
    return {"losses": losses, "models": {"net": net}, "norms": norms, "ranking": ranking,
            "cos": cos}
