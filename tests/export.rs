//! Exports cannot carry a script or change their own structure: every field a member writes
//! comes out escaped in Markdown and HTML, and comes back identical through import.
//!
//! The oracle for "structure": a brief whose every written character is replaced by `x`
//! (white space kept) must export to the same Markdown block/inline structure and the same
//! HTML tags as the brief itself. Escaping that let any text through as syntax (a heading, a
//! list, emphasis, a link, a raw `<img onerror>`) would add structure the `x` brief lacks.

use groundwork::brief::{Brief, Member, NewDecision};
use groundwork::export::{fill_brief, parse_markdown, to_html, to_markdown};
use groundwork::model::{ConcernKind, Role, Section, Template};
use proptest::prelude::*;

fn member() -> Member {
    Member {
        device: "d".into(),
        name: "Dana".into(),
        role: Role::Pm,
    }
}

#[derive(Debug, Clone)]
struct Fields {
    title: String,
    sections: Vec<String>,
    decision: [String; 4],
    concern: String,
    question: String,
}

fn build(f: &Fields) -> Brief {
    let b = Brief::create(&f.title, Template::ProblemFirst, member());
    for (s, text) in Section::ALL.iter().zip(&f.sections) {
        b.set_section(*s, text);
    }
    b.add_decision(NewDecision {
        decision: f.decision[0].clone(),
        context: f.decision[1].clone(),
        alternatives: f.decision[2].clone(),
        tradeoffs: f.decision[3].clone(),
        decided_by: vec![Role::Pm],
        rests_on: vec![Section::Problem],
    })
    .unwrap();
    b.add_concern(Role::Engineer, ConcernKind::Feasibility, &f.concern)
        .unwrap();
    b.add_question(&f.question).unwrap();
    b
}

/// The same fields with every character that is not white space replaced by `x`.
fn blanked(f: &Fields) -> Fields {
    let x = |s: &String| -> String {
        s.chars()
            .map(|c| if c.is_whitespace() { c } else { 'x' })
            .collect()
    };
    Fields {
        title: x(&f.title),
        sections: f.sections.iter().map(x).collect(),
        decision: f.decision.clone().map(|d| x(&d)),
        concern: x(&f.concern),
        question: x(&f.question),
    }
}

fn html_tags(html: &str) -> Vec<String> {
    let mut tags = Vec::new();
    let mut rest = html;
    while let Some(i) = rest.find('<') {
        let j = rest[i..].find('>').map(|j| i + j + 1).unwrap_or(rest.len());
        tags.push(rest[i..j].to_string());
        rest = &rest[j..];
    }
    tags
}

fn md_structure(md: &str) -> Vec<String> {
    pulldown_cmark::Parser::new(md)
        .filter_map(|ev| match ev {
            pulldown_cmark::Event::Start(t) => Some(format!("{t:?}")),
            pulldown_cmark::Event::End(t) => Some(format!("/{t:?}")),
            pulldown_cmark::Event::Html(_) | pulldown_cmark::Event::InlineHtml(_) => {
                Some("raw html".into())
            }
            _ => None,
        })
        .collect()
}

fn blank_is_empty(s: &str) -> String {
    if s.trim().is_empty() {
        String::new()
    } else {
        s.to_string()
    }
}

/// Text full of Markdown and HTML syntax, white space at the edges, and any Unicode but NUL
/// (which CommonMark cannot carry; it is written as U+FFFD).
fn text() -> impl Strategy<Value = String> {
    let syntax = prop::sample::select(vec![
        "# ",
        "- ",
        "+ ",
        "* ",
        "> ",
        "1. ",
        "2) ",
        "**",
        "__",
        "*",
        "_",
        "`",
        "```",
        "~~",
        "[x](y)",
        "![i](j)",
        "|",
        "<img src=x onerror=alert(1)>",
        "<script>",
        "&amp;",
        "&#60;",
        "\\",
        "---",
        "===",
        "    ",
        "\t",
        "\n",
        "\r",
        " ",
        "  ",
        "<",
        ">",
        "&",
        "\"",
        "'",
        "http://example.com",
        "<https://a.b>",
    ]);
    prop::collection::vec(
        prop_oneof![
            syntax.prop_map(str::to_string),
            "[^\u{0}]{0,6}",
            "[a-zé😀 ]{0,8}",
        ],
        0..8,
    )
    .prop_map(|v| v.concat())
}

fn one_line_text() -> impl Strategy<Value = String> {
    text().prop_filter("non-blank", |s| !s.trim().is_empty())
}

fn fields() -> impl Strategy<Value = Fields> {
    (
        one_line_text(),
        prop::collection::vec(text(), 13),
        (one_line_text(), text(), text(), text()).prop_map(|(a, b, c, d)| [a, b, c, d]),
        one_line_text(),
        one_line_text(),
    )
        .prop_map(|(title, sections, decision, concern, question)| Fields {
            title,
            sections,
            decision,
            concern,
            question,
        })
}

/// Fixed unless `GROUNDWORK_TEST_SEED` says otherwise; printed so a failure can be rerun.
fn config() -> ProptestConfig {
    let seed = std::env::var("GROUNDWORK_TEST_SEED")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(0x6577_6f72_6b31);
    let cases = std::env::var("GROUNDWORK_EXPORT_CASES")
        .ok()
        .and_then(|s| s.parse().ok())
        .unwrap_or(400);
    eprintln!("export property test: seed {seed}, {cases} cases");
    ProptestConfig {
        cases,
        rng_seed: proptest::test_runner::RngSeed::Fixed(seed),
        failure_persistence: None,
        ..ProptestConfig::default()
    }
}

proptest! {
    #![proptest_config(config())]

    #[test]
    fn every_field_survives_export_and_import_and_adds_no_structure(f in fields()) {
        let brief = build(&f);
        let md = to_markdown(&brief);

        // back through import: the same text in every field
        let parsed = parse_markdown(md.as_bytes()).unwrap();
        let back = Brief::create("", Template::ProblemFirst, member());
        fill_brief(&back, &parsed);
        prop_assert_eq!(back.title(), brief.title(), "title; markdown:\n{}", md);
        for s in Section::ALL {
            prop_assert_eq!(back.section_text(*s), brief.section_text(*s), "section {}; markdown:\n{}", s.as_str(), md);
        }
        let (d0, d1) = (&brief.decisions()[0], &back.decisions()[0]);
        prop_assert_eq!(&d1.decision, &d0.decision);
        prop_assert_eq!(blank_is_empty(&d1.context), blank_is_empty(&d0.context));
        prop_assert_eq!(blank_is_empty(&d1.alternatives), blank_is_empty(&d0.alternatives));
        prop_assert_eq!(blank_is_empty(&d1.tradeoffs), blank_is_empty(&d0.tradeoffs));
        prop_assert_eq!(&back.concerns()[0].text, &brief.concerns()[0].text);
        prop_assert_eq!(&back.questions()[0].text, &brief.questions()[0].text);

        // no structure, and no HTML tag or attribute, that the blanked brief does not have
        let plain = build(&blanked(&f));
        prop_assert_eq!(md_structure(&md), md_structure(&to_markdown(&plain)), "markdown:\n{}", md);
        let html = to_html(&brief);
        prop_assert_eq!(html_tags(&html), html_tags(&to_html(&plain)), "html:\n{}", html);
    }
}

#[test]
fn a_script_in_any_field_is_text_in_the_html() {
    let attack = "<img src=x onerror=alert(1)>";
    let f = Fields {
        title: attack.into(),
        sections: vec![attack.to_string(); 13],
        decision: [attack, attack, attack, attack].map(str::to_string),
        concern: attack.into(),
        question: attack.into(),
    };
    let html = to_html(&build(&f));
    assert!(!html.contains("<img"), "{html}");
    assert!(html.contains("&lt;img src=x onerror=alert(1)&gt;"));
}

/// The shape of a section as the editor holds it: each block marker as `<kind key=value>`,
/// and each text run with its marks.
fn shape(b: &Brief, s: Section) -> String {
    use yrs::types::text::Diff;
    use yrs::{Text, Transact};
    let doc = b.doc();
    let body = doc.get_or_insert_text(s.root_name());
    let txn = doc.transact();
    let diff: Vec<Diff<()>> = body.diff(&txn, |_| ());
    let mut out = String::new();
    for d in diff {
        match d.insert {
            yrs::Out::YMap(m) => {
                use yrs::types::ToJson;
                let yrs::Any::Map(keys) = m.to_json(&txn) else {
                    panic!("a marker that is not a map")
                };
                let mut attrs: Vec<String> = keys
                    .iter()
                    .filter(|(k, _)| k.as_str() != "block")
                    .map(|(k, v)| format!(" {k}={v}"))
                    .collect();
                attrs.sort();
                out.push_str(&format!("<{}{}>", keys["block"], attrs.concat()));
            }
            other => {
                let mut marks: Vec<String> = d
                    .attributes
                    .map(|a| {
                        a.iter()
                            .filter(|(_, v)| !matches!(v, yrs::Any::Null))
                            .map(|(k, v)| format!("{k}:{v}"))
                            .collect()
                    })
                    .unwrap_or_default();
                marks.sort();
                out.push_str(&format!("[{}|{}]", other.to_string(&txn), marks.join(",")));
            }
        }
    }
    out
}

#[test]
fn markdown_imports_as_rich_text_and_round_trips() {
    let md = "# Rich\n\n## Problem space\n\n### Problem\n\nNew **admins** quit at *step 3* of `setup`, see [the notes](https://example.com/n).\n\n#### Where it hurts\n\n- the invite step\n- the **SSO** step\n\n1. first\n2. second\n\n> a quote with *emphasis*\n\n```\nlet x = 1;\n```\n\n<b>not html</b> and [a script](javascript:alert(1))\n";
    let parsed = parse_markdown(md.as_bytes()).unwrap();
    let b = Brief::create("", Template::ProblemFirst, member());
    fill_brief(&b, &parsed);
    let got = shape(&b, Section::Problem);
    for want in [
        "[admins|bold:{}]",
        "[step 3|italic:{}]",
        "[setup|code:{}]",
        "[the notes|link:{href: https://example.com/n}]",
        "<heading level=1>",
        "<paragraph wrap=bullet>[the invite step|]<paragraph wrap=bullet>",
        "[SSO|bold:{}]",
        "<paragraph wrap=ordered>[first|]<paragraph wrap=ordered>[second|]",
        "<paragraph wrap=quote>",
        "[emphasis|italic:{}]",
        "<code>[let x = 1;|]",
        // raw HTML is text; a javascript: link keeps its text, not its address
        "[<b>not html</b> and a script|]",
    ] {
        assert!(got.contains(want), "missing {want} in {got}");
    }
    assert!(
        !got.contains("**"),
        "marks imported as literal asterisks: {got}"
    );
    assert!(
        !got.contains("[- "),
        "a list imported as literal dashes: {got}"
    );
    // exported and imported again: the same structure, the same Markdown
    let md2 = to_markdown(&b);
    let b2 = Brief::create("", Template::ProblemFirst, member());
    fill_brief(&b2, &parse_markdown(md2.as_bytes()).unwrap());
    assert_eq!(shape(&b2, Section::Problem), got, "markdown:\n{md2}");
    let body = |md: &str| md.split_once("## Problem space").unwrap().1.to_string();
    assert_eq!(body(&to_markdown(&b2)), body(&md2));
    assert!(!to_html(&b2).contains("<b>"), "raw HTML must stay text");
}
