#!/usr/bin/env bash
# `codex-fwd --version` names the commit it was built from (crates/cli/build.rs), in the places a
# build from source happens, each built with this checkout's target directory (debug, only the two
# crates of the workspace are rebuilt):
#   - a clone whose branch is only in packed-refs (after `git gc`, `git pack-refs`), then a
#     commit: the next build names the new commit, not the old one;
#   - a git worktree, after a commit in it;
#   - a shallow clone (`--depth 1`);
#   - a source tree without git (`git archive`) inside a home directory that is a git repository
#     (dotfiles): no commit at all, not the dotfiles' one.
# Prints "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
export CARGO_TARGET_DIR=${CARGO_TARGET_DIR:-$PWD/target} CARGO_BUILD_JOBS=${CARGO_BUILD_JOBS:-2}
version=$(sed -n 's/^version = "\(.*\)"$/\1/p' crates/cli/Cargo.toml | head -n 1)
# Fixed paths, not mktemp's: cargo keys the two crates' builds by their source path, and a new
# path each run would leave another set of them in target/ every time.
work=$PWD/target/test-version
rm -rf "$work" && mkdir -p "$work"
trap 'rm -rf "$work"' EXIT
export GIT_AUTHOR_NAME=t GIT_AUTHOR_EMAIL=t@example.com GIT_COMMITTER_NAME=t GIT_COMMITTER_EMAIL=t@example.com
passed=0 failed=0

# built DIR WANT NAME: build in DIR and compare `codex-fwd --version` with WANT.
built() {
  local dir=$1 want=$2 name=$3 got
  if ! (cd "$dir" && cargo build --locked --quiet -p codex-fwd) >"$work/build.log" 2>&1; then
    failed=$((failed + 1)); echo "FAILED: $name: the build failed: $(tail -5 "$work/build.log")" >&2
    return
  fi
  got=$("$CARGO_TARGET_DIR/debug/codex-fwd" --version)
  if [ "$got" = "$want" ]; then
    passed=$((passed + 1)); echo "ok: $name ($got)"
  else
    failed=$((failed + 1)); echo "FAILED: $name: got '$got', wanted '$want'" >&2
  fi
}
short() { git -C "$1" rev-parse --short=12 HEAD; }

git clone -q "$PWD" "$work/clone"
git -C "$work/clone" pack-refs --all
built "$work/clone" "codex-fwd $version (commit $(short "$work/clone"))" "fresh clone, refs packed"
git -C "$work/clone" commit -q --allow-empty -m "a new commit"
built "$work/clone" "codex-fwd $version (commit $(short "$work/clone"))" "packed branch, after a commit"

git -C "$work/clone" worktree add -q "$work/tree" -b other HEAD~1
git -C "$work/tree" commit -q --allow-empty -m "a commit in the worktree"
built "$work/tree" "codex-fwd $version (commit $(short "$work/tree"))" "git worktree, after a commit"

git clone -q --depth 1 "file://$work/clone" "$work/shallow"
built "$work/shallow" "codex-fwd $version (commit $(short "$work/shallow"))" "shallow clone"

mkdir -p "$work/home/src"
git -C "$work/home" init -q && echo "alias ll='ls -l'" >"$work/home/.bashrc"
git -C "$work/home" add .bashrc && git -C "$work/home" commit -q -m dotfiles
git -C "$work/clone" archive --prefix=codex-fwd/ HEAD | tar -x -C "$work/home/src"
built "$work/home/src/codex-fwd" "codex-fwd $version" "source without git in a dotfiles home"

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
