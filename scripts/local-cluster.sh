#!/usr/bin/env sh
# Start a local Blixard cluster (see scripts/local-cluster.ts); arguments pass through.
set -eu
cd "$(dirname "$0")/.."
exec node --import tsx scripts/local-cluster.ts "$@"
