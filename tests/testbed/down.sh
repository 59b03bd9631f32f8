#!/usr/bin/env bash
# Tear down everything up.sh made: containers, dockerds, sshds, every process left in the test
# bed's namespaces, the namespaces, the bridge, the state dir, out/ and the test user.
# Safe when nothing is up. Keeps only the rootfs cache ($TB_CACHE).
set -euo pipefail
source "$(dirname "$0")/lib.sh"
T0=$(date +%s%N)
[[ $EUID -eq 0 ]] || tb_die "run as root"

# stop_pidfile FILE SECONDS: TERM, then KILL after the grace period.
stop_pidfile() {
  local f=$1 grace=$2 pid
  tb_alive "$f" || return 0
  pid=$(cat "$f")
  kill -TERM "$pid" 2>/dev/null || true
  tb_wait $((grace * 10)) eval '! tb_alive "$f"' || kill -KILL "$pid" 2>/dev/null || true
}

"$(dirname "$0")/caddy.sh" stop || true
"$(dirname "$0")/heal.sh" stop || true

# Remove containers first (so dockerd has nothing to wait for), then the daemons: all in
# parallel, each dockerd takes seconds to shut down.
stop_dockerd() {
  local d=$1 ids
  if tb_alive "$d/docker.pid"; then
    ids=$(timeout 20 docker -H "unix://$d/docker.sock" ps -aq 2>/dev/null || true)
    [[ -z $ids ]] || timeout 60 docker -H "unix://$d/docker.sock" rm -f $ids >/dev/null 2>&1 || true
  fi
  stop_pidfile "$d/docker.pid" 20
}
for pidfile in "$TB_ROOT"/*/docker.pid; do
  [[ -e $pidfile ]] && stop_dockerd "$(dirname "$pidfile")" &
done
wait

# Whatever still names our state dir on its command line (containerd shims of a daemon that had
# to be killed, apps a test started from a host's base dir): children first. Never by name.
tb_sweep "$TB_ROOT"

for ns in $(ip netns list 2>/dev/null | awk '{print $1}' | grep "^$TB_PREFIX-" || true); do
  stop_pidfile "$TB_ROOT/${ns#"$TB_PREFIX-"}/sshd.pid" 5
  # Everything still running in the namespace: sessions, apps the tests started, stray daemons.
  mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
  if ((${#pids[@]})); then
    kill -TERM "${pids[@]}" 2>/dev/null || true
    if ! tb_wait 50 sh -c "[ -z \"\$(ip netns pids $ns)\" ]"; then
      mapfile -t pids < <(ip netns pids "$ns" 2>/dev/null || true)
      kill -KILL "${pids[@]}" 2>/dev/null || true
    fi
  fi
  ip netns del "$ns" 2>/dev/null || true
  rm -rf "/etc/netns/$ns"
done
ip link del "$TB_BRIDGE" 2>/dev/null || true

# Mounts a killed daemon may have left under the state dir, deepest first, then the files.
tb_wipe "$TB_ROOT"
rm -rf "$TB_OUT"

if id "$TB_USER" >/dev/null 2>&1; then
  userdel -r "$TB_USER" >/dev/null 2>&1 || tb_log "warning: could not remove user $TB_USER (processes left?)"
fi
printf '[testbed] down in %d.%d s\n' $((($(date +%s%N) - T0) / 1000000000)) $(((($(date +%s%N) - T0) / 100000000) % 10))
