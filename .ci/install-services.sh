#!/usr/bin/env bash
# Installs the services the connector tests start themselves: Debian's mosquitto (MQTT 5 broker),
# and the MQTT command-line clients (mosquitto_sub, mosquitto_pub) the README uses to watch a gateway.
# The tests run their own mosquitto on a free 127.0.0.1 port (tests/_mosquitto.ts); the system
# service must not run, so it is kept from starting while the package installs, and stopped and
# disabled afterwards in case it started anyway. Idempotent: a warm run only checks.
set -euo pipefail

log() { printf '[install-services] %s\n' "$*" >&2; }

# shellcheck source=.ci/apt.sh
source "$(dirname "$0")/apt.sh"

# The packaged service must not hold port 1883 or compete with the tests' brokers.
apt_install --no-start mosquitto mosquitto mosquitto-clients
