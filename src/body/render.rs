//! A body as plain text or as Markdown with every character of member-written text escaped.
//!
//! Plain text is what search, sign-off digests and `show` read: blocks separated by blank
//! lines, list items by a newline, marks dropped. It is the same text schema 1 rendered for
//! the same content, so a migrated brief's sign-offs do not go stale.

use super::{blocks, outline, Block, Kind, Node, Run, Wrap};
use crate::mdescape;
use yrs::types::Attrs;
use yrs::{Any, ReadTxn, TextRef};

/// Deepest container nesting rendered (deeper content is rendered flat, never dropped).
const MAX_DEPTH: usize = 64;

/// The body as plain text.
pub fn render_plain<T: ReadTxn>(text: &TextRef, txn: &T) -> String {
    render_nodes(&outline(blocks(text, txn)), false)
}

/// The body as Markdown (marks, lists, quotes, headings and code kept; text escaped).
pub fn render_markdown<T: ReadTxn>(text: &TextRef, txn: &T) -> String {
    render_nodes(&outline(blocks(text, txn)), true)
}

fn render_nodes(nodes: &[Node], markdown: bool) -> String {
    nodes
        .iter()
        .map(|n| render_node(n, markdown, 0))
        .filter(|b| !b.trim().is_empty())
        .collect::<Vec<_>>()
        .join("\n\n")
}

fn render_node(node: &Node, markdown: bool, depth: usize) -> String {
    match node {
        Node::Block(b) => render_block(b, markdown),
        Node::Container { wrap, items } => {
            let depth = (depth + 1).min(MAX_DEPTH);
            let item = |nodes: &Vec<Node>, sep: &str| {
                nodes
                    .iter()
                    .map(|n| render_node(n, markdown, depth))
                    .collect::<Vec<_>>()
                    .join(sep)
            };
            match wrap {
                Wrap::Quote => {
                    let inner = items
                        .iter()
                        .map(|i| item(i, "\n\n"))
                        .collect::<Vec<_>>()
                        .join("\n\n");
                    if markdown {
                        inner
                            .lines()
                            .map(|l| format!("> {l}"))
                            .collect::<Vec<_>>()
                            .join("\n")
                    } else {
                        inner
                    }
                }
                Wrap::Bullet | Wrap::Ordered => items
                    .iter()
                    .enumerate()
                    .map(|(i, nodes)| {
                        let bullet = match (markdown, wrap) {
                            (false, _) => String::new(),
                            (true, Wrap::Ordered) => format!("{}. ", i + 1),
                            (true, _) => "- ".to_string(),
                        };
                        format!("{bullet}{}", item(nodes, "\n").replace('\n', "\n  "))
                    })
                    .collect::<Vec<_>>()
                    .join("\n"),
            }
        }
    }
}

fn render_block(b: &Block, markdown: bool) -> String {
    match (b.attrs.kind, markdown) {
        (Kind::Rule, true) => "---".to_string(),
        (Kind::Rule, false) => String::new(),
        (Kind::Code, true) => {
            // code is literal: no escapes inside, a fence it cannot close
            let code = b.text();
            let fence = mdescape::fence(&code);
            format!("{fence}\n{code}\n{fence}")
        }
        (Kind::Code, false) | (_, false) => b.text(),
        (Kind::Heading, true) => {
            let level = b.attrs.level.clamp(1, 3) as usize;
            format!("{} {}", "#".repeat(level + 3), inline_markdown(&b.runs))
        }
        (Kind::Paragraph, true) => inline_markdown(&b.runs),
    }
}

/// A block's runs as Markdown, one line per hard break.
fn inline_markdown(runs: &[Run]) -> String {
    // split runs at hard breaks into lines of (text, marks)
    let mut lines: Vec<Vec<(&str, &Attrs)>> = vec![Vec::new()];
    for r in runs {
        for (i, part) in r.text.split('\n').enumerate() {
            if i > 0 {
                lines.push(Vec::new());
            }
            if let (false, Some(line)) = (part.is_empty(), lines.last_mut()) {
                line.push((part, &r.marks));
            }
        }
    }
    lines
        .iter()
        .map(|chunks| {
            let last = chunks.len().saturating_sub(1);
            chunks
                .iter()
                .enumerate()
                .map(|(i, (s, attrs))| marked(s, attrs, i == 0, i == last))
                .collect::<String>()
        })
        .collect::<Vec<_>>()
        .join("\n")
}

/// A run of text with its marks as Markdown. White space at the run's ends goes outside the
/// delimiters (`** x**` would not be bold); code is a code span with a fence its content
/// cannot close; a link keeps only an http(s) or mailto address.
pub(crate) fn marked(s: &str, attrs: &Attrs, start: bool, end: bool) -> String {
    if attrs.is_empty() {
        return mdescape::escape(s, start, end, false);
    }
    let core = s.trim_matches(|c: char| c.is_whitespace());
    if core.is_empty() {
        return mdescape::escape(s, start, end, false);
    }
    let lead = &s[..s.len() - s.trim_start_matches(|c: char| c.is_whitespace()).len()];
    let trail = &s[lead.len() + core.len()..];
    let mut text = if attrs.contains_key("code") {
        let code = core.replace('\n', " ");
        let fence = "`".repeat(mdescape::fence(&code).len() - 2);
        let pad = if code.starts_with('`') || code.ends_with('`') {
            " "
        } else {
            ""
        };
        format!("{fence}{pad}{code}{pad}{fence}")
    } else {
        mdescape::escape(core, false, false, false)
    };
    if attrs.contains_key("italic") {
        text = format!("*{text}*");
    }
    if attrs.contains_key("bold") {
        text = format!("**{text}**");
    }
    if attrs.contains_key("strike") {
        text = format!("~~{text}~~");
    }
    if let Some(Any::Map(link)) = attrs.get("link") {
        if let Some(href) = link.get("href").and_then(|h| match h {
            Any::String(h) => safe_href(h),
            _ => None,
        }) {
            text = format!("[{text}](<{href}>)");
        }
    }
    format!(
        "{}{text}{}",
        mdescape::escape(lead, start, false, false),
        mdescape::escape(trail, false, end, false)
    )
}

/// A link address fit for an export: http, https or mailto only (never `javascript:` or
/// `data:`), with the characters that could end a Markdown destination percent-encoded.
pub(crate) fn safe_href(href: &str) -> Option<String> {
    let h = href.trim();
    let lower = h.to_ascii_lowercase();
    if !["http://", "https://", "mailto:"]
        .iter()
        .any(|p| lower.starts_with(p))
    {
        return None;
    }
    let mut out = String::with_capacity(h.len());
    for c in h.chars() {
        match c {
            ' ' | '<' | '>' | '\\' | '`' | '"' | '\'' | '\n' | '\r' | '\t' => {
                out.push_str(&format!("%{:02X}", c as u32))
            }
            c => out.push(c),
        }
    }
    Some(out)
}
