"""Seed path: ``chainsaws.aws``."""
