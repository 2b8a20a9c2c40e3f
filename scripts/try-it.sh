#!/usr/bin/env bash
# Try QKV Lens in a real VS Code in your browser: builds the .vsix, starts code-server on
# 127.0.0.1:8080 (PORT=... to change) with the extension installed and a sample workspace
# (scripts/sample-workspace: sample.txt in Chinese, sample.py), and prints the URL.
# Runs in the foreground; Ctrl+C stops it.
#
#   scripts/try-it.sh                      # build with `npm run package`, then serve
#   VSIX=path/to/x.vsix scripts/try-it.sh  # serve a .vsix you already have (no build)
#   WORKSPACE=/some/folder scripts/try-it.sh
#   THEME=light scripts/try-it.sh
#
# From another machine, forward the port: ssh -L 8080:127.0.0.1:8080 host, then open the URL.
# The first run installs what is missing (scripts/setup.sh: apt packages, npm ci, code-server).
set -euo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
cd "$ROOT"
PORT="${PORT:-8080}"
WORKSPACE="${WORKSPACE:-$ROOT/scripts/sample-workspace}"
THEME="${THEME:-dark}"

say() { echo "try-it: $*"; }

# Everything it needs (system packages, npm dependencies, code-server), installed if missing.
bash scripts/setup.sh

EXT_ARGS=()
if [ -n "${VSIX-}" ]; then
  [ -f "$VSIX" ] || { say "VSIX=$VSIX does not exist"; exit 1; }
  EXT_ARGS=(--vsix "$VSIX")
elif node -e "process.exit(require('./package.json').scripts?.package ? 0 : 1)"; then
  say "building the extension (npm run package)"
  stamp="$(mktemp)"
  if npm run package; then
    # The newest .vsix written by the build (the root, then anywhere but node_modules).
    VSIX="$(find "$ROOT" -maxdepth 2 -name '*.vsix' -newer "$stamp" -not -path '*/node_modules/*' -printf '%T@ %p\n' \
            | sort -rn | head -1 | cut -d' ' -f2-)"
    rm -f "$stamp"
    if [ -n "$VSIX" ]; then
      say "built $VSIX"
      EXT_ARGS=(--vsix "$VSIX")
    else
      say "WARNING: 'npm run package' wrote no .vsix; starting VS Code without QKV Lens"
    fi
  else
    rm -f "$stamp"
    if [ -f dist/extension.js ]; then
      say "WARNING: 'npm run package' failed; loading the last build in dist/ as a development extension"
      EXT_ARGS=(--dev "$ROOT")
    else
      say "ERROR: 'npm run package' failed and there is no dist/extension.js to fall back on"
      exit 1
    fi
  fi
else
  say "WARNING: package.json has no 'package' script yet, so there is no QKV Lens .vsix to install."
  say "Starting VS Code with the sample workspace only."
fi

# One node process (tsx as a loader, not the tsx CLI), so Ctrl+C reaches codeServer.ts,
# which stops code-server and everything it started.
exec node --import tsx "$ROOT/test/support/codeServer.ts" --workspace "$WORKSPACE" --port "$PORT" --theme "$THEME" "${EXT_ARGS[@]}"
