#!/usr/bin/env bash
# Measures `portoser caddy render` for a 38-service, 7-host registry like the original's example
# (bench/fixtures/caddy38): the whole process, startup included, in a release build (hyperfine
# when installed, else best and median of 50 runs). The original renders its Caddyfile with 449
# `yq` process spawns and takes tens of seconds.
#
#   bench/caddy.sh [REGISTRY_DIR]
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${1:-bench/fixtures/caddy38}

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/portoser
sites=$("$bin" caddy render -C "$dir" | grep -c '^[a-z0-9.-]* {$')
printf 'registry: %s (%s bytes); Caddyfile: %s sites, %s bytes\n' "$dir/registry.yml" \
  "$(wc -c <"$dir/registry.yml")" "$sites" "$("$bin" caddy render -C "$dir" | wc -c)"

if command -v hyperfine >/dev/null; then
  hyperfine --warmup 3 --runs 50 --style basic "$bin caddy render -C $dir" 2>&1 | grep -E 'Time|Range'
else
  times=()
  for _ in $(seq 50); do
    s=$(date +%s%N); "$bin" caddy render -C "$dir" >/dev/null; e=$(date +%s%N)
    times+=($(( (e - s) / 1000 )))
  done
  mapfile -t sorted < <(printf '%s\n' "${times[@]}" | sort -n)
  printf 'caddy render: best %d.%03d ms, median %d.%03d ms, worst %d.%03d ms (50 runs)\n' \
    $((sorted[0] / 1000)) $((sorted[0] % 1000)) $((sorted[25] / 1000)) $((sorted[25] % 1000)) \
    $((sorted[49] / 1000)) $((sorted[49] % 1000))
fi
