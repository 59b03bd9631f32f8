#!/usr/bin/env bash
# Stop or start one daemon of a running test bed host, for failure tests:
#   tests/testbed/ctl.sh stop|start|status sshd|dockerd hN
# stop: TERM (KILL after a grace), waits until it is gone. start: the exact command up.sh used,
# waits until it answers. The systemd host is restarted with up.sh (idempotent).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[[ $# -eq 3 && $1 =~ ^(stop|start|status)$ && $2 =~ ^(sshd|dockerd)$ && $3 =~ ^h[0-9]+$ ]] ||
  tb_die "usage: ctl.sh stop|start|status sshd|dockerd hN"
op=$1 what=$2 d="$TB_ROOT/$3"
[[ -x $d/start-$what ]] || tb_die "$3 is not up (no $d/start-$what): run tests/testbed/up.sh"
pidfile="$d/${what/dockerd/docker}.pid"

case $op in
status)
  if tb_alive "$pidfile"; then echo running; else echo stopped; exit 1; fi ;;
stop)
  tb_alive "$pidfile" || exit 0
  pid=$(cat "$pidfile")
  kill -TERM "$pid"
  tb_wait 200 eval '! tb_alive "$pidfile"' || { kill -KILL "$pid" 2>/dev/null || true; }
  tb_wait 50 eval '! tb_alive "$pidfile"' || tb_die "$what of $3 (pid $pid) would not stop" ;;
start)
  tb_alive "$pidfile" || "$d/start-$what"
  if [[ $what == sshd ]]; then
    tb_wait 50 tb_alive "$pidfile" || tb_die "sshd of $3 did not start: $(tail -5 "$d/sshd.log")"
  else
    tb_wait 300 docker -H "unix://$d/docker.sock" version ||
      tb_die "dockerd of $3 did not answer: $(tail -5 "$d/dockerd.log")"
  fi ;;
esac
