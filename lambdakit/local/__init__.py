"""The local API Gateway: serve Lambda handlers over HTTP and WebSocket on localhost.

Needs the ``local`` extra (uvicorn, websockets, PyYAML, watchfiles). Start it with
``lambdakit serve`` or ``python -m lambdakit serve``; embed it with ``LocalGateway(config)``,
an ASGI application.
"""
