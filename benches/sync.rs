//! Sync figures, side by side with the stock Yjs websocket relay (bench/yjs/relay-bench.mjs)
//! in the same run:
//! - latency from an edit on peer A to it being applied on peer B over loopback (p50, p99,
//!   max over N edits at typing speed, one every 20 ms);
//! - the time until B has applied all of an N-edit burst;
//! - catch-up time and bytes on the wire after N edits of divergence on each side, against
//!   the size of the missing updates;
//! - ten peers on one machine each typing 5 edits a second (taking turns, one edit every
//!   20 ms in all): CPU and latency;
//! - through a relay (issue 16): the same latency, burst and catch-up with A and B not linked
//!   to each other but both in one room of the stock Yjs server (@y/websocket-server, started
//!   here), against two stock y-websocket clients through the same server (the reference's
//!   figures); the bytes counted are what the peers send to the server (it forwards each once
//!   more to the other).
//!
//! The reference's two clients go through the server only: y-websocket also publishes each
//! update on an in-process BroadcastChannel named after the room, which the reference turns
//! off (`disableBc`). Until stop 41 it was on, so every "yjs" latency figure below measured
//! Node's in-process channel, not the relay (p50 ~0.4 ms against ~1.0 ms through the server).
//!
//! Our peers are real `serve` hubs (TCP + Noise + sync) in this process; edits enter them the
//! way the desktop UI's do (`Command::LocalUpdate`). The hubs and the driver share one
//! current-thread runtime, as the reference runs both its clients and its driver on node's one
//! thread (its server is another process; our peers need none) and as `groundwork serve` runs
//! its hub (`src/main.rs`). Until stop 39 they shared a two-worker runtime, which matched
//! neither: hand-offs between a hub's tasks could cross threads, which alone put A→B p99 at
//! 0.38–0.41x the relay's instead of 0.25x. The typing latency is also measured with each hub
//! on its own thread and runtime, as two processes would be (every hop then wakes a thread):
//! printed beside, as what two devices' processes on one machine add.
//!
//! Knobs: GROUNDWORK_BENCH_EDITS (10000), GROUNDWORK_BENCH_INTERVAL_MS (20),
//! GROUNDWORK_BENCH_TEN_SECS (20), GROUNDWORK_BENCH_ONLY (a comma list of `lan`, `ten`,
//! `relay`: the parts to run; all by default — the reference runs whenever `lan` or `relay`
//! does), GROUNDWORK_BENCH_TICK_MS (50: the hubs' tick, `ServeConfig::tick` — group commit and
//! the watcher's read; a long one shows what the tick's work adds to the tail).

/// mimalloc, as in every Groundwork binary (`groundwork::allocator` says why)
#[global_allocator]
static ALLOC: groundwork::allocator::Allocator = groundwork::allocator::ALLOCATOR;

use groundwork::brief::{Brief, Member};
use groundwork::net::{serve_with, Command, Frontend, Notice, ServeConfig};
use groundwork::{Engine, Role, Section, Template};
use std::collections::HashMap;
use std::path::Path;
use std::time::{Duration, Instant};
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;
use yrs::updates::decoder::Decode;

fn env(name: &str, default: u64) -> u64 {
    std::env::var(name)
        .ok()
        .and_then(|v| v.parse().ok())
        .unwrap_or(default)
}

struct Hub {
    commands: mpsc::UnboundedSender<Command>,
    notices: mpsc::UnboundedReceiver<Notice>,
    addr: String,
    stop: Option<oneshot::Sender<()>>,
    done: oneshot::Receiver<()>,
}

/// Where a hub runs: on the driver's runtime, or on a thread and runtime of its own.
#[derive(Clone, Copy, PartialEq)]
enum Placement {
    Shared,
    OwnThread,
}

impl Hub {
    /// A `serve` hub on the data directory `dir`, dialing `peers`, on the driver's runtime.
    async fn start(dir: &Path, peers: Vec<String>) -> Hub {
        Hub::start_at(dir, peers, Placement::Shared).await
    }

    async fn start_at(dir: &Path, peers: Vec<String>, placement: Placement) -> Hub {
        let (ctx, crx) = mpsc::unbounded_channel();
        let (ntx, nrx) = mpsc::unbounded_channel();
        let (stop_tx, stop_rx) = oneshot::channel::<()>();
        let (addr_tx, addr_rx) = oneshot::channel();
        let cfg = ServeConfig {
            listen: "127.0.0.1:0".into(),
            peers,
            mdns: false,
            tick: std::time::Duration::from_millis(env("GROUNDWORK_BENCH_TICK_MS", 50)),
            ..Default::default()
        };
        let dir = dir.to_path_buf();
        let (done_tx, done) = oneshot::channel();
        let hub = async move {
            let engine = Engine::open(&dir).await.expect("the hub's engine opens");
            let r = serve_with(
                engine,
                cfg,
                move |a| {
                    let _ = addr_tx.send(a.to_string());
                },
                async move {
                    let _ = stop_rx.await;
                },
                Frontend {
                    commands: Some(crx),
                    notices: Some(ntx),
                },
            )
            .await;
            if let Err(e) = r {
                eprintln!("hub failed: {e}");
            }
            let _ = done_tx.send(());
        };
        match placement {
            Placement::Shared => drop(tokio::spawn(hub)),
            Placement::OwnThread => drop(std::thread::spawn(move || {
                tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a hub's runtime")
                    .block_on(hub)
            })),
        }
        let addr = addr_rx.await.expect("hub address");
        Hub {
            commands: ctx,
            notices: nrx,
            addr,
            stop: Some(stop_tx),
            done,
        }
    }

    async fn stop(mut self) {
        if let Some(s) = self.stop.take() {
            let _ = s.send(());
        }
        let _ = self.done.await;
    }
}

fn member(n: &str) -> Member {
    Member {
        device: n.into(),
        name: n.into(),
        role: Role::Engineer,
    }
}

/// A shared brief in `dirs.len()` data directories, identical content, secrets set.
async fn shared(dirs: &[&Path]) -> (Uuid, Vec<u8>) {
    // every device's key, so the brief's roster admits them all (as members who joined)
    let mut keys = Vec::new();
    for d in dirs {
        let e = Engine::open(d).await.unwrap();
        keys.push(e.identity().device_id());
        e.store().close().await;
    }
    let e0 = Engine::open(dirs[0]).await.unwrap();
    let b = e0.create("bench", Template::ProblemFirst).await.unwrap();
    for (i, k) in keys.iter().enumerate().skip(1) {
        b.admit_device(k, &format!("peer {i}"), "engineer");
    }
    b.set_section(Section::Problem, "");
    b.insert_text(Section::Problem, 0, "start");
    e0.flush(&b).await.unwrap();
    let state = b.encode_state_v1();
    let secret = [42u8; 32];
    for d in dirs {
        let e = Engine::open(d).await.unwrap();
        if *d != dirs[0] {
            let copy = e.adopt(b.id()).await.unwrap();
            copy.apply_update_v1(&state).unwrap();
            e.flush(&copy).await.unwrap();
        }
        e.store().set_brief_secret(b.id(), &secret).await.unwrap();
        e.store().close().await;
    }
    e0.store().close().await;
    (b.id(), state)
}

/// An editor document (as the UI would hold) for a brief.
fn editor(id: Uuid, state: &[u8], name: &str) -> Brief {
    let ed = Brief::empty(id, member(name));
    ed.apply_update_v1(state).unwrap();
    ed.take_outbox();
    ed
}

/// One keystroke in the editor: returns the update and the first clock of the editor's
/// client in it (its key for matching deliveries).
fn keystroke(ed: &Brief, i: u64) -> (Vec<u8>, u32) {
    ed.insert_text(Section::Problem, 5 + i as u32, "x");
    let mut out = ed.take_outbox();
    let u = out.pop().expect("an update");
    let lower = yrs::Update::decode_v1(&u).unwrap().state_vector_lower();
    let clock = lower
        .iter()
        .find(|(c, _)| c.get() == ed.client_id())
        .map(|(_, k)| *k)
        .expect("the keystroke's own client");
    (u, clock)
}

/// Latencies of notices matched to send times by (client, first clock), for the clients the
/// update actually contains.
fn matched(
    n: &Notice,
    client: u64,
    sent: &HashMap<u32, Instant>,
    now: Instant,
    out: &mut Vec<Duration>,
) {
    let Notice::Changed {
        updates,
        state_vector,
        ..
    } = n;
    // An update may carry several keystrokes merged: every sent clock from its first one up
    // to where B's document now stands was applied by this notice.
    let upto = state_vector.get(&yrs::block::ClientID::new(client));
    for u in updates {
        if let Ok(up) = yrs::Update::decode_v1(u) {
            for (c, clock) in up.state_vector_lower().iter() {
                if c.get() == client {
                    for k in *clock..upto.max(*clock + 1) {
                        if let Some(t) = sent.get(&k) {
                            out.push(now - *t);
                        }
                    }
                }
            }
        }
    }
}

fn pct(v: &mut [Duration], p: f64) -> f64 {
    v.sort();
    v[((v.len() as f64 - 1.0) * p).round() as usize].as_secs_f64() * 1e3
}

/// How A and B are joined: linked directly over loopback, or both in one room of a stock Yjs
/// server at this address (ws://127.0.0.1:port) and not linked to each other.
#[derive(Clone)]
enum Route {
    Lan,
    /// The LAN with each hub on a thread and runtime of its own (as two processes).
    LanApart,
    Relay(String),
}

/// A, then B dialing A, both placed `at`.
async fn lan_hubs(da: &Path, db: &Path, at: Placement) -> (Hub, Hub) {
    let a = Hub::start_at(da, vec![], at).await;
    let b = Hub::start_at(db, vec![a.addr.clone()], at).await;
    (a, b)
}

/// Both hubs for a brief on `route`: A, then B (dialing A on the LAN).
async fn hubs(route: &Route, id: Uuid, da: &Path, db: &Path) -> (Hub, Hub) {
    match route {
        Route::Lan => lan_hubs(da, db, Placement::Shared).await,
        Route::LanApart => lan_hubs(da, db, Placement::OwnThread).await,
        Route::Relay(base) => {
            let setting = groundwork::relay::RelaySetting {
                url: format!("{base}/{id}"),
                token: None,
                token_in: groundwork::relay::TokenIn::Query,
            };
            for d in [da, db] {
                let e = Engine::open(d).await.unwrap();
                e.set_relay_settings(id, std::slice::from_ref(&setting))
                    .await
                    .unwrap();
                e.store().close().await;
            }
            (Hub::start(da, vec![]).await, Hub::start(db, vec![]).await)
        }
    }
}

async fn two_peers(route: Route, n: u64, interval: Duration) -> (Vec<Duration>, Duration) {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (id, state) = shared(&[da.path(), db.path()]).await;
    let (a, mut b) = hubs(&route, id, da.path(), db.path()).await;
    let ed = editor(id, &state, "typist");
    // warm up until B applies an edit from A (connection and sync established)
    let mut sent = HashMap::new();
    loop {
        let (u, c) = keystroke(&ed, 0);
        sent.insert(c, Instant::now());
        a.commands
            .send(Command::LocalUpdate {
                brief: id,
                update: u,
            })
            .unwrap();
        if let Ok(Some(_)) =
            tokio::time::timeout(Duration::from_millis(500), b.notices.recv()).await
        {
            break;
        }
    }
    while b.notices.try_recv().is_ok() {}
    sent.clear();
    let mut lat = Vec::with_capacity(n as usize);
    if interval.is_zero() {
        // burst: the edits are made on the editor's document first (as the Yjs reference
        // does on a scratch document), then every update is handed to A at once; timed from
        // the first hand-over until B's document holds the last edit
        let mut updates = Vec::with_capacity(n as usize);
        for i in 0..n {
            ed.insert_text(Section::Problem, 6 + i as u32, "x");
            updates.extend(ed.take_outbox());
        }
        let start = Instant::now();
        for u in updates {
            a.commands
                .send(Command::LocalUpdate {
                    brief: id,
                    update: u,
                })
                .unwrap();
        }
        // done when B's document holds the typist's last edit (updates may arrive merged)
        let target = ed
            .state_vector()
            .get(&yrs::block::ClientID::new(ed.client_id()));
        let mut applied = 0u32;
        while applied < target {
            match tokio::time::timeout(Duration::from_secs(60), b.notices.recv()).await {
                Ok(Some(Notice::Changed { state_vector, .. })) => {
                    applied = state_vector.get(&yrs::block::ClientID::new(ed.client_id()))
                }
                _ => panic!("B did not apply all edits ({applied} of {target})"),
            }
        }
        let total = start.elapsed();
        b.stop().await;
        a.stop().await;
        return (lat, total);
    }
    let start = Instant::now();
    let mut next = Instant::now();
    for i in 0..n {
        let (u, c) = keystroke(&ed, i + 1);
        sent.insert(c, Instant::now());
        a.commands
            .send(Command::LocalUpdate {
                brief: id,
                update: u,
            })
            .unwrap();
        if !interval.is_zero() {
            next += interval;
            while Instant::now() < next {
                match tokio::time::timeout_at(next.into(), b.notices.recv()).await {
                    Ok(Some(notice)) => {
                        matched(&notice, ed.client_id(), &sent, Instant::now(), &mut lat)
                    }
                    _ => break,
                }
            }
        }
    }
    while (lat.len() as u64) < n {
        match tokio::time::timeout(Duration::from_secs(60), b.notices.recv()).await {
            Ok(Some(notice)) => matched(&notice, ed.client_id(), &sent, Instant::now(), &mut lat),
            _ => panic!("B did not apply all edits ({} of {n})", lat.len()),
        }
    }
    let total = start.elapsed();
    b.stop().await;
    a.stop().await;
    (lat, total)
}

async fn catch_up(route: Route, n: u64) -> (Duration, u64, u64) {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let (id, _) = shared(&[da.path(), db.path()]).await;
    // diverge offline: n edits on each side, stored
    let mut svs = Vec::new();
    let mut docs = Vec::new();
    for (d, name) in [(da.path(), "a"), (db.path(), "b")] {
        let e = Engine::open(d).await.unwrap();
        let b = e.open_brief(id).await.unwrap().brief;
        for i in 0..n {
            b.insert_text(
                Section::Evidence,
                i as u32,
                if name == "a" { "a" } else { "b" },
            );
            if i % 500 == 0 {
                e.flush(&b).await.unwrap();
            }
        }
        e.flush(&b).await.unwrap();
        svs.push(b.state_vector());
        docs.push(b.encode_state_v1());
        e.store().close().await;
        let _ = member(name);
    }
    // what each side misses
    let a_doc = editor(id, &docs[0], "x");
    let b_doc = editor(id, &docs[1], "y");
    let missing =
        (a_doc.encode_diff_v1(&svs[1]).len() + b_doc.encode_diff_v1(&svs[0]).len()) as u64;
    let target = {
        a_doc.apply_update_v1(&docs[1]).unwrap();
        a_doc.state_vector()
    };
    groundwork::transport::BYTES_WRITTEN.store(0, std::sync::atomic::Ordering::Relaxed);
    groundwork::relay::BYTES_SENT.store(0, std::sync::atomic::Ordering::Relaxed);
    let start = Instant::now();
    let (mut a, mut b) = hubs(&route, id, da.path(), db.path()).await;
    // converged when each side has applied the other's diff
    let (mut got_a, mut got_b) = (false, false);
    while !(got_a && got_b) {
        tokio::select! {
            Some(Notice::Changed { .. }) = a.notices.recv() => got_a = true,
            Some(Notice::Changed { .. }) = b.notices.recv() => got_b = true,
        }
    }
    let took = start.elapsed();
    let bytes = match route {
        Route::Lan | Route::LanApart => {
            groundwork::transport::BYTES_WRITTEN.load(std::sync::atomic::Ordering::Relaxed)
        }
        Route::Relay(_) => groundwork::relay::BYTES_SENT.load(std::sync::atomic::Ordering::Relaxed),
    };
    b.stop().await;
    a.stop().await;
    for d in [da.path(), db.path()] {
        let e = Engine::open(d).await.unwrap();
        let sv = e.open_brief(id).await.unwrap().brief.state_vector();
        assert_eq!(sv, target, "catch-up did not converge");
        e.store().close().await;
    }
    (took, bytes, missing)
}

fn cpu_seconds() -> f64 {
    let stat = std::fs::read_to_string("/proc/self/stat").unwrap_or_default();
    let fields: Vec<&str> = stat
        .rsplit(')')
        .next()
        .unwrap_or("")
        .split_whitespace()
        .collect();
    let ticks = |i: usize| {
        fields
            .get(i)
            .and_then(|v| v.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    (ticks(11) + ticks(12)) / 100.0
}

/// One keystroke in `ed`, handed to its hub and its send time noted.
fn type_into(hub: &Hub, brief: Uuid, ed: &Brief, k: u64, sent: &mut HashMap<u32, Instant>) {
    let (update, c) = keystroke(ed, k);
    sent.insert(c, Instant::now());
    hub.commands
        .send(Command::LocalUpdate { brief, update })
        .unwrap();
}

async fn ten_peers(secs: u64) -> (Vec<Duration>, f64, usize) {
    let dirs: Vec<tempfile::TempDir> = (0..10).map(|_| tempfile::tempdir().unwrap()).collect();
    let paths: Vec<&Path> = dirs.iter().map(|d| d.path()).collect();
    let (id, state) = shared(&paths).await;
    let mut hubs: Vec<Hub> = Vec::new();
    for d in &paths {
        let peers = hubs.iter().map(|h| h.addr.clone()).collect();
        hubs.push(Hub::start(d, peers).await);
    }
    let editors: Vec<Brief> = (0..10)
        .map(|i| editor(id, &state, &format!("p{i}")))
        .collect();
    // warm up: every peer's edit reaches every other peer
    let mut sent: Vec<HashMap<u32, Instant>> = vec![HashMap::new(); 10];
    for (i, ed) in editors.iter().enumerate() {
        type_into(&hubs[i], id, ed, 0, &mut sent[i]);
    }
    let mut seen = [0usize; 10];
    let deadline = Instant::now() + Duration::from_secs(30);
    while seen.iter().any(|s| *s < 9) && Instant::now() < deadline {
        for (j, h) in hubs.iter_mut().enumerate() {
            while let Ok(Notice::Changed { updates, .. }) = h.notices.try_recv() {
                seen[j] += updates.len();
            }
        }
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    // Every notice is stamped the moment its hub hands it over (one forwarding task per hub,
    // as the app has one consumer per hub), so the figures carry no polling delay.
    let (stamped_tx, mut stamped) = mpsc::unbounded_channel::<(Instant, Notice)>();
    for h in hubs.iter_mut() {
        let mut rx = std::mem::replace(&mut h.notices, mpsc::unbounded_channel().1);
        let tx = stamped_tx.clone();
        tokio::spawn(async move {
            while let Some(n) = rx.recv().await {
                if tx.send((Instant::now(), n)).is_err() {
                    return;
                }
            }
        });
    }
    drop(stamped_tx);
    let mut lat = Vec::new();
    let cpu0 = cpu_seconds();
    let start = Instant::now();
    // 5 edits a second per peer, the ten peers taking turns (one edit every 20 ms in all):
    // people do not type in lockstep
    let every = Duration::from_millis(20);
    let mut next = Instant::now();
    let mut k = 1u64;
    let mut edits = 0usize;
    let mut turn = 0usize;
    while start.elapsed() < Duration::from_secs(secs) {
        let i = turn % editors.len();
        type_into(&hubs[i], id, &editors[i], k, &mut sent[i]);
        edits += 1;
        turn += 1;
        if turn.is_multiple_of(editors.len()) {
            k += 1;
        }
        next += every;
        while let Ok(Some((at, n))) = tokio::time::timeout_at(next.into(), stamped.recv()).await {
            for (i, ed) in editors.iter().enumerate() {
                matched(&n, ed.client_id(), &sent[i], at, &mut lat);
            }
        }
    }
    let wall = start.elapsed().as_secs_f64();
    let cpu = (cpu_seconds() - cpu0) / wall * 100.0;
    for h in hubs {
        h.stop().await;
    }
    (lat, cpu, edits)
}

/// The typing rows of one route, beside the reference's figures (`reference` by key): a
/// header, latency p50 / p99 / max, the time `edits` edits of a burst took; `targets` are
/// printed after each of the four.
fn typing_rows(
    title: &str,
    reference_name: &str,
    typing: &mut [Duration],
    (edits, burst): (u64, Duration),
    reference: &dyn Fn(&str) -> Option<f64>,
    targets: [&str; 4],
) {
    let show = |v: Option<f64>| v.map(|x| format!("{x:.3}")).unwrap_or_else(|| "-".into());
    let ratio = |ours: f64, theirs: Option<f64>| {
        theirs
            .map(|t| format!("{:.2}", ours / t))
            .unwrap_or_else(|| "-".into())
    };
    println!();
    println!(
        "{title:<58} {:>12} {reference_name:>14} {:>8}",
        "groundwork", "ratio"
    );
    for ((label, p, key), target) in [
        ("latency p50 (ms)", 0.5, "p50_ms"),
        ("latency p99 (ms)", 0.99, "p99_ms"),
        ("latency max (ms)", 1.0, "max_ms"),
    ]
    .into_iter()
    .zip(targets)
    {
        let ours = pct(typing, p);
        let theirs = reference(key);
        println!(
            "{label:<58} {ours:>12.3} {:>14} {:>8}{target}",
            show(theirs),
            ratio(ours, theirs)
        );
    }
    let ms = burst.as_secs_f64() * 1e3;
    let theirs = reference("burst_ms");
    println!(
        "{:<58} {ms:>12.1} {:>14} {:>8}{}",
        format!("{edits}-edit burst fully applied on B (ms)"),
        show(theirs),
        ratio(ms, theirs),
        targets[3]
    );
}

fn main() {
    let n = env("GROUNDWORK_BENCH_EDITS", 10_000);
    let interval = env("GROUNDWORK_BENCH_INTERVAL_MS", 20);
    let ten_secs = env("GROUNDWORK_BENCH_TEN_SECS", 20);
    if let Ok(filter) = std::env::var("GROUNDWORK_LOG") {
        tracing_subscriber::fmt()
            .with_writer(std::io::stderr)
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .init();
    }
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();

    let only = std::env::var("GROUNDWORK_BENCH_ONLY").unwrap_or_else(|_| "lan,ten,relay".into());
    let part = |name: &str| only.split(',').any(|p| p.trim() == name);

    // the reference, in the same run
    let node_dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("bench/yjs");
    let installed = node_dir.join("node_modules").exists();
    let reference: Option<serde_json::Value> = if !installed {
        eprintln!("note: bench/yjs/node_modules missing (run scripts/bench.sh); no reference");
        None
    } else if part("lan") || part("relay") {
        let out = std::process::Command::new("node")
            .arg(node_dir.join("relay-bench.mjs"))
            .args([n.to_string(), interval.to_string()])
            .output();
        out.ok()
            .and_then(|o| serde_json::from_slice(o.stdout.trim_ascii()).ok())
    } else {
        None
    };

    let lan = part("lan").then(|| {
        let (typing, _) = rt.block_on(two_peers(Route::Lan, n, Duration::from_millis(interval)));
        let (_, burst) = rt.block_on(two_peers(Route::Lan, n, Duration::ZERO));
        let (apart, _) = rt.block_on(two_peers(
            Route::LanApart,
            n,
            Duration::from_millis(interval),
        ));
        (typing, burst, rt.block_on(catch_up(Route::Lan, n)), apart)
    });
    let ten = part("ten").then(|| rt.block_on(ten_peers(ten_secs)));
    // through the stock server (issue 16), if it is installed
    let relayed = (part("relay") && installed).then(|| {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let mut server = std::process::Command::new("node")
            .arg(node_dir.join("node_modules/@y/websocket-server/src/server.js"))
            .env("HOST", "127.0.0.1")
            .env("PORT", port.to_string())
            .stdout(std::process::Stdio::piped())
            .stderr(std::process::Stdio::null())
            .spawn()
            .expect("node runs the stock server");
        let mut line = String::new();
        std::io::BufRead::read_line(
            &mut std::io::BufReader::new(server.stdout.take().unwrap()),
            &mut line,
        )
        .unwrap();
        let base = format!("ws://127.0.0.1:{port}");
        let (typing, _) = rt.block_on(two_peers(
            Route::Relay(base.clone()),
            n,
            Duration::from_millis(interval),
        ));
        let (_, burst) = rt.block_on(two_peers(Route::Relay(base.clone()), n, Duration::ZERO));
        let catch = rt.block_on(catch_up(Route::Relay(base), n));
        let _ = server.kill();
        let _ = server.wait();
        (typing, burst, catch)
    });

    let r = |k: &str| reference.as_ref().and_then(|v| v[k].as_f64());
    if let Some((mut typing, burst, (catch_time, wire, missing), mut apart)) = lan {
        typing_rows(
            &format!("{n} edits, one every {interval} ms, A -> B"),
            "yjs ws relay",
            &mut typing,
            (n, burst),
            &r,
            [
                "",
                "  (target <= 0.25)",
                "  (target <= 1)",
                "  (target <= 0.25)",
            ],
        );
        let relay_p99 = r("p99_ms");
        let apart_p99 = pct(&mut apart, 0.99);
        println!(
            "{:<58} {:>12.3} / {:.3} / {:.3}  (p99 {} the relay's)",
            "the same, each hub on its own thread: p50 / p99 / max",
            pct(&mut apart, 0.5),
            apart_p99,
            pct(&mut apart, 1.0),
            relay_p99.map_or("-".to_string(), |x| format!("{:.2}x", apart_p99 / x)),
        );
        println!();
        println!(
            "{:<58} {:>12.1}",
            format!("catch-up after {n} offline edits on each side (ms)"),
            catch_time.as_secs_f64() * 1e3
        );
        println!("{:<58} {:>12}", "bytes on the wire, both directions", wire);
        println!(
            "{:<58} {:>12}",
            "size of the missing updates (both diffs)", missing
        );
        println!(
            "{:<58} {:>12.2}  (target <= 1.2)",
            "wire / missing",
            wire as f64 / missing as f64
        );
    }
    if let Some((mut ten, cpu, ten_edits)) = ten {
        println!();
        println!(
            "{:<58} {:>12}",
            format!("ten peers, 5 edits/s each, {ten_secs} s: edits"),
            ten_edits
        );
        println!(
            "{:<58} {:>12}",
            "deliveries measured (edit x receiving peer)",
            ten.len()
        );
        println!(
            "{:<58} {:>12.3} / {:.3} / {:.3}  (target p99 <= 2)",
            "latency p50 / p99 / max (ms)",
            pct(&mut ten, 0.5),
            pct(&mut ten, 0.99),
            pct(&mut ten, 1.0)
        );
        println!(
            "{:<58} {:>11.1}%",
            "CPU of all ten peers together (one core = 100%)", cpu
        );
    }
    let Some((mut typing, burst, (catch_time, sent, missing))) = relayed else {
        if part("relay") {
            println!("\n(no relay figures: bench/yjs/node_modules missing)");
        }
        return;
    };
    typing_rows(
        &format!("through the stock Yjs server: {n} edits, one every {interval} ms"),
        "2 yjs clients",
        &mut typing,
        (n, burst),
        &r,
        [
            "  (target <= 1.2)",
            "  (target <= 1.2)",
            "",
            "  (target <= 1.0)",
        ],
    );
    println!(
        "{:<58} {:>12.1}",
        format!("catch-up after {n} offline edits on each side (ms)"),
        catch_time.as_secs_f64() * 1e3
    );
    println!("{:<58} {:>12}", "bytes the peers sent to the server", sent);
    println!(
        "{:<58} {:>12}",
        "size of the missing updates (both diffs)", missing
    );
    println!(
        "{:<58} {:>12.2}  (target <= 1.2)",
        "sent / missing",
        sent as f64 / missing as f64
    );
}
