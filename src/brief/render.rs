//! Rendering a section (an XmlFragment in the y-prosemirror shape) as plain text or as
//! Markdown with every character of member-written text escaped.

use super::*;

/// Renders an XmlFragment in the y-prosemirror shape (paragraph, heading, bulletList,
/// orderedList, listItem, blockquote, codeBlock, hardBreak, text with marks) as text.
pub(super) fn render_fragment<T: ReadTxn>(
    frag: &XmlFragmentRef,
    txn: &T,
    markdown: bool,
) -> String {
    let mut blocks = Vec::new();
    for child in frag.children(txn) {
        let b = render_node(&child, txn, markdown, 0);
        if !b.trim().is_empty() {
            blocks.push(b);
        }
    }
    blocks.join("\n\n")
}

pub(super) fn render_children<T: ReadTxn>(
    el: &XmlElementRef,
    txn: &T,
    markdown: bool,
    depth: usize,
) -> Vec<String> {
    el.children(txn)
        .map(|c| render_node(&c, txn, markdown, depth))
        .collect()
}

pub(super) fn render_node<T: ReadTxn>(
    node: &XmlOut,
    txn: &T,
    markdown: bool,
    depth: usize,
) -> String {
    if depth > 64 {
        return String::new();
    }
    match node {
        XmlOut::Text(t) => render_text(t, txn, markdown),
        XmlOut::Fragment(f) => render_fragment(f, txn, markdown),
        XmlOut::Element(el) => {
            let tag = el.tag().to_string();
            let inner = || render_children(el, txn, markdown, depth + 1);
            match (tag.as_str(), markdown) {
                ("hardBreak", _) => "\n".to_string(),
                ("heading", true) => {
                    let level = any_str(el.get_attribute(txn, "level"))
                        .parse::<usize>()
                        .unwrap_or(1)
                        .clamp(1, 3);
                    format!("{} {}", "#".repeat(level + 3), inner().concat())
                }
                ("bulletList", _) | ("orderedList", _) => {
                    let ordered = tag == "orderedList";
                    inner()
                        .iter()
                        .enumerate()
                        .map(|(i, item)| {
                            let bullet = if !markdown {
                                String::new()
                            } else if ordered {
                                format!("{}. ", i + 1)
                            } else {
                                "- ".to_string()
                            };
                            let indented = item.replace('\n', "\n  ");
                            format!("{bullet}{indented}")
                        })
                        .collect::<Vec<_>>()
                        .join("\n")
                }
                ("listItem", _) => inner().join("\n"),
                ("blockquote", true) => inner()
                    .join("\n\n")
                    .lines()
                    .map(|l| format!("> {l}"))
                    .collect::<Vec<_>>()
                    .join("\n"),
                ("codeBlock", true) => {
                    // code is literal: no escapes inside, a fence it cannot close
                    let code = render_children(el, txn, false, depth + 1).concat();
                    let fence = mdescape::fence(&code);
                    format!("{fence}\n{code}\n{fence}")
                }
                ("paragraph", _) | ("heading", false) | ("codeBlock", false) => inner().concat(),
                _ => inner().join("\n\n"),
            }
        }
    }
}

/// One XmlText as text, or as Markdown with every character of its text escaped. In the
/// y-prosemirror shape an XmlText runs from the start of its block, or a hard break, to the
/// block's end or the next hard break: it is one line of Markdown.
pub(super) fn render_text<T: ReadTxn>(t: &XmlTextRef, txn: &T, markdown: bool) -> String {
    let diff: Vec<Diff<()>> = t.diff(txn, |_| ());
    let chunks: Vec<(&str, Option<&Attrs>)> = diff
        .iter()
        .filter_map(|d| match &d.insert {
            Out::Any(Any::String(s)) => Some((s.as_ref(), d.attributes.as_deref())),
            _ => None,
        })
        .collect();
    let mut out = String::new();
    let last = chunks.len().saturating_sub(1);
    for (i, (s, attrs)) in chunks.iter().enumerate() {
        if markdown {
            out.push_str(&marked(s, *attrs, i == 0, i == last));
        } else {
            out.push_str(s);
        }
    }
    out
}

/// A run of text with its marks as Markdown. White space at the run's ends goes outside the
/// delimiters (`** x**` would not be bold); code is a code span with a fence its content
/// cannot close; a link keeps only an http(s) or mailto address.
pub(super) fn marked(s: &str, attrs: Option<&Attrs>, start: bool, end: bool) -> String {
    let Some(attrs) = attrs.filter(|a| !a.is_empty()) else {
        return mdescape::escape(s, start, end, false);
    };
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
pub(super) fn safe_href(href: &str) -> Option<String> {
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
