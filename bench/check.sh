#!/usr/bin/env bash
# Measures `portoser check` and `portoser plan` on a synthetic fleet (default 5,000 services on
# 500 hosts, 50 playbooks, the stdlib) in a release build: wall time (hyperfine when installed,
# else best of 10) and peak memory (GNU time, or /proc when absent).
#
#   bench/check.sh [SERVICES] [HOSTS]
set -euo pipefail
cd "$(dirname "$0")/.."
services=${1:-5000}
hosts=${2:-500}
out=$(mktemp -d /tmp/portoser-bench.XXXXXX)
trap 'rm -rf "$out"' EXIT

cargo build --release --quiet
bin=${CARGO_TARGET_DIR:-target}/release/portoser
python3 bench/gen_fleet.py --services "$services" --hosts "$hosts" --playbooks 50 --out "$out" >/dev/null
printf 'fleet: %s services, %s hosts, 50 playbooks; registry %s bytes\n' \
  "$services" "$hosts" "$(wc -c <"$out/registry.yml")"

"$bin" check -C "$out" >/dev/null 2>&1 || { echo "the synthetic fleet does not check clean:"; "$bin" check -C "$out" 2>&1 | tail -20; exit 1; }

for cmd in check plan; do
  if command -v hyperfine >/dev/null; then
    hyperfine --warmup 2 --runs 10 --style basic "$bin $cmd -C $out" 2>&1 | grep -E 'Time|Range'
  else
    best=999999
    for _ in $(seq 10); do
      s=$(date +%s%N); "$bin" $cmd -C "$out" >/dev/null 2>&1; e=$(date +%s%N)
      ms=$(( (e - s) / 1000000 )); [ "$ms" -lt "$best" ] && best=$ms
    done
    echo "$cmd: best of 10: ${best} ms"
  fi
  if [ -x /usr/bin/time ]; then
    /usr/bin/time -f "$cmd: peak memory %M KiB" "$bin" $cmd -C "$out" >/dev/null 2>/tmp/portoser-bench-time || true
    grep 'peak memory' /tmp/portoser-bench-time
  fi
done
