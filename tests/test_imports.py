from __future__ import annotations

import subprocess
import sys

import pytest

import chainsaws.utils.error_utils
import chainsaws.utils.handler_utils
import lambdakit

HEAVY = (
    "{'boto3', 'botocore', 'pydantic', 'asyncio', 'concurrent.futures', 'typing',"
    " 'dataclasses', 'inspect', 'logging', 'threading', 'http', 'traceback', 'datetime'}"
)


@pytest.mark.parametrize(
    "modules",
    [
        pytest.param("lambdakit, chainsaws.utils.handler_utils", id="http"),
        pytest.param(
            "lambdakit.websocket, chainsaws.aws.lambda_client.event_handler.websocket",
            id="websocket-resolver",
        ),
        pytest.param(
            "chainsaws.aws.lambda_client.event_handler.websocket_connection",
            id="connection-manager",
        ),
    ],
)
def test_core_import_loads_no_optional_or_heavy_modules(modules):
    # Cold start: importing lambdakit costs json and little else. Each module named here
    # costs milliseconds on every cold start (typing alone ~2 ms, dataclasses ~5 ms).
    code = f"import sys, {modules}; print(sorted({HEAVY} & set(sys.modules)))"
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "[]"


def test_sync_handler_call_does_not_import_asyncio():
    code = (
        "import sys; from lambdakit import aws_lambda_handler;"
        "from lambdakit.testing import rest_event;"
        "aws_lambda_handler()(lambda e, c: {'ok': 1})(rest_event(), None);"
        "print('asyncio' in sys.modules)"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip() == "False"


def test_all_names_are_exported():
    for name in lambdakit.__all__:
        assert hasattr(lambdakit, name), name


@pytest.mark.parametrize(
    "module", [chainsaws.utils.handler_utils, chainsaws.utils.error_utils], ids=lambda m: m.__name__
)
def test_seed_paths_re_export_the_same_objects(module):
    for name in module.__all__:
        assert getattr(module, name) is getattr(lambdakit, name), name


def test_first_answer_with_default_options_loads_no_error_path():
    # What only failures, base64 bodies and log records need loads when they happen: each
    # module is a tenth of a millisecond or more of cold start (binascii, a shared library,
    # about 0.4 ms). A failure still answers with the error path loaded then.
    # The event is written out: lambdakit.testing loads base64, and with it binascii.
    code = (
        "import sys; from lambdakit import aws_lambda_handler;"
        "event = {'httpMethod': 'GET', 'path': '/', 'headers': {}, 'requestContext': {}};"
        "ok = aws_lambda_handler()(lambda e, c: {'ok': 1})(event, None);"
        "print(sorted({'binascii', 'lambdakit._error_path', 'lambdakit._logger'}"
        " & set(sys.modules)));"
        "failed = aws_lambda_handler()(lambda e, c: 1 / 0)(event, None);"
        "print(ok['statusCode'], failed['statusCode'], 'S99999' in failed['body'])"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    lines = result.stdout.strip().splitlines()  # the failure's log record between the two
    assert (lines[0], lines[-1]) == ("[]", "200 200 True")


def test_routed_first_answer_with_plain_hints_loads_no_typing_or_markers():
    # HttpResolver's cold start: a route whose parameters are plain classes (int, a body
    # read from the event) is bound from its code object and annotations, without typing or
    # inspect; markers, the error path and binascii load when something needs them.
    code = (
        "from __future__ import annotations\n"
        "import sys\n"
        "from lambdakit import HttpResolver, LambdaEvent\n"
        "app = HttpResolver()\n"
        "@app.get('/things/{item_id}')\n"
        "def get_thing(item_id: int, request: LambdaEvent, limit: int = 10) -> dict:\n"
        "    return {'item_id': item_id, 'limit': limit}\n"
        "event = {'httpMethod': 'GET', 'path': '/things/4', 'headers': {}, 'requestContext': {},"
        " 'queryStringParameters': {'limit': '5'}}\n"
        "answer = app(event, None)\n"
        f"print(sorted(({HEAVY} | {{'binascii', 'lambdakit.router._markers',"
        " 'lambdakit._error_path'}) & set(sys.modules)))\n"
        "print(answer['statusCode'], '\"limit\":5' in answer['body'])\n"
    )
    result = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, check=True
    )
    assert result.stdout.strip().splitlines() == ["[]", "200 True"]
