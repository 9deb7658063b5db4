//! Helpers shared by the integration tests: running the real `groundwork` binary against a
//! temporary data directory and checking that failures are clean.
#![allow(dead_code)]

use std::path::Path;
use std::process::{Command, Output};

pub fn bin() -> &'static str {
    env!("CARGO_BIN_EXE_groundwork")
}

pub fn cmd(dir: &Path) -> Command {
    let mut c = Command::new(bin());
    c.env("GROUNDWORK_DATA_DIR", dir)
        .env_remove("GROUNDWORK_FAILPOINT")
        .env("USER", "tester");
    c
}

pub fn run(dir: &Path, args: &[&str]) -> Output {
    cmd(dir).args(args).output().expect("spawn groundwork")
}

/// Runs a command that must succeed and returns its trimmed stdout.
pub fn ok(dir: &Path, args: &[&str]) -> String {
    let out = run(dir, args);
    assert!(
        out.status.success(),
        "groundwork {args:?} failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).trim().to_string()
}

/// Runs a command that must fail with `code`, with a clean one-sentence error; returns stderr.
pub fn fails(dir: &Path, args: &[&str], code: i32) -> String {
    let out = run(dir, args);
    let stderr = String::from_utf8_lossy(&out.stderr).to_string();
    assert_eq!(
        out.status.code(),
        Some(code),
        "groundwork {args:?}: {stderr}"
    );
    assert_clean_error(&stderr);
    stderr
}

pub fn assert_clean_error(stderr: &str) {
    assert!(
        stderr.starts_with("error:"),
        "error must start with 'error:': {stderr}"
    );
    for bad in ["panicked", "backtrace", "RUST_BACKTRACE", "internal error"] {
        assert!(
            !stderr.contains(bad),
            "error output mentions {bad}: {stderr}"
        );
    }
}

pub fn show_json(dir: &Path, brief: &str) -> serde_json::Value {
    serde_json::from_str(&ok(dir, &["show", brief, "--format", "json"])).expect("show json")
}
