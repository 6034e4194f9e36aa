#!/usr/bin/env bash
# Installs the toolchain and the workspace on a fresh machine. Idempotent.
set -euo pipefail
cd "$(dirname "$0")/.."

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
