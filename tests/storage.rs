//! Storage robustness on a real SQLite file: pragmas, newer versions, damaged files and rows,
//! copied databases, compaction and failures injected inside it.

mod common;
use common::*;
use groundwork::{Brief, Engine, Section, Store, Template};
use sqlx::Connection;
use std::path::Path;

fn db(dir: &Path) -> std::path::PathBuf {
    dir.join(groundwork::store::DB_FILE)
}

/// Name, length and hash of every file in the directory.
fn file_digest(dir: &Path) -> Vec<(String, usize, String)> {
    let mut v: Vec<(String, usize, String)> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .map(|p| {
            let bytes = std::fs::read(&p).unwrap();
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            (name, bytes.len(), blake3::hash(&bytes).to_hex().to_string())
        })
        .collect();
    v.sort();
    v
}

/// An engine on `dir` compacting automatically every `rows` rows, and a new brief in it.
async fn compacting_every(dir: &Path, rows: usize, title: &str) -> (Engine, Brief) {
    let mut e = Engine::open(dir).await.unwrap();
    e.set_compact_after(Some(rows));
    let brief = e.create(title, Template::ProblemFirst).await.unwrap();
    (e, brief)
}

async fn raw(dir: &Path) -> sqlx::SqliteConnection {
    sqlx::SqliteConnection::connect(&format!("sqlite://{}", db(dir).display()))
        .await
        .unwrap()
}

#[tokio::test]
async fn pragmas_are_wal_and_full_and_read_back() {
    let d = tempfile::tempdir().unwrap();
    let store = Store::open(d.path()).await.unwrap();
    let (mode, sync) = store.pragmas().await.unwrap();
    assert_eq!(mode, "wal");
    assert_eq!(sync, 2);
    assert_eq!(store.integrity_check().await.unwrap(), "ok");
    // a new file is made with small pages (empty tables and indexes cost a page each)
    store.close().await;
    let mut c = raw(d.path()).await;
    let page: i64 = sqlx::query_scalar("PRAGMA page_size")
        .fetch_one(&mut c)
        .await
        .unwrap();
    assert_eq!(page, i64::from(groundwork::store::PAGE_SIZE));
}

#[test]
fn database_from_a_newer_version_is_refused_untouched() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ok(dir, &["new", "from the future"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut c = raw(dir).await;
        sqlx::query("INSERT INTO _sqlx_migrations (version, description, success, checksum, execution_time) VALUES (999, 'future', 1, x'00', 0)")
            .execute(&mut c).await.unwrap();
        sqlx::query("PRAGMA wal_checkpoint(TRUNCATE)").execute(&mut c).await.unwrap();
        c.close().await.unwrap();
    });
    let before = file_digest(dir);
    let err = fails(dir, &["list"], 1);
    assert!(
        err.contains("newer version") && err.contains("untouched"),
        "{err}"
    );
    fails(dir, &["new", "x"], 1);
    assert_eq!(file_digest(dir), before, "the newer database was modified");
}

#[test]
fn truncated_or_garbage_database_gives_a_clear_error() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = ok(dir, &["new", "doomed"]);
    for i in 0..200 {
        ok(
            dir,
            &[
                "append",
                &id[..8],
                "evidence",
                &format!("paragraph {i} {}", "x".repeat(300)),
            ],
        );
    }
    ok(dir, &["compact", &id]);
    let len = std::fs::metadata(db(dir)).unwrap().len();
    assert!(len > 8192, "{len}");
    // truncated
    let f = std::fs::OpenOptions::new()
        .write(true)
        .open(db(dir))
        .unwrap();
    f.set_len(len / 3).unwrap();
    drop(f);
    let out = run(dir, &["show", &id]);
    assert_eq!(out.status.code(), Some(1));
    let err = String::from_utf8_lossy(&out.stderr);
    assert_clean_error(&err);
    assert!(
        err.contains("damaged") || err.contains("malformed"),
        "{err}"
    );

    // garbage
    let g = tempfile::tempdir().unwrap();
    std::fs::write(
        db(g.path()),
        b"this is not sqlite at all, just some bytes".repeat(200),
    )
    .unwrap();
    let before = file_digest(g.path());
    let err = fails(g.path(), &["list"], 1);
    assert!(
        err.contains("damaged") && err.contains("untouched"),
        "{err}"
    );
    assert_eq!(file_digest(g.path()), before);

    // someone else's SQLite database
    let o = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let mut c = sqlx::SqliteConnection::connect(&format!(
            "sqlite://{}?mode=rwc",
            db(o.path()).display()
        ))
        .await
        .unwrap();
        sqlx::query("CREATE TABLE other (x)")
            .execute(&mut c)
            .await
            .unwrap();
        c.close().await.unwrap();
    });
    let err = fails(o.path(), &["list"], 1);
    assert!(err.contains("not a Groundwork database"), "{err}");
}

#[test]
fn a_corrupt_row_is_quarantined_and_the_rest_opens() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = ok(dir, &["new", "resilient"]);
    ok(dir, &["set", &id, "problem", "the problem survives"]);
    ok(dir, &["set", &id, "evidence", "this row gets damaged"]);
    ok(dir, &["set", &id, "metrics", "later rows survive"]);
    let rt = tokio::runtime::Runtime::new().unwrap();
    let bad_seq: i64 = rt.block_on(async {
        let mut c = raw(dir).await;
        let seq: i64 = sqlx::query_scalar("SELECT seq FROM brief_updates ORDER BY seq DESC LIMIT 1 OFFSET 1")
            .fetch_one(&mut c).await.unwrap();
        // flip one byte in the middle of the payload
        sqlx::query("UPDATE brief_updates SET blob = substr(blob, 1, 30) || x'5A' || substr(blob, 32) WHERE seq = ?")
            .bind(seq).execute(&mut c).await.unwrap();
        c.close().await.unwrap();
        seq
    });
    let out = run(dir, &["show", &id, "--format", "json"]);
    assert!(out.status.success());
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(
        err.contains("quarantine") && err.contains("checksum"),
        "{err}"
    );
    let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(v["title"], "resilient");
    assert_eq!(v["sections"]["problem"], "the problem survives");
    assert_eq!(v["sections"]["metrics"], "later rows survive");
    assert_eq!(v["sections"]["evidence"], "");
    // the damaged row is kept intact in quarantine, and not reported twice
    rt.block_on(async {
        let store = Store::open(dir).await.unwrap();
        let q = store
            .quarantined(uuid::Uuid::parse_str(&id).unwrap())
            .await
            .unwrap();
        assert_eq!(q.len(), 1);
        assert_eq!(q[0].seq, bad_seq);
        assert_eq!(store.integrity_check().await.unwrap(), "ok");
    });
    let out = run(dir, &["show", &id]);
    assert!(out.status.success() && out.stderr.is_empty());
}

#[tokio::test]
async fn a_copied_database_does_not_share_client_ids() {
    let a = tempfile::tempdir().unwrap();
    let b = tempfile::tempdir().unwrap();
    let id = {
        let e = Engine::open(a.path()).await.unwrap();
        let brief = e.create("shared", Template::ProblemFirst).await.unwrap();
        brief.set_section(Section::Problem, "original");
        e.flush(&brief).await.unwrap();
        e.store().close().await;
        brief.id()
    };
    // a consistent copy of the file (copying the files themselves raced with the closing
    // connections' last checkpoint, which deletes the WAL a moment after `close` returns)
    let mut c = raw(a.path()).await;
    sqlx::query("VACUUM INTO ?")
        .bind(db(b.path()).display().to_string())
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
    let ea = Engine::open(a.path()).await.unwrap();
    let eb = Engine::open(b.path()).await.unwrap();
    let ba = ea.open_brief(id).await.unwrap().brief;
    let bb = eb.open_brief(id).await.unwrap().brief;
    assert_ne!(ba.client_id(), bb.client_id());
    ba.append_paragraph(Section::Problem, "edit on A");
    bb.append_paragraph(Section::Problem, "edit on B");
    ea.flush(&ba).await.unwrap();
    eb.flush(&bb).await.unwrap();
    ba.apply_update_v1(&bb.encode_state_v1()).unwrap();
    bb.apply_update_v1(&ba.encode_state_v1()).unwrap();
    let text = ba.section_text(Section::Problem);
    assert!(
        text.contains("edit on A") && text.contains("edit on B"),
        "{text}"
    );
    assert_eq!(text, bb.section_text(Section::Problem));
    assert_eq!(
        ba.client_members().len(),
        3,
        "creator + two distinct sessions"
    );
}

#[tokio::test]
async fn compaction_keeps_content_and_shrinks_the_log() {
    let d = tempfile::tempdir().unwrap();
    let mut e = Engine::open(d.path()).await.unwrap();
    e.set_compact_after(None);
    let brief = e
        .create("compact me", Template::ProblemFirst)
        .await
        .unwrap();
    for i in 0..300 {
        brief.insert_text(Section::Problem, i, "a");
        if i % 3 == 0 {
            brief.delete_text(Section::Problem, i / 2, 1);
        }
        e.flush(&brief).await.unwrap();
    }
    let before = brief.encode_state_v1();
    assert!(e.store().row_count(brief.id()).await.unwrap() > 300);
    let r = e.compact(brief.id()).await.unwrap();
    assert!(r.rows_before > 300);
    assert_eq!(e.store().row_count(brief.id()).await.unwrap(), 1);
    let reopened = e.open_brief(brief.id()).await.unwrap().brief;
    assert_eq!(
        reopened.section_text(Section::Problem),
        brief.section_text(Section::Problem)
    );
    assert_eq!(reopened.state_vector(), brief.state_vector());
    // new edits after compaction append on top of the snapshot
    reopened.append_paragraph(Section::Nogos, "after");
    e.flush(&reopened).await.unwrap();
    let again = e.open_brief(brief.id()).await.unwrap().brief;
    assert_eq!(again.section_text(Section::Nogos), "after");
    assert!(!before.is_empty());
    assert_eq!(e.store().integrity_check().await.unwrap(), "ok");
}

/// A few large flushes (a pasted document, a fast typist's group commits) compact the log by
/// its size, long before the row count would: opening never replays megabytes of log.
#[tokio::test]
async fn a_few_large_flushes_compact_by_size() {
    let d = tempfile::tempdir().unwrap();
    let e = Engine::open(d.path()).await.unwrap();
    let brief = e
        .create("big pastes", Template::ProblemFirst)
        .await
        .unwrap();
    let chunk = "0123456789abcdef".repeat(1024); // 16 KiB of text per flush
    let mut most = 0;
    for i in 0..24 {
        brief.append_paragraph(Section::Problem, &format!("{i} {chunk}"));
        e.flush(&brief).await.unwrap();
        most = most.max(e.store().row_count(brief.id()).await.unwrap());
    }
    assert!(
        most < 20,
        "a log of {most} rows of 16 KiB was left uncompacted"
    );
    let reopened = e.open_brief(brief.id()).await.unwrap().brief;
    assert_eq!(
        reopened.section_text(Section::Problem),
        brief.section_text(Section::Problem)
    );
}

/// Storing and compacting are two steps: the edits are stored (acknowledged) first, and the
/// compaction they made due runs after, when the caller says (the app's persistence task
/// acknowledges the keystroke in between, so no acknowledgement waits for a compaction).
#[tokio::test]
async fn storing_returns_before_the_compaction_it_made_due() {
    let d = tempfile::tempdir().unwrap();
    let (e, brief) = compacting_every(d.path(), 3, "acked first").await;
    let id = brief.id();
    brief.append_paragraph(Section::Problem, "one");
    assert!(e.store_outbox(&brief).await.unwrap().compaction.is_none());
    brief.append_paragraph(Section::Problem, "two");
    let stored = e.store_outbox(&brief).await.unwrap();
    assert_eq!(stored.count, 1);
    let due = stored.compaction.expect("three rows: a compaction is due");
    assert_eq!(
        e.store().row_count(id).await.unwrap(),
        3,
        "stored, not compacted yet"
    );
    e.compact_due(&brief, due).await;
    assert_eq!(e.store().row_count(id).await.unwrap(), 1);
    let reopened = Engine::open(d.path())
        .await
        .unwrap()
        .open_brief(id)
        .await
        .unwrap()
        .brief;
    assert_eq!(reopened.section_text(Section::Problem), "one\n\ntwo");
}

/// A failure (returned error, or the process dying) at each point inside compaction loses
/// nothing: the brief reads the same afterwards and the file is sound.
#[test]
fn failure_inside_compaction_loses_nothing() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = ok(dir, &["new", "crashy"]);
    for i in 0..30 {
        ok(dir, &["append", &id, "evidence", &format!("para {i}")]);
    }
    let expected = show_json(dir, &id)["sections"].clone();
    for point in [
        "compact.before_insert",
        "compact.after_insert",
        "compact.after_delete",
    ] {
        for action in ["error", "abort"] {
            let out = cmd(dir)
                .env("GROUNDWORK_FAILPOINT", format!("{point}:{action}"))
                .args(["compact", &id])
                .output()
                .unwrap();
            assert!(!out.status.success(), "{point}:{action} should fail");
            if action == "error" {
                assert_eq!(out.status.code(), Some(1));
                assert_clean_error(&String::from_utf8_lossy(&out.stderr));
            }
            assert_eq!(
                show_json(dir, &id)["sections"],
                expected,
                "after {point}:{action}"
            );
        }
    }
    // and the data directory is still sound and compacts fine afterwards
    ok(dir, &["compact", &id]);
    assert_eq!(show_json(dir, &id)["sections"], expected);
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let store = Store::open(dir).await.unwrap();
        assert_eq!(store.integrity_check().await.unwrap(), "ok");
        assert_eq!(
            store
                .row_count(uuid::Uuid::parse_str(&id).unwrap())
                .await
                .unwrap(),
            1
        );
    });
}

/// Automatic compaction snapshots the live document only when the log holds exactly the rows
/// this engine knows. A row appended by another process (here: a second engine on the same
/// data directory) makes it fall back to replaying the log, so that row's edit survives.
#[tokio::test]
async fn auto_compaction_never_drops_another_writers_rows() {
    let d = tempfile::tempdir().unwrap();
    let (a, brief_a) = compacting_every(d.path(), 5, "two writers").await;
    let id = brief_a.id();
    // the fast path: only A writes, so A's live document is the whole log
    for i in 0..4 {
        brief_a.append_paragraph(Section::Problem, &format!("a{i}"));
        a.flush(&brief_a).await.unwrap();
    }
    assert_eq!(
        a.store().row_count(id).await.unwrap(),
        1,
        "live compaction should have run"
    );
    // another writer appends a row A has never seen
    let b = Engine::open(d.path()).await.unwrap();
    let brief_b = b.open_brief(id).await.unwrap().brief;
    brief_b.append_paragraph(Section::Evidence, "written by B");
    b.flush(&brief_b).await.unwrap();
    for i in 4..12 {
        brief_a.append_paragraph(Section::Problem, &format!("a{i}"));
        a.flush(&brief_a).await.unwrap();
    }
    let reopened = a.open_brief(id).await.unwrap().brief;
    assert_eq!(reopened.section_text(Section::Evidence), "written by B");
    let problem = reopened.section_text(Section::Problem);
    for i in 0..12 {
        assert!(problem.contains(&format!("a{i}")), "a{i} missing");
    }
    assert!(a.store().row_count(id).await.unwrap() < 6);
}
