# Operations targets: chart, alerts, dashboard, image. Tools: `make ops-deps` (.ci/ops-deps --image).
OPS_VERSION := $(shell sed -n 's/^version = "\(.*\)"/\1/p' pyproject.toml | head -1)
OPS_IMAGE ?= localhost/cdp-worker:$(OPS_VERSION)
# podman on this kind of machine needs runc and lower ulimits (see ops/containers.conf).
OPS_PODMAN_ENV := CONTAINERS_CONF=$(CURDIR)/ops/containers.conf

ops-deps: ## Install helm, podman, buildah, mmdebstrap (root); Python tools come with `make venv`
	bash .ci/ops-deps --image

ops-check: $(STAMP) ## Chart lint+validate, values/settings parity, promtool alert tests, dashboard checks
	$(BIN)/mypy --strict ops
	$(BIN)/pytest -q tests/ops $(PYTEST_ARGS)

ops-live: $(STAMP) ## Live check: real Prometheus scraping a real worker evaluates every dashboard and alert query
	$(BIN)/pytest -q tests/integration/ops $(PYTEST_ARGS)

dashboard: $(STAMP) ## Regenerate helm/cdp-worker/files/dashboard.json from ops/dashboard.py
	$(BIN)/python -m ops.dashboard > helm/cdp-worker/files/dashboard.json

chart-schema: $(STAMP) ## Regenerate the settings part of helm/cdp-worker/values.schema.json from worker/config.py
	$(BIN)/python -m ops.chart_schema

image-lock: $(STAMP) ## Re-resolve the image's hash-locked requirements after changing a pin
	bash ops/lock-image-deps.sh

base-image: ## Build the local stand-in for the python slim base image (registries are unreachable)
	$(OPS_PODMAN_ENV) bash ops/build-base-image.sh

image: $(STAMP) base-image ## Build the worker image with podman and smoke-run it (metrics, SIGTERM drain)
	$(BIN)/hadolint Dockerfile
	$(OPS_PODMAN_ENV) podman build --isolation=chroot --pull=never --format docker \
	  --build-arg VERSION=$(OPS_VERSION) \
	  --build-arg REVISION=$$(git rev-parse --short HEAD 2>/dev/null || echo unknown) \
	  --build-arg CREATED=$$(date -u +%Y-%m-%dT%H:%M:%SZ) \
	  -t $(OPS_IMAGE) .
	$(OPS_PODMAN_ENV) $(BIN)/python -m ops.smoke_image $(OPS_IMAGE)

image-check: ops-deps image ## CI: install the image tools, then build and smoke-run the image

.PHONY: ops-deps ops-check ops-live dashboard chart-schema image-lock base-image image image-check
