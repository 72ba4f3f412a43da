#!/usr/bin/env python3
"""Time codex-fwd against OpenSSH's own parser (`ssh -G`) on large generated configs.

Runs the three commands alternating, round after round, and reports medians, each as a ratio to
`ssh -G`, plus peak RSS (from wait4) as a multiple of the file size and how time grows from 10k
to 100k blocks. Usage: compare.py BINARY [ROUNDS]"""
import os, shutil, statistics, subprocess, sys, tempfile, time

HERE = os.path.dirname(os.path.abspath(__file__))


def run(cmd):
    devnull = os.open(os.devnull, os.O_RDWR)
    actions = [(os.POSIX_SPAWN_DUP2, devnull, fd) for fd in (0, 1, 2)]
    exe = cmd[0] if os.path.sep in cmd[0] else shutil.which(cmd[0])
    t0 = time.perf_counter()
    pid = os.posix_spawn(exe, cmd, os.environ, file_actions=actions)
    _, status = os.waitpid(pid, 0)
    dt = time.perf_counter() - t0
    os.close(devnull)
    if os.waitstatus_to_exitcode(status) != 0:
        sys.exit(f"failed: {' '.join(cmd)}")
    return dt


def peak_rss(cmd):
    """Peak RSS in bytes, from GNU time (a small parent, so its fork adds little); None if
    /usr/bin/time is missing (Debian package `time`)."""
    if not os.path.exists("/usr/bin/time"):
        return None
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True, check=True)
    return int(p.stderr.strip().splitlines()[-1]) * 1024


def main():
    binary = sys.argv[1]
    rounds = int(sys.argv[2]) if len(sys.argv) > 2 else 15
    tmp = tempfile.mkdtemp(prefix="codex-fwd-bench-")
    results = {}
    print(f"{'blocks':>7} {'MB':>5}  {'command':<28} {'median ms':>9} {'x ssh -G':>8} {'RSS/size':>8}")
    for n in (1000, 10000, 100000):
        path = os.path.join(tmp, f"big{n}.conf")
        with open(path, "w") as f:
            subprocess.run([sys.executable, os.path.join(HERE, "gen_config.py"), str(n)], stdout=f, check=True)
        size = os.path.getsize(path)
        host = f"h{n // 2}"
        cmds = {
            "enable --dry-run": [binary, "-F", path, "enable", host, "--dry-run"],
            "status": [binary, "-F", path, "status", host],
            "ssh -G": ["ssh", "-G", "-F", path, host],
            "cat": ["cat", path],
        }
        times = {k: [] for k in cmds}
        rss = {k: peak_rss(c) for k, c in cmds.items()}
        for _ in range(2):  # warm-up
            for c in cmds.values():
                run(c)
        for _ in range(rounds):
            for k, c in cmds.items():
                times[k].append(run(c))
        med = {k: statistics.median(v) for k, v in times.items()}
        results[n] = med
        for k in cmds:
            print(f"{n:>7} {size / 1e6:>5.1f}  {k:<28} {med[k] * 1e3:>9.2f} {med[k] / med['ssh -G']:>8.3f} {(rss[k] / size if rss[k] else float('nan')):>8.2f}")
    for k in ("enable --dry-run", "status", "ssh -G"):
        print(f"growth 10k -> 100k blocks, {k}: {results[100000][k] / results[10000][k]:.1f}x")


if __name__ == "__main__":
    main()
