"""PyTorch's process-wide switches (``torch.backends.cudnn.benchmark``, thread counts,
matmul precision, deterministic algorithms): accepted, validated and read back as in
PyTorch, with no effect on arraygrad's numbers."""

from __future__ import annotations

import pytest

import arraygrad as ag
import arraygrad.torch_compat as torch_like
from arraygrad import runtime_flags as rf


def test_torch_backends_switches_run_unchanged():
    cudnn = torch_like.backends.cudnn
    before = cudnn.benchmark
    try:
        cudnn.benchmark = True
        cudnn.deterministic = True
        assert ag.backends.cudnn.benchmark is True  # one object, under both names
    finally:
        cudnn.benchmark = before
        cudnn.deterministic = False
    assert torch_like.backends.mps.is_available() is False
    assert torch_like.backends.cuda.matmul.allow_tf32 is False
    assert "numpy" in torch_like.backends.available()  # still arraygrad's registry


def test_thread_precision_and_determinism_switches_read_back():
    threads = rf.get_num_threads()
    try:
        rf.set_num_threads(1)
        assert rf.get_num_threads() == 1
        with pytest.raises(RuntimeError, match="positive"):
            rf.set_num_threads(0)
    finally:
        rf.set_num_threads(threads)
    rf.set_float32_matmul_precision("high")
    assert rf.get_float32_matmul_precision() == "high"
    rf.set_float32_matmul_precision("highest")
    with pytest.raises(RuntimeError, match="Invalid precision"):
        rf.set_float32_matmul_precision("low")
    rf.use_deterministic_algorithms(True, warn_only=True)
    assert rf.are_deterministic_algorithms_enabled()
    assert rf.is_deterministic_algorithms_warn_only_enabled()
    rf.use_deterministic_algorithms(False)
    assert not rf.are_deterministic_algorithms_enabled()
    with pytest.raises(TypeError, match="bool"):
        rf.use_deterministic_algorithms("yes")
