//! The CLI surface, driven as a user would: the real binary, a real data directory.

mod common;
use common::*;

#[test]
fn full_surface_works_and_is_durable() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let who = ok(dir, &["identity", "--name", "Dana", "--role", "pm"]);
    assert!(who.starts_with("Dana (pm)\ndevice "), "{who}");
    let id = ok(dir, &["new", "Onboarding drop-off", "--template", "pitch"]);
    assert_eq!(id.len(), 36);
    let prefix = &id[..8];
    ok(
        dir,
        &[
            "set",
            prefix,
            "problem",
            "Users quit at step 3.\n\nHalf never return.",
        ],
    );
    ok(dir, &["append", prefix, "evidence", "-40 tickets a week"]);
    let did = ok(
        dir,
        &[
            "decide",
            prefix,
            "--decision",
            "Ship a checklist",
            "--context",
            "cheap",
            "--alternatives",
            "redesign",
            "--tradeoffs",
            "less polish",
            "--by",
            "pm,engineer",
            "--rests-on",
            "problem,evidence",
        ],
    );
    let cid = ok(
        dir,
        &[
            "concern",
            prefix,
            "--kind",
            "feasibility",
            "--role",
            "engineer",
            "Auth is fragile",
        ],
    );
    ok(dir, &["concern-status", prefix, &cid[..6], "accepted"]);
    ok(dir, &["question", prefix, "Who owns billing?"]);
    let s = ok(dir, &["signoff", prefix]);
    assert!(s.contains("pending: engineer, designer"), "{s}");
    ok(dir, &["identity", "--name", "Eli", "--role", "engineer"]);
    ok(dir, &["signoff", prefix]);

    let v = show_json(dir, prefix);
    assert_eq!(v["title"], "Onboarding drop-off");
    assert_eq!(v["template"], "pitch");
    assert_eq!(
        v["sections"]["problem"],
        "Users quit at step 3.\n\nHalf never return."
    );
    assert_eq!(v["sections"]["evidence"], "-40 tickets a week");
    assert_eq!(v["decisions"][0]["id"], did.as_str());
    assert_eq!(
        v["decisions"][0]["decided_by"],
        serde_json::json!(["pm", "engineer"])
    );
    assert_eq!(v["concerns"][0]["status"], "accepted");
    assert_eq!(v["concerns"][0]["role"], "engineer");
    assert_eq!(v["questions"][0]["text"], "Who owns billing?");
    assert_eq!(v["signoff"]["pending"], serde_json::json!(["designer"]));
    let names: Vec<&str> = v["members"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| m["name"].as_str().unwrap())
        .collect();
    assert_eq!(names, vec!["Dana", "Eli"]);

    // editing the problem makes both sign-offs stale; a solution edit would not
    ok(dir, &["set", prefix, "approach", "A checklist"]);
    assert_eq!(
        show_json(dir, prefix)["signoff"]["signoffs"][0]["stale"],
        false
    );
    ok(dir, &["append", prefix, "affected", "New admins"]);
    let v = show_json(dir, prefix);
    for s in v["signoff"]["signoffs"].as_array().unwrap() {
        assert_eq!(s["stale"], true);
        assert_eq!(s["changed_sections"], serde_json::json!(["affected"]));
    }

    let list = ok(dir, &["list"]);
    assert!(
        list.starts_with(&id) && list.contains("Onboarding drop-off"),
        "{list}"
    );
}

#[test]
fn export_then_import_gives_back_the_same_brief() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = ok(dir, &["new", "Checkout latency"]);
    for (i, s) in [
        "problem",
        "affected",
        "evidence",
        "workaround",
        "metrics",
        "appetite",
        "nogos",
        "options",
        "approach",
        "technical",
        "feasibility",
        "risks",
        "tradeoffs",
    ]
    .iter()
    .enumerate()
    {
        ok(
            dir,
            &[
                "set",
                &id,
                s,
                &format!("Text of {s}, line {i}.\nSecond line.\n\nSecond paragraph of {s}."),
            ],
        );
    }
    ok(
        dir,
        &[
            "decide",
            &id,
            "--decision",
            "Cache prices",
            "--context",
            "p99 is 2s",
            "--by",
            "engineer",
            "--rests-on",
            "evidence",
        ],
    );
    ok(
        dir,
        &[
            "concern",
            &id,
            "--kind",
            "ux",
            "--role",
            "designer",
            "Stale prices confuse",
        ],
    );
    ok(dir, &["question", &id, "Is 500 ms enough?"]);
    let md_path = dir.join("brief.md");
    ok(
        dir,
        &[
            "export",
            &id,
            "--format",
            "md",
            "-o",
            md_path.to_str().unwrap(),
        ],
    );
    let md = std::fs::read_to_string(&md_path).unwrap();
    // problem space first, then sign-off state, solution space, decisions, concerns, questions
    let order = [
        "## Problem space",
        "**Sign-off:**",
        "### Problem statement",
        "## Solution space",
        "Parking lot",
        "## Decision log",
        "## Concerns",
        "## Open questions",
    ];
    let pos: Vec<usize> = order
        .iter()
        .map(|h| md.find(h).unwrap_or_else(|| panic!("missing {h}")))
        .collect();
    assert!(
        pos.windows(2).all(|w| w[0] < w[1]),
        "sections out of order: {pos:?}"
    );

    let new_id = ok(dir, &["import", md_path.to_str().unwrap()]);
    assert_ne!(new_id, id);
    let (a, b) = (show_json(dir, &id), show_json(dir, &new_id));
    assert_eq!(a["title"], b["title"]);
    assert_eq!(a["sections"], b["sections"]);
    assert_eq!(a["template"], b["template"]);
    for f in ["decision", "context", "decided_by", "rests_on"] {
        assert_eq!(a["decisions"][0][f], b["decisions"][0][f], "{f}");
    }
    for f in ["role", "kind", "status", "text"] {
        assert_eq!(a["concerns"][0][f], b["concerns"][0][f], "{f}");
    }
    assert_eq!(a["questions"][0]["text"], b["questions"][0]["text"]);

    let html = ok(dir, &["export", &id, "--format", "html"]);
    assert!(
        html.starts_with("<!doctype html>") && html.contains("<title>Checkout latency</title>")
    );
    assert!(html.contains("<h2>Problem space</h2>"));
    let json = ok(dir, &["export", &id, "--format", "json"]);
    assert_eq!(
        serde_json::from_str::<serde_json::Value>(&json).unwrap()["id"],
        id.as_str()
    );
}

#[test]
fn bad_input_gets_one_clear_sentence() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = ok(dir, &["new", "t"]);
    let junk = dir.join("junk.md");
    std::fs::write(&junk, [0xff, 0xfe, 0x00, 0x41]).unwrap();
    let notitle = dir.join("notitle.md");
    std::fs::write(&notitle, "just text\n").unwrap();
    let cases: Vec<(Vec<&str>, &str)> = vec![
        (vec!["show", "zzzz"], "no brief matches"),
        (vec!["show", "'; DROP TABLE briefs; --"], "no brief matches"),
        (vec!["set", &id, "nosuch", "x"], "unknown section"),
        (vec!["identity", "--name", "  "], "must not be empty"),
        (
            vec!["concern", &id, "--kind", "ux", ""],
            "must not be empty",
        ),
        (
            vec!["decide", &id, "--decision", "x", "--by", "boss"],
            "unknown role",
        ),
        (vec!["decide", &id, "--decision", " "], "must not be empty"),
        (vec!["concern-status", &id, "nope", "open"], "no concern"),
        (vec!["import", "/nonexistent/file.md"], "cannot read"),
        (vec!["import", junk.to_str().unwrap()], "not valid UTF-8"),
        (vec!["import", notitle.to_str().unwrap()], "Title"),
        (
            vec![
                "export",
                &id,
                "--format",
                "md",
                "-o",
                "/nonexistent/dir/x.md",
            ],
            "cannot write",
        ),
        (vec!["replay", "/nonexistent.json.gz"], "cannot read trace"),
    ];
    // names with a fixed set of values are usage errors (status 2) that list the values
    for (args, listed) in [
        (vec!["new", "t", "--template", "novel"], "problem-first"),
        (vec!["identity", "--role", "ceo"], "engineer"),
        (vec!["concern", &id, "--kind", "vibes", "x"], "feasibility"),
        (vec!["concern-status", &id, "x", "closed"], "addressed"),
    ] {
        let err = fails(dir, &args, 2);
        assert!(
            err.contains("invalid value") && err.contains(listed),
            "{args:?}: {err}"
        );
    }
    for (args, needle) in cases {
        let err = fails(dir, &args, 1);
        assert!(
            err.contains(needle),
            "{args:?}: expected '{needle}' in: {err}"
        );
        assert_eq!(
            err.trim_end().lines().count(),
            1,
            "{args:?}: one line expected: {err}"
        );
    }
    // usage errors exit 2
    for args in [
        vec!["bogus"],
        vec!["show"],
        vec!["export", &id],
        vec!["new"],
    ] {
        let out = run(dir, &args);
        assert_eq!(out.status.code(), Some(2), "{args:?}");
    }
    // an ambiguous prefix: make ids until two share a first hex digit
    let mut ids = vec![id.clone()];
    loop {
        let n = ok(dir, &["new", "x"]);
        if ids.iter().any(|i| i[..1] == n[..1]) {
            let err = fails(dir, &["show", &n[..1]], 1);
            assert!(err.contains("matches") && err.contains("briefs"), "{err}");
            break;
        }
        ids.push(n);
    }
}

/// `groundwork replay` pushes a real editing history (seph-blog1, 137,993 edits) through the
/// engine with persistence. Typed as in the editor, every line is a paragraph: the exported
/// Yjs document (read back with yrs, as any Yjs tool would) holds the trace's final text line
/// by line. With `--single-paragraph` the stored text is the final text as is.
#[test]
fn replaying_a_real_trace_reproduces_its_final_text() {
    use yrs::updates::decoder::Decode;
    use yrs::{ReadTxn, Transact};
    let trace =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../shared/data/seph-blog1.json.gz");
    if !trace.exists() {
        println!(
            "note: {} not found (../shared is not beside this checkout); not replayed",
            trace.display()
        );
        return;
    }
    let expected = groundwork::trace::Trace::load(&trace).unwrap().end;
    let d = tempfile::tempdir().unwrap();
    let t = trace.to_str().unwrap();

    let id = ok(d.path(), &["replay", t, "--section", "evidence"]);
    let file = d.path().join("brief.yjs");
    ok(
        d.path(),
        &[
            "export",
            &id,
            "--format",
            "yjs",
            "-o",
            file.to_str().unwrap(),
        ],
    );
    let doc = yrs::Doc::new();
    let update = yrs::Update::decode_v1(&std::fs::read(&file).unwrap()).unwrap();
    doc.transact_mut().apply_update(update).unwrap();
    let txn = doc.transact();
    let body = txn.get_text("body:evidence").unwrap();
    // one paragraph per line, each starting with its marker: nothing but paragraphs
    let lines: Vec<String> = groundwork::body::blocks(&body, &txn)
        .into_iter()
        .map(|b| {
            assert_eq!(b.attrs, groundwork::body::BlockAttrs::paragraph());
            b.text()
        })
        .collect();
    assert_eq!(
        groundwork::body::spans(&body, &txn).len(),
        lines.len(),
        "every block has its marker"
    );
    assert_eq!(lines.len(), expected.split('\n').count());
    assert_eq!(lines.join("\n"), expected);

    let id = ok(
        d.path(),
        &["replay", t, "--section", "evidence", "--single-paragraph"],
    );
    let v = show_json(d.path(), &id);
    assert_eq!(v["sections"]["evidence"].as_str().unwrap(), expected);
}

#[test]
fn many_files_import_at_once_and_list_search_finds_their_words() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let mut files = Vec::new();
    for (i, word) in ["heron", "otter", "badger"].iter().enumerate() {
        let p = dir.join(format!("b{i}.md"));
        std::fs::write(
            &p,
            format!("# Brief {i}\n\n## Problem statement\n\nSightings of the {word} went down.\n"),
        )
        .unwrap();
        files.push(p.to_str().unwrap().to_string());
    }
    let mut args = vec!["import"];
    args.extend(files.iter().map(String::as_str));
    let ids = ok(dir, &args);
    assert_eq!(ids.lines().count(), 3, "{ids}");
    let hit = ok(dir, &["list", "--search", "OTT"]);
    assert!(hit.starts_with(ids.lines().nth(1).unwrap()), "{hit}");
    assert_eq!(hit.lines().count(), 2, "the brief and its passage: {hit}");
    assert!(hit.contains("Sightings of the otter went down."), "{hit}");
    assert_eq!(ok(dir, &["list"]).lines().count(), 3);
    assert_eq!(ok(dir, &["list", "--search", "zebra"]), "");

    // one bad file among good ones imports nothing, and says which file
    let bad = dir.join("bad.md");
    std::fs::write(&bad, "no title here\n").unwrap();
    let err = fails(dir, &["import", &files[0], bad.to_str().unwrap()], 1);
    assert!(err.contains("bad.md"), "{err}");
    assert_eq!(ok(dir, &["list"]).lines().count(), 3);
}
