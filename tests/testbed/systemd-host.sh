# The systemd host (sourced by up.sh): a Debian bookworm rootfs made by debootstrap (cached as a
# tarball under $TB_CACHE, rebuilt when absent), imported into its own dockerd in the namespace
# $TB_SYS_NS, booted with systemd as PID 1 and the namespace's network, sshd inside on
# $TB_SYS_IP:$TB_SYS_PORT for root with the test bed's client key.

SYS_DIR="$TB_ROOT/sys"
SYS_TAR="$TB_CACHE/bookworm-systemd-rootfs.tar"
SYS_BUILD_PID=

# Start making the rootfs tarball in the background when the cache lacks it.
sys_rootfs() {
  rm -f "$SYS_TAR".tmp.*   # left by an interrupted run
  [[ -s $SYS_TAR ]] && return 0
  tb_log "no cached rootfs: debootstrap bookworm (about a minute, once per machine)"
  local fs="$SYS_DIR/rootfs"
  rm -rf "$fs"; mkdir -p "$fs"
  (
    debootstrap --variant=minbase \
      --include=systemd,systemd-sysv,openssh-server,dbus,iproute2,python3 \
      bookworm "$fs" "${TESTBED_MIRROR:-http://deb.debian.org/debian}" >"$SYS_DIR/debootstrap.log" 2>&1
    # Host keys made at install time are never used (ours is mounted), so they are not cached.
    rm -f "$fs"/etc/ssh/ssh_host_*
    tar --numeric-owner -C "$fs" -cf "$SYS_TAR.tmp.$$" .
    mv "$SYS_TAR.tmp.$$" "$SYS_TAR"
    rm -rf "$fs"
  ) &
  SYS_BUILD_PID=$!
}

sys_docker() { docker -H "unix://$SYS_DIR/docker.sock" "$@"; }

sys_start() {
  if [[ -n $SYS_BUILD_PID ]]; then
    wait "$SYS_BUILD_PID" || tb_die "debootstrap failed: $(tail -5 "$SYS_DIR/debootstrap.log")"
  fi
  if ! sys_docker image inspect "$TB_SYS_IMAGE" >/dev/null 2>&1; then
    tb_log "importing the systemd rootfs"
    if ! sys_docker import "$SYS_TAR" "$TB_SYS_IMAGE" >/dev/null; then
      # A damaged cache is rebuilt rather than trusted: the cache is an optimisation only.
      tb_log "the cached rootfs did not import: rebuilding it"
      rm -f "$SYS_TAR"
      sys_rootfs
      wait "$SYS_BUILD_PID" || tb_die "debootstrap failed: $(tail -5 "$SYS_DIR/debootstrap.log")"
      sys_docker import "$SYS_TAR" "$TB_SYS_IMAGE" >/dev/null
    fi
  fi
  local s="$SYS_DIR/ssh"
  mkdir -p "$s" "$SYS_DIR/base"
  [[ -s $s/ssh_host_ed25519_key ]] || ssh-keygen -q -t ed25519 -N '' -C sys -f "$s/ssh_host_ed25519_key"
  install -m 644 "$KEY.pub" "$s/authorized_keys"
  cat >"$s/portoser.conf" <<CFG
ListenAddress $TB_SYS_IP
Port $TB_SYS_PORT
HostKey /etc/ssh/portoser/ssh_host_ed25519_key
AuthorizedKeysFile /etc/ssh/portoser/authorized_keys
PermitRootLogin prohibit-password
PasswordAuthentication no
KbdInteractiveAuthentication no
MaxSessions 64
MaxStartups 64:30:128
CFG
  [[ "$(sys_docker inspect -f '{{.State.Running}}' "$TB_SYS_CONTAINER" 2>/dev/null)" == true ]] && return 0
  sys_docker rm -f "$TB_SYS_CONTAINER" >/dev/null 2>&1 || true
  sys_docker run -d --name "$TB_SYS_CONTAINER" --network host \
    --tmpfs /run --tmpfs /run/lock -v /sys/fs/cgroup:/sys/fs/cgroup:ro \
    -v "$s:/etc/ssh/portoser:ro" -v "$s/portoser.conf:/etc/ssh/sshd_config.d/portoser.conf:ro" \
    -v "$SYS_DIR/base:/srv/portoser" \
    -e container=docker --stop-signal SIGRTMIN+3 --stop-timeout 10 \
    "$TB_SYS_IMAGE" /lib/systemd/systemd >/dev/null
}

sys_wait_ssh() {
  ssh-keyscan -p "$TB_SYS_PORT" -t ed25519 "$TB_SYS_IP" >/dev/null 2>&1 ||
    tb_wait 300 ssh-keyscan -p "$TB_SYS_PORT" -t ed25519 "$TB_SYS_IP" ||
    tb_die "sshd of the systemd host did not answer: $(sys_docker logs --tail 20 "$TB_SYS_CONTAINER" 2>&1)"
}
