"""``lambdakit serve`` with execution environments: the pieces put together and run.

One process, one event loop: the gateway on ``--port`` (HTTP and WebSocket) and on
``--tls-port`` (the same app over TLS, with the local CA's certificate), DynamoDB Local when
asked, the workers of each function, and with ``--reload`` a watcher that restarts a function's
workers when its code changes.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import signal
import socket
import sys
from pathlib import Path
from typing import Any

from lambdakit.local.config import FunctionRef, GatewayConfig
from lambdakit.local.dependencies import DependenciesFailed, Environments
from lambdakit.local.endpoints import Endpoints
from lambdakit.local.workers import WorkerInvoker


def _free(port: int) -> bool:
    with socket.socket() as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def tls_port_for(args: argparse.Namespace) -> int:
    """``--tls-port``, else ``--port`` + 443 (3443 for 3000) when free, else any free port."""
    if args.tls_port is not None:
        return int(args.tls_port)
    wanted = int(args.port) + 443
    if wanted < 65536 and _free(wanted):
        return wanted
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def run(
    args: argparse.Namespace, config: GatewayConfig, options: dict[str, Any], shown: str
) -> None:
    """Serve ``config`` with worker processes; ``shown`` is the host part of the URLs that reach
    the server (``cli.url_host``)."""
    # uvicorn re-raises the SIGTERM it caught once it has shut down; with the default handler
    # that ends the process before the clean-up below (workers, DynamoDB Local) runs.
    previous = signal.signal(signal.SIGTERM, _terminate)
    try:
        asyncio.run(_main(args, config, options, shown))
    finally:
        signal.signal(signal.SIGTERM, previous)


def tls_notes(config: GatewayConfig, *, tls: bool) -> list[str]:
    """What ``--no-tls`` takes from a WebSocket app: the AWS samples' callback URL."""
    if tls or config.websocket is None:
        return []
    return [
        '--no-tls: a WebSocket function\'s endpoint_url=f"https://{domainName}/{stage}" cannot '
        "reach @connections (this server has no TLS listener); the template's execute-api URLs "
        "(ApiEndpoint) are made http:// and still do"
    ]


def _terminate(signum: int, frame: object) -> None:
    raise SystemExit(128 + signum)


async def _main(
    args: argparse.Namespace, config: GatewayConfig, options: dict[str, Any], shown: str
) -> None:
    warnings: list[str] = []
    tables: dict[str, dict[str, Any]] = {}
    if args.template:
        from lambdakit.local.intrinsics import parse_overrides
        from lambdakit.local.template import read_template, start_up_notes

        local = read_template(
            args.template,
            stage=config.stage,
            overrides=parse_overrides(args.parameter_overrides),
            region=os.environ.get("AWS_REGION") or "us-east-1",
        )
        tables = local.tables
        warnings = list(start_up_notes(local, websocket_flag=bool(args.websocket)))
    ca_bundle, https, tls_files = "", "", None
    if args.tls:
        from lambdakit.local.tls import local_ca

        tls_files = local_ca()
        tls_port = tls_port_for(args)
        ca_bundle, https = str(tls_files.ca_cert), f"https://{shown}:{tls_port}"
    warnings += tls_notes(config, tls=args.tls)
    dynamodb, dynamodb_local = await _tables(args, tables, warnings)
    endpoints = Endpoints(
        http=f"http://{shown}:{args.port}", https=https, ca_bundle=ca_bundle, dynamodb=dynamodb
    )
    try:
        await _serve(args, config, options, shown, endpoints, tls_files, warnings)
    finally:
        if dynamodb_local is not None:
            dynamodb_local.stop()


async def _serve(
    args: argparse.Namespace,
    config: GatewayConfig,
    options: dict[str, Any],
    shown: str,
    endpoints: Endpoints,
    tls_files: Any,
    warnings: list[str],
) -> None:
    import uvicorn

    from lambdakit.local.app import LocalGateway

    environments = Environments(install=args.install)
    invoker = WorkerInvoker(
        endpoints, interpreter=environments.interpreter, concurrency=args.max_concurrency
    )
    try:
        functions = config.all_functions()
        for function in functions:  # installs now rather than on the first request
            with contextlib.suppress(DependenciesFailed):  # named in the warnings below
                await environments.interpreter(function)
        warnings += environments.warnings
        app = LocalGateway(config, invoker, websocket_domain=endpoints.https_domain)
        _banner(config, endpoints, functions, warnings, shown, args.port)
        servers = [uvicorn.Server(uvicorn.Config(app, **options))]
        if tls_files is not None:
            secure = {**options, "port": int(endpoints.https.rsplit(":", 1)[1]), "lifespan": "off"}
            secure.update(ssl_certfile=str(tls_files.cert), ssl_keyfile=str(tls_files.key))
            servers.append(uvicorn.Server(uvicorn.Config(app, **secure)))
        watcher = asyncio.ensure_future(_watch(functions, invoker)) if args.reload else None
        others = [asyncio.ensure_future(server._serve()) for server in servers[1:]]
        try:
            await servers[0].serve()
        finally:
            for server in servers[1:]:
                server.should_exit = True
            for task in others:
                with contextlib.suppress(BaseException):
                    await task
            if watcher is not None:
                watcher.cancel()
    finally:
        await invoker.aclose()


async def _tables(
    args: argparse.Namespace, tables: dict[str, dict[str, Any]], warnings: list[str]
) -> tuple[str, Any]:
    """The DynamoDB endpoint for the workers (and the DynamoDB Local this server started)."""
    if args.dynamodb != "local":
        if tables:
            warnings.append(
                f"tables {sorted(tables)} are not created (lambdakit's stores use SQLite "
                "instead; boto3 calls go to AWS): run with --dynamodb local for DynamoDB "
                "Local, or the endpoint AWS_ENDPOINT_URL_DYNAMODB names"
            )
        return "", None
    from lambdakit.local.tables import DynamoDBLocal, client_for, create_tables

    started = None
    endpoint = os.environ.get("AWS_ENDPOINT_URL_DYNAMODB") or ""
    if not endpoint:
        started = DynamoDBLocal()
        endpoint = await asyncio.to_thread(started.start)
    created = await asyncio.to_thread(create_tables, client_for(endpoint), tables)
    warnings.insert(0, f"DynamoDB {endpoint}: tables created: {', '.join(created) or 'none'}")
    return endpoint, started


def _banner(
    config: GatewayConfig,
    endpoints: Endpoints,
    functions: tuple[FunctionRef, ...],
    warnings: list[str],
    shown: str,
    port: int,
) -> None:
    print(f"lambdakit local API Gateway (stage {config.stage!r})")
    if config.http_routes:
        print(f"  HTTP:          http://{shown}:{port}")
    if any(config.api_kind(route) == "REST" for route in config.http_routes):
        print(f"  REST stage:    http://{shown}:{port}/{config.rest_stage_name} (and at /)")
    for api in config.apis:
        if api.kind == "HTTP" and api.stage_name not in ("", "$default"):
            print(f"  HTTP stage:    http://{shown}:{port}/{api.stage_name} (and at /)")
    if config.websocket is not None:
        print(f"  WebSocket:     ws://{shown}:{port}/{config.stage}")
        print(f"  @connections:  http://{shown}:{port}/{config.stage}/@connections")
    if endpoints.https:
        print(f"  TLS:           {endpoints.https} (CA: {endpoints.ca_bundle})")
    print(f"  Invoke API:    {endpoints.http}/2015-03-31/functions/NAME/invocations")
    print("  signing:       @connections and Invoke take SigV4-signed requests only (as boto3)")
    for function in functions:
        root = function.code_uri or os.getcwd()
        print(f"  function {function.function_name}: {function.lambda_handler} in {root}")
    for route in config.http_routes:
        print(f"  route {route.method} {route.path} -> {route.function.function_name}")
    if config.websocket is not None:
        for key, function in config.websocket.routes.items():
            way = "two-way" if config.websocket.responds(key) else "one-way"
            print(f"  route {key} -> {function.function_name} ({way})")
    for warning in warnings:
        kind = "note" if warning.startswith("DynamoDB ") else "warning"
        print(f"  {kind}: {warning}")
    sys.stdout.flush()


async def _watch(functions: tuple[FunctionRef, ...], invoker: WorkerInvoker) -> None:
    """``--reload``: a change under a function's code (or layers) ends its environments."""
    try:
        from watchfiles import awatch
    except ImportError:
        return
    roots = {f: [Path(f.code_uri or os.getcwd()), *map(Path, f.layers)] for f in functions}
    folders = sorted({str(p) for paths in roots.values() for p in paths})
    async for changes in awatch(*folders, debounce=200):
        changed = [Path(path) for _, path in changes if path.endswith(".py")]
        for function, paths in roots.items():
            if any(c.is_relative_to(p) for c in changed for p in paths):
                print(f"  reload: {function.function_name}")
                await invoker.restart(function)
