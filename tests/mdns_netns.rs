//! Real mDNS discovery among three hosts: three network namespaces whose veth links meet on a
//! bridge inside a fourth namespace (nothing touches the host's own network). Each host runs
//! `groundwork serve` with mDNS on and no `--peer`; the only configuration is the invite.
//! Needs root and iproute2 (CI has both); elsewhere it says so and does not run.

mod common;
use common::*;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

struct Netns {
    names: Vec<String>,
    children: Vec<Child>,
}

impl Drop for Netns {
    fn drop(&mut self) {
        for c in &mut self.children {
            let _ = c.kill();
            let _ = c.wait();
        }
        for n in &self.names {
            ip(&["netns", "del", n]);
        }
    }
}

#[test]
fn three_hosts_find_each_other_over_mdns_with_only_an_invite() {
    let tag = std::process::id() % 100_000;
    let bridge_ns = format!("gwbr{tag}");
    if !ip(&["netns", "add", &bridge_ns]) {
        println!("note: cannot create network namespaces here (needs root and iproute2); mDNS test not run");
        return;
    }
    let mut env = Netns {
        names: vec![bridge_ns.clone()],
        children: Vec::new(),
    };
    assert!(ip(&[
        "-n", &bridge_ns, "link", "add", "br0", "type", "bridge"
    ]));
    assert!(ip(&["-n", &bridge_ns, "link", "set", "br0", "up"]));
    let hosts: Vec<String> = (0..3).map(|i| format!("gwh{tag}{i}")).collect();
    for (i, h) in hosts.iter().enumerate() {
        assert!(ip(&["netns", "add", h]));
        env.names.push(h.clone());
        let (inner, outer) = (format!("eth{i}"), format!("p{tag}{i}"));
        assert!(ip(&[
            "link", "add", &inner, "netns", h, "type", "veth", "peer", "name", &outer, "netns",
            &bridge_ns
        ]));
        assert!(ip(&[
            "-n", &bridge_ns, "link", "set", &outer, "master", "br0"
        ]));
        assert!(ip(&["-n", &bridge_ns, "link", "set", &outer, "up"]));
        let addr = format!("10.213.77.{}/24", i + 1);
        assert!(ip(&["-n", h, "addr", "add", &addr, "dev", &inner]));
        assert!(ip(&["-n", h, "link", "set", &inner, "up"]));
        assert!(ip(&["-n", h, "link", "set", "lo", "up"]));
        assert!(ip(&["-n", h, "route", "add", "224.0.0.0/4", "dev", &inner]));
    }
    let dirs: Vec<tempfile::TempDir> = (0..3).map(|_| tempfile::tempdir().unwrap()).collect();
    ok(dirs[0].path(), &["identity", "--name", "Ana"]);
    let id = ok(dirs[0].path(), &["new", "Found by mDNS"]);
    ok(dirs[0].path(), &["set", &id, "problem", "discovered"]);
    let code = ok(dirs[0].path(), &["invite", &id, "--no-ask"]);
    for d in &dirs[1..] {
        ok(d.path(), &["join", &code]);
    }
    for (h, d) in hosts.iter().zip(&dirs) {
        let child = Command::new("ip")
            .args(["netns", "exec", h, bin(), "--data-dir"])
            .arg(d.path())
            .args(["serve", "--listen", "0.0.0.0:7471"])
            .env("GROUNDWORK_LOG", "info")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        env.children.push(child);
    }
    let start = Instant::now();
    let done = |d: &std::path::Path| {
        let out = run(d, &["show", &id, "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        v["sections"]["problem"] == "discovered" && v["title"] == "Found by mDNS"
    };
    while !(done(dirs[1].path()) && done(dirs[2].path())) {
        assert!(
            start.elapsed() < Duration::from_secs(40),
            "hosts did not sync over mDNS within 40 s"
        );
        std::thread::sleep(Duration::from_millis(100));
    }
    println!(
        "both joined hosts synced over mDNS in {:?}",
        start.elapsed()
    );
    // discovery announced nothing identifying: the peers list shows the addresses found
    let peers = ok(dirs[1].path(), &["peers"]);
    assert!(peers.contains("10.213.77."), "{peers}");
}
