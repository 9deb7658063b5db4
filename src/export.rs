//! Export of a brief to Markdown, JSON and HTML, and import of that Markdown.
//!
//! The Markdown reads top to bottom for someone who never saw the app: title, the problem space
//! with its sign-off state, the solution space (marked as a parking lot until the problem is
//! signed off), decision log, concerns and open questions. Its headings are regular, so
//! [`parse_markdown`] gets the same sections back.

use crate::brief::{Brief, NewDecision};
use crate::mdescape;
use crate::model::{parse_list, ConcernKind, ConcernStatus, Role, Section, Template};
use std::fmt::Write;

const EMPTY: &str = "_Not written yet._";
const PARKING_LOT: &str = "> **Parking lot.** The problem is not signed off by every role yet: ideas here are parked, not decided.";

/// Renders a brief as Markdown.
pub fn to_markdown(brief: &Brief) -> String {
    let template = brief.template();
    let status = brief.signoff_status();
    let mut md = String::new();
    let title = brief.title();
    let _ = writeln!(
        md,
        "# {}\n",
        if title.trim().is_empty() {
            "Untitled brief".to_string()
        } else {
            mdescape::one_line(&title)
        }
    );
    let _ = writeln!(
        md,
        "_{} · id {} · created {}_\n",
        template.label(),
        brief.id(),
        brief.created_at()
    );

    let _ = writeln!(md, "## Problem space\n");
    let _ = writeln!(md, "**Sign-off:**\n");
    for role in Role::ALL {
        let line = match status.signoffs.iter().find(|s| s.role == *role) {
            Some(s) if s.stale => format!(
                "- {}: **stale** — signed by {} on {}, then changed: {}",
                role.label(),
                s.name,
                s.signed_at,
                s.changed_sections
                    .iter()
                    .map(|c| template.heading(*c))
                    .collect::<Vec<_>>()
                    .join(", ")
            ),
            Some(s) => format!(
                "- {}: signed by {} on {}",
                role.label(),
                s.name,
                s.signed_at
            ),
            None => format!("- {}: pending", role.label()),
        };
        let _ = writeln!(md, "{line}");
    }
    md.push('\n');
    let shown: Vec<(Section, &str)> = template
        .sections()
        .iter()
        .copied()
        .chain(
            Section::ALL
                .iter()
                .filter(|s| !template.sections().iter().any(|(t, _)| t == *s))
                .filter(|s| !brief.section_text(**s).trim().is_empty())
                .map(|s| (*s, s.label())),
        )
        .collect();
    for (section, heading) in shown.iter().filter(|(s, _)| s.is_problem_space()) {
        write_section(&mut md, brief, *section, heading);
    }

    let _ = writeln!(md, "## Solution space\n");
    if !status.complete {
        let _ = writeln!(md, "{PARKING_LOT}\n");
    }
    for (section, heading) in shown.iter().filter(|(s, _)| !s.is_problem_space()) {
        write_section(&mut md, brief, *section, heading);
    }

    let _ = writeln!(md, "## Decision log\n");
    let decisions = brief.decisions();
    if decisions.is_empty() {
        let _ = writeln!(md, "{EMPTY}\n");
    }
    for d in decisions {
        let _ = writeln!(md, "### {} — {}\n", d.date, one_line(&d.decision));
        for (label, value) in [
            ("Context", d.context.as_str()),
            ("Alternatives", d.alternatives.as_str()),
            ("Trade-offs", d.tradeoffs.as_str()),
        ] {
            if !value.trim().is_empty() {
                let _ = writeln!(md, "- **{label}:** {}", one_line(value));
            }
        }
        if !d.decided_by.is_empty() {
            let roles: Vec<&str> = d.decided_by.iter().map(|r| r.as_str()).collect();
            let _ = writeln!(md, "- **Decided by:** {}", roles.join(", "));
        }
        if !d.rests_on.is_empty() {
            let secs: Vec<&str> = d.rests_on.iter().map(|s| s.as_str()).collect();
            let _ = writeln!(md, "- **Rests on:** {}", secs.join(", "));
        }
        if !d.changed_since.is_empty() {
            let secs: Vec<&str> = d
                .changed_since
                .iter()
                .map(|s| template.heading(*s))
                .collect();
            let _ = writeln!(
                md,
                "- ⚠ **Changed since this decision:** {}",
                secs.join(", ")
            );
        }
        md.push('\n');
    }

    let _ = writeln!(md, "## Concerns\n");
    let concerns = brief.concerns();
    if concerns.is_empty() {
        let _ = writeln!(md, "{EMPTY}\n");
    } else {
        for role in Role::ALL {
            let n = concerns.iter().filter(|c| c.role == *role).count();
            let _ = write!(
                md,
                "{}: {n}{}",
                role.label(),
                if *role == Role::Designer {
                    "\n\n"
                } else {
                    " · "
                }
            );
        }
        for c in &concerns {
            let _ = writeln!(
                md,
                "- [{}] **{} · {}** — {}",
                c.status,
                c.role,
                c.kind,
                one_line(&c.text)
            );
        }
        md.push('\n');
    }

    let _ = writeln!(md, "## Open questions\n");
    let questions = brief.questions();
    if questions.is_empty() {
        let _ = writeln!(md, "{EMPTY}\n");
    }
    for q in &questions {
        let _ = writeln!(md, "- {}", one_line(&q.text));
    }
    if !questions.is_empty() {
        md.push('\n');
    }

    // open comment threads, with the words they are on (resolved ones are done with)
    let open: Vec<_> = brief
        .comments()
        .into_iter()
        .filter(|t| !t.resolved)
        .collect();
    if !open.is_empty() {
        let _ = writeln!(md, "## Comments\n");
        for t in &open {
            let on = match &t.anchored {
                Some(a) => format!("on \u{201c}{}\u{201d}", one_line(a)),
                None => format!("on deleted text \u{201c}{}\u{201d}", one_line(&t.quote)),
            };
            let _ = writeln!(md, "- **{} · {}** {on}", template.heading(t.section), t.tag);
            for r in &t.replies {
                let _ = writeln!(
                    md,
                    "  - {} ({}): {}",
                    one_line(&r.author),
                    one_line(&r.role),
                    one_line(&r.text)
                );
            }
        }
        md.push('\n');
    }
    md.trim_end().to_string() + "\n"
}

/// A field written by a member, on one line, every character escaped.
fn one_line(s: &str) -> String {
    mdescape::one_line(s)
}

fn write_section(md: &mut String, brief: &Brief, section: Section, heading: &str) {
    let body = brief.section_markdown(section);
    let _ = writeln!(md, "### {heading}\n");
    if body.trim().is_empty() {
        let _ = writeln!(md, "{EMPTY}\n");
    } else {
        let _ = writeln!(md, "{}\n", body.trim_end());
    }
}

/// Renders a brief as JSON (the [`crate::brief::BriefView`]).
pub fn to_json(brief: &Brief) -> String {
    serde_json::to_string_pretty(&brief.view())
        .unwrap_or_else(|e| format!("{{\"error\": \"{e}\"}}"))
}

/// Renders a brief as a standalone HTML page.
pub fn to_html(brief: &Brief) -> String {
    let md = to_markdown(brief);
    let mut body = String::new();
    // Member text is escaped in the Markdown, so it holds no raw HTML; should any appear
    // regardless, it is written as text, never as markup.
    let parser =
        pulldown_cmark::Parser::new_ext(&md, pulldown_cmark::Options::ENABLE_STRIKETHROUGH).map(
            |ev| match ev {
                pulldown_cmark::Event::Html(t) | pulldown_cmark::Event::InlineHtml(t) => {
                    pulldown_cmark::Event::Text(t)
                }
                ev => ev,
            },
        );
    pulldown_cmark::html::push_html(&mut body, parser);
    let title = html_escape(&brief.title());
    format!(
        "<!doctype html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>{title}</title>\n<style>body{{font:16px/1.55 system-ui,sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;color:#1d1d1f}}h2{{border-bottom:1px solid #ddd;padding-bottom:.2rem;margin-top:2.2rem}}blockquote{{background:#fff8e1;border-left:4px solid #f5b400;margin:1rem 0;padding:.5rem 1rem}}em{{color:#555}}</style>\n</head><body>\n{body}</body></html>\n"
    )
}

fn html_escape(s: &str) -> String {
    s.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
        .replace('\'', "&#39;")
}

/// What importing Markdown produced: everything needed to make a brief.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedBrief {
    pub title: String,
    pub template: Option<Template>,
    /// Each section's Markdown, as found in the file (read as rich text by [`fill_brief`]).
    pub sections: Vec<(Section, String)>,
    pub decisions: Vec<ParsedDecision>,
    pub concerns: Vec<(Role, ConcernKind, ConcernStatus, String)>,
    pub questions: Vec<String>,
}

#[derive(Debug, Clone, Default, PartialEq)]
pub struct ParsedDecision {
    pub decision: NewDecision,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ImportError {
    #[error("the file has no '# Title' heading on its first non-empty line")]
    NoTitle,
    #[error("the file is not valid UTF-8")]
    NotUtf8,
}

#[derive(Clone, Copy, PartialEq)]
enum Part {
    Preamble,
    Problem,
    Solution,
    Decisions,
    Concerns,
    Questions,
    Other,
}

/// Parses Markdown in the shape [`to_markdown`] writes. Headings that match a template's or a
/// section's heading become that section; free-form Markdown with only `##`/`###` headings
/// named like sections imports too.
pub fn parse_markdown(bytes: &[u8]) -> Result<ParsedBrief, ImportError> {
    let text = std::str::from_utf8(bytes).map_err(|_| ImportError::NotUtf8)?;
    let text = text.replace("\r\n", "\n");
    let mut lines = text.lines().peekable();
    let mut out = ParsedBrief::default();
    loop {
        match lines.next() {
            None => return Err(ImportError::NoTitle),
            Some(l) if l.trim().is_empty() => continue,
            Some(l) if l.starts_with("# ") => {
                out.title = mdescape::unescape(&l[2..]);
                break;
            }
            Some(_) => return Err(ImportError::NoTitle),
        }
    }
    let mut part = Part::Preamble;
    let mut current: Option<(Section, Vec<String>)> = None;
    let mut decision: Option<NewDecision> = None;
    let flush_section = |cur: &mut Option<(Section, Vec<String>)>, out: &mut ParsedBrief| {
        if let Some((s, body)) = cur.take() {
            let text = body.join("\n");
            let text = if text.trim() == EMPTY {
                String::new()
            } else {
                text.trim().to_string()
            };
            out.sections.push((s, text));
        }
    };
    // inside a fenced code block of a section, lines are that section's, whatever they say
    let mut fence: Option<String> = None;
    for line in lines {
        if let (Some(f), Some((_, body))) = (&fence, current.as_mut()) {
            body.push(line.to_string());
            if line.trim_start().starts_with(f.as_str()) && line.trim().chars().all(|c| c == '`') {
                fence = None;
            }
            continue;
        }
        if matches!(part, Part::Problem | Part::Solution) && current.is_some() {
            let t = line.trim_start();
            if t.starts_with("```") {
                fence = Some(t.chars().take_while(|c| *c == '`').collect());
            }
        }
        if let Some(h) = line.strip_prefix("## ") {
            flush_section(&mut current, &mut out);
            if let Some(d) = decision.take() {
                out.decisions.push(ParsedDecision { decision: d });
            }
            part = match h.trim() {
                "Problem space" => Part::Problem,
                "Solution space" => Part::Solution,
                "Decision log" => Part::Decisions,
                "Concerns" => Part::Concerns,
                "Open questions" => Part::Questions,
                other => match section_for_heading(other, out.template) {
                    Some(s) => {
                        current = Some((s, Vec::new()));
                        if s.is_problem_space() {
                            Part::Problem
                        } else {
                            Part::Solution
                        }
                    }
                    None => Part::Other,
                },
            };
            continue;
        }
        if part == Part::Preamble {
            if let Some(t) = Template::ALL
                .iter()
                .find(|t| line.starts_with(&format!("_{} ·", t.label())))
            {
                out.template = Some(*t);
            }
            continue;
        }
        if let Some(h) = line.strip_prefix("### ") {
            if matches!(part, Part::Problem | Part::Solution) {
                if let Some(s) = section_for_heading(h.trim(), out.template) {
                    flush_section(&mut current, &mut out);
                    current = Some((s, Vec::new()));
                    continue;
                }
            }
            if part == Part::Decisions {
                if let Some(d) = decision.take() {
                    out.decisions.push(ParsedDecision { decision: d });
                }
                let title = h.split_once(" — ").map(|(_, t)| t).unwrap_or(h);
                decision = Some(NewDecision {
                    decision: mdescape::unescape(title),
                    ..Default::default()
                });
                continue;
            }
        }
        match part {
            Part::Problem | Part::Solution => {
                if let Some((_, body)) = current.as_mut() {
                    if line.trim() != PARKING_LOT {
                        body.push(line.to_string());
                    }
                }
            }
            Part::Decisions => {
                if let Some(d) = decision.as_mut() {
                    parse_decision_line(line, d);
                }
            }
            Part::Concerns => {
                if let Some(c) = parse_concern_line(line) {
                    out.concerns.push(c);
                }
            }
            Part::Questions => {
                if let Some(q) = line.strip_prefix("- ") {
                    out.questions.push(mdescape::unescape(q));
                }
            }
            Part::Preamble | Part::Other => {}
        }
    }
    flush_section(&mut current, &mut out);
    if let Some(d) = decision.take() {
        out.decisions.push(ParsedDecision { decision: d });
    }
    Ok(out)
}

fn section_for_heading(h: &str, template: Option<Template>) -> Option<Section> {
    let h = h.trim();
    if let Some(t) = template {
        if let Some((s, _)) = t
            .sections()
            .iter()
            .find(|(_, th)| th.eq_ignore_ascii_case(h))
        {
            return Some(*s);
        }
    }
    Section::ALL
        .iter()
        .find(|s| s.label().eq_ignore_ascii_case(h) || s.as_str() == h)
        .copied()
        .or_else(|| {
            Template::ALL.iter().find_map(|t| {
                t.sections()
                    .iter()
                    .find(|(_, th)| th.eq_ignore_ascii_case(h))
                    .map(|(s, _)| *s)
            })
        })
}

fn parse_decision_line(line: &str, d: &mut NewDecision) {
    let Some(rest) = line.strip_prefix("- **") else {
        return;
    };
    let Some((label, value)) = rest.split_once(":** ") else {
        return;
    };
    let value = mdescape::unescape(value);
    match label {
        "Context" => d.context = value,
        "Alternatives" => d.alternatives = value,
        "Trade-offs" => d.tradeoffs = value,
        "Decided by" => d.decided_by = parse_list(&value).unwrap_or_default(),
        "Rests on" => d.rests_on = parse_list(&value).unwrap_or_default(),
        _ => {}
    }
}

fn parse_concern_line(line: &str) -> Option<(Role, ConcernKind, ConcernStatus, String)> {
    let rest = line.strip_prefix("- [")?;
    let (status, rest) = rest.split_once("] **")?;
    let (tags, text) = rest.split_once("** — ")?;
    let (role, kind) = tags.split_once(" · ")?;
    Some((
        role.parse().ok()?,
        kind.parse().ok()?,
        status.parse().ok()?,
        mdescape::unescape(text),
    ))
}

/// Builds the content of a parsed brief into `brief` (title, sections, entries).
pub fn fill_brief(brief: &Brief, parsed: &ParsedBrief) {
    brief.set_title(&parsed.title);
    for (section, markdown) in &parsed.sections {
        brief.set_markdown(*section, markdown);
    }
    for d in &parsed.decisions {
        let _ = brief.add_decision(d.decision.clone());
    }
    for (role, kind, status, text) in &parsed.concerns {
        if let Ok(id) = brief.add_concern(*role, *kind, text) {
            if *status != ConcernStatus::Open {
                let _ = brief.set_concern_status(&id, *status);
            }
        }
    }
    for q in &parsed.questions {
        let _ = brief.add_question(q);
    }
}
