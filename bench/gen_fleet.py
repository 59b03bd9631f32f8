#!/usr/bin/env python3
"""Generate a synthetic portoser project: N services on M hosts, with dependencies and playbooks.

The result checks clean, so `portoser check` on it measures the compiler, not error rendering.
Deterministic for a given seed.

    python3 bench/gen_fleet.py --services 5000 --hosts 500 --playbooks 50 --out /tmp/fleet
"""
import argparse
import os
import random

ENGINES = ["docker", "local", "native"]


def host_block(i):
    arch = ["amd64-linux", "arm64-linux", "arm64-apple"][i % 3]
    return (
        f"  host-{i:04d}:\n"
        f"    ip: 10.{(i >> 16) & 255}.{(i >> 8) & 255}.{i & 255}\n"
        f"    ssh_user: deploy\n"
        f"    ssh_port: 22\n"
        f"    path: /srv/portoser\n"
        f"    arch: {arch}\n"
        f"    roles: [apps]\n"
    )


def service_block(i, hosts, rng):
    host = i % hosts
    engine = ENGINES[i % 3]
    port = 10000 + i // hosts          # unique per host: services on one host differ in i // hosts
    lines = [
        f"  svc-{i:05d}:",
        f"    current_host: host-{host:04d}",
        f"    deployment_type: {engine}",
        f"    port: {port}",
        f"    hostname: svc-{i:05d}.fleet.lan",
        f"    description: synthetic service {i}",
        f"    healthcheck_url: http://127.0.0.1:{port}/health",
    ]
    if engine == "docker":
        lines.append(f"    docker_compose: svc-{i:05d}/docker-compose.yml")
    else:
        lines.append(f'    command: "python3 -m http.server {port}"')
        lines.append(f"    working_dir: svc-{i:05d}")
    # Depend only on earlier services: the graph is a DAG by construction.
    if i > 0:
        deps = sorted({rng.randrange(0, i) for _ in range(rng.randrange(0, 3))})
        if deps:
            lines.append("    dependencies: [" + ", ".join(f"svc-{d:05d}" for d in deps) + "]")
    lines.append("    env:")
    lines.append(f"      LOG_LEVEL: info")
    lines.append(f'      PORT: "{port}"')
    return "\n".join(lines) + "\n"


def playbook(i, services):
    target = f"svc-{(i * 97) % services:05d}"
    return (
        f"# synthetic playbook {i}\n"
        f"hook after deploy of {target} {{\n"
        f"  wait_healthy({target}, timeout: 60s)\n"
        f"}}\n\n"
        f"playbook restart_{i}(s: Service) {{\n"
        f"  restart(s)\n"
        f"  wait_healthy(s, timeout: 2m)\n"
        f"}}\n"
    )


def main():
    ap = argparse.ArgumentParser(description=__doc__)
    ap.add_argument("--services", type=int, default=5000)
    ap.add_argument("--hosts", type=int, default=500)
    ap.add_argument("--playbooks", type=int, default=50)
    ap.add_argument("--seed", type=int, default=7)
    ap.add_argument("--out", required=True)
    args = ap.parse_args()
    rng = random.Random(args.seed)
    os.makedirs(os.path.join(args.out, "playbooks"), exist_ok=True)
    with open(os.path.join(args.out, "registry.yml"), "w") as f:
        f.write("domain: fleet.lan\n")
        f.write("caddy:\n  ingress_host: host-0000\n  admin_api: 127.0.0.1:2019\n")
        f.write("hosts:\n")
        for h in range(args.hosts):
            f.write(host_block(h))
        f.write("services:\n")
        for s in range(args.services):
            f.write(service_block(s, args.hosts, rng))
    for p in range(args.playbooks):
        with open(os.path.join(args.out, "playbooks", f"p{p:03d}.pbk"), "w") as f:
            f.write(playbook(p, args.services))
    print(f"wrote {args.out}: {args.services} services on {args.hosts} hosts, {args.playbooks} playbooks")


if __name__ == "__main__":
    main()
