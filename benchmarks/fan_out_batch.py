"""One batch of ``probe_fan_out``'s fan-out, in a process of its own as Lambda runs each in an
execution environment: the batch event on stdin, ``handle_batch``'s summary on stdout. It
imports what a function that runs batches imports (lambdakit's send path, no boto3)."""

from __future__ import annotations

import json
import sys

from lambdakit.websocket import fan_out

if __name__ == "__main__":
    print(json.dumps(fan_out.handle_batch(json.loads(sys.stdin.buffer.read()))))
