#!/usr/bin/env bash
# Local and CI set-up: the pinned Deno from npm and the npm packages the code
# imports. Safe to run again; it only does what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if ! command -v npm >/dev/null; then
  apt-get update -qq && apt-get install -y -qq nodejs npm
fi
if [[ ! -x node_modules/.bin/deno ]] || ! node_modules/.bin/deno --version | grep -q '^deno 2.9.6'; then
  npm ci --no-audit --no-fund
fi
# Fetch the npm packages named in deno.json into node_modules.
node_modules/.bin/deno install --quiet
