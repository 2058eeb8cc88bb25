"""Seed paths: ``chainsaws.utils.handler_utils`` and ``chainsaws.utils.error_utils``."""
