#!/usr/bin/env bash
# Installs the toolchain and the workspace on a fresh machine. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

# System packages the VM backends and their tests use (Debian/Ubuntu, as root). nix-bin gives
# nix-instantiate, which parses the generated microvm.nix flakes in the tests (no nixpkgs needed).
# etcd-server is the baseline pnpm bench:cluster runs beside Blixard (its own members, its own ports).
apt_packages=(nix-bin etcd-server)
if command -v apt-get >/dev/null 2>&1 && command -v dpkg-query >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  missing=()
  for package in "${apt_packages[@]}"; do
    dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed" || missing+=("$package")
  done
  if [ ${#missing[@]} -gt 0 ]; then
    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends "${missing[@]}"; } ||
      echo "setup: could not install ${missing[*]}; the tests that need them say so and skip" >&2
  fi
fi

pnpm_version=12.4.2
if ! command -v pnpm >/dev/null 2>&1 || [ "$(pnpm --version)" != "$pnpm_version" ]; then
  # corepack fails on signatures here; newer pnpm releases break the lock.
  npm i -g "pnpm@$pnpm_version"
fi

# better-sqlite3 builds from source; no headers can be downloaded, so build against the system's.
if [ -z "${npm_config_nodedir:-}" ] && [ -f /usr/include/node/node.h ]; then
  export npm_config_nodedir=/usr
fi

if [ "${CI:-}" = "true" ]; then
  pnpm install --frozen-lockfile
else
  pnpm install
fi

# The blixard CLI runs from a bundle (cli/dist): plain node starts it in a fraction of tsx's time.
pnpm build
