//! End to end, with real OpenSSH, the real Codex CLI and rclone, and no mocks of them.
//!
//! Two network namespaces play the laptop and the remote machine, each with its own loopback;
//! `sshd -i` serves the remote, reached from the laptop through
//! `ProxyCommand ip netns exec REMOTE sshd -i` (`world`). The real clients run on the remote and
//! a browser stand-in on the laptop follows their redirect; what the client prints says whether
//! the callback arrived (`client`). A small stand-in callback server holds the remote's
//! `127.0.0.1:1455` where a test needs it busy; a stand-in `codex` serves only what the real one
//! cannot show (`login`).
//!
//! Needs root, `ip netns`, `sshd`, `ss` and `python3`, and for the real-client tests the pinned
//! Codex (`tests/codex-version`, installed by `.ci/run`) and rclone. Elsewhere a test is skipped
//! with the reason printed; under CI (`CI` set) a missing piece is a failure.
//!
//! One file per subject; `world` and `client` are the harness the files share.

mod client;
mod enable;
mod harness;
mod login;
mod login_breaks;
mod login_clients;
mod login_hostile;
mod login_real;
mod real_codex;
mod redirect;
mod relay;
mod world;
