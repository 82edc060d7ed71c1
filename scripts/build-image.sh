#!/usr/bin/env bash
# Build the EXPO TV image, and prove it runs, without a Docker engine or an image
# registry: Debian's buildah (vfs storage, chroot isolation) on a Debian base made
# here with debootstrap and committed under the name the Dockerfile's FROM uses.
#
#   scripts/build-image.sh            build, then start the image's server on loopback
#                                     and check /health/live, migrate and FFmpeg
#   scripts/build-image.sh --no-run   build only
#
# Where a Docker engine exists, `docker build .` builds the same Dockerfile from the
# official debian:bookworm-slim; nothing here is needed there.
#
# The debootstrap base is kept as a tarball in $EXPOTV_IMAGE_CACHE (default
# ~/.cache/expotv-image) and as an image in buildah's storage, so later builds on the
# same machine skip it (about 1-2 minutes the first time).
set -euo pipefail
cd "$(dirname "$0")/.."

IMAGE="${IMAGE:-localhost/expotv:dev}"
BASE="docker.io/library/debian:bookworm-slim"   # the Dockerfile's ARG BASE
CACHE="${EXPOTV_IMAGE_CACHE:-$HOME/.cache/expotv-image}"
BUILDAH=(buildah --storage-driver vfs)
RUN_CHECK=1
[ "${1:-}" = "--no-run" ] && RUN_CHECK=0

step() { printf '[build-image %s] %s\n' "$(date +%H:%M:%S)" "$*"; }

for tool in buildah debootstrap; do
  command -v "$tool" >/dev/null || { echo "falta $tool (apt-get install buildah debootstrap)" >&2; exit 1; }
done

if ! "${BUILDAH[@]}" inspect --type image "$BASE" >/dev/null 2>&1; then
  mkdir -p "$CACHE"
  tarball="$CACHE/bookworm-minbase.tar"
  if [ ! -s "$tarball" ]; then
    step "debootstrap --variant=minbase bookworm (once per machine)"
    root="$(mktemp -d)"
    debootstrap --variant=minbase bookworm "$root" http://deb.debian.org/debian >"$CACHE/debootstrap.log" 2>&1 \
      || { tail -20 "$CACHE/debootstrap.log" >&2; exit 1; }
    # What debian:bookworm-slim also drops: apt lists and caches, docs, man pages.
    rm -rf "$root"/var/lib/apt/lists/* "$root"/var/cache/apt/*.bin "$root"/usr/share/doc/* "$root"/usr/share/man/*
    tar -C "$root" -cf "$tarball.part" . && mv "$tarball.part" "$tarball"
    rm -rf "$root"
  fi
  step "base image $BASE from $tarball"
  container="$("${BUILDAH[@]}" from scratch)"
  "${BUILDAH[@]}" add "$container" "$tarball" /
  "${BUILDAH[@]}" config --cmd '["bash"]' --env PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin "$container"
  "${BUILDAH[@]}" commit --quiet --rm "$container" "$BASE" >/dev/null
fi

step "buildah bud $IMAGE"
# The machine's CA bundle, for a network whose proxy re-signs TLS (see the Dockerfile).
CA_BUNDLE="${EXPOTV_BUILD_CA_BUNDLE:-/etc/ssl/certs/ca-certificates.crt}"
# docker format: OCI images have no HEALTHCHECK.
"${BUILDAH[@]}" bud --isolation chroot --pull=never --layers=false --quiet --format docker \
  --secret "id=cacert,src=$CA_BUNDLE" -t "$IMAGE" -f Dockerfile . >/dev/null
# The previous build, now untagged: vfs keeps full copies, so each run would add ~600 MB.
"${BUILDAH[@]}" rmi --prune >/dev/null 2>&1 || true
step "built $IMAGE ($("${BUILDAH[@]}" images --format '{{.Size}}' "$IMAGE" | head -1))"

[ "$RUN_CHECK" = 1 ] || exit 0

# The built image, started as its HEALTHCHECK and a deploy would: migrate as its own
# command, then serve on loopback (host network), then /health/live.
port="$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
container="$("${BUILDAH[@]}" from --pull=never "$IMAGE")"
log="$(mktemp)"
cleanup() {
  # The server runs in its own process group (set -m): end buildah, its chroot
  # and the server together, not only the shell that started them.
  if [ -n "${server:-}" ]; then kill -- -"$server" 2>/dev/null || true; wait "$server" 2>/dev/null || true; fi
  "${BUILDAH[@]}" rm "$container" >/dev/null 2>&1 || true
  rm -f "$log"
}
trap cleanup EXIT
run() { "${BUILDAH[@]}" run --isolation chroot --network host "$container" -- "$@"; }

step "in the image: who runs it, FFmpeg, migrate"
user="$(run id -u)"
[ "$user" != 0 ] || { echo "a imagem roda como root" >&2; exit 1; }
run python3 -c 'import av; print("FFmpeg (PyAV):", av.ffmpeg_version_info)'
run expotv migrate
step "in the image: expotv serve on 127.0.0.1:$port"
set -m
run expotv serve --host 127.0.0.1 --port "$port" >"$log" 2>&1 &
server=$!
set +m
for _ in $(seq 1 120); do
  if curl -fsS "http://127.0.0.1:$port/health/live" >/dev/null 2>&1; then
    step "GET /health/live: $(curl -fsS "http://127.0.0.1:$port/health/live")"
    run python3 -c 'import sys,urllib.request; sys.exit(0 if urllib.request.urlopen("http://127.0.0.1:'"$port"'/health/live", timeout=3).status == 200 else 1)' \
      && step "HEALTHCHECK command passes"
    exit 0
  fi
  kill -0 "$server" 2>/dev/null || break
  sleep 0.5
done
echo "o servidor da imagem não respondeu em /health/live:" >&2
cat "$log" >&2
exit 1
