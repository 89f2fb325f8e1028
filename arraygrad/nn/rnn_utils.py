"""Variable-length sequences for recurrent layers (PyTorch's ``torch.nn.utils.rnn``).

A :class:`PackedSequence` holds a batch of sequences of different lengths without padding:
``data`` stacks, time step after time step, the rows of the sequences still running at that
step (longest first), and ``batch_sizes[t]`` says how many there are. ``nn.RNN``, ``nn.LSTM``
and ``nn.GRU`` accept one and return one; their final states are taken at each sequence's own
last step. Everything here is built from differentiable ops (slicing, ``concat``, ``stack``,
``take``), so gradients flow back through packing and padding.

Examples
--------
>>> import arraygrad as ag
>>> from arraygrad.nn.rnn_utils import pack_sequence, pad_packed_sequence
>>> packed = pack_sequence([ag.ones(3, 2), ag.ones(1, 2)])
>>> packed.batch_sizes.tolist()
[2, 1, 1]
>>> padded, lengths = pad_packed_sequence(packed)
>>> padded.shape, lengths.tolist()
((3, 2, 2), [3, 1])
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, NamedTuple

from arraygrad import _dtypes, creation
from arraygrad.ops import shape as sh
from arraygrad.ops.indexing import take
from arraygrad.tensor import Tensor

__all__ = ["PackedSequence", "pack_padded_sequence", "pad_packed_sequence", "pad_sequence",
           "pack_sequence", "unpad_sequence", "unpack_sequence"]


class PackedSequence(NamedTuple):
    """A batch of variable-length sequences, packed time step by time step.

    Attributes
    ----------
    data : Tensor
        ``(sum(lengths), *)``: the rows of step 0 of every sequence, then step 1 of those
        still running, and so on (sequences in decreasing length order).
    batch_sizes : Tensor
        int64 ``(max_length,)``: how many sequences run at each step (non-increasing).
    sorted_indices : Tensor or None
        Original batch index of each sorted column (None when the batch was already sorted).
    unsorted_indices : Tensor or None
        The inverse permutation: the sorted position of each original sequence.
    """

    data: Tensor
    batch_sizes: Tensor
    sorted_indices: Tensor | None = None
    unsorted_indices: Tensor | None = None

    def to(self, *args: Any, **kwargs: Any) -> PackedSequence:
        """A copy with ``data`` moved or cast by ``Tensor.to`` (the indices stay int64)."""
        return self._replace(data=self.data.to(*args, **kwargs))

    @property
    def is_cuda(self) -> bool:
        """Whether ``data`` lives on a GPU device."""
        return str(self.data.device).startswith(("cuda", "gpu"))

    def is_pinned(self) -> bool:
        """Always False: arraygrad has no pinned host memory."""
        return False


def _int_list(values: Any, name: str, op: str) -> list[int]:
    if isinstance(values, Tensor):
        if values.dtype.kind not in "iu":
            raise TypeError(f"{op}: {name} must hold integers, got dtype {values.dtype.name}")
        if values.ndim != 1:
            raise ValueError(f"{op}: {name} must be 1-D, got shape {values.shape}")
        return [int(v) for v in values.tolist()]
    try:
        out = [int(v) for v in values]
    except TypeError:
        raise TypeError(f"{op}: {name} must be a list or 1-D tensor of ints, got "
                        f"{type(values).__name__}") from None
    if any(o != v for o, v in zip(out, values, strict=True)):
        raise TypeError(f"{op}: {name} must hold integers, got {list(values)}")
    return out


def _index_tensor(values: list[int], like: Tensor) -> Tensor:
    return creation.tensor(values, dtype=_dtypes.int64, backend=like.backend, device=like.device)


def split_rows(x: Tensor, bounds: list[tuple[int, int]]) -> list[Tensor]:
    """``[x[a:b] for a, b in bounds]`` (contiguous, increasing bounds) by bisection.

    Slicing each piece straight from ``x`` would cost a full-size gradient per piece in
    backward (quadratic in the number of pieces); halving recursively costs ``O(log n)``
    passes over ``x`` instead.
    """
    first, last = bounds[0][0], bounds[-1][1]
    pieces: list[Tensor] = []
    stack = [(x if (first, last) == (0, x.shape[0]) else x[first:last], 0, len(bounds), first)]
    while stack:  # depth-first, left half first, so pieces come out in order
        part, lo, hi, base = stack.pop()
        if hi - lo == 1:
            pieces.append(part)
            continue
        mid = (lo + hi) // 2
        cut = bounds[mid][0] - base
        stack.append((part[cut:], mid, hi, bounds[mid][0]))
        stack.append((part[:cut], lo, mid, base))
    return pieces


def _batch_sizes(lengths: list[int]) -> list[int]:
    """How many of the (sorted, decreasing) lengths exceed each step."""
    return [sum(1 for n in lengths if n > t) for t in range(lengths[0])]


def _invert_permutation(perm: list[int]) -> list[int]:
    """The permutation that undoes ``perm``."""
    inv = [0] * len(perm)
    for position, original in enumerate(perm):
        inv[original] = position
    return inv


def pack_padded_sequence(input: Tensor, lengths: Any, batch_first: bool = False,  # noqa: A002
                         enforce_sorted: bool = True) -> PackedSequence:
    """Pack a padded batch ``(T, B, *)`` (or ``(B, T, *)`` with ``batch_first``).

    Parameters
    ----------
    input : Tensor
        The padded sequences.
    lengths : list of int or 1-D integer Tensor
        Each sequence's length (all > 0, at most ``T``).
    batch_first : bool
        Whether ``input`` is ``(B, T, *)``.
    enforce_sorted : bool
        If True, ``lengths`` must be non-increasing; if False the batch is sorted here and
        the permutation is kept in ``sorted_indices`` / ``unsorted_indices``.

    Returns
    -------
    PackedSequence

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.nn.rnn_utils import pack_padded_sequence
    >>> x = ag.arange(6.0).reshape(3, 2, 1)
    >>> p = pack_padded_sequence(x, [1, 3], enforce_sorted=False)
    >>> p.data.reshape(-1).tolist(), p.batch_sizes.tolist()
    ([1.0, 0.0, 3.0, 5.0], [2, 1, 1])
    """
    op = "pack_padded_sequence"
    if not isinstance(input, Tensor) or input.ndim < 2:
        raise ValueError(f"{op}: expected input of at least 2 dimensions (T, B, *), got "
                         f"{getattr(input, 'shape', type(input).__name__)}")
    lens = _int_list(lengths, "lengths", op)
    if batch_first:
        input = input.transpose(0, 1)
    steps, batch = input.shape[0], input.shape[1]
    if len(lens) != batch:
        raise ValueError(f"{op}: expected {batch} lengths (the batch size of input shape "
                         f"{tuple(input.shape)}), got {len(lens)}")
    if any(n <= 0 for n in lens):
        raise ValueError(f"{op}: every length must be greater than 0, got {lens}")
    if max(lens) > steps:
        raise ValueError(f"{op}: a length ({max(lens)}) exceeds the sequence axis of input "
                         f"shape {tuple(input.shape)} ({steps} steps)")
    if enforce_sorted:
        if any(a < b for a, b in zip(lens, lens[1:], strict=False)):
            raise RuntimeError(f"{op}: `lengths` must be sorted in decreasing order when "
                               f"enforce_sorted is True, got {lens}; pass enforce_sorted=False "
                               f"to sort them here")
        order = None
    else:
        # stable descending sort (torch sorts lengths descending; ties keep batch order)
        order = sorted(range(batch), key=lambda i: -lens[i])
        input = take(input, _index_tensor(order, input), axis=1)
        lens = [lens[i] for i in order]
    sizes = _batch_sizes(lens)
    rows = split_rows(input, [(t, t + 1) for t in range(len(sizes))])
    data = sh.concat([row[0, :b] for row, b in zip(rows, sizes, strict=True)], axis=0)
    if order is None:
        return PackedSequence(data, _index_tensor(sizes, input))
    return PackedSequence(data, _index_tensor(sizes, input), _index_tensor(order, input),
                          _index_tensor(_invert_permutation(order), input))


def pad_packed_sequence(sequence: PackedSequence, batch_first: bool = False,
                        padding_value: float = 0.0, total_length: int | None = None
                        ) -> tuple[Tensor, Tensor]:
    """Undo :func:`pack_padded_sequence`: the padded batch and the lengths.

    Parameters
    ----------
    sequence : PackedSequence
    batch_first : bool
        Return ``(B, T, *)`` instead of ``(T, B, *)``.
    padding_value : float
        Value of the padded positions.
    total_length : int, optional
        Pad to this many steps (at least the longest length) instead of the longest length.

    Returns
    -------
    (Tensor, Tensor)
        The padded batch, in the original batch order, and the int64 lengths.
    """
    op = "pad_packed_sequence"
    if not isinstance(sequence, PackedSequence):
        raise TypeError(f"{op}: expected a PackedSequence, got {type(sequence).__name__}")
    data = sequence.data
    sizes = _int_list(sequence.batch_sizes, "batch_sizes", op)
    steps, batch = len(sizes), sizes[0]
    if total_length is not None:
        if total_length < steps:
            raise ValueError(f"{op}: expected total_length to be at least the length of the "
                             f"longest sequence ({steps}), got total_length={total_length}")
        steps = total_length
    rows: list[Tensor] = []
    offset, bounds = 0, []
    for b in sizes:
        bounds.append((offset, offset + b))
        offset += b
    pieces = split_rows(data, bounds)
    tail = tuple(data.shape[1:])
    for t in range(steps):
        b = sizes[t] if t < len(sizes) else 0
        if b == batch:
            rows.append(pieces[t])
            continue
        pad = creation.full((batch - b,) + tail, padding_value, dtype=data.dtype,
                            backend=data.backend, device=data.device)
        rows.append(sh.concat([pieces[t], pad], axis=0) if b else pad)
    padded = sh.stack(rows, axis=0)
    lengths = [sum(1 for b in sizes if b > i) for i in range(batch)]
    if sequence.unsorted_indices is not None:
        unsorted = _int_list(sequence.unsorted_indices, "unsorted_indices", op)
        padded = take(padded, sequence.unsorted_indices, axis=1)
        lengths = [lengths[i] for i in unsorted]
    if batch_first:
        padded = padded.transpose(0, 1)
    return padded, _index_tensor(lengths, data)


def pad_sequence(sequences: Tensor | Sequence[Tensor], batch_first: bool = False,
                 padding_value: float = 0.0, padding_side: str = "right") -> Tensor:
    """Stack sequences ``(L_i, *)`` into one padded batch ``(max L, B, *)``.

    Parameters
    ----------
    sequences : sequence of Tensor
        Same trailing shape, any lengths.
    batch_first : bool
        Return ``(B, max L, *)``.
    padding_value : float
    padding_side : {"right", "left"}
        Where the padding goes.

    Examples
    --------
    >>> import arraygrad as ag
    >>> from arraygrad.nn.rnn_utils import pad_sequence
    >>> pad_sequence([ag.ones(2), ag.ones(3)], batch_first=True).tolist()
    [[1.0, 1.0, 0.0], [1.0, 1.0, 1.0]]
    """
    op = "pad_sequence"
    if padding_side not in ("right", "left"):
        raise ValueError(f"{op}: padding_side must be 'right' or 'left', got {padding_side!r}")
    seqs = list(sequences)
    if not seqs:
        raise ValueError(f"{op}: expected at least one sequence, got none")
    if not all(isinstance(s, Tensor) and s.ndim >= 1 for s in seqs):
        raise TypeError(f"{op}: expected tensors of at least 1 dimension, got "
                        f"{[getattr(s, 'shape', type(s).__name__) for s in seqs]}")
    tail = tuple(seqs[0].shape[1:])
    if any(tuple(s.shape[1:]) != tail for s in seqs):
        raise ValueError(f"{op}: every sequence must have the trailing shape {tail}, got "
                         f"shapes {[tuple(s.shape) for s in seqs]}")
    longest = max(s.shape[0] for s in seqs)
    rows = []
    for s in seqs:
        missing = longest - s.shape[0]
        if missing:
            pad = creation.full((missing,) + tail, padding_value, dtype=s.dtype,
                                backend=s.backend, device=s.device)
            parts = [s, pad] if padding_side == "right" else [pad, s]
            s = sh.concat(parts, axis=0)
        rows.append(s)
    return sh.stack(rows, axis=0 if batch_first else 1)


def pack_sequence(sequences: Sequence[Tensor], enforce_sorted: bool = True) -> PackedSequence:
    """Pack a list of sequences ``(L_i, *)`` (``pad_sequence`` then ``pack_padded_sequence``)."""
    seqs = list(sequences)
    lengths = [s.shape[0] for s in seqs]
    return pack_padded_sequence(pad_sequence(seqs), lengths, enforce_sorted=enforce_sorted)


def unpad_sequence(padded_sequences: Tensor, lengths: Any,
                   batch_first: bool = False) -> list[Tensor]:
    """Split a padded batch back into its sequences (the inverse of :func:`pad_sequence`)."""
    lens = _int_list(lengths, "lengths", "unpad_sequence")
    if not batch_first:
        padded_sequences = padded_sequences.transpose(0, 1)
    return [padded_sequences[i, :n] for i, n in enumerate(lens)]


def unpack_sequence(packed_sequences: PackedSequence) -> list[Tensor]:
    """Split a PackedSequence into its sequences (the inverse of :func:`pack_sequence`)."""
    padded, lengths = pad_packed_sequence(packed_sequences, batch_first=True)
    return unpad_sequence(padded, lengths, batch_first=True)
