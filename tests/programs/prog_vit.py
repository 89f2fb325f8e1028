"""A tiny Vision Transformer on 8x8 digits: patches cut with Tensor.unfold and permute,
with F.unfold (im2col) or by a strided Conv2d; a class token and a position embedding
initialised with trunc_normal_, pre-norm blocks around nn.MultiheadAttention (weights
averaged over heads), a GELU MLP, AdamW with per-group learning rates and OneCycleLR
stepped per batch."""

from sklearn.datasets import load_digits


def main(torch, nn, F, optim, data, *, init=None, steps=5, patches="tensor_unfold"):
    torch.manual_seed(0)
    digits = load_digits()
    dtype = torch.get_default_dtype()
    x = torch.tensor(digits.images[:160] / 16.0, dtype=dtype).unsqueeze(1)
    y = torch.tensor(digits.target[:160])
    patch, dim, heads = 4, 16, 2
    n_patches = (8 // patch) ** 2

    class Block(nn.Module):
        def __init__(self):
            super().__init__()
            self.norm1 = nn.LayerNorm(dim, eps=1e-6)
            self.attn = nn.MultiheadAttention(dim, heads, batch_first=True)
            self.norm2 = nn.LayerNorm(dim, eps=1e-6)
            self.mlp = nn.Sequential(nn.Linear(dim, 2 * dim), nn.GELU(), nn.Linear(2 * dim, dim))

        def forward(self, x):
            h = self.norm1(x)
            a, w = self.attn(h, h, h, need_weights=True, average_attn_weights=True)
            x = x + a
            return x + self.mlp(self.norm2(x)), w

    class ViT(nn.Module):
        def __init__(self):
            super().__init__()
            if patches == "conv":
                self.embed = nn.Conv2d(1, dim, kernel_size=patch, stride=patch)
            else:
                self.embed = nn.Linear(patch * patch, dim)
            self.cls_token = nn.Parameter(torch.zeros(1, 1, dim))
            self.pos_embed = nn.Parameter(torch.zeros(1, n_patches + 1, dim))
            nn.init.trunc_normal_(self.pos_embed, std=0.02)
            nn.init.trunc_normal_(self.cls_token, std=0.02)
            self.blocks = nn.ModuleList([Block(), Block()])
            self.norm = nn.LayerNorm(dim)
            self.head = nn.Linear(dim, 10)

        def patches(self, img):
            if patches == "conv":
                return self.embed(img).flatten(2).transpose(1, 2)
            if patches == "F_unfold":
                return self.embed(F.unfold(img, kernel_size=patch, stride=patch).transpose(1, 2))
            p = img.unfold(2, patch, patch).unfold(3, patch, patch)
            p = p.permute(0, 2, 3, 1, 4, 5).reshape(img.size(0), n_patches, -1)
            return self.embed(p)

        def forward(self, img):
            t = self.patches(img)
            cls = self.cls_token.expand(t.shape[0], -1, -1)
            t = torch.cat((cls, t), dim=1) + self.pos_embed
            attn = []
            for blk in self.blocks:
                t, w = blk(t)
                attn.append(w)
            return self.head(self.norm(t)[:, 0]), attn

    model = ViT()
    if init:
        init({"model": model})
    head_params = list(model.head.parameters())
    head_ids = {id(p) for p in head_params}
    body = [p for p in model.parameters() if id(p) not in head_ids]
    optimizer = optim.AdamW([{"params": body}, {"params": head_params, "lr": 2e-2}],
                            lr=1e-2, weight_decay=0.05)
    loader = data.DataLoader(data.TensorDataset(x, y), batch_size=32)
    scheduler = optim.lr_scheduler.OneCycleLR(optimizer, max_lr=[1e-2, 2e-2],
                                              total_steps=steps, pct_start=0.4)
    losses, lrs = [], []
    for xb, yb in loader:
        if len(losses) == steps:
            break
        logits, attn = model(xb)
        loss = F.cross_entropy(logits, yb)
        optimizer.zero_grad()
        loss.backward()
        optimizer.step()
        scheduler.step()
        losses.append(loss.item())
        lrs.append([g["lr"] for g in optimizer.param_groups])
    with torch.no_grad():
        _, attn = model(x[:4])
    return {"losses": losses, "models": {"model": model}, "lrs": lrs,
            "attn": attn[-1][0].tolist(), "attn_shape": tuple(attn[0].shape),
            "betas": optimizer.param_groups[0]["betas"]}
