#!/usr/bin/env bash
# Builds a small OpenTelemetry Collector (OTLP receiver over HTTP and gRPC; debug and OTLP/HTTP
# exporters) with the collector builder from the Go module proxy, for the OpenTelemetry
# destination tests (tests/_otelcol.ts). Idempotent: a warm run only checks (cold: ~2-3 min
# on 2 cores, 40 MB).
#   bash .ci/install-otelcol.sh [OUT]   (default ~/.cache/weir/otelcol-0.165.0/otelcol; tests read WEIR_OTELCOL)
set -euo pipefail

log() { printf '[install-otelcol] %s\n' "$*" >&2; }

version=0.165.0
providers=1.71.0
out=${1:-${WEIR_OTELCOL:-$HOME/.cache/weir/otelcol-$version/otelcol}}
if [[ -x "$out" ]]; then
  log "collector: $out"
  exit 0
fi
if ! command -v go >/dev/null 2>&1 && [[ -x /usr/local/go/bin/go ]]; then
  export PATH="/usr/local/go/bin:$PATH"
fi
if ! command -v go >/dev/null 2>&1; then
  # shellcheck source=.ci/apt.sh
  source "$(dirname "$0")/apt.sh"
  apt_install golang-go
fi
export GOWORK=off GOFLAGS=-mod=mod GOTOOLCHAIN=local
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
log "go install the collector builder $version"
GOBIN="$work/bin" go install "go.opentelemetry.io/collector/cmd/builder@v$version"
cat >"$work/manifest.yaml" <<YAML
dist:
  name: otelcol
  description: Weir test collector
  output_path: $work/out
receivers:
  - gomod: go.opentelemetry.io/collector/receiver/otlpreceiver v$version
exporters:
  - gomod: go.opentelemetry.io/collector/exporter/debugexporter v$version
  - gomod: go.opentelemetry.io/collector/exporter/otlphttpexporter v$version
providers:
  - gomod: go.opentelemetry.io/collector/confmap/provider/envprovider v$providers
  - gomod: go.opentelemetry.io/collector/confmap/provider/fileprovider v$providers
YAML
log "building the collector"
"$work/bin/builder" --config "$work/manifest.yaml" >"$work/build.log" 2>&1 || {
  tail -n 40 "$work/build.log" >&2
  exit 1
}
mkdir -p "$(dirname "$out")"
cp "$work/out/otelcol" "$out.tmp"
mv "$out.tmp" "$out"
log "collector: $out"
