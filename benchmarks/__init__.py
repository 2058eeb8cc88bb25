"""Benchmarks of lambdakit beside Powertools and Chalice: ``scripts/bench`` (see README.md).

Every measurement runs in a subprocess of the interpreter it measures: lambdakit's from the
repository's ``.venv``, the peers' from their own virtual environment, never in one process.
"""
