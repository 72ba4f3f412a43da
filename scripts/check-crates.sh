#!/usr/bin/env bash
# What crates.io gets, checked from `cargo package --list` (no build; `cargo publish --dry-run
# --workspace` in ci-release.sh builds the packaged crates):
#   - each crate has its README, both license files and its Cargo.toml, and codex-fwd its build.rs;
#   - nothing of the repository's tests, fixtures, benches or scripts is in either;
#   - the README crates.io shows has no relative links: crates.io resolves them against the
#     crate's directory in the repository (crates/cli/ for the root README that codex-fwd ships),
#     where they lead nowhere, so the README links to the repository with absolute URLs.
# Prints "N passed, N failed" and exits non-zero on any failure.
set -uo pipefail
cd "$(dirname "$0")/.."
passed=0 failed=0
ok() { passed=$((passed + 1)); echo "ok: $1"; }
bad() { failed=$((failed + 1)); echo "FAILED: $1" >&2; }

for crate in sshcfg codex-fwd; do
  dir=crates/cli; [ "$crate" = sshcfg ] && dir=crates/sshcfg
  if ! list=$(cargo package --list --allow-dirty --locked -p "$crate" 2>&1); then
    bad "$crate: cargo package --list failed: $list"
    continue
  fi
  want=(Cargo.toml README.md LICENSE-MIT LICENSE-APACHE src/main.rs)
  [ "$crate" = sshcfg ] && want=(Cargo.toml README.md LICENSE-MIT LICENSE-APACHE src/lib.rs)
  [ "$crate" = codex-fwd ] && want+=(build.rs)
  missing=""
  for f in "${want[@]}"; do grep -qx -- "$f" <<<"$list" || missing+=" $f"; done
  if [ -z "$missing" ]; then ok "$crate: has ${want[*]}"; else bad "$crate: missing$missing"; fi
  extra=$(grep -E '^(tests|benches|bench|fixtures|scripts|npm|docs)/|\.(cfg|tgz|snap)$' <<<"$list")
  if [ -z "$extra" ]; then ok "$crate: no tests, fixtures or scripts"; else bad "$crate: ships $extra"; fi
  # The README as packaged: the `readme` of Cargo.toml, which may be outside the crate's directory.
  readme=$(sed -n 's/^readme = "\(.*\)"$/\1/p' "$dir/Cargo.toml")
  links=$(grep -noE '\]\(([^)#][^)]*)\)' "$dir/${readme:-README.md}" | grep -vE '\]\((https?|mailto):' || true)
  if [ -z "$links" ]; then
    ok "$crate: its README ($dir/${readme:-README.md}) has no relative links"
  else
    bad "$crate: relative links in $dir/${readme:-README.md}, dead on crates.io:"$'\n'"$links"
  fi
done

echo "$passed passed, $failed failed"
[ "$failed" = 0 ]
