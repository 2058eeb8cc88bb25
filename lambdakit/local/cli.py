"""``lambdakit serve``: the local API Gateway's command line.

lambdakit serve --http app:handler --websocket ws:handler [--port 3000]
lambdakit serve --websocket ws:handler --authorizer auth:handler
lambdakit serve --template template.yaml
lambdakit serve --template template.yaml --host 0.0.0.0 --allowed-host devbox.lan
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

from lambdakit.local.access import WILDCARD_HOSTS, is_loopback
from lambdakit.local.config import (
    DEFAULT_ROUTE_SELECTION,
    DEFAULT_STAGE,
    Authorizer,
    FunctionRef,
    GatewayConfig,
    HttpRoute,
    Limits,
    ServerOptions,
    WebSocketApi,
    config_to_json,
)
from lambdakit.settings import LOCAL_CONFIG_ENV


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
        "--jwks",
        metavar="FILE_OR_URL",
        default="",
        help="the JSON Web Key Set the template's JWT authorizers verify tokens with (a file "
        "works offline); without it their routes answer 401",
    )
    serve.add_argument(
        "--host", default="127.0.0.1", help="address to bind (default 127.0.0.1: this machine only)"
    )
    serve.add_argument("--port", type=int, default=3000)
    serve.add_argument(
        "--allowed-host",
        action="append",
        default=[],
        metavar="NAME",
        help="a Host the server answers besides loopback names and addresses and the --host "
        "address (.example.test: with its subdomains; '*': any, which lets DNS rebinding in); "
        "repeatable. Other Hosts get 403",
    )
    serve.add_argument(
        "--allow-origin",
        action="append",
        default=[],
        metavar="ORIGIN",
        help="a browser Origin (https://app.example.test) that may open WebSockets besides "
        "loopback pages; repeatable. Other Origins get 403",
    )
    defaults = ServerOptions()
    serve.add_argument(
        "--header-timeout",
        type=float,
        default=defaults.header_timeout,
        help="seconds a client has to send a request's headers (default %(default)s)",
    )
    serve.add_argument(
        "--body-timeout",
        type=float,
        default=defaults.body_timeout,
        help="seconds a client has to send a request's body (default %(default)s)",
    )
    serve.add_argument("--keep-alive-timeout", type=float, default=defaults.keep_alive_timeout)
    serve.add_argument(
        "--max-connections",
        type=int,
        default=defaults.max_connections,
        help="open connections (HTTP and WebSocket) past which requests get 503 "
        "(default %(default)s)",
    )
    serve.add_argument(
        "--stage",
        default=None,
        help="the stage of the REST and WebSocket APIs (default: the template's StageName, "
        f"else {DEFAULT_STAGE!r}); REST APIs also answer without it",
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
        "--route-responses",
        choices=("all", "template"),
        default=None,
        help="which WebSocket routes send their result back to the client: 'template' (those "
        "with a route response in the template, as on AWS: default with --template) or 'all' "
        "(default with --websocket)",
    )
    serve.add_argument(
        "--binary-media-type",
        action="append",
        default=[],
        metavar="TYPE",
        help="a request Content-Type a REST API passes base64-encoded (image/png, image/*, "
        "*/*), as the API's BinaryMediaTypes; repeatable. Other bodies are passed as text",
    )
    serve.add_argument(
        "--timeout",
        type=float,
        default=30.0,
        help="seconds a function may run (with --http/--websocket)",
    )
    serve.add_argument("--idle-timeout", type=float, default=Limits.idle_timeout)
    serve.add_argument("--max-duration", type=float, default=Limits.max_duration)
    serve.add_argument(
        "--skip-unsupported-auth",
        action="store_true",
        help="serve routes whose authorizer cannot run locally (Cognito, IAM, unknown) without "
        "it; by default they answer 500, as API Gateway does for a broken authorizer",
    )
    serve.add_argument(
        "--reload",
        action=argparse.BooleanOptionalAction,
        default=True,
        help="restart a function's workers when its code changes (default on)",
    )
    return parser


def server_options(args: argparse.Namespace) -> ServerOptions:
    bound = [] if args.host in WILDCARD_HOSTS or is_loopback(args.host) else [args.host]
    return ServerOptions(
        allowed_hosts=(*bound, *args.allowed_host),
        allowed_origins=tuple(args.allow_origin),
        header_timeout=args.header_timeout,
        body_timeout=args.body_timeout,
        keep_alive_timeout=args.keep_alive_timeout,
        max_connections=args.max_connections,
    )


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
    config = dataclasses.replace(
        config,
        server=server_options(args),
        binary_media_types=(*config.binary_media_types, *args.binary_media_type),
        jwks=args.jwks,
    )
    if args.skip_unsupported_auth:  # on purpose: such routes are served without authorizer
        routes = config.http_routes
        config = dataclasses.replace(
            config,
            http_routes=tuple(
                dataclasses.replace(r, authorizer=None)
                if r.authorizer and r.authorizer.kind == "UNSUPPORTED"
                else r
                for r in routes
            ),
        )
    jwt_routes = [r for r in config.http_routes if r.authorizer and r.authorizer.kind == "JWT"]
    if jwt_routes and not args.jwks:
        print(
            f"warning: {len(jwt_routes)} route(s) have a JWT authorizer and no --jwks was "
            "given: they answer 401 (give --jwks FILE_OR_URL with the issuer's keys)",
            file=sys.stderr,
        )
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
                # No template, no route responses to read: two-way unless told otherwise.
                all_route_responses=args.route_responses != "template",
            ),
        )
    elif config.websocket is not None and args.route_responses == "all":
        config = dataclasses.replace(
            config, websocket=dataclasses.replace(config.websocket, all_route_responses=True)
        )
    # A template whose functions no API routes to still serves them through the Invoke API
    # (as `sam local start-lambda` does).
    if not config.http_routes and config.websocket is None and not config.functions:
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


def template_warnings(args: argparse.Namespace) -> tuple[str, ...]:
    """What the template has that the local gateway cannot honour (printed at start-up)."""
    if not args.template:
        return ()
    from lambdakit.local.intrinsics import parse_overrides
    from lambdakit.local.template import read_template, start_up_notes

    overrides = parse_overrides(args.parameter_overrides)
    local = read_template(args.template, stage=args.stage, overrides=overrides)
    return start_up_notes(local, websocket_flag=bool(args.websocket))


def url_host(host: str) -> str:
    """The host part of a URL that reaches a server bound to ``host``: loopback for a
    wildcard bind, IPv6 in brackets (``http://::1:3000`` is not a URL; botocore refuses it)."""
    if host in WILDCARD_HOSTS:
        host = "::1" if host == "::" else "127.0.0.1"  # asyncio binds "::" as IPv6 only
    return f"[{host}]" if ":" in host else host


def prepare_environment(host: str, port: int, stage: str) -> None:
    """What handlers find under the local gateway: the ``@connections`` endpoint, the
    embedded connection store (unless a DynamoDB endpoint is configured), tracebacks in error
    bodies (only while the server is bound to loopback: never to other machines), and dummy
    credentials so boto3 signs its local calls."""
    os.environ.setdefault("LAMBDAKIT_WS_ENDPOINT", f"http://{url_host(host)}:{port}/{stage}")
    dynamodb_configured = any(
        os.environ.get(n) for n in ("AWS_ENDPOINT_URL_DYNAMODB", "AWS_ENDPOINT_URL")
    )
    if not dynamodb_configured:
        os.environ.setdefault("LAMBDAKIT_CONNECTION_STORE", "sqlite")
    # One file for every function: each worker's working directory is its own CodeUri.
    os.environ.setdefault(
        "LAMBDAKIT_SQLITE_PATH", os.path.abspath(os.path.join(".lambdakit", "connections.sqlite3"))
    )
    if is_loopback(host):
        os.environ.setdefault("LAMBDAKIT_TRACEBACK", "1")
    os.environ.setdefault("AWS_REGION", "us-east-1")
    os.environ.setdefault("AWS_DEFAULT_REGION", os.environ["AWS_REGION"])
    if not os.environ.get("AWS_ACCESS_KEY_ID") and not os.environ.get("AWS_PROFILE"):
        os.environ["AWS_ACCESS_KEY_ID"] = "local"
        os.environ["AWS_SECRET_ACCESS_KEY"] = "local"  # noqa: S105 - not a secret: local only


def exposure_warning(host: str, config: GatewayConfig) -> str | None:
    """What binding ``host`` exposes to other machines, or ``None`` for loopback."""
    if is_loopback(host):
        return None
    where = (
        "every network interface of this machine"
        if host in WILDCARD_HOSTS
        else f"{host}, which other machines can reach"
    )
    exposed = []
    if config.http_routes:
        exposed.append("your HTTP functions")
    if config.websocket is not None:
        exposed.append(
            "the WebSocket API and @connections (which sends to and closes any connection)"
        )
    if config.all_functions():
        exposed.append("the Lambda Invoke API (which runs every function of the template)")
    hosts = ", ".join(config.server.allowed_hosts) or "none"
    return (
        f"WARNING: lambdakit serve is listening on {where}: {' and '.join(exposed)} can be "
        "called from the network, with this machine's AWS credentials and environment, over "
        f"plain HTTP. Hosts answered besides loopback: {hosts} (add more with --allowed-host). "
        "This is a development server: bind 127.0.0.1 unless you need otherwise."
    )


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
    from lambdakit.local.app import LocalGateway
    from lambdakit.local.invoker import InProcessInvoker
    from lambdakit.local.server import uvicorn_options

    os.environ[LOCAL_CONFIG_ENV] = json.dumps(config_to_json(config))
    prepare_environment(args.host, args.port, config.stage)
    shown = url_host(args.host)
    warning = exposure_warning(args.host, config)
    if warning is not None:
        print(warning, file=sys.stderr, flush=True)
    options: dict[str, Any] = {
        **uvicorn_options(config),
        "host": args.host,
        "port": args.port,
        "log_level": "info",
        "access_log": False,
        "lifespan": "on",
    }
    if not args.in_process:
        from lambdakit.local.serve import run

        run(args, config, options, shown)
        return
    print(f"lambdakit local API Gateway (stage {config.stage!r})")
    if config.http_routes:
        print(f"  HTTP:          http://{shown}:{args.port}")
    if any(route.payload_version == "1.0" for route in config.http_routes):
        print(f"  REST stage:    http://{shown}:{args.port}/{config.rest_stage_name} (and at /)")
    if config.websocket is not None:
        print(f"  WebSocket:     ws://{shown}:{args.port}/{config.stage}")
        print(f"  @connections:  http://{shown}:{args.port}/{config.stage}/@connections")
    for warning in template_warnings(args):
        print(f"  warning: {warning}")
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
