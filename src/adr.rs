//! A decision-log entry as an Architecture Decision Record in the MADR layout (Markdown Any
//! Decision Records): title, status, deciders, date; context and problem statement with the
//! brief's sections the decision rests on, in their words when it was decided; considered
//! options; decision outcome; consequences (its trade-offs); where it comes from. For handing
//! one decision to an architecture review (`groundwork export BRIEF --decision ID --format adr`
//! and the decision log in the app).
//!
//! Every member-written field is escaped with [`crate::mdescape`], so no text can add a
//! heading, a link or raw HTML to the record.

use crate::brief::{Brief, BriefError};
use crate::mdescape;
use std::fmt::Write;

/// The ADR of the decision `id_prefix` (its id or a unique prefix) of `brief`.
pub fn decision_adr(brief: &Brief, id_prefix: &str) -> Result<String, BriefError> {
    let basis = brief.decision_basis(id_prefix)?;
    let decisions = brief.decisions();
    let d = decisions
        .iter()
        .find(|d| d.id.starts_with(id_prefix.trim()))
        .ok_or_else(|| BriefError::NotFound {
            what: "decision",
            id: id_prefix.to_string(),
        })?;
    let template = brief.template();
    let mut md = String::new();
    let _ = writeln!(md, "# {}\n", mdescape::one_line(&d.decision));
    let deciders: Vec<&str> = d.decided_by.iter().map(|r| r.label()).collect();
    let _ = writeln!(md, "* Status: accepted");
    let _ = writeln!(
        md,
        "* Deciders: {}{}",
        if deciders.is_empty() {
            "not recorded".to_string()
        } else {
            deciders.join(", ")
        },
        if d.author.is_empty() {
            String::new()
        } else {
            format!(" (logged by {})", mdescape::one_line(&d.author))
        }
    );
    let _ = writeln!(md, "* Date: {}\n", mdescape::one_line(&d.date));

    let _ = writeln!(md, "## Context and Problem Statement\n");
    if d.context.trim().is_empty() {
        let _ = writeln!(md, "_No context recorded._\n");
    } else {
        let _ = writeln!(md, "{}\n", block(&d.context));
    }
    if !basis.is_empty() {
        let _ = writeln!(
            md,
            "### What it rests on\n\nThe sections of the brief this decision rests on, as they read when it was decided:\n"
        );
        for (section, text) in &basis {
            let _ = writeln!(md, "#### {}\n", template.heading(*section));
            match text {
                Some(t) if !t.trim().is_empty() => {
                    for line in t.lines() {
                        if line.trim().is_empty() {
                            let _ = writeln!(md, ">");
                        } else {
                            let _ = writeln!(md, "> {}", mdescape::escape(line, true, true, true));
                        }
                    }
                    md.push('\n');
                }
                Some(_) => {
                    let _ = writeln!(md, "_Empty when decided._\n");
                }
                None => {
                    let _ = writeln!(
                        md,
                        "_Its text when decided was not recorded (the decision predates that), and it has changed since._\n"
                    );
                }
            }
            if d.changed_since.contains(section) {
                let _ = writeln!(
                    md,
                    "⚠ {} has changed since this decision.\n",
                    template.heading(*section)
                );
            }
        }
    }

    let _ = writeln!(md, "## Considered Options\n");
    let _ = writeln!(md, "* {} (chosen)", mdescape::one_line(&d.decision));
    for alt in d
        .alternatives
        .lines()
        .map(|l| l.trim().trim_start_matches(['-', '*', '•']).trim())
        .filter(|l| !l.is_empty())
    {
        let _ = writeln!(md, "* {}", mdescape::one_line(alt));
    }
    md.push('\n');

    let _ = writeln!(md, "## Decision Outcome\n");
    let _ = writeln!(
        md,
        "Chosen option: \"{}\".\n",
        mdescape::one_line(&d.decision)
    );
    let _ = writeln!(md, "### Consequences\n");
    if d.tradeoffs.trim().is_empty() {
        let _ = writeln!(md, "_No trade-offs recorded._\n");
    } else {
        let _ = writeln!(md, "{}\n", block(&d.tradeoffs));
    }

    let _ = writeln!(md, "## More Information\n");
    let _ = writeln!(
        md,
        "From the decision log of the brief “{}” (id {}, decision {}), exported by Groundwork.",
        mdescape::one_line(&brief.title()),
        brief.id(),
        mdescape::one_line(&d.id)
    );
    Ok(md)
}

/// A multi-line member field as Markdown paragraphs, each line escaped.
fn block(text: &str) -> String {
    text.trim()
        .lines()
        .map(|l| mdescape::escape(l, true, true, true))
        .collect::<Vec<_>>()
        .join("\n")
}
