"""Built-in data sources (``ag.data.load_dataset(name, **options)``): ``digits``,
``mnist``, ``npz`` and ``csv``. Nothing is downloaded: ``digits`` ships with
scikit-learn, the others read files the user points to. Each returns an
:class:`~arraygrad.utils.data.ArrayDataset` of ``(features, labels)`` NumPy arrays.

A missing or malformed file raises ``FileNotFoundError`` / ``ValueError`` naming the path.
"""

from __future__ import annotations

import csv as _csv
import gzip
import os
import zipfile
import zlib
from collections.abc import Callable, Sequence
from typing import Any

import numpy as np

from arraygrad.utils.data import ArrayDataset

__all__ = ["digits", "mnist", "npz", "csv", "SOURCES"]

_SPLITS = ("all", "train", "test")


def _split(n: int, split: str, test_fraction: float, seed: int) -> np.ndarray:
    if split not in _SPLITS:
        raise ValueError(f"split must be one of {_SPLITS}, got {split!r}")
    if not 0.0 < test_fraction < 1.0:
        raise ValueError(f"test_fraction must be in (0, 1), got {test_fraction}")
    if split == "all":
        return np.arange(n)
    order = np.random.default_rng(seed).permutation(n)
    n_test = int(round(n * test_fraction))
    return np.sort(order[:n_test] if split == "test" else order[n_test:])


def digits(split: str = "all", *, test_fraction: float = 0.2, seed: int = 0,
           flatten: bool = False) -> ArrayDataset:
    """scikit-learn's bundled 8x8 handwritten digits (1797 images, 10 classes; no network).

    Parameters
    ----------
    split : {"all", "train", "test"}
        A fixed, seeded split (``test_fraction`` of the images are "test").
    flatten : bool
        Images as 64-vectors instead of (1, 8, 8).

    Returns
    -------
    ArrayDataset of float32 images scaled to [0, 1] and int64 labels.
    """
    images, labels = _digits_arrays()
    keep = _split(len(labels), split, test_fraction, seed)
    images = images[keep]
    images = images.reshape(len(keep), 64) if flatten else images[:, None, :, :]
    return ArrayDataset(np.ascontiguousarray(images), labels[keep])


_DIGITS_FILE = ("datasets", "data", "digits.csv.gz")


def _digits_arrays() -> tuple[np.ndarray, np.ndarray]:
    """The 1797 digit images (float32 in [0, 1], (N, 8, 8)) and labels (int64).

    Read straight from the ``digits.csv.gz`` file that scikit-learn ships, found without
    importing scikit-learn (importing it costs seconds); if that file is not where it has
    always been, ``sklearn.datasets.load_digits`` reads it.
    """
    import importlib.util

    spec = importlib.util.find_spec("sklearn")
    if spec is None or not spec.submodule_search_locations:
        raise ImportError('the \'digits\' dataset reads the copy bundled with scikit-learn, '
                          'which is not installed: pip install "arraygrad[train]" (or pip '
                          'install scikit-learn)')
    for root in spec.submodule_search_locations:
        path = os.path.join(root, *_DIGITS_FILE)
        if os.path.isfile(path):
            try:
                table = np.loadtxt(path, delimiter=",", dtype=np.float64)
            except (OSError, ValueError, EOFError) as exc:
                raise ValueError(f"cannot read scikit-learn's digits file {path}: {exc}; "
                                 f"reinstall scikit-learn") from exc
            if table.ndim != 2 or table.shape[1] != 65:
                raise ValueError(f"scikit-learn's digits file {path} has shape "
                                 f"{table.shape}, expected (1797, 65); reinstall scikit-learn")
            images = (table[:, :64].reshape(-1, 8, 8) / 16.0).astype(np.float32)
            return images, table[:, 64].astype(np.int64)
    from sklearn.datasets import load_digits

    bunch = load_digits()
    return (bunch.images / 16.0).astype(np.float32), bunch.target.astype(np.int64)


# ------------------------------------------------------------------------------ MNIST IDX
_IDX_TYPES: dict[int, Any] = {0x08: np.uint8, 0x09: np.int8, 0x0B: np.dtype(">i2"),
                              0x0C: np.dtype(">i4"), 0x0D: np.dtype(">f4"),
                              0x0E: np.dtype(">f8")}


def read_idx(path: str) -> np.ndarray:
    """Read one IDX file (optionally gzipped) as a NumPy array.

    Raises
    ------
    FileNotFoundError
        If ``path`` does not exist.
    ValueError
        If the header or the size is wrong; the message names the path.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"IDX file not found: {path}")
    opener = gzip.open if path.endswith(".gz") else open
    try:
        with opener(path, "rb") as f:
            raw = f.read()
    except (OSError, EOFError) as exc:
        raise ValueError(f"cannot read IDX file {path}: {exc}") from exc
    if len(raw) < 4 or raw[0] != 0 or raw[1] != 0 or raw[2] not in _IDX_TYPES:
        raise ValueError(f"{path} is not an IDX file (bad magic number {raw[:4].hex()})")
    ndim = raw[3]
    header = 4 + 4 * ndim
    if len(raw) < header:
        raise ValueError(f"IDX file {path} is truncated inside its header")
    shape = tuple(int(v) for v in np.frombuffer(raw[4:header], dtype=">u4"))
    dtype = np.dtype(_IDX_TYPES[raw[2]])
    expected = header + int(np.prod(shape, dtype=np.int64)) * dtype.itemsize
    if len(raw) != expected:
        raise ValueError(f"IDX file {path} has {len(raw)} bytes but its header (shape "
                         f"{shape}, {dtype}) needs {expected}; the file is truncated or "
                         f"corrupted")
    return np.frombuffer(raw, dtype=dtype, offset=header).reshape(shape).astype(
        dtype.newbyteorder("="))


def _find(root: str, stem: str) -> str:
    for name in (stem, stem + ".gz", stem.replace("-idx", ".idx"),
                 stem.replace("-idx", ".idx") + ".gz"):
        candidate = os.path.join(root, name)
        if os.path.isfile(candidate):
            return candidate
    raise FileNotFoundError(f"MNIST file {stem}[.gz] not found in {root}; arraygrad never "
                            f"downloads: put the four IDX files there")


def mnist(path: str, split: str = "train", *, flatten: bool = False) -> ArrayDataset:
    """MNIST (or Fashion-MNIST) from the IDX files in directory ``path`` (no download).

    Expects ``train-images-idx3-ubyte``, ``train-labels-idx1-ubyte``,
    ``t10k-images-idx3-ubyte`` and ``t10k-labels-idx1-ubyte`` (optionally ``.gz``).
    Images come as float32 in [0, 1], shape (1, 28, 28) (or 784 with ``flatten``).
    """
    if split not in ("train", "test"):
        raise ValueError(f"mnist: split must be 'train' or 'test', got {split!r}")
    if not os.path.isdir(path):
        raise FileNotFoundError(f"mnist: directory not found: {path}")
    prefix = "train" if split == "train" else "t10k"
    images_path = _find(path, f"{prefix}-images-idx3-ubyte")
    labels_path = _find(path, f"{prefix}-labels-idx1-ubyte")
    images = read_idx(images_path)
    labels = read_idx(labels_path)
    if images.ndim != 3 or labels.ndim != 1 or images.shape[0] != labels.shape[0]:
        raise ValueError(f"mnist: {images_path} (shape {images.shape}) and {labels_path} "
                         f"(shape {labels.shape}) don't describe the same images")
    x = (images.astype(np.float32) / 255.0)
    x = x.reshape(len(x), -1) if flatten else x[:, None]
    return ArrayDataset(np.ascontiguousarray(x), labels.astype(np.int64))


# ------------------------------------------------------------------------------ files
def npz(path: str, keys: Sequence[str] | None = None) -> ArrayDataset:
    """The arrays of a ``.npz`` file (``keys`` in that order; default: every array in file
    order). Pickled object arrays are refused."""
    if not os.path.isfile(path):
        raise FileNotFoundError(f"npz file not found: {path}")
    try:
        with np.load(path, allow_pickle=False) as archive:
            names = list(archive.files) if keys is None else list(keys)
            missing = [k for k in names if k not in archive.files]
            if missing:
                raise KeyError(f"npz file {path} has no array(s) {missing}; it has "
                               f"{archive.files}")
            arrays = [archive[k] for k in names]
    except KeyError:
        raise
    except (OSError, ValueError, EOFError, zipfile.BadZipFile, zlib.error) as exc:
        raise ValueError(f"cannot read npz file {path}: {exc} (a truncated or corrupted "
                         f"file? np.savez writes a valid one)") from exc
    if not arrays:
        raise ValueError(f"npz file {path} holds no arrays")
    try:
        return ArrayDataset(*arrays)
    except ValueError as exc:
        raise ValueError(f"npz file {path}: {exc}") from exc


def csv(path: str, target: int | str | None = -1, *, delimiter: str = ",",
        header: bool | None = None, dtype: Any = np.float32) -> ArrayDataset:
    """Rows of a CSV file: features and (unless ``target=None``) one target column.

    ``target`` is a column index or, with a header row, a column name. A header is
    detected when the first row is not numeric (or set ``header``). Integer targets become
    int64 labels; the features are ``dtype``.
    """
    if not os.path.isfile(path):
        raise FileNotFoundError(f"csv file not found: {path}")
    try:
        with open(path, newline="", encoding="utf-8") as f:
            text = f.read()
        if "\x00" in text:
            raise _csv.Error("it contains NUL bytes")
        rows = [r for r in _csv.reader(text.splitlines(), delimiter=delimiter) if r]
    except (UnicodeDecodeError, _csv.Error) as exc:
        raise ValueError(f"csv file {path} is not a text CSV file ({exc}); is it a binary "
                         f"file? For NumPy arrays use the 'npz' source") from exc
    if not rows:
        raise ValueError(f"csv file {path} is empty")
    if header is None:
        header = not all(_is_number(v) for v in rows[0])
    names = [v.strip() for v in rows[0]] if header else None
    body = rows[1:] if header else rows
    width = len(rows[0])
    for lineno, row in enumerate(body, start=2 if header else 1):
        if len(row) != width:
            raise ValueError(f"csv file {path}, line {lineno}: {len(row)} columns, expected "
                             f"{width}")
    try:
        table = np.array(body, dtype=np.float64)
    except ValueError as exc:
        raise ValueError(f"csv file {path} has a non-numeric value: {exc}") from exc
    if table.size == 0:
        raise ValueError(f"csv file {path} has no data rows")
    if target is None:
        return ArrayDataset(table.astype(dtype))
    if isinstance(target, str):
        if names is None or target not in names:
            raise KeyError(f"csv file {path} has no column {target!r}"
                           + (f"; columns: {names}" if names else " (no header row)"))
        col = names.index(target)
    else:
        if not -width <= target < width:
            raise IndexError(f"csv file {path}: target column {target} is out of range for "
                             f"{width} columns")
        col = target % width
    y = table[:, col]
    x = np.delete(table, col, axis=1).astype(dtype)
    y = y.astype(np.int64) if np.all(y == np.round(y)) else y.astype(dtype)
    return ArrayDataset(x, y)


def _is_number(text: str) -> bool:
    try:
        float(text)
    except ValueError:
        return False
    return True


SOURCES: dict[str, Callable[..., ArrayDataset]] = {
    "digits": digits, "mnist": mnist, "npz": npz, "csv": csv,
}
