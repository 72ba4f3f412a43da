#!/usr/bin/env bash
# Build the release: static, stripped codex-fwd binaries, and the npm packages that carry them,
# in target/dist/.
#
#   scripts/release.sh                 # every target below
#   scripts/release.sh x86_64-unknown-linux-musl x86_64-pc-windows-gnu
#
# Targets (Rust target -> npm platform package):
#   x86_64-unknown-linux-musl   -> codex-fwd-linux-x64     static (musl), runs on any Linux
#   aarch64-unknown-linux-musl  -> codex-fwd-linux-arm64   static (musl)
#   x86_64-pc-windows-gnu       -> codex-fwd-win32-x64     links only Windows' own DLLs
# macOS is not among them: see "Install" in the README for why.
#
# Linking uses zig (PyPI `ziglang`) through cargo-zigbuild (PyPI `cargo-zigbuild`), which bring a
# C toolchain and libc for every target; this script installs both (pinned) into a virtual
# environment of its own, target/release-tools/venv (a system Python such as Debian's refuses
# `pip install` outside one, PEP 668), and the Rust standard library of each target with rustup. The binaries use the `dist` profile
# (Cargo.toml: release, no debug info, stripped, optimised across crates). `codex-fwd --version` names the commit, with
# `-dirty` when tracked files differ from it.
#
# Output:
#   target/release-dist/bin/TARGET/codex-fwd[.exe]   the binaries
#   target/release-dist/npm/PACKAGE/                 the npm packages, laid out (npm/assemble.js)
#   target/release-dist/PACKAGE-VERSION.tgz          the same, packed by `npm pack`, ready to publish
#   target/release-dist/COMMIT                       the commit the binaries name
# Each run replaces the whole directory: nothing of an earlier run (another commit, other
# targets) is left beside what this one built.
# scripts/test-npm-install.sh installs the tarballs into an empty prefix and runs them.
set -euo pipefail
ZIGLANG_VERSION=0.17.1
CARGO_ZIGBUILD_VERSION=0.24.0
export CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}

cd "$(dirname "$0")/.."
targets=("$@")
((${#targets[@]})) || targets=(x86_64-unknown-linux-musl aarch64-unknown-linux-musl x86_64-pc-windows-gnu)

platform_of() {
  case "$1" in
    x86_64-unknown-linux-musl) echo linux-x64 ;;
    aarch64-unknown-linux-musl) echo linux-arm64 ;;
    x86_64-pc-windows-gnu) echo win32-x64 ;;
    *) echo "release: unsupported target $1 (see the list at the top of $0)" >&2; return 1 ;;
  esac
}
for t in "${targets[@]}"; do platform_of "$t" >/dev/null; done

# Missing programs are named up front, not after minutes of building.
for tool in git cargo rustup python3 node npm; do
  command -v "$tool" >/dev/null || {
    echo "release: $tool is not installed (needed: git, cargo and rustup, python3, node and npm)" >&2
    exit 1
  }
done
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' crates/cli/Cargo.toml | head -n 1)
commit=$(git rev-parse --short=12 HEAD)
git diff --quiet HEAD -- || commit="$commit-dirty"
export CODEX_FWD_COMMIT=$commit
echo "release: codex-fwd $version (commit $commit) for ${targets[*]}" >&2

# The tools: zig and cargo-zigbuild from PyPI, each target's std from rustup.
# pip installs into a virtual environment of ours: a system Python (Debian, Ubuntu) refuses to
# install into itself (PEP 668), and `pip install --user` puts scripts where PATH need not look.
venv=target/release-tools/venv
if [ ! -x "$venv/bin/python3" ]; then
  mkdir -p target/release-tools
  python3 -m venv "$venv" 2>/dev/null || {
    rm -rf "$venv"
    echo "release: python3 cannot make a virtual environment (Debian, Ubuntu: apt-get install python3-venv)" >&2
    exit 1
  }
fi
PATH="$PWD/$venv/bin:$PATH"
if [ "$(python3 -m ziglang version 2>/dev/null)" != "$ZIGLANG_VERSION" ] \
   || [ "$(cargo-zigbuild --version 2>/dev/null)" != "cargo-zigbuild $CARGO_ZIGBUILD_VERSION" ]; then
  echo "release: installing ziglang $ZIGLANG_VERSION and cargo-zigbuild $CARGO_ZIGBUILD_VERSION from PyPI into $venv" >&2
  python3 -m pip install --quiet --disable-pip-version-check \
    "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION" || {
    echo "release: pip could not install ziglang and cargo-zigbuild (above); PyPI must be reachable" >&2
    exit 1
  }
  hash -r
fi
# The pinned zig, even where another `zig` is on PATH (cargo-zigbuild would take that one first).
CARGO_ZIGBUILD_ZIG_PATH=$(python3 -c 'import os, ziglang; print(os.path.join(os.path.dirname(ziglang.__file__), "zig"))')
export CARGO_ZIGBUILD_ZIG_PATH
installed=$(rustup target list --installed)
for t in "${targets[@]}"; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done

dist=target/release-dist
rm -rf "$dist"
mkdir -p "$dist/bin"
pairs=()
for t in "${targets[@]}"; do
  start=$SECONDS
  cargo zigbuild --locked --quiet --profile dist -p codex-fwd --target "$t"
  exe=codex-fwd; [[ $t == *windows* ]] && exe=codex-fwd.exe
  mkdir -p "$dist/bin/$t"
  cp "target/$t/dist/$exe" "$dist/bin/$t/$exe"
  pairs+=("$(platform_of "$t")=$dist/bin/$t/$exe")
  echo "release: $t: $(stat -c %s "$dist/bin/$t/$exe") bytes ($((SECONDS - start)) s)" >&2
done

echo "$commit" >"$dist/COMMIT"
node npm/assemble.js "$dist/npm" "$version" "${pairs[@]}"
for p in "$dist"/npm/*/; do
  (cd "$p" && npm pack --silent --pack-destination "$OLDPWD/$dist" >/dev/null)
done
ls -l "$dist"/*.tgz >&2
