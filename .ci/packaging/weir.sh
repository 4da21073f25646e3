#!/bin/sh
# weir: the Weir command line of this release (bin/weir). It replaces itself with the Deno
# runtime beside it running the bundled program, with only the permissions the command needs.
# `weir start` first asks the program which permissions its configuration needs (the files it
# names, its brokers, registries and listeners), then starts the gateway with exactly those.
# Works from any directory: paths on the command line are the caller's.
set -eu

self=$(readlink -f -- "$0")
root=$(dirname -- "$(dirname -- "$self")")
deno=$root/bin/deno
main=$root/lib/weir/weir.js
# The code cache: filled by install.sh while the release is still root's, read-only after.
DENO_DIR=$root/cache/deno
DENO_NO_UPDATE_CHECK=1
DENO_NO_PROMPT=1
export DENO_DIR DENO_NO_UPDATE_CHECK DENO_NO_PROMPT

# The variables Weir and its packages read by name (src/cli/start_permissions.ts).
env_names='@ENV_NAMES@'
ort=$root/node_modules/onnxruntime-node

case "${1-} ${2-}" in
  "start "* | "start")
    # One flag per line; globbing off, as a flag may hold "*".
    flags=$("$deno" run --config "$root/deno.json" --cached-only --no-prompt \
      --allow-read --allow-env="$env_names" "$main" "$@" --print-deno-flags)
    old_ifs=$IFS
    IFS='
'
    set -f
    # shellcheck disable=SC2086 # split on purpose: one argument per line of $flags
    set -- $flags "$main" "$@"
    set +f
    IFS=$old_ifs
    exec "$deno" run --config "$root/deno.json" --cached-only "$@"
    ;;
  "graph test")
    exec "$deno" run --config "$root/deno.json" --cached-only --no-prompt \
      --allow-read --allow-write --allow-env="$env_names,HOME,XDG_CACHE_HOME,TMPDIR,TMP,TEMP" \
      --allow-ffi="$ort" --unstable-worker-options "$main" "$@"
    ;;
  "push "* | "pull "* | "bundle "*)
    # Registry tools: passwords may come from any variable (--password-env NAME).
    exec "$deno" run --config "$root/deno.json" --cached-only --no-prompt \
      --allow-read --allow-write --allow-net --allow-env --allow-sys=statfs "$main" "$@"
    ;;
  *)
    # version, help, config check, graph validate: read only.
    exec "$deno" run --config "$root/deno.json" --cached-only --no-prompt \
      --allow-read --allow-env="$env_names" "$main" "$@"
    ;;
esac
