//! Escaping member-written text for Markdown, so that no text can change the structure of an
//! export: every character that Markdown could read as syntax comes out as a backslash escape
//! or a numeric character reference, and reads back (through any CommonMark parser, and
//! [`crate::export::parse_markdown`]) as exactly the text that was written.
//!
//! Escaped always: `\` `` ` `` `*` `_` `[` `]` `<` `>` `#` `|` `~` `&` (emphasis, code, links,
//! raw HTML, entities, headings, tables, strikethrough). At the start of a line: `-` `+` `=`
//! (lists, setext headings, thematic breaks) and the `.`/`)` after leading digits (ordered
//! lists). Spaces at the start or end of a line, control characters anywhere (tab, carriage
//! return, vertical tab, form feed…) and, in one-line fields, newlines become character
//! references (`&#32;`, `&#9;`, `&#13;`, `&#10;`): Markdown would otherwise strip or reinterpret them. NUL has no Markdown form
//! (CommonMark replaces it with U+FFFD); it is written as U+FFFD.

use std::fmt::Write;

/// Escapes text written by a member. `start` says whether it begins a line; `end` whether
/// the line ends after it (trailing spaces are then kept as references). Newlines in `text`
/// stay newlines unless `one_line` (then they become `&#10;`).
pub fn escape(text: &str, start: bool, end: bool, one_line: bool) -> String {
    let mut out = String::with_capacity(text.len() + 8);
    let lines: Vec<&str> = text.split('\n').collect();
    let last = lines.len() - 1;
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str(if one_line { "&#10;" } else { "\n" });
        }
        let line_start = (i == 0 && start) || (i > 0 && !one_line);
        let line_end = (i == last && end) || (i < last && !one_line);
        escape_line(&mut out, line, line_start, line_end);
    }
    out
}

/// A whole one-line field (title, decision, concern, question): starts and ends its line.
pub fn one_line(text: &str) -> String {
    escape(text, true, true, true)
}

fn escape_line(out: &mut String, line: &str, line_start: bool, line_end: bool) {
    let chars: Vec<char> = line.chars().collect();
    // the leading and trailing runs of spaces and tabs that Markdown would strip
    let lead = if line_start {
        chars.iter().take_while(|c| strippable(**c)).count()
    } else {
        0
    };
    let trail_from = if line_end {
        chars.len()
            - chars[lead..]
                .iter()
                .rev()
                .take_while(|c| strippable(**c))
                .count()
    } else {
        chars.len()
    };
    // true while only digits were written since the start of the line (ordered lists)
    let mut digits_only = line_start;
    for (i, &c) in chars.iter().enumerate() {
        let at_start = line_start && i == lead;
        if i < lead || i >= trail_from {
            let _ = write!(out, "&#{};", c as u32);
            continue;
        }
        match c {
            '\\' | '`' | '*' | '_' | '[' | ']' | '<' | '>' | '#' | '|' | '~' | '&' => {
                out.push('\\');
                out.push(c);
            }
            '-' | '+' | '=' if at_start => {
                out.push('\\');
                out.push(c);
            }
            '.' | ')' if digits_only && i > lead => {
                out.push('\\');
                out.push(c);
            }
            '\0' => out.push('\u{fffd}'),
            // control characters (tab, CR, vertical tab, form feed…): Markdown treats some
            // as white space; a reference is read back as the character itself
            c if c.is_control() => {
                let _ = write!(out, "&#{};", c as u32);
            }
            _ => out.push(c),
        }
        digits_only = digits_only && c.is_ascii_digit();
    }
}

/// White space Markdown may strip at the start or end of a line.
fn strippable(c: char) -> bool {
    c.is_whitespace() || c.is_control()
}

/// A code fence longer than any run of backticks in `code`, so the code cannot close it.
pub fn fence(code: &str) -> String {
    let mut longest = 0;
    let mut run = 0;
    for c in code.chars() {
        if c == '`' {
            run += 1;
            longest = longest.max(run);
        } else {
            run = 0;
        }
    }
    "`".repeat((longest + 1).max(3))
}

/// The text a piece of inline Markdown reads as (marks dropped, escapes and references
/// resolved, soft and hard breaks as newlines): the inverse of [`escape`].
pub fn unescape(md: &str) -> String {
    use pulldown_cmark::{Event, Parser};
    let mut out = String::new();
    for ev in Parser::new(md) {
        match ev {
            Event::Text(t) | Event::Code(t) => out.push_str(&t),
            Event::SoftBreak | Event::HardBreak => out.push('\n'),
            Event::Html(t) | Event::InlineHtml(t) => out.push_str(&t),
            _ => {}
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn structure_cannot_be_written_as_text() {
        for t in [
            "# not a heading",
            "- not a list",
            "1. not a list",
            "> not a quote",
            "**not bold** and [x](y) | z",
            "<img src=x onerror=alert(1)>",
            "    not code",
            "trailing  ",
            "---",
            "===",
            "&amp; stays",
            "a\\",
            "```",
        ] {
            let md = one_line(t);
            assert_eq!(unescape(&md), t, "{md}");
            let html = {
                let mut h = String::new();
                pulldown_cmark::html::push_html(&mut h, pulldown_cmark::Parser::new(&md));
                h
            };
            assert!(
                html.starts_with("<p>") && html.matches('<').count() == 2,
                "{t:?} → {html}"
            );
        }
        assert_eq!(fence("a ```` b"), "`````");
    }
}
