#!/usr/bin/env bash
# Installs the services the connector tests start themselves: Debian's mosquitto (MQTT 5 broker),
# and the MQTT command-line clients (mosquitto_sub, mosquitto_pub) the README uses to watch a gateway.
# The tests run their own mosquitto on a free 127.0.0.1 port (tests/_mosquitto.ts); the system
# service must not run, so it is kept from starting while the package installs, and stopped and
# disabled afterwards in case it started anyway. Idempotent: a warm run only checks.
set -euo pipefail

log() { printf '[install-services] %s\n' "$*" >&2; }

SUDO=""
[ "$(id -u)" -eq 0 ] || SUDO=sudo

installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

PACKAGES=(mosquitto mosquitto-clients)
missing=()
for p in "${PACKAGES[@]}"; do installed "$p" || missing+=("$p"); done

if [ "${#missing[@]}" -gt 0 ]; then
  # Keep invoke-rc.d from starting the packaged service during the install (exit 101 = "not
  # allowed"), unless the machine already has its own policy, which is then left as it is.
  policy=/usr/sbin/policy-rc.d
  added_policy=0
  if [ ! -e "$policy" ]; then
    printf '#!/bin/sh\nexit 101\n' | $SUDO tee "$policy" >/dev/null
    $SUDO chmod +x "$policy"
    added_policy=1
  fi
  cleanup() { if [ "$added_policy" = 1 ]; then $SUDO rm -f "$policy"; fi; }
  trap cleanup EXIT
  export DEBIAN_FRONTEND=noninteractive
  # Update the package lists once when they do not know the package, or when they are so old
  # that the install fails (a stale list names a .deb the mirror no longer has).
  if [ -z "$(apt-cache policy mosquitto 2>/dev/null | grep -E 'Candidate: [0-9]' || true)" ]; then
    log "apt-get update"
    $SUDO apt-get update -q
  fi
  log "apt-get install ${missing[*]}"
  if ! $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"; then
    log "apt-get update, then install again"
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends "${missing[@]}"
  fi
  cleanup
  trap - EXIT
fi

# The packaged service must not hold port 1883 or compete with the tests' brokers.
if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
  $SUDO systemctl disable --now mosquitto.service >/dev/null 2>&1 || true
fi
if [ -x /etc/init.d/mosquitto ]; then
  $SUDO /etc/init.d/mosquitto stop >/dev/null 2>&1 || true
  if command -v update-rc.d >/dev/null 2>&1; then
    $SUDO update-rc.d mosquitto disable >/dev/null 2>&1 || true
  fi
fi
# A daemon started by the package runs as its own pid file says; stop just that one.
if [ -s /run/mosquitto/mosquitto.pid ]; then
  pid=$(cat /run/mosquitto/mosquitto.pid)
  if [ -n "$pid" ] && kill -0 "$pid" 2>/dev/null; then
    log "stopping the packaged mosquitto (pid $pid)"
    $SUDO kill "$pid" || true
  fi
fi

command -v mosquitto >/dev/null 2>&1 || [ -x /usr/sbin/mosquitto ] || {
  log "mosquitto is not on PATH after the install"
  exit 1
}
command -v mosquitto_sub >/dev/null 2>&1 || {
  log "mosquitto_sub is not on PATH after the install (package mosquitto-clients)"
  exit 1
}
log "mosquitto $(/usr/sbin/mosquitto -h 2>/dev/null | head -n 1 | sed 's/^mosquitto version //' || true) and its clients ready"
