"""nn.functional under ag.func.vmap against torch.func.vmap (the oracle), float64.

One table: a function written once against a namespace of functionals (``F``: arraygrad's or
torch's), its per-example input shapes, and which inputs carry the batch axis. Per-sample
gradients of a CNN with class-index cross-entropy are checked against torch.func too.
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest
import torch
import torch.func as tf
import torch.nn.functional as TF

import arraygrad as ag
import arraygrad.nn.functional as AF

B = 3  # batch size of every row


def _close(a, b, tol=1e-9):
    a = np.asarray(a.detach().numpy()) if hasattr(a, "detach") else np.asarray(a)
    np.testing.assert_allclose(a, np.asarray(b.detach().numpy()), rtol=tol, atol=tol)


def _labels(rng, shape, n):
    return rng.integers(0, n, shape)


# (name, fn(F, *inputs), per-example shapes or arrays maker, in_dims)
ROWS = [
    ("linear", lambda F, x, w, b: F.linear(x, w, b), [(4, 5), (3, 5), (3,)], (0, None, None)),
    ("linear[batched_weight]", lambda F, x, w, b: F.linear(x, w, b), [(4, 5), (3, 5), (3,)],
     (0, 0, 0)),
    ("conv1d", lambda F, x, w: F.conv1d(x, w, padding=1), [(2, 3, 7), (4, 3, 3)], (0, None)),
    ("conv2d", lambda F, x, w, b: F.conv2d(x, w, b, stride=2, padding=1),
     [(2, 3, 6, 6), (4, 3, 3, 3), (4,)], (0, None, None)),
    ("conv2d[batched_weight]", lambda F, x, w: F.conv2d(x, w, groups=1),
     [(2, 2, 5, 5), (4, 2, 3, 3)], (0, 0)),
    ("conv2d[unbatched_input]", lambda F, x, w: F.conv2d(x, w, padding=1),
     [(2, 2, 5, 5), (4, 2, 3, 3)], (None, 0)),
    ("conv2d[groups]", lambda F, x, w: F.conv2d(x, w, groups=2),
     [(1, 4, 5, 5), (6, 2, 3, 3)], (0, 0)),
    ("conv3d", lambda F, x, w: F.conv3d(x, w), [(1, 2, 4, 4, 4), (3, 2, 2, 2, 2)], (0, None)),
    ("conv_transpose1d", lambda F, x, w: F.conv_transpose1d(x, w, stride=2),
     [(2, 3, 5), (3, 4, 3)], (0, None)),
    ("conv_transpose2d", lambda F, x, w: F.conv_transpose2d(x, w, stride=2, padding=1),
     [(2, 3, 4, 4), (3, 2, 3, 3)], (0, None)),
    ("conv_transpose2d[batched_weight]",
     lambda F, x, w: F.conv_transpose2d(x, w, output_padding=1, stride=2),
     [(2, 3, 4, 4), (3, 2, 3, 3)], (0, 0)),
    ("max_pool2d", lambda F, x: F.max_pool2d(x, 2), [(2, 3, 6, 6)], (0,)),
    ("max_pool1d", lambda F, x: F.max_pool1d(x, 3, stride=2), [(2, 7)], (0,)),
    ("avg_pool2d", lambda F, x: F.avg_pool2d(x, 3, stride=2, padding=1), [(2, 2, 6, 6)], (0,)),
    ("adaptive_avg_pool2d", lambda F, x: F.adaptive_avg_pool2d(x, (2, 3)), [(2, 5, 7)], (0,)),
    ("adaptive_max_pool2d", lambda F, x: F.adaptive_max_pool2d(x, 2), [(2, 5, 6)], (0,)),
    ("layer_norm", lambda F, x, w, b: F.layer_norm(x, (5,), w, b), [(4, 5), (5,), (5,)],
     (0, None, None)),
    ("group_norm", lambda F, x: F.group_norm(x, 2), [(3, 4, 5)], (0,)),
    ("instance_norm", lambda F, x: F.instance_norm(x), [(2, 3, 5)], (0,)),
    ("batch_norm[no_stats]", lambda F, x: F.batch_norm(x, None, None, training=True),
     [(4, 3)], (0,)),
    ("batch_norm[eval]", lambda F, x, m, v: F.batch_norm(x, m, v, training=False),
     [(4, 3), (3,), "positive:(3,)"], (0, None, None)),
    ("normalize", lambda F, x: F.normalize(x, dim=-1), [(3, 4)], (0,)),
    ("pad", lambda F, x: F.pad(x, (1, 2)), [(3, 4)], (0,)),
    ("interpolate", lambda F, x: F.interpolate(x, scale_factor=2, mode="nearest"),
     [(1, 2, 3, 3)], (0,)),
    ("embedding", lambda F, i, w: F.embedding(i, w), ["labels5:(4,)", (5, 3)], (0, None)),
    ("embedding[batched_weight]", lambda F, i, w: F.embedding(i, w),
     ["labels5:(4,)", (5, 3)], (None, 0)),
    ("one_hot", lambda F, i: F.one_hot(i, 5), ["labels5:(4,)"], (0,)),
    ("cross_entropy[indices]", lambda F, x, y: F.cross_entropy(x, y),
     [(4, 5), "labels5:(4,)"], (0, 0)),
    ("cross_entropy[indices,weight,ignore]",
     lambda F, x, y, w: F.cross_entropy(x, y, weight=w, ignore_index=2),
     [(4, 5), "labels5:(4,)", "positive:(5,)"], (0, 0, None)),
    ("cross_entropy[indices,unbatched_target]", lambda F, x, y: F.cross_entropy(x, y),
     [(4, 5), "labels5:(4,)"], (0, None)),
    ("cross_entropy[one_example]", lambda F, x, y: F.cross_entropy(x, y, reduction="sum"),
     [(5,), "labels5:()"], (0, 0)),
    ("cross_entropy[probs,smoothing]",
     lambda F, x, p: F.cross_entropy(x, F.softmax(p, dim=-1), label_smoothing=0.1),
     [(4, 5), (4, 5)], (0, 0)),
    ("cross_entropy[spatial]", lambda F, x, y: F.cross_entropy(x, y, reduction="none"),
     [(2, 5, 3), "labels5:(2, 3)"], (0, 0)),
    ("nll_loss", lambda F, x, y: F.nll_loss(F.log_softmax(x, dim=1), y), [(4, 5), "labels5:(4,)"],
     (0, 0)),
    ("mse_loss", lambda F, x, y: F.mse_loss(x, y), [(4, 3), (4, 3)], (0, None)),
    ("l1_loss", lambda F, x, y: F.l1_loss(x, y, reduction="sum"), [(4, 3), (4, 3)], (0, 0)),
    ("smooth_l1_loss", lambda F, x, y: F.smooth_l1_loss(x, y), [(4, 3), (4, 3)], (0, 0)),
    ("huber_loss", lambda F, x, y: F.huber_loss(x, y, delta=0.5), [(4, 3), (4, 3)], (0, 0)),
    ("binary_cross_entropy", lambda F, x, y: F.binary_cross_entropy(F.sigmoid(x), F.sigmoid(y)),
     [(4, 3), (4, 3)], (0, 0)),
    ("binary_cross_entropy_with_logits",
     lambda F, x, y: F.binary_cross_entropy_with_logits(x, F.sigmoid(y)), [(4, 3), (4, 3)],
     (0, None)),
    ("kl_div", lambda F, x, y: F.kl_div(F.log_softmax(x, dim=-1), F.softmax(y, dim=-1),
                                        reduction="batchmean"), [(4, 3), (4, 3)], (0, 0)),
    ("cosine_similarity", lambda F, x, y: F.cosine_similarity(x, y), [(4, 3), (4, 3)], (0, 0)),
    ("pairwise_distance", lambda F, x, y: F.pairwise_distance(x, y), [(4, 3), (4, 3)], (0, 0)),
    ("relu", lambda F, x: F.relu(x), [(4, 3)], (0,)),
    ("gelu", lambda F, x: F.gelu(x, approximate="tanh"), [(4, 3)], (0,)),
    ("silu", lambda F, x: F.silu(x), [(4, 3)], (0,)),
    ("elu", lambda F, x: F.elu(x, alpha=0.7), [(4, 3)], (0,)),
    ("leaky_relu", lambda F, x: F.leaky_relu(x, 0.2), [(4, 3)], (0,)),
    ("softplus", lambda F, x: F.softplus(x, beta=2.0), [(4, 3)], (0,)),
    ("hardtanh", lambda F, x: F.hardtanh(x, -0.5, 0.5), [(4, 3)], (0,)),
    ("prelu", lambda F, x, w: F.prelu(x, w), [(2, 3, 4), (3,)], (0, None)),
    ("glu", lambda F, x: F.glu(x, dim=-1), [(4, 6)], (0,)),
    ("softmax", lambda F, x: F.softmax(x, dim=0), [(4, 3)], (0,)),
    ("log_softmax", lambda F, x: F.log_softmax(x, dim=-1), [(4, 3)], (0,)),
    ("dropout[eval]", lambda F, x: F.dropout(x, 0.5, training=False), [(4, 3)], (0,)),
    ("scaled_dot_product_attention",
     lambda F, q, k, v: F.scaled_dot_product_attention(q, k, v), [(2, 4, 3), (2, 5, 3),
                                                                  (2, 5, 3)], (0, 0, None)),
]


def _inputs(shapes, dims, seed):
    rng = np.random.default_rng(seed)
    out = []
    for spec, d in zip(shapes, dims):
        lead = (B,) if d is not None else ()
        if isinstance(spec, str):
            kind, shape = spec.split(":")
            shape = lead + eval(shape)  # noqa: S307 - a literal shape from the table
            if kind.startswith("labels"):
                out.append(_labels(rng, shape, int(kind[6:])))
            else:
                out.append(rng.uniform(0.5, 2.0, shape))
        else:
            out.append(rng.normal(size=lead + tuple(spec)))
    return out


@pytest.mark.parametrize(("name", "fn", "shapes", "dims"), ROWS, ids=[r[0] for r in ROWS])
def test_nn_functional_under_vmap_matches_torch(name, fn, shapes, dims):
    arrays = _inputs(shapes, dims, abs(hash(name)) % 2**31)
    ours = [ag.asarray(a.copy()) for a in arrays]
    theirs = [torch.tensor(a) for a in arrays]
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)  # no loop fallback: batched kernels
        got = ag.func.vmap(lambda *xs: fn(AF, *xs), in_dims=dims)(*ours)
    want = tf.vmap(lambda *xs: fn(TF, *xs), in_dims=dims)(*theirs)
    if isinstance(want, tuple):
        for g, w in zip(got, want):
            _close(g, w)
    else:
        assert tuple(got.shape) == tuple(want.shape)
        _close(got, want)


def test_dropout_randomness_under_vmap():
    x = ag.ones((4, 200), dtype=ag.float64)
    with pytest.raises(RuntimeError, match="randomness='error'"):
        ag.func.vmap(lambda r: AF.dropout(r, 0.5))(x)
    same = ag.func.vmap(lambda r: AF.dropout(r, 0.5), randomness="same")(x).numpy()
    assert (same == same[0]).all() and set(np.unique(same)) <= {0.0, 2.0}
    diff = ag.func.vmap(lambda r: AF.dropout(r, 0.5), randomness="different")(x).numpy()
    assert not (diff == diff[0]).all() and set(np.unique(diff)) <= {0.0, 2.0}
    assert 0.3 < (diff == 0).mean() < 0.7


def test_per_sample_gradients_of_cnn_with_class_indices_match_torch():
    rng = np.random.default_rng(7)
    arrays = {"conv.weight": rng.normal(size=(4, 2, 3, 3)) * 0.5,
              "conv.bias": rng.normal(size=(4,)) * 0.1,
              "fc.weight": rng.normal(size=(3, 4 * 3 * 3)) * 0.3,
              "fc.bias": rng.normal(size=(3,)) * 0.1}
    x = rng.normal(size=(6, 2, 6, 6))
    y = rng.integers(0, 3, (6,))

    def loss(F, p, xi, yi):
        h = F.conv2d(xi[None], p["conv.weight"], p["conv.bias"], padding=1)
        h = F.max_pool2d(F.relu(h), 2)
        out = F.linear(h.reshape((1, -1)), p["fc.weight"], p["fc.bias"])
        return F.cross_entropy(out, yi[None])

    params = {k: ag.asarray(v) for k, v in arrays.items()}
    tparams = {k: torch.tensor(v) for k, v in arrays.items()}
    with warnings.catch_warnings():
        warnings.simplefilter("error", RuntimeWarning)
        g = ag.func.vmap(ag.func.grad(lambda p, a, b: loss(AF, p, a, b)),
                         in_dims=(None, 0, 0))(params, ag.asarray(x), ag.asarray(y))
    tg = tf.vmap(tf.grad(lambda p, a, b: loss(TF, p, a, b)),
                 in_dims=(None, 0, 0))(tparams, torch.tensor(x), torch.tensor(y))
    for k in arrays:
        assert tuple(g[k].shape) == (6,) + arrays[k].shape
        _close(g[k], tg[k], 1e-8)
