"""A two-layer GCN (Kipf & Welling) on a small graph: A_hat @ X @ W with a dense
normalised adjacency kept as a buffer (or, with ``sparse=True``, a sparse COO adjacency
multiplied with torch.sparse.mm); train/test nodes picked with Python lists."""

import math

import numpy as np
from _graph import train_node_classifier, two_communities


def main(torch, nn, F, optim, data, *, init=None, steps=10, sparse=False):
    torch.manual_seed(0)
    dtype = torch.zeros(()).dtype
    adj_np, feats_np, labels_np, train_idx, test_idx = two_communities()
    adj = torch.tensor(adj_np, dtype=dtype)
    x = torch.tensor(feats_np, dtype=dtype)
    y = torch.tensor(labels_np)

    a = adj + torch.eye(adj.size(0), dtype=dtype)
    d_inv_sqrt = a.sum(dim=1).pow(-0.5)
    a_hat = d_inv_sqrt.view(-1, 1) * a * d_inv_sqrt.view(1, -1)

    class GraphConvolution(nn.Module):
        def __init__(self, in_features, out_features):
            super().__init__()
            self.weight = nn.Parameter(torch.empty(in_features, out_features))
            self.bias = nn.Parameter(torch.empty(out_features))
            self.reset_parameters()

        def reset_parameters(self):
            nn.init.xavier_uniform_(self.weight)
            stdv = 1.0 / math.sqrt(self.weight.size(1))
            self.bias.data.uniform_(-stdv, stdv)

        def forward(self, x, adj):
            support = x @ self.weight
            if sparse:
                return torch.sparse.mm(adj, support) + self.bias
            return adj @ support + self.bias

    class GCN(nn.Module):
        def __init__(self, nfeat, nhid, nclass, adj):
            super().__init__()
            self.gc1 = GraphConvolution(nfeat, nhid)
            self.gc2 = GraphConvolution(nhid, nclass)
            self.register_buffer("adj", adj)
            self.adj_sparse = None
            if sparse:
                # adj.nonzero() is what a PyTorch script would write; arraygrad lacks it.
                idx = torch.tensor(np.stack(np.nonzero(adj_np + np.eye(len(adj_np)))))
                self.adj_sparse = torch.sparse_coo_tensor(idx, adj[idx[0], idx[1]],
                                                          adj.shape, check_invariants=True)

        def graph(self):
            return self.adj_sparse if sparse else self.adj

        def forward(self, x):
            h = F.relu(self.gc1(x, self.graph()))
            h = F.dropout(h, 0.5, training=False)
            return F.log_softmax(self.gc2(h, self.graph()), dim=1)

    model = GCN(x.size(1), 16, 2, a_hat)
    if init:
        init({"model": model})
    optimizer = optim.Adam(model.parameters(), lr=0.02, weight_decay=5e-4)
    losses, acc = train_node_classifier(torch, F, model, optimizer, (x,), y, train_idx,
                                        test_idx, steps)
    names = sorted(name for name, _ in model.named_parameters())
    buffers = sorted(name for name, _ in model.named_buffers())
    return {"losses": losses, "models": {"model": model}, "accuracy": acc, "names": names,
            "buffers": buffers}
