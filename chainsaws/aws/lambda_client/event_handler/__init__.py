"""Seed paths: ``...event_handler.websocket`` and ``...event_handler.websocket_connection``."""
