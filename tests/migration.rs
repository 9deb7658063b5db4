//! Schema 1 → 2 (issue 12): a brief written by the previous release — sections as
//! y-prosemirror XmlFragments — opens after the upgrade with the same text and structure, its
//! sign-offs still fresh; two devices that upgrade the same brief separately converge without
//! doubling its text; a device that migrated a different state refuses the other's changes;
//! and the engine opens and stores a migrated brief through a real SQLite file.

use groundwork::body::{BlockAttrs, Kind, Wrap};
use groundwork::brief::new_doc;
use groundwork::sync::{self, SyncError};
use groundwork::{Brief, Member, Role, Section};
use std::collections::HashMap;
use std::sync::Arc;
use uuid::Uuid;
use yrs::types::xml::{XmlElementPrelim, XmlIn, XmlTextPrelim};
use yrs::types::Attrs;
use yrs::updates::decoder::Decode;
use yrs::{Any, Map, Text, Transact, Update, Xml, XmlFragment};

fn member(name: &str) -> Member {
    Member {
        device: format!("dev-{name}"),
        name: name.into(),
        role: Role::Pm,
    }
}

/// A brief exactly as schema 1 wrote it: meta with schema 1, a title, and the problem
/// section as y-prosemirror elements (a paragraph with a bold word, a heading, a bullet list
/// with a nested paragraph and a hard break, a quote), as TipTap writes them.
fn schema1_state(id: Uuid) -> Vec<u8> {
    let doc = new_doc(id, 11);
    let meta = doc.get_or_insert_map("meta");
    let title = doc.get_or_insert_text("title");
    let frag = doc.get_or_insert_xml_fragment("section:problem");
    let evidence = doc.get_or_insert_xml_fragment("section:evidence");
    let signoffs = doc.get_or_insert_map("signoffs");
    let mut txn = doc.transact_mut();
    meta.insert(&mut txn, "schema", 1);
    meta.insert(&mut txn, "id", id.to_string());
    meta.insert(&mut txn, "template", "problem-first");
    title.insert(&mut txn, 0, "Onboarding");
    let p = frag.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
    let t = p.push_back(&mut txn, XmlTextPrelim::new("New admins quit at step 3."));
    let bold: Attrs = [(Arc::<str>::from("bold"), Any::Map(Arc::new(HashMap::new())))]
        .into_iter()
        .collect();
    t.format(&mut txn, 11, 4, bold);
    let h = frag.push_back(&mut txn, XmlElementPrelim::empty("heading"));
    h.insert_attribute(&mut txn, "level", Any::from(2.0));
    h.push_back(&mut txn, XmlTextPrelim::new("Why"));
    let list = frag.push_back(&mut txn, XmlElementPrelim::empty("bulletList"));
    let li = list.push_back(&mut txn, XmlElementPrelim::empty("listItem"));
    li.push_back(
        &mut txn,
        XmlElementPrelim::new("paragraph", [XmlIn::from(XmlTextPrelim::new("no guide"))]),
    );
    let second = li.push_back(&mut txn, XmlElementPrelim::empty("paragraph"));
    second.push_back(&mut txn, XmlTextPrelim::new("line one"));
    second.push_back(&mut txn, XmlElementPrelim::empty("hardBreak"));
    second.push_back(&mut txn, XmlTextPrelim::new("line two"));
    let li2 = list.push_back(&mut txn, XmlElementPrelim::empty("listItem"));
    li2.push_back(
        &mut txn,
        XmlElementPrelim::new("paragraph", [XmlIn::from(XmlTextPrelim::new("slow SSO"))]),
    );
    let q = frag.push_back(&mut txn, XmlElementPrelim::empty("blockquote"));
    q.push_back(
        &mut txn,
        XmlElementPrelim::new("paragraph", [XmlIn::from(XmlTextPrelim::new("I gave up"))]),
    );
    evidence.push_back(
        &mut txn,
        XmlElementPrelim::new("paragraph", [XmlIn::from(XmlTextPrelim::new("12 tickets"))]),
    );
    // the PM signed off under schema 1: digests of schema 1's plain text of each section
    let digest = |t: &str| Any::from(blake3::hash(t.as_bytes()).to_hex()[..32].to_string());
    let sections: HashMap<String, Any> = Section::PROBLEM
        .iter()
        .map(|s| {
            let text = match s {
                Section::Problem => SCHEMA1_PLAIN,
                Section::Evidence => "12 tickets",
                _ => "",
            };
            (s.as_str().to_string(), digest(text))
        })
        .collect();
    signoffs.insert(
        &mut txn,
        "pm",
        Any::from(HashMap::from([
            ("name".to_string(), Any::from("Dana")),
            ("device".to_string(), Any::from("00")),
            ("signed_at".to_string(), Any::from("2026-11-01T10:00:00Z")),
            ("sections".to_string(), Any::from(sections)),
        ])),
    );
    drop(txn);
    let txn = doc.transact();
    yrs::ReadTxn::encode_state_as_update_v1(&txn, &yrs::StateVector::default())
}

fn load(id: Uuid, state: &[u8], who: &str) -> Brief {
    let b = Brief::empty(id, member(who));
    b.apply_decoded(vec![Update::decode_v1(state).unwrap()])
        .unwrap();
    b
}

/// What schema 1 rendered as the problem's plain text (its renderer indented a list item's
/// later lines by two spaces).
const SCHEMA1_PLAIN: &str =
    "New admins quit at step 3.\n\nWhy\n\nno guide\n  line one\n  line two\nslow SSO\n\nI gave up";

const PROBLEM_MD: &str = "New admins **quit** at step 3.\n\n##### Why\n\n- no guide\n  line one\n  line two\n- slow SSO\n\n> I gave up";

#[test]
fn a_schema_1_brief_opens_with_the_same_text_and_structure() {
    let id = Uuid::new_v4();
    let b = load(id, &schema1_state(id), "a");
    assert_eq!(b.schema(), Some(1.0));
    assert!(b.migrate().unwrap());
    assert_eq!(b.schema(), Some(2.0));
    // the same plain text as schema 1 showed (sign-off digests depend on it)
    assert_eq!(b.section_text(Section::Problem), SCHEMA1_PLAIN);
    assert_eq!(b.section_markdown(Section::Problem), PROBLEM_MD);
    assert_eq!(b.section_text(Section::Evidence), "12 tickets");
    assert_eq!(b.title(), "Onboarding");
    let blocks = b.section_blocks(Section::Problem);
    let attrs: Vec<&BlockAttrs> = blocks.iter().map(|b| &b.attrs).collect();
    assert_eq!(attrs[1].kind, Kind::Heading);
    assert_eq!(attrs[1].level, 2);
    assert_eq!(attrs[2].wrap, vec![Wrap::Bullet]);
    assert!(!attrs[2].cont && attrs[3].cont && !attrs[4].cont);
    assert_eq!(attrs[5].wrap, vec![Wrap::Quote]);
    // the schema-1 fragments are emptied; a second migration does nothing
    {
        let txn = b.doc().transact();
        let frag = yrs::ReadTxn::get_xml_fragment(&txn, "section:problem").unwrap();
        assert_eq!(frag.len(&txn), 0);
    }
    assert!(!b.migrate().unwrap());
    // the sign-off made under schema 1 is not stale after the upgrade
    let st = b.signoff_status();
    assert!(!st.signoffs[0].stale, "{:?}", st.signoffs[0]);
}

#[test]
fn two_devices_upgrading_the_same_brief_separately_do_not_double_its_text() {
    let id = Uuid::new_v4();
    let state = schema1_state(id);
    let a = load(id, &state, "a");
    let b = load(id, &state, "b");
    assert!(a.migrate().unwrap());
    assert!(b.migrate().unwrap());
    assert_eq!(a.migration(), b.migration());
    // each edits after upgrading, then they sync (both ways, through the sync layer)
    a.append_paragraph(Section::Problem, "from A");
    b.insert_text(Section::Problem, 0, "B: ");
    let (sa, sb) = (a.encode_state_v1(), b.encode_state_v1());
    let msg = |u: Vec<u8>| yrs::sync::Message::Sync(yrs::sync::SyncMessage::Update(u));
    use yrs::updates::encoder::Encode;
    sync::handle(&b, &msg(sa).encode_v1()).unwrap();
    sync::handle(&a, &msg(sb).encode_v1()).unwrap();
    let text = a.section_text(Section::Problem);
    assert_eq!(text, b.section_text(Section::Problem));
    assert_eq!(text.matches("New admins").count(), 1, "{text}");
    assert_eq!(text.matches("I gave up").count(), 1, "{text}");
    assert!(text.starts_with("B: New admins quit at step 3."), "{text}");
    assert!(text.ends_with("from A"), "{text}");
    assert_eq!(a.section_text(Section::Evidence), "12 tickets");
}

#[test]
fn a_device_that_migrated_a_different_state_is_refused_not_merged() {
    let id = Uuid::new_v4();
    let state = schema1_state(id);
    let a = load(id, &state, "a");
    // B edits on the previous release before upgrading: a different schema-1 state
    let b = load(id, &state, "b");
    {
        let frag = b.doc().get_or_insert_xml_fragment("section:problem");
        let mut txn = b.doc().transact_mut();
        frag.push_back(
            &mut txn,
            XmlElementPrelim::new(
                "paragraph",
                [XmlIn::from(XmlTextPrelim::new("typed on the old release"))],
            ),
        );
    }
    assert!(a.migrate().unwrap());
    assert!(b.migrate().unwrap());
    assert_ne!(a.migration(), b.migration());
    use yrs::updates::encoder::Encode;
    let msg = yrs::sync::Message::Sync(yrs::sync::SyncMessage::Update(b.encode_state_v1()));
    let before = a.section_text(Section::Problem);
    assert!(matches!(
        sync::handle(&a, &msg.encode_v1()),
        Err(SyncError::DivergedMigration { .. })
    ));
    assert_eq!(a.section_text(Section::Problem), before, "nothing merged");
}

#[test]
fn the_engine_migrates_a_stored_schema_1_brief_as_it_opens_and_stores_it() {
    let dir = tempfile::tempdir().unwrap();
    let rt = tokio::runtime::Runtime::new().unwrap();
    rt.block_on(async {
        let engine = groundwork::Engine::open(dir.path()).await.unwrap();
        // a brief as the previous release stored it
        let made = engine.adopt(Uuid::new_v4()).await.unwrap();
        let id = made.id();
        let state = schema1_state(id);
        engine
            .store()
            .append(id, &[state], Some("Onboarding"))
            .await
            .unwrap();
        drop(made);
        let opened = engine.open_brief(id).await.unwrap().brief;
        assert_eq!(opened.schema(), Some(2.0));
        let text = opened.section_text(Section::Problem);
        assert!(text.starts_with("New admins quit at step 3."), "{text}");
        drop(opened);
        // stored: opening again finds schema 2 and nothing to migrate
        let again = engine.open_brief(id).await.unwrap().brief;
        assert!(!again.migrate().unwrap());
        assert_eq!(again.section_text(Section::Problem), text);
    });
}
