#!/usr/bin/env bash
# Builds (or reuses from the cache) the binaries the test cluster runs: kube-apiserver, etcd,
# kubectl, kube-controller-manager, kube-scheduler, kustomize, kwok and sops, from the pinned Go
# modules under test/cluster/tools/. Cache: ${STRATA_TOOLS_CACHE:-~/.cache/strata/tools}.
# Usage: scripts/build-test-tools.sh [--force] [module...]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v go >/dev/null 2>&1; then
  echo "build-test-tools: Go (1.24 or newer) is not on PATH; install it from https://go.dev/dl" >&2
  exit 1
fi
exec node --import tsx test/cluster/build-tools.ts "$@"
