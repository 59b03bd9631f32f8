"""Medians and ratios from a peers.sh log (the per-run lines on stderr), also of a run stopped
early: python3 bench/peers/summary.py bench/out/peers-run.log"""
import re, statistics, sys

TOOLS = ["floor", "portoser", "pyinfra", "ansible-tuned", "ansible"]
LINE = re.compile(r"\s+n=(\d+) k=(\d+) round \d+: (\S+)\s+(cold|warm):\s+([\d.]+) s \(cpu\s+([\d.]+) s\)")


def main(path):
    runs = {}
    for line in open(path):
        m = LINE.match(line)
        if m:
            n, k, tool, mode, wall, cpu = m.groups()
            runs.setdefault((int(n), int(k), mode), {}).setdefault(tool, []).append((float(wall), float(cpu)))
    print("| hosts x steps | mode | runs | " + " | ".join(TOOLS) +
          " | portoser / floor | Ansible / portoser | tuned / portoser | pyinfra / portoser |")
    print("|---" * (len(TOOLS) + 7) + "|")
    for key in sorted(runs):
        r = runs[key]
        med = {t: statistics.median(w for w, _ in r[t]) for t in TOOLS if t in r}
        cells = [f"{med[t]:.2f} s" if t in med else "-" for t in TOOLS]

        def ratio(a, b):
            return f"{med[a] / med[b]:.2f}x" if a in med and b in med else "-"
        n = min(len(v) for v in r.values())
        print(f"| {key[0]} x {key[1]} | {key[2]} | {n} | " + " | ".join(cells) +
              f" | {ratio('portoser', 'floor')} | {ratio('ansible', 'portoser')} | "
              f"{ratio('ansible-tuned', 'portoser')} | {ratio('pyinfra', 'portoser')} |")
    print("\nspread (min-max wall) and median CPU time (user+sys of the tool and its children):")
    for key in sorted(runs):
        r = runs[key]
        print(f"  {key[0]} x {key[1]} {key[2]}: " + "; ".join(
            f"{t} {min(w for w, _ in r[t]):.2f}-{max(w for w, _ in r[t]):.2f} s, cpu {statistics.median(c for _, c in r[t]):.2f} s"
            for t in TOOLS if t in r))


if __name__ == "__main__":
    main(sys.argv[1])
