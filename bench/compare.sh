#!/usr/bin/env bash
# Side-by-side timing of codex-fwd (one host, all hosts, 20 hosts) and `ssh -G` on 1k, 10k and
# 100k-block configs, with the growth from 10k to 100k blocks for each command.
# Usage: bash bench/compare.sh [ROUNDS]   (needs ssh and python3)
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release -q -p codex-fwd
exec python3 bench/compare.py target/release/codex-fwd "${1:-15}"
