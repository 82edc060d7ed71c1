#!/usr/bin/env bash
# Post-deploy smoke test: deploy/smoke.sh URL [--instances N]. See deploy/smoke.py.
# Runs with the project's environment (`uv sync --no-default-groups` is enough), or the
# Python given in $PYTHON. Needs EXPOTV_SMOKE_EMAIL and EXPOTV_SMOKE_SENHA (a Master).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
PYTHON="${PYTHON:-$ROOT/.venv/bin/python}"
[ $# -ge 1 ] || { echo "uso: deploy/smoke.sh URL [--instances N]" >&2; exit 2; }
exec "$PYTHON" "$ROOT/deploy/smoke.py" "$@"
