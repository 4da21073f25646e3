#!/usr/bin/env bash
# Installs Weir on a gateway as a systemd service, from a checkout where `bash .ci/setup.sh`
# has run (it provides the Deno binary, npm packages and built modules).
#
#   sudo ./install.sh [--prefix /opt/weir] [--config-dir /etc/weir] [--data-dir /var/lib/weir]
#                     [--user weir] [--no-start]
#   ./install.sh --unit-only DIR [--prefix …]   writes only weir.service into DIR (for checks)
#
# Idempotent: files are replaced, an existing gateway.yaml is kept. The service runs as an
# unprivileged user with only the Deno permissions it needs (not -A) and systemd hardening.
set -euo pipefail

PREFIX=/opt/weir
CONFIG_DIR=/etc/weir
DATA_DIR=/var/lib/weir
SERVICE_USER=weir
START=1
UNIT_ONLY=""
while [ $# -gt 0 ]; do
  case "$1" in
    --prefix) PREFIX=$2; shift 2 ;;
    --config-dir) CONFIG_DIR=$2; shift 2 ;;
    --data-dir) DATA_DIR=$2; shift 2 ;;
    --user) SERVICE_USER=$2; shift 2 ;;
    --no-start) START=0; shift ;;
    --unit-only) UNIT_ONLY=$2; shift 2 ;;
    -h|--help) sed -n '2,11p' "$0"; exit 0 ;;
    *) echo "install.sh: unknown option $1 (see --help)" >&2; exit 2 ;;
  esac
done
HERE=$(cd "$(dirname "$0")" && pwd)

unit() {
  cat <<UNIT
[Unit]
Description=Weir edge gateway (AIO dataflow graphs)
Documentation=file://$PREFIX/app/README.md
Wants=network-online.target
After=network-online.target

[Service]
Type=simple
User=$SERVICE_USER
Group=$SERVICE_USER
Environment=DENO_DIR=$DATA_DIR/deno
Environment=DENO_NO_UPDATE_CHECK=1
ExecStart=$PREFIX/bin/deno run --cached-only --allow-read=$PREFIX,$CONFIG_DIR,$DATA_DIR --allow-write=$DATA_DIR --allow-env --allow-ffi --allow-net --allow-sys=hostname,osRelease,networkInterfaces,statfs --unstable-worker-options $PREFIX/app/main.ts start --config $CONFIG_DIR/gateway.yaml --modules $PREFIX/app/modules/dist
# systemctl reload weir: the gateway reads its configuration again and hot-loads what changed.
ExecReload=/bin/kill -HUP \$MAINPID
KillSignal=SIGTERM
TimeoutStopSec=30
Restart=on-failure
RestartSec=2
NoNewPrivileges=true
ProtectSystem=strict
ProtectHome=true
PrivateTmp=true
PrivateDevices=true
ProtectKernelTunables=true
ProtectKernelModules=true
ProtectControlGroups=true
RestrictSUIDSGID=true
LockPersonality=true
ReadWritePaths=$DATA_DIR
ReadOnlyPaths=$PREFIX $CONFIG_DIR

[Install]
WantedBy=multi-user.target
UNIT
}

if [ -n "$UNIT_ONLY" ]; then
  mkdir -p "$UNIT_ONLY"
  unit > "$UNIT_ONLY/weir.service"
  echo "wrote $UNIT_ONLY/weir.service"
  exit 0
fi

[ "$(id -u)" -eq 0 ] || { echo "install.sh: run as root (sudo)" >&2; exit 1; }
case "$(uname -m)" in
  x86_64) DENO_PKG=linux-x64-glibc ;;
  aarch64) DENO_PKG=linux-arm64-glibc ;;
  *) echo "install.sh: no Deno build for $(uname -m); x86_64 and aarch64 only" >&2; exit 1 ;;
esac
DENO_BIN=$(find "$HERE/node_modules" -path "*@deno/$DENO_PKG/deno" -type f 2>/dev/null | head -n 1)
[ -n "$DENO_BIN" ] || { echo "install.sh: no Deno binary; run bash .ci/setup.sh first" >&2; exit 1; }
[ -f "$HERE/modules/dist/temperature.wasm" ] || { echo "install.sh: modules not built; run bash .ci/setup.sh first" >&2; exit 1; }

id "$SERVICE_USER" >/dev/null 2>&1 || useradd --system --no-create-home --shell /usr/sbin/nologin "$SERVICE_USER"
install -d -m 0755 "$PREFIX/bin" "$PREFIX/app" "$CONFIG_DIR"
install -d -m 0750 -o "$SERVICE_USER" -g "$SERVICE_USER" "$DATA_DIR"
install -m 0755 "$DENO_BIN" "$PREFIX/bin/deno"
# The application, its npm packages (native addons included) and the built modules.
for item in main.ts deno.json deno.lock src graphs web wit README.md node_modules; do
  rm -rf "${PREFIX:?}/app/$item"
  cp -a "$HERE/$item" "$PREFIX/app/"
done
install -d "$PREFIX/app/modules"
rm -rf "$PREFIX/app/modules/dist"
cp -a "$HERE/modules/dist" "$PREFIX/app/modules/dist"

if [ ! -f "$CONFIG_DIR/gateway.yaml" ]; then
  cat > "$CONFIG_DIR/gateway.yaml" <<YAML
# Weir gateway configuration: see $PREFIX/app/README.md and src/config/gateway.schema.json.
endpoints:
  local: { url: "mqtt://127.0.0.1:1883" }
dataflows:
  temperature:
    source: { endpoint: local, topics: ["sensors/#"] }
    graph: { file: $PREFIX/app/graphs/temperature.yaml }
    destination: { endpoint: local, topic: "processed/temperature" }
dataDir: $DATA_DIR
YAML
  chmod 0644 "$CONFIG_DIR/gateway.yaml"
fi

unit > /etc/systemd/system/weir.service
if [ -d /run/systemd/system ]; then
  systemctl daemon-reload
  if [ "$START" = 1 ]; then systemctl enable --now weir.service; else systemctl enable weir.service; fi
  echo "weir installed; journalctl -u weir -f shows its logs"
else
  echo "weir installed; systemd is not running here, start it with: systemctl enable --now weir"
fi
