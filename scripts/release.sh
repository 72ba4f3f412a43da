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
# C toolchain and libc for every target; this script installs both (pinned) when missing, and the
# Rust standard library of each target with rustup. The binaries use the `dist` profile
# (Cargo.toml: release, no debug info, stripped). `codex-fwd --version` names the commit, with
# `-dirty` when tracked files differ from it.
#
# Output:
#   target/dist/bin/TARGET/codex-fwd[.exe]        the binaries
#   target/dist/npm/PACKAGE/                      the npm packages, laid out (npm/assemble.js)
#   target/dist/PACKAGE-VERSION.tgz               the same, packed by `npm pack`, ready to publish
#   target/dist/COMMIT                            the commit the binaries name
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

version=$(sed -n 's/^version = "\(.*\)"$/\1/p' crates/cli/Cargo.toml | head -n 1)
commit=$(git rev-parse --short=12 HEAD)
git diff --quiet HEAD -- || commit="$commit-dirty"
export CODEX_FWD_COMMIT=$commit
echo "release: codex-fwd $version (commit $commit) for ${targets[*]}" >&2

# The tools: zig and cargo-zigbuild from PyPI, each target's std from rustup.
# pip puts cargo-zigbuild in Python's scripts directory, which need not be on PATH.
PATH="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))'):$PATH"
if [ "$(python3 -m ziglang version 2>/dev/null)" != "$ZIGLANG_VERSION" ] \
   || [ "$(cargo-zigbuild --version 2>/dev/null)" != "cargo-zigbuild $CARGO_ZIGBUILD_VERSION" ]; then
  echo "release: installing ziglang $ZIGLANG_VERSION and cargo-zigbuild $CARGO_ZIGBUILD_VERSION from PyPI" >&2
  python3 -m pip install --quiet --disable-pip-version-check \
    "ziglang==$ZIGLANG_VERSION" "cargo-zigbuild==$CARGO_ZIGBUILD_VERSION"
  hash -r
fi
installed=$(rustup target list --installed)
for t in "${targets[@]}"; do
  grep -qx "$t" <<<"$installed" || rustup target add "$t"
done

dist=target/dist
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

rm -rf "$dist/npm" "$dist"/codex-fwd*.tgz
echo "$commit" >"$dist/COMMIT"
node npm/assemble.js "$dist/npm" "$version" "${pairs[@]}"
for p in "$dist"/npm/*/; do
  (cd "$p" && npm pack --silent --pack-destination "$OLDPWD/$dist" >/dev/null)
done
ls -l "$dist"/*.tgz >&2
