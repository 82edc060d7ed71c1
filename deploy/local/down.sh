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

stop_pid() {  # PID: TERM, then KILL after 15 s
  local pid="$1"
  kill "$pid" 2>/dev/null || return 0
  for _ in $(seq 1 60); do kill -0 "$pid" 2>/dev/null || return 0; sleep 0.25; done
  kill -9 "$pid" 2>/dev/null || true
}

if [ -f "$STATE/nginx.pid" ]; then
  say "nginx"
  stop_pid "$(cat "$STATE/nginx.pid")"
fi
# The app first, the S3 server last (the worker may still be writing to it).
for name in api-1 api-2 api-3 scheduler worker s3; do
  [ -f "$STATE/pids/$name.pid" ] || continue
  say "$name"
  stop_pid "$(cat "$STATE/pids/$name.pid")"
done

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
