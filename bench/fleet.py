"""Fleet benchmark: `portoser apply` of 50 services on 7 SSH hosts (own sshds, peers/hosts.py),
cold (fresh state, nothing on the hosts) and no-op (the same registry again), with the
critical-path lower bound beside it.

Each service uses a project engine whose deploy writes a file and sleeps WORK seconds (the
stand-in for real deploy work); service i depends on service i-5 and on service i//3 (when they
exist), so the graph has chains across hosts. The lower bound of a cold apply is the longest
dependency chain times WORK: no scheduler can finish sooner. The report's own critical path
(the measured chain that bounded the run) is printed too.

  python3 bench/fleet.py [--services 50] [--hosts 7] [--work 0.2] [--runs 5]"""
import argparse, json, os, shutil, signal, statistics, subprocess, sys, time
sys.path.insert(0, os.path.join(os.path.dirname(os.path.abspath(__file__)), "peers"))
import hosts as H
import work as W


def deps(i):
    return sorted({d for d in (i - 5, i // 3) if 1 <= d < i})


def project(h, n, work, out):
    os.makedirs(f"{out}/playbooks", exist_ok=True)
    reg = ["defaults:", f"  ssh_user: {H.USER}", f"  ssh_port: {H.PORT}", f"  ssh_key: {h.key}",
           f"  known_hosts: {h.known_hosts}", "hosts:"]
    for i in range(1, h.n + 1):
        reg += [f"  h{i}:", f"    ip: {H.ip(i)}", f"    path: {H.base(i)}"]
    reg.append("services:")
    for i in range(1, n + 1):
        reg += [f"  s{i}:", f"    current_host: h{(i - 1) % h.n + 1}", "    deployment_type: work"]
        if deps(i):
            reg.append("    dependencies: [" + ", ".join(f"s{d}" for d in deps(i)) + "]")
    with open(f"{out}/registry.yml", "w") as f:
        f.write("\n".join(reg) + "\n")
    with open(f"{out}/playbooks/work.pbk", "w") as f:
        f.write("engine work {\n"
                f"  deploy {{ run on host: \"echo \\\"$PORTOSER_SERVICE\\\" > \\\"$PORTOSER_BASE_DIR/$PORTOSER_SERVICE.out\\\" && sleep {work}\" }}\n"
                "  stop { run on host: \"true\" }\n"
                "  status { run on host: \"test -f \\\"$PORTOSER_BASE_DIR/$PORTOSER_SERVICE.out\\\"\" }\n}\n")


def depth(n):
    d = {}
    for i in range(1, n + 1):
        d[i] = 1 + max((d[x] for x in deps(i)), default=0)
    return max(d.values())


def apply(out):
    t0 = time.perf_counter()
    p = subprocess.run([W.PORTOSER, "-C", out, "apply", "--yes", "--format", "json"],
                       capture_output=True, text=True)
    t = time.perf_counter() - t0
    if p.returncode != 0:
        raise RuntimeError(f"apply failed ({p.returncode}):\n{p.stdout[-2000:]}\n{p.stderr[-2000:]}")
    report = None
    for line in p.stdout.splitlines():
        if line.startswith("{") and '"type":"report"' in line:
            report = json.loads(line)
    return t, report, p.stdout


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--services", type=int, default=50)
    ap.add_argument("--hosts", type=int, default=7)
    ap.add_argument("--work", type=float, default=0.2)
    ap.add_argument("--runs", type=int, default=5)
    a = ap.parse_args()
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))
    out = os.path.join(os.path.dirname(os.path.abspath(__file__)), "out", "fleet")
    shutil.rmtree(out, ignore_errors=True)
    h = H.Hosts(a.hosts)
    cold, noop, crit, logins = [], [], [], []
    try:
        project(h, a.services, a.work, out)
        for r in range(a.runs):
            shutil.rmtree(f"{out}/.portoser", ignore_errors=True)
            for i in range(1, h.n + 1):
                for f in os.listdir(H.base(i)):
                    shutil.rmtree(f"{H.base(i)}/{f}", ignore_errors=True) if os.path.isdir(f"{H.base(i)}/{f}") else os.remove(f"{H.base(i)}/{f}")
            before = h.logins()
            t, rep, _ = apply(out)
            logins.append([x - y for x, y in zip(h.logins(), before)])
            cold.append(t)
            crit.append(rep["critical_path"]["duration_ms"] / 1000 if rep else float("nan"))
            t2, rep2, text = apply(out)
            noop.append(t2)
            print(f"  round {r + 1}: cold {t:.2f} s (report's critical path {crit[-1]:.2f} s), no-op {t2:.3f} s",
                  file=sys.stderr, flush=True)
    finally:
        h.down()
    bound = depth(a.services) * a.work
    print(f"fleet: {a.services} services on {a.hosts} hosts, longest dependency chain {depth(a.services)} "
          f"services x {a.work} s of deploy work = lower bound {bound:.2f} s")
    print(f"cold apply: median {statistics.median(cold):.2f} s (min {min(cold):.2f}, max {max(cold):.2f}); "
          f"report's critical path median {statistics.median(crit):.2f} s; "
          f"wall / lower bound = {statistics.median(cold) / bound:.2f}x")
    print(f"no-op apply: median {statistics.median(noop):.3f} s (min {min(noop):.3f}, max {max(noop):.3f})")
    print(f"SSH logins per host per cold run: {sorted({x for run in logins for x in run})}")


if __name__ == "__main__":
    main()
