#!/usr/bin/env bash
# Usage: start.sh PORT
# Sets up (setup.sh), then starts DynamoDB Local in memory (-sharedDb) on 127.0.0.1:PORT in the
# background, waits (up to $DYNAMODB_LOCAL_TIMEOUT s, default 60) until it answers ListTables,
# and prints AWS_ENDPOINT_URL_DYNAMODB=http://127.0.0.1:PORT. Pid and log files live in the
# cache dir ($DYNAMODB_LOCAL_CACHE, default <repo>/.cache/dynamodb-local). Stop with stop.sh.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
port="${1:?usage: start.sh PORT}"
case "$port" in *[!0-9]*) echo "start.sh: bad port: $port" >&2; exit 2 ;; esac
cache="${DYNAMODB_LOCAL_CACHE:-$(cd "$here/../.." && pwd)/.cache/dynamodb-local}"
pidfile="$cache/dynamodb-local.pid"
logfile="$cache/dynamodb-local.log"
url="http://127.0.0.1:$port"
timeout="${DYNAMODB_LOCAL_TIMEOUT:-60}"

DYNAMODB_LOCAL_CACHE="$cache" "$here/setup.sh"
# shellcheck disable=SC1091
. "$cache/env"

# A real DynamoDB API call; DynamoDB Local wants an Authorization header but does not check it.
auth='AWS4-HMAC-SHA256 Credential=dummy/20200101/us-east-1/dynamodb/aws4_request, SignedHeaders=host, Signature=0'
ready() {
  if command -v curl >/dev/null; then
    curl -sf -m 2 -o /dev/null -X POST "$url/" -H 'Content-Type: application/x-amz-json-1.0' \
      -H 'X-Amz-Target: DynamoDB_20120810.ListTables' -H "Authorization: $auth" -d '{}'
  else
    python3 - "$url/" "$auth" <<'PY' 2>/dev/null
import sys, urllib.request
req = urllib.request.Request(sys.argv[1], b"{}", {"Content-Type": "application/x-amz-json-1.0",
      "X-Amz-Target": "DynamoDB_20120810.ListTables", "Authorization": sys.argv[2]})
urllib.request.urlopen(req, timeout=2).read()
PY
  fi
}
now_ms() { local t; t="$(date +%s%N)"; case "$t" in *N) echo $((${t%N} * 1000)) ;; *) echo $((t / 1000000)) ;; esac; }
alive() { [ -f "$pidfile" ] && kill -0 "$(cat "$pidfile")" 2>/dev/null; }

if alive; then
  if [ "$(cat "$cache/dynamodb-local.port" 2>/dev/null)" = "$port" ] && ready; then
    echo "AWS_ENDPOINT_URL_DYNAMODB=$url" # already running here: idempotent
    exit 0
  fi
  echo "start.sh: already running (pid $(cat "$pidfile"), port $(cat "$cache/dynamodb-local.port" 2>/dev/null)); run stop.sh first" >&2
  exit 1
fi

if ready; then echo "start.sh: something else already answers on $url" >&2; exit 1; fi

# -Djava.net.preferIPv4Stack: a plain IPv4 socket (else ss shows [::ffff:127.0.0.1]; same effect).
# DDB_LOCAL_TELEMETRY=0: belt and braces, the launcher never configures telemetry anyway.
start_ms="$(now_ms)"
DDB_LOCAL_TELEMETRY=0 nohup "$JAVA" -Djava.net.preferIPv4Stack=true -Djava.library.path="$LIB" \
  -cp "$CLASSES:$JAR" LocalDynamoDB -port "$port" -inMemory -sharedDb \
  >"$logfile" 2>&1 </dev/null &
echo $! >"$pidfile"
echo "$port" >"$cache/dynamodb-local.port"

deadline=$((SECONDS + timeout))
until ready && alive; do
  if ! alive || [ "$SECONDS" -ge "$deadline" ]; then
    echo "start.sh: DynamoDB Local did not come up on $url; log tail ($logfile):" >&2
    tail -n 30 "$logfile" >&2 || true
    "$here/stop.sh" >/dev/null 2>&1 || true
    exit 1
  fi
  sleep 0.1
done
echo "dynamodb-local: up on $url in $(($(now_ms) - start_ms)) ms (pid $(cat "$pidfile"))" >&2
echo "AWS_ENDPOINT_URL_DYNAMODB=$url"
