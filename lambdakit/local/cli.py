"""``lambdakit serve``: the local API Gateway's command line.

lambdakit serve --http app:handler --websocket ws:handler [--port 3000]
lambdakit serve --websocket ws:handler --authorizer auth:handler
lambdakit serve --template template.yaml [--dynamodb local] [--parameter-overrides K=V]

Each function runs in execution environments of its own (worker processes on AWS's runtime
client); ``--in-process`` calls the handlers in the server's process instead.
"""

from __future__ import annotations

import argparse
import dataclasses
import json
import os
import sys
from collections.abc import Sequence
from typing import Any

from lambdakit.local.config import (
    DEFAULT_ROUTE_SELECTION,
    DEFAULT_STAGE,
    Authorizer,
    FunctionRef,
    GatewayConfig,
    HttpRoute,
    Limits,
    WebSocketApi,
)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lambdakit", description=__doc__.split("\n")[0])
    commands = parser.add_subparsers(dest="command", required=True)
    serve = commands.add_parser(
        "serve",
        help="serve Lambda handlers over HTTP and WebSocket on localhost",
        description="Serve Lambda handlers as API Gateway would: HTTP routes, a WebSocket API "
        "and @connections, on one port.",
    )
    serve.add_argument("--http", metavar="MODULE:FUNC", help="the HTTP handler (every path)")
    serve.add_argument(
        "--websocket", metavar="MODULE:FUNC", help="the WebSocket handler (every route key)"
    )
    serve.add_argument(
        "--authorizer",
        metavar="MODULE:FUNC",
        help="a Lambda REQUEST authorizer for the WebSocket API's $connect",
    )
    serve.add_argument(
        "--identity-source",
        action="append",
        default=[],
        metavar="SOURCE",
        help="an identity source of --authorizer (route.request.header.NAME or "
        "route.request.querystring.NAME); repeatable. Without it: 401, the function not called",
    )
    serve.add_argument(
        "--template", metavar="PATH", help="a SAM/CloudFormation template to read the routes from"
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument(
        "--stage",
        default=None,
        help=f"the stage (default: the template's WebSocket stage, else {DEFAULT_STAGE!r})",
    )
    serve.add_argument(
        "--parameter-overrides",
        nargs="+",
        action="extend",
        default=[],
        metavar="KEY=VALUE",
        help="template parameters, as sam has them: Key=Value Key2=Value2",
    )
    serve.add_argument(
        "--tls",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="also listen with TLS, with a local CA made on first run (default on)",
    )
    serve.add_argument(
        "--tls-port", type=int, default=None, help="the TLS port (default: --port + 443)"
    )
    serve.add_argument(
        "--dynamodb",
        choices=("local",),
        default=None,
        help="'local': start DynamoDB Local (or use AWS_ENDPOINT_URL_DYNAMODB) and create the "
        "template's tables",
    )
    serve.add_argument(
        "--install",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="install each function's requirements.txt into an environment of its own "
        "(default on; --no-install says what is missing)",
    )
    serve.add_argument(
        "--max-concurrency",
        type=int,
        default=4,
        help="execution environments per function at most (default 4)",
    )
    serve.add_argument(
        "--in-process",
        action="store_true",
        help="call handlers in the server process (no isolation: for lambdakit's own tests)",
    )
    serve.add_argument(
        "--payload-version",
        choices=("1.0", "2.0"),
        default="1.0",
        help="the event shape for --http: 1.0 REST API (default), 2.0 HTTP API",
    )
    serve.add_argument("--route-selection-expression", default=DEFAULT_ROUTE_SELECTION)
    serve.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds a function may run (with --http/--websocket)",
    )
    serve.add_argument("--idle-timeout", type=float, default=Limits.idle_timeout)
    serve.add_argument("--max-duration", type=float, default=Limits.max_duration)
    serve.add_argument(
        "--reload",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="restart a function's workers when its code changes (default on)",
    )
    return parser


def build_config(args: argparse.Namespace) -> GatewayConfig:
    limits = Limits(idle_timeout=args.idle_timeout, max_duration=args.max_duration)
    if args.template:
        from lambdakit.local.intrinsics import parse_overrides
        from lambdakit.local.template import config_from_template

        try:
            overrides = parse_overrides(args.parameter_overrides)
            config = config_from_template(
                args.template, stage=args.stage, limits=limits, overrides=overrides
            )
        except ValueError as error:
            raise SystemExit(f"lambdakit serve: {error}") from None
    else:
        config = GatewayConfig(stage=args.stage or DEFAULT_STAGE, limits=limits)
    if args.http:
        function = FunctionRef(args.http, args.timeout)
        config = dataclasses.replace(
            config,
            http_routes=(
                *config.http_routes,
                HttpRoute("ANY", "$default", function, args.payload_version),
            ),
        )
    if args.websocket:
        config = dataclasses.replace(
            config,
            websocket=WebSocketApi(
                routes={},
                route_selection_expression=args.route_selection_expression,
                catch_all=FunctionRef(args.websocket, args.timeout),
            ),
        )
    if not config.http_routes and config.websocket is None:
        raise SystemExit(
            "lambdakit serve: nothing to serve: give --http, --websocket or --template"
        )
    if args.authorizer:
        if config.websocket is None:
            raise SystemExit("lambdakit serve: --authorizer needs a WebSocket API")
        authorizer = Authorizer(
            FunctionRef(args.authorizer, args.timeout), tuple(args.identity_source)
        )
        config = dataclasses.replace(
            config, websocket=dataclasses.replace(config.websocket, authorizer=authorizer)
        )
    return config


def config_to_json(config: GatewayConfig) -> dict[str, Any]:
    return dataclasses.asdict(config)


def config_from_json(data: dict[str, Any]) -> GatewayConfig:
    def function(value: dict[str, Any]) -> FunctionRef:
        return FunctionRef.from_dict(value)

    websocket = data.get("websocket")
    authorizer = (websocket or {}).get("authorizer")
    return GatewayConfig(
        http_routes=tuple(
            HttpRoute(r["method"], r["path"], function(r["function"]), r["payload_version"])
            for r in data["http_routes"]
        ),
        websocket=WebSocketApi(
            routes={k: function(v) for k, v in websocket["routes"].items()},
            route_selection_expression=websocket["route_selection_expression"],
            catch_all=function(websocket["catch_all"]) if websocket["catch_all"] else None,
            authorizer=Authorizer(
                function(authorizer["function"]), tuple(authorizer["identity_sources"])
            )
            if authorizer
            else None,
        )
        if websocket
        else None,
        stage=data["stage"],
        limits=Limits(**data["limits"]),
        functions=tuple(function(f) for f in data.get("functions") or ()),
    )


def prepare_environment(host: str, port: int, stage: str) -> None:
    """What handlers find under the local gateway: the ``@connections`` endpoint, the
    embedded connection store (unless a DynamoDB endpoint is configured), tracebacks in error
    bodies (only while the server is bound to loopback: never to other machines), and dummy
    credentials so boto3 signs its local calls."""
    client_host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    os.environ.setdefault("LAMBDAKIT_WS_ENDPOINT", f"http://{client_host}:{port}/{stage}")
    dynamodb_configured = any(
        os.environ.get(n) for n in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL")
    )
    if not dynamodb_configured:
        os.environ.setdefault("LAMBDAKIT_CONNECTION_STORE", "sqlite")
    if _is_loopback(host):
        os.environ.setdefault("LAMBDAKIT_TRACEBACK", "1")
    os.environ.setdefault("AWS_REGION", "us-east-1")
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])
    if not os.environ.get("AWS_ACCESS_KEY_ID") and not os.environ.get("AWS_PROFILE"):
        os.environ["AWS_ACCESS_KEY_ID"] = "local"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105 - not a secret: local only


def _is_loopback(host: str) -> bool:
    import ipaddress

    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:  # a host name: it may resolve to anything
        return False


def main(argv: Sequence[str] | None = None) -> None:
    args = _parser().parse_args(argv)
    try:
        import uvicorn
    except ImportError:
        raise SystemExit(
            "lambdakit serve needs the server: pip install 'lambdakit[local]'"
        ) from None
    sys.path.insert(0, os.getcwd())
    config = build_config(args)
    from lambdakit.local.app import CONFIG_ENV, LocalGateway
    from lambdakit.local.invoker import InProcessInvoker

    os.environ[CONFIG_ENV] = json.dumps(config_to_json(config))
    prepare_environment(args.host, args.port, config.stage)
    options: dict[str, Any] = {
        "host": args.host,
        "port": args.port,
        "ws": "websockets-sansio",
        "ws_max_size": config.limits.max_message_bytes,
        "ws_ping_interval": None,
        "log_level": "info",
        "access_log": False,
        "lifespan": "on",
    }
    if not args.in_process:
        from lambdakit.local.serve import run

        run(args, config, options)
        return
    shown = "127.0.0.1" if args.host in ("0.0.0.0", "::") else args.host  # noqa: S104
    print(f"lambdakit local API Gateway (stage {config.stage!r})")
    if config.http_routes:
        print(f"  HTTP:          http://{shown}:{args.port}")
    if config.websocket is not None:
        print(f"  WebSocket:     ws://{shown}:{args.port}/{config.stage}")
        print(f"  @connections:  http://{shown}:{args.port}/{config.stage}/@connections")
    sys.stdout.flush()
    if args.reload:
        uvicorn.run(
            "lambdakit.local.app:app_from_environment",
            factory=True,
            reload=True,
            reload_dirs=[os.getcwd()],
            **options,
        )
    else:
        uvicorn.run(LocalGateway(config, InProcessInvoker()), **options)


if __name__ == "__main__":
    main()
