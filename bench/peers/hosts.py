"""N local OpenSSH servers for the peer benchmark: one sshd per address 127.0.0.(10+i), all on
one high port, a dedicated /bin/sh user (rc files of root's shell would inflate every remote
command), generated keys and a known_hosts file. `LogLevel VERBOSE` lets the harness count the
logins (SSH connections) each host accepted."""
import os, pwd, shutil, subprocess, time

USER = "ptbench"
PORT = 23022
ROOT = "/var/lib/portoser-peers"  # keys, configs, logs, and each host's base directory


def ip(i):
    return f"127.0.0.{10 + i}"


def base(i):
    return f"{ROOT}/h{i}"


def log(i):
    return f"{ROOT}/sshd/h{i}.log"


def _run(*args):
    subprocess.run(args, check=True, stdout=subprocess.DEVNULL)


def ensure_user():
    try:
        pwd.getpwnam(USER)
    except KeyError:
        _run("useradd", "-m", "-s", "/bin/sh", USER)
    _run("usermod", "-p", "*", USER)  # a locked account is refused by sshd with UsePAM no


class Hosts:
    def __init__(self, n):
        self.n, self.procs = n, []
        ensure_user()
        shutil.rmtree(ROOT, ignore_errors=True)
        os.makedirs(f"{ROOT}/sshd", exist_ok=True)
        os.makedirs("/run/sshd", exist_ok=True)
        os.chmod(ROOT, 0o755)
        self.key = f"{ROOT}/client_key"
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", self.key)
        _run("ssh-keygen", "-q", "-t", "ed25519", "-N", "", "-f", f"{ROOT}/sshd/host_key")
        u = pwd.getpwnam(USER)
        auth = f"{ROOT}/sshd/authorized_keys.{USER}"
        shutil.copy(self.key + ".pub", auth)
        os.chown(auth, u.pw_uid, u.pw_gid)
        hostpub = open(f"{ROOT}/sshd/host_key.pub").read().split()[:2]
        self.known_hosts = f"{ROOT}/known_hosts"
        with open(self.known_hosts, "w") as kh:
            for i in range(1, n + 1):
                kh.write(f"[{ip(i)}]:{PORT} {' '.join(hostpub)}\n")
        for i in range(1, n + 1):
            os.makedirs(base(i))
            os.chown(base(i), u.pw_uid, u.pw_gid)
            cfg = f"{ROOT}/sshd/h{i}.conf"
            with open(cfg, "w") as f:
                f.write(f"""ListenAddress {ip(i)}
Port {PORT}
HostKey {ROOT}/sshd/host_key
PidFile {ROOT}/sshd/h{i}.pid
UsePAM no
PasswordAuthentication no
KbdInteractiveAuthentication no
AuthorizedKeysFile {ROOT}/sshd/authorized_keys.%u
AllowUsers {USER}
LogLevel VERBOSE
UseDNS no
PrintMotd no
Subsystem sftp internal-sftp
""")
            self.procs.append(subprocess.Popen(
                ["/usr/sbin/sshd", "-D", "-f", cfg, "-E", log(i)]))
        for i in range(1, n + 1):
            self._wait(i)

    def _wait(self, i):
        import socket
        for _ in range(100):
            try:
                socket.create_connection((ip(i), PORT), 0.2).close()
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError(f"sshd h{i} did not start; see {log(i)}")

    def logins(self):
        """Accepted logins per host so far."""
        out = []
        for i in range(1, self.n + 1):
            with open(log(i)) as f:
                out.append(sum("Accepted publickey" in line for line in f))
        return out

    def wipe(self, sub):
        """Removes `sub` from every host's base directory (a cold run starts from nothing)."""
        for i in range(1, self.n + 1):
            shutil.rmtree(f"{base(i)}/{sub}", ignore_errors=True)

    def down(self):
        for p in self.procs:
            p.terminate()
        for p in self.procs:
            try:
                p.wait(5)
            except subprocess.TimeoutExpired:
                p.kill()
        # sessions (children of our sshds) normally end with their connection; anything left
        # running as the bench user under our directory is ours
        shutil.rmtree(ROOT, ignore_errors=True)
