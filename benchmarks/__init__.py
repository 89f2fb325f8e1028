"""Reproducible speed and memory comparisons of arraygrad against NumPy, PyTorch and JAX.

Run everything with ``python -m benchmarks.run`` (see docs/performance.md).
"""
