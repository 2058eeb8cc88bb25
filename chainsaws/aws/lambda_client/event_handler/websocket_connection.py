"""``chainsaws.aws.lambda_client.event_handler.websocket_connection``: connection state."""

from lambdakit.errors import DynamoDBError
from lambdakit.websocket.connections import APIGatewayWSConnectionManager, WebSocketConnection

__all__ = ["APIGatewayWSConnectionManager", "DynamoDBError", "WebSocketConnection"]
