#!/usr/bin/env bash
# Installs everything QKV Lens needs on a fresh Debian/Ubuntu machine, idempotently:
# system packages (Chromium, fonts, build tools), npm dependencies, and code-server from npm.
# Used by scripts/try-it.sh and .ci/run; safe to run again (seconds when nothing is missing).
set -euo pipefail
ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"

bash .ci/install-system.sh

# npm ci when node_modules is missing or older than the lockfile.
if [ ! -d node_modules ] || [ package-lock.json -nt node_modules/.package-lock.json ]; then
  echo "setup: npm ci"
  npm ci --no-audit --no-fund
else
  echo "setup: node_modules is up to date"
fi

bash scripts/install-code-server.sh
