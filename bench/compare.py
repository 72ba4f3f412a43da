#!/usr/bin/env python3
"""Time codex-fwd against OpenSSH's own parser (`ssh -G`) on large generated configs.

Runs the commands alternating, round after round, and reports medians, each as a ratio to
`ssh -G` of one host and to codex-fwd's own `status` of one host, plus peak RSS (GNU time) as a
multiple of the file size and how time grows from 10k to 100k blocks. The all-hosts commands
(`status` and `doctor` with no host: every host the config names, about 1.15 per block) and
`enable --dry-run` of 20 hosts are there to show that they stay linear in the config. Last, a
small config's `status` against a hello-world binary.
Usage: compare.py BINARY [ROUNDS]"""
import os, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd, ok=(0,)):
    devnull = os.open(os.devnull, os.O_RDWR)
    actions = [(os.POSIX_SPAWN_DUP2, devnull, fd) for fd in (0, 1, 2)]
    exe = cmd[0] if os.path.sep in cmd[0] else shutil.which(cmd[0])
    t0 = time.perf_counter()
    pid = os.posix_spawn(exe, cmd, os.environ, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    dt = time.perf_counter() - t0
    os.close(devnull)
    if os.waitstatus_to_exitcode(status) not in ok:
        sys.exit(f"failed: {' '.join(cmd)}")
    return dt


def peak_rss(cmd):
    """Peak RSS in bytes, from GNU time (a small parent, so its fork adds little); None if
    /usr/bin/time is missing (Debian package `time`)."""
    if not os.path.exists("/usr/bin/time"):
        return None
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    return int(p.stderr.strip().splitlines()[-1]) * 1024


def main():
    binary = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    tmp = tempfile.mkdtemp(prefix="codex-fwd-bench-")
    results = {}
    print(f"{'blocks':>7} {'MB':>5}  {'command':<32} {'median ms':>9} {'x ssh -G':>8} {'x status1':>9} {'RSS/size':>8}")
    for n in (1000, 10000, 100000):
        path = os.path.join(tmp, f"big{n}.conf")
        with open(path, "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "gen_config.py"), str(n)], stdout=f, check=True)
        size = os.path.getsize(path)
        host = f"h{n // 2}"
        many = [f"h{i * (n // 20) + 7}" for i in range(20)]
        cmds = {
            "enable --dry-run": [binary, "-F", path, "enable", host, "--dry-run"],
            "status": [binary, "-F", path, "status", host],
            "status (all hosts)": [binary, "-F", path, "status"],
            "doctor (all hosts)": [binary, "-F", path, "doctor"],
            "status --json (all hosts)": [binary, "-F", path, "status", "--json"],
            "enable --dry-run (20 hosts)": [binary, "-F", path, "enable", *many, "--dry-run"],
            "ssh -G": ["ssh", "-G", "-F", path, host],
            "cat": ["cat", path],
        }
        # doctor exits 3 when it finds a problem on this machine (port 1455 in use, say).
        ok = {k: (0, 3) if k.startswith("doctor") else (0,) for k in cmds}
        times = {k: [] for k in cmds}
        rss = {k: peak_rss(c) for k, c in cmds.items()}
        for _ in range(2):  # warm-up
            for k, c in cmds.items():
                run(c, ok[k])
        for _ in range(rounds):
            for k, c in cmds.items():
                times[k].append(run(c, ok[k]))
        med = {k: statistics.median(v) for k, v in times.items()}
        results[n] = med
        for k in cmds:
            print(f"{n:>7} {size / 1e6:>5.1f}  {k:<32} {med[k] * 1e3:>9.2f} {med[k] / med['ssh -G']:>8.3f} {med[k] / med['status']:>9.2f} {(rss[k] / size if rss[k] else float('nan')):>8.2f}")
    print("growth 10k -> 100k blocks (10x the config; linear means about 10x):")
    for k in cmds:
        print(f"  {k:<32} {results[100000][k] / results[10000][k]:>6.1f}x")
    small(binary, tmp, rounds)


def small(binary, tmp, rounds):
    """A small config's `status` (30 blocks, 148 lines) against a hello-world binary (built with
    `rustc -O`): the goal is at most 1.5x. Start-up is most of it, so many rounds."""
    if not shutil.which("rustc"):
        print("small config: no rustc to build a hello-world binary with")
        return
    src, hello = os.path.join(tmp, "hello.rs"), os.path.join(tmp, "hello")
    with open(src, "w") as f:
        f.write('fn main() { println!("hello, world"); }\n')
    subprocess.run(["rustc", "-O", "-o", hello, src], check=True)
    path = os.path.join(tmp, "small.conf")
    with open(path, "w") as f:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_config.py"), "30"], stdout=f, check=True)
    cmds = {"hello world (rustc -O)": [hello], "status h5": [binary, "-F", path, "status", "h5"],
            "ssh -G": ["ssh", "-G", "-F", path, "h5"]}
    times = {k: [] for k in cmds}
    for _ in range(max(rounds, 1) * 20):
        for k, c in cmds.items():
            times[k].append(run(c))
    med = {k: statistics.median(v) for k, v in times.items()}
    base = med["hello world (rustc -O)"]
    print(f"small config (30 blocks, {os.path.getsize(path)} bytes): median ms, x hello world")
    for k in cmds:
        print(f"  {k:<32} {med[k] * 1e3:>9.3f} {med[k] / base:>8.2f}")


if __name__ == "__main__":
    main()
