//! The sync status count on real SQLite files: this device's edit sessions are stored with
//! the updates they made and survive a restart; a peer's stored state vector says how many of
//! them it has not seen, the same through `status::brief_status` (the app) and the brief list.

use groundwork::brief::Brief;
use groundwork::status::{behind_by_brief, brief_status};
use groundwork::{Engine, Section, Template};
use yrs::updates::encoder::Encode;

fn sv_bytes(b: &Brief) -> Vec<u8> {
    b.state_vector().encode_v1()
}

#[tokio::test]
async fn a_peer_state_vector_counts_the_changes_it_lacks_across_restarts() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Engine::open(da.path()).await.unwrap();
    let b = Engine::open(db.path()).await.unwrap();
    let me = a.identity().device_id();
    let other = b.identity().device_id();
    let brief = a
        .create("Onboarding", Template::ProblemFirst)
        .await
        .unwrap();
    brief.set_section(Section::Problem, "New admins quit at step 3.");
    a.flush(&brief).await.unwrap();
    let copy = b.adopt(brief.id()).await.unwrap();
    copy.apply_update_v1(&brief.encode_state_v1()).unwrap();
    b.flush(&copy).await.unwrap();
    a.store()
        .set_peer_state(&other, brief.id(), &sv_bytes(&copy))
        .await
        .unwrap();
    let members = brief.members();
    let st = brief_status(a.store(), brief.id(), &me, &members, &[])
        .await
        .unwrap();
    assert!(st.changes >= 1, "{st:?}");
    assert_eq!(st.devices.len(), 1, "{st:?}");
    assert_eq!(st.devices[0].unseen, Some(0));
    assert!(st.offline);

    // two more changes on A, in two parts; B concurrently edits (nobody's change on A)
    brief.set_title("Admin onboarding");
    brief.append_paragraph(Section::Evidence, "40 tickets a week.");
    copy.append_paragraph(Section::Risks, "SSO rework");
    brief
        .apply_update_v1(&copy.encode_diff_v1(&brief.state_vector()))
        .unwrap();
    a.flush(&brief).await.unwrap();
    drop(brief);
    drop(a);
    // after a restart the sessions are still there
    let a = Engine::open(da.path()).await.unwrap();
    let st = brief_status(
        a.store(),
        copy.id(),
        &me,
        &members,
        std::slice::from_ref(&other),
    )
    .await
    .unwrap();
    assert_eq!(st.devices[0].unseen, Some(2), "{st:?}");
    assert!(st.devices[0].connected && !st.offline);
    assert_eq!(
        st.devices[0].describe(),
        format!("{}: has not seen 2 of your changes", st.devices[0].name)
    );
    assert_eq!(
        behind_by_brief(a.store(), &me)
            .await
            .unwrap()
            .get(&copy.id()),
        Some(&1)
    );

    // B gets them (its state vector says so): none left
    let reopened = a.open_brief(copy.id()).await.unwrap().brief;
    copy.apply_update_v1(&reopened.encode_diff_v1(&copy.state_vector()))
        .unwrap();
    a.store()
        .set_peer_state(&other, copy.id(), &sv_bytes(&copy))
        .await
        .unwrap();
    let st = brief_status(a.store(), copy.id(), &me, &members, &[])
        .await
        .unwrap();
    assert_eq!(st.devices[0].unseen, Some(0), "{st:?}");
    assert!(behind_by_brief(a.store(), &me).await.unwrap().is_empty());
}

#[tokio::test]
async fn a_member_device_that_never_synced_has_no_count() {
    let (da, db) = (tempfile::tempdir().unwrap(), tempfile::tempdir().unwrap());
    let a = Engine::open(da.path()).await.unwrap();
    let b = Engine::open(db.path()).await.unwrap();
    let brief = a
        .create("Onboarding", Template::ProblemFirst)
        .await
        .unwrap();
    let copy = b.adopt(brief.id()).await.unwrap();
    copy.apply_update_v1(&brief.encode_state_v1()).unwrap();
    copy.set_title("Edited on B");
    brief
        .apply_update_v1(&copy.encode_diff_v1(&brief.state_vector()))
        .unwrap();
    a.flush(&brief).await.unwrap();
    let me = a.identity().device_id();
    let st = brief_status(a.store(), brief.id(), &me, &brief.members(), &[])
        .await
        .unwrap();
    assert_eq!(st.devices.len(), 1, "{st:?}");
    assert_eq!(st.devices[0].device, b.identity().device_id());
    assert_eq!(st.devices[0].unseen, None);
    assert!(st.devices[0].describe().contains("has not synced"));
}
