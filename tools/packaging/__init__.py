"""Build the chat example's Lambda deployment artifact and check it in a clean interpreter.

Run it as ``scripts/package`` (or ``python -m tools.packaging``). Standard library only, so it
runs with any Python 3.10+ that has pip.
"""
