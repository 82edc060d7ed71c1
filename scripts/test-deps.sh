#!/usr/bin/env bash
# What the test suite needs besides Python packages: the local services (started if
# down), Debian's Chromium (browser tests), promtool (alert rule tests), and axe-core
# from the npm registry (the dashboard's accessibility check, tests/browser).
set -euo pipefail

apt_install() {
  if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq >/dev/null || true
    apt-get install -y -qq --no-install-recommends "$@" >/dev/null
  else
    echo "falta instalar: $* (rode como root ou instale manualmente)" >&2
    return 1
  fi
}

need=()
[ -x /usr/bin/chromium ] || need+=(chromium)
command -v promtool >/dev/null || need+=(prometheus)
command -v npm >/dev/null || need+=(npm)
if [ ${#need[@]} -gt 0 ]; then
  echo "instalando pacotes do sistema: ${need[*]}"
  apt_install "${need[@]}"
fi

# The exact versions of tests/browser/package-lock.json, once per lock change.
browser_deps=tests/browser
if [ ! -f "$browser_deps/node_modules/.package-lock.json" ] \
  || [ "$browser_deps/package-lock.json" -nt "$browser_deps/node_modules/.package-lock.json" ]; then
  echo "instalando axe-core (npm ci)"
  npm ci --prefix "$browser_deps" --no-audit --no-fund --loglevel=error
fi

port_open() { (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

wait_port() {
  for _ in $(seq 1 60); do port_open "$1" && return 0; sleep 0.5; done
  echo "serviço na porta $1 não subiu" >&2
  return 1
}

if ! port_open 3306; then
  echo "iniciando MariaDB"
  start-stop-daemon --start --oknodo --background --exec /usr/sbin/mariadbd
  wait_port 3306
fi
if ! port_open 6379; then
  echo "iniciando Redis"
  redis-server --daemonize yes --bind 127.0.0.1 -::1 --port 6379 --save "" \
    --appendonly no --dir /var/lib/redis --logfile /var/log/redis/ci.log
  wait_port 6379
fi
if ! port_open 5432; then
  echo "iniciando PostgreSQL"
  pg_ctlcluster --skip-systemctl-redirect "$(ls /etc/postgresql)" main start
  wait_port 5432
fi
