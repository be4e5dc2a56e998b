#!/usr/bin/env bash
# Rebuilds the web client (web/dist, committed and embedded into the binary)
# from web/src with the toolchain pinned in web/package-lock.json: installs
# it with npm ci, type-checks the sources and bundles them.
set -euo pipefail
cd "$(dirname "$0")/../web"
npm ci --no-audit --no-fund
npx tsc --noEmit -p .
node build.mjs
