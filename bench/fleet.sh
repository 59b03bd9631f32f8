#!/usr/bin/env bash
# Fleet benchmark: portoser apply of 50 services on 7 local sshd hosts, cold and no-op, with the
# critical-path lower bound. Needs root and openssh-server (see peers.sh).
#
#   bench/fleet.sh [--services 50] [--hosts 7] [--work 0.2] [--runs 5]
set -euo pipefail
cd "$(dirname "$0")"
exec python3 fleet.py "$@"
