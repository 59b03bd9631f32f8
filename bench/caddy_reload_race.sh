#!/usr/bin/env bash
# Plain Caddy, no portoser: four curl clients in a loop while the config is loaded N times
# through the admin API (alternating between two upstreams). Counts the requests that get no
# HTTP answer. Shows that Caddy's own reload drops the occasional connection, which is what
# tests/e2e_caddy.rs sees during a move; how many depends on the version, the protocol and
# this network namespace's net.ipv4.tcp_migrate_req (printed with the result; docs/caddy.md
# "Reloads and dropped requests" has the figures). CADDY is
# the binary to measure (default `caddy` on PATH; the test bed's 2.11.7 is
# /usr/local/lib/portoser-testbed/caddy-2.11.7/caddy, installed by tests/testbed/install.sh).
#
# CURL_OPTS adds curl options (`--http1.1`: HTTP/1.1 instead of HTTP/2 through ALPN); PAUSE is
# the time between loads (0.2 s).
#
#   bench/caddy_reload_race.sh [RELOADS] [CADDY]
set -euo pipefail
n=${1:-40}
caddy=${2:-caddy}
version=$("$caddy" version | cut -d' ' -f1)
d=$(mktemp -d /tmp/portoser-caddy-race.XXXXXX)
pids=()
cleanup() {
  touch "$d/stop"
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  rm -rf "$d"
}
trap cleanup EXIT
admin=127.0.0.1:23919
conf() {
  printf '{\n\tadmin %s\n\thttp_port 23980\n\thttps_port 23943\n\tskip_install_trust\n}\n\n' "$admin"
  printf 'race.test {\n\ttls internal\n\treverse_proxy 127.0.0.1:%s\n}\n' "$1"
}
conf 23901 >"$d/Caddyfile"
for port in 23901 23902; do
  python3 -m http.server "$port" --bind 127.0.0.1 --directory "$d" >/dev/null 2>&1 &
  pids+=($!)
done
XDG_DATA_HOME="$d/data" XDG_CONFIG_HOME="$d/config" HOME="$d" \
  "$caddy" run --config "$d/Caddyfile" --adapter caddyfile >"$d/caddy.log" 2>&1 &
pids+=($!)
ca="$d/data/caddy/pki/authorities/local/root.crt"
get() {
  # shellcheck disable=SC2086 # CURL_OPTS is a list of options
  curl -sS --max-time 5 ${CURL_OPTS:-} -o /dev/null -w '%{http_code}' --resolve race.test:23943:127.0.0.1 \
    --cacert "$ca" https://race.test:23943/ 2>&1
}
for _ in $(seq 50); do [[ $(get) == 200 ]] && break; sleep 0.1; done
# `|| true`: curl fails on a dropped connection, and `set -e` would end that client silently
# (which made earlier runs of this script undercount).
for c in 1 2 3 4; do
  ( while [[ ! -e $d/stop ]]; do
      r=$(get || true); if [[ $r == 200 ]]; then echo >>"$d/ok.$c"; else echo "${r//$'\n'/ }" >>"$d/fail.$c"; fi
    done ) &
  pids+=($!)
done
for i in $(seq "$n"); do
  conf $((23901 + i % 2)) | curl -s -o /dev/null -X POST -H 'Content-Type: text/caddyfile' \
    --data-binary @- "http://$admin/load"
  sleep "${PAUSE:-0.2}"
done
touch "$d/stop"; sleep 6
printf 'caddy %s, %s reloads%s, tcp_migrate_req=%s: %s answered, %s without an HTTP answer\n' \
  "$version" "$n" "${CURL_OPTS:+ (curl $CURL_OPTS)}" \
  "$(cat /proc/sys/net/ipv4/tcp_migrate_req 2>/dev/null || echo -)" \
  "$(cat "$d"/ok.* | wc -l)" "$(cat "$d"/fail.* 2>/dev/null | wc -l)"
cat "$d"/fail.* 2>/dev/null | sed 's/^000 //' | sort | uniq -c || true
