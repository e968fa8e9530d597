#!/bin/sh
# SPDX-License-Identifier: EUPL-1.2
# Runs the end-to-end tests of the web interface in headless Chromium:
# Debian's chromium (installed by scripts/setup) driven by playwright-core
# (pinned in package-lock.json, installed here on first use).
# Usage: run.sh OUTPUT-DIR   (screenshots and downloaded PDFs go there)
set -eu
here=$(cd "$(dirname "$0")" && pwd)
browser=${CHROMIUM:-$(command -v chromium || true)}
if [ -z "$browser" ]; then
  echo "1..0 # SKIP chromium is not installed (scripts/setup installs it)"
  exit 77
fi
if ! command -v node >/dev/null 2>&1; then
  echo "node is missing: scripts/setup installs nodejs" >&2
  exit 1
fi
if [ ! -f "$here/node_modules/playwright-core/package.json" ]; then
  if ! command -v npm >/dev/null 2>&1; then
    echo "npm is missing: install Debian's npm package (or nodejs with npm)" >&2
    exit 1
  fi
  (cd "$here" && npm ci --no-audit --no-fund --loglevel=error >&2)
fi
CHROMIUM=$browser exec node "$here/walk.mjs" "$@"
