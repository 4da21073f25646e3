#!/usr/bin/env bash
# Installs what the OCI tests (tests/oci_*_test.ts) start or call themselves:
#
#   1. apt: Debian's docker-registry (distribution 2.8), which the tests run on a free 127.0.0.1
#      port (tests/_registry.ts), and apache2-utils for `htpasswd -B` (registry 2.8 only reads
#      bcrypt htpasswd files). The packaged service must not run: it is kept from starting while
#      the package installs, then stopped and disabled.
#   2. oras (pinned), built from the Go module proxy with Go at /usr/local/go (or on PATH), to
#      push and pull the artifact variants AIO documents and check that Weir reads and writes the
#      same manifests.
#
# oras lands in $WEIR_TOOLCHAIN_DIR/bin (default ~/.cache/weir-toolchain/bin), where the tests look
# for it. Idempotent: a warm run only checks versions (well under a second).
set -euo pipefail

DIR=${WEIR_TOOLCHAIN_DIR:-$HOME/.cache/weir-toolchain}
ORAS_VERSION=1.3.6
APT_PACKAGES=(docker-registry apache2-utils)

log() { printf '[oci-tools %ss] %s\n' "$SECONDS" "$*" >&2; }

# shellcheck source=.ci/apt.sh
source "$(dirname "$0")/apt.sh"

# --- 1. apt packages --------------------------------------------------------------------------
# The packaged service would hold :5000; the tests start their own registries.
apt_install --no-start docker-registry "${APT_PACKAGES[@]}"
command -v docker-registry >/dev/null 2>&1 || {
  log "docker-registry is not on PATH after the install"
  exit 1
}

# --- 2. oras ----------------------------------------------------------------------------------
ORAS=$DIR/bin/oras
STAMP="oras $ORAS_VERSION"
if [ "$(cat "$DIR/bin/.oras-stamp" 2>/dev/null || true)" != "$STAMP" ] || ! "$ORAS" version >/dev/null 2>&1; then
  GO=/usr/local/go/bin/go
  [ -x "$GO" ] || GO=$(command -v go || true)
  [ -n "$GO" ] || { log "missing go: install Go 1.23 or newer (or put it at /usr/local/go)"; exit 1; }
  log "go install oras.land/oras/cmd/oras@v$ORAS_VERSION into $DIR/bin (a minute or two)"
  mkdir -p "$DIR/bin"
  # Module and build caches stay in the toolchain folder, beside the binary.
  GOBIN=$DIR/bin GOPATH=$DIR/go GOCACHE=$DIR/go/cache GOFLAGS=-modcacherw \
    "$GO" install "oras.land/oras/cmd/oras@v$ORAS_VERSION"
  echo "$STAMP" >"$DIR/bin/.oras-stamp"
fi

log "ready: $(docker-registry --version 2>/dev/null | head -n 1), oras $("$ORAS" version | sed -n 's/^Version: *//p')"
