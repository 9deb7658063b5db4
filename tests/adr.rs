//! A decision handed to an architecture review: `groundwork export BRIEF --decision ID
//! --format adr` on a real data directory gives the MADR layout with every field of the
//! decision, the rested-on sections in their words at decision time (not as they read now),
//! and member text that cannot add structure.

mod common;
use common::{fails, ok};

#[test]
fn a_decision_exports_as_an_adr_with_the_text_it_rested_on() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ok(dir, &["identity", "--name", "Ana", "--role", "pm"]);
    let id = ok(dir, &["new", "Checkout drop-off"]);
    ok(
        dir,
        &["set", &id, "problem", "Mobile shoppers abandon at payment."],
    );
    ok(
        dir,
        &["set", &id, "evidence", "Android converts at 40% of iOS."],
    );
    let decision = ok(
        dir,
        &[
            "decide",
            &id,
            "--decision",
            "Fix the Android payment step first",
            "--context",
            "Payment errors cluster on Android",
            "--alternatives",
            "Rebuild checkout\nAdd PayPal",
            "--tradeoffs",
            "iOS polish waits a quarter",
            "--by",
            "pm,engineer",
            "--rests-on",
            "problem,evidence",
        ],
    );
    let decision = decision.split_whitespace().last().unwrap().to_string();
    // the problem changes after the decision
    ok(
        dir,
        &["set", &id, "problem", "Every shopper abandons at payment."],
    );

    let adr = ok(
        dir,
        &[
            "export",
            &id,
            "--decision",
            &decision[..8],
            "--format",
            "adr",
        ],
    );
    let order = [
        "# Fix the Android payment step first",
        "* Status: accepted",
        "* Deciders: PM, Engineer (logged by Ana)",
        "* Date: 20",
        "## Context and Problem Statement",
        "Payment errors cluster on Android",
        "### What it rests on",
        "#### Problem statement",
        "> Mobile shoppers abandon at payment.",
        "⚠ Problem statement has changed since this decision.",
        "#### Evidence",
        "> Android converts at 40% of iOS.",
        "## Considered Options",
        "* Fix the Android payment step first (chosen)",
        "* Rebuild checkout",
        "* Add PayPal",
        "## Decision Outcome",
        "Chosen option: \"Fix the Android payment step first\".",
        "### Consequences",
        "iOS polish waits a quarter",
        "## More Information",
    ];
    let mut at = 0;
    for want in order {
        let found = adr[at..]
            .find(want)
            .unwrap_or_else(|| panic!("{want:?} missing after byte {at}:\n{adr}"));
        at += found + want.len();
    }
    assert!(
        !adr.contains("Every shopper"),
        "the text at decision time, not now:\n{adr}"
    );
    assert!(!adr.contains("Evidence has changed"), "{adr}");

    // to a file, and the errors of a wrong call
    let out = dir.join("adr.md");
    ok(
        dir,
        &[
            "export",
            &id,
            "--decision",
            &decision,
            "--format",
            "adr",
            "-o",
            out.to_str().unwrap(),
        ],
    );
    assert_eq!(
        std::fs::read_to_string(&out).unwrap().trim_end(),
        adr.trim_end()
    );
    assert!(fails(dir, &["export", &id, "--format", "adr"], 1).contains("--decision"));
    assert!(fails(
        dir,
        &["export", &id, "--format", "md", "--decision", &decision],
        1
    )
    .contains("--format adr"));
    assert!(fails(
        dir,
        &["export", &id, "--format", "adr", "--decision", "ffff"],
        1
    )
    .contains("no decision"));
}

#[test]
fn member_text_in_an_adr_cannot_add_structure() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    let id = ok(dir, &["new", "t"]);
    ok(
        dir,
        &[
            "set",
            &id,
            "problem",
            "# not a heading\n<img src=x onerror=alert(1)>",
        ],
    );
    let out = ok(
        dir,
        &[
            "decide",
            &id,
            "--decision",
            "[click](javascript:alert(1)) <b>",
            "--context",
            "## Injected\n- item",
            "--rests-on",
            "problem",
        ],
    );
    let decision = out.split_whitespace().last().unwrap().to_string();
    let adr = ok(
        dir,
        &["export", &id, "--decision", &decision, "--format", "adr"],
    );
    // read by a CommonMark renderer: no link, no raw HTML, only the record's own headings
    let mut html = String::new();
    pulldown_cmark::html::push_html(&mut html, pulldown_cmark::Parser::new(&adr));
    for bad in ["<a ", "<img", "<b>", "<h2>Injected", "<li>item", "<h1>not"] {
        assert!(!html.contains(bad), "{bad:?} in the rendered ADR:\n{html}");
    }
    assert_eq!(html.matches("<h1>").count(), 1, "{html}");
    assert_eq!(html.matches("<h2>").count(), 4, "{html}");
    // the words are all there, escaped
    assert!(
        adr.contains("Injected") && adr.contains("not a heading"),
        "{adr}"
    );
}
