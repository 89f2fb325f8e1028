"""Recurrent layers: RNN, LSTM, GRU and their single-step cells (PyTorch's names and maths).

Each layer is a composition of arraygrad ops, so gradients (and gradients of gradients)
come for free. The input projection of a whole layer is one matmul over every time step;
the recurrence is a Python loop over time steps (one ``linear`` plus a handful of
elementwise ops per step and direction). Parameters have PyTorch's names and shapes
(``weight_ih_l0``, ``weight_hh_l0``, ``bias_ih_l0``, ``bias_hh_l0``, ``weight_hr_l0``, a
``_reverse`` suffix for the backward direction) and PyTorch's initialization
``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``, so a torch ``state_dict`` loads as is.

Gate layouts (rows of ``weight_ih``/``weight_hh``): LSTM ``(i, f, g, o)``, GRU ``(r, z, n)``.
"""

from __future__ import annotations

import math
import numbers
import warnings
from typing import Any

from arraygrad import creation
from arraygrad.nn import functional as F
from arraygrad.nn import init
from arraygrad.nn._common import non_default
from arraygrad.nn.module import Module
from arraygrad.nn.parameter import Parameter
from arraygrad.nn.rnn_utils import PackedSequence, split_rows
from arraygrad.ops import elementwise as ew
from arraygrad.ops import shape as sh
from arraygrad.ops.indexing import take
from arraygrad.tensor import Tensor

__all__ = ["RNNBase", "RNN", "LSTM", "GRU", "RNNCellBase", "RNNCell", "LSTMCell", "GRUCell"]

_GATES = {"RNN_TANH": 1, "RNN_RELU": 1, "LSTM": 4, "GRU": 3}


def _shape(t: Any) -> Any:
    return tuple(t.shape) if isinstance(t, Tensor) else type(t).__name__


def _check_dtypes(layer: str, x: Tensor, weight: Tensor, states: tuple) -> None:
    """PyTorch refuses to mix dtypes in a recurrent layer (no silent promotion)."""
    if x.dtype != weight.dtype:
        raise ValueError(f"{layer}: input dtype ({x.dtype.name}) does not match weight dtype "
                         f"({weight.dtype.name}); convert the input (x.to({weight.dtype.name}))"
                         f" or the model (model.to({x.dtype.name}))")
    for label, h in zip(("h_0", "c_0"), states, strict=False):
        if h is not None and h.dtype != x.dtype:
            raise ValueError(f"{layer}: {label} dtype ({h.dtype.name}) does not match input "
                             f"dtype ({x.dtype.name})")


# ---------------------------------------------------------------- one step of each cell
def _step(mode: str, gx: Tensor, state: tuple, w_hh: Tensor, b_hh: Tensor | None,
          w_hr: Tensor | None) -> tuple:
    """New state from the input projection ``gx`` (bias_ih included) and the old state."""
    h = state[0]
    gh = F.linear(h, w_hh, b_hh)
    if mode == "RNN_TANH":
        return (ew.tanh(gx + gh),)
    if mode == "RNN_RELU":
        return (ew.relu(gx + gh),)
    n = gh.shape[-1] // _GATES[mode]
    if mode == "LSTM":
        gates = gx + gh
        i = ew.sigmoid(gates[..., :n])
        f = ew.sigmoid(gates[..., n:2 * n])
        g = ew.tanh(gates[..., 2 * n:3 * n])
        o = ew.sigmoid(gates[..., 3 * n:])
        c = f * state[1] + i * g
        h = o * ew.tanh(c)
        if w_hr is not None:
            h = F.linear(h, w_hr)
        return h, c
    rz = ew.sigmoid(gx[..., :2 * n] + gh[..., :2 * n])
    r, z = rz[..., :n], rz[..., n:]
    new = ew.tanh(gx[..., 2 * n:] + r * gh[..., 2 * n:])
    return ((1.0 - z) * new + z * h,)


def _direction(mode: str, xw: Tensor, sizes: list[int], offsets: list[int], state0: tuple,
               w_hh: Tensor, b_hh: Tensor | None, w_hr: Tensor | None,
               reverse: bool) -> tuple[Tensor, tuple]:
    """Run one direction of one layer over packed rows ``xw`` (input projection done).

    At step ``t`` the first ``sizes[t]`` sequences are running. Going forward, a sequence
    that ends keeps its last state (set aside once, when the batch shrinks); going
    backward, a sequence joins with its initial state when the batch grows.
    """
    steps = len(sizes)
    outs: list[Any] = [None] * steps
    xs = split_rows(xw, [(o, o + b) for o, b in zip(offsets, sizes, strict=True)])
    if not reverse:
        state, done, cur = state0, [], sizes[0]
        for t in range(steps):
            b = sizes[t]
            if b < cur:
                done.append(tuple(s[b:] for s in state))
                state = tuple(s[:b] for s in state)
                cur = b
            state = _step(mode, xs[t], state, w_hh, b_hh, w_hr)
            outs[t] = state[0]
        if done:
            state = tuple(sh.concat([state[k]] + [d[k] for d in reversed(done)], axis=0)
                          for k in range(len(state)))
    else:
        cur = sizes[-1]
        state = state0 if cur == sizes[0] else tuple(s[:cur] for s in state0)
        for t in range(steps - 1, -1, -1):
            b = sizes[t]
            if b > cur:
                state = tuple(sh.concat([s, s0[cur:b]], axis=0)
                              for s, s0 in zip(state, state0, strict=True))
                cur = b
            state = _step(mode, xs[t], state, w_hh, b_hh, w_hr)
            outs[t] = state[0]
    return (outs[0] if steps == 1 else sh.concat(outs, axis=0)), state


class RNNBase(Module):
    """Shared machinery of :class:`RNN`, :class:`LSTM` and :class:`GRU`."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: str | None = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__()
        name = {"RNN_TANH": "RNN", "RNN_RELU": "RNN"}.get(mode, mode)
        if (not isinstance(dropout, numbers.Number) or isinstance(dropout, bool)
                or not 0 <= dropout <= 1):
            raise ValueError(f"{name}: dropout should be a number in range [0, 1] "
                             f"representing the probability of an element being zeroed, "
                             f"got {dropout!r}")
        for arg, value, low in (("input_size", input_size, 0), ("hidden_size", hidden_size, 1),
                                ("num_layers", num_layers, 1), ("proj_size", proj_size, 0)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{name}: {arg} must be an integer >= {low}, got {value!r}")
        if proj_size and mode != "LSTM":
            raise ValueError(f"{name}: proj_size is supported only by LSTM, got "
                             f"proj_size={proj_size}")
        if proj_size >= hidden_size:
            raise ValueError(f"{name}: proj_size has to be smaller than hidden_size, got "
                             f"proj_size={proj_size} and hidden_size={hidden_size}")
        if dropout > 0 and num_layers == 1:
            warnings.warn(f"{name}: dropout adds dropout after all but the last recurrent "
                          f"layer, so non-zero dropout expects num_layers greater than 1, "
                          f"but got dropout={dropout} and num_layers={num_layers}",
                          UserWarning, stacklevel=3)
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.num_layers = num_layers
        self.bias = bias
        self.batch_first = batch_first
        self.dropout = float(dropout)
        self.bidirectional = bidirectional
        self.proj_size = proj_size
        directions = 2 if bidirectional else 1
        gate_size = _GATES[mode] * hidden_size
        real_hidden = proj_size if proj_size > 0 else hidden_size
        f = {"dtype": dtype, "device": device, "backend": backend}
        self._flat_weights_names: list[str] = []
        self._all_weights: list[list[str]] = []
        for layer in range(num_layers):
            for direction in range(directions):
                layer_in = input_size if layer == 0 else real_hidden * directions
                suffix = f"_l{layer}" + ("_reverse" if direction == 1 else "")
                shapes: list[tuple[str, tuple[int, ...]]] = [
                    ("weight_ih", (gate_size, layer_in)),
                          ("weight_hh", (gate_size, real_hidden))]
                if bias:
                    shapes += [("bias_ih", (gate_size,)), ("bias_hh", (gate_size,))]
                if proj_size > 0:
                    shapes.append(("weight_hr", (proj_size, hidden_size)))
                names = []
                for base, shape in shapes:
                    setattr(self, base + suffix, Parameter(creation.empty(shape, **f)))
                    names.append(base + suffix)
                self._flat_weights_names.extend(names)
                self._all_weights.append(names)
        self.reset_parameters()

    @property
    def _name(self) -> str:
        return type(self).__name__

    def reset_parameters(self) -> None:
        """Re-draw every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        stdv = 1.0 / math.sqrt(self.hidden_size) if self.hidden_size > 0 else 0
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def flatten_parameters(self) -> None:
        """No-op (PyTorch compacts cuDNN weights here; arraygrad has nothing to compact)."""

    @property
    def all_weights(self) -> list[list[Parameter]]:
        """The parameters of each (layer, direction), in PyTorch's order."""
        return [[getattr(self, n) for n in names] for names in self._all_weights]

    def _weights(self, index: int) -> tuple:
        names = self._all_weights[index]
        suffix = names[0][len("weight_ih"):]
        w_ih, w_hh = getattr(self, "weight_ih" + suffix), getattr(self, "weight_hh" + suffix)
        b_ih = getattr(self, "bias_ih" + suffix) if self.bias else None
        b_hh = getattr(self, "bias_hh" + suffix) if self.bias else None
        w_hr = getattr(self, "weight_hr" + suffix) if self.proj_size > 0 else None
        return w_ih, w_hh, b_ih, b_hh, w_hr

    def _check_hidden(self, h: Any, expected: tuple, what: str, unbatched: bool) -> Tensor:
        if not isinstance(h, Tensor):
            raise TypeError(f"{self._name}: {what} must be a Tensor, got {type(h).__name__}")
        if unbatched and h.ndim != 2:
            raise ValueError(f"{self._name}: for unbatched 2-D input, {what} should also be "
                             f"2-D, got {h.ndim}-D (shape {tuple(h.shape)})")
        if not unbatched and h.ndim != 3:
            raise ValueError(f"{self._name}: for batched 3-D input, {what} should also be "
                             f"3-D, got {h.ndim}-D (shape {tuple(h.shape)})")
        shown = (expected[0], expected[2]) if unbatched else expected
        if (tuple(h.shape[:1]) + tuple(h.shape[-1:]) != (expected[0], expected[2])
                or (not unbatched and h.shape[1] != expected[1])):
            raise ValueError(f"{self._name}: expected {what} of shape {shown}, got "
                             f"{tuple(h.shape)}")
        return h.unsqueeze(1) if unbatched else h

    def forward(self, input: Any, hx: Any = None) -> tuple:  # noqa: A002
        name = self._name
        directions = 2 if self.bidirectional else 1
        out_size = self.proj_size if self.proj_size > 0 else self.hidden_size
        is_lstm = self.mode == "LSTM"
        packed = isinstance(input, PackedSequence)
        if packed:
            data = input.data
            sizes = [int(b) for b in input.batch_sizes.tolist()]
            if not isinstance(data, Tensor) or data.ndim != 2 or (
                    data.shape[1] != self.input_size):
                raise ValueError(f"{name}: expected PackedSequence data of shape "
                                 f"(sum(lengths), {self.input_size}), got {_shape(data)}")
            batch, steps, unbatched = sizes[0], len(sizes), False
        else:
            if not isinstance(input, Tensor) or input.ndim not in (2, 3) or (
                    input.shape[-1] != self.input_size):
                layout = "(batch, seq, " if self.batch_first else "(seq, batch, "
                raise ValueError(f"{name}: expected input of shape {layout}{self.input_size})"
                                 f" or (seq, {self.input_size}), got {_shape(input)}")
            unbatched = input.ndim == 2
            x = input.unsqueeze(1) if unbatched else (
                input.transpose(0, 1) if self.batch_first else input)
            steps, batch = x.shape[0], x.shape[1]
            if steps == 0 or batch == 0:
                raise ValueError(f"{name}: expected a non-empty input, got shape "
                                 f"{tuple(input.shape)}")
            data = x.reshape(steps * batch, self.input_size)
            sizes = [batch] * steps
        ref = data
        h_shape = (self.num_layers * directions, batch, out_size)
        c_shape = (self.num_layers * directions, batch, self.hidden_size)
        if hx is None:
            h0 = creation.zeros(h_shape, dtype=ref.dtype, backend=ref.backend,
                                device=ref.device)
            c0 = creation.zeros(c_shape, dtype=ref.dtype, backend=ref.backend,
                                device=ref.device) if is_lstm else None
        elif is_lstm:
            if not isinstance(hx, (tuple, list)) or len(hx) != 2:
                raise TypeError(f"{name}: hx must be a tuple (h_0, c_0), got "
                                f"{type(hx).__name__}")
            h0 = self._check_hidden(hx[0], h_shape, "h_0", unbatched)
            c0 = self._check_hidden(hx[1], c_shape, "c_0", unbatched)
        else:
            if isinstance(hx, (tuple, list)):
                raise TypeError(f"{name}: hx must be a Tensor h_0, got a {type(hx).__name__}")
            h0 = self._check_hidden(hx, h_shape, "h_0", unbatched)
            c0 = None
        _check_dtypes(name, data, self.weight_ih_l0, (h0, c0) if hx is not None else ())
        if packed and hx is not None and input.sorted_indices is not None:
            h0 = take(h0, input.sorted_indices, axis=1)
            c0 = take(c0, input.sorted_indices, axis=1) if c0 is not None else None
        offsets = [0]
        for b in sizes[:-1]:
            offsets.append(offsets[-1] + b)
        layer_in = data
        h_n, c_n = [], []
        for layer in range(self.num_layers):
            outs = []
            for direction in range(directions):
                index = layer * directions + direction
                w_ih, w_hh, b_ih, b_hh, w_hr = self._weights(index)
                xw = F.linear(layer_in, w_ih, b_ih)
                state0 = (h0[index],) if c0 is None else (h0[index], c0[index])
                out, state = _direction(self.mode, xw, sizes, offsets, state0, w_hh, b_hh,
                                        w_hr, reverse=direction == 1)
                outs.append(out)
                h_n.append(state[0])
                if is_lstm:
                    c_n.append(state[1])
            layer_in = outs[0] if directions == 1 else sh.concat(outs, axis=1)
            if self.dropout > 0 and self.training and layer < self.num_layers - 1:
                layer_in = F.dropout(layer_in, self.dropout, True)
        hn = sh.stack(h_n, axis=0)
        cn = sh.stack(c_n, axis=0) if is_lstm else None
        if packed:
            if input.unsorted_indices is not None:
                hn = take(hn, input.unsorted_indices, axis=1)
                cn = take(cn, input.unsorted_indices, axis=1) if cn is not None else None
            output: Any = PackedSequence(layer_in, input.batch_sizes, input.sorted_indices,
                                         input.unsorted_indices)
        else:
            output = layer_in.reshape(steps, batch, directions * out_size)
            if unbatched:
                output, hn = output[:, 0], hn[:, 0]
                cn = cn[:, 0] if cn is not None else None
            elif self.batch_first:
                output = output.transpose(0, 1)
        return output, ((hn, cn) if is_lstm else hn)

    def extra_repr(self) -> str:
        return f"{self.input_size}, {self.hidden_size}" + non_default(
            self, proj_size=0, num_layers=1, bias=True, batch_first=False, dropout=0,
            bidirectional=False)


class RNN(RNNBase):
    """Elman RNN: ``h_t = act(x_t W_ih^T + b_ih + h_{t-1} W_hh^T + b_hh)``, act tanh or relu.

    Parameters
    ----------
    input_size, hidden_size : int
    num_layers : int
        Stacked layers (each takes the previous one's output sequence).
    nonlinearity : {"tanh", "relu"}
    bias : bool
    batch_first : bool
        Input and output are ``(batch, seq, feature)`` instead of ``(seq, batch, feature)``
        (the hidden state stays ``(layers * directions, batch, hidden)``).
    dropout : float
        Dropout on the outputs of every layer but the last (in training mode).
    bidirectional : bool
    device, dtype, backend : optional
        Where the parameters are created.

    Forward ``(input, h_0=None)`` takes ``(seq, batch, input_size)``, ``(seq, input_size)``
    (unbatched) or a :class:`~arraygrad.nn.rnn_utils.PackedSequence`, and returns
    ``(output, h_n)``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> rnn = ag.nn.RNN(3, 5, num_layers=2)
    >>> out, h = rnn(ag.randn(7, 2, 3))
    >>> out.shape, h.shape
    ((7, 2, 5), (2, 2, 5))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 nonlinearity: str = "tanh", bias: bool = True, batch_first: bool = False,
                 dropout: float = 0.0, bidirectional: bool = False, device: str | None = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNN: unknown nonlinearity {nonlinearity!r}; select from "
                             f"'tanh' or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, num_layers, bias, batch_first, dropout, bidirectional,
                         0, device, dtype, backend=backend)
        self.nonlinearity = nonlinearity


class LSTM(RNNBase):
    """Long short-term memory (PyTorch's gates ``i, f, g, o``; optional projection).

    ``c_t = f * c_{t-1} + i * g``, ``h_t = o * tanh(c_t)`` (then ``h_t W_hr^T`` when
    ``proj_size > 0``). Parameters as :class:`RNN` (no ``nonlinearity``) plus ``proj_size``.
    Forward ``(input, (h_0, c_0)=None)`` returns ``(output, (h_n, c_n))``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> lstm = ag.nn.LSTM(3, 4, batch_first=True, bidirectional=True)
    >>> out, (h, c) = lstm(ag.randn(2, 6, 3))
    >>> out.shape, h.shape, c.shape
    ((2, 6, 8), (2, 2, 4), (2, 2, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, proj_size: int = 0, device: str | None = None,
                 dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, proj_size, device, dtype, backend=backend)


class GRU(RNNBase):
    """Gated recurrent unit (PyTorch's gates ``r, z, n``).

    ``n = tanh(W_in x + b_in + r * (W_hn h + b_hn))``, ``h' = (1 - z) * n + z * h``.
    Parameters and forward as :class:`RNN` (no ``nonlinearity``).

    Examples
    --------
    >>> import arraygrad as ag
    >>> out, h = ag.nn.GRU(3, 4)(ag.randn(5, 3))
    >>> out.shape, h.shape
    ((5, 4), (1, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, num_layers: int = 1,
                 bias: bool = True, batch_first: bool = False, dropout: float = 0.0,
                 bidirectional: bool = False, device: str | None = None, dtype: Any = None,
                 *, backend: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, num_layers, bias, batch_first,
                         dropout, bidirectional, 0, device, dtype, backend=backend)


# ------------------------------------------------------------------------------- cells
class RNNCellBase(Module):
    """Shared machinery of the single-step cells."""

    def __init__(self, mode: str, input_size: int, hidden_size: int, bias: bool,
                 device: str | None, dtype: Any, backend: Any) -> None:
        super().__init__()
        for arg, value, low in (("input_size", input_size, 0), ("hidden_size", hidden_size, 1)):
            if not isinstance(value, int) or isinstance(value, bool) or value < low:
                raise ValueError(f"{type(self).__name__}: {arg} must be an integer >= {low}, "
                                 f"got {value!r}")
        self.mode = mode
        self.input_size = input_size
        self.hidden_size = hidden_size
        self.bias = bias
        gate_size = _GATES[mode] * hidden_size
        f = {"dtype": dtype, "device": device, "backend": backend}
        self.weight_ih = Parameter(creation.empty((gate_size, input_size), **f))
        self.weight_hh = Parameter(creation.empty((gate_size, hidden_size), **f))
        if bias:
            self.bias_ih = Parameter(creation.empty((gate_size,), **f))
            self.bias_hh = Parameter(creation.empty((gate_size,), **f))
        else:
            self.register_parameter("bias_ih", None)
            self.register_parameter("bias_hh", None)
        self.reset_parameters()

    def reset_parameters(self) -> None:
        """Re-draw every weight and bias from ``U(-1/sqrt(hidden_size), 1/sqrt(hidden_size))``."""
        stdv = 1.0 / math.sqrt(self.hidden_size)
        for p in self.parameters():
            init.uniform_(p, -stdv, stdv)

    def _check(self, x: Any, hx: Any) -> tuple[Tensor, tuple, bool]:
        name = type(self).__name__
        if not isinstance(x, Tensor) or x.ndim not in (1, 2) or (
                x.shape[-1] != self.input_size):
            raise ValueError(f"{name}: expected input of shape (batch, {self.input_size}) or "
                             f"({self.input_size},), got {_shape(x)}")
        unbatched = x.ndim == 1
        if unbatched:
            x = x.unsqueeze(0)
        batch = x.shape[0]
        count = 2 if self.mode == "LSTM" else 1
        if hx is None:
            zero = creation.zeros((batch, self.hidden_size), dtype=x.dtype, backend=x.backend,
                                  device=x.device)
            return x, (zero,) * count, unbatched
        states = tuple(hx) if self.mode == "LSTM" else (hx,)
        if self.mode == "LSTM" and (not isinstance(hx, (tuple, list)) or len(hx) != 2):
            raise TypeError(f"{name}: hx must be a tuple (h_0, c_0), got {type(hx).__name__}")
        out = []
        for label, h in zip(("h_0", "c_0"), states, strict=False):
            expected = (self.hidden_size,) if unbatched else (batch, self.hidden_size)
            if not isinstance(h, Tensor) or tuple(h.shape) != expected:
                raise ValueError(f"{name}: expected {label} of shape {expected}, got "
                                 f"{_shape(h)}")
            out.append(h.unsqueeze(0) if unbatched else h)
        return x, tuple(out), unbatched

    def _cell(self, x: Any, hx: Any) -> tuple:
        x, state, unbatched = self._check(x, hx)
        _check_dtypes(type(self).__name__, x, self.weight_ih, state if hx is not None else ())
        gx = F.linear(x, self.weight_ih, self.bias_ih)
        new = _step(self.mode, gx, state, self.weight_hh, self.bias_hh, None)
        return tuple(s[0] for s in new) if unbatched else new

    def extra_repr(self) -> str:
        text = f"{self.input_size}, {self.hidden_size}" + non_default(self, bias=True)
        if self.mode == "RNN_RELU":
            text += ", nonlinearity=relu"
        return text


class RNNCell(RNNCellBase):
    """One Elman RNN step: ``h' = act(x W_ih^T + b_ih + h W_hh^T + b_hh)``.

    Forward ``(input, hx=None)``: input ``(batch, input_size)`` or ``(input_size,)``, ``hx``
    zeros by default; returns ``h'``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.RNNCell(3, 4)(ag.randn(2, 3)).shape
    (2, 4)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 nonlinearity: str = "tanh", device: str | None = None, dtype: Any = None,
                 *, backend: Any = None) -> None:
        if nonlinearity not in ("tanh", "relu"):
            raise ValueError(f"RNNCell: unknown nonlinearity {nonlinearity!r}; select from "
                             f"'tanh' or 'relu'")
        super().__init__("RNN_TANH" if nonlinearity == "tanh" else "RNN_RELU", input_size,
                         hidden_size, bias, device, dtype, backend)
        self.nonlinearity = nonlinearity

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._cell(input, hx)[0]


class LSTMCell(RNNCellBase):
    """One LSTM step; forward ``(input, (h, c)=None)`` returns ``(h', c')``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> h, c = ag.nn.LSTMCell(3, 4)(ag.randn(2, 3))
    >>> h.shape, c.shape
    ((2, 4), (2, 4))
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: str | None = None, dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__("LSTM", input_size, hidden_size, bias, device, dtype, backend)

    def forward(self, input: Tensor,  # noqa: A002
                hx: tuple[Tensor, Tensor] | None = None) -> tuple[Tensor, Tensor]:
        h, c = self._cell(input, hx)
        return h, c


class GRUCell(RNNCellBase):
    """One GRU step; forward ``(input, hx=None)`` returns ``h'``.

    Examples
    --------
    >>> import arraygrad as ag
    >>> ag.nn.GRUCell(3, 4)(ag.randn(3)).shape
    (4,)
    """

    def __init__(self, input_size: int, hidden_size: int, bias: bool = True,
                 device: str | None = None, dtype: Any = None, *, backend: Any = None) -> None:
        super().__init__("GRU", input_size, hidden_size, bias, device, dtype, backend)

    def forward(self, input: Tensor, hx: Tensor | None = None) -> Tensor:  # noqa: A002
        return self._cell(input, hx)[0]
