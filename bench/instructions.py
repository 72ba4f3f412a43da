#!/usr/bin/env python3
"""The speed goals (README > Performance) as instruction counts (callgrind), which do not move
with the machine's load.

Generates the 100k-block config (and a 30-block one) with gen_config.py, counts the instructions
of each goal's command and of `ssh -G` with `valgrind --tool=callgrind`, measures peak RSS with
GNU time, and prints each goal with its figure and whether it is met. A small config's `status`
is shown against a hello-world binary built with `rustc -O` (or, without rustc, codex-fwd's own
`--version`); that goal is one of wall time, which compare.py measures.
Usage: instructions.py BINARY"""
import os, re, shutil, subprocess, sys, tempfile

HERE = os.path.dirname(os.path.abspath(__file__))


def instructions(cmd):
    """Instructions the command executes (callgrind's `Collected`), its output discarded."""
    p = subprocess.run(["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null", *cmd],
                       stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, stdin=subprocess.DEVNULL,
                       text=True)
    m = re.search(r"Collected\s*:\s*(\d+)", p.stderr)
    if not m:
        sys.exit(f"callgrind gave no count for: {' '.join(cmd)}\n{p.stderr[-2000:]}")
    return int(m.group(1))


def peak_rss(cmd):
    """Peak RSS in bytes, from GNU time; None without /usr/bin/time (Debian package `time`)."""
    if not os.path.exists("/usr/bin/time"):
        return None
    p = subprocess.run(["/usr/bin/time", "-f", "%M", *cmd], stdout=subprocess.DEVNULL,
                       stderr=subprocess.PIPE, stdin=subprocess.DEVNULL, text=True)
    return int(p.stderr.strip().splitlines()[-1]) * 1024


def hello_world(tmp, binary):
    """A hello-world binary to compare a small config's run with."""
    if shutil.which("rustc"):
        src = os.path.join(tmp, "hello.rs")
        with open(src, "w") as f:
            f.write('fn main() { println!("hello, world"); }\n')
        out = os.path.join(tmp, "hello")
        if subprocess.run(["rustc", "-O", "-o", out, src], capture_output=True).returncode == 0:
            return [out], "rustc -O hello world"
    return [binary, "--version"], "codex-fwd --version"


def generate(tmp, blocks):
    path = os.path.join(tmp, f"big{blocks}.conf")
    with open(path, "w") as f:
        subprocess.run([sys.executable, os.path.join(HERE, "gen_config.py"), str(blocks)],
                       stdout=f, check=True)
    return path


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    binary = os.path.abspath(sys.argv[1])
    if not shutil.which("valgrind"):
        sys.exit("instructions.py needs valgrind (Debian package `valgrind`)")
    tmp = tempfile.mkdtemp(prefix="codex-fwd-instr-")
    big, small = generate(tmp, 100000), generate(tmp, 30)
    size = os.path.getsize(big)
    host = "h50000"
    count = lambda *args: instructions([binary, "-F", big, *args])
    ssh = instructions(["ssh", "-G", "-F", big, host])
    one = count("status", host)
    enable = count("enable", host, "--dry-run")
    every = count("status")
    doctor = count("doctor")
    hello_cmd, hello_name = hello_world(tmp, binary)
    hello = instructions(hello_cmd)
    small_status = instructions([binary, "-F", small, "status", "h5"])
    rss = {k: peak_rss([binary, "-F", big, *a]) for k, a in
           [("status", ["status", host]), ("enable", ["enable", host, "--dry-run"]),
            ("every", ["status"]), ("json", ["status", "--json"])]}

    rows = [
        (f"status {host}", one, f"{one / ssh:.3f}x ssh -G", one <= 0.08 * ssh, "<= 0.08x ssh -G"),
        (f"enable {host} --dry-run", enable, f"{enable / ssh:.3f}x ssh -G", enable <= 0.08 * ssh,
         "<= 0.08x ssh -G"),
        ("status (every host)", every, f"{every / one:.2f}x one host", every <= 3 * one,
         "<= 3x one host"),
        ("doctor (every host)", doctor, f"{doctor / one:.2f}x one host", doctor <= 3 * one,
         "<= 3x one host"),
    ]
    print(f"100k blocks: {size / 1e6:.1f} MB; ssh -G -F big {host}: {ssh / 1e6:,.1f}M instructions")
    print(f"{'command':<26} {'instructions':>13}  {'ratio':<26} {'goal':<20} met")
    for name, n, ratio, met, goal in rows:
        print(f"{name:<26} {n / 1e6:>12,.1f}M  {ratio:<26} {goal:<20} {'yes' if met else 'no'}")
    # The small-config goal is one of wall time (start-up: mapping and relocating the binary,
    # which instructions undercount against a far smaller hello world): compare.py measures it.
    print(f"{'status h5, 30 blocks':<26} {small_status / 1e6:>12,.2f}M  "
          f"{f'{small_status / hello:.2f}x {hello_name}':<26} wall time: compare.py")
    for k, v in rss.items():
        if v is None:
            print(f"peak RSS {k}: no /usr/bin/time")
            continue
        name = {"status": f"status {host}", "enable": f"enable {host} --dry-run",
                "every": "status (every host)", "json": "status --json (every)"}[k]
        print(f"{name:<26} {v / 1e6:>12.1f}MB {f'{v / size:.2f}x the file':<26} "
              f"{'<= 2x the file':<20} {'yes' if v <= 2 * size else 'no'}")
    shutil.rmtree(tmp, ignore_errors=True)


if __name__ == "__main__":
    main()
