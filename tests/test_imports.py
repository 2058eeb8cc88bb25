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
