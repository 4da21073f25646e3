#!/usr/bin/env bash
# Installs what the appliance tests (tests/package_test.ts, install_test.ts, arm64_test.ts) use:
#
#   1. apt: qemu-user-static and the arm64 C and C++ runtime (the arm64 release runs under
#      emulation: `weir graph test`, the gateway, ONNX Runtime's arm64 build); util-linux
#      (unshare, setpriv), libseccomp2 and python3 for the unit sandbox; systemd for
#      systemd-analyze (Debian installs it without starting it here).
#   2. The Deno runtime tarballs a release ships (npm pack @deno/linux-{x64,arm64}-glibc at the
#      version package.json pins), cached in ~/.cache/weir-toolchain/npm; the packager checks
#      them against package-lock.json.
#
# Idempotent: a warm run only checks (well under a second).
set -euo pipefail
cd "$(dirname "$0")/.."

APT_PACKAGES=(qemu-user-static libc6-arm64-cross libgcc-s1-arm64-cross libstdc++6-arm64-cross
  util-linux libseccomp2 python3 systemd)

log() { printf '[appliance-tools %ss] %s\n' "$SECONDS" "$*" >&2; }

# shellcheck source=.ci/apt.sh
source .ci/apt.sh
apt_install "${APT_PACKAGES[@]}"

CACHE=${WEIR_TOOLCHAIN_CACHE:-$HOME/.cache/weir-toolchain}/npm
DENO_VERSION=$(sed -n 's/^ *"deno": *"\([^"]*\)".*/\1/p' package.json)
mkdir -p "$CACHE"
for arch in x64 arm64; do
  tgz=$CACHE/deno-linux-$arch-glibc-$DENO_VERSION.tgz
  if [ ! -f "$tgz" ]; then
    log "npm pack @deno/linux-$arch-glibc@$DENO_VERSION"
    npm pack "@deno/linux-$arch-glibc@$DENO_VERSION" --pack-destination "$CACHE" --silent >/dev/null
  fi
done
