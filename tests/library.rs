//! The library index on real SQLite files: search finds a word wherever a brief holds it, the
//! index follows changes made by another process (the CLI) or stored from a peer, and no
//! typed query is an error; the list counts the sections others changed since the last look.

use groundwork::brief::NewDecision;
use groundwork::library::{Library, LibraryEntry};
use groundwork::{ConcernKind, Engine, Role, Section, Template};
use proptest::prelude::*;

async fn search(engine: &Engine, q: &str) -> Vec<LibraryEntry> {
    Library::default().list(engine, q).await.unwrap()
}

async fn lib_search(lib: &Library, engine: &Engine, q: &str) -> Vec<LibraryEntry> {
    lib.list(engine, q).await.unwrap()
}

fn titles(list: &[LibraryEntry]) -> Vec<&str> {
    list.iter().map(|e| e.title.as_str()).collect()
}

#[tokio::test]
async fn search_finds_words_in_every_part_of_a_brief() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).await.unwrap();
    let b = engine
        .create("Quarterly churn", Template::ProblemFirst)
        .await
        .unwrap();
    b.set_section(Section::Problem, "New admins quit at step three.");
    b.append_paragraph(
        Section::Evidence,
        "Forty tickets a week mention invitations.",
    );
    b.set_section(Section::Approach, "A guided setup with a checklist.");
    b.add_decision(NewDecision {
        decision: "Ship the wizard behind a flag".into(),
        context: "Support load peaks on Mondays".into(),
        alternatives: "Rewrite onboarding emails".into(),
        tradeoffs: "Delays the billing migration".into(),
        decided_by: vec![Role::Pm],
        rests_on: vec![Section::Problem],
    })
    .unwrap();
    b.add_concern(
        Role::Engineer,
        ConcernKind::Feasibility,
        "SSO tenants skip the wizard",
    )
    .unwrap();
    b.add_question("Do résellers see the checklist?").unwrap();
    engine.flush(&b).await.unwrap();
    let other = engine
        .create("Billing emails", Template::ProblemFirst)
        .await
        .unwrap();
    other.set_section(Section::Problem, "Invoices land in spam.");
    engine.flush(&other).await.unwrap();

    assert_eq!(search(&engine, "").await.len(), 2);
    for word in [
        "churn",        // title
        "admins",       // problem
        "invitations",  // evidence
        "checklist",    // approach (and a question)
        "wizard",       // decision
        "mondays",      // decision context
        "emails",       // decision alternatives (and the other brief's title)
        "migration",    // trade-offs
        "sso",          // concern
        "resellers",    // question, accent ignored
        "invit",        // the start of a word
        "ADMINS three", // any case, every word
    ] {
        let hits = search(&engine, word).await;
        assert!(
            titles(&hits).contains(&"Quarterly churn"),
            "{word}: {:?}",
            titles(&hits)
        );
    }
    assert_eq!(titles(&search(&engine, "spam").await), ["Billing emails"]);
    assert!(search(&engine, "admins spam").await.is_empty());
    assert!(search(&engine, "zebra").await.is_empty());
    // a hit in the text comes with its passage; a hit in the title only, without
    let hits = search(&engine, "step").await;
    assert!(hits[0].matched.contains("quit at step three"), "{hits:?}");
    // a page has the passages of its briefs too
    let page = Library::default()
        .page(&engine, "step", groundwork::library::ListSort::Updated, 10)
        .await
        .unwrap();
    assert_eq!(page.total, 1);
    assert!(
        page.entries[0].matched.contains("quit at step three"),
        "{page:?}"
    );
    let hits = search(&engine, "quarterly").await;
    assert_eq!(hits[0].matched, "");
    assert_eq!(hits[0].excerpt, "New admins quit at step three.");
    assert_eq!(hits[0].open_concerns, 1);
    assert_eq!(hits[0].open_questions, 1);
}

#[tokio::test]
async fn the_index_follows_changes_made_elsewhere_and_reindexes_only_those() {
    let dir = tempfile::tempdir().unwrap();
    let app = Engine::open(dir.path()).await.unwrap();
    // one library, as the app keeps: what it remembers between listings must follow too
    let lib = Library::default();
    let mut ids = Vec::new();
    for i in 0..5 {
        let b = app
            .create(&format!("Brief {i}"), Template::ProblemFirst)
            .await
            .unwrap();
        b.set_section(Section::Problem, &format!("Original words number{i}."));
        app.flush(&b).await.unwrap();
        ids.push(b.id());
    }
    assert_eq!(lib_search(&lib, &app, "original").await.len(), 5);
    let before = app.store().index_rows().await.unwrap();
    assert!(before.iter().all(|r| r.current_summary().is_some()));

    // another process on the same data directory (the CLI) rewrites brief 2
    let cli = Engine::open(dir.path()).await.unwrap();
    let b = cli.open_brief(ids[2]).await.unwrap().brief;
    b.set_section(Section::Problem, "Replaced by pelican sightings.");
    cli.flush(&b).await.unwrap();
    drop(cli);
    // a peer's copy of brief 4, stored as the running peer stores what it receives
    let da = tempfile::tempdir().unwrap();
    let peer = Engine::open(da.path()).await.unwrap();
    let theirs = peer.adopt(ids[4]).await.unwrap();
    let mine = app.open_brief(ids[4]).await.unwrap().brief;
    theirs.apply_update_v1(&mine.encode_state_v1()).unwrap();
    theirs.add_question("What about walruses?").unwrap();
    mine.apply_update_v1(&theirs.encode_diff_v1(&mine.state_vector()))
        .unwrap();
    app.flush(&mine).await.unwrap();

    assert_eq!(
        titles(&lib_search(&lib, &app, "pelican").await),
        ["Brief 2"]
    );
    assert_eq!(titles(&lib_search(&lib, &app, "walrus").await), ["Brief 4"]);
    assert!(!titles(&lib_search(&lib, &app, "number2").await).contains(&"Brief 2"));
    assert_eq!(lib_search(&lib, &app, "original").await.len(), 4);
    let after = app.store().index_rows().await.unwrap();
    let moved: Vec<_> = before
        .iter()
        .filter(|b| {
            let a = after.iter().find(|a| a.brief.id == b.brief.id).unwrap();
            a.indexed.as_ref().map(|x| x.0) != b.indexed.as_ref().map(|x| x.0)
        })
        .map(|b| b.brief.id)
        .collect();
    let mut want = vec![ids[2], ids[4]];
    want.sort();
    let mut moved = moved;
    moved.sort();
    assert_eq!(moved, want, "only the changed briefs were indexed again");

    // a peer says it holds nothing of brief 0: the same library shows it behind
    use yrs::updates::encoder::Encode;
    let nothing = yrs::StateVector::default().encode_v1();
    app.store()
        .set_peer_state(&"ab".repeat(32), ids[0], &nothing)
        .await
        .unwrap();
    let list = lib_search(&lib, &app, "").await;
    let e = list.iter().find(|e| e.title == "Brief 0").unwrap();
    assert_eq!(e.behind, 1, "{e:?}");
}

#[tokio::test]
async fn an_index_dropped_or_from_an_older_layout_is_made_again() {
    let dir = tempfile::tempdir().unwrap();
    let engine = Engine::open(dir.path()).await.unwrap();
    let b = engine.create("Kept", Template::ProblemFirst).await.unwrap();
    b.set_section(Section::Problem, "Albatross.");
    engine.flush(&b).await.unwrap();
    assert_eq!(search(&engine, "albatross").await.len(), 1);
    let seq = engine.store().newest_seq(b.id()).await.unwrap();
    engine
        .store()
        .put_index(b.id(), seq, "{\"v\":0}", "Kept", "")
        .await
        .unwrap();
    // an unreadable summary is made again, words and all
    assert_eq!(search(&engine, "albatross").await.len(), 1);
    assert_eq!(search(&engine, "").await[0].title, "Kept");
}

fn hostile() -> impl Strategy<Value = String> {
    prop_oneof![
        any::<String>(),
        proptest::collection::vec(
            prop_oneof![
                Just("\"".to_string()),
                Just("*".to_string()),
                Just(" ".to_string()),
                Just("NEAR(".to_string()),
                Just(")".to_string()),
                Just("title:".to_string()),
                Just("^".to_string()),
                Just("OR".to_string()),
                Just("-".to_string()),
                Just("\u{E000}".to_string()),
                Just("ß".to_string()),
                Just("\u{301}".to_string()),
                "[a-z]{1,4}",
            ],
            0..12
        )
        .prop_map(|v| v.concat()),
    ]
}

#[test]
fn no_typed_query_is_an_error() {
    let rt = tokio::runtime::Runtime::new().unwrap();
    let dir = tempfile::tempdir().unwrap();
    let engine = rt.block_on(async {
        let e = Engine::open(dir.path()).await.unwrap();
        let b = e
            .create("NEAR title OR", Template::ProblemFirst)
            .await
            .unwrap();
        b.set_section(Section::Problem, "ab \"quoted\" * NEAR(x y) ß café");
        e.flush(&b).await.unwrap();
        e
    });
    proptest!(ProptestConfig::with_cases(400), |(q in hostile())| {
        let r = rt.block_on(Library::default().list(&engine, &q));
        prop_assert!(r.is_ok(), "{q:?}: {:?}", r.err());
    });
}

#[tokio::test]
async fn the_list_counts_the_sections_others_changed_since_the_last_look() {
    let dir = tempfile::tempdir().unwrap();
    let app = Engine::open(dir.path()).await.unwrap();
    let lib = Library::default();
    let b = app
        .create("Looked at", Template::ProblemFirst)
        .await
        .unwrap();
    b.set_section(Section::Problem, "New admins quit at step 3.");
    app.flush(&b).await.unwrap();
    let other = app
        .create("Never looked at", Template::ProblemFirst)
        .await
        .unwrap();
    app.flush(&other).await.unwrap();
    let changed = |list: &[LibraryEntry], title: &str| {
        list.iter().find(|e| e.title == title).unwrap().changed
    };
    let list = lib_search(&lib, &app, "").await;
    assert_eq!(changed(&list, "Looked at"), 0);
    app.mark_seen(&b).await.unwrap();

    // Ben, on his laptop, changes two sections; the running peer stores what it receives
    let db = tempfile::tempdir().unwrap();
    let ben = Engine::open(db.path()).await.unwrap();
    let theirs = ben.adopt(b.id()).await.unwrap();
    theirs.apply_update_v1(&b.encode_state_v1()).unwrap();
    theirs.set_section(Section::Problem, "New admins quit at step 2, not 3.");
    theirs.set_section(Section::Evidence, "Six of ten interviews said so.");
    b.apply_update_v1(&theirs.encode_diff_v1(&b.state_vector()))
        .unwrap();
    app.flush(&b).await.unwrap();
    let list = lib_search(&lib, &app, "").await;
    assert_eq!(changed(&list, "Looked at"), 2, "{list:?}");
    assert_eq!(changed(&list, "Never looked at"), 0);

    // my own edits never count; a count already made is not made again while nothing moved
    b.set_section(Section::Options, "My own idea.");
    app.flush(&b).await.unwrap();
    let list = lib_search(&lib, &app, "").await;
    assert_eq!(changed(&list, "Looked at"), 2);
    let counted = app.store().since_counts().await.unwrap()[&b.id()];
    assert_eq!(
        counted,
        Some((app.store().newest_seq(b.id()).await.unwrap(), 2))
    );

    // a third section by Ben, then the brief marked as seen: nothing is new
    theirs.set_section(Section::Affected, "Admins of teams over 50.");
    b.apply_update_v1(&theirs.encode_diff_v1(&b.state_vector()))
        .unwrap();
    app.flush(&b).await.unwrap();
    assert_eq!(changed(&lib_search(&lib, &app, "").await, "Looked at"), 3);
    app.mark_seen(&b).await.unwrap();
    assert_eq!(changed(&lib_search(&lib, &app, "").await, "Looked at"), 0);
}
