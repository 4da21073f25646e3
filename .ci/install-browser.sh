#!/usr/bin/env bash
# Debian's Chromium for the admin page's browser test (tests/browser_admin_test.ts), which drives
# it with playwright-core from npm. Playwright's own browser download cannot be used here, so the
# test points playwright at /usr/bin/chromium. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/chromium ]]; then
  apt-get update -qq
  DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends chromium fonts-dejavu-core
fi
/usr/bin/chromium --version
