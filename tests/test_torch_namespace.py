"""``import arraygrad as torch``: PyTorch's top-level functions, compared with PyTorch.

One table: each entry is one call written once against a module ``m`` (arraygrad or
torch), run on both with the same float64 inputs; the results (tensors, named tuples,
Python bools and ints) must agree, and for differentiable entries so must the gradients of
a fixed weighted sum of the outputs, through ``backward()``. Every entry runs on numpy; the
``STRICT`` subset also on array_api_strict.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import arraygrad as ag

torch = pytest.importorskip("torch")
# log of negative numbers makes the NaNs nan_to_num replaces; torch.cross(a, b) without
# dim is deprecated in torch (arraygrad follows its current default).
pytestmark = [pytest.mark.filterwarnings("ignore:invalid value encountered:RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:divide by zero:RuntimeWarning"),
              pytest.mark.filterwarnings("ignore:Using torch.cross without")]

RNG = np.random.default_rng(0)
A = RNG.standard_normal((2, 3))
B = RNG.standard_normal((2, 3))
SQ = RNG.standard_normal((3, 3))
V3 = RNG.standard_normal(3)
W3 = RNG.standard_normal(3)
POS = RNG.uniform(0.5, 2.0, (2, 3))
UNIT = RNG.uniform(0.1, 0.9, (2, 3))
BATCH = RNG.standard_normal((2, 3, 3))
INTS = np.array([3, 1, 4, 1, 5, 9, 2, 6, 5, 3])
DUP = np.array([[2.0, 1.0, 2.0], [3.0, 1.0, 0.5]])

# name -> (call, inputs, differentiable)
TABLE: dict[str, tuple] = {
    # keyword names PyTorch uses
    "softmax_dim": (lambda m, x: m.softmax(x, dim=1), (A,), True),
    "log_softmax_dim": (lambda m, x: m.log_softmax(x, dim=1), (A,), True),
    "softmax_pos": (lambda m, x: m.softmax(x, 0), (A,), True),
    "sum_dim": (lambda m, x: m.sum(x, dim=1, keepdim=True), (A,), True),
    "mean_dim": (lambda m, x: m.mean(x, dim=1, keepdim=True), (A,), True),
    "prod_dim": (lambda m, x: m.prod(x, dim=1, keepdim=True), (A,), True),
    "logsumexp_dim": (lambda m, x: m.logsumexp(x, dim=1, keepdim=True), (A,), True),
    "all_dim": (lambda m, x: m.all(x > 0, dim=1, keepdim=True), (A,), False),
    "any_dim": (lambda m, x: m.any(x > 0, dim=1), (A,), False),
    "count_nonzero_dim": (lambda m, x: m.count_nonzero(x > 0, dim=1), (A,), False),
    "count_nonzero_all": (lambda m, x: m.count_nonzero(x > 0), (A,), False),
    "std_dim": (lambda m, x: m.std(x, dim=1, keepdim=True), (A,), True),
    "std_pos": (lambda m, x: m.std(x, 1), (A,), True),
    "std_unbiased": (lambda m, x: m.std(x, dim=1, unbiased=False), (A,), True),
    "std_flag": (lambda m, x: m.std(x, False), (A,), True),
    "var_correction": (lambda m, x: m.var(x, dim=1, correction=0), (A,), True),
    "var_dim": (lambda m, x: m.var(x, 0), (A,), True),
    "std_mean": (lambda m, x: m.std_mean(x, dim=1), (A,), True),
    "std_mean_flag": (lambda m, x: m.std_mean(x, False), (A,), True),
    "var_mean": (lambda m, x: m.var_mean(x, 0, unbiased=False), (A,), True),
    "max_dim": (lambda m, x: m.max(x, dim=1), (A,), True),
    "max_pos_keep": (lambda m, x: m.max(x, 0, keepdim=True), (A,), True),
    "max_all": (lambda m, x: m.max(x), (A,), True),
    "max_pair": (lambda m, x, y: m.max(x, y), (A, B), True),
    "min_dim": (lambda m, x: m.min(x, dim=1), (A,), True),
    "min_pair": (lambda m, x, y: m.min(x, y), (A, B), True),
    "amax": (lambda m, x: m.amax(x, 1), (A,), True),
    "amin_tuple": (lambda m, x: m.amin(x, dim=(0, 1), keepdim=True), (A,), True),
    "sort_dim": (lambda m, x: m.sort(x, dim=1, descending=True), (A,), True),
    "sort_pos": (lambda m, x: m.sort(x, 0), (A,), True),
    "argsort_dim": (lambda m, x: m.argsort(x, dim=1), (A,), False),
    "argsort_desc": (lambda m, x: m.argsort(x, dim=0, descending=True), (A,), False),
    "median_all": (lambda m, x: m.median(x), (A,), True),
    "median_dim": (lambda m, x: m.median(x, dim=1), (A,), True),
    "median_even": (lambda m, x: m.median(x, 0, keepdim=True), (A,), True),
    "median_nan": (lambda m, x: m.median(m.log(x)), (A,), False),
    "median_nan_dim": (lambda m, x: m.median(m.log(x), dim=1), (A,), False),
    "squeeze_dim": (lambda m, x: m.squeeze(x[None], dim=0), (A,), True),
    "squeeze_dim_noop": (lambda m, x: m.squeeze(x, dim=0), (A,), True),
    "unsqueeze_dim": (lambda m, x: m.unsqueeze(x, dim=0), (A,), True),
    "unsqueeze_pos": (lambda m, x: m.unsqueeze(x, -1), (A,), True),
    "flip_dims": (lambda m, x: m.flip(x, dims=(1,)), (A,), True),
    "flip_pos": (lambda m, x: m.flip(x, [0, 1]), (A,), True),
    "roll_dims": (lambda m, x: m.roll(x, 1, dims=1), (A,), True),
    "roll_shifts": (lambda m, x: m.roll(x, shifts=(1, 2), dims=(0, 1)), (A,), True),
    "roll_flat": (lambda m, x: m.roll(x, 2), (A,), True),
    "diff_dim": (lambda m, x: m.diff(x, dim=1), (A,), True),
    "diff_n": (lambda m, x: m.diff(x, n=2, dim=1), (A,), True),
    "add_alpha": (lambda m, x, y: m.add(x, y, alpha=2), (A, B), True),
    "sub_alpha": (lambda m, x, y: m.sub(x, y, alpha=0.5), (A, B), True),
    "subtract_alpha": (lambda m, x, y: m.subtract(x, y, alpha=3), (A, B), True),
    "div_floor": (lambda m, x, y: m.div(x, y, rounding_mode="floor"), (A, B), False),
    "div_trunc": (lambda m, x, y: m.div(x, y, rounding_mode="trunc"), (A, B), False),
    "div_int_trunc": (lambda m, x: m.div(m.tensor([7, -7, 6, -6]), m.tensor([2, 2, -4, 4]),
                                         rounding_mode="trunc"), (A,), False),
    "div_int_floor": (lambda m, x: m.div(m.tensor([7, -7, 6, -6]), m.tensor([2, 2, -4, 4]),
                                         rounding_mode="floor"), (A,), False),
    "div_int_scalar": (lambda m, x: m.div(m.tensor([7, -7, 6]), -4, rounding_mode="trunc"),
                       (A,), False),
    "div_float_scalar": (lambda m, x: m.div(x, 0.3, rounding_mode="trunc"), (A,), False),
    "div_floor_scalar": (lambda m, x: m.div(m.tensor([7, -7]), 2, rounding_mode="floor"),
                         (A,), False),
    "divide_plain": (lambda m, x, y: m.divide(x, y), (A, B), True),
    "true_divide": (lambda m, x, y: m.true_divide(x, y), (A, B), True),
    "cat_dim": (lambda m, x, y: m.cat([x, y], dim=1), (A, B), True),
    "stack_dim": (lambda m, x, y: m.stack([x, y], dim=2), (A, B), True),
    # functions the standard does not name
    "cumsum": (lambda m, x: m.cumsum(x, 1), (A,), True),
    "cumsum_dim": (lambda m, x: m.cumsum(x, dim=0), (A,), True),
    "t": (lambda m, x: m.t(x), (A,), True),
    "allclose": (lambda m, x, y: m.allclose(x, x + 1e-9), (A, B), False),
    "allclose_no": (lambda m, x, y: m.allclose(x, y), (A, B), False),
    "isclose": (lambda m, x, y: m.isclose(x, x + y * 1e-6, rtol=1e-5, atol=0), (A, B), False),
    "isclose_nan": (lambda m, x: m.isclose(m.log(x - 0.5), m.log(x - 0.5), equal_nan=True),
                    (A,), False),
    "numel": (lambda m, x: m.numel(x), (A,), False),
    "repeat_interleave": (lambda m, x: m.repeat_interleave(x, 2, dim=1), (A,), True),
    "repeat_interleave_flat": (lambda m, x: m.repeat_interleave(x, 2), (A,), True),
    "dot": (lambda m, v, w: m.dot(v, w), (V3, W3), True),
    "inner": (lambda m, x, y: m.inner(x, y), (A, B), True),
    "outer": (lambda m, v, w: m.outer(v, w), (V3, W3), True),
    "ger": (lambda m, v, w: m.ger(v, w), (V3, W3), True),
    "erf": (lambda m, x: m.erf(x), (A,), True),
    "erfc": (lambda m, x: m.erfc(x), (A,), True),
    "rsqrt": (lambda m, x: m.rsqrt(x), (POS,), True),
    "fmod": (lambda m, x, y: m.fmod(x * 5, y), (A, B), True),
    "fmod_scalar": (lambda m, x: m.fmod(x * 5, 1.5), (A,), True),
    "exp2": (lambda m, x: m.exp2(x), (A,), True),
    "cross": (lambda m, x, y: m.cross(x, y, dim=1), (A, B), True),
    "cross_default": (lambda m, x, y: m.cross(x, y), (A, B), True),
    "unique": (lambda m, x: m.unique(x), (DUP,), False),
    "unique_all": (lambda m, x: m.unique(x, return_inverse=True, return_counts=True),
                   (DUP,), False),
    "bincount": (lambda m, x: m.bincount(m.tensor([3, 1, 4, 1, 5, 9, 2, 6, 5, 3])), (A,),
                 False),
    "bincount_weights": (lambda m, x: m.bincount(m.tensor([0, 2, 2, 1, 0, 2]),
                                                  weights=m.reshape(x, (-1,)), minlength=5),
                         (A,), False),  # torch has no gradient for bincount
    "cdist": (lambda m, x, y: m.cdist(x, y), (A, B), True),
    "cdist_p1": (lambda m, x, y: m.cdist(x, y[:1], p=1.0), (A, B), True),
    "triu_indices": (lambda m, x: m.triu_indices(3, 4, 1), (A,), False),
    "tril_indices": (lambda m, x: m.tril_indices(4, 3, -1), (A,), False),
    "histc": (lambda m, x: m.histc(x, bins=4, min=-2, max=2), (A,), False),
    "histc_edges": (lambda m, x: m.histc(m.tensor([0.1, 0.3, 0.7, 1.0, 0.0, 0.55, 1.2]),
                                         bins=10, min=0, max=1), (A,), False),
    "histc_range": (lambda m, x: m.histc(x, bins=3), (A,), False),
    "addmm": (lambda m, x, y, s: m.addmm(s[:2], x, s, beta=0.5, alpha=2), (A, B, SQ), True),
    "addmv": (lambda m, s, v, w: m.addmv(v, s, w), (SQ, V3, W3), True),
    "baddbmm": (lambda m, b, s: m.baddbmm(s, b, b, alpha=0.5), (BATCH, SQ), True),
    "bmm": (lambda m, b: m.bmm(b, b), (BATCH,), True),
    "clamp_min": (lambda m, x: m.clamp_min(x, 0.1), (A,), True),
    "clamp_max": (lambda m, x: m.clamp_max(x, 0.1), (A,), True),
    "nan_to_num": (lambda m, x: m.nan_to_num(m.log(x) * 0 + m.log(x)), (A,), False),
    "nan_to_num_args": (lambda m, x: m.nan_to_num(m.log(x - x.min()), nan=1.0, neginf=-5.0),
                        (A,), False),
    "heaviside": (lambda m, x: m.heaviside(m.round(x), m.tensor([0.5], dtype=m.float64)),
                  (A,), False),
    "logit": (lambda m, x: m.logit(x), (UNIT,), True),
    "logit_eps": (lambda m, x: m.logit(x, eps=0.2), (UNIT,), True),
    "xlogy": (lambda m, x, y: m.xlogy(m.relu(x), y), (A, POS), True),
    "trace": (lambda m, s: m.trace(s), (SQ,), True),
    "diagonal": (lambda m, s: m.diagonal(s, 1), (SQ,), True),
    "diagonal_dims": (lambda m, b: m.diagonal(b, offset=-1, dim1=0, dim2=2), (BATCH,), True),
    "diag_embed": (lambda m, x: m.diag_embed(x), (A,), True),
    "diag_embed_offset": (lambda m, x: m.diag_embed(x, offset=1, dim1=0, dim2=2), (A,), True),
    "block_diag": (lambda m, x, s, v: m.block_diag(x, s, v), (A, SQ, V3), True),
    "kron": (lambda m, x, y: m.kron(x, y), (A, B), True),
    "kron_mixed": (lambda m, x, v: m.kron(x, v), (A, V3), True),
    "atleast_1d": (lambda m, x: m.atleast_1d(x.sum()), (A,), True),
    "atleast_2d": (lambda m, v: m.atleast_2d(v), (V3,), True),
    "atleast_3d": (lambda m, v, x: m.atleast_3d(v, x), (V3, A), True),
    "vstack": (lambda m, x, v: m.vstack([x, v]), (A, V3), True),
    "hstack": (lambda m, x, y: m.hstack([x, y]), (A, B), True),
    "hstack_1d": (lambda m, v, w: m.hstack([v, w]), (V3, W3), True),
    "dstack": (lambda m, x, y: m.dstack([x, y]), (A, B), True),
    "column_stack": (lambda m, v, x: m.column_stack([v[:2], x]), (V3, A), True),
    "cartesian_prod": (lambda m, v, w: m.cartesian_prod(v, w[:2]), (V3, W3), True),
    "flatten": (lambda m, b: m.flatten(b, start_dim=1), (BATCH,), True),
    "flatten_range": (lambda m, b: m.flatten(b, 0, 1), (BATCH,), True),
    "narrow": (lambda m, x: m.narrow(x, 1, 1, 2), (A,), True),
    "lgamma": (lambda m, x: m.lgamma(x * 3), (A,), True),
    "digamma": (lambda m, x: m.digamma(x * 3), (A,), True),
    "lgamma_poles": (lambda m, x: (m.lgamma(m.tensor([0.0, -1.0, -2.0, 1.0, 2.0],
                                                     dtype=m.float64)),
                                   m.digamma(m.tensor([0.0, 1.0, 0.5], dtype=m.float64))),
                     (A,), False),
    # everyday helpers
    "clone": (lambda m, x: m.clone(x), (A,), True),
    "detach": (lambda m, x: m.detach(x) * 2, (A,), False),
    "is_tensor": (lambda m, x: (m.is_tensor(x), m.is_tensor(1.0)), (A,), False),
    "is_floating_point": (lambda m, x: (m.is_floating_point(x),
                                        m.is_floating_point(m.tensor([1]))), (A,), False),
    "is_complex": (lambda m, x: m.is_complex(x), (A,), False),
    "topk": (lambda m, x: m.topk(x, 2, dim=1), (A,), True),
    "topk_smallest": (lambda m, x: m.topk(x, 1, dim=0, largest=False), (A,), True),
    "masked_select": (lambda m, x: m.masked_select(x, x > 0), (A,), True),
    "masked_select_bcast": (lambda m, x: m.masked_select(x, m.tensor([True, False, True])),
                            (A,), True),
    "take_along_dim": (lambda m, x: m.take_along_dim(x, m.argsort(x, dim=1), dim=1), (A,),
                       True),
    "take_along_dim_flat": (lambda m, x: m.take_along_dim(x, m.tensor([5, 0])), (A,), True),
    "gather": (lambda m, x: m.gather(x, 1, m.tensor([[0, 0], [2, 1]])), (A,), True),
    "index_select": (lambda m, x: m.index_select(x, 1, m.tensor([2, 0])), (A,), True),
    "chunk": (lambda m, x: m.chunk(x, 2, dim=1), (A,), True),
    "split": (lambda m, x: m.split(x, [1, 2], dim=1), (A,), True),
    "tensor_split": (lambda m, x: m.tensor_split(x, 2, dim=1), (A,), True),
    "tensor_split_idx": (lambda m, x: m.tensor_split(x, [1, 5], dim=1), (A,), True),
    "unbind": (lambda m, x: m.unbind(x, 1), (A,), True),
    "moveaxis": (lambda m, b: m.moveaxis(b, 0, 2), (BATCH,), True),
    "movedim": (lambda m, b: m.movedim(b, (0, 1), (2, 0)), (BATCH,), True),
    "swapaxes": (lambda m, b: m.swapaxes(b, 0, 2), (BATCH,), True),
    "einsum": (lambda m, x, y: m.einsum("ij,kj->ik", x, y), (A, B), True),
    "tensordot_dims": (lambda m, x, y: m.tensordot(x, y, dims=([1], [1])), (A, B), True),
    "tensordot_int": (lambda m, x, y: m.tensordot(x, y, dims=2), (A, B), True),
    "lerp": (lambda m, x, y: m.lerp(x, y, 0.3), (A, B), True),
    "sign": (lambda m, x: m.sign(x), (A,), True),
    "sgn": (lambda m, x: m.sgn(x), (A,), True),
    "frac": (lambda m, x: m.frac(x * 3), (A,), True),
    "square": (lambda m, x: m.square(x), (A,), True),
    "log2": (lambda m, x: m.log2(x), (POS,), True),
    "log10": (lambda m, x: m.log10(x), (POS,), True),
    "sinh": (lambda m, x: m.sinh(x), (A,), True),
    "cosh": (lambda m, x: m.cosh(x), (A,), True),
    "logical_and": (lambda m, x, y: m.logical_and(x > 0, y > 0), (A, B), False),
    "logical_xor": (lambda m, x, y: m.logical_xor(x > 0, y > 0), (A, B), False),
    "bitwise_and": (lambda m, x: m.bitwise_and(m.tensor([12, 10]), m.tensor([10, 6])), (A,),
                    False),
    "bitwise_xor": (lambda m, x: m.bitwise_xor(m.tensor([12, 10]), m.tensor([10, 6])), (A,),
                    False),
    "zeros_varargs": (lambda m, x: m.zeros(2, 3), (A,), False),
    "ones_size": (lambda m, x: m.ones((2, 3), dtype=m.float64), (A,), False),
    "arange": (lambda m, x: m.arange(5), (A,), False),
    "arange_float": (lambda m, x: m.arange(0, 1, 0.25), (A,), False),
    "full_int": (lambda m, x: m.full((2,), 3), (A,), False),
    "full_float": (lambda m, x: m.full((2,), 3.5), (A,), False),
    "eye": (lambda m, x: m.eye(3), (A,), False),
    "linspace": (lambda m, x: m.linspace(0, 1, 5), (A,), False),
    "zeros_like": (lambda m, x: m.zeros_like(x), (A,), False),
    "where": (lambda m, x, y: m.where(x > 0, x, y), (A, B), True),
    "maximum": (lambda m, x, y: m.maximum(x, y), (A, B), True),
    "clamp": (lambda m, x: m.clamp(x, -0.5, 0.5), (A,), True),
    "norm": (lambda m, x: m.norm(x, dim=1), (A,), True),
    "triu": (lambda m, s: m.triu(s, 1), (SQ,), True),
    "tril": (lambda m, s: m.tril(s), (SQ,), True),
    "matmul": (lambda m, x, s: m.matmul(x, s), (A, SQ), True),
    "mm": (lambda m, x, s: m.mm(x, s), (A, SQ), True),
    "argmax_dim": (lambda m, x: m.argmax(x, dim=1), (A,), False),
    "argmin_keep": (lambda m, x: m.argmin(x, dim=0, keepdim=True), (A,), False),
    "permute": (lambda m, b: m.permute(b, (2, 0, 1)), (BATCH,), True),
    "reshape": (lambda m, x: m.reshape(x, (3, 2)), (A,), True),
    "transpose": (lambda m, x: m.transpose(x, 0, 1), (A,), True),
    "sigmoid": (lambda m, x: m.sigmoid(x), (A,), True),
    "tanh": (lambda m, x: m.tanh(x), (A,), True),
    "abs": (lambda m, x: m.abs(x), (A,), True),
    # Tensor methods of the same names behave as the functions
    "m.std": (lambda m, x: x.std(dim=1), (A,), True),
    "m.var": (lambda m, x: x.var(1, unbiased=False), (A,), True),
    "m.max": (lambda m, x: x.max(1), (A,), True),
    "m.amax": (lambda m, x: x.amax(1), (A,), True),
    "m.median": (lambda m, x: x.median(), (A,), True),
    "m.median_dim": (lambda m, x: x.median(1), (A,), True),
    "m.fmod": (lambda m, x: (x * 4).fmod(1.5), (A,), True),
    "m.frac": (lambda m, x: (x * 4).frac(), (A,), True),
    "m.div": (lambda m, x, y: x.div(y, rounding_mode="floor"), (A, B), False),
    "m.divide": (lambda m, x, y: x.divide(y), (A, B), True),
    "m.true_divide": (lambda m, x, y: x.true_divide(y), (A, B), True),
    "m.diagonal": (lambda m, b: b.diagonal(0, 1, 2), (BATCH,), True),
    "m.diag_embed": (lambda m, x: x.diag_embed(), (A,), True),
    "m.trace": (lambda m, s: s.trace(), (SQ,), True),
    "m.count_nonzero": (lambda m, x: (x > 0).count_nonzero(dim=1), (A,), False),
    "m.diff": (lambda m, x: x.diff(dim=0), (A,), True),
    "m.cross": (lambda m, x, y: x.cross(y, dim=1), (A, B), True),
    "m.kron": (lambda m, x, y: x.kron(y), (A, B), True),
    "m.dot": (lambda m, v, w: v.dot(w), (V3, W3), True),
    "m.inner": (lambda m, x, y: x.inner(y), (A, B), True),
    "m.unique": (lambda m, x: x.unique(return_counts=True), (DUP,), False),
    "m.isclose": (lambda m, x: x.isclose(x + 1e-12), (A,), False),
    "m.allclose": (lambda m, x, y: x.allclose(y), (A, B), False),
    "m.take_along_dim": (lambda m, x: x.take_along_dim(x.argsort(dim=1), dim=1), (A,), True),
    "m.tensor_split": (lambda m, x: x.tensor_split(2, dim=1), (A,), True),
    "m.logit": (lambda m, x: x.logit(), (UNIT,), True),
    "m.xlogy": (lambda m, x, y: x.xlogy(y), (A, POS), True),
    "m.nan_to_num": (lambda m, x: x.log().nan_to_num(), (A,), False),
    "m.clamp_min": (lambda m, x: x.clamp_min(0.0), (A,), True),
    "m.clamp_max": (lambda m, x: x.clamp_max(0.0), (A,), True),
    "m.sgn": (lambda m, x: x.sgn(), (A,), True),
    "m.rsqrt": (lambda m, x: x.rsqrt(), (POS,), True),
    "m.erf": (lambda m, x: x.erf(), (A,), True),
    "m.erfc": (lambda m, x: x.erfc(), (A,), True),
    "m.exp2": (lambda m, x: x.exp2(), (A,), True),
    "m.heaviside": (lambda m, x: x.round().heaviside(m.tensor([0.5], dtype=m.float64)), (A,),
                    False),
    "m.bincount": (lambda m, x: m.tensor([1, 1, 3]).bincount(minlength=5), (A,), False),
    "m.histc": (lambda m, x: x.histc(bins=3, min=-1, max=1), (A,), False),
    "m.is_floating_point": (lambda m, x: x.is_floating_point(), (A,), False),
    "m.sort": (lambda m, x: x.sort(dim=1, descending=True), (A,), True),
    "m.squeeze": (lambda m, x: x.squeeze(dim=0), (A,), True),
    "m.flip": (lambda m, x: x.flip(dims=(1,)), (A,), True),
    "m.roll": (lambda m, x: x.roll(1, dims=1), (A,), True),
    "m.cumsum": (lambda m, x: x.cumsum(dim=1), (A,), True),
    "m.add": (lambda m, x, y: x.add(y, alpha=2), (A, B), True),
    "m.softmax": (lambda m, x: x.softmax(dim=1), (A,), True),
    "m.ger": (lambda m, v, w: v.ger(w), (V3, W3), True),
    "m.lgamma": (lambda m, x: (x + 3).lgamma(), (A,), True),
    "m.digamma": (lambda m, x: (x * 3).digamma(), (A,), True),
    "m.bitwise_or": (lambda m, x: m.tensor([12, 10]).bitwise_or(m.tensor([3, 1])), (A,),
                     False),
}

STRICT = ["softmax_dim", "std_dim", "var_correction", "max_dim", "max_pair", "min_dim",
          "sort_dim", "median_dim", "squeeze_dim", "flip_dims", "roll_dims", "diff_dim",
          "add_alpha", "div_trunc", "cumsum", "fmod", "cross", "unique_all", "bincount",
          "cdist", "addmm", "logit", "xlogy", "diagonal_dims", "diag_embed", "kron",
          "block_diag", "take_along_dim", "lgamma", "digamma", "tensor_split", "histc", "erf",
          "isclose",
          "allclose"]


def _leaves(m, inputs, grad: bool) -> list:
    if m is torch:
        return [torch.tensor(a, dtype=torch.float64, requires_grad=grad) for a in inputs]
    return [ag.tensor(a, dtype=ag.float64, requires_grad=grad) for a in inputs]


def _flat(out) -> list:
    """The results as a list of numpy arrays and Python scalars."""
    if isinstance(out, (tuple, list)):
        return [v for item in out for v in _flat(item)]
    if isinstance(out, (torch.Tensor, ag.Tensor)):
        return [np.asarray(out.detach().tolist())]
    return [out]


def _weighted_sum(m, out):
    """Sum of every differentiable output weighted by cos(1 + index): one fixed cotangent."""
    items = out if isinstance(out, (tuple, list)) else [out]
    total = 0
    for item in items:
        if isinstance(item, (torch.Tensor, ag.Tensor)) and item.dtype in (torch.float64,
                                                                           ag.float64):
            w = m.cos(m.arange(item.numel(), dtype=m.float64) + 1.0).reshape(item.shape)
            total = total + (item * w).sum()
    return total


def _check(name: str) -> None:
    call, inputs, differentiable = TABLE[name]
    ours = _leaves(ag, inputs, differentiable)
    theirs = _leaves(torch, inputs, differentiable)
    got, want = call(ag, *ours), call(torch, *theirs)
    assert type(got) is not tuple or len(got) == len(want), name
    g, w = _flat(got), _flat(want)
    assert len(g) == len(w), f"{name}: {len(g)} results, torch gives {len(w)}"
    for a, b in zip(g, w):
        if isinstance(b, np.ndarray):
            assert isinstance(a, np.ndarray), f"{name}: got {a!r}, torch gives a tensor"
            assert a.shape == b.shape, f"{name}: shape {a.shape}, torch {b.shape}"
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=name)
            assert a.dtype.kind == b.dtype.kind, f"{name}: dtype {a.dtype} vs {b.dtype}"
        else:
            assert type(a) is type(b) and a == b, f"{name}: {a!r}, torch gives {b!r}"
    if isinstance(want, tuple) and hasattr(want, "values"):
        assert hasattr(got, "values") and hasattr(got, "indices"), f"{name}: not a namedtuple"
    if not differentiable:
        return
    _weighted_sum(ag, got).backward()
    _weighted_sum(torch, want).backward()
    for i, (a, b) in enumerate(zip(ours, theirs)):
        zero = b.grad is None or b.grad._is_zerotensor()
        expect = np.zeros_like(inputs[i]) if zero else b.grad.numpy()
        have = np.zeros_like(inputs[i]) if a.grad is None else np.asarray(a.grad.tolist())
        np.testing.assert_allclose(have, expect, rtol=1e-8, atol=1e-10,
                                   err_msg=f"{name}: gradient of input {i}")


@pytest.mark.parametrize("name", sorted(TABLE))
def test_matches_torch_numpy(name: str) -> None:
    with ag.use_backend("numpy"):
        _check(name)


@pytest.mark.parametrize("name", STRICT)
def test_matches_torch_strict(name: str) -> None:
    pytest.importorskip("array_api_strict")
    with ag.use_backend("array_api_strict"):
        _check(name)


def test_grad_mode_and_dtype_helpers_match_torch() -> None:
    assert ag.get_default_dtype() == ag.float32 and torch.get_default_dtype() == torch.float32
    for m in (ag, torch):
        with m.no_grad():
            assert not m.is_grad_enabled()
        with m.inference_mode():
            assert not m.is_grad_enabled()
        with m.set_grad_enabled(False):
            assert not m.is_grad_enabled()
        assert m.is_grad_enabled()
    assert ag.finfo(ag.float32).eps == torch.finfo(torch.float32).eps
    assert ag.iinfo(ag.int16).max == torch.iinfo(torch.int16).max
    assert math.isclose(ag.finfo(ag.float64).max, torch.finfo(torch.float64).max)


def test_from_numpy_and_random_shapes_dtypes() -> None:
    a = np.arange(6.0).reshape(2, 3)
    assert ag.from_numpy(a).tolist() == torch.from_numpy(a).tolist()
    for m in (ag, torch):
        m.manual_seed(0)
        r = m.randint(0, 10, (3,))
        assert r.shape == (3,) and r.dtype == m.int64
        assert 0 <= int(r.min()) and int(r.max()) < 10
        p = m.randperm(5)
        assert sorted(p.tolist()) == [0, 1, 2, 3, 4] and p.dtype == m.int64
        s = m.multinomial(m.tensor([0.0, 1.0, 0.0]), 2, replacement=True)
        assert s.tolist() == [1, 1]
        n = m.normal(2.0, 0.5, (4, 2))
        assert n.shape == (4, 2) and n.dtype == m.float32


def test_sampling_with_tensor_arguments_matches_torch() -> None:
    """torch.normal(mean, std) and torch.bernoulli(probs) with tensors: shapes, dtypes,
    exact draws at p in {0, 1}, and the zero gradient PyTorch gives mean and std."""
    for m in (ag, torch):
        m.manual_seed(0)
        mean = m.tensor([0.0, 10.0, -5.0], dtype=m.float64, requires_grad=True)
        std = m.tensor([1.0, 0.0, 2.0], dtype=m.float64, requires_grad=True)
        draw = m.normal(mean, std)
        assert draw.shape == (3,) and draw.dtype == m.float64 and draw[1].item() == 10.0
        draw.sum().backward()
        only_std = m.tensor([1.0, 2.0], requires_grad=True)
        m.normal(m.zeros(2), only_std).sum().backward()
        assert only_std.grad.tolist() == [0.0, 0.0]
        assert mean.grad.tolist() == [0.0, 0.0, 0.0] and std.grad.tolist() == [0.0] * 3
        many = m.normal(m.zeros(4000, dtype=m.float64), 2.0)
        assert abs(float(many.mean())) < 0.2 and abs(float(many.std()) - 2.0) < 0.15
        b = m.bernoulli(m.tensor([0.0, 1.0, 1.0, 0.0], dtype=m.float64))
        assert b.tolist() == [0.0, 1.0, 1.0, 0.0] and b.dtype == m.float64
        half = m.bernoulli(m.full((4000,), 0.5))
        assert 0.45 < float(half.mean()) < 0.55
    with pytest.raises(ValueError, match="bernoulli"):
        ag.bernoulli(ag.tensor([1.5]))
    with pytest.raises(ValueError, match="std"):
        ag.normal(ag.zeros(2), ag.tensor([1.0, -1.0]))


def test_standard_forms_keep_the_standards_meaning() -> None:
    """The standard's keywords keep its semantics where PyTorch differs (docs/porting.md)."""
    x = ag.tensor(A)
    assert ag.std(x, axis=1).tolist() == pytest.approx(np.std(A, axis=1).tolist())
    assert ag.std(x).item() == pytest.approx(float(np.std(A)))  # correction 0
    assert isinstance(ag.max(x, axis=1), ag.Tensor)
    assert isinstance(ag.sort(x, axis=1), ag.Tensor)
    assert isinstance(ag.sort(x), ag.Tensor)
    with pytest.raises(ValueError):
        ag.squeeze(x, 0)  # the standard's squeeze of a size-2 axis raises
    assert ag.equal(x, x).shape == (2, 3)  # elementwise, the standard's equal


@pytest.mark.parametrize("call, exc, words", [
    (lambda x: ag.max(x, axis=0, dim=1), TypeError, "not both"),
    (lambda x: ag.std(x, dim=1, unbiased=True, correction=0), TypeError, "unbiased"),
    (lambda x: ag.div(x, x, rounding_mode="round"), ValueError, "rounding_mode"),
    (lambda x: ag.dot(x, x), RuntimeError, "1D tensors expected"),
    (lambda x: ag.t(x[None]), ValueError, "at most 2 dimensions"),
    (lambda x: ag.trace(x[0]), RuntimeError, "expected a matrix"),
    (lambda x: ag.roll(x), TypeError, "shift"),
    (lambda x: ag.bincount(ag.tensor([-1, 2])), RuntimeError, "non-negative"),
    (lambda x: ag.diagonal(x, 0, 1, 1), RuntimeError, "cannot be the same"),
    (lambda x: ag.cdist(x, x[:, :2]), RuntimeError, "last size"),
    (lambda x: ag.unique(x, dim=2), IndexError, "unique: axis 2 is out of range"),
    (lambda x: ag.median(ag.zeros(0)), IndexError, "empty"),
])
def test_errors_name_the_function(call, exc, words) -> None:
    with pytest.raises(exc, match=words):
        call(ag.tensor(A))
