"""``chainsaws.utils.error_utils``: the seed's path to lambdakit's errors."""

from lambdakit.errors import AppError, DynamoDBError, RequestError, ValidationError

__all__ = ["AppError", "DynamoDBError", "RequestError", "ValidationError"]
