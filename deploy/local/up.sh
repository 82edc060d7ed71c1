#!/usr/bin/env bash
# The seed's deployment diagram on one machine:
#
#            nginx (127.0.0.1:$EXPOTV_LOCAL_PORT, WebSocket-ready, round robin)
#           /            |              \
#   expotv serve    expotv serve    expotv serve      (api-1, api-2, api-3; no jobs)
#           \            |              /
#     MariaDB (fresh database)   Redis (fresh key prefix)   S3 (moto server, fresh bucket)
#           + expotv scheduler (the jobs, once)   + expotv worker (video conversions)
#
# Every start makes new database, bucket, Redis prefix and queue names, so a stack can
# run beside CI or another stack on the same servers. Stop it with deploy/local/down.sh.
#
# Needs: `uv sync` (the moto server is in the test group), Debian's nginx, MariaDB on
# 127.0.0.1:3306 (root, no password) and Redis on 127.0.0.1:6379, as for the tests.
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/../.." && pwd)"
BIN="${EXPOTV_VENV:-$ROOT/.venv}/bin"
PORT="${EXPOTV_LOCAL_PORT:-8080}"
MYSQL=(mariadb -h 127.0.0.1 -P 3306 -u root)
REDIS_URL="${EXPOTV_LOCAL_REDIS_URL:-redis://127.0.0.1:6379/0}"

say() { printf '[local %s] %s\n' "$(date +%H:%M:%S)" "$*"; }
die() { echo "erro: $*" >&2; exit 1; }
port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }
free_port() { "$BIN/python" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'; }
wait_http() {  # URL [seconds]
  for _ in $(seq 1 $(( ${2:-60} * 4 ))); do
    curl -fsS -o /dev/null "$1" 2>/dev/null && return 0
    sleep 0.25
  done
  return 1
}

[ -x "$BIN/expotv" ] || die "rode 'uv sync' antes (não achei $BIN/expotv)"
[ -x "$BIN/moto_server" ] || die "falta o servidor S3 de teste: rode 'uv sync' (grupo test)"
command -v nginx >/dev/null || [ -x /usr/sbin/nginx ] || die "falta o nginx: apt-get install nginx-light"
NGINX="$(command -v nginx || echo /usr/sbin/nginx)"
port_open 3306 || die "MariaDB não responde em 127.0.0.1:3306"
port_open 6379 || die "Redis não responde em 127.0.0.1:6379"
port_open "$PORT" && die "a porta $PORT já está em uso (defina EXPOTV_LOCAL_PORT)"

suffix="$(date +%m%d%H%M%S)$(od -An -N3 -tx1 /dev/urandom | tr -d ' \n')"
STATE="$ROOT/deploy/local/.state/$suffix"
mkdir -p "$STATE"/{logs,pids,data} "$STATE"/nginx/{body,proxy,fastcgi,uwsgi,scgi}
chmod -R 0777 "$STATE/nginx"   # nginx's workers run as nobody
ln -sfn "$suffix" "$ROOT/deploy/local/.state/current"

start() {  # NAME COMMAND...: in the background, its pid and log kept in the state folder
  local name="$1"; shift
  nohup "$@" >"$STATE/logs/$name.log" 2>&1 </dev/null &
  echo $! >"$STATE/pids/$name.pid"
}

database="expotv_local_$suffix"
bucket="expotv-local-$suffix"
moto_port="$(free_port)"
say "database $database, bucket $bucket, Redis prefix expotvlocal$suffix"
"${MYSQL[@]}" -e "CREATE DATABASE \`$database\` CHARACTER SET utf8mb4 COLLATE utf8mb4_unicode_ci"
echo "$database" >"$STATE/database"

start s3 "$BIN/moto_server" -H 127.0.0.1 -p "$moto_port"
wait_http "http://127.0.0.1:$moto_port/" 30 || die "o servidor S3 não subiu ($STATE/logs/s3.log)"
"$BIN/python" - "$moto_port" "$bucket" <<'PY'
import sys, boto3
port, bucket = sys.argv[1:]
boto3.client("s3", endpoint_url=f"http://127.0.0.1:{port}", region_name="us-east-1",
             aws_access_key_id="local", aws_secret_access_key="local").create_bucket(Bucket=bucket)
PY

secret="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(48))')"
password="$("$BIN/python" -c 'import secrets; print(secrets.token_urlsafe(12))')"
cat >"$STATE/stack.env" <<ENV
export EXPOTV_ENVIRONMENT=production
export EXPOTV_DATA_DIR=$STATE/data
export EXPOTV_DATABASE_URL='mysql://root@127.0.0.1:3306/$database?charset=utf8mb4'
export EXPOTV_REDIS_URL=$REDIS_URL
export EXPOTV_REDIS_KEY_PREFIX=expotvlocal$suffix
export EXPOTV_QUEUE_URL=$REDIS_URL
export EXPOTV_MEDIA_QUEUE_NAME=expotv:media:$suffix
export EXPOTV_STORAGE_URL=s3://$bucket
export EXPOTV_S3_ENDPOINT_URL=http://127.0.0.1:$moto_port
export EXPOTV_S3_REGION=us-east-1
export EXPOTV_S3_ACCESS_KEY_ID=local
export EXPOTV_S3_SECRET_ACCESS_KEY=local
export EXPOTV_PUBLIC_MEDIA_URL=http://127.0.0.1:$moto_port/$bucket
export EXPOTV_JWT_SECRET=$secret
export EXPOTV_RUN_JOBS=false
export EXPOTV_LOG_JSON=true
# nginx on this machine adds X-Forwarded-For: believe it from loopback only.
export EXPOTV_TRUSTED_PROXIES=127.0.0.1,::1
# For deploy/smoke.sh:
export EXPOTV_SMOKE_EMAIL=admin@expotv.local
export EXPOTV_SMOKE_SENHA=$password
export EXPOTV_LOCAL_URL=http://127.0.0.1:$PORT
ENV
# shellcheck disable=SC1091
source "$STATE/stack.env"

# The release step of a real deploy: migrations once, then the first Master.
say "expotv migrate"
"$BIN/expotv" migrate >"$STATE/logs/migrate.log" 2>&1 || { cat "$STATE/logs/migrate.log" >&2; exit 1; }
EXPOTV_MASTER_SENHA="$password" "$BIN/expotv" create-master --email "$EXPOTV_SMOKE_EMAIL" --nome "Administração" \
  >>"$STATE/logs/migrate.log" 2>&1 || { cat "$STATE/logs/migrate.log" >&2; exit 1; }

backends=""
for i in 1 2 3; do
  api_port="$(free_port)"
  EXPOTV_INSTANCE_NAME="api-$i" start "api-$i" "$BIN/expotv" serve --host 127.0.0.1 --port "$api_port"
  backends+="        server 127.0.0.1:$api_port max_fails=3 fail_timeout=10s;"$'\n'
  echo "$api_port" >"$STATE/api-$i.port"
done
start scheduler "$BIN/expotv" scheduler
start worker "$BIN/expotv" worker

for i in 1 2 3; do
  wait_http "http://127.0.0.1:$(cat "$STATE/api-$i.port")/health/ready" 90 \
    || { tail -20 "$STATE/logs/api-$i.log" >&2; die "api-$i não ficou pronta"; }
done

BACKENDS="$backends" STATE="$STATE" PORT="$PORT" "$BIN/python" - "$ROOT/deploy/local/nginx.conf.template" "$STATE/nginx.conf" <<'PY'
import os, sys
text = open(sys.argv[1]).read()
for name in ("STATE", "PORT", "BACKENDS"):
    text = text.replace(f"@{name}@", os.environ[name].rstrip("\n"))
open(sys.argv[2], "w").write(text)
PY
"$NGINX" -p "$STATE" -c "$STATE/nginx.conf" -t >"$STATE/logs/nginx-test.log" 2>&1 \
  || { cat "$STATE/logs/nginx-test.log" >&2; die "configuração do nginx inválida"; }
"$NGINX" -p "$STATE" -c "$STATE/nginx.conf"
wait_http "http://127.0.0.1:$PORT/health/ready" 30 || die "o balanceador não responde em $PORT"

for name in scheduler worker; do
  kill -0 "$(cat "$STATE/pids/$name.pid")" 2>/dev/null \
    || { tail -20 "$STATE/logs/$name.log" >&2; die "expotv $name parou"; }
done

say "pronto: http://127.0.0.1:$PORT  (login $EXPOTV_SMOKE_EMAIL / $password)"
say "estado e logs: $STATE"
say "teste: deploy/smoke.sh http://127.0.0.1:$PORT   parar: deploy/local/down.sh"
