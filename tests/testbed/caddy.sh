#!/usr/bin/env bash
# The test bed's two Caddy ingresses, both `caddy run` inside h1's namespace (the ingress host),
# as the test user (so apply, which logs in as that user, can replace the Caddyfile and its TLS
# files), each with its own admin API on 127.0.0.1 inside the namespace, high http/https ports,
# XDG dirs and pid file under the bed root:
#   default  Debian's caddy 2.6.2 (on PATH)          $TB_CADDY_DIR       admin 22019, 22080/22443
#   next     the official 2.11.7 (install.sh, off PATH) $TB_CADDY_NEXT_DIR admin 22119, 22180/22543
# up.sh and down.sh call it; it also runs alone on a running bed (both, or the one named):
#   tests/testbed/caddy.sh start|stop|status [default|next]
set -euo pipefail
source "$(dirname "$0")/lib.sh"
NS=$(tb_ns 1)

# instance NAME: sets D BIN ADMIN HTTP HTTPS for the named ingress.
instance() {
  case "$1" in
    default) D=$TB_CADDY_DIR BIN=caddy ADMIN=$TB_CADDY_ADMIN_PORT HTTP=$TB_CADDY_HTTP_PORT HTTPS=$TB_CADDY_HTTPS_PORT ;;
    next) D=$TB_CADDY_NEXT_DIR BIN=$TB_CADDY_NEXT_BIN ADMIN=$TB_CADDY_NEXT_ADMIN_PORT HTTP=$TB_CADDY_NEXT_HTTP_PORT HTTPS=$TB_CADDY_NEXT_HTTPS_PORT ;;
    *) tb_die "unknown caddy instance '$1' (default|next)" ;;
  esac
}

start() {
  instance "$1"
  command -v "$BIN" >/dev/null || tb_die "missing '$BIN' for the $1 ingress (tests/testbed/install.sh)"
  [[ -e /run/netns/$NS ]] || tb_die "namespace $NS is missing: run up.sh first"
  mkdir -p "$D/xdg-data" "$D/xdg-config" "$D/portoser-tls"
  if [[ ! -s $D/Caddyfile ]]; then
    # Empty until the first reload: the global options only (admin, ports, no ACME).
    cat >"$D/Caddyfile" <<CADDY
{
	admin 127.0.0.1:$ADMIN
	http_port $HTTP
	https_port $HTTPS
	skip_install_trust
}
CADDY
  fi
  chown -R "$TB_USER:$TB_USER" "$D"
  if tb_alive "$D/caddy.pid"; then
    tb_log "caddy ($1) already running (pid $(cat "$D/caddy.pid"))"
  else
    cat >"$D/start-caddy" <<SH
#!/bin/bash
# Written by tests/testbed/caddy.sh: starts the $1 ingress Caddy alone. Descriptors above 2
# are closed first: a lock file the caller holds (flock FILE caddy.sh start) would else stay
# locked for as long as this Caddy runs.
for fd in /proc/self/fd/*; do n=\${fd##*/}; [ "\$n" -gt 2 ] && eval "exec \$n>&-" 2>/dev/null; done
cd '$D' && setsid nsenter --net=/run/netns/$NS \\
  setpriv --reuid '$TB_USER' --regid '$TB_USER' --init-groups \\
  env HOME='$D' XDG_DATA_HOME='$D/xdg-data' XDG_CONFIG_HOME='$D/xdg-config' \\
  '$BIN' run --config '$D/Caddyfile' --adapter caddyfile --pidfile '$D/caddy.pid' \\
  </dev/null >'$D/caddy.log' 2>&1 &
SH
    chmod 755 "$D/start-caddy"
    "$D/start-caddy"
  fi
  tb_wait 100 nsenter --net="/run/netns/$NS" busybox wget -q -O /dev/null \
    "http://127.0.0.1:$ADMIN/config/" ||
    tb_die "caddy ($1)'s admin API did not answer: $(tail -5 "$D/caddy.log")"
  tb_log "caddy ($1, $("$BIN" version | cut -d' ' -f1)) up in $NS: admin 127.0.0.1:$ADMIN, http $HTTP, https $HTTPS"
}

stop() {
  instance "$1"
  if tb_alive "$D/caddy.pid"; then
    kill -TERM "$(cat "$D/caddy.pid")" 2>/dev/null || true
    tb_wait 50 eval '! tb_alive "$D/caddy.pid"' || kill -KILL "$(cat "$D/caddy.pid")" 2>/dev/null || true
  fi
  rm -f "$D/caddy.pid"
}

status() {
  instance "$1"
  if tb_alive "$D/caddy.pid"; then
    echo "caddy ($1) running (pid $(cat "$D/caddy.pid"))"
  else
    echo "caddy ($1) not running"
    return 1
  fi
}

which=${2:-}
case "$which" in
  "") names=(default next) ;;
  default | next) names=("$which") ;;
  *) tb_die "usage: $0 start|stop|status [default|next]" ;;
esac
rc=0
for n in "${names[@]}"; do
  case "${1:-}" in
    start) start "$n" ;;
    stop) stop "$n" ;;
    status) status "$n" || rc=1 ;;
    *) tb_die "usage: $0 start|stop|status [default|next]" ;;
  esac
done
exit $rc
