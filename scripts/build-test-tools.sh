#!/usr/bin/env bash
# Builds (or reuses from the cache) the binaries the tests run: kube-apiserver, etcd, kubectl,
# kube-controller-manager, kube-scheduler, kustomize, kwok and sops from the pinned Go modules under
# test/cluster/tools/, and the distribution v3 registry from test/registry/tools/distribution/.
# Cache: ${STRATA_TOOLS_CACHE:-~/.cache/strata/tools}.
# Usage: scripts/build-test-tools.sh [--force] [module...]
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v go >/dev/null 2>&1; then
  echo "build-test-tools: Go (1.24 or newer) is not on PATH; install it from https://go.dev/dl" >&2
  exit 1
fi
node --import tsx test/cluster/build-tools.ts "$@"
exec node --import tsx test/registry/build.ts
