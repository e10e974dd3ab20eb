#!/usr/bin/env bash
# Build a local stand-in for the Dockerfile's base image, because no image registry is reachable here.
#
# The stand-in is Debian bookworm's own python3 (3.11.2, minbase) made by mmdebstrap, tagged with the
# name the Dockerfile's FROM uses, so `podman build --pull=never` resolves it locally. It proves the
# Dockerfile's steps; the real build pulls the official image. Idempotent: does nothing when the tag
# exists (FORCE=1 rebuilds). Needs root, mmdebstrap and podman (.ci/ops-deps --image).
set -euo pipefail
cd "$(dirname "$0")/.."

TAG="${BASE_IMAGE:-docker.io/library/python:3.11-slim-bookworm}"
WORK="${BASE_WORK:-build/base-image}"
export CONTAINERS_CONF="${CONTAINERS_CONF:-$PWD/ops/containers.conf}"

if [ "${FORCE:-0}" != 1 ] && podman image exists "$TAG"; then
  echo "base image $TAG exists (FORCE=1 to rebuild)"
  exit 0
fi
mkdir -p "$WORK"
if ! podman image exists localhost/bookworm-py:raw; then
  mmdebstrap --quiet --variant=minbase \
    --include=python3,python3-pip,python3-venv,python-is-python3,ca-certificates \
    bookworm "$WORK/bookworm-py.tar"
  podman import "$WORK/bookworm-py.tar" localhost/bookworm-py:raw
  rm -f "$WORK/bookworm-py.tar"
fi
# Egress goes through a custom CA: pip inside the build needs the host's bundle.
cp ops/base/Containerfile "$WORK/Containerfile"
cp /etc/ssl/certs/ca-certificates.crt "$WORK/host-ca.crt"
podman build --isolation=chroot --pull=never -t "$TAG" "$WORK"
