//! The `--json` output of enable, disable, status and doctor has the shapes `docs/json.md` gives.

use std::path::Path;

use assert_cmd::Command;
use serde_json::Value;

/// The shape block tagged `shape=NAME` in docs/json.md.
fn shape(name: &str) -> Value {
    let doc =
        std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("../../docs/json.md"))
            .unwrap();
    let tag = format!("```json shape={name}\n");
    let start = doc.find(&tag).unwrap_or_else(|| panic!("no shape {name}")) + tag.len();
    let end = start + doc[start..].find("```").unwrap();
    serde_json::from_str(&doc[start..end]).unwrap()
}

/// Does `v` match `shape`? Returns the path of the first mismatch.
fn matches(v: &Value, shape: &Value, path: &str) -> Result<(), String> {
    let bad = || Err(format!("{path}: {v} does not match {shape}"));
    match shape {
        Value::String(t) => {
            let (t, nullable) = match t.strip_suffix('?') {
                Some(t) => (t, true),
                None => (t.as_str(), false),
            };
            let ok = match (t, v) {
                (_, Value::Null) => nullable,
                ("string", Value::String(_)) => true,
                ("bool", Value::Bool(_)) => true,
                ("integer", Value::Number(n)) => n.is_u64() || n.is_i64(),
                _ => false,
            };
            if ok { Ok(()) } else { bad() }
        }
        Value::Array(s) => {
            let Value::Array(items) = v else { return bad() };
            for (i, item) in items.iter().enumerate() {
                matches(item, &s[0], &format!("{path}[{i}]"))?;
            }
            Ok(())
        }
        Value::Object(s) => {
            let Value::Object(o) = v else { return bad() };
            let mut want: Vec<_> = s.keys().collect();
            let mut got: Vec<_> = o.keys().collect();
            want.sort();
            got.sort();
            if want != got {
                return Err(format!("{path}: keys {got:?}, documented {want:?}"));
            }
            for (k, sv) in s {
                matches(&o[k], sv, &format!("{path}.{k}"))?;
            }
            Ok(())
        }
        _ => bad(),
    }
}

fn run(args: &[&str]) -> Value {
    let out = Command::cargo_bin("codex-fwd")
        .unwrap()
        .args(args)
        .output()
        .unwrap();
    serde_json::from_slice(&out.stdout).unwrap_or_else(|e| panic!("{args:?}: {e}: {out:?}"))
}

fn config() -> (tempfile::TempDir, String) {
    let d = tempfile::tempdir().unwrap();
    let p = d.path().join("config");
    std::fs::write(
        &p,
        "Host myserver\n    HostName 10.0.0.5\n    User me\n    LocalForward 1455 localhost:1455\nHost other\n    ClearAllForwardings yes\nMatch exec \"false\"\n    Port 2\n",
    )
    .unwrap();
    (d, p.to_str().unwrap().to_string())
}

#[test]
fn enable_and_disable_json_match_the_documented_shape() {
    let (_d, p) = config();
    let s = shape("enable");
    for args in [
        vec!["-F", &p, "enable", "newhost", "--dry-run", "--json"],
        vec!["-F", &p, "enable", "newhost", "--yes", "--json"],
        vec!["-F", &p, "enable", "newhost", "--check", "--json"],
        vec!["-F", &p, "disable", "newhost", "--yes", "--json"],
        vec!["-F", &p, "disable", "newhost", "--dry-run", "--json"],
    ] {
        let v = run(&args);
        matches(&v, &s, "$").unwrap_or_else(|e| panic!("{args:?}: {e}"));
    }
    // A refusal (a read-only file; a conflict in a shared block) is one value too, with its error.
    let ro = std::path::Path::new(&p).with_file_name("ro");
    std::fs::write(&ro, "Host a\n").unwrap();
    let mut perm = std::fs::metadata(&ro).unwrap().permissions();
    perm.set_readonly(true);
    std::fs::set_permissions(&ro, perm).unwrap();
    let shared = std::path::Path::new(&p).with_file_name("shared");
    std::fs::write(&shared, "Host *\n    LocalForward 1455 localhost:9\n").unwrap();
    for (file, code) in [(&ro, 3), (&shared, 3)] {
        let out = Command::cargo_bin("codex-fwd")
            .unwrap()
            .args([
                "-F",
                file.to_str().unwrap(),
                "enable",
                "a",
                "--yes",
                "--json",
            ])
            .output()
            .unwrap();
        assert_eq!(out.status.code(), Some(code), "{out:?}");
        let v: Value = serde_json::from_slice(&out.stdout).unwrap();
        matches(&v, &s, "$").unwrap();
        let stderr = String::from_utf8_lossy(&out.stderr);
        assert_eq!(
            format!("codex-fwd: error: {}\n", v["error"].as_str().unwrap()),
            stderr
        );
        assert_eq!(v["written"], Value::Bool(false));
        assert_eq!(v["forward"], "1455 localhost:1455");
    }
    // The filled-in arrays were checked too, not only empty ones.
    let v = run(&["-F", &p, "enable", "x", "--dry-run", "--json"]);
    assert_eq!(v["files"].as_array().unwrap().len(), 1);
}

#[test]
fn status_json_matches_the_documented_shape() {
    let (_d, p) = config();
    let v = run(&["-F", &p, "status", "--json"]);
    assert!(v.as_array().unwrap().len() >= 2);
    assert!(!v[0]["forwards"].as_array().unwrap().is_empty());
    matches(&v, &shape("status"), "$").unwrap();
}

#[test]
fn doctor_json_matches_the_documented_shape() {
    let (_d, p) = config();
    let free = std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
        .to_string();
    let v = run(&[
        "-F",
        &p,
        "doctor",
        "myserver",
        "other",
        "--json",
        "--local-port",
        &free,
    ]);
    assert!(!v["findings"].as_array().unwrap().is_empty());
    matches(&v, &shape("doctor"), "$").unwrap();
}

#[test]
fn a_wrong_shape_is_caught() {
    // The checker itself fails on a mismatch, so the tests above can fail.
    let s = shape("enable");
    let (_d, p) = config();
    let mut v = run(&["-F", &p, "enable", "n", "--dry-run", "--json"]);
    v["changed"] = Value::String("yes".into());
    assert!(matches(&v, &s, "$").is_err());
    v.as_object_mut().unwrap().remove("changed");
    assert!(matches(&v, &s, "$").is_err());
}
