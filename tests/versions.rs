//! Versions through the CLI on a real data directory: `version`, `versions`, `diff`,
//! `restore [--section]`, an automatic version at sign-off, and clean errors for unknown
//! versions and empty names. (Versions and restores reaching other replicas: the
//! `brief::versions` unit tests.)

mod common;
use common::{fails, ok};

#[test]
fn versions_are_saved_listed_diffed_and_restored() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ok(dir, &["identity", "--name", "Ana", "--role", "pm"]);
    let id = ok(dir, &["new", "Versions"]);
    ok(dir, &["set", &id, "problem", "New admins quit at step 3."]);
    ok(dir, &["set", &id, "evidence", "40 tickets a week."]);
    let v1 = ok(dir, &["version", &id, "Before the <rewrite>"]);
    ok(dir, &["set", &id, "problem", "Everybody quits everywhere."]);
    ok(dir, &["signoff", &id]);

    let listed = ok(dir, &["versions", &id]);
    let lines: Vec<&str> = listed.lines().collect();
    assert_eq!(lines.len(), 2, "{listed}");
    assert!(
        lines[0].starts_with(&v1[..8])
            && lines[0].contains("named")
            && lines[0].ends_with("Before the <rewrite>"),
        "{listed}"
    );
    assert!(
        lines[1].contains("signoff") && lines[1].contains("Ana (pm)"),
        "{listed}"
    );

    let diff = ok(dir, &["diff", &id, &v1[..8]]);
    assert!(diff.starts_with("## Problem statement"), "{diff}");
    assert!(
        diff.contains("[-New admins quit at step 3.-]") || diff.contains("[-New"),
        "{diff}"
    );
    assert!(diff.contains("{+Everybody"), "{diff}");
    assert!(
        !diff.contains("Evidence"),
        "unchanged sections are not listed: {diff}"
    );

    assert_eq!(
        ok(dir, &["restore", &id, &v1, "--section", "problem"]),
        "restored: Problem statement"
    );
    let shown: serde_json::Value =
        serde_json::from_str(&ok(dir, &["show", &id, "--format", "json"])).unwrap();
    assert_eq!(shown["sections"]["problem"], "New admins quit at step 3.");
    assert!(ok(dir, &["versions", &id])
        .lines()
        .last()
        .unwrap()
        .contains("restore"));
    assert_eq!(
        ok(dir, &["restore", &id, &v1]),
        "nothing to restore: it reads the same"
    );
    assert!(fails(dir, &["restore", &id, "ffffffff"], 1).contains("no version"));
    assert!(fails(dir, &["version", &id, "  "], 1).contains("name"));
}
