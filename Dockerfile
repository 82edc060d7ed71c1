# EXPO TV image: `expotv serve` on port 8000, as an unprivileged user.
#   docker build -t expotv .          (or scripts/build-image.sh: buildah, no engine)
#   docker run --rm expotv expotv migrate       migrations are their own command
#   docker run -p 8000:8000 -e EXPOTV_... expotv
# Python is Debian's python3 (3.11); dependencies come from uv.lock only (--locked),
# without the test and lint groups. FFmpeg is the one PyAV's wheel bundles.
ARG BASE=docker.io/library/debian:bookworm-slim

FROM ${BASE} AS build
# Debian's own versions of these (security updates land without a Dockerfile change).
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 python3-venv ca-certificates \
    && rm -rf /var/lib/apt/lists/*
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PYTHON=/usr/bin/python3.11 \
    UV_PROJECT_ENVIRONMENT=/app/.venv
# An optional build secret `cacert` (a CA bundle) is trusted for the downloads, for
# networks whose proxy re-signs TLS; the image itself keeps Debian's CAs only.
ENV CA=/run/secrets/cacert
RUN --mount=type=secret,id=cacert \
    if [ -s "$CA" ]; then export SSL_CERT_FILE="$CA" PIP_CERT="$CA"; fi \
    && python3 -m venv /opt/uv && /opt/uv/bin/pip install --no-cache-dir uv==0.13.9
WORKDIR /src
# Dependencies first: this layer is reused while only the code changes.
COPY pyproject.toml uv.lock README.md ./
RUN --mount=type=secret,id=cacert \
    if [ -s "$CA" ]; then export SSL_CERT_FILE="$CA"; fi \
    && /opt/uv/bin/uv sync --locked --no-default-groups --no-install-project --no-cache
COPY src ./src
RUN --mount=type=secret,id=cacert \
    if [ -s "$CA" ]; then export SSL_CERT_FILE="$CA"; fi \
    && /opt/uv/bin/uv sync --locked --no-default-groups --no-editable --no-cache

FROM ${BASE}
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends python3 ca-certificates \
    && rm -rf /var/lib/apt/lists/* \
    && useradd --system --uid 10001 --user-group --home-dir /data --create-home expotv
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    EXPOTV_DATA_DIR=/data \
    EXPOTV_LOG_JSON=true
WORKDIR /data
USER 10001:10001
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=30s --retries=3 \
    CMD ["python3", "-c", "import sys, urllib.request; sys.exit(urllib.request.urlopen('http://127.0.0.1:8000/health/live', timeout=4).status != 200)"]
CMD ["expotv", "serve", "--host", "0.0.0.0", "--port", "8000"]
