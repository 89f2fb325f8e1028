"""Fixtures for the layer, optimizer and training tests."""

import sys

import pytest


@pytest.fixture(autouse=True)
def _one_torch_thread():
    """Tests that compare with PyTorch run small ops: its thread pool only spins (up to 50x
    slower on a loaded machine), so PyTorch gets one thread while a test runs (if imported)."""
    torch = sys.modules.get("torch")
    if torch is None:
        yield
        return
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)
