"""A small HTTP API on lambdakit: the example the README's main command runs.

Deploy ``handler`` behind a REST API, an HTTP API, an ALB or a Function URL: it reads the same.
"""

from __future__ import annotations

from dataclasses import dataclass

from lambdakit import AppError, CorsConfig, LambdaEvent, aws_lambda_handler, get_body


@dataclass
class Greeting:
    name: str
    times: int = 1


def notify(report: str) -> None:
    """Stands in for Slack, SNS or a pager: prints the (already redacted) report."""
    print(f"--- error report ---\n{report}\n--------------------")


@aws_lambda_handler(
    error_receiver=notify,
    ignore_app_errors=["B00404"],
    cors=CorsConfig(
        allow_origins=("http://localhost:3000",),
        allow_methods=("GET", "POST"),
        allow_headers=("Content-Type",),
    ),
)
def handler(event: dict[str, object], context: object) -> object:
    request = LambdaEvent.from_event(event)
    if request.http_method == "GET" and request.path == "/hello":
        name = request.query_string_parameters.get("name", "world")
        return {"greeting": f"Hello, {name}!", "from": request.requestContext.get_source_ip()}
    if request.http_method == "POST" and request.path == "/hello":
        greeting = get_body(event, Greeting)
        return {"greeting": " ".join([f"Hello, {greeting.name}!"] * greeting.times)}
    if request.path == "/boom":
        raise RuntimeError("something broke")
    raise AppError("B00404", f"No route for {request.http_method} {request.path}", status_code=404)
