#!/usr/bin/env bash
# Installs a real Apache Kafka 4.4.0 broker for the Kafka connector tests, from Maven Central
# jars (no tarball): kafka_2.13 and its runtime dependencies plus slf4j-simple, copied into a
# cache directory that tests/_kafka.ts starts a KRaft broker from. Needs Java 17 and Maven
# (apt). Idempotent: a warm run only checks (cold: ~20 s and 43 MB).
#   bash .ci/install-kafka.sh [DIR]   (default ~/.cache/weir/kafka-4.4.0; tests read WEIR_KAFKA_LIBS)
set -euo pipefail

log() { printf '[install-kafka] %s\n' "$*" >&2; }

version=4.4.0
dir=${1:-${WEIR_KAFKA_HOME:-$HOME/.cache/weir/kafka-$version}}
if compgen -G "$dir/libs/kafka_2.13-$version.jar" >/dev/null; then
  log "Kafka $version jars in $dir/libs"
  exit 0
fi

# shellcheck source=.ci/apt.sh
source "$(dirname "$0")/apt.sh"
missing=()
command -v java >/dev/null 2>&1 || missing+=(openjdk-17-jre-headless)
command -v mvn >/dev/null 2>&1 || missing+=(maven)
[ "${#missing[@]}" -eq 0 ] || apt_install "${missing[@]}"

work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
cat >"$work/pom.xml" <<POM
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>weir.ci</groupId>
  <artifactId>kafka-broker</artifactId>
  <version>1</version>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_2.13</artifactId>
      <version>$version</version>
    </dependency>
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-simple</artifactId>
      <version>1.7.36</version>
    </dependency>
  </dependencies>
</project>
POM
log "fetching kafka_2.13:$version and its dependencies"
(cd "$work" && mvn -q -B dependency:copy-dependencies -DoutputDirectory=libs -DincludeScope=runtime)
mkdir -p "$dir"
rm -rf "$dir/libs.tmp"
mv "$work/libs" "$dir/libs.tmp"
rm -rf "$dir/libs"
mv "$dir/libs.tmp" "$dir/libs"
log "Kafka $version: $(ls "$dir/libs" | wc -l) jars in $dir/libs"
