#!/usr/bin/env bash
# The test bed's Caddy ingress: `caddy run` inside h1's namespace (the ingress host), as the test
# user (so apply, which logs in as that user, can replace the Caddyfile and its TLS files),
# admin API on 127.0.0.1:$TB_CADDY_ADMIN_PORT inside the namespace, high http/https ports, XDG
# dirs under the bed root. up.sh and down.sh call it; it also runs alone on a running bed:
#   tests/testbed/caddy.sh start|stop|status
set -euo pipefail
source "$(dirname "$0")/lib.sh"
D="$TB_CADDY_DIR"
NS=$(tb_ns 1)

start() {
  command -v caddy >/dev/null || tb_die "missing 'caddy' (apt-get install -y caddy)"
  [[ -e /run/netns/$NS ]] || tb_die "namespace $NS is missing: run up.sh first"
  mkdir -p "$D/xdg-data" "$D/xdg-config" "$D/portoser-tls"
  if [[ ! -s $D/Caddyfile ]]; then
    # Empty until the first reload: the global options only (admin, ports, no ACME).
    cat >"$D/Caddyfile" <<CADDY
{
	admin 127.0.0.1:$TB_CADDY_ADMIN_PORT
	http_port $TB_CADDY_HTTP_PORT
	https_port $TB_CADDY_HTTPS_PORT
	skip_install_trust
}
CADDY
  fi
  chown -R "$TB_USER:$TB_USER" "$D"
  if tb_alive "$D/caddy.pid"; then
    tb_log "caddy already running (pid $(cat "$D/caddy.pid"))"
  else
    cat >"$D/start-caddy" <<SH
#!/bin/sh
# Written by tests/testbed/caddy.sh: starts the ingress Caddy alone.
cd '$D' && setsid nsenter --net=/run/netns/$NS \\
  setpriv --reuid '$TB_USER' --regid '$TB_USER' --init-groups \\
  env HOME='$D' XDG_DATA_HOME='$D/xdg-data' XDG_CONFIG_HOME='$D/xdg-config' \\
  caddy run --config '$D/Caddyfile' --adapter caddyfile --pidfile '$D/caddy.pid' \\
  </dev/null >'$D/caddy.log' 2>&1 &
SH
    chmod 755 "$D/start-caddy"
    "$D/start-caddy"
  fi
  tb_wait 100 nsenter --net="/run/netns/$NS" busybox wget -q -O /dev/null \
    "http://127.0.0.1:$TB_CADDY_ADMIN_PORT/config/" ||
    tb_die "caddy's admin API did not answer: $(tail -5 "$D/caddy.log")"
  tb_log "caddy up in $NS: admin 127.0.0.1:$TB_CADDY_ADMIN_PORT, http $TB_CADDY_HTTP_PORT, https $TB_CADDY_HTTPS_PORT"
}

stop() {
  if tb_alive "$D/caddy.pid"; then
    kill -TERM "$(cat "$D/caddy.pid")" 2>/dev/null || true
    tb_wait 50 eval '! tb_alive "$D/caddy.pid"' || kill -KILL "$(cat "$D/caddy.pid")" 2>/dev/null || true
  fi
  rm -f "$D/caddy.pid"
}

case "${1:-}" in
  start) start ;;
  stop) stop ;;
  status) tb_alive "$D/caddy.pid" && echo "caddy running (pid $(cat "$D/caddy.pid"))" || { echo "caddy not running"; exit 1; } ;;
  *) tb_die "usage: $0 start|stop|status" ;;
esac
