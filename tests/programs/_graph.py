"""A small two-community graph drawn with NumPy (the same for every library)."""

import numpy as np


def two_communities(n=40, features=8, p_in=0.3, p_out=0.03, seed=0):
    rng = np.random.default_rng(seed)
    labels = np.repeat([0, 1], n // 2)
    same = labels[:, None] == labels[None, :]
    upper = np.triu(rng.random((n, n)) < np.where(same, p_in, p_out), 1)
    adj = (upper | upper.T).astype(np.float64)
    feats = rng.normal(size=(n, features)) + labels[:, None] * 0.8
    train = [int(i) for i in rng.choice(n, 12, replace=False)]
    test = [i for i in range(n) if i not in train]
    return adj, feats, labels, train, test


def train_node_classifier(torch, F, model, optimizer, inputs, y, train_idx, test_idx, steps):
    """Full-batch node classification, as the GCN/GAT tutorials train: ``steps`` of NLL on
    the training nodes, then the test nodes' accuracy. Returns ``(losses, accuracy)``."""
    losses = []
    for _ in range(steps):
        model.train()
        optimizer.zero_grad()
        out = model(*inputs)
        loss = F.nll_loss(out[train_idx], y[train_idx])
        loss.backward()
        optimizer.step()
        losses.append(loss.item())
    model.eval()
    with torch.no_grad():
        pred = model(*inputs).argmax(dim=1)
        acc = (pred[test_idx] == y[test_idx]).sum().item() / len(test_idx)
    return losses, acc
