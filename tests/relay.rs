//! Sync beyond one LAN through a stock Yjs server (issue 16), all real on loopback: the stock
//! y-websocket server from npm (`@y/websocket-server`, installed into bench/yjs by
//! scripts/install.sh), two `groundwork serve` processes that are not told of each other (no
//! `--peer`, no mDNS) and a stock Node Yjs client (yjs + y-websocket) in the brief's room.
//! Checked: a brief reaches the second device through the relay only; CLI edits flow both ways;
//! the stock client reads the title and problem statement and its words reach both peers; the
//! sync status lists the relay (up to date, unreachable while it is down); the server killed and
//! restarted empty loses nothing, and edits made while it was down go through; killed during a
//! burst of 300 edits, every edit ends up exactly once on both peers and in a stock client.
//! A hostile relay (every kind of garbage, then 10,000 random messages per connection) is cut
//! off each time while the peer stays up, its memory bounded, and LAN sync goes on.
//! Waiting polls for the expected state with a deadline.

mod common;
use common::*;
use std::io::{BufRead, BufReader};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

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
    // its awareness (a `user` name) shows as a person on the peers
    eventually(
        "the stock client is here on Ana's device",
        Duration::from_secs(30),
        || ok(a, &["status", &id]).contains("here now: Dashboard script (Yjs client)"),
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
    // the server is killed during a burst of edits on Ana's device and comes back empty:
    // nothing is lost, and Ana, Ben and a stock client all converge
    let mut burst = cmd(a)
        .args(["stress", &id, "--count", "300"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut acks = BufReader::new(burst.stdout.take().unwrap()).lines();
    let mut acked = 0;
    for line in acks.by_ref() {
        acked += 1;
        if line.unwrap() == "ack 100" {
            break;
        }
    }
    assert_eq!(acked, 101, "the burst went on while the relay was up");
    let _ = server.child.kill();
    let _ = server.child.wait();
    for line in acks.by_ref() {
        if line.unwrap() == "ack 200" {
            break;
        }
    }
    server = Server::start(port);
    assert!(burst.wait().unwrap().success());
    // every edit of the burst, exactly once
    let once = |text: &str| {
        let words: Vec<&str> = text
            .split_whitespace()
            .filter(|w| w.starts_with("edit-"))
            .collect();
        let distinct: std::collections::BTreeSet<&str> = words.iter().copied().collect();
        words.len() == 300 && (0..300).all(|i| distinct.contains(format!("edit-{i}").as_str()))
    };
    let all = |d: &Path| once(&section(d, &id, "evidence"));
    eventually("Ben has the whole burst", Duration::from_secs(60), || {
        all(b)
    });
    assert_eq!(section(a, &id, "evidence"), section(b, &id, "evidence"));
    let client = Command::new("node")
        .arg(yjs_dir().join("stock-client.mjs"))
        .args([
            &format!("ws://127.0.0.1:{port}"),
            id.as_str(),
            "",
            "STOCK-WORDS",
        ])
        .output()
        .unwrap();
    assert!(
        client.status.success(),
        "{}",
        String::from_utf8_lossy(&client.stderr)
    );
    let stock: serde_json::Value = serde_json::from_str(
        String::from_utf8_lossy(&client.stdout)
            .lines()
            .last()
            .unwrap(),
    )
    .unwrap();
    // (a stock client's `toString()` runs the blocks together: split them at each edit)
    assert!(
        once(
            &stock["evidence"]
                .as_str()
                .unwrap()
                .replace("edit-", " edit-")
        ),
        "the stock client holds every edit once: {stock}"
    );

    // removing the relay takes its record out of the brief for everyone
    ok(a, &["relay", "remove", &id, &url]);
    eventually(
        "Ben's device no longer lists the relay once synced",
        Duration::from_secs(30),
        || !ok(b, &["relay", "list", &id]).contains("added by Ana"),
    );
    drop((pa, pb, server));
}

/// A hostile relay: a WebSocket server that answers each connection with one kind of garbage —
/// random bytes, a y-sync message whose declared length is past its end, awareness JSON nested
/// a hundred thousand deep, a sync step 2 declaring a 1 TiB update, a WebSocket frame header
/// declaring 1 TiB, a text message, then 10,000 random messages on every later connection.
/// Returns its port and the number of connections it has served so far.
fn hostile_relay(seed: u64) -> (u16, std::sync::Arc<std::sync::atomic::AtomicUsize>) {
    use futures_util::SinkExt;
    use rand::{Rng, SeedableRng};
    use std::sync::atomic::Ordering;
    use tokio::io::AsyncWriteExt;
    use tokio_tungstenite::tungstenite::Message;
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    listener.set_nonblocking(true).unwrap();
    let port = listener.local_addr().unwrap().port();
    let served = std::sync::Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let count = served.clone();
    std::thread::spawn(move || {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async move {
            let listener = tokio::net::TcpListener::from_std(listener).unwrap();
            let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(seed);
            loop {
                let Ok((tcp, _)) = listener.accept().await else {
                    continue;
                };
                let n = count.fetch_add(1, Ordering::SeqCst);
                let mut junk: Vec<Vec<u8>> = Vec::new();
                let sub_seed: u64 = rng.gen();
                tokio::spawn(async move {
                    let mut rng = rand_chacha::ChaCha8Rng::seed_from_u64(sub_seed);
                    let Ok(mut ws) = tokio_tungstenite::accept_async(tcp).await else {
                        return;
                    };
                    match n {
                        0 => junk.push((0..4096).map(|_| rng.gen()).collect()),
                        // sync (0), step 2 (1), a length of 200 with 3 bytes after it
                        1 => junk.push(vec![0, 1, 200, 1, 1, 1]),
                        2 => {
                            let mut m = vec![1u8];
                            let json = format!("{}{}", "[".repeat(100_000), "]".repeat(100_000));
                            // awareness: one client, clock 1, that state
                            let mut body = vec![1u8, 7, 1];
                            let mut len = json.len();
                            while len >= 0x80 {
                                body.push((len as u8 & 0x7f) | 0x80);
                                len >>= 7;
                            }
                            body.push(len as u8);
                            body.extend(json.as_bytes());
                            let mut blen = body.len();
                            while blen >= 0x80 {
                                m.push((blen as u8 & 0x7f) | 0x80);
                                blen >>= 7;
                            }
                            m.push(blen as u8);
                            m.extend(body);
                            junk.push(m);
                        }
                        // sync step 2 declaring a 1 TiB update
                        3 => junk.push(vec![0, 1, 0x80, 0x80, 0x80, 0x80, 0x80, 0x20]),
                        4 => {
                            // a binary frame whose header declares 1 TiB, then silence
                            let tcp = ws.get_mut();
                            let _ = tcp.write_all(&[0x82, 127, 0, 0, 1, 0, 0, 0, 0, 0]).await;
                            let _ = tcp.flush().await;
                            tokio::time::sleep(Duration::from_secs(30)).await;
                            return;
                        }
                        5 => {
                            let _ = ws.send(Message::Text("hello".into())).await;
                        }
                        _ => {
                            for _ in 0..10_000 {
                                let len = rng.gen_range(0..256);
                                junk.push((0..len).map(|_| rng.gen()).collect());
                            }
                        }
                    }
                    for j in junk {
                        if ws.send(Message::Binary(j.into())).await.is_err() {
                            return;
                        }
                    }
                    // hold the connection until the peer closes it
                    use futures_util::StreamExt;
                    while let Some(Ok(_)) = ws.next().await {}
                });
            }
        });
    });
    (port, served)
}

#[test]
fn a_hostile_relay_is_cut_off_while_lan_sync_goes_on() {
    let seed: u64 = std::env::var("GROUNDWORK_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x7e1a_5eed);
    println!("seed {seed}");
    let (port, served) = hostile_relay(seed);
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (da.path(), db.path());
    ok(a, &["identity", "--name", "Ana", "--role", "pm"]);
    ok(b, &["identity", "--name", "Ben", "--role", "engineer"]);
    let id = ok(a, &["new", "Hostile relay"]);
    ok(a, &["set", &id, "problem", "Written on A."]);
    let code = ok(a, &["invite", &id, "--no-ask"]);
    ok(b, &["join", &code]);
    ok(
        a,
        &["relay", "add", &id, &format!("ws://127.0.0.1:{port}/{id}")],
    );
    // A and B on the LAN (loopback), A also connected to the hostile relay
    let mut pa = cmd(a)
        .args(["serve", "--listen", "127.0.0.1:0", "--no-mdns"])
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(pa.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    let addr = line
        .trim()
        .strip_prefix("listening on ")
        .unwrap()
        .to_string();
    let mut pb = cmd(b)
        .args([
            "serve",
            "--listen",
            "127.0.0.1:0",
            "--no-mdns",
            "--peer",
            &addr,
        ])
        .stdout(Stdio::null())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    eventually(
        "B gets the brief over the LAN",
        Duration::from_secs(30),
        || section(b, &id, "problem") == "Written on A.",
    );
    let before = rss_kib(pa.id());
    // every kind of garbage, then a connection with 10,000 random messages, twice
    eventually(
        "the relay served every kind of garbage",
        Duration::from_secs(60),
        || served.load(std::sync::atomic::Ordering::SeqCst) >= 9,
    );
    assert!(pa.try_wait().unwrap().is_none(), "A is still running");
    ok(a, &["set", &id, "evidence", "Still syncing on the LAN."]);
    eventually("LAN sync goes on", Duration::from_secs(30), || {
        section(b, &id, "evidence") == "Still syncing on the LAN."
    });
    let after = rss_kib(pa.id());
    assert!(
        after < before + 64 * 1024,
        "memory stays bounded: {before} KiB -> {after} KiB"
    );
    println!("A's memory through the hostile relay: {before} KiB -> {after} KiB");
    let _ = pa.kill();
    let _ = pb.kill();
    let _ = pa.wait();
    let _ = pb.wait();
}

/// Network namespaces (and what runs in them), removed when dropped.
struct Hosts {
    names: Vec<String>,
    children: Vec<Child>,
}

impl Drop for Hosts {
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

/// Starts `program args` inside namespace `ns` and waits for its first line of output.
fn in_ns(ns: &str, env: &[(&str, String)], program: &str, args: &[&str]) -> (Child, String) {
    let mut c = Command::new("ip");
    c.args(["netns", "exec", ns, program]).args(args);
    for (k, v) in env {
        c.env(k, v);
    }
    let mut child = c
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    (child, line)
}

/// Three hosts: the relay's, Ana's and Ben's, each a network namespace. Ana's and Ben's each
/// have a link to the relay's host only (which forwards nothing), so they have no route to each
/// other and no mDNS reaches between them; each reaches the relay through a tunnel on its own
/// loopback (a TCP forwarder, as an SSH tunnel would be), since a relay beyond this machine
/// must be wss://. They sync a brief through the stock server both ways, including edits made
/// while it was down.
#[test]
fn two_hosts_with_no_route_between_them_sync_through_a_relay_host() {
    let tag = std::process::id() % 100_000;
    let relay_ns = format!("gwrs{tag}");
    if !ip(&["netns", "add", &relay_ns]) {
        println!("note: cannot create network namespaces here (needs root and iproute2); not run");
        return;
    }
    let mut hosts = Hosts {
        names: vec![relay_ns.clone()],
        children: Vec::new(),
    };
    assert!(ip(&["-n", &relay_ns, "link", "set", "lo", "up"]));
    let devices = [format!("gwra{tag}"), format!("gwrb{tag}")];
    for (i, h) in devices.iter().enumerate() {
        assert!(ip(&["netns", "add", h]));
        hosts.names.push(h.clone());
        let (inner, outer) = (format!("eth{i}"), format!("r{tag}{i}"));
        assert!(ip(&[
            "link", "add", &inner, "netns", h, "type", "veth", "peer", "name", &outer, "netns",
            &relay_ns
        ]));
        let net = format!("10.214.{}", i + 1);
        assert!(ip(&[
            "-n",
            &relay_ns,
            "addr",
            "add",
            &format!("{net}.1/24"),
            "dev",
            &outer
        ]));
        assert!(ip(&["-n", &relay_ns, "link", "set", &outer, "up"]));
        assert!(ip(&[
            "-n",
            h,
            "addr",
            "add",
            &format!("{net}.2/24"),
            "dev",
            &inner
        ]));
        assert!(ip(&["-n", h, "link", "set", &inner, "up"]));
        assert!(ip(&["-n", h, "link", "set", "lo", "up"]));
    }
    // Ana's host has no route to Ben's
    assert!(!ip(&["-n", &devices[0], "route", "get", "10.214.2.2"]));
    let yjs = yjs_dir();
    let server_js = yjs.join("node_modules/@y/websocket-server/src/server.js");
    let server_js = server_js.to_str().unwrap();
    let start_server = |hosts: &mut Hosts| {
        let (child, line) = in_ns(
            &relay_ns,
            &[("HOST", "0.0.0.0".into()), ("PORT", "4321".into())],
            "node",
            &[server_js],
        );
        assert!(line.contains("running"), "server said: {line}");
        hosts.children.push(child);
        hosts.children.len() - 1
    };
    let server = start_server(&mut hosts);
    let forward = yjs.join("forward.mjs");
    for (i, h) in devices.iter().enumerate() {
        let target = format!("10.214.{}.1:4321", i + 1);
        let (child, line) = in_ns(
            h,
            &[],
            "node",
            &[forward.to_str().unwrap(), "127.0.0.1:4321", &target],
        );
        assert!(line.contains("forwarding"), "{line}");
        hosts.children.push(child);
    }
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (a, b) = (da.path(), db.path());
    ok(a, &["identity", "--name", "Ana", "--role", "pm"]);
    ok(b, &["identity", "--name", "Ben", "--role", "engineer"]);
    let id = ok(a, &["new", "Across hosts"]);
    ok(a, &["set", &id, "problem", "Written on Ana's host."]);
    let url = format!("ws://127.0.0.1:4321/{id}");
    ok(a, &["relay", "add", &id, &url]);
    ok(b, &["relay", "add", &id, &url]);
    for (h, d) in devices.iter().zip([a, b]) {
        let (child, line) = in_ns(
            h,
            &[("GROUNDWORK_DATA_DIR", d.to_str().unwrap().to_string())],
            bin(),
            &["serve", "--listen", "0.0.0.0:7471"],
        );
        assert!(line.starts_with("listening on "), "{line}");
        hosts.children.push(child);
    }
    eventually(
        "Ben's host gets the brief through the relay host",
        Duration::from_secs(60),
        || section(b, &id, "problem") == "Written on Ana's host.",
    );
    ok(b, &["set", &id, "evidence", "Written on Ben's host."]);
    eventually("and back", Duration::from_secs(60), || {
        section(a, &id, "evidence") == "Written on Ben's host."
    });
    // the relay host's server goes down; Ana writes meanwhile; it comes back empty
    let _ = hosts.children[server].kill();
    let _ = hosts.children[server].wait();
    ok(
        a,
        &[
            "set",
            &id,
            "workaround",
            "Written while the relay host was down.",
        ],
    );
    start_server(&mut hosts);
    eventually(
        "what Ana wrote while it was down reaches Ben",
        Duration::from_secs(60),
        || section(b, &id, "workaround") == "Written while the relay host was down.",
    );
    assert_eq!(section(b, &id, "evidence"), "Written on Ben's host.");
}
