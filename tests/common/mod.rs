//! Helpers shared by the integration tests: running the real `groundwork` binary against a
//! temporary data directory, checking that failures are clean, a tiny tmpfs to fill up, waiting
//! for a condition with a deadline, reading a section, a process's memory, `ip`, and members
//! and syncs of in-process replicas.
#![allow(dead_code)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output, Stdio};
use std::time::{Duration, Instant};

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

/// The seeds a randomized test runs: `GROUNDWORK_TEST_SEED` alone if set (replay), otherwise
/// the regression seeds plus `count_var` (default `count`) seeds from `base`. Runs `f` for each
/// and names the failing seed before re-raising its panic.
pub fn run_seeds(
    name: &str,
    count_var: &str,
    count: u64,
    base: u64,
    regressions: &[u64],
    mut f: impl FnMut(u64),
) {
    let seeds: Vec<u64> = match std::env::var("GROUNDWORK_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
    {
        Some(seed) => vec![seed],
        None => {
            let count = std::env::var(count_var)
                .ok()
                .and_then(|s| s.parse().ok())
                .unwrap_or(count);
            println!(
                "{name}: base seed {base}, {count} seeds (+{} regression seeds)",
                regressions.len()
            );
            regressions
                .iter()
                .copied()
                .chain(base..base + count)
                .collect()
        }
    };
    for seed in seeds {
        if let Err(e) = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| f(seed))) {
            eprintln!("{name} FAILED for seed {seed}; replay with GROUNDWORK_TEST_SEED={seed}");
            std::panic::resume_unwind(e);
        }
    }
}

/// A tmpfs mounted for a test (needs root, as in CI); unmounted when dropped.
pub struct Tmpfs(PathBuf);

impl Tmpfs {
    pub fn mount(at: &Path, size: &str) -> Option<Tmpfs> {
        let ok = Command::new("mount")
            .args(["-t", "tmpfs", "-o", &format!("size={size}"), "tmpfs"])
            .arg(at)
            .status()
            .map(|s| s.success())
            .unwrap_or(false);
        ok.then(|| Tmpfs(at.to_path_buf()))
    }
}

impl Drop for Tmpfs {
    fn drop(&mut self) {
        let _ = Command::new("umount").arg("-l").arg(&self.0).status();
    }
}

/// Fills the file system at `dir` leaving about `leave` bytes free.
pub fn fill(dir: &Path, leave: u64) -> PathBuf {
    let out = Command::new("df")
        .args(["--output=avail", "-B1"])
        .arg(dir)
        .output()
        .unwrap();
    let avail: u64 = String::from_utf8_lossy(&out.stdout)
        .lines()
        .nth(1)
        .unwrap()
        .trim()
        .parse()
        .unwrap();
    let filler = dir.join("filler");
    std::fs::write(&filler, vec![0u8; avail.saturating_sub(leave) as usize]).unwrap();
    filler
}

/// Polls `f` every 20 ms until it holds; panics naming `what` after `limit`.
pub fn eventually(what: &str, limit: Duration, mut f: impl FnMut() -> bool) -> Duration {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return start.elapsed();
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    panic!("timed out after {limit:?} waiting for: {what}");
}

/// A section's text as `show --format json` prints it (empty if it does not show).
pub fn section(dir: &Path, id: &str, s: &str) -> String {
    let out = run(dir, &["show", id, "--format", "json"]);
    if !out.status.success() {
        return String::new();
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    v["sections"][s].as_str().unwrap_or_default().to_string()
}

/// Resident memory of a process, KiB.
pub fn rss_kib(pid: u32) -> u64 {
    let status = std::fs::read_to_string(format!("/proc/{pid}/status")).unwrap();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.split_whitespace().next())
        .and_then(|v| v.parse().ok())
        .unwrap()
}

/// Runs `ip ARGS`; whether it succeeded.
pub fn ip(args: &[&str]) -> bool {
    Command::new("ip")
        .args(args)
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .status()
        .map(|s| s.success())
        .unwrap_or(false)
}

/// A member of a brief for in-process replicas (device, name, role).
pub fn member(device: &str, name: &str, role: groundwork::Role) -> groundwork::brief::Member {
    groundwork::brief::Member {
        device: device.into(),
        name: name.into(),
        role,
    }
}

/// Sends `to` everything of `from` it lacks (a sync between in-process replicas).
pub fn sync(from: &groundwork::brief::Brief, to: &groundwork::brief::Brief) {
    to.apply_update_v1(&from.encode_diff_v1(&to.state_vector()))
        .unwrap();
}
