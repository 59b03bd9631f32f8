"""Peer benchmark: portoser, stock Ansible, tuned Ansible, pyinfra and plain parallel ssh run the
same workload (peers/work.py) against the same N local sshd hosts (peers/hosts.py), cold and
warm, several rounds; prints medians, ratios and portoser's SSH logins per host.

  python3 bench/peers/run.py --hosts 10,25 --steps 2,10 --runs 5 [--tools portoser,floor,...]

Cold: the files on the hosts are removed, portoser's state is removed, Ansible's ControlPersist
masters are stopped. Warm: run again at once with a new token (every file changes, every
service updates), leaving what the previous run left (state, Ansible's masters).
Within a round the tools run one after another, so noise spreads over all of them."""
import argparse, json, os, resource, shutil, signal, statistics, subprocess, sys, time
import hosts as H
import work as W

TOOLS = ["floor", "portoser", "pyinfra", "ansible-tuned", "ansible"]


def build(tool, h, k, token, out):
    if tool == "floor":
        return W.floor(h, k, token, out), None
    if tool == "portoser":
        return W.portoser(h, k, token, out)
    if tool == "pyinfra":
        return W.pyinfra(h, k, token, out)
    return W.ansible(h, k, token, out, tuned=tool == "ansible-tuned")


def stop_masters(d):
    """Ends Ansible's ControlPersist masters (our own ssh processes, found by their socket dir)."""
    cp = f"{d}/cp"
    if os.path.isdir(cp):
        for s in os.listdir(cp):
            subprocess.run(["ssh", "-O", "exit", "-o", f"ControlPath={cp}/{s}", "x"],
                           stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)


def cold_reset(tool, h, d):
    for i in range(1, h.n + 1):
        for f in os.listdir(H.base(i)):
            if f.startswith(tool + "-f"):
                os.remove(f"{H.base(i)}/{f}")
    if tool == "portoser":
        shutil.rmtree(f"{d}/.portoser", ignore_errors=True)
        for i in range(1, h.n + 1):
            for f in os.listdir(H.base(i)):
                if not f.startswith(("floor", "ansible", "pyinfra")):
                    shutil.rmtree(f"{H.base(i)}/{f}", ignore_errors=True)
    if tool.startswith("ansible") and d:
        stop_masters(d)


def check_done(tool, h, k, token):
    """Every host holds every file of this run: a tool that did less is not timed as success."""
    for i in range(1, h.n + 1):
        for j in range(1, k + 1, 2):
            p = f"{H.base(i)}/{tool}-f{j}"
            if not os.path.exists(p) or open(p).read() != f"{token} step {j}\n":
                raise RuntimeError(f"{tool}: {p} missing or stale after the run")


def timed(cmd, cwd, logf):
    r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t0 = time.perf_counter()
    p = subprocess.run(cmd, cwd=cwd, stdout=logf, stderr=subprocess.STDOUT)
    t = time.perf_counter() - t0
    r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (r1.ru_utime - r0.ru_utime) + (r1.ru_stime - r0.ru_stime)
    if p.returncode != 0:
        raise RuntimeError(f"{cmd[0]} exited {p.returncode}; see {logf.name}")
    return t, cpu


def bench(n, k, runs, tools, outroot):
    h = H.Hosts(n)
    res = {(t, m): [] for t in tools for m in ("cold", "warm")}
    cpu = {(t, m): [] for t in tools for m in ("cold", "warm")}
    logins = []
    out = f"{outroot}/n{n}-k{k}"
    os.makedirs(out, exist_ok=True)
    seq = 0
    try:
        for r in range(runs):
            for tool in tools:
                for mode in ("cold", "warm"):
                    seq += 1
                    token = f"r{r}{mode}{seq}"
                    cmd, d = build(tool, h, k, token, out)
                    if mode == "cold":
                        cold_reset(tool, h, d)
                    before = h.logins()
                    with open(f"{out}/{tool}-{mode}-{r}.log", "w") as logf:
                        t, c = timed(cmd, d or out, logf)
                    check_done(tool, h, k, token)
                    if tool == "portoser":
                        logins.append([a - b for a, b in zip(h.logins(), before)])
                    res[(tool, mode)].append(t)
                    cpu[(tool, mode)].append(c)
                    print(f"  n={n} k={k} round {r + 1}: {tool:13} {mode}: {t:6.2f} s (cpu {c:5.2f} s)",
                          file=sys.stderr, flush=True)
        for t in tools:
            if t.startswith("ansible"):
                stop_masters(f"{out}/{t}")
    finally:
        h.down()
    return res, cpu, logins


def main():
    # SIGTERM (and SIGINT, which a shell's background job ignores) end the run through the
    # `finally` that stops the sshds, instead of leaving them behind
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    ap = argparse.ArgumentParser()
    ap.add_argument("--hosts", default="10,25")
    ap.add_argument("--steps", default="2,10")
    ap.add_argument("--runs", type=int, default=5)
    ap.add_argument("--tools", default=",".join(TOOLS))
    ap.add_argument("--out", default=os.path.join(os.path.dirname(__file__), "..", "out", "peers"))
    a = ap.parse_args()
    tools = a.tools.split(",")
    rows = []
    for n in map(int, a.hosts.split(",")):
        for k in map(int, a.steps.split(",")):
            res, cpu, logins = bench(n, k, a.runs, tools, a.out)
            for mode in ("cold", "warm"):
                med = {t: statistics.median(res[(t, mode)]) for t in tools}
                for t in tools:
                    rows.append(dict(hosts=n, steps=k, mode=mode, tool=t, median_s=med[t],
                                     min_s=min(res[(t, mode)]), max_s=max(res[(t, mode)]),
                                     cpu_s=statistics.median(cpu[(t, mode)]), runs=res[(t, mode)]))
            if logins:
                flat = {x for run in logins for x in run}
                print(f"portoser SSH logins per host per run (n={n} k={k}): {sorted(flat)}", flush=True)
    print_table(rows, tools)
    with open(f"{a.out}/results.json", "w") as f:
        json.dump(rows, f, indent=1)


def print_table(rows, tools):
    print("\n| hosts x steps | mode | " + " | ".join(tools) + " | portoser / floor | ansible / portoser | tuned / portoser | pyinfra / portoser |")
    print("|---" * (len(tools) + 6) + "|")
    keys = sorted({(r["hosts"], r["steps"], r["mode"]) for r in rows}, key=lambda x: (x[0], x[1], x[2]))
    for n, k, m in keys:
        med = {r["tool"]: r for r in rows if (r["hosts"], r["steps"], r["mode"]) == (n, k, m)}
        cells = [f"{med[t]['median_s']:.2f} s ({med[t]['min_s']:.2f}-{med[t]['max_s']:.2f})" for t in tools]

        def ratio(a, b):
            return f"{med[a]['median_s'] / med[b]['median_s']:.2f}x" if a in med and b in med else "-"
        print(f"| {n} x {k} | {m} | " + " | ".join(cells) + f" | {ratio('portoser', 'floor')} | "
              f"{ratio('ansible', 'portoser')} | {ratio('ansible-tuned', 'portoser')} | {ratio('pyinfra', 'portoser')} |")


if __name__ == "__main__":
    main()
