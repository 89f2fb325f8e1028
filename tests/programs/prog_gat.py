"""A graph attention network (GAT): per-edge scores with LeakyReLU, non-edges masked with
-inf, softmax over neighbours, heads joined with torch.cat (hidden) and averaged with
torch.stack (output)."""

from _graph import train_node_classifier, two_communities


def main(torch, nn, F, optim, data, *, init=None, steps=8):
    torch.manual_seed(0)
    dtype = torch.zeros(()).dtype
    adj_np, feats_np, labels_np, train_idx, test_idx = two_communities(seed=1)
    adj = torch.tensor(adj_np, dtype=dtype) + torch.eye(len(adj_np), dtype=dtype)
    x = torch.tensor(feats_np, dtype=dtype)
    y = torch.tensor(labels_np)

    class GraphAttentionLayer(nn.Module):
        def __init__(self, in_features, out_features, alpha=0.2):
            super().__init__()
            self.W = nn.Linear(in_features, out_features, bias=False)
            self.a_src = nn.Parameter(torch.empty(out_features, 1))
            self.a_dst = nn.Parameter(torch.empty(out_features, 1))
            self.leakyrelu = nn.LeakyReLU(alpha)
            nn.init.xavier_uniform_(self.a_src, gain=1.414)
            nn.init.xavier_uniform_(self.a_dst, gain=1.414)

        def forward(self, h, adj):
            wh = self.W(h)                                     # (N, out)
            e = self.leakyrelu(wh @ self.a_src + (wh @ self.a_dst).t())
            e = e.masked_fill(adj == 0, float("-inf"))
            attention = F.softmax(e, dim=1)
            return attention @ wh

    class GAT(nn.Module):
        def __init__(self, nfeat, nhid, nclass, heads=2):
            super().__init__()
            self.hidden = nn.ModuleList([GraphAttentionLayer(nfeat, nhid)
                                         for _ in range(heads)])
            self.out = nn.ModuleList([GraphAttentionLayer(nhid * heads, nclass)
                                      for _ in range(heads)])

        def forward(self, x, adj):
            x = torch.cat([F.elu(att(x, adj)) for att in self.hidden], dim=1)
            x = torch.stack([att(x, adj) for att in self.out]).mean(dim=0)
            return F.log_softmax(x, dim=1)

    model = GAT(x.size(1), 6, 2)
    if init:
        init({"model": model})
    optimizer = optim.Adam(model.parameters(), lr=0.02)
    losses, acc = train_node_classifier(torch, F, model, optimizer, (x, adj), y, train_idx,
                                        test_idx, steps)
    return {"losses": losses, "models": {"model": model}, "accuracy": acc}
