"""``chainsaws.aws.lambda_client.event_handler.websocket``: the resolver and its middleware."""

from lambdakit.websocket.resolver import Middleware, WebSocketResolver

__all__ = ["Middleware", "WebSocketResolver"]
