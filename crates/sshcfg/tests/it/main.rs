//! sshcfg's integration tests, in one binary: edits byte for byte, round trips, the fuzz mode,
//! and OpenSSH's own `ssh -G` as the judge of resolution and edits.

// A test binary's helpers are not an API: `pub` in its modules only shares them within it.
#![allow(unreachable_pub)]

mod common;
mod edits;
mod fuzz;
mod include_glob;
mod index;
mod openssh;
mod random_ssh_g;
mod refusals;
mod roundtrip;
mod ssh2_config_crosscheck;
