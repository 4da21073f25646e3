# Sourced by the .ci install scripts: the one way they install Debian packages.
#
#   apt_install [--no-start SERVICE] [--with-recommends] PACKAGE...
#
# Installs the packages that are not installed yet (a warm run only asks dpkg). The package lists
# are updated first when they do not know the first package, and once more when the install fails
# (a stale list names a .deb the mirror no longer has). --no-start keeps packaged services from
# starting while the packages install (policy-rc.d, unless the machine has its own), then stops
# and disables SERVICE: the tests start their own servers on free ports.

APT_SUDO=""
[ "$(id -u)" -eq 0 ] || APT_SUDO=sudo

apt_installed() {
  [ "$(dpkg-query -W -f='${db:Status-Status}' "$1" 2>/dev/null || true)" = installed ]
}

# A subshell, so its EXIT trap (removing the policy it added) stays its own.
apt_install() (
  set -euo pipefail
  local service="" recommends=--no-install-recommends
  while [ "$#" -gt 0 ]; do
    case "$1" in
      --no-start) service=$2; shift 2 ;;
      --with-recommends) recommends=""; shift ;;
      *) break ;;
    esac
  done
  local missing=() p
  for p in "$@"; do apt_installed "$p" || missing+=("$p"); done
  if [ "${#missing[@]}" -gt 0 ]; then
    local policy=/usr/sbin/policy-rc.d
    if [ -n "$service" ] && [ ! -e "$policy" ]; then
      # exit 101 = "not allowed": invoke-rc.d starts nothing while this runs.
      printf '#!/bin/sh\nexit 101\n' | $APT_SUDO tee "$policy" >/dev/null
      $APT_SUDO chmod +x "$policy"
      trap '$APT_SUDO rm -f "$policy"' EXIT
    fi
    export DEBIAN_FRONTEND=noninteractive
    if [ -z "$(apt-cache policy "$1" 2>/dev/null | grep -E 'Candidate: [0-9]' || true)" ]; then
      printf '[apt] apt-get update\n' >&2
      $APT_SUDO apt-get update -q
    fi
    printf '[apt] apt-get install %s\n' "${missing[*]}" >&2
    # shellcheck disable=SC2086 # $recommends is one flag or nothing
    if ! $APT_SUDO apt-get install -y -q $recommends "${missing[@]}"; then
      printf '[apt] apt-get update, then install again\n' >&2
      $APT_SUDO apt-get update -q
      # shellcheck disable=SC2086
      $APT_SUDO apt-get install -y -q $recommends "${missing[@]}"
    fi
  fi
  if [ -n "$service" ]; then
    if command -v systemctl >/dev/null 2>&1 && [ -d /run/systemd/system ]; then
      $APT_SUDO systemctl disable --now "$service.service" >/dev/null 2>&1 || true
    fi
    if [ -x "/etc/init.d/$service" ]; then
      $APT_SUDO "/etc/init.d/$service" stop >/dev/null 2>&1 || true
      if command -v update-rc.d >/dev/null 2>&1; then
        $APT_SUDO update-rc.d "$service" disable >/dev/null 2>&1 || true
      fi
    fi
  fi
)
