#!/usr/bin/env bash
# Speed against the peers: portoser, stock Ansible, tuned Ansible (forks = hosts, pipelining),
# pyinfra and plain parallel ssh (the floor) on the same N local sshd hosts, cold and warm.
# Needs root (it adds the user `ptbench` and starts sshds on 127.0.0.11.. port 23022), the
# openssh-server package and python3-venv. Installs ansible-core and pyinfra into bench/.venv.
#
#   bench/peers.sh [--hosts 10,25] [--steps 2,10] [--runs 5] [--tools floor,portoser,...]
#
# PORTOSER_BIN picks the binary (default target/debug/portoser; build it first).
set -euo pipefail
cd "$(dirname "$0")"
if [[ ! -x .venv/bin/pyinfra || ! -x .venv/bin/ansible-playbook ]]; then
  python3 -m venv .venv
  .venv/bin/pip install -q ansible-core pyinfra
fi
echo "ansible-core $(.venv/bin/python -c 'import ansible.release as r; print(r.__version__)'), pyinfra $(.venv/bin/python -c 'import pyinfra.version as v; print(v.__version__)' 2>/dev/null || .venv/bin/pip show pyinfra | sed -n 's/^Version: //p'), $(ssh -V 2>&1)"
exec python3 peers/run.py "$@"
