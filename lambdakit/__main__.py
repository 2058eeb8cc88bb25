"""``python -m lambdakit serve ...``: the local API Gateway."""

from lambdakit.local.cli import main

main()
