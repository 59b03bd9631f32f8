#!/usr/bin/env bash
# The healing loop's docker_down test needs the SSH user to start its host's dockerd, the way
# `sudo -n systemctl start docker` asks a root service manager on a real host. Here the
# manager is a small root agent (this script, `agent`): the user drops a request file in
# $TB_ROOT/hN/requests/ (the only directory of hN it may write), the agent starts that host's
# dockerd with the exact command up.sh used, from the machine's own mount namespace (sshd's
# `ip netns exec` namespace lacks the cgroup mounts dockerd needs). write-out.sh gives each
# host `docker_start: touch $TB_ROOT/hN/requests/start-docker`.
#   tests/testbed/heal.sh [start]   start the agent unless it runs (idempotent; up.sh calls it)
#   tests/testbed/heal.sh stop      end it (down.sh calls it)
set -euo pipefail
source "$(dirname "$0")/lib.sh"
N="${TESTBED_HOSTS:-3}"
pidfile="$TB_ROOT/heal-agent.pid"

agent() {
  while :; do
    for ((i = 1; i <= N; i++)); do
      d=$(tb_hdir "$i")
      if [[ -e $d/requests/start-docker ]]; then
        rm -f "$d/requests/start-docker"
        echo "$(date -u +%FT%TZ) start dockerd of h$i" >>"$TB_ROOT/heal-agent.log"
        tb_alive "$d/docker.pid" || "$d/start-dockerd"
      fi
    done
    sleep 0.2
  done
}

case ${1:-start} in
start)
  for ((i = 1; i <= N; i++)); do
    d=$(tb_hdir "$i")
    install -d -m 0755 -o "$TB_USER" -g "$TB_USER" "$d/requests"
  done
  if tb_alive "$pidfile"; then exit 0; fi
  setsid "$0" agent </dev/null >>"$TB_ROOT/heal-agent.log" 2>&1 &
  echo $! >"$pidfile" ;;
agent) agent ;;
stop)
  if tb_alive "$pidfile"; then kill -TERM "$(cat "$pidfile")"; fi
  rm -f "$pidfile" ;;
*) tb_die "usage: heal.sh [start|stop]" ;;
esac
