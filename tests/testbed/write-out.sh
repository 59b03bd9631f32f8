# Writes $TB_OUT (sourced by up.sh): registry.yml, known_hosts, id_ed25519, ssh_config, env.sh.

write_out() {
  local o="$TB_OUT" i d
  mkdir -p "$o"
  install -m 600 "$KEY" "$o/id_ed25519"
  install -m 644 "$KEY.pub" "$o/id_ed25519.pub"

  # known_hosts from the keys we generated (not from a scan): verification is real.
  : >"$o/known_hosts.tmp"
  for ((i = 1; i <= N; i++)); do
    echo "[$(tb_ip "$i")]:$(tb_port "$i") $(cut -d' ' -f1,2 "$(tb_hdir "$i")/ssh_host_ed25519_key.pub")" >>"$o/known_hosts.tmp"
  done
  echo "[$TB_SYS_IP]:$TB_SYS_PORT $(cut -d' ' -f1,2 "$TB_ROOT/sys/ssh/ssh_host_ed25519_key.pub")" >>"$o/known_hosts.tmp"
  mv "$o/known_hosts.tmp" "$o/known_hosts"

  {
    echo "# Written by tests/testbed/up.sh: the test bed's hosts (no services). Regenerated on every up."
    echo "hosts:"
    for ((i = 1; i <= N; i++)); do
      echo "  h$i:"
      echo "    ip: $(tb_ip "$i")"
      echo "    ssh_user: $TB_USER"
      echo "    ssh_port: $(tb_port "$i")"
      echo "    path: $(tb_hdir "$i")/base"
      echo "    roles: [docker, uv]"
      echo "    docker_start: touch $(tb_hdir "$i")/requests/start-docker"
      echo "    description: test bed host $i (network namespace $(tb_ns "$i"))"
    done
    echo "  sys:"
    echo "    ip: $TB_SYS_IP"
    echo "    ssh_user: root"
    echo "    ssh_port: $TB_SYS_PORT"
    echo "    path: /srv/portoser"
    echo "    roles: [systemd]"
    echo "    description: test bed systemd host (Debian bookworm, systemd as PID 1)"
    echo "services: {}"
  } >"$o/registry.yml"

  {
    echo "# Written by tests/testbed/up.sh: ssh -F $o/ssh_config h1"
    for ((i = 1; i <= N; i++)); do
      printf 'Host h%s\n  HostName %s\n  Port %s\n  User %s\n' "$i" "$(tb_ip "$i")" "$(tb_port "$i")" "$TB_USER"
    done
    printf 'Host sys\n  HostName %s\n  Port %s\n  User root\n' "$TB_SYS_IP" "$TB_SYS_PORT"
    printf 'Host *\n  IdentityFile %s\n  IdentitiesOnly yes\n  UserKnownHostsFile %s\n' "$o/id_ed25519" "$o/known_hosts"
    printf '  StrictHostKeyChecking yes\n  BatchMode yes\n  ConnectTimeout 5\n  LogLevel ERROR\n'
  } >"$o/ssh_config"

  local names=""
  for ((i = 1; i <= N; i++)); do names+="${names:+ }h$i"; done
  {
    echo "# Written by tests/testbed/up.sh: source it before running the end-to-end tests."
    echo "export PORTOSER_TESTBED='$o'"
    echo "export PORTOSER_TESTBED_ROOT='$TB_ROOT'"
    echo "export PORTOSER_TESTBED_REGISTRY='$o/registry.yml'"
    echo "export PORTOSER_TESTBED_KEY='$o/id_ed25519'"
    echo "export PORTOSER_TESTBED_KNOWN_HOSTS='$o/known_hosts'"
    echo "export PORTOSER_TESTBED_SSH_CONFIG='$o/ssh_config'"
    echo "export PORTOSER_TESTBED_USER='$TB_USER'"
    echo "export PORTOSER_TESTBED_HOSTS='$names'"
    echo "export PORTOSER_TESTBED_BUSYBOX_IMAGE='$TB_BUSYBOX_IMAGE'"
    echo "export DOCKER_CONFIG='$TB_ROOT/docker-config'"
    echo "export PORTOSER_TESTBED_CTL='$TB_DIR/ctl.sh'"
    for ((i = 1; i <= N; i++)); do
      d=$(tb_hdir "$i")
      echo "export PORTOSER_TESTBED_H${i}_IP='$(tb_ip "$i")'"
      echo "export PORTOSER_TESTBED_H${i}_PORT='$(tb_port "$i")'"
      echo "export PORTOSER_TESTBED_H${i}_PATH='$d/base'"
      echo "export PORTOSER_TESTBED_H${i}_NETNS='$(tb_ns "$i")'"
      echo "export PORTOSER_TESTBED_H${i}_DOCKER_HOST='unix://$d/docker.sock'"
      echo "export PORTOSER_TESTBED_H${i}_AUTHORIZED_KEYS='$d/authorized_keys.$TB_USER'"
    done
    echo "export PORTOSER_TESTBED_SYS_IP='$TB_SYS_IP'"
    echo "export PORTOSER_TESTBED_SYS_PORT='$TB_SYS_PORT'"
    echo "export PORTOSER_TESTBED_SYS_USER='root'"
    echo "export PORTOSER_TESTBED_SYS_PATH='/srv/portoser'"
    echo "export PORTOSER_TESTBED_SYS_NETNS='$TB_SYS_NS'"
    echo "export PORTOSER_TESTBED_SYS_DOCKER_HOST='unix://$TB_ROOT/sys/docker.sock'"
    echo "export PORTOSER_TESTBED_SYS_CONTAINER='$TB_SYS_CONTAINER'"
    echo "export PORTOSER_TESTBED_SYS_AUTHORIZED_KEYS='$TB_ROOT/sys/ssh/authorized_keys'"
    # The ingress Caddy (caddy.sh) in h1's namespace.
    echo "export PORTOSER_TESTBED_CADDY_DIR='$TB_CADDY_DIR'"
    echo "export PORTOSER_TESTBED_CADDY_ADMIN='127.0.0.1:$TB_CADDY_ADMIN_PORT'"
    echo "export PORTOSER_TESTBED_CADDY_HTTP_PORT='$TB_CADDY_HTTP_PORT'"
    echo "export PORTOSER_TESTBED_CADDY_HTTPS_PORT='$TB_CADDY_HTTPS_PORT'"
    # The second ingress (caddy.sh "next"): the official Caddy 2.11.7, off PATH.
    echo "export PORTOSER_TESTBED_CADDY_NEXT_BIN='$TB_CADDY_NEXT_BIN'"
    echo "export PORTOSER_TESTBED_CADDY_NEXT_DIR='$TB_CADDY_NEXT_DIR'"
    echo "export PORTOSER_TESTBED_CADDY_NEXT_ADMIN_PORT='$TB_CADDY_NEXT_ADMIN_PORT'"
    echo "export PORTOSER_TESTBED_CADDY_NEXT_ADMIN='127.0.0.1:$TB_CADDY_NEXT_ADMIN_PORT'"
    echo "export PORTOSER_TESTBED_CADDY_NEXT_HTTP_PORT='$TB_CADDY_NEXT_HTTP_PORT'"
    echo "export PORTOSER_TESTBED_CADDY_NEXT_HTTPS_PORT='$TB_CADDY_NEXT_HTTPS_PORT'"
  } >"$o/env.sh"
}
