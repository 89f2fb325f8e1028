"""Lazy modules (``LazyLinear``, ``LazyConv*``, ``LazyConvTranspose*``, ``LazyBatchNorm*``,
``LazyInstanceNorm*``), their placeholders ``UninitializedParameter`` /
``UninitializedBuffer``, and ``Buffer``.

A lazy module holds uninitialized placeholders until its first call, which reads the
input's feature size, gives each placeholder its shape in place (so an optimizer built
before the first call holds the real parameters, as in PyTorch), re-initializes them the
way the eager module would, and turns the module into that module
(``LazyLinear`` -> ``Linear``). Using a placeholder before that raises PyTorch's errors.
"""

from __future__ import annotations

from typing import Any

from arraygrad import creation
from arraygrad.nn._common import factory
from arraygrad.nn.conv import (
    Conv1d,
    Conv2d,
    Conv3d,
    ConvTranspose1d,
    ConvTranspose2d,
    ConvTranspose3d,
)
from arraygrad.nn.linear import Linear
from arraygrad.nn.module import Module
from arraygrad.nn.normalization import (
    BatchNorm1d,
    BatchNorm2d,
    BatchNorm3d,
    InstanceNorm1d,
    InstanceNorm2d,
    InstanceNorm3d,
)
from arraygrad.nn.parameter import Buffer, Parameter
from arraygrad.tensor import Tensor, _init_leaf

__all__ = [
    "UninitializedParameter", "UninitializedBuffer", "Buffer", "LazyModuleMixin", "LazyLinear",
    "LazyConv1d", "LazyConv2d", "LazyConv3d", "LazyConvTranspose1d", "LazyConvTranspose2d",
    "LazyConvTranspose3d", "LazyBatchNorm1d", "LazyBatchNorm2d", "LazyBatchNorm3d",
    "LazyInstanceNorm1d", "LazyInstanceNorm2d", "LazyInstanceNorm3d",
]

_SHAPE_ATTRIBUTES = frozenset({"shape", "ndim", "size", "numel", "dim", "T", "mT"})
_USE_MESSAGE = ("Attempted to use an uninitialized parameter. This error happens when you are "
                "using a `LazyModule` or explicitly manipulating "
                "`arraygrad.nn.UninitializedParameter` objects. When using LazyModules call "
                "`forward` with a dummy batch to initialize the parameters before calling "
                "arraygrad functions")
_SHAPE_MESSAGE = ("Can't access the shape of an uninitialized parameter or buffer. This error "
                  "usually happens in `load_state_dict` when trying to load an uninitialized "
                  "parameter into an initialized one. Call `forward` to initialize the "
                  "parameters before accessing their attributes.")


class _Uninitialized:
    """Behaviour shared by the placeholders: no shape and no data until :meth:`materialize`."""

    __slots__ = ()
    cls_to_become: type = Tensor

    def __getattribute__(self, name: str) -> Any:
        if name == "_data":
            raise ValueError(_USE_MESSAGE)
        if name in _SHAPE_ATTRIBUTES:
            raise RuntimeError(_SHAPE_MESSAGE)
        return object.__getattribute__(self, name)

    @property
    def dtype(self) -> Any:
        """The dtype the parameter will have."""
        backend = object.__getattribute__(self, "_backend")
        return backend.dtype_of[object.__getattribute__(self, "_data").dtype]

    @property
    def device(self) -> Any:
        """The device the parameter will be on."""
        return Tensor.device.fget(_Holder(self))  # type: ignore[attr-defined]

    def materialize(self, shape: Any, device: Any = None, dtype: Any = None) -> None:
        """Give the placeholder ``shape`` (uninitialized values, as ``ag.empty``) on its
        backend and device (or ``device``/``dtype``), and make it a plain
        :class:`Parameter` (a Tensor, for a buffer) in place."""
        backend = object.__getattribute__(self, "_backend")
        placeholder = object.__getattribute__(self, "_data")
        data = creation.empty(tuple(int(v) for v in shape),
                              dtype=dtype if dtype is not None else
                              backend.dtype_of[placeholder.dtype],
                              device=device if device is not None else
                              backend.device_of(placeholder), backend=backend)
        object.__setattr__(self, "_data", data._data)
        object.__setattr__(self, "__class__", type(self).cls_to_become)

    def __repr__(self) -> str:
        return f"<{type(self).__name__}>"


class _Holder:
    """The placeholder's backend and array, for Tensor's ``device`` property."""

    def __init__(self, t: Any) -> None:
        self._backend = object.__getattribute__(t, "_backend")
        self._data = object.__getattribute__(t, "_data")


def _placeholder(t: Tensor, dtype: Any, device: Any, backend: Any) -> None:
    data = creation.empty((0,), **factory(dtype, device, backend))
    _init_leaf(t, data._data, data._backend)
    t._version = data._version_cell()


class UninitializedParameter(_Uninitialized, Parameter):
    """A parameter whose shape is not known yet (held by lazy modules until their first
    call); :meth:`materialize` turns it into a :class:`Parameter` in place.

    Examples
    --------
    >>> import arraygrad as ag
    >>> p = ag.nn.UninitializedParameter()
    >>> p.materialize((2, 3))
    >>> type(p).__name__, p.shape
    ('Parameter', (2, 3))
    """

    __slots__ = ()
    cls_to_become = Parameter

    def __init__(self, requires_grad: bool = True, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        _placeholder(self, dtype, device, backend)
        if requires_grad:
            self.requires_grad_(True)


class UninitializedBuffer(_Uninitialized, Tensor):
    """A buffer whose shape is not known yet (lazy normalization layers' running
    statistics); :meth:`materialize` turns it into a plain Tensor in place.

    Examples
    --------
    >>> import arraygrad as ag
    >>> b = ag.nn.UninitializedBuffer()
    >>> b.materialize((4,))
    >>> type(b).__name__, b.shape
    ('Tensor', (4,))
    """

    __slots__ = ()
    cls_to_become = Tensor

    def __init__(self, requires_grad: bool = False, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        _placeholder(self, dtype, device, backend)
        if requires_grad:
            self.requires_grad_(True)


def _uninitialized(value: Any) -> bool:
    return isinstance(value, _Uninitialized)


class LazyModuleMixin:
    """The first call of a lazy module infers its feature size from the input, shapes and
    initializes its placeholders, and turns the module into ``cls_to_become``."""

    cls_to_become: type | None = None

    def has_uninitialized_params(self) -> bool:
        """Whether any parameter or buffer of this module is still a placeholder."""
        stores = (self._parameters.values(), self._buffers.values())  # type: ignore[attr-defined]
        return any(_uninitialized(v) for store in stores for v in store)

    def initialize_parameters(self, input: Tensor) -> None:  # noqa: A002
        """Shape and initialize the placeholders for ``input`` (each lazy class's rule)."""
        raise NotImplementedError(f"{type(self).__name__}.initialize_parameters")

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        # runs only while the module is lazy: the first call turns it into cls_to_become
        if not args or not isinstance(args[0], Tensor):
            raise TypeError(f"{type(self).__name__}: the first call of a lazy module needs a "
                            f"Tensor input to infer its sizes")
        self.initialize_parameters(args[0])
        if self.has_uninitialized_params():
            raise RuntimeError(f"module {type(self).__name__} has not been fully initialized")
        if self.cls_to_become is not None:
            object.__setattr__(self, "__class__", self.cls_to_become)
        return Module.__call__(self, *args, **kwargs)  # type: ignore[arg-type]


def _feature_size(module: Any, x: Tensor, spatial: int) -> int:
    """``x``'s channel size: axis 1 of a batched input, axis 0 of an unbatched one."""
    if x.ndim not in (spatial + 1, spatial + 2):
        raise RuntimeError(f"Expected {spatial + 1}D (unbatched) or {spatial + 2}D (batched) "
                           f"input to {type(module).__name__}, but got input of size: "
                           f"{list(x.shape)}")
    return int(x.shape[1] if x.ndim == spatial + 2 else x.shape[0])


class LazyLinear(LazyModuleMixin, Linear):
    """:class:`Linear` whose ``in_features`` is read from the first input's last axis.

    Examples
    --------
    >>> import arraygrad as ag
    >>> layer = ag.nn.LazyLinear(3)
    >>> layer(ag.ones(2, 5)).shape, type(layer).__name__, layer.weight.shape
    ((2, 3), 'Linear', (3, 5))
    """

    cls_to_become = Linear

    def __init__(self, out_features: int, bias: bool = True, device: Any = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        Linear.__init__(self, 0, 0, False, device, dtype, backend=backend)
        self.out_features = out_features
        self.weight = UninitializedParameter(device=device, dtype=dtype, backend=backend)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype, backend=backend)

    def reset_parameters(self) -> None:
        """Initialize as :class:`Linear` does, once the parameters have a shape."""
        if not self.has_uninitialized_params() and self.in_features != 0:
            Linear.reset_parameters(self)

    def initialize_parameters(self, input: Tensor) -> None:  # noqa: A002
        """``in_features = input.shape[-1]``; shape and draw the parameters."""
        if input.ndim < 1:
            raise RuntimeError(f"LazyLinear: expected an input with a feature axis, got shape "
                               f"{tuple(input.shape)}")
        self.in_features = int(input.shape[-1])
        self.weight.materialize((self.out_features, self.in_features))
        if self.bias is not None:
            self.bias.materialize((self.out_features,))
        self.reset_parameters()


class _LazyConv(LazyModuleMixin):
    _n = 2
    _transposed = False

    def _lazy_init(self, base: Any, out_channels: int, kernel_size: Any, stride: Any,
                   padding: Any, dilation: Any, groups: int, bias: bool, padding_mode: str,
                   output_padding: Any, device: Any, dtype: Any, backend: Any) -> None:
        if self._transposed:
            base.__init__(self, 0, 0, kernel_size, stride, padding, output_padding, groups,
                          False, dilation, padding_mode, device, dtype, backend=backend)
        else:
            base.__init__(self, 0, 0, kernel_size, stride, padding, dilation, groups, False,
                          padding_mode, device, dtype, backend=backend)
        self.out_channels = out_channels
        self.weight = UninitializedParameter(device=device, dtype=dtype, backend=backend)
        if bias:
            self.bias = UninitializedParameter(device=device, dtype=dtype, backend=backend)

    def reset_parameters(self) -> None:
        """Initialize as the eager convolution does, once the parameters have a shape."""
        if not self.has_uninitialized_params() and self.in_channels != 0:
            self.cls_to_become.reset_parameters(self)  # type: ignore[union-attr]

    def initialize_parameters(self, input: Tensor) -> None:  # noqa: A002
        """``in_channels`` from the input's channel axis; shape and draw the parameters."""
        c = _feature_size(self, input, self._n)
        groups, out = self.groups, self.out_channels  # type: ignore[attr-defined]
        if c % groups:
            raise ValueError(f"{type(self).__name__}: in_channels={c} (from the input shape "
                             f"{tuple(input.shape)}) must be divisible by groups={groups}")
        self.in_channels = c
        kernel = tuple(self.kernel_size)  # type: ignore[attr-defined]
        shape = ((c, out // groups) if self._transposed else (out, c // groups)) + kernel
        self.weight.materialize(shape)
        if self.bias is not None:
            self.bias.materialize((out,))
        self.reset_parameters()


def _lazy_conv(name: str, base: type, n: int, transposed: bool) -> type:
    def __init__(self: Any, out_channels: int, kernel_size: Any, stride: Any = 1,
                 padding: Any = 0, *rest: Any, device: Any = None, dtype: Any = None,
                 backend: Any = None, **options: Any) -> None:
        if transposed:  # output_padding, groups, bias, dilation, padding_mode
            names: tuple[str, ...] = ("output_padding", "groups", "bias", "dilation",
                                      "padding_mode")
            defaults: dict[str, Any] = {"output_padding": 0, "groups": 1, "bias": True,
                                        "dilation": 1, "padding_mode": "zeros"}
        else:  # dilation, groups, bias, padding_mode
            names = ("dilation", "groups", "bias", "padding_mode")
            defaults = {"dilation": 1, "groups": 1, "bias": True, "padding_mode": "zeros"}
        if len(rest) > len(names):
            raise TypeError(f"{name}() takes at most {4 + len(names)} positional arguments")
        values = dict(defaults)
        values.update(zip(names, rest))
        for key, value in options.items():
            if key not in defaults:
                raise TypeError(f"{name}() got an unexpected keyword argument {key!r}")
            values[key] = value
        self._lazy_init(base, out_channels, kernel_size, stride, padding, values["dilation"],
                        values["groups"], values["bias"], values["padding_mode"],
                        values.get("output_padding", 0), device, dtype, backend)

    what = "transposed convolution" if transposed else "convolution"
    doc = (f"{n}-D {what} (:class:`{base.__name__}`) whose ``in_channels`` is read from the "
           f"first input's channel axis; PyTorch's ``{name}`` arguments (``out_channels`` "
           f"first).\n")
    return type(name, (_LazyConv, base), {
        "__init__": __init__, "cls_to_become": base, "_n": n, "_transposed": transposed,
        "__doc__": doc, "__module__": __name__, "__qualname__": name})


LazyConv1d = _lazy_conv("LazyConv1d", Conv1d, 1, False)
LazyConv2d = _lazy_conv("LazyConv2d", Conv2d, 2, False)
LazyConv3d = _lazy_conv("LazyConv3d", Conv3d, 3, False)
LazyConvTranspose1d = _lazy_conv("LazyConvTranspose1d", ConvTranspose1d, 1, True)
LazyConvTranspose2d = _lazy_conv("LazyConvTranspose2d", ConvTranspose2d, 2, True)
LazyConvTranspose3d = _lazy_conv("LazyConvTranspose3d", ConvTranspose3d, 3, True)


class _LazyNorm(LazyModuleMixin):
    _n = 1
    _batch = True

    def _lazy_init(self, base: Any, eps: float, momentum: float | None, affine: bool,
                   track_running_stats: bool, device: Any, dtype: Any, backend: Any) -> None:
        base.__init__(self, 0, eps, momentum, False, False, device, dtype, backend=backend)
        self.affine, self.track_running_stats = affine, track_running_stats
        if affine:
            self.weight = UninitializedParameter(device=device, dtype=dtype, backend=backend)
            self.bias = UninitializedParameter(device=device, dtype=dtype, backend=backend)
        if track_running_stats:
            self.running_mean = UninitializedBuffer(device=device, dtype=dtype,
                                                    backend=backend)
            self.running_var = UninitializedBuffer(device=device, dtype=dtype,
                                                   backend=backend)
            self.num_batches_tracked = creation.zeros(
                (), dtype="int64", device=device, backend=backend)

    def reset_parameters(self) -> None:
        """Initialize as the eager layer does, once the parameters have a shape."""
        if not self.has_uninitialized_params() and self.num_features != 0:
            self.cls_to_become.reset_parameters(self)  # type: ignore[union-attr]

    def initialize_parameters(self, input: Tensor) -> None:  # noqa: A002
        """``num_features`` from the input's channel axis; shape the placeholders."""
        if self._batch:
            if input.ndim < 2:
                raise RuntimeError(f"{type(self).__name__}: expected a batched input (N, C, "
                                   f"...), got shape {tuple(input.shape)}")
            c = int(input.shape[1])
        else:
            c = _feature_size(self, input, self._n)
        self.num_features = c
        for name in ("weight", "bias"):
            value = self._parameters.get(name)  # type: ignore[attr-defined]
            if _uninitialized(value):
                value.materialize((c,))
        for name in ("running_mean", "running_var"):
            value = self._buffers.get(name)  # type: ignore[attr-defined]
            if _uninitialized(value):
                value.materialize((c,))
        self.reset_parameters()


def _lazy_norm(name: str, base: type, n: int, batch: bool) -> type:
    # PyTorch's lazy instance norms default to affine=True, track_running_stats=True too
    affine_default, track_default = True, True

    def __init__(self: Any, eps: float = 1e-5, momentum: float | None = 0.1,
                 affine: bool = affine_default, track_running_stats: bool = track_default,
                 device: Any = None, dtype: Any = None, *, backend: Any = None) -> None:
        self._lazy_init(base, eps, momentum, affine, track_running_stats, device, dtype,
                        backend)

    doc = (f":class:`{base.__name__}` whose ``num_features`` is read from the first input's "
           f"channel axis.\n")
    return type(name, (_LazyNorm, base), {
        "__init__": __init__, "cls_to_become": base, "_n": n, "_batch": batch,
        "__doc__": doc, "__module__": __name__, "__qualname__": name})


LazyBatchNorm1d = _lazy_norm("LazyBatchNorm1d", BatchNorm1d, 1, True)
LazyBatchNorm2d = _lazy_norm("LazyBatchNorm2d", BatchNorm2d, 2, True)
LazyBatchNorm3d = _lazy_norm("LazyBatchNorm3d", BatchNorm3d, 3, True)
LazyInstanceNorm1d = _lazy_norm("LazyInstanceNorm1d", InstanceNorm1d, 1, False)
LazyInstanceNorm2d = _lazy_norm("LazyInstanceNorm2d", InstanceNorm2d, 2, False)
LazyInstanceNorm3d = _lazy_norm("LazyInstanceNorm3d", InstanceNorm3d, 3, False)

_ = Buffer  # re-exported from here beside the placeholders
