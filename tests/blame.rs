//! `groundwork blame BRIEF SECTION` on a real data directory: one tab-separated line per run
//! of one author's text (block, name, role, text), member text that cannot break the columns
//! or reach the terminal as control sequences, JSON for scripts, and a clean error for a
//! section that does not exist. (Attribution across replicas: `brief::authors` unit tests.)

mod common;
use common::{fails, ok};

#[test]
fn blame_prints_who_wrote_each_run() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ok(
        dir,
        &["identity", "--name", "Ana\tLima\u{1b}[31m", "--role", "pm"],
    );
    let id = ok(dir, &["new", "Blame"]);
    ok(dir, &["set", &id, "problem", "New admins quit."]);
    ok(dir, &["append", &id, "problem", "At\tstep\n3."]);
    let lines: Vec<Vec<String>> = ok(dir, &["blame", &id, "problem"])
        .lines()
        .map(|l| l.split('\t').map(str::to_string).collect())
        .collect();
    assert_eq!(lines.len(), 2, "{lines:?}");
    for l in &lines {
        assert_eq!(l.len(), 4, "four columns: {l:?}");
        assert_eq!(l[1], "Ana\\tLima\\u{1b}[31m", "the name, escaped: {l:?}");
        assert_eq!(l[2], "pm");
    }
    assert_eq!(lines[0][0], "1");
    assert_eq!(lines[0][3], "New admins quit.");
    assert_eq!(lines[1][0], "2");
    assert!(lines[1][3].starts_with("At\\tstep"), "{:?}", lines[1]);

    let json: serde_json::Value =
        serde_json::from_str(&ok(dir, &["blame", &id, "problem", "--format", "json"])).unwrap();
    assert_eq!(json[0][0]["text"], "New admins quit.");
    assert_eq!(json[0][0]["author"]["role"], "pm");
    assert!(json[0][0]["client"].as_u64().is_some());

    assert_eq!(ok(dir, &["blame", &id, "evidence"]), "");
    assert!(fails(dir, &["blame", &id, "nosuch"], 1).contains("nosuch"));
}
