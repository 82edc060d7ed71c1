#!/usr/bin/env bash
# Stop a stack started by deploy/local/up.sh and drop what it made (database, Redis
# keys, bucket). Without an argument: the last one started; or give its state folder.
set -uo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${EXPOTV_VENV:-$ROOT/.venv}/bin"
STATE="${1:-$ROOT/deploy/local/.state/current}"
[ -d "$STATE" ] || { echo "nenhuma pilha local em $STATE"; exit 0; }
STATE="$(cd "$STATE" && pwd -P)"
say() { printf '[local %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

stop_pids() {  # PID...: TERM to all at once, then KILL what is left after 15 s
  local pid alive
  for pid in "$@"; do kill "$pid" 2>/dev/null || true; done
  for _ in $(seq 1 60); do
    alive=0
    for pid in "$@"; do kill -0 "$pid" 2>/dev/null && alive=1; done
    [ "$alive" = 0 ] && return 0
    sleep 0.25
  done
  for pid in "$@"; do kill -9 "$pid" 2>/dev/null || true; done
}

pids_of() {  # NAME...: the pids of those that were started
  local name
  for name in "$@"; do
    [ -f "$STATE/pids/$name.pid" ] && cat "$STATE/pids/$name.pid"
  done
  return 0
}

if [ -f "$STATE/nginx.pid" ]; then
  say "nginx"
  stop_pids "$(cat "$STATE/nginx.pid")"
fi
# The app's processes together (each drains on its own), the S3 server last (the
# worker may still be writing to it).
say "api-1 api-2 api-3 scheduler worker"
# shellcheck disable=SC2046
stop_pids $(pids_of api-1 api-2 api-3 scheduler worker)
say "s3"
# shellcheck disable=SC2046
stop_pids $(pids_of s3)

if [ -f "$STATE/stack.env" ]; then
  # shellcheck disable=SC1091
  source "$STATE/stack.env"
  "$BIN/python" - <<'PY' || true
import os, redis
client = redis.Redis.from_url(os.environ["EXPOTV_REDIS_URL"])
for pattern in (os.environ["EXPOTV_REDIS_KEY_PREFIX"] + ":*", os.environ["EXPOTV_MEDIA_QUEUE_NAME"] + "*"):
    keys = list(client.scan_iter(pattern, count=500))
    if keys:
        client.delete(*keys)
PY
fi
if [ -f "$STATE/database" ]; then
  say "DROP DATABASE $(cat "$STATE/database")"
  mariadb -h 127.0.0.1 -P 3306 -u root -e "DROP DATABASE IF EXISTS \`$(cat "$STATE/database")\`" || true
fi
current="$ROOT/deploy/local/.state/current"
[ "$(readlink -f "$current" 2>/dev/null)" = "$STATE" ] && rm -f "$current"
rm -rf "$STATE"
say "parado"
