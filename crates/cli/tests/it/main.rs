//! The `codex-fwd` binary's tests, in one binary. `portable` (writes, locks, paths, output)
//! also runs on Windows, under Wine; the others need Unix, and most of them `ssh`.

// A test binary's helpers are not an API: `pub` in its modules only shares them within it.
#![allow(unreachable_pub)]

mod common;
mod portable;

#[cfg(unix)]
mod carry;
#[cfg(unix)]
mod cli;
#[cfg(unix)]
mod doctor;
#[cfg(unix)]
mod e2e;
#[cfg(unix)]
mod json_shape;
#[cfg(unix)]
mod messages;
#[cfg(unix)]
mod redirect;
