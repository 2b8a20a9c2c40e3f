#!/usr/bin/env bash
# Installs code-server (VS Code in the browser) for QKV Lens's end-to-end tests and
# scripts/try-it.sh, without network access other than the npm registry.
#
#   scripts/install-code-server.sh            # install (instant when already installed)
#   scripts/install-code-server.sh --force    # reinstall from scratch
#
# Result: scripts/code-server/node_modules/code-server, started with
#   node scripts/code-server/node_modules/code-server/out/node/entry.js ...
# (test/support/codeServer.ts does this for you).
#
# Needs the system packages from .ci/install-system.sh (ripgrep, libkrb5-dev, pkg-config,
# a C++ toolchain). The version is pinned in scripts/code-server/package.json and
# package-lock.json; VS Code's own dependencies are pinned by the npm-shrinkwrap.json
# files that code-server ships.
#
# Why not plain `npm ci`: code-server's postinstall refuses to run as root under npm and
# its ripgrep dependency downloads `rg` from GitHub. So we install with --ignore-scripts
# and replay the postinstall by hand: install VS Code's dependencies, copy the system `rg`,
# rebuild the native modules from source, link node_modules.asar.
set -euo pipefail

HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
PROJECT="$HERE/code-server"
CS="$PROJECT/node_modules/code-server"
VSCODE="$CS/lib/vscode"
MARKER="$PROJECT/node_modules/.qkv-code-server-installed"

log() { echo "install-code-server: $*"; }
die() { echo "install-code-server: ERROR: $*" >&2; exit 1; }

# The marker records what the install depends on: the pinned lockfile and the Node ABI
# (native modules are built for it). A change in either reinstalls.
LOCK_SUM="$(sha256sum "$PROJECT/package-lock.json" | cut -c1-16)"
STAMP="lock=$LOCK_SUM node=$(node -p 'process.versions.modules') arch=$(uname -m)"

if [ "${1-}" != "--force" ] && [ -f "$MARKER" ] && [ "$(cat "$MARKER")" = "$STAMP" ] \
   && [ -f "$CS/out/node/entry.js" ]; then
  log "already installed ($(node -p "require('$CS/package.json').version"), VS Code $(node -p "require('$VSCODE/package.json').version"))"
  exit 0
fi

# --- prerequisites -------------------------------------------------------------------
command -v rg >/dev/null || die "ripgrep (rg) not found: run .ci/install-system.sh"
command -v pkg-config >/dev/null || die "pkg-config not found: run .ci/install-system.sh"
[ -e /usr/include/gssapi/gssapi.h ] || command -v krb5-config >/dev/null \
  || die "Kerberos headers (libkrb5-dev) not found: run .ci/install-system.sh"
command -v make >/dev/null && command -v g++ >/dev/null \
  || die "a C++ toolchain (make, g++) is needed: run .ci/install-system.sh"

NODE_MAJOR="$(node -p 'process.versions.node.split(".")[0]')"
[ "$NODE_MAJOR" = 20 ] || log "WARNING: code-server 4.100 expects Node 20, this is Node $NODE_MAJOR"

# node-gyp downloads Node's headers from nodejs.org unless told where they are. When this
# Node ships its headers (Debian's nodejs does, in /usr/include/node), use them.
if [ -z "${npm_config_nodedir-}" ]; then
  prefix="$(dirname "$(dirname "$(node -p 'process.execPath')")")"
  if [ -f "$prefix/include/node/node_version.h" ]; then
    export npm_config_nodedir="$prefix"
  fi
fi

export npm_config_fund=false npm_config_audit=false npm_config_update_notifier=false
NPM_QUIET=(--no-audit --no-fund --loglevel=error)

start=$(date +%s)
rm -f "$MARKER"

# --- 1. code-server itself, without its postinstall ----------------------------------
log "npm ci code-server (no scripts)"
(cd "$PROJECT" && npm ci --ignore-scripts "${NPM_QUIET[@]}")

# --- 2. VS Code's runtime dependencies -----------------------------------------------
log "VS Code dependencies (lib/vscode)"
# Its npm-shrinkwrap.json pins the versions but is slightly out of sync with its package.json
# (so `npm ci` refuses); `npm install` follows the shrinkwrap and adds what is missing.
(cd "$VSCODE" && npm install --omit=dev --ignore-scripts "${NPM_QUIET[@]}")

# ripgrep: @vscode/ripgrep's postinstall would fetch rg from GitHub; use the system one.
mkdir -p "$VSCODE/node_modules/@vscode/ripgrep/bin"
cp "$(command -v rg)" "$VSCODE/node_modules/@vscode/ripgrep/bin/rg"

log "rebuilding VS Code's native modules from source"
(cd "$VSCODE" && npm_config_yes=true npm rebuild "${NPM_QUIET[@]}" \
   kerberos node-pty @parcel/watcher @vscode/spdlog native-watchdog @vscode/deviceid)

# What code-server's postinstall does after installing.
(cd "$VSCODE" && rm -rf node_modules.asar && ln -s node_modules node_modules.asar)
(cd "$VSCODE/bin/remote-cli" && rm -f code-server && ln -s code-linux.sh code-server)
(cd "$VSCODE/bin/helpers" && rm -f browser.sh && ln -s browser-linux.sh browser.sh)

# --- 3. dependencies shared by the built-in extensions -------------------------------
log "built-in extensions' dependencies (lib/vscode/extensions)"
(cd "$VSCODE/extensions" && npm install --omit=dev --ignore-scripts "${NPM_QUIET[@]}")

# --- 4. code-server's own native module (password hashing) --------------------------
# Build from source: its prebuilt-binary download comes from GitHub.
log "rebuilding argon2 from source"
(cd "$PROJECT" && npm_config_build_from_source=true npm rebuild "${NPM_QUIET[@]}" argon2)

# --- 5. check ------------------------------------------------------------------------
(cd "$VSCODE" && node -e "
  for (const m of ['kerberos', 'node-pty', '@parcel/watcher', '@vscode/spdlog', 'native-watchdog', '@vscode/deviceid']) require(m);
") || die "a native module does not load"
(cd "$PROJECT" && node -e "require('argon2')") || die "argon2 does not load"
"$VSCODE/node_modules/@vscode/ripgrep/bin/rg" --version >/dev/null || die "rg does not run"

echo "$STAMP" > "$MARKER"
log "installed code-server $(node -p "require('$CS/package.json').version") (VS Code $(node -p "require('$VSCODE/package.json').version")) in $(( $(date +%s) - start )) s"
