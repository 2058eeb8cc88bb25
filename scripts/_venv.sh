# Sourced by the scripts: make .venv (once, and again when pyproject.toml changes) and activate it.
set -euo pipefail
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$root"
python_bin="${PYTHON:-python3}"
stamp=".venv/.installed-$(sha256sum pyproject.toml | cut -c1-16)"
if [ ! -f "$stamp" ]; then
  echo "setting up .venv (first run, or pyproject.toml changed)" >&2
  # Explicit exits: 'set -e' does not apply when this file is sourced inside '&&' lists.
  [ -x .venv/bin/python ] || "$python_bin" -m venv .venv || exit 1
  .venv/bin/python -m pip install --quiet --upgrade pip || exit 1
  .venv/bin/python -m pip install --quiet -e ".[dev]" || exit 1
  rm -f .venv/.installed-*
  touch "$stamp"
fi
# shellcheck disable=SC1091
source .venv/bin/activate
