# Shared settings for up.sh, down.sh and smoke.sh (sourced, not run).
# Everything the test bed creates is named or placed from these values, so down.sh can find it.
TB_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
TB_ROOT="${TESTBED_ROOT:-/var/lib/portoser-testbed}"   # runtime state: keys, sockets, data roots
TB_OUT="${TESTBED_OUT:-$TB_DIR/out}"                     # what tests read (git-ignored)
TB_CACHE="${TESTBED_CACHE:-/var/cache/portoser-testbed}" # the debootstrap rootfs tarball
TB_USER=portoser-t                                       # the ssh user on the namespace hosts
TB_PREFIX=ptb                                            # namespaces, veths, the bridge
TB_BRIDGE=${TB_PREFIX}0
TB_NET="${TESTBED_NET:-10.239.0}"                     # bridge <net>.1/24 in the root namespace
TB_SYS_IP=$TB_NET.30                                     # the systemd host
TB_SYS_PORT=22030
TB_SYS_NS=${TB_PREFIX}-sys
TB_SYS_CONTAINER=ptb-systemd
TB_SYS_IMAGE=portoser-testbed/systemd:bookworm
TB_BUSYBOX_IMAGE=portoser-testbed/busybox:latest

tb_log() { printf '[testbed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
tb_die() { printf '[testbed] ERROR: %s\n' "$*" >&2; exit 1; }

# Host i (1-based): namespace, address, ssh port, state dir.
tb_ns()   { echo "${TB_PREFIX}-h$1"; }
tb_ip()   { echo "$TB_NET.$((10 + $1))"; }
tb_port() { echo "$((22010 + $1))"; }
tb_hdir() { echo "$TB_ROOT/h$1"; }

# True when the pid in file $1 is alive.
tb_alive() { [[ -s "$1" ]] && kill -0 "$(cat "$1")" 2>/dev/null; }

# Wait up to $1 tenths of a second for command "${@:2}" to succeed.
tb_wait() {
  local n=$1; shift
  while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}
