//! Sync beyond one LAN through a stock Yjs server (issue 16), all real on loopback: the stock
//! y-websocket server from npm (`@y/websocket-server`, installed into bench/yjs by
//! scripts/install.sh), two `groundwork serve` processes that are not told of each other (no
//! `--peer`, no mDNS) and a stock Node Yjs client (yjs + y-websocket) in the brief's room.
//! Checked: a brief reaches the second device through the relay only; CLI edits flow both ways;
//! the stock client reads the title and problem statement and its words reach both peers; the
//! sync status lists the relay (up to date, unreachable while it is down); the server killed and
//! restarted empty loses nothing, and edits made while it was down go through.
//! Waiting polls for the expected state with a deadline.

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

fn yjs_dir() -> PathBuf {
    let d = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/yjs");
    assert!(
        d.join("node_modules/@y/websocket-server").exists(),
        "the stock Yjs server is not installed: run scripts/install.sh (npm install --prefix bench/yjs)"
    );
    d
}

struct Server {
    child: Child,
}

impl Server {
    fn start(port: u16) -> Server {
        let mut child = Command::new("node")
            .arg(yjs_dir().join("node_modules/@y/websocket-server/src/server.js"))
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .expect("node runs the stock server");
        // it prints "running at '127.0.0.1' on port …" once listening
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.contains("running"), "server said: {line}");
        Server { child }
    }
}

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

struct Serve(Child);

impl Serve {
    fn start(dir: &Path) -> Serve {
        let mut child = cmd(dir)
            .args(["serve", "--listen", "127.0.0.1:0", "--no-mdns"])
            .env("GROUNDWORK_LOG", "info")
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap();
        let mut line = String::new();
        BufReader::new(child.stdout.take().unwrap())
            .read_line(&mut line)
            .unwrap();
        assert!(line.starts_with("listening on "), "unexpected: {line}");
        Serve(child)
    }
}

impl Drop for Serve {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

fn eventually(what: &str, limit: Duration, mut f: impl FnMut() -> bool) {
    let start = Instant::now();
    while start.elapsed() < limit {
        if f() {
            return;
        }
        std::thread::sleep(Duration::from_millis(50));
    }
    panic!("timed out after {limit:?} waiting for: {what}");
}

fn section(dir: &Path, id: &str, s: &str) -> String {
    let out = run(dir, &["show", id, "--format", "json"]);
    if !out.status.success() {
        return String::new();
    }
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
    v["sections"][s].as_str().unwrap_or_default().to_string()
}

#[test]
fn two_devices_that_cannot_see_each_other_sync_through_a_stock_yjs_server() {
    let port = free_port();
    let mut server = Server::start(port);
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (da.path(), db.path());
    ok(a, &["identity", "--name", "Ana", "--role", "pm"]);
    ok(b, &["identity", "--name", "Ben", "--role", "engineer"]);
    let id = ok(a, &["new", "Relayed onboarding"]);
    ok(a, &["set", &id, "problem", "New admins quit at step 3."]);
    let url = format!("ws://127.0.0.1:{port}/{id}");
    // a relay must be encrypted beyond this machine
    let refused = fails(
        a,
        &["relay", "add", &id, &format!("ws://10.1.2.3:{port}/{id}")],
        1,
    );
    assert!(refused.contains("wss://"), "{refused}");
    let said = ok(a, &["relay", "add", &id, &url]);
    assert!(said.contains("whole text"), "{said}");
    // Ben joins through the relay: he names the brief by its id
    ok(b, &["relay", "add", &id, &url]);

    let pa = Serve::start(a);
    let pb = Serve::start(b);
    eventually(
        "the brief reaches Ben through the relay",
        Duration::from_secs(30),
        || section(b, &id, "problem") == "New admins quit at step 3.",
    );
    // Ben sees who relays it, from the brief itself
    let listed = ok(b, &["relay", "list", &id]);
    assert!(
        listed.contains(&url)
            && listed.contains("added by Ana (pm)")
            && listed.contains("used by this device"),
        "{listed}"
    );
    // the sync status lists the relay like a device, from the state vector it sent
    let mut status = String::new();
    eventually(
        "Ana's status lists the relay as up to date",
        Duration::from_secs(30),
        || {
            status = ok(a, &["status", &id]);
            status.contains(&format!("relay {url}: has all of your changes"))
        },
    );
    // CLI edits on both sides, picked up by the running peers
    ok(b, &["set", &id, "evidence", "Six of ten interviews."]);
    ok(a, &["set", &id, "affected", "Admins of new teams."]);
    eventually("Ben's edit reaches Ana", Duration::from_secs(30), || {
        section(a, &id, "evidence") == "Six of ten interviews."
    });
    eventually("Ana's edit reaches Ben", Duration::from_secs(30), || {
        section(b, &id, "affected") == "Admins of new teams."
    });

    // a stock Yjs client in the room reads the brief and types into the problem statement;
    // it leaves once Ana's answer to its words came back
    let client = Command::new("node")
        .arg(yjs_dir().join("stock-client.mjs"))
        .args([
            &format!("ws://127.0.0.1:{port}"),
            id.as_str(),
            " STOCK-WORDS",
            "ANA-SAW-IT",
        ])
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    eventually(
        "the stock client's words reach Ana and Ben",
        Duration::from_secs(30),
        || {
            section(a, &id, "problem").contains("STOCK-WORDS")
                && section(b, &id, "problem").contains("STOCK-WORDS")
        },
    );
    ok(a, &["append", &id, "problem", "ANA-SAW-IT"]);
    let out = client.wait_with_output().unwrap();
    assert!(
        out.status.success(),
        "stock client: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    let lines: Vec<serde_json::Value> = String::from_utf8_lossy(&out.stdout)
        .lines()
        .map(|l| serde_json::from_str(l).unwrap())
        .collect();
    assert_eq!(lines[0]["title"], "Relayed onboarding", "{lines:?}");
    assert!(lines[0]["problem"]
        .as_str()
        .unwrap()
        .contains("New admins quit at step 3."));
    assert!(lines[1]["problem"].as_str().unwrap().contains("ANA-SAW-IT"));

    // the server dies and comes back empty: edits made meanwhile go through, nothing is lost
    let _ = server.child.kill();
    let _ = server.child.wait();
    eventually(
        "Ana's status says the relay is unreachable",
        Duration::from_secs(30),
        || {
            status = ok(a, &["status", &id]);
            status.contains(&format!("relay {url}: unreachable since"))
        },
    );
    ok(
        a,
        &[
            "set",
            &id,
            "workaround",
            "Written while the relay was down.",
        ],
    );
    ok(
        b,
        &["set", &id, "metrics", "Also written while it was down."],
    );
    server = Server::start(port);
    eventually(
        "both edits made while the relay was down arrive",
        Duration::from_secs(60),
        || {
            section(b, &id, "workaround") == "Written while the relay was down."
                && section(a, &id, "metrics") == "Also written while it was down."
        },
    );
    eventually(
        "the relay is reachable again in Ana's status",
        Duration::from_secs(30),
        || {
            status = ok(a, &["status", &id]);
            status.contains(&format!("relay {url}: has all of your changes"))
        },
    );
    for d in [a, b] {
        let p = section(d, &id, "problem");
        assert!(p.contains("STOCK-WORDS") && p.contains("ANA-SAW-IT"), "{p}");
        assert_eq!(section(d, &id, "evidence"), "Six of ten interviews.");
    }
    // removing the relay takes its record out of the brief for everyone
    ok(a, &["relay", "remove", &id, &url]);
    eventually(
        "Ben's device no longer lists the relay once synced",
        Duration::from_secs(30),
        || !ok(b, &["relay", "list", &id]).contains("added by Ana"),
    );
    drop((pa, pb, server));
}
