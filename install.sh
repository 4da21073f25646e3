#!/usr/bin/env bash
# Installs Weir on a gateway as a systemd service, from a release (the folder of a
# weir-<version>-linux-<arch>.tar.gz, where this script sits beside bin/ and lib/), or from a
# checkout (a developer fallback: it builds the release for this machine first).
#
#   sudo ./install.sh [--prefix /opt/weir] [--config-dir /etc/weir] [--data-dir /var/lib/weir]
#                     [--user weir] [--root DIR] [--no-start] [--force]
#   sudo ./install.sh --rollback      back to the release installed before the current one
#   sudo ./install.sh --uninstall [--purge]   remove Weir; --purge also removes config, data, user
#   ./install.sh --unit-only DIR      writes only weir.service into DIR (for checks)
#
# Layout: <prefix>/releases/<version> (root-owned, read-only to the service), <prefix>/current
# and <prefix>/previous (links), /usr/local/bin/weir, <config-dir>/gateway.yaml (kept if present),
# <data-dir> (the service user's), /etc/systemd/system/weir.service. --root DIR installs into an
# image root: every path goes under DIR and nothing is started. Running it again with the same
# release changes nothing; an upgrade keeps the previous release for --rollback.
set -euo pipefail

PREFIX=/opt/weir
CONFIG_DIR=/etc/weir
DATA_DIR=/var/lib/weir
SERVICE_USER=weir
ROOT=""
START=1
FORCE=0
PURGE=0
MODE=install
UNIT_ONLY=""
ARGS=("$@")
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --config-dir) CONFIG_DIR=$2; shift 2 ;;
    --data-dir) DATA_DIR=$2; shift 2 ;;
    --user) SERVICE_USER=$2; shift 2 ;;
    --root) ROOT=$(cd "$2" && pwd); shift 2 ;;
    --no-start) START=0; shift ;;
    --force) FORCE=1; shift ;;
    --rollback) MODE=rollback; shift ;;
    --uninstall) MODE=uninstall; shift ;;
    --purge) PURGE=1; shift ;;
    --unit-only) MODE=unit; UNIT_ONLY=$2; shift 2 ;;
    -h|--help) sed -n '2,17p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)
# Paths as the running system sees them; R prefixes them while installing into an image root.
R=$ROOT
SYSTEMD_DIR=/etc/systemd/system

say() { printf 'install.sh: %s\n' "$*"; }
die() { printf 'install.sh: %s\n' "$*" >&2; exit 1; }

unit() {
  cat <<UNIT
[Unit]
Description=Weir edge gateway (AIO dataflow graphs)
Documentation=file://$PREFIX/current/README.md
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=$SERVICE_USER
Group=$SERVICE_USER
# bin/weir computes the Deno permissions from the configuration (the files it names, its
# brokers, registries and listeners) and replaces itself with the gateway.
ExecStartPre=$PREFIX/current/bin/weir config check $CONFIG_DIR/gateway.yaml
ExecStart=$PREFIX/current/bin/weir start --config $CONFIG_DIR/gateway.yaml
# systemctl reload weir: check the edited file, then the gateway reads it again and hot-loads what
# changed. A failed check leaves the running gateway untouched.
ExecReload=$PREFIX/current/bin/weir config check $CONFIG_DIR/gateway.yaml
ExecReload=/bin/kill -HUP \$MAINPID
KillSignal=SIGTERM
TimeoutStopSec=30
Restart=on-failure
RestartSec=2
UMask=0077
NoNewPrivileges=yes
CapabilityBoundingSet=
AmbientCapabilities=
ProtectSystem=strict
ReadWritePaths=$DATA_DIR
ProtectHome=yes
PrivateTmp=yes
PrivateDevices=yes
PrivateUsers=yes
PrivateMounts=yes
ProtectKernelTunables=yes
ProtectKernelModules=yes
ProtectKernelLogs=yes
ProtectControlGroups=yes
ProtectClock=yes
ProtectHostname=yes
ProtectProc=invisible
# No ProcSubset=pid: onnxruntime reads /proc/cpuinfo on ARM to find the CPU's features (without
# it: "Failed to initialize PyTorch cpuinfo library", and slower inference).
RestrictNamespaces=yes
# AF_UNIX for name resolution through nscd or systemd-resolved.
RestrictAddressFamilies=AF_UNIX AF_INET AF_INET6
RestrictRealtime=yes
RestrictSUIDSGID=yes
LockPersonality=yes
# No MemoryDenyWriteExecute: V8 compiles JavaScript and WebAssembly to machine code.
SystemCallArchitectures=native
SystemCallFilter=@system-service
SystemCallFilter=~@privileged @resources
SystemCallErrorNumber=EPERM
DevicePolicy=closed
KeyringMode=private
RemoveIPC=yes

[Install]
WantedBy=multi-user.target
UNIT
}

if [ "$MODE" = unit ]; then
  mkdir -p "$UNIT_ONLY"
  unit > "$UNIT_ONLY/weir.service"
  echo "wrote $UNIT_ONLY/weir.service"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || die "run as root (sudo)"
SYSTEMD=0
if [ -z "$ROOT" ] && [ -d /run/systemd/system ]; then SYSTEMD=1; fi

service() {
  if [ "$SYSTEMD" = 1 ]; then systemctl "$@"; fi
}

# Replaces a link in one step (readers never see it missing).
relink() {
  ln -sfn "$1" "$2.tmp.$$"
  mv -T "$2.tmp.$$" "$2"
}

current_release() {
  local link=$R$PREFIX/current
  if [ -L "$link" ]; then basename "$(readlink "$link")"; fi
}

restart_if_running() {
  if [ "$SYSTEMD" = 1 ] && [ "$START" = 1 ]; then
    systemctl restart weir.service
    say "weir restarted; journalctl -u weir -f shows its logs"
  fi
}

if [ "$MODE" = rollback ]; then
  previous=$R$PREFIX/previous
  [ -L "$previous" ] || die "no previous release to roll back to"
  from=$(current_release)
  to=$(basename "$(readlink "$previous")")
  [ -d "$R$PREFIX/releases/$to" ] || die "previous release $to is missing"
  relink "releases/$to" "$R$PREFIX/current"
  relink "releases/$from" "$previous"
  say "rolled back from $from to $to (install.sh --rollback again returns to $from)"
  restart_if_running
  exit 0
fi

if [ "$MODE" = uninstall ]; then
  service disable --now weir.service 2>/dev/null || true
  rm -f "$R$SYSTEMD_DIR/weir.service"
  service daemon-reload
  [ "$(readlink "$R/usr/local/bin/weir" 2>/dev/null || true)" = "$PREFIX/current/bin/weir" ] &&
    rm -f "$R/usr/local/bin/weir"
  rm -rf "$R${PREFIX:?}/releases" "$R$PREFIX/current" "$R$PREFIX/previous"
  rmdir "$R$PREFIX" 2>/dev/null || true
  if [ "$PURGE" = 1 ]; then
    rm -rf "$R${CONFIG_DIR:?}" "$R${DATA_DIR:?}"
    if grep -q "^$SERVICE_USER:" "$R/etc/passwd" 2>/dev/null; then
      if [ -n "$ROOT" ]; then userdel --prefix "$ROOT" "$SERVICE_USER"; else userdel "$SERVICE_USER"; fi
    fi
    say "removed Weir, its configuration, data and the $SERVICE_USER user"
  else
    say "removed Weir; kept $CONFIG_DIR and $DATA_DIR (--purge removes them)"
  fi
  exit 0
fi

# A checkout: build this machine's release, then install that.
if [ ! -f "$HERE/lib/weir/build.json" ]; then
  [ -f "$HERE/deno.json" ] && [ -f "$HERE/main.ts" ] || die "run from a release folder or a checkout"
  case "$(uname -m)" in
    x86_64) ARCH=x64 ;;
    aarch64) ARCH=arm64 ;;
    *) die "no Deno build for $(uname -m); x86_64 and aarch64 only" ;;
  esac
  DENO_BIN=$HERE/node_modules/deno/deno
  [ -x "$DENO_BIN" ] || die "no Deno in this checkout; run bash .ci/setup.sh first"
  [ -f "$HERE/modules/dist/temperature.wasm" ] || die "modules not built; run bash .ci/setup.sh first"
  BUILD=$(mktemp -d)
  trap 'rm -rf "$BUILD"' EXIT
  (cd "$HERE" && "$DENO_BIN" task package --arch "$ARCH" --out "$BUILD" --no-archive)
  bash "$BUILD"/weir-*-linux-"$ARCH"/install.sh "${ARGS[@]}"
  exit $?
fi

case "$(uname -m)" in
  x86_64) [ -f "$HERE/node_modules/onnxruntime-node/bin/napi-v6/linux/x64/onnxruntime_binding.node" ] ||
    [ -n "$ROOT" ] || die "this release is not for x86_64" ;;
  aarch64) [ -f "$HERE/node_modules/onnxruntime-node/bin/napi-v6/linux/arm64/onnxruntime_binding.node" ] ||
    [ -n "$ROOT" ] || die "this release is not for aarch64" ;;
esac
VERSION=$(sed -n 's/^ *"version": *"\([^"]*\)".*/\1/p' "$HERE/lib/weir/build.json")
[ -n "$VERSION" ] || die "cannot read the version from lib/weir/build.json"
(cd "$HERE" && sha256sum --quiet --strict -c SHA256SUMS) || die "the release's files do not match SHA256SUMS"

# Runs the new release once while it is still root's: a smoke test of this machine's runtime,
# and it fills Deno's code cache (keyed by the program's path), which the service only reads.
smoke() {
  local release=$1 scratch out
  scratch=$(mktemp -d)
  "$release/bin/weir" --version >/dev/null || return 1
  out=$(echo '{"topic":"sensors/install","payload":"{\"temperature\":{\"value\":212,\"unit\":\"F\"}}"}' |
    XDG_CACHE_HOME=$scratch "$release/bin/weir" graph test "$release/graphs/temperature.yaml" \
      --modules "$release/modules/dist" --input -) || return 1
  rm -rf "$scratch"
  case "$out" in *'\"value\":100'*) return 0 ;; *) return 1 ;; esac
}

prewarm() {
  local release=$PREFIX/releases/$VERSION parent
  if [ -z "$ROOT" ]; then
    smoke "$release" || die "release $VERSION does not run on this machine (weir graph test failed)"
    return 0
  fi
  # An image root: show it at its final path in a private mount namespace, when that is
  # possible without hiding the image itself; an image for another machine is not run.
  parent=$(dirname "$PREFIX")
  if [ "$parent" = / ] || [ ! -d "$parent" ] || ! command -v unshare >/dev/null ||
    ! "$R$release/bin/deno" --version >/dev/null 2>&1; then
    say "code cache not prepared for the image (the first starts compile the program)"
    return 0
  fi
  case "$ROOT/" in "$parent"/*)
    say "code cache not prepared: the image root is under $parent"
    return 0 ;;
  esac
  unshare --mount bash -c "$(declare -f smoke); set -e; mount --make-rprivate /
    mount -t tmpfs -o mode=0755 tmpfs \"\$1\"; mkdir -p \"\$2\"; mount --bind \"\$3\" \"\$2\"
    smoke \"\$4\"" prewarm "$parent" "$PREFIX" "$R$PREFIX" "$release" ||
    die "release $VERSION does not run (weir graph test failed)"
}

# The service user.
if ! grep -q "^$SERVICE_USER:" "$R/etc/passwd" 2>/dev/null; then
  if [ -n "$ROOT" ]; then
    [ -f "$ROOT/etc/passwd" ] || die "$ROOT/etc/passwd is missing: --root needs an image root"
    useradd --prefix "$ROOT" --system --no-create-home --home-dir "$DATA_DIR" \
      --shell /usr/sbin/nologin "$SERVICE_USER"
  else
    useradd --system --no-create-home --home-dir "$DATA_DIR" --shell /usr/sbin/nologin "$SERVICE_USER"
  fi
  say "created the system user $SERVICE_USER"
fi
UID_GID=$(awk -F: -v u="$SERVICE_USER" '$1 == u { print $3 ":" $4 }' "$R/etc/passwd")

# The release: root-owned, read-only to everyone else; the same release twice is left alone.
RELEASES=$R$PREFIX/releases
TARGET=$RELEASES/$VERSION
install -d -m 0755 -o 0 -g 0 "$R$PREFIX" "$RELEASES"
if [ -d "$TARGET" ] && cmp -s "$TARGET/SHA256SUMS" "$HERE/SHA256SUMS"; then
  say "release $VERSION is already installed"
else
  if [ -d "$TARGET" ]; then
    [ "$FORCE" = 1 ] || die "release $VERSION is installed from another build; --force replaces it"
    [ "$(current_release)" != "$VERSION" ] || [ "$SYSTEMD" = 0 ] || service stop weir.service
  fi
  STAGE=$RELEASES/.$VERSION.tmp.$$
  rm -rf "$STAGE"
  mkdir -p "$STAGE"
  # Not cp -a: the files belong to root here, whoever unpacked the tarball.
  cp -R --preserve=mode,timestamps "$HERE/." "$STAGE/"
  chown -R 0:0 "$STAGE"
  chmod -R u+rwX,go+rX,go-w "$STAGE"
  (cd "$STAGE" && sha256sum --quiet --strict -c SHA256SUMS) || die "copy of the release is damaged"
  rm -rf "$TARGET"
  mv -T "$STAGE" "$TARGET"
  prewarm
  say "installed release $VERSION in $PREFIX/releases/$VERSION"
fi

# The layout before releases (a copied checkout in <prefix>/app, Deno in <prefix>/bin).
if [ -f "$R$PREFIX/app/main.ts" ]; then
  rm -rf "$R${PREFIX:?}/app" "$R${PREFIX:?}/bin"
  say "removed the checkout-style install in $PREFIX/app"
fi

# Links: current, previous (the release current pointed to before, kept for --rollback).
WAS=$(current_release)
if [ "$WAS" != "$VERSION" ]; then
  if [ -n "$WAS" ]; then relink "releases/$WAS" "$R$PREFIX/previous"; fi
  relink "releases/$VERSION" "$R$PREFIX/current"
  say "current release: $VERSION${WAS:+ (previous: $WAS)}"
fi
# Keep only the current and the previous release.
keep_previous=$(basename "$(readlink "$R$PREFIX/previous" 2>/dev/null || echo none)")
for old in "$RELEASES"/*; do
  name=$(basename "$old")
  if [ -d "$old" ] && [ "$name" != "$VERSION" ] && [ "$name" != "$keep_previous" ]; then
    rm -rf "$old"
    say "removed release $name"
  fi
done
install -d -m 0755 "$R/usr/local/bin"
[ "$(readlink "$R/usr/local/bin/weir" 2>/dev/null || true)" = "$PREFIX/current/bin/weir" ] ||
  ln -sfn "$PREFIX/current/bin/weir" "$R/usr/local/bin/weir"

# Configuration (kept when present) and data (the service user's only).
install -d -m 0755 -o 0 -g 0 "$R$CONFIG_DIR"
if [ ! -f "$R$CONFIG_DIR/gateway.yaml" ]; then
  cat > "$R$CONFIG_DIR/gateway.yaml" <<YAML
# Weir gateway configuration: see $PREFIX/current/README.md ("Install on a gateway").
# Check it with: weir config check $CONFIG_DIR/gateway.yaml
endpoints:
  local: { url: "mqtt://127.0.0.1:1883" }
dataflows:
  temperature:
    source: { endpoint: local, topics: ["sensors/#"] }
    graph: { file: $PREFIX/current/graphs/temperature.yaml }
    destination: { endpoint: local, topic: "processed/temperature" }
dataDir: $DATA_DIR
YAML
  chown "0:${UID_GID#*:}" "$R$CONFIG_DIR/gateway.yaml"
  chmod 0640 "$R$CONFIG_DIR/gateway.yaml"
  say "wrote $CONFIG_DIR/gateway.yaml"
fi
if [ ! -d "$R$DATA_DIR" ]; then
  install -d -m 0750 -o "${UID_GID%:*}" -g "${UID_GID#*:}" "$R$DATA_DIR"
fi

# The unit, rewritten only when it changes.
install -d -m 0755 "$R$SYSTEMD_DIR"
UNIT_FILE=$R$SYSTEMD_DIR/weir.service
if ! unit | cmp -s - "$UNIT_FILE"; then
  unit > "$UNIT_FILE.tmp.$$"
  chmod 0644 "$UNIT_FILE.tmp.$$"
  mv -T "$UNIT_FILE.tmp.$$" "$UNIT_FILE"
  say "wrote $SYSTEMD_DIR/weir.service"
  service daemon-reload
fi

if [ -n "$ROOT" ]; then
  wants=$R$SYSTEMD_DIR/multi-user.target.wants
  install -d -m 0755 "$wants"
  [ "$(readlink "$wants/weir.service" 2>/dev/null || true)" = "$SYSTEMD_DIR/weir.service" ] ||
    ln -sfn "$SYSTEMD_DIR/weir.service" "$wants/weir.service"
  say "installed into $ROOT; weir.service starts when that system boots"
elif [ "$SYSTEMD" = 1 ]; then
  systemctl enable weir.service --quiet
  if [ "$START" = 1 ]; then
    if [ "$WAS" != "$VERSION" ] || ! systemctl is-active --quiet weir.service; then
      systemctl restart weir.service
    fi
    say "weir is running; journalctl -u weir -f shows its logs"
  fi
else
  say "systemd is not running here; start it with: systemctl enable --now weir"
fi
