# cdp-worker image: `make image` builds and smoke-runs it (see mk/ops.mk).
#
# Build stage: a virtualenv with the hash-locked runtime dependencies (wheels only, so no compiler is
# needed anywhere) and the worker itself. Runtime stage: the same slim Python base, the virtualenv,
# the Avro schemas, a non-root user. The root filesystem can be read-only: the worker writes nothing
# but /tmp (the record sink, when used), which Kubernetes mounts as an emptyDir.
ARG PYTHON_IMAGE=docker.io/library/python:3.11-slim-bookworm

FROM ${PYTHON_IMAGE} AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
WORKDIR /src
# Build backend (setuptools, wheel) in a throw-away virtualenv; only the worker's wheel leaves it.
COPY ops/image-build-requirements.lock ops/image-requirements.lock ./
RUN python -m venv /opt/build \
 && /opt/build/bin/pip install --no-deps --require-hashes --only-binary=:all: -r image-build-requirements.lock \
 && python -m venv --without-pip /opt/venv \
 && /opt/build/bin/pip --python /opt/venv/bin/python install --no-deps --require-hashes --only-binary=:all: \
      -r image-requirements.lock
COPY pyproject.toml README.md ./
COPY worker ./worker
COPY sandbox ./sandbox
RUN /opt/build/bin/pip wheel --no-deps --no-build-isolation --wheel-dir /dist . \
 && /opt/build/bin/pip --python /opt/venv/bin/python install --no-deps /dist/*.whl \
 && /opt/venv/bin/python -m compileall -q /opt/venv/lib

FROM ${PYTHON_IMAGE} AS runtime
ARG VERSION=0.1.0
ARG REVISION=unknown
ARG CREATED=unknown
LABEL org.opencontainers.image.title="cdp-worker" \
      org.opencontainers.image.description="Kafka stream worker that turns commerce events into Sitecore CDP orders" \
      org.opencontainers.image.version="${VERSION}" \
      org.opencontainers.image.revision="${REVISION}" \
      org.opencontainers.image.created="${CREATED}" \
      org.opencontainers.image.licenses="Apache-2.0" \
      org.opencontainers.image.vendor="cdp-worker" \
      org.opencontainers.image.base.name="docker.io/library/python:3.11-slim-bookworm"
RUN groupadd --system --gid 10001 cdpw \
 && useradd --system --uid 10001 --gid cdpw --no-create-home --home-dir /nonexistent --shell /usr/sbin/nologin cdpw
COPY --from=build /opt/venv /opt/venv
COPY schemas /app/schemas
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    CDPW_SCHEMA_DIR=/app/schemas \
    CDPW_RECORD_SINK_PATH=/tmp/processed.jsonl
WORKDIR /app
USER 10001:10001
EXPOSE 9100
# The worker handles SIGTERM itself (PID 1 has no default handlers): stop intake, drain in-flight
# records for up to CDPW_DRAIN_TIMEOUT_S, commit, exit 0.
STOPSIGNAL SIGTERM
HEALTHCHECK --interval=30s --timeout=3s --start-period=10s --retries=3 \
  CMD ["python", "-c", "import os, urllib.request as u; u.urlopen('http://127.0.0.1:%s/healthz' % os.environ.get('CDPW_METRICS_PORT', '9100'), timeout=2)"]
ENTRYPOINT ["cdp-worker"]
CMD ["run"]
