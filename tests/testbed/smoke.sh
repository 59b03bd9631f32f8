#!/usr/bin/env bash
# Checks the running test bed: every host answers over ssh with its host key verified against the
# generated known_hosts, its dockerd answers and has compose v2 and the busybox image, uv runs, the
# base dir is writable; the systemd host boots to running/degraded. Exits non-zero on any failure.
set -euo pipefail
source "$(dirname "$0")/lib.sh"
[[ -s $TB_OUT/env.sh ]] || tb_die "no $TB_OUT/env.sh: run tests/testbed/up.sh first"
source "$TB_OUT/env.sh"

# Hosts are checked in parallel (one ssh connection per check costs ~0.2 s); each writes
# "ok ..." / "FAIL ..." lines, counted at the end.
check() { # check NAME EXPECTED-REGEX COMMAND...
  local name=$1 want=$2 got; shift 2
  if got=$("$@" 2>&1) && [[ $got =~ $want ]]; then
    printf 'ok    %s\n' "$name"
  else
    printf 'FAIL  %s: %s\n' "$name" "$(echo "$got" | tail -3)"
  fi
}
on() { local h=$1; shift; ssh -F "$PORTOSER_TESTBED_SSH_CONFIG" "$h" "$@"; }

host_checks() {
  local h=$1
  check "$h ssh (host key verified)" "^$h $PORTOSER_TESTBED_USER\$" on "$h" 'echo "$(hostname) $(id -un)"'
  check "$h dockerd answers" '^[0-9]+\.' on "$h" "docker info --format '{{.ServerVersion}}'"
  check "$h docker compose version" 'v2\.' on "$h" docker compose version
  check "$h busybox image" "^$PORTOSER_TESTBED_BUSYBOX_IMAGE" on "$h" "docker image ls --format '{{.Repository}}:{{.Tag}}' $PORTOSER_TESTBED_BUSYBOX_IMAGE"
  check "$h uv" '^uv [0-9]' on "$h" uv --version
  check "$h base dir writable" '^ok$' on "$h" 'f="$PORTOSER_TESTBED_BASE/.smoke" && echo x >"$f" && rm "$f" && echo ok'
}
sys_checks() {
  check "sys ssh as root" '^root$' on sys id -un
  check "sys systemctl is-system-running" '^(running|degraded)' on sys timeout 60 systemctl is-system-running --wait
}
# The known_hosts check is real: the same host with an empty known_hosts file is refused.
refusal_check() {
  local first=${PORTOSER_TESTBED_HOSTS%% *}
  check "$first unknown host key refused" 'REFUSED' sh -c \
    "ssh -F '$PORTOSER_TESTBED_SSH_CONFIG' -o UserKnownHostsFile=/dev/null '$first' true 2>/dev/null && echo ACCEPTED || echo REFUSED"
}

tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
for h in $PORTOSER_TESTBED_HOSTS; do host_checks "$h" >"$tmp/$h" & done
sys_checks >"$tmp/sys" &
refusal_check >"$tmp/refusal" &
wait
cat "$tmp"/*
pass=$(cat "$tmp"/* | grep -c '^ok ' || true)
fail=$(cat "$tmp"/* | grep -c '^FAIL ' || true)
printf 'testbed smoke: %d passed, %d failed\n' "$pass" "$fail"
[[ $fail -eq 0 ]]
