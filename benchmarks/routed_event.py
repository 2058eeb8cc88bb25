"""The first request of the routed cold-start measurement, as a literal (no imports): a REST v1
``GET /things0/42?limit=5``, the same for every subject."""

FIRST_EVENT = {
    "resource": "/things0/{item_id}",
    "path": "/things0/42",
    "httpMethod": "GET",
    "headers": {"Accept": "application/json", "Host": "abc.execute-api.us-east-1.amazonaws.com"},
    "multiValueHeaders": {
        "Accept": ["application/json"],
        "Host": ["abc.execute-api.us-east-1.amazonaws.com"],
    },
    "queryStringParameters": {"limit": "5"},
    "multiValueQueryStringParameters": {"limit": ["5"]},
    "pathParameters": {"item_id": "42"},
    "stageVariables": None,
    "requestContext": {
        "resourcePath": "/things0/{item_id}",
        "httpMethod": "GET",
        "path": "/prod/things0/42",
        "stage": "prod",
        "requestId": "c6af9ac6-7b61-11e6-9a41-93e8deadbeef",
        "accountId": "123456789012",
        "apiId": "abc",
        "identity": {"sourceIp": "203.0.113.10"},
    },
    "body": None,
    "isBase64Encoded": False,
}
