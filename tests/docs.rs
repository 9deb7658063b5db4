//! ARCHITECTURE.md and SYNC.md stay true to the code where a test can tell: the documented
//! SQLite tables and columns are the migrations', the documented document roots and entry keys
//! are what a brief the code makes holds, the failpoint list is the code's, the module table
//! names every module, and the peer state machine's documented inputs and outputs are its own.

use groundwork::brief::NewDecision;
use groundwork::{Brief, ConcernKind, Member, Role, Section, Template};
use std::collections::{BTreeMap, BTreeSet};
use yrs::types::ToJson;
use yrs::{Any, ReadTxn, Text, Transact};

fn read(path: &str) -> String {
    std::fs::read_to_string(format!("{}/{path}", env!("CARGO_MANIFEST_DIR")))
        .unwrap_or_else(|e| panic!("{path}: {e}"))
}

/// The backticked words of a Markdown fragment.
fn ticked(s: &str) -> Vec<String> {
    s.split('`')
        .skip(1)
        .step_by(2)
        .map(str::to_string)
        .collect()
}

/// The rows of the Markdown table that follows the line containing `marker`: cells per row.
fn table_after(doc: &str, marker: &str) -> Vec<Vec<String>> {
    let start = doc
        .find(marker)
        .unwrap_or_else(|| panic!("no {marker:?} in the doc"));
    doc[start..]
        .lines()
        .skip_while(|l| !l.trim_start().starts_with('|'))
        .take_while(|l| l.trim_start().starts_with('|'))
        .skip(2) // header and rule
        .map(|l| {
            l.trim()
                .trim_matches('|')
                .split(" | ")
                .map(|c| c.trim().to_string())
                .collect()
        })
        .collect()
}

/// Tables and their columns, as the migrations create (and alter) them.
fn migrated_tables() -> BTreeMap<String, BTreeSet<String>> {
    let dir = format!("{}/migrations", env!("CARGO_MANIFEST_DIR"));
    let mut files: Vec<_> = std::fs::read_dir(dir)
        .unwrap()
        .map(|e| e.unwrap().path())
        .collect();
    files.sort();
    let mut tables = BTreeMap::new();
    for f in files {
        let sql = std::fs::read_to_string(&f).unwrap();
        let mut lines = sql.lines();
        while let Some(line) = lines.next() {
            if let Some(rest) = line.trim().strip_prefix("ALTER TABLE ") {
                let mut words = rest.split_whitespace();
                let table = words.next().unwrap().to_string();
                if let (Some("ADD"), Some("COLUMN"), Some(col)) =
                    (words.next(), words.next(), words.next())
                {
                    tables
                        .entry(table)
                        .or_insert_with(BTreeSet::new)
                        .insert(col.to_string());
                }
                continue;
            }
            let line = line.trim();
            let Some(rest) = line
                .strip_prefix("CREATE TABLE ")
                .or_else(|| line.strip_prefix("CREATE VIRTUAL TABLE "))
            else {
                continue;
            };
            let name = rest.split([' ', '(']).next().unwrap().to_string();
            let mut cols = BTreeSet::new();
            for col in lines.by_ref() {
                let col = col.trim();
                if col.starts_with(')') {
                    break;
                }
                let word = col.split_whitespace().next().unwrap_or("");
                // table constraints, and an FTS5 table's options
                let constraint = [
                    "PRIMARY", "FOREIGN", "UNIQUE", "CHECK", "--", "", "tokenize", "prefix",
                ];
                if !constraint.contains(&word) {
                    cols.insert(word.trim_end_matches(',').to_string());
                }
            }
            tables.insert(name, cols);
        }
    }
    tables
}

#[test]
fn documented_tables_and_columns_are_the_migrations() {
    let doc = read("ARCHITECTURE.md");
    let documented: BTreeMap<String, BTreeSet<String>> =
        table_after(&doc, "- Tables (checked against the migrations")
            .into_iter()
            .map(|row| {
                let name = ticked(&row[0]).remove(0);
                let cols = ticked(&row[2]).into_iter().collect();
                (name, cols)
            })
            .collect();
    assert_eq!(documented, migrated_tables());
}

/// A brief with one of everything, edited as the app does.
fn full_brief() -> Brief {
    let member = Member {
        device: "00".into(),
        name: "Dana".into(),
        role: Role::Pm,
    };
    let b = Brief::create("Docs", Template::ProblemFirst, member);
    b.set_section(Section::Problem, "New admins quit at step 3.");
    b.add_relay("wss://yjs.example.com/onboarding");
    b.set_markdown(
        Section::Evidence,
        "#### Interviews\n\n- five admins\n\n  all on day one\n\n> a quote\n",
    );
    let d = b
        .add_decision(NewDecision {
            decision: "Ship the checklist".into(),
            decided_by: vec![Role::Pm],
            rests_on: vec![Section::Problem],
            ..Default::default()
        })
        .unwrap();
    b.edit_decision(
        &d,
        NewDecision {
            decision: "Ship the checklist first".into(),
            rests_on: vec![Section::Problem],
            ..Default::default()
        },
    )
    .unwrap();
    b.add_concern(Role::Engineer, ConcernKind::Feasibility, "SSO?")
        .unwrap();
    let q = b.add_question("Who owns billing?").unwrap();
    b.resolve_question(&q, true).unwrap();
    let (i, l) = b.find_quote(Section::Problem, "step 3").unwrap();
    let t = b
        .add_comment(Section::Problem, i, l, "Which step?", None)
        .unwrap();
    b.comment_to_entry(&t, None).unwrap();
    b.sign_off(Role::Pm);
    b
}

#[test]
fn documented_document_roots_and_keys_are_what_a_brief_holds() {
    let doc = read("ARCHITECTURE.md");
    let rows = table_after(&doc, "Root types (checked against");
    let mut documented = BTreeMap::new();
    for row in &rows {
        let root = ticked(&row[0]).remove(0);
        let roots: Vec<String> = if root == "body:<name>" {
            Section::ALL
                .iter()
                .map(|s| format!("body:{}", s.as_str()))
                .collect()
        } else {
            vec![root]
        };
        for r in roots {
            documented.insert(r, (row[1].clone(), ticked(&row[2])));
        }
    }
    let brief = full_brief();
    let txn = brief.doc().transact();
    let actual: BTreeSet<String> = txn.root_refs().map(|(name, _)| name.to_string()).collect();
    assert_eq!(
        documented.keys().cloned().collect::<BTreeSet<_>>(),
        actual,
        "document roots"
    );
    // every key the code writes into an entry (or into meta) is documented in its row
    let json = |name: &str| -> Any {
        let root = txn.root_refs().find(|(n, _)| *n == name).unwrap().1;
        root.to_json(&txn)
    };
    let check = |root: &str, keys: Vec<String>| {
        let (_, doc_keys) = &documented[root];
        for k in keys {
            assert!(
                doc_keys.contains(&k),
                "ARCHITECTURE.md does not document `{k}` of `{root}`"
            );
        }
    };
    let map_keys = |a: &Any| -> Vec<String> {
        match a {
            Any::Map(m) => m.keys().cloned().collect(),
            _ => Vec::new(),
        }
    };
    check("meta", map_keys(&json("meta")));
    for root in ["decisions", "concerns", "questions", "comments"] {
        let Any::Array(entries) = json(root) else {
            panic!("{root} is not an array")
        };
        assert!(!entries.is_empty(), "{root} has no entry to check");
        for e in entries.iter() {
            check(root, map_keys(e));
            // a thread's record (a JSON string) and its replies (JSON strings): their keys are
            // documented in the same row
            if let Any::Map(m) = e {
                let json_keys = |v: &Any| -> Vec<String> {
                    let Any::String(s) = v else {
                        panic!("{v:?} is not a JSON string")
                    };
                    let v: serde_json::Value = serde_json::from_str(s).expect("JSON");
                    v.as_object().expect("an object").keys().cloned().collect()
                };
                if root == "comments" {
                    let record = m.get("thread").expect("a thread record");
                    check(root, json_keys(record));
                    let Some(Any::Array(replies)) = m.get("replies") else {
                        panic!("a thread without replies")
                    };
                    assert!(!replies.is_empty(), "a thread has its comment");
                    for r in replies.iter() {
                        check(root, json_keys(r));
                    }
                }
            }
        }
    }
    let Any::Map(versions) = json("versions") else {
        panic!("versions is not a map")
    };
    assert!(!versions.is_empty(), "a sign-off saves a version");
    for entry in versions.values() {
        check("versions", map_keys(entry));
    }
    let Any::Map(signoffs) = json("signoffs") else {
        panic!("signoffs is not a map")
    };
    for entry in signoffs.values() {
        check("signoffs", map_keys(entry));
    }
    let Any::Map(relays) = json("relays") else {
        panic!("relays is not a map")
    };
    assert!(!relays.is_empty(), "a relay was added");
    for entry in relays.values() {
        check("relays", map_keys(entry));
    }
    // every key of a block marker is documented in the body row
    for s in Section::ALL {
        let body = txn.get_text(s.root_name().as_str()).unwrap();
        let diff: Vec<yrs::types::text::Diff<()>> = body.diff(&txn, |_| ());
        for d in diff {
            if let yrs::Out::YMap(m) = d.insert {
                check(&s.root_name(), map_keys(&m.to_json(&txn)));
            }
        }
    }
    let Any::Map(members) = json("members") else {
        panic!("members is not a map")
    };
    for entry in members.values() {
        check("members", map_keys(entry));
    }
}

#[test]
fn documented_failpoints_are_the_code_s() {
    let mut in_code = BTreeSet::new();
    let mut dirs = vec![std::path::PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/src"
    ))];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                dirs.push(path);
            } else if path.extension().is_some_and(|e| e == "rs") {
                let src = std::fs::read_to_string(&path).unwrap();
                for part in src.split("failpoint::hit(\"").skip(1) {
                    in_code.insert(part.split('"').next().unwrap().to_string());
                }
            }
        }
    }
    let doc = read("ARCHITECTURE.md");
    let start = doc.find("Failpoints let tests inject").unwrap();
    let end = start + doc[start..].find("\n- ").unwrap();
    let documented: BTreeSet<String> = ticked(&doc[start..end])
        .into_iter()
        .filter(|t| t.contains('.') && !t.contains('/'))
        .collect();
    assert_eq!(documented, in_code);
}

#[test]
fn the_module_table_names_every_module() {
    let lib = read("src/lib.rs");
    let modules: BTreeSet<String> = lib
        .lines()
        .filter_map(|l| l.strip_prefix("pub mod "))
        .map(|m| m.trim_end_matches(';').to_string())
        .collect();
    let doc = read("ARCHITECTURE.md");
    let documented: BTreeSet<String> = table_after(&doc, "## Modules (`src/`)")
        .into_iter()
        .map(|row| ticked(&row[0]).remove(0))
        .collect();
    assert_eq!(documented, modules);
}

#[test]
fn sync_md_documents_the_peer_machine_s_inputs_and_outputs() {
    let src: String = ["mod", "links", "messages", "presence", "relays"]
        .iter()
        .map(|f| read(&format!("src/peer/{f}.rs")))
        .collect();
    let doc = read("SYNC.md");
    let inputs: BTreeSet<String> = table_after(&doc, "## The peer state machine")
        .into_iter()
        .flat_map(|row| ticked(&row[0]))
        .map(|t| t.split('(').next().unwrap().to_string())
        .collect();
    let public_fns: BTreeSet<String> = src
        .lines()
        .filter_map(|l| l.trim().strip_prefix("pub fn "))
        .map(|l| l.split(['(', '<']).next().unwrap().to_string())
        .collect();
    // every documented input is a method of the machine, and every method that takes input is
    // documented (the rest only read its state)
    let readers = [
        "new",
        "take_outputs",
        "brief",
        "briefs",
        "shared",
        "links",
        "peer_keys",
        "relay_devices",
        "relay_device",
        "present",
        "resync",
    ];
    for i in &inputs {
        assert!(
            public_fns.contains(i),
            "SYNC.md documents `{i}`, not in peer::Peer"
        );
    }
    for f in &public_fns {
        if !readers.contains(&f.as_str()) && f != "default" {
            assert!(inputs.contains(f), "SYNC.md does not document `{f}`");
        }
    }
    let enum_start = src.find("pub enum Output {").unwrap();
    let enum_body = &src[enum_start..enum_start + src[enum_start..].find("\n}").unwrap()];
    let variants: BTreeSet<String> = enum_body
        .lines()
        .skip(1)
        .map(str::trim)
        .filter(|l| l.chars().next().is_some_and(|c| c.is_ascii_uppercase()))
        .map(|l| l.split([' ', '(', ',', '{']).next().unwrap().to_string())
        .collect();
    let start = doc.find("| output | the driver |").unwrap();
    let outputs: BTreeSet<String> = doc[start..]
        .lines()
        .skip(2)
        .take_while(|l| l.starts_with('|'))
        .flat_map(|l| ticked(l.split(" | ").next().unwrap()))
        .map(|t| t.split([' ', '(']).next().unwrap().to_string())
        .collect();
    assert_eq!(outputs, variants);
}
