#!/usr/bin/env bash
# The speed goals (README > Performance), side by side with `ssh -G`, in one run: wall time of
# codex-fwd (one host, all hosts, 20 hosts) and `ssh -G` on 1k, 10k and 100k-block configs, with
# the growth from 10k to 100k blocks and a small config against a hello-world binary
# (compare.py), then the same goals as instruction counts and peak RSS, each marked met or not
# (instructions.py; needs valgrind).
# Usage: bash bench/compare.sh [ROUNDS]   (needs ssh and python3)
#        PROFILE=dist bash bench/compare.sh   the binary release.sh ships (stripped, LTO)
set -euo pipefail
cd "$(dirname "$0")/.."
profile=${PROFILE:-release}
cargo build --profile "$profile" -q -p codex-fwd
bin=target/$profile/codex-fwd
python3 bench/compare.py "$bin" "${1:-15}"
if command -v valgrind >/dev/null; then
  python3 bench/instructions.py "$bin"
else
  echo "compare.sh: valgrind is not installed: no instruction counts (Debian package valgrind)" >&2
fi
