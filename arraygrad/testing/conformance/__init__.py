"""The backend conformance kit.

A backend author checks a backend plugin with one command::

    pytest --pyargs arraygrad.testing.conformance --arraygrad-backend NAME

It runs, on backend ``NAME``: every row of the op table
(:mod:`arraygrad.testing.op_table`) forward against NumPy in float32 and float64, and
through ``gradcheck`` in float64; random-number reproducibility under ``manual_seed`` and
loose statistical checks; ``scatter_add`` with repeated indices; host and DLPack round trips
and differentiable moves to and from the NumPy backend; in-place operations on mutable and
immutable arrays; and the error behaviours (mixed backends, shape mismatches). At the end
it prints what the backend lacks (``missing: float64, ...``) and which checks failed,
grouped by category.
"""
