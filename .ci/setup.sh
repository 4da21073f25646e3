#!/usr/bin/env bash
# Local and CI set-up: the pinned Deno from npm, the npm packages the code imports,
# mosquitto, the module toolchains and the sample modules. Safe to run again; it only does
# what is missing (about 20 minutes on a fresh 2-core machine, seconds after).
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
# Brokers the tests start themselves (mosquitto), then the sample modules, built from source.
bash .ci/install-services.sh
# A real Kafka 4.4.0 (Maven jars) and an OpenTelemetry Collector (Go proxy) for the Kafka and
# OpenTelemetry tests, both cached under ~/.cache/weir.
bash .ci/install-kafka.sh
bash .ci/install-otelcol.sh
# Debian Chromium for the admin page browser test.
bash .ci/install-browser.sh
# The OCI registry (docker-registry), htpasswd and oras for the OCI tests.
bash .ci/install-oci-tools.sh
# qemu-user and the arm64 runtime libraries, the unit sandbox's tools, the Deno runtimes a
# release ships (tests/package_test.ts, install_test.ts, arm64_test.ts).
bash .ci/install-appliance-tools.sh
bash modules/build.sh
bash modules/build-python.sh
bash modules/build-js.sh
