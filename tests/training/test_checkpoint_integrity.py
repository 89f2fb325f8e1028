"""Checkpoint security and durability: checksums, malformed documents, format versions,
temporaries of killed saves, file permissions, and 64-bit dtypes on 32-bit backends."""

import glob
import io
import json
import os
import random
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import arraygrad as ag
from arraygrad.serialization import CheckpointError, _format


def _payload():
    model = ag.nn.Sequential(ag.nn.Linear(3, 2), ag.nn.BatchNorm1d(2))
    buffer = io.BytesIO()
    ag.save({"model": model.state_dict(), "epoch": 3, "name": "run", "model_obj": model},
            buffer)
    return buffer.getvalue()


def _load(raw):
    return ag.load(io.BytesIO(raw))


def test_every_single_bit_flip_is_detected():
    raw = _payload()
    _load(raw)
    (size,) = struct.unpack("<Q", raw[:8])
    rng = random.Random(0)
    header_bits = rng.sample(range((8 + size) * 8), 400)
    data_bits = rng.sample(range((8 + size) * 8, len(raw) * 8), 100)
    undetected = []
    for bit in header_bits + data_bits:
        flipped = bytearray(raw)
        flipped[bit // 8] ^= 1 << (bit % 8)
        try:
            _load(bytes(flipped))
        except CheckpointError:
            continue
        undetected.append(bit)
    assert undetected == []


def test_truncated_and_corrupted_files_name_the_path(tmp_path):
    raw = _payload()
    for name, content in [("cut.safetensors", raw[:-7]), ("tiny.safetensors", raw[:5]),
                          ("header.safetensors", raw[:8] + b"{garbage" + raw[16:]),
                          ("empty.safetensors", b""), ("long.safetensors", raw + b"\0")]:
        bad = tmp_path / name
        bad.write_bytes(content)
        with pytest.raises(CheckpointError, match=name):
            ag.load(bad)
    with pytest.raises(FileNotFoundError, match="nothing.safetensors"):
        ag.load(tmp_path / "nothing.safetensors")


def _file(doc, arrays=()):
    """A file with a valid checksum around a hand-made (possibly malformed) document."""
    buffer = io.BytesIO()
    _format.write(buffer, [(n, _format.host_bytes(a)) for n, a in arrays],
                  doc if isinstance(doc, str) else json.dumps(doc))
    return buffer.getvalue()


@pytest.mark.parametrize("doc", [
    {"format": 2, "tree": {"__tensor__": 5}},
    {"format": 2, "tree": {"__tensor__": "absent"}},
    {"format": 2, "tree": {"__dict__": 3}},
    {"format": 2, "tree": {"__dict__": [[{"a": 1}, 2]]}},
    {"format": 2, "tree": {"__dict__": [[1, 2, 3]]}},
    {"format": 2, "tree": {"__tuple__": "ab"}},
    {"format": 2, "tree": {"__float__": "1e400"}},
    {"format": 2, "tree": {"__complex__": [1]}},
    {"format": 2, "tree": {"__dtype__": "float7"}},
    {"format": 2, "tree": {"__module_ref__": 0}},
    {"format": 2, "tree": {"__module__": "x"}},
    {"format": 2, "tree": {"__module__": {"class": "arraygrad.nn.layers:Linear"}}},
    {"format": 2, "tree": {"__module__": {"class": "arraygrad.nn.layers:Nope"}}},
    {"format": 2, "tree": {"__module__": {"class": "os:system"}}},
    {"format": 2, "tree": {"__whatever__": 1}},
    {"format": 2, "tree": {"a": {"__tensor__": "t", "dtype": "int32"}}},
    {"format": 2, "tree": {"__module__": {
        "id": 0, "class": "arraygrad.nn.layers:Linear", "args": [2, 2], "kwargs": {},
        "training": True, "children": {}, "parameters": {"weight": 3}, "buffers": {}}}},
    {"format": 2, "tree": {"__module__": {
        "id": 0, "class": "arraygrad.nn.layers:Linear", "args": ["x"], "kwargs": {},
        "training": True, "children": {}, "parameters": {}, "buffers": {}}}},
    {"format": 2, "tree": {"__module__": {
        "id": 0, "class": "arraygrad.nn.layers:Identity", "args": [], "kwargs": {},
        "training": True, "children": {},
        "parameters": {"w": {"__tensor__": "t", "dtype": "float64", "parameter": True}},
        "buffers": {"w": {"__tensor__": "t", "dtype": "float64"}}}}},
    {"format": 2}, {"format": "2", "tree": 1}, {"format": 3, "tree": 1}, [1, 2], "[[[[",
    json.dumps({"format": 2, "tree": [[[[[[0]]]]]]}).replace("[", "[" * 3000, 1)
    .replace("]", "]" * 3000, 1),
])
def test_malformed_documents_raise_checkpoint_error(doc):
    raw = _file(doc, [("t", np.arange(3.0))])
    with pytest.raises(CheckpointError):
        _load(raw)


def test_format_version_is_checked_and_foreign_files_are_named():
    with pytest.raises(CheckpointError, match="format version 99.*upgrade arraygrad"):
        _load(_file({"format": 99, "tree": None}))
    st = pytest.importorskip("safetensors.numpy")
    foreign = st.save({"w": np.ones(2, np.float32)})
    with pytest.raises(CheckpointError, match="not an arraygrad checkpoint"):
        _load(foreign)


def test_files_honour_the_umask(tmp_path):
    old = os.umask(0o022)
    try:
        ag.save({"a": ag.ones(1)}, tmp_path / "a.safetensors")
        os.umask(0o077)
        ag.save({"a": ag.ones(1)}, tmp_path / "b.safetensors")
    finally:
        os.umask(old)
    if os.name != "nt":
        assert os.stat(tmp_path / "a.safetensors").st_mode & 0o777 == 0o644
        assert os.stat(tmp_path / "b.safetensors").st_mode & 0o777 == 0o600


def test_failed_save_keeps_the_old_file(tmp_path):
    path = tmp_path / "ck.safetensors"
    ag.save({"a": ag.ones(2)}, path)
    with pytest.raises(TypeError, match="cannot save an object of type object"):
        ag.save({"a": object()}, path)
    assert ag.load(path)["a"].tolist() == [1.0, 1.0]
    assert os.listdir(tmp_path) == ["ck.safetensors"]


_KILLED_SAVE = """
import os, sys
import arraygrad as ag
from arraygrad.serialization import _format
ag.save({"w": ag.zeros(1000), "v": ag.zeros(1000)}, sys.argv[1])  # the previous checkpoint
chunks = []
def die(fh, data):
    chunks.append(data)
    if len(chunks) == 2:  # half the tensor bytes written: the process is killed
        fh.flush()
        os._exit(9)
    fh.write(data)
_format.write_chunk = die
ag.save({"w": ag.ones(1000), "v": ag.ones(1000)}, sys.argv[1])
"""


def test_a_killed_save_leaves_a_hidden_temporary_that_never_loads(tmp_path):
    path = tmp_path / "ck.safetensors"
    done = subprocess.run([sys.executable, "-c", textwrap.dedent(_KILLED_SAVE), str(path)],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 9, done.stderr
    assert glob.glob(str(tmp_path / "*.safetensors")) == [str(path)]
    temps = [n for n in os.listdir(tmp_path) if n != "ck.safetensors"]
    assert len(temps) == 1 and temps[0].startswith(".ck.safetensors.tmp-")
    temp = tmp_path / temps[0]
    assert ag.load(path)["w"].tolist() == [0.0] * 1000  # the old checkpoint is intact
    with pytest.raises(CheckpointError, match="unfinished temporary"):
        ag.load(temp)
    renamed = tmp_path / "renamed.safetensors"  # even renamed, the partial file never loads
    renamed.write_bytes(temp.read_bytes())
    with pytest.raises(CheckpointError, match="truncated"):
        ag.load(renamed)
    padded = tmp_path / "padded.safetensors"  # nor with its missing bytes zero-filled
    raw = temp.read_bytes()
    (size,) = struct.unpack("<Q", raw[:8])
    header = json.loads(raw[8:8 + size])
    need = 8 + size + max(v["data_offsets"][1] for k, v in header.items() if k[0] != "_")
    padded.write_bytes(raw + b"\0" * (need - len(raw)))
    with pytest.raises(CheckpointError, match="checksum"):
        ag.load(padded)
    # a live process's temporary is left alone; the dead one's is removed by the next save
    live = tmp_path / f".ck.safetensors.tmp-{os.getppid()}-0123abcd"
    live.write_bytes(b"")
    other = tmp_path / ".other.safetensors.tmp-999999999-0123abcd"  # another file's
    other.write_bytes(b"")
    ag.save({"w": ag.ones(2)}, path)
    assert sorted(os.listdir(tmp_path)) == sorted(
        [live.name, other.name, "ck.safetensors", "renamed.safetensors",
         "padded.safetensors"])


_JAX_32 = """
import io, numpy as np, arraygrad as ag
buffer = io.BytesIO()
ag.save({"big": ag.tensor(np.array([2**40, 1])), "small": ag.tensor(np.array([5, -6])),
         "f": ag.tensor(np.array([0.1, 1e300]))}, buffer)
raw = buffer.getvalue()
for kwargs in [{}, {"downcast": True}]:
    try:
        ag.load(io.BytesIO(raw), backend="jax", **kwargs)
        print("LOADED")
    except (TypeError, OverflowError) as exc:
        print(type(exc).__name__, exc)
buffer = io.BytesIO()
ag.save({"small": ag.tensor(np.array([5, -6])), "f": ag.tensor(np.array([0.1, -2.5]))}, buffer)
out = ag.load(io.BytesIO(buffer.getvalue()), map_location="jax", downcast=True)
print("DOWNCAST", out["small"].dtype, out["small"].tolist(), out["f"].dtype,
      np.float32(0.1) == out["f"].numpy(force=True)[0])
"""


def test_64_bit_values_never_truncate_silently_on_32_bit_jax():
    pytest.importorskip("jax")
    env = dict(os.environ, JAX_ENABLE_X64="0", JAX_PLATFORMS="cpu")
    done = subprocess.run([sys.executable, "-c", _JAX_32], capture_output=True, text=True,
                          timeout=120, env=env)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[0].startswith("TypeError") and "'big' is int64" in lines[0]
    assert "JAX_ENABLE_X64" in lines[0] and "downcast=True" in lines[0]
    assert lines[1].startswith("OverflowError") and "'big'" in lines[1]
    assert lines[2] == "DOWNCAST arraygrad.int32 [5, -6] arraygrad.float32 True"
