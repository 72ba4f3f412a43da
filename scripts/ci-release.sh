#!/usr/bin/env bash
# CI's release step (called at the end of .ci/run): check that both crates are ready for
# crates.io, build the Linux and Windows packages with scripts/release.sh and install-test them
# with scripts/test-npm-install.sh. Runs after
# ../shared/tools/windows-tests, which sets up the Wine prefix the Windows binary runs in.
set -euo pipefail
cd "$(dirname "$0")/.."
start=$SECONDS
SUDO=""; [ "$(id -u)" = 0 ] || SUDO=sudo
# qemu-user-static runs the arm64 binary; node and npm come with the machine. Without it (no
# package lists on a fresh machine, no apt) the install test still checks that binary is a
# static aarch64 ELF: a missing qemu is said, not fatal.
apt_install() {
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}
command -v qemu-aarch64-static >/dev/null \
  || apt_install qemu-user-static 2>/dev/null \
  || { $SUDO apt-get update -qq >/dev/null && apt_install qemu-user-static; } \
  || echo "ci-release: qemu-user-static could not be installed; the arm64 binary is not run" >&2
# Both crates still package and build from what crates.io would get (include lists, metadata;
# the CLI against the packaged sshcfg): see "Install" in the README.
# The CLI is verified against sshcfg from a local registry of the packages just made, which cargo
# unpacks under $CARGO_HOME/registry/src/-<hash of this target dir>/ and, since a registry
# version never changes, reuses if it is there: a copy left by an earlier run in the same
# directory (a kept cargo home) would be built instead of this commit's sshcfg. Neither crate is
# on crates.io, so every unpacked copy of them is ours and stale.
rm -rf -- "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/sshcfg-* \
  "${CARGO_HOME:-$HOME/.cargo}"/registry/src/-*/codex-fwd-*
cargo publish --dry-run --workspace --locked
# `--version` names the commit in clones (packed refs), worktrees, shallow clones, and no git.
scripts/test-version.sh
# What crates.io gets: the files each crate needs, no fixtures, a README whose links work there.
scripts/check-crates.sh
scripts/release.sh x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-pc-windows-gnu
scripts/test-npm-install.sh
# The Windows build is warning-free too (code behind cfg(unix) leaves things unused there); the
# release build above installed the target.
cargo clippy --workspace --locked --target x86_64-pc-windows-gnu -- -D warnings
echo "ci-release: $((SECONDS - start)) s" >&2
