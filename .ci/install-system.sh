#!/usr/bin/env bash
# System packages needed to build QKV Lens and to run its end-to-end tests
# (code-server driven by Debian's Chromium). Idempotent: when every package is
# already installed it does nothing (no apt-get update), so re-runs are instant.
#
#   sudo .ci/install-system.sh        (or as root in CI)
#
# Packages:
#   chromium          headless browser driven by playwright-core (no browser download)
#   ripgrep           `rg`, copied into code-server (its postinstall would fetch it from GitHub)
#   libkrb5-dev       headers for code-server's native `kerberos` module
#   pkg-config, build-essential, python3
#                     node-gyp toolchain for code-server's native modules
#   fonts-noto-cjk    CJK glyphs, so Chinese text renders in screenshots instead of boxes
#   fonts-noto-core, fonts-dejavu-core
#                     Latin fonts for the workbench UI
#   ca-certificates, procps
#                     TLS roots for npm, `ps`/`pkill`-free process-tree inspection
set -euo pipefail

PACKAGES=(
  chromium
  ripgrep
  libkrb5-dev
  pkg-config
  build-essential
  python3
  fonts-noto-cjk
  fonts-noto-core
  fonts-dejavu-core
  ca-certificates
  procps
)

missing=()
for p in "${PACKAGES[@]}"; do
  if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed'; then
    missing+=("$p")
  fi
done

if [ ${#missing[@]} -eq 0 ]; then
  echo "install-system: all ${#PACKAGES[@]} packages already installed"
  exit 0
fi

SUDO=""
if [ "$(id -u)" -ne 0 ]; then SUDO="sudo"; fi

echo "install-system: installing ${missing[*]}"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update
$SUDO apt-get install -y --no-install-recommends "${missing[@]}"
# Make new fonts visible to Chromium right away.
if command -v fc-cache >/dev/null 2>&1; then $SUDO fc-cache -f >/dev/null 2>&1 || true; fi
echo "install-system: done"
