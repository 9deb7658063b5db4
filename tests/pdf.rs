//! A brief handed to a stakeholder on paper: `groundwork export BRIEF --format pdf -o FILE` on a
//! real data directory gives a valid PDF (`pdfinfo` from poppler-utils reads it, with the
//! brief's title), whose text (`pdftotext`) holds every part of the brief in the order it is
//! read: problem space with its sign-off state first, then the solution space, decisions,
//! concerns and questions. Member text is text, with its markup characters shown as typed, and
//! a word wider than the page is kept whole. Page 1 is rendered to a PNG (`pdftoppm`) into
//! $E2E_OUT (default: target/pdf-pages) for a person to look at.

mod common;
use common::{fails, ok};
use std::path::Path;
use std::process::Command;

fn tool(name: &str, args: &[&str]) -> String {
    let out = Command::new(name)
        .args(args)
        .output()
        .unwrap_or_else(|e| panic!("{name} (poppler-utils, installed by scripts/install.sh): {e}"));
    assert!(
        out.status.success(),
        "{name} {args:?}: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8(out.stdout).unwrap()
}

#[test]
fn a_brief_exports_as_a_pdf_that_reads_in_order() {
    let d = tempfile::tempdir().unwrap();
    let dir = d.path();
    ok(dir, &["identity", "--name", "Ana <Lima>", "--role", "pm"]);
    let id = ok(dir, &["new", "Checkout drop-off (mobile) <b>\\"]);
    ok(
        dir,
        &["set", &id, "problem", "Mobile shoppers abandon at payment."],
    );
    let long_word = "Payment".repeat(40);
    ok(
        dir,
        &[
            "set",
            &id,
            "evidence",
            &format!("Android converts at 40% of iOS. <script>alert(1)</script> {long_word}"),
        ],
    );
    ok(dir, &["signoff", &id]);
    ok(
        dir,
        &["set", &id, "options", "Offer wallet payments on mobile."],
    );
    ok(
        dir,
        &[
            "decide",
            &id,
            "--decision",
            "Fix the Android payment step first",
            "--by",
            "pm",
        ],
    );
    ok(
        dir,
        &[
            "concern",
            &id,
            "--role",
            "engineer",
            "--kind",
            "feasibility",
            "The payment SDK is two majors behind.",
        ],
    );
    ok(dir, &["question", &id, "Which Android versions matter?"]);

    let pdf = dir.join("brief.pdf");
    ok(
        dir,
        &[
            "export",
            &id,
            "--format",
            "pdf",
            "-o",
            pdf.to_str().unwrap(),
        ],
    );
    let bytes = std::fs::read(&pdf).unwrap();
    assert!(bytes.starts_with(b"%PDF-"), "a PDF file");

    let info = tool("pdfinfo", &[pdf.to_str().unwrap()]);
    assert!(
        info.contains("Title:") && info.contains("Checkout drop-off (mobile) <b>\\"),
        "the title, as written:\n{info}"
    );
    let pages: u32 = info
        .lines()
        .find_map(|l| l.strip_prefix("Pages:"))
        .and_then(|n| n.trim().parse().ok())
        .unwrap_or(0);
    assert!(pages >= 1, "{info}");

    let text = tool("pdftotext", &[pdf.to_str().unwrap(), "-"]);
    // words as pdftotext gives them back, one space between
    let flat = text.split_whitespace().collect::<Vec<_>>().join(" ");
    let order = [
        "Checkout drop-off (mobile) <b>\\",
        "Problem space",
        "Sign-off",
        "PM: signed by Ana <Lima>",
        "Engineer: pending",
        "Problem statement",
        "Mobile shoppers abandon at payment.",
        "Evidence",
        "<script>alert(1)</script>",
        "Solution space",
        "Parking lot.",
        "Offer wallet payments on mobile.",
        "Decision log",
        "Fix the Android payment step first",
        "Concerns",
        "The payment SDK is two majors behind.",
        "Open questions",
        "Which Android versions matter?",
    ];
    let mut at = 0;
    for want in order {
        let found = flat[at..]
            .find(want)
            .unwrap_or_else(|| panic!("{want:?} missing after byte {at}:\n{flat}"));
        at += found + want.len();
    }
    // the word wider than a line is broken across lines, every letter kept
    let letters: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    assert!(letters.contains(&long_word), "the long word is all there");

    let shots = std::env::var_os("E2E_OUT")
        .map(std::path::PathBuf::from)
        .unwrap_or_else(|| Path::new(env!("CARGO_MANIFEST_DIR")).join("target/pdf-pages"));
    std::fs::create_dir_all(&shots).unwrap();
    let stem = shots.join("brief-pdf-page");
    tool(
        "pdftoppm",
        &[
            "-png",
            "-r",
            "70",
            "-f",
            "1",
            "-l",
            "1",
            "-singlefile",
            pdf.to_str().unwrap(),
            stem.to_str().unwrap(),
        ],
    );
    let png = stem.with_extension("png");
    assert!(std::fs::metadata(&png).unwrap().len() > 1000, "{png:?}");
    println!("page 1 rendered to {}", png.display());

    // binary output is not written to a terminal; a wrong format is a usage error
    assert!(fails(dir, &["export", &id, "--format", "pdfx"], 2).contains("pdf"));
}
