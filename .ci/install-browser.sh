#!/usr/bin/env bash
# Debian's Chromium for the admin page's browser test (tests/browser_admin_test.ts), which drives
# it with playwright-core from npm. Playwright's own browser download cannot be used here, so the
# test points playwright at /usr/bin/chromium. Safe to run again: it only installs what is missing.
set -euo pipefail
cd "$(dirname "$0")/.."

# shellcheck source=.ci/apt.sh
source .ci/apt.sh
apt_install chromium fonts-dejavu-core
/usr/bin/chromium --version
