# Shared settings for up.sh, down.sh and smoke.sh (sourced, not run).
# shellcheck disable=SC2034  # the settings are used by the scripts that source this file
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
TB_CADDY_DIR=$TB_ROOT/caddy                              # the ingress Caddy (caddy.sh), in h1
TB_CADDY_ADMIN_PORT=22019
TB_CADDY_HTTP_PORT=22080
TB_CADDY_HTTPS_PORT=22443
# The second ingress ("next", caddy.sh): the official Caddy 2.11.7 that install.sh puts off PATH.
TB_CADDY_NEXT_DIR=$TB_ROOT/caddy-next
TB_CADDY_NEXT_BIN=/usr/local/lib/portoser-testbed/caddy-2.11.7/caddy
TB_CADDY_NEXT_ADMIN_PORT=22119
TB_CADDY_NEXT_HTTP_PORT=22180
TB_CADDY_NEXT_HTTPS_PORT=22543

tb_log() { printf '[testbed %s] %s\n' "$(date +%H:%M:%S)" "$*" >&2; }
tb_die() { printf '[testbed] ERROR: %s\n' "$*" >&2; exit 1; }

# Host i (1-based): namespace, address, ssh port, state dir.
tb_ns()   { echo "${TB_PREFIX}-h$1"; }
tb_ip()   { echo "$TB_NET.$((10 + $1))"; }
tb_port() { echo "$((22010 + $1))"; }
tb_hdir() { echo "$TB_ROOT/h$1"; }

# True when the pid in file $1 is a live process (not a zombie: PID 1 here may reap late) whose
# command line names the pid file's directory (so a reused pid is not taken for our daemon).
tb_alive() {
  local pid state
  [[ -s $1 ]] && pid=$(cat "$1") && [[ $pid =~ ^[0-9]+$ ]] || return 1
  state=$(sed 's/^.*) //' "/proc/$pid/stat" 2>/dev/null | cut -d' ' -f1) || return 1
  [[ -n $state && $state != Z ]] && grep -qaF -- "$(dirname "$1")/" "/proc/$pid/cmdline" 2>/dev/null
}

# Wait up to $1 tenths of a second for command "${@:2}" to succeed.
tb_wait() {
  local n=$1; shift
  while ((n-- > 0)); do "$@" >/dev/null 2>&1 && return 0; sleep 0.1; done
  return 1
}

# Kill every process whose command line names a path under $1 (children first): containerd shims
# of a daemon that died or was killed, apps a test started from a base dir. Never by name.
tb_sweep() {
  local f pid
  for f in $(grep -lsaF -- "$1/" /proc/[0-9]*/cmdline || true); do
    pid=${f#/proc/}; pid=${pid%/cmdline}
    [[ $pid != "$$" && $pid != "$BASHPID" ]] || continue
    pkill -KILL -P "$pid" 2>/dev/null || true
    kill -KILL "$pid" 2>/dev/null || true
  done
}

# Unmount whatever is mounted under $1 (deepest first), then delete it.
tb_wipe() {
  [[ -e $1 ]] || return 0
  awk -v r="$1" '$2 == r || index($2, r "/") == 1 {print $2}' /proc/mounts | sort -r |
    while read -r m; do umount -l "$m" 2>/dev/null || true; done
  rm -rf --one-file-system "$1"
}
