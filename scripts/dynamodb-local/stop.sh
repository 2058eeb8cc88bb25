#!/usr/bin/env bash
# Stops the DynamoDB Local started by start.sh (via its pid file). Idempotent.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
cache="${DYNAMODB_LOCAL_CACHE:-$(cd "$here/../.." && pwd)/.cache/dynamodb-local}"
pidfile="$cache/dynamodb-local.pid"
[ -f "$pidfile" ] || exit 0
pid="$(cat "$pidfile")"
ours() { # still alive, and still our launcher (not a recycled pid)?
  if [ -r "/proc/$pid/cmdline" ]; then grep -q LocalDynamoDB "/proc/$pid/cmdline" 2>/dev/null
  else ps -p "$pid" -o args= 2>/dev/null | grep -q LocalDynamoDB; fi
}
if ours; then
  kill "$pid" 2>/dev/null || true
  for _ in $(seq 1 100); do ours || break; sleep 0.1; done
  if ours; then kill -9 "$pid" 2>/dev/null || true; fi
fi
rm -f "$pidfile" "$cache/dynamodb-local.port"
