//! A real full disk: the data directory lives on a tiny tmpfs (mounted by the test; needs
//! root, as in CI). Writing until the disk is full gives a typed, clean error; everything
//! acknowledged before stays readable; the unacknowledged edits wait in the outbox and are
//! stored once space is back.

mod common;
use common::*;
use groundwork::{Engine, EngineError, Section, StoreError, Template};

#[test]
fn a_full_disk_loses_nothing_acknowledged() {
    let root = tempfile::tempdir().unwrap();
    let Some(_mount) = Tmpfs::mount(root.path(), "4m") else {
        println!("note: cannot mount a tmpfs here (not root?); full-disk test not run");
        return;
    };
    let dir = root.path().join("data");
    let rt = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    rt.block_on(async {
        let engine = Engine::open(&dir).await.unwrap();
        let brief = engine
            .create("full disk", Template::ProblemFirst)
            .await
            .unwrap();
        let filler = fill(root.path(), 256 * 1024);
        let mut acked = Vec::new();
        let mut failure = None;
        for i in 0..10_000 {
            brief.append_paragraph(Section::Evidence, &format!("edit-{i} {}", "y".repeat(4000)));
            match engine.flush(&brief).await {
                Ok(_) => acked.push(i),
                Err(e) => {
                    failure = Some((i, e));
                    break;
                }
            }
        }
        let (failed_at, err) = failure.expect("the disk never filled up");
        assert!(
            matches!(err, EngineError::Store(StoreError::DiskFull)),
            "unexpected error: {err:?}"
        );
        assert!(err.to_string().contains("disk is full"), "{err}");
        assert!(
            brief.has_pending(),
            "the unacknowledged edit must wait in the outbox"
        );
        assert!(
            acked.len() > 3,
            "too few edits before the disk filled: {}",
            acked.len()
        );

        // everything acknowledged is readable from the database by a fresh process
        let out = run(&dir, &["show", &brief.id().to_string(), "--format", "json"]);
        let v: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap_or_default();
        if out.status.success() {
            let ev = v["sections"]["evidence"].as_str().unwrap();
            for i in &acked {
                assert!(
                    ev.contains(&format!("edit-{i} ")),
                    "acknowledged edit {i} missing"
                );
            }
        } else {
            // a reader may itself need a little space; it must still fail cleanly
            assert_clean_error(&String::from_utf8_lossy(&out.stderr));
        }

        // the CLI reports a full disk in one sentence
        let out = run(
            &dir,
            &[
                "append",
                &brief.id().to_string(),
                "evidence",
                &"z".repeat(100_000),
            ],
        );
        assert_eq!(out.status.code(), Some(1));
        assert_clean_error(&String::from_utf8_lossy(&out.stderr));

        // space comes back: the waiting edit is stored, nothing was lost, and storing goes on
        // working on every connection of the pool (one had its transaction rolled back by
        // SQLite itself when the disk filled)
        std::fs::remove_file(filler).unwrap();
        engine.flush(&brief).await.unwrap();
        for i in 0..12 {
            brief.append_paragraph(Section::Risks, &format!("after-{i}"));
            engine.flush(&brief).await.unwrap();
            engine
                .store()
                .set_setting("after", &i.to_string())
                .await
                .unwrap();
        }
        engine.store().close().await;
        let engine = Engine::open(&dir).await.unwrap();
        let reopened = engine.open_brief(brief.id()).await.unwrap().brief;
        let ev = reopened.section_text(Section::Evidence);
        for i in acked.iter().chain([&failed_at]) {
            assert!(
                ev.contains(&format!("edit-{i} ")),
                "edit {i} missing after recovery"
            );
        }
        assert_eq!(engine.store().integrity_check().await.unwrap(), "ok");
        engine.store().close().await;
    });
}
