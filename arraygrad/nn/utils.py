"""``arraygrad.nn.utils``: gradient clipping, parameter/vector conversion, and the weight
and spectral normalisation hooks."""

from __future__ import annotations

import copy
import inspect
import math
import warnings
from collections.abc import Iterable
from typing import Any

from arraygrad.extend import assign
from arraygrad.grad_mode import no_grad
from arraygrad.nn.parameter import Parameter
from arraygrad.ops import elementwise as ew
from arraygrad.ops import shape as sh
from arraygrad.ops.shape import stack
from arraygrad.tensor import Tensor

__all__ = ["clip_grad_norm_", "clip_grad_value_", "get_total_norm", "parameters_to_vector",
           "vector_to_parameters", "weight_norm", "remove_weight_norm", "spectral_norm",
           "remove_spectral_norm", "clip_grads_with_norm_", "clip_grad_norm",
           "fuse_conv_bn_weights", "fuse_conv_bn_eval", "fuse_linear_bn_weights",
           "fuse_linear_bn_eval", "skip_init", "convert_conv2d_weight_memory_format",
           "convert_conv3d_weight_memory_format"]


def _params(parameters: Tensor | Iterable[Tensor]) -> list[Tensor]:
    if isinstance(parameters, Tensor):
        return [parameters]
    return list(parameters)


def get_total_norm(tensors: Tensor | Iterable[Tensor], norm_type: float = 2.0,
                   error_if_nonfinite: bool = False, foreach: bool | None = None) -> Tensor:
    """The ``norm_type``-norm of all ``tensors`` together (as if concatenated), a 0-d tensor.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.utils.get_total_norm([ag.tensor([3.0]), ag.tensor([4.0])]).item()
    5.0
    """
    items = [t.detach() for t in _params(tensors)]
    if not items:
        from arraygrad.creation import tensor

        return tensor(0.0)
    norm_type = float(norm_type)
    with no_grad():
        first = items[0]
        if norm_type == math.inf:
            parts = [g.abs().max() for g in items]
        elif norm_type == -math.inf:
            parts = [g.abs().min() for g in items]
        else:
            parts = [(g.abs() ** norm_type).sum() for g in items]
        parts = [t.to(backend=first.backend, device=first.device) for t in parts]
        total = stack(parts)
        if norm_type == math.inf:
            total = total.max()
        elif norm_type == -math.inf:
            total = total.min()
        else:
            total = total.sum() ** (1.0 / norm_type)
    if error_if_nonfinite and not math.isfinite(float(total.item())):
        raise RuntimeError(f"The total norm of order {norm_type} for gradients from "
                           f"`parameters` is non-finite, so it cannot be clipped. To disable "
                           f"this error and scale the gradients by the non-finite norm anyway, "
                           f"set `error_if_nonfinite=False`")
    return total


def clip_grad_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                    norm_type: float = 2.0, error_if_nonfinite: bool = False,
                    foreach: bool | None = None) -> Tensor:
    """Scale the gradients so that their total norm is at most ``max_norm``.

    The norm is taken over all gradients together (as if concatenated); every gradient is
    multiplied by ``min(max_norm / (norm + 1e-6), 1)``, so a NaN or infinite norm makes the
    gradients NaN (or zero), as in PyTorch, unless ``error_if_nonfinite`` raises instead.
    Returns the total norm before clipping (a 0-d tensor). ``foreach`` is accepted and has
    no effect.

    Examples
    --------
    >>> import arraygrad as ag
    >>> p = ag.nn.Parameter(ag.zeros(2))
    >>> p.grad = ag.tensor([3.0, 4.0])
    >>> ag.nn.utils.clip_grad_norm_([p], 1.0).item()
    5.0
    >>> [round(v, 4) for v in p.grad.tolist()]
    [0.6, 0.8]
    """
    grads = [(p, g) for p in _params(parameters) if (g := p.grad) is not None]
    total = get_total_norm([g for _, g in grads], norm_type, error_if_nonfinite)
    if not grads:
        return total
    # PyTorch's formulation: no host sync (the norm never becomes a Python number, so a
    # compiled step replays it); a coefficient of 1 leaves the values as they are, and a
    # NaN norm propagates into the gradients.
    with no_grad():
        coef = (float(max_norm) / (total + 1e-6)).clip(max=1.0)
        for p, g in grads:
            c = coef
            if c.dtype != g.dtype or c.backend is not g.backend or c.device != g.device:
                c = c.to(backend=g.backend, device=g.device, dtype=g.dtype)
            p.grad = g.detach() * c
    return total


def clip_grads_with_norm_(parameters: Tensor | Iterable[Tensor], max_norm: float,
                          total_norm: Tensor, foreach: bool | None = None) -> None:
    """Scale the gradients by ``min(max_norm / (total_norm + 1e-6), 1)``, with a
    ``total_norm`` computed beforehand (by :func:`get_total_norm`): the second half of
    :func:`clip_grad_norm_`, as PyTorch's. ``foreach`` is accepted and has no effect.

    Examples
    --------
    >>> import arraygrad as ag
    >>> p = ag.nn.Parameter(ag.zeros(2))
    >>> p.grad = ag.tensor([3.0, 4.0])
    >>> norm = ag.nn.utils.get_total_norm([p.grad])
    >>> ag.nn.utils.clip_grads_with_norm_([p], 1.0, norm)
    >>> [round(v, 4) for v in p.grad.tolist()]
    [0.6, 0.8]
    """
    grads = [(p, g) for p in _params(parameters) if (g := p.grad) is not None]
    if not grads:
        return
    if not isinstance(total_norm, Tensor):
        from arraygrad.creation import asarray

        total_norm = asarray(float(total_norm))
    with no_grad():
        coef = (float(max_norm) / (total_norm + 1e-6)).clip(max=1.0)
        for p, g in grads:
            c = coef
            if c.dtype != g.dtype or c.backend is not g.backend or c.device != g.device:
                c = c.to(backend=g.backend, device=g.device, dtype=g.dtype)
            p.grad = g.detach() * c


def clip_grad_norm(parameters: Tensor | Iterable[Tensor], max_norm: float,
                   norm_type: float = 2.0, error_if_nonfinite: bool = False,
                   foreach: bool | None = None) -> Tensor:
    """Deprecated alias of :func:`clip_grad_norm_` (PyTorch's ``FutureWarning``).

    Examples
    --------
    >>> import warnings
    >>> import arraygrad as ag
    >>> p = ag.nn.Parameter(ag.zeros(1))
    >>> p.grad = ag.tensor([2.0])
    >>> with warnings.catch_warnings():
    ...     warnings.simplefilter("ignore")
    ...     ag.nn.utils.clip_grad_norm([p], 1.0).item()
    2.0
    """
    warnings.warn("`nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters: Tensor | Iterable[Tensor], clip_value: float,
                     foreach: bool | None = None) -> None:
    """Clamp every gradient element to ``[-clip_value, clip_value]`` (rebinding ``.grad``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> p = ag.nn.Parameter(ag.zeros(2))
    >>> p.grad = ag.tensor([-3.0, 0.5])
    >>> ag.nn.utils.clip_grad_value_([p], 1.0)
    >>> p.grad.tolist()
    [-1.0, 0.5]
    """
    clip_value = float(clip_value)
    with no_grad():
        for p in _params(parameters):
            if p.grad is not None:
                p.grad = p.grad.detach().clip(-clip_value, clip_value)


def parameters_to_vector(parameters: Iterable[Tensor]) -> Tensor:
    """All parameters flattened and concatenated into one vector (differentiable).

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.utils.parameters_to_vector(ag.nn.Linear(2, 3).parameters()).shape
    (9,)
    """
    from arraygrad.ops.shape import concat, reshape

    params = _params(parameters)
    if not params:
        raise ValueError("parameters_to_vector: expected at least one parameter")
    first = params[0]
    for p in params[1:]:
        if p.device != first.device or p.backend is not first.backend:
            raise TypeError(f"parameters_to_vector: found parameters on different devices or "
                            f"backends ({first.backend.name}:{first.device} and "
                            f"{p.backend.name}:{p.device})")
    return concat([reshape(p, (-1,)) for p in params])


def vector_to_parameters(vec: Tensor, parameters: Iterable[Any]) -> None:
    """Copy consecutive slices of ``vec`` into the parameters (in place, not recorded).

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.Linear(1, 1)
    >>> ag.nn.utils.vector_to_parameters(ag.tensor([2.0, 3.0]), layer.parameters())
    >>> layer.weight.tolist(), layer.bias.tolist()
    ([[2.0]], [3.0])
    """
    if not isinstance(vec, Tensor):
        raise TypeError(f"vector_to_parameters: expected vec to be a Tensor, but got "
                        f"{type(vec).__name__}")
    params = list(parameters)
    total = sum(p.size for p in params)
    if vec.ndim != 1 or vec.shape[0] != total:
        raise ValueError(f"vector_to_parameters: expected a vector of {total} elements, got "
                         f"shape {vec.shape}")
    start = 0
    with no_grad():
        for p in params:
            piece = vec.detach()[start:start + p.size].reshape(p.shape).astype(p.dtype)
            assign(p, piece.clone().array)
            start += p.size


# ----------------------------------------------- weight and spectral normalisation (hooks)
def _norm_except_dim(v: Tensor, dim: int) -> Tensor:
    """The 2-norm of ``v`` over every axis but ``dim`` (kept, size 1 elsewhere), or of the
    whole tensor for ``dim=-1`` (PyTorch's ``norm_except_dim``)."""
    from arraygrad.ops import reductions as red

    if dim == -1:
        return red.sum(v * v) ** 0.5
    axes = tuple(i for i in range(v.ndim) if i != dim)
    return red.sum(v * v, axis=axes, keepdims=True) ** 0.5


def _hook_of(module: Any, kind: type, name: str) -> Any:
    for hook in module._forward_pre_hooks.values():
        if isinstance(hook, kind) and getattr(hook, "name", None) == name:
            return hook
    return None


class _WeightNorm:
    """The forward pre-hook of :func:`weight_norm`: ``name = g * v / ||v||``."""

    def __init__(self, name: str, dim: int) -> None:
        self.name, self.dim = name, dim

    def compute(self, module: Any) -> Tensor:
        g = getattr(module, self.name + "_g")
        v = getattr(module, self.name + "_v")
        return v * (g / _norm_except_dim(v, self.dim))

    def __call__(self, module: Any, inputs: tuple) -> None:
        object.__setattr__(module, self.name, self.compute(module))


def weight_norm(module: Any, name: str = "weight", dim: int | None = 0) -> Any:
    """Reparameterise ``module.<name>`` as ``g * v / ||v||`` (PyTorch's
    ``torch.nn.utils.weight_norm``): parameters ``<name>_g`` (the norms over every axis but
    ``dim``; ``dim=None`` one norm of the whole tensor) and ``<name>_v`` (the direction)
    replace it, and a forward pre-hook recomputes ``module.<name>`` before every call.

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.utils.weight_norm(ag.nn.Linear(3, 2))
    >>> sorted(name for name, _ in layer.named_parameters())
    ['bias', 'weight_g', 'weight_v']
    >>> layer.weight_g.shape
    (2, 1)
    """
    from arraygrad.nn.parameter import Parameter

    if _hook_of(module, _WeightNorm, name) is not None:
        raise RuntimeError(f"weight_norm: cannot register two weight_norm hooks on the same "
                           f"parameter {name!r} of {type(module).__name__}")
    weight = module._parameters.get(name)
    if weight is None:
        raise AttributeError(f"weight_norm: {type(module).__name__} has no parameter {name!r}")
    dim = -1 if dim is None else dim
    if dim < -1 or dim >= weight.ndim:
        raise IndexError(f"weight_norm: dim {dim} is out of range for the parameter {name!r} "
                         f"of shape {weight.shape}")
    hook = _WeightNorm(name, dim)
    del module._parameters[name]
    with no_grad():
        g = _norm_except_dim(weight.detach(), dim)
    module.register_parameter(name + "_g", Parameter(g))
    module.register_parameter(name + "_v", Parameter(weight.detach().clone()))
    object.__setattr__(module, name, hook.compute(module))
    module.register_forward_pre_hook(hook)
    return module


def remove_weight_norm(module: Any, name: str = "weight") -> Any:
    """Undo :func:`weight_norm`: ``module.<name>`` is a parameter again, holding the
    current ``g * v / ||v||``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.utils.remove_weight_norm(ag.nn.utils.weight_norm(ag.nn.Linear(3, 2)))
    >>> sorted(name for name, _ in layer.named_parameters())
    ['bias', 'weight']
    """
    from arraygrad.nn.parameter import Parameter

    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, _WeightNorm) and hook.name == name:
            with no_grad():
                weight = hook.compute(module)
            del module._forward_pre_hooks[key]
            del module._parameters[name + "_g"]
            del module._parameters[name + "_v"]
            module.__dict__.pop(name, None)
            module.register_parameter(name, Parameter(weight.detach()))
            return module
    raise ValueError(f"remove_weight_norm: weight_norm of {name!r} not found in "
                     f"{type(module).__name__}")


class _SpectralNorm:
    """The forward pre-hook of :func:`spectral_norm`: ``name = name_orig / sigma``, with
    ``sigma`` estimated by power iteration on the buffers ``name_u`` and ``name_v``."""

    def __init__(self, name: str, n_power_iterations: int, dim: int, eps: float) -> None:
        self.name, self.n_power_iterations, self.dim, self.eps = (
            name, n_power_iterations, dim, eps)

    def matrix(self, weight: Tensor) -> Tensor:
        from arraygrad.ops import shape as sh

        if self.dim != 0:
            weight = sh.moveaxis(weight, self.dim, 0)
        return sh.reshape(weight, (weight.shape[0], -1))

    def compute(self, module: Any, do_power_iteration: bool) -> Tensor:
        from arraygrad.nn.functional import normalize
        from arraygrad.ops import linalg
        from arraygrad.ops import reductions as red
        from arraygrad.ops import shape as sh

        weight = getattr(module, self.name + "_orig")
        u = getattr(module, self.name + "_u")
        v = getattr(module, self.name + "_v")
        mat = self.matrix(weight)
        if do_power_iteration:
            with no_grad():
                for _ in range(self.n_power_iterations):
                    # written into the buffers, as PyTorch's normalize(..., out=)
                    v.copy_(normalize(linalg.matmul(sh.matrix_transpose(mat), u),
                                      dim=0, eps=self.eps))
                    u.copy_(normalize(linalg.matmul(mat, v), dim=0, eps=self.eps))
                if self.n_power_iterations > 0:  # later writes must not touch this graph
                    u, v = u.clone(), v.clone()
        sigma = red.sum(u * linalg.matmul(mat, v))
        return weight / sigma

    def __call__(self, module: Any, inputs: tuple) -> None:
        object.__setattr__(module, self.name, self.compute(module, module.training))


def spectral_norm(module: Any, name: str = "weight", n_power_iterations: int = 1,
                  eps: float = 1e-12, dim: int | None = None) -> Any:
    """Divide ``module.<name>`` by its largest singular value, estimated by
    ``n_power_iterations`` power-iteration steps before each training-mode forward
    (PyTorch's ``torch.nn.utils.spectral_norm``). The parameter becomes ``<name>_orig``;
    the buffers ``<name>_u`` and ``<name>_v`` hold the singular vectors (drawn from this
    library's generator, so load a PyTorch state dict to start from PyTorch's). ``dim``
    is the output axis: 0, or 1 for the transposed convolutions.

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.utils.spectral_norm(ag.nn.Linear(4, 3))
    >>> sorted(layer.state_dict())
    ['bias', 'weight_orig', 'weight_u', 'weight_v']
    """
    from arraygrad.nn.conv import ConvTranspose1d, ConvTranspose2d
    from arraygrad.nn.functional import normalize

    if _hook_of(module, _SpectralNorm, name) is not None:
        raise RuntimeError(f"spectral_norm: cannot register two spectral_norm hooks on the "
                           f"same parameter {name!r} of {type(module).__name__}")
    weight = module._parameters.get(name)
    if weight is None:
        raise AttributeError(f"spectral_norm: {type(module).__name__} has no parameter "
                             f"{name!r}")
    if dim is None:
        dim = 1 if isinstance(module, (ConvTranspose1d, ConvTranspose2d)) else 0
    if not -weight.ndim <= dim < weight.ndim:
        raise IndexError(f"spectral_norm: dim {dim} is out of range for the parameter "
                         f"{name!r} of shape {weight.shape}")
    hook = _SpectralNorm(name, n_power_iterations, dim % weight.ndim, eps)
    with no_grad():
        mat = hook.matrix(weight.detach())
        h, w = mat.shape
        u = normalize(weight.new_empty(h).normal_(0, 1), dim=0, eps=eps)
        v = normalize(weight.new_empty(w).normal_(0, 1), dim=0, eps=eps)
    del module._parameters[name]
    module.register_parameter(name + "_orig", weight)
    object.__setattr__(module, name, weight.detach())
    module.register_buffer(name + "_u", u)
    module.register_buffer(name + "_v", v)
    module.register_forward_pre_hook(hook)
    return module


def remove_spectral_norm(module: Any, name: str = "weight") -> Any:
    """Undo :func:`spectral_norm`: ``module.<name>`` is a parameter again, holding the
    current normalised weight.

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.utils.remove_spectral_norm(ag.nn.utils.spectral_norm(ag.nn.Linear(4, 3)))
    >>> sorted(layer.state_dict())
    ['bias', 'weight']
    """
    from arraygrad.nn.parameter import Parameter

    for key, hook in list(module._forward_pre_hooks.items()):
        if isinstance(hook, _SpectralNorm) and hook.name == name:
            with no_grad():
                weight = hook.compute(module, do_power_iteration=False)
            del module._forward_pre_hooks[key]
            del module._parameters[name + "_orig"]
            del module._buffers[name + "_u"]
            del module._buffers[name + "_v"]
            module.__dict__.pop(name, None)
            module.register_parameter(name, Parameter(weight.detach()))
            return module
    raise ValueError(f"remove_spectral_norm: spectral_norm of {name!r} not found in "
                     f"{type(module).__name__}")


# ------------------------------------------------------------------------- fusion
def fuse_conv_bn_weights(conv_w: Tensor, conv_b: Tensor | None, bn_rm: Tensor, bn_rv: Tensor,
                         bn_eps: float, bn_w: Tensor | None, bn_b: Tensor | None,
                         transpose: bool = False) -> tuple[Parameter, Parameter]:
    """The weight and bias of one convolution equal to a convolution followed by an
    evaluation-mode batch norm: ``w * (gamma / sqrt(var + eps))`` per output channel
    (axis 1 of a transposed convolution's weight) and ``(b - mean) * gamma / sqrt(var +
    eps) + beta`` (PyTorch's formulas and dtypes).

    Examples
    --------
    >>> import arraygrad as ag
    >>> w, b = ag.nn.utils.fuse_conv_bn_weights(ag.ones(2, 1, 1, 1), None, ag.zeros(2),
    ...                                         ag.ones(2) * 3.0, 1.0, None, None)
    >>> w.flatten().tolist(), b.tolist()
    ([0.5, 0.5], [0.0, 0.0])
    """
    weight_dtype = conv_w.dtype
    bias_dtype = conv_b.dtype if conv_b is not None else weight_dtype
    with no_grad():
        conv_b_ = conv_b if conv_b is not None else bn_rm * 0.0
        bn_w_ = bn_w if bn_w is not None else bn_rm * 0.0 + 1.0
        bn_b_ = bn_b if bn_b is not None else bn_rm * 0.0
        rsqrt = 1.0 / ew.sqrt(bn_rv + bn_eps)
        shape = ((1, -1) if transpose else (-1, 1)) + (1,) * (conv_w.ndim - 2)
    fused_w = (conv_w * sh.reshape(bn_w_ * rsqrt, shape)).astype(weight_dtype)
    fused_b = ((conv_b_ - bn_rm) * rsqrt * bn_w_ + bn_b_).astype(bias_dtype)
    return (Parameter(fused_w.detach(), conv_w.requires_grad),
            Parameter(fused_b.detach(), conv_b_.requires_grad))


def fuse_conv_bn_eval(conv: Any, bn: Any, transpose: bool = False) -> Any:
    """A copy of evaluation-mode ``conv`` with evaluation-mode ``bn`` folded into its
    weight and bias (see :func:`fuse_conv_bn_weights`); both must be in eval mode.

    Examples
    --------
    >>> import arraygrad as ag
    >>> conv, bn = ag.nn.Conv2d(2, 3, 3).eval(), ag.nn.BatchNorm2d(3).eval()
    >>> x = ag.randn(1, 2, 5, 5)
    >>> fused = ag.nn.utils.fuse_conv_bn_eval(conv, bn)
    >>> bool(ag.allclose(fused(x), bn(conv(x)), atol=1e-6))
    True
    """
    if conv.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    fused = copy.deepcopy(conv)
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("fuse_conv_bn_eval: the batch norm has no running statistics "
                             "(track_running_stats=False)")
    fused.weight, fused.bias = fuse_conv_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias,
        transpose)
    return fused


def fuse_linear_bn_weights(linear_w: Tensor, linear_b: Tensor | None, bn_rm: Tensor,
                           bn_rv: Tensor, bn_eps: float, bn_w: Tensor, bn_b: Tensor
                           ) -> tuple[Parameter, Parameter]:
    """The weight and bias of one linear layer equal to a linear layer followed by an
    evaluation-mode batch norm (PyTorch's formulas).

    Examples
    --------
    >>> import arraygrad as ag
    >>> w, b = ag.nn.utils.fuse_linear_bn_weights(ag.ones(2, 3), None, ag.ones(2),
    ...                                           ag.ones(2) * 3.0, 1.0, ag.ones(2),
    ...                                           ag.zeros(2))
    >>> w.tolist()[0], b.tolist()
    ([0.5, 0.5, 0.5], [-0.5, -0.5])
    """
    with no_grad():
        linear_b_ = linear_b if linear_b is not None else bn_rm * 0.0
        scale = bn_w * (1.0 / ew.sqrt(bn_rv + bn_eps))
        fused_w = linear_w * sh.expand_dims(scale, axis=-1)
        fused_b = (linear_b_ - bn_rm) * scale + bn_b
    return (Parameter(fused_w, linear_w.requires_grad),
            Parameter(fused_b, linear_b_.requires_grad))


def fuse_linear_bn_eval(linear: Any, bn: Any) -> Any:
    """A copy of evaluation-mode ``linear`` with evaluation-mode ``bn`` folded in (the
    batch norm's features must match ``out_features``, or be 1).

    Examples
    --------
    >>> import arraygrad as ag
    >>> lin, bn = ag.nn.Linear(3, 2).eval(), ag.nn.BatchNorm1d(2).eval()
    >>> x = ag.randn(4, 3)
    >>> bool(ag.allclose(ag.nn.utils.fuse_linear_bn_eval(lin, bn)(x), bn(lin(x)), atol=1e-6))
    True
    """
    if linear.training or bn.training:
        raise AssertionError("Fusion only for eval!")
    if not (linear.out_features == bn.num_features or bn.num_features == 1):
        raise AssertionError("To fuse, linear.out_features must equal bn.num_features or "
                             "bn.num_features must equal 1")
    if bn.running_mean is None or bn.running_var is None:
        raise AssertionError("fuse_linear_bn_eval: the batch norm has no running statistics "
                             "(track_running_stats=False)")
    fused = copy.deepcopy(linear)
    fused.weight, fused.bias = fuse_linear_bn_weights(
        fused.weight, fused.bias, bn.running_mean, bn.running_var, bn.eps, bn.weight, bn.bias)
    return fused


def skip_init(module_cls: Any, *args: Any, **kwargs: Any) -> Any:
    """An instance of ``module_cls(*args, **kwargs)`` whose parameters are to be set by the
    caller: PyTorch leaves them uninitialized (arbitrary values); here they hold what the
    constructor drew, which is as good as arbitrary. Like PyTorch, the class must take a
    ``device`` argument.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.utils.skip_init(ag.nn.Linear, 5, 1).weight.shape
    (1, 5)
    """
    if "device" not in inspect.signature(module_cls).parameters:
        raise RuntimeError("Module must support a 'device' arg to skip initialization")
    return module_cls(*args, **kwargs)


def convert_conv2d_weight_memory_format(module: Any, memory_format: Any) -> Any:
    """PyTorch's memory-format conversion of the 2-D convolution weights: arraygrad tensors
    have no memory format (values and results are the same either way), so ``module`` is
    returned as it is.

    Examples
    --------
    >>> import arraygrad as ag
    >>> m = ag.nn.Conv2d(1, 1, 1)
    >>> ag.nn.utils.convert_conv2d_weight_memory_format(m, None) is m
    True
    """
    return module


def convert_conv3d_weight_memory_format(module: Any, memory_format: Any) -> Any:
    """The 3-D counterpart of :func:`convert_conv2d_weight_memory_format`: ``module`` as it is.

    Examples
    --------
    >>> import arraygrad as ag
    >>> m = ag.nn.Conv3d(1, 1, 1)
    >>> ag.nn.utils.convert_conv3d_weight_memory_format(m, None) is m
    True
    """
    return module
