"""The workload, written once per tool: on each of N hosts, k steps alternating "write a file"
(odd steps: `<tool>-f<j>` in the host's base directory, content `<token> step <j>`) and "run a
command" (even steps: `uname -n && wc -c < <the file just written>`). Every tool gets the same
hosts, the same files, the same commands; a new token makes every file differ (warm runs)."""
import os
import hosts as H


def steps(k, bdir, tool, token):
    """[(kind, path_or_command, content)] for one host."""
    out = []
    for j in range(1, k + 1):
        if j % 2:
            out.append(("write", f"{bdir}/{tool}-f{j}", f"{token} step {j}"))
        else:
            out.append(("run", f"uname -n && wc -c < {bdir}/{tool}-f{j - 1}", None))
    return out


def ssh_opts(h):
    return ["-i", h.key, "-o", f"UserKnownHostsFile={h.known_hosts}", "-o", "StrictHostKeyChecking=yes",
            "-o", "BatchMode=yes", "-p", str(H.PORT)]


def floor(h, k, token, out):
    """Plain parallel ssh: one `ssh` per host, all k steps in one remote script, all hosts at once."""
    lines = ["#!/bin/sh"]
    for i in range(1, h.n + 1):
        script = []
        for kind, what, content in steps(k, H.base(i), "floor", token):
            script.append(f"printf '%s\\n' '{content}' > {what}" if kind == "write" else what)
        q = " && ".join(script).replace("'", "'\\''")
        lines.append(f"ssh {' '.join(ssh_opts(h))} {H.USER}@{H.ip(i)} '{q}' >/dev/null &")
    lines.append("wait")
    path = f"{out}/floor.sh"
    with open(path, "w") as f:
        f.write("\n".join(lines) + "\n")
    return ["sh", path]


def ansible(h, k, token, out, tuned):
    name = "ansible-tuned" if tuned else "ansible"
    d = f"{out}/{name}"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/inventory.ini", "w") as f:
        f.write("[bench]\n")
        for i in range(1, h.n + 1):
            f.write(f"h{i} ansible_host={H.ip(i)} ansible_port={H.PORT} ansible_user={H.USER} "
                    f"ansible_ssh_private_key_file={h.key} bdir={H.base(i)} "
                    f"ansible_python_interpreter=/usr/bin/python3\n")
    with open(f"{d}/ansible.cfg", "w") as f:
        f.write("[defaults]\ninventory = inventory.ini\n")
        if tuned:
            f.write(f"forks = {h.n}\n")
        f.write(f"[ssh_connection]\nssh_common_args = -o UserKnownHostsFile={h.known_hosts}\n"
                f"control_path_dir = {d}/cp\n")
        if tuned:
            f.write("pipelining = True\n")
    tasks = []
    for j, (kind, what, content) in enumerate(steps(k, "{{ bdir }}", name, token), 1):
        if kind == "write":
            tasks.append(f"    - name: step {j}\n      copy:\n        content: \"{content}\\n\"\n        dest: \"{what}\"\n")
        else:
            tasks.append(f"    - name: step {j}\n      shell: \"{what}\"\n")
    with open(f"{d}/play.yml", "w") as f:
        f.write("- hosts: bench\n  gather_facts: false\n  tasks:\n" + "".join(tasks))
    return [f"{BIN}/ansible-playbook", "play.yml"], d


def pyinfra(h, k, token, out):
    d = f"{out}/pyinfra"
    os.makedirs(d, exist_ok=True)
    with open(f"{d}/inventory.py", "w") as f:
        f.write("hosts = [\n")
        for i in range(1, h.n + 1):
            f.write(f"    ({H.ip(i)!r}, {{'ssh_port': {H.PORT}, 'ssh_user': {H.USER!r}, 'ssh_key': {h.key!r}, "
                    f"'ssh_known_hosts_file': {h.known_hosts!r}, 'ssh_strict_host_key_checking': 'yes', "
                    f"'bdir': {H.base(i)!r}}}),\n")
        f.write("]\n")
    with open(f"{d}/deploy.py", "w") as f:
        f.write(f"""from io import StringIO
from pyinfra import host
from pyinfra.operations import files, server
b = host.data.bdir
""")
        for j, (kind, what, content) in enumerate(steps(k, "{b}", "pyinfra", token), 1):
            if kind == "write":
                f.write(f"files.put(name='step {j}', src=StringIO('{content}\\n'), dest=f'{what}')\n")
            else:
                f.write(f"server.shell(name='step {j}', commands=[f'{what}'])\n")
    return [f"{BIN}/pyinfra", "-y", "inventory.py", "deploy.py"], d


def portoser(h, k, token, out):
    """One service per host, deployment_type `bench`: a project engine whose deploy runs the k
    steps; the token is an env value, so a new token updates every service."""
    d = f"{out}/portoser"
    os.makedirs(f"{d}/playbooks", exist_ok=True)
    reg = ["defaults:", f"  ssh_user: {H.USER}", f"  ssh_port: {H.PORT}", f"  ssh_key: {h.key}",
           f"  known_hosts: {h.known_hosts}", "hosts:"]
    for i in range(1, h.n + 1):
        reg += [f"  h{i}:", f"    ip: {H.ip(i)}", f"    path: {H.base(i)}"]
    reg.append("services:")
    for i in range(1, h.n + 1):
        reg += [f"  s{i}:", f"    current_host: h{i}", "    deployment_type: bench",
                f"    env:", f"      TOKEN: {token}"]
    with open(f"{d}/registry.yml", "w") as f:
        f.write("\n".join(reg) + "\n")
    body = []
    for kind, what, content in steps(k, '$PORTOSER_BASE_DIR', "portoser", "$TOKEN"):
        if kind == "write":
            body.append(f"    run on host: \"printf '%s\\\\n' \\\"{content}\\\" > \\\"{what}\\\"\"")
        else:
            body.append(f"    run on host: \"{what}\"")
    with open(f"{d}/playbooks/bench.pbk", "w") as f:
        f.write("engine bench {\n  deploy {\n" + "\n".join(body) + "\n  }\n"
                "  stop { run on host: \"true\" }\n"
                "  status { run on host: \"test -f \\\"$PORTOSER_BASE_DIR/portoser-f1\\\"\" }\n}\n")
    return [PORTOSER, "-C", d, "apply", "--yes", "--format", "json"], d


BIN = os.path.join(os.path.dirname(os.path.abspath(__file__)), "..", ".venv", "bin")
PORTOSER = os.environ.get("PORTOSER_BIN", os.path.join(os.path.dirname(os.path.abspath(__file__)),
                                                      "..", "..", "target", "debug", "portoser"))
