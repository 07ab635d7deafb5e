"""Benchmarks of qoder_async against the floors and the official SDK: ``python -m benchmarks``.

Not part of the test suite. See ``RESULTS.md`` for the method and the figures.
"""
