//! The UI's IPC types are generated from the Rust types (ts-rs), never written by hand:
//! this test renders them and fails when `ui/src/ipc.generated.ts` is not what the code says.
//! `GROUNDWORK_WRITE_TYPES=1 cargo test --test ipc_types` rewrites the file.

use groundwork::brief::{
    Concern, Decision, FlaggedDecision, KnownClient, Member, MergeReceipt, Part, Question,
    ReceiptItem, Signoff, SignoffStatus,
};
use groundwork::frontend::{EditorView, ExportFormat, LayoutSection, LibraryEntry};
use groundwork::ipc::{AppError, ErrorKind, Exported, Profile, TemplateInfo};
use groundwork::status::{BriefStatus, DeviceStatus, KnownDevice};
use groundwork::{ConcernKind, ConcernStatus, Role, Section, Template};
use ts_rs::TS;

fn render() -> String {
    let decls = [
        Role::decl(),
        ConcernKind::decl(),
        ConcernStatus::decl(),
        Section::decl(),
        Template::decl(),
        ExportFormat::decl(),
        Member::decl(),
        Decision::decl(),
        Concern::decl(),
        Question::decl(),
        Signoff::decl(),
        SignoffStatus::decl(),
        LayoutSection::decl(),
        EditorView::decl(),
        LibraryEntry::decl(),
        groundwork::library::LibraryPage::decl(),
        groundwork::library::ListSort::decl(),
        ErrorKind::decl(),
        AppError::decl(),
        Profile::decl(),
        groundwork::brief::DeviceState::decl(),
        groundwork::brief::RosterEntry::decl(),
        groundwork::sharing::InviteOptions::decl(),
        groundwork::sharing::Access::decl(),
        TemplateInfo::decl(),
        Exported::decl(),
        Part::decl(),
        ReceiptItem::decl(),
        FlaggedDecision::decl(),
        MergeReceipt::decl(),
        KnownClient::decl(),
        groundwork::brief::VersionKind::decl(),
        groundwork::brief::VersionInfo::decl(),
        groundwork::brief::DiffOp::decl(),
        groundwork::brief::SectionDiff::decl(),
        groundwork::brief::SectionChange::decl(),
        groundwork::brief::Reply::decl(),
        groundwork::brief::CommentThread::decl(),
        DeviceStatus::decl(),
        BriefStatus::decl(),
        KnownDevice::decl(),
        groundwork::frontend::RelayView::decl(),
    ];
    let mut out = String::from(
        "// Generated from the Rust types by tests/ipc_types.rs (ts-rs): do not edit.\n\
         // Regenerate with `GROUNDWORK_WRITE_TYPES=1 cargo test --test ipc_types`.\n",
    );
    for d in decls {
        out.push_str("\nexport ");
        out.push_str(d.trim());
        out.push('\n');
    }
    out
}

#[test]
fn ui_ipc_types_are_generated_from_the_rust_types() {
    let path = concat!(env!("CARGO_MANIFEST_DIR"), "/ui/src/ipc.generated.ts");
    let want = render();
    if std::env::var_os("GROUNDWORK_WRITE_TYPES").is_some() {
        std::fs::write(path, &want).unwrap();
    }
    let have = std::fs::read_to_string(path).unwrap_or_default();
    assert!(
        have == want,
        "ui/src/ipc.generated.ts is not current: run `GROUNDWORK_WRITE_TYPES=1 cargo test --test ipc_types`"
    );
}
