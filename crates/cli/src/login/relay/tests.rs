//! The relay against local HTTP servers, each HTTP client in turn, with `env PATH=DIR` as the
//! exec command (the far side sees only the tools linked into DIR).

use std::ffi::OsString;
use std::io::{Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::{Path, PathBuf};
use std::sync::atomic::Ordering;
use std::thread;
use std::time::Duration;

use super::*;
use crate::login::url::LoopbackHost;

fn v4(port: u16) -> Target {
    Target {
        host: LoopbackHost::V4,
        port,
    }
}

/// What the browser stand-in sends.
const REQUEST: &[u8] = b"POST /auth/callback?code=c%20d&state=S HTTP/1.1\r\n\
Host: 127.0.0.1:1455\r\n\
User-Agent: test-browser\r\n\
Cookie: k=v; k2=v2\r\n\
X-Quote: it's \"quoted\" $HOME `x` \\ \r\n\
Content-Type: application/octet-stream\r\n\
Connection: keep-alive\r\n\
Content-Length: 6\r\n\r\nb\0d\xff'\n";

/// What the server stand-in answers: a redirect with two cookies and a binary body.
const RESPONSE: &[u8] = b"HTTP/1.1 302 Found\r\n\
Location: https://auth.example/authorize?state=S&x=1\r\n\
Set-Cookie: a=1\r\n\
Set-Cookie: b=2\r\n\
Content-Length: 7\r\n\r\nab\0\xffcd\n";

/// The tools every far side needs besides its HTTP client.
const BASE_TOOLS: [&str; 8] = ["sh", "grep", "sed", "cat", "rm", "mktemp", "env", "sleep"];

/// A directory of links to `tools` (found on this machine's PATH, symlinks resolved), or `None`
/// when one is missing here.
fn tool_dir(tools: &[&str]) -> Option<(tempfile::TempDir, PathBuf)> {
    let dir = tempfile::tempdir().unwrap();
    for t in tools {
        let found = std::env::var_os("PATH")
            .and_then(|p| {
                std::env::split_paths(&p)
                    .map(|d| d.join(t))
                    .find(|f| f.is_file())
            })
            .and_then(|f| real(t, &f))?;
        std::os::unix::fs::symlink(found, dir.path().join(t)).unwrap();
    }
    let path = dir.path().to_path_buf();
    Some((dir, path))
}

/// The real executable behind `f` (pyenv's `python3` is a shim script).
fn real(name: &str, f: &Path) -> Option<PathBuf> {
    if name == "python3" {
        let out = std::process::Command::new(f)
            .args(["-c", "import sys; print(sys.executable)"])
            .output()
            .ok()?;
        let p = String::from_utf8(out.stdout).ok()?;
        return Some(PathBuf::from(p.trim()));
    }
    std::fs::canonicalize(f).ok()
}

/// A far side on this machine with only `path` on its PATH.
fn far(path: &Path) -> FarSide {
    far_with(path, &[])
}

/// [`far`], with more environment (`NAME=value` each).
fn far_with(path: &Path, env: &[String]) -> FarSide {
    let mut exec = vec!["env".to_string(), format!("PATH={}", path.display())];
    exec.extend(env.iter().cloned());
    FarSide::local(&exec, "in the test side")
}

/// A server that takes one connection, keeps the whole request, and answers `answer` (or
/// nothing, holding the connection, when `answer` is `None`). Joined, it gives the request.
fn server(answer: Option<&'static [u8]>) -> (u16, thread::JoinHandle<Vec<u8>>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let port = l.local_addr().unwrap().port();
    let h = thread::spawn(move || {
        let (mut s, _) = l.accept().unwrap();
        s.set_read_timeout(Some(Duration::from_secs(20))).unwrap();
        let mut got = Vec::new();
        let mut chunk = [0u8; 4096];
        loop {
            if let Some(end) = got.windows(4).position(|w| w == b"\r\n\r\n") {
                let head = String::from_utf8_lossy(&got[..end]).to_ascii_lowercase();
                let len = head
                    .lines()
                    .find_map(|l| l.strip_prefix("content-length:"))
                    .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                if got.len() >= end + 4 + len {
                    break;
                }
            }
            match s.read(&mut chunk) {
                Ok(0) | Err(_) => break,
                Ok(n) => got.extend_from_slice(&chunk[..n]),
            }
        }
        match answer {
            Some(a) => s.write_all(a).unwrap(),
            None => {
                let _ = s.read(&mut chunk);
            }
        }
        got
    });
    (port, h)
}

/// The browser stand-in: sends `request` to a relay serving one connection; gives the whole
/// answer and what `serve` returned.
fn browse(relay: &Relay, port: u16, request: &[u8]) -> (Vec<u8>, Result<Served, RelayError>) {
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = l.local_addr().unwrap();
    let request = request.to_vec();
    let browser = thread::spawn(move || {
        let mut s = TcpStream::connect(addr).unwrap();
        s.write_all(&request).unwrap();
        if request.is_empty() {
            s.shutdown(std::net::Shutdown::Write).unwrap();
        }
        let mut got = Vec::new();
        let _ = s.read_to_end(&mut got);
        got
    });
    let (s, _) = l.accept().unwrap();
    let served = relay.serve(s, v4(port), &|| {});
    (browser.join().unwrap(), served)
}

fn head_and_body(answer: &[u8]) -> (String, Vec<u8>) {
    let end = answer
        .windows(4)
        .position(|w| w == b"\r\n\r\n")
        .expect("a whole head");
    (
        String::from_utf8_lossy(&answer[..end]).into_owned(),
        answer[end + 4..].to_vec(),
    )
}

fn carries_exactly(client: &str) {
    carries_exactly_with(client, &[]);
}

/// [`carries_exactly`] with more environment on the far side.
fn carries_exactly_with(client: &str, env: &[String]) {
    let mut tools = BASE_TOOLS.to_vec();
    tools.push(client);
    let Some((_keep, path)) = tool_dir(&tools) else {
        eprintln!("skipped: {client} is not installed here");
        return;
    };
    let (port, upstream) = server(Some(RESPONSE));
    let relay = Relay::new(far_with(&path, env));
    assert_eq!(relay.probe().unwrap(), Client(client.to_string()));
    let (answer, served) = browse(&relay, port, REQUEST);
    let got = upstream.join().unwrap();

    // The server got the method, target, end-to-end headers and body as the browser sent them.
    let (head, body) = head_and_body(&got);
    let mut lines = head.lines();
    assert_eq!(
        lines.next().unwrap(),
        "POST /auth/callback?code=c%20d&state=S HTTP/1.1",
        "{client}"
    );
    let lines: Vec<String> = lines.map(str::to_ascii_lowercase).collect();
    for want in [
        "host: 127.0.0.1:1455",
        "user-agent: test-browser",
        "cookie: k=v; k2=v2",
        "x-quote: it's \"quoted\" $home `x` \\",
        "content-type: application/octet-stream",
        "content-length: 6",
    ] {
        assert!(
            lines.iter().any(|l| l == want),
            "{client}: no {want:?} in {lines:?}"
        );
    }
    assert!(
        !lines
            .iter()
            .any(|l| l.starts_with("expect") || l.starts_with("x-from-rc")),
        "{client}: {lines:?}"
    );
    assert_eq!(body, b"b\0d\xff'\n", "{client}");

    // The browser got the redirect itself (not followed), both cookies and the exact body.
    let (head, body) = head_and_body(&answer);
    let lines: Vec<&str> = head.lines().collect();
    assert_eq!(lines[0], "HTTP/1.1 302 Found", "{client}");
    let length = if client == "wget" { 0 } else { 7 };
    assert!(
        lines.contains(&format!("Content-Length: {length}").as_str()),
        "{client}: {lines:?}"
    );
    for want in [
        "Location: https://auth.example/authorize?state=S&x=1",
        "Set-Cookie: a=1",
        "Set-Cookie: b=2",
        "Connection: close",
    ] {
        assert!(
            lines.iter().any(|l| l.eq_ignore_ascii_case(want)),
            "{client}: no {want:?} in {lines:?}"
        );
    }
    if client == "wget" {
        // GNU wget keeps no body of a redirect it does not follow; browsers ignore it anyway.
        assert_eq!(body, b"", "{client}");
    } else {
        assert_eq!(body, b"ab\0\xffcd\n", "{client}");
    }
    match served.unwrap() {
        Served::Answered { target, status } => {
            assert_eq!(target, "/auth/callback?code=c%20d&state=S");
            assert_eq!(status, 302);
        }
        other => panic!("{client}: {other:?}"),
    }
}

/// A remote shell whose startup files print (a noisy `.bashrc`, run for ssh's commands too):
/// the lines before the script's marker are not the script's.
#[test]
fn lines_before_the_marker_are_the_shells_not_the_scripts() {
    let noise = "Welcome! Dashboard: http://localhost:3000/\n\x1b[1mNOTICE\x1b[0m\n";
    let out = format!(
        "{noise}{} curl\nHTTP/1.1 204 No Content\r\n\r\n",
        script::MARKER
    );
    match response::parse(out.as_bytes()) {
        Ok(response::Output::Response(c, r)) => assert_eq!((c.as_str(), r.status), ("curl", 204)),
        other => panic!("{other:?}"),
    }
    let out = format!("{noise}{} curl\n", script::MARKER);
    assert_eq!(
        response::parse(out.as_bytes()),
        Ok(response::Output::NoResponse("curl".into()))
    );
    assert_eq!(
        response::parse(noise.as_bytes()),
        Ok(response::Output::NotRun)
    );
}

#[test]
fn curl_carries_request_and_response_exactly() {
    carries_exactly("curl");
}

#[test]
fn wget_carries_request_and_response_exactly() {
    carries_exactly("wget");
}

/// The remote user's `~/.curlrc` and `~/.wgetrc` and the proxy variables of the remote's
/// environment change nothing: a proxy, redirects followed, headers saved into the body, an
/// output file or an extra header would each break the exact copy (the rc files below do all of
/// that; the proxy at port 9 refuses every connection).
#[test]
fn rc_files_and_proxy_variables_change_nothing() {
    let home = tempfile::tempdir().unwrap();
    std::fs::write(
        home.path().join(".curlrc"),
        "location\nproxy = \"http://127.0.0.1:9\"\noutput = \"/dev/null\"\nheader = \"X-From-Rc: 1\"\n",
    )
    .unwrap();
    std::fs::write(
        home.path().join(".wgetrc"),
        "use_proxy = on\nhttp_proxy = http://127.0.0.1:9/\nsave_headers = on\nmax_redirect = 5\nheader = X-From-Rc: 1\n",
    )
    .unwrap();
    let env: Vec<String> = [
        format!("HOME={}", home.path().display()),
        "http_proxy=http://127.0.0.1:9/".into(),
        "HTTP_PROXY=http://127.0.0.1:9/".into(),
        "all_proxy=http://127.0.0.1:9/".into(),
        "ALL_PROXY=http://127.0.0.1:9/".into(),
        "no_proxy=".into(),
    ]
    .into();
    for client in ["curl", "wget", "python3", "node"] {
        carries_exactly_with(client, &env);
    }
}

#[test]
fn python3_carries_request_and_response_exactly() {
    carries_exactly("python3");
}

#[test]
fn node_carries_request_and_response_exactly() {
    carries_exactly("node");
}

#[test]
fn a_chunked_response_reaches_the_browser_with_its_length() {
    const CHUNKED: &[u8] = b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nContent-Type: text/html\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n";
    for client in ["curl", "python3"] {
        let Some((_keep, path)) = tool_dir(&[&BASE_TOOLS[..], &[client]].concat()) else {
            continue;
        };
        let (port, upstream) = server(Some(CHUNKED));
        let relay = Relay::new(far(&path));
        let (answer, _) = browse(&relay, port, b"GET /success HTTP/1.1\r\nHost: x\r\n\r\n");
        upstream.join().unwrap();
        let (head, body) = head_and_body(&answer);
        assert!(head.starts_with("HTTP/1.1 200 OK"), "{client}: {head}");
        assert!(
            !head.to_ascii_lowercase().contains("transfer-encoding"),
            "{client}: {head}"
        );
        assert!(head.contains("Content-Length: 11"), "{client}: {head}");
        assert_eq!(body, b"hello world", "{client}");
    }
}

#[test]
fn no_http_client_is_one_line_and_a_502() {
    let (_keep, path) = tool_dir(&BASE_TOOLS).unwrap();
    let relay = Relay::new(far(&path));
    let e = relay.probe().unwrap_err();
    assert!(matches!(e, RelayError::NoClient { .. }), "{e:?}");
    assert_eq!(
        e.to_string(),
        "no HTTP client in the test side: the relay needs curl, GNU wget, python3 or node there"
    );
    let (answer, served) = browse(&relay, 9, b"GET /auth/callback HTTP/1.1\r\nHost: x\r\n\r\n");
    assert!(matches!(served, Err(RelayError::NoClient { .. })));
    let (head, body) = head_and_body(&answer);
    assert!(head.starts_with("HTTP/1.1 502 Bad Gateway"), "{head}");
    assert!(String::from_utf8_lossy(&body).starts_with("codex-fwd: no HTTP client"));
}

#[test]
fn an_exec_command_that_fails_gives_its_own_last_line() {
    // What `docker exec` says of a stopped container, and its status.
    let exec = [
        "sh",
        "-c",
        "echo 'Error response from daemon: container web is not running' >&2; exit 1",
    ]
    .map(String::from);
    let relay = Relay::new(FarSide::local(&exec, "in container web"));
    let e = relay.probe().unwrap_err();
    assert_eq!(
        e.to_string(),
        "cannot run a shell in container web: Error response from daemon: container web is not running"
    );
}

#[test]
fn an_exec_command_without_input_is_named() {
    let exec = ["sh", "-c", "exec sh -s </dev/null"].map(String::from);
    let relay = Relay::new(FarSide::local(&exec, "in container web"));
    let e = relay.probe().unwrap_err();
    assert!(matches!(e, RelayError::NoInput { .. }), "{e:?}");
}

#[test]
fn nothing_listening_is_one_line_naming_the_client() {
    let Some((_keep, path)) = tool_dir(&[&BASE_TOOLS[..], &["curl"]].concat()) else {
        return;
    };
    // A port that was free a moment ago.
    let port = TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port();
    let relay = Relay::new(far(&path));
    let (answer, served) = browse(&relay, port, b"GET / HTTP/1.1\r\nHost: x\r\n\r\n");
    let e = served.unwrap_err();
    assert!(matches!(e, RelayError::Unreachable { .. }), "{e:?}");
    let line = e.to_string();
    assert!(
        line.starts_with(&format!(
            "curl in the test side got no response from http://127.0.0.1:{port}: curl: (7)"
        )),
        "{line}"
    );
    assert!(!line.contains('\n'));
    assert!(answer.starts_with(b"HTTP/1.1 502 "));
}

#[test]
fn a_response_that_never_comes_times_out_and_leaves_nothing_running() {
    for client in ["curl", "python3", "node"] {
        let Some((_keep, path)) = tool_dir(&[&BASE_TOOLS[..], &[client]].concat()) else {
            continue;
        };
        let (port, upstream) = server(None);
        let mut relay = Relay::new(far(&path));
        relay.response_timeout = Duration::from_secs(1);
        let (answer, served) = browse(
            &relay,
            port,
            b"GET /auth/callback HTTP/1.1\r\nHost: x\r\n\r\n",
        );
        let e = served.unwrap_err();
        assert!(matches!(e, RelayError::Timeout { .. }), "{client}: {e:?}");
        assert_eq!(
            e.to_string(),
            format!("no response from http://127.0.0.1:{port} in the test side within 1 s")
        );
        assert!(answer.starts_with(b"HTTP/1.1 504 "), "{client}");
        // The client gave up and closed its connection: the server's read ends.
        upstream.join().unwrap();
    }
}

#[test]
fn a_stop_ends_the_far_side_at_once() {
    let (_keep, path) = tool_dir(&BASE_TOOLS).unwrap();
    // A far side that never answers: `sh -s` then `sleep`.
    let exec = vec![
        "env".to_string(),
        format!("PATH={}", path.display()),
        "sh".to_string(),
        "-c".to_string(),
        "sleep 600".to_string(),
    ];
    let stop = std::sync::Arc::new(std::sync::atomic::AtomicBool::new(false));
    let relay = Relay::new(FarSide::local(&exec, "in the test side")).stopped_by(stop.clone());
    let t = thread::spawn(move || {
        thread::sleep(Duration::from_millis(300));
        stop.store(true, Ordering::SeqCst);
    });
    let e = relay.probe().unwrap_err();
    t.join().unwrap();
    assert!(matches!(e, RelayError::Stopped), "{e:?}");
}

#[test]
fn a_closed_or_silent_connection_is_quiet() {
    let mut relay = Relay::new(FarSide::local(&[], "here"));
    let (answer, served) = browse(&relay, 9, b"");
    assert!(answer.is_empty());
    assert!(matches!(served, Ok(Served::Idle)), "{served:?}");
    // A browser's speculative connection: open, silent.
    relay.request_timeout = Duration::from_millis(200);
    let l = TcpListener::bind("127.0.0.1:0").unwrap();
    let silent = TcpStream::connect(l.local_addr().unwrap()).unwrap();
    let (s, _) = l.accept().unwrap();
    assert!(matches!(relay.serve(s, v4(9), &|| {}), Ok(Served::Idle)));
    drop(silent);
}

#[test]
fn requests_the_relay_does_not_carry_get_their_status() {
    let relay = Relay::new(FarSide::local(&[], "here"));
    let cases: [(&[u8], &str); 4] = [
        (
            b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
            "HTTP/1.1 411 ",
        ),
        (
            b"POST / HTTP/1.1\r\nContent-Length: 99999999\r\n\r\n",
            "HTTP/1.1 413 ",
        ),
        (b"GET http://evil/ HTTP/1.1\r\n\r\n", "HTTP/1.1 400 "),
        (b"NOT HTTP AT ALL\r\n\r\n", "HTTP/1.1 400 "),
    ];
    for (req, want) in cases {
        let (answer, served) = browse(&relay, 9, req);
        assert!(
            answer.starts_with(want.as_bytes()),
            "{:?}: {}",
            String::from_utf8_lossy(req),
            String::from_utf8_lossy(&answer)
        );
        assert!(matches!(served, Ok(Served::Refused)), "{served:?}");
    }
    let mut big = b"GET / HTTP/1.1\r\nX: ".to_vec();
    big.extend(std::iter::repeat_n(b'a', request::MAX_HEAD + 10));
    big.extend_from_slice(b"\r\n\r\n");
    let (answer, _) = browse(&relay, 9, &big);
    assert!(answer.starts_with(b"HTTP/1.1 431 "));
}

#[test]
fn relay_exec_drops_only_the_terminal_flag() {
    let cases: [(&str, &str); 7] = [
        ("docker exec -it web", "docker exec -i web"),
        ("podman exec -ti web", "podman exec -i web"),
        ("kubectl exec -it pod --", "kubectl exec -i pod --"),
        (
            "docker exec --tty -i -u root web",
            "docker exec -i -u root web",
        ),
        ("docker exec -t -i web", "docker exec -i web"),
        ("ip netns exec ns", "ip netns exec ns"),
        ("wsl -d Ubuntu -- env -t", "wsl -d Ubuntu -- env -t"),
    ];
    for (prefix, want) in cases {
        let words: Vec<String> = prefix.split(' ').map(String::from).collect();
        assert_eq!(relay_exec(&words).join(" "), want, "{prefix}");
    }
}

#[test]
fn the_ssh_far_side_is_one_quoted_remote_command() {
    let ssh = ["ssh", "-S", "/tmp/x/ctl", "-T", "--", "myserver"].map(OsString::from);
    let exec = ["docker", "exec", "-i", "my web"].map(String::from);
    let f = FarSide::ssh(ssh.to_vec(), &exec, "in container my web on myserver");
    let argv: Vec<String> = f
        .argv()
        .into_iter()
        .map(|a| a.into_string().unwrap())
        .collect();
    assert_eq!(
        argv,
        [
            "ssh",
            "-S",
            "/tmp/x/ctl",
            "-T",
            "--",
            "myserver",
            "docker exec -i 'my web' sh -s"
        ]
    );
}

#[test]
fn the_embedded_programs_fit_in_single_quotes() {
    assert!(!script::PYTHON.contains('\''));
    assert!(!script::NODE.contains('\''));
}

#[test]
fn localhost_reaches_a_server_on_127_0_0_1_with_every_client() {
    // Codex binds 127.0.0.1 only, and its first URL says `localhost`, which may resolve to ::1
    // first.
    for client in ["curl", "wget", "python3", "node"] {
        let Some((_keep, path)) = tool_dir(&[&BASE_TOOLS[..], &[client]].concat()) else {
            continue;
        };
        let (port, upstream) = server(Some(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"));
        let relay = Relay::new(far(&path));
        let l = TcpListener::bind("127.0.0.1:0").unwrap();
        let addr = l.local_addr().unwrap();
        let browser = thread::spawn(move || {
            let mut s = TcpStream::connect(addr).unwrap();
            s.write_all(b"GET /x HTTP/1.1\r\nHost: localhost\r\n\r\n")
                .unwrap();
            let mut got = Vec::new();
            let _ = s.read_to_end(&mut got);
            got
        });
        let (s, _) = l.accept().unwrap();
        let target = Target {
            host: LoopbackHost::Localhost,
            port,
        };
        let served = relay.serve(s, target, &|| {});
        let answer = browser.join().unwrap();
        upstream.join().unwrap();
        assert!(
            matches!(served, Ok(Served::Answered { status: 200, .. })),
            "{client}: {served:?}"
        );
        assert!(answer.ends_with(b"\r\n\r\nok"), "{client}");
    }
}
