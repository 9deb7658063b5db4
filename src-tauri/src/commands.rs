//! The IPC commands the UI calls. Each one parses its arguments into engine types (bad input
//! is a typed error, never a panic) and calls the engine; none holds brief logic.

use crate::{files, AppState};
use groundwork::frontend::socket;
use groundwork::frontend::{self, BriefOp, ExportFormat};
use groundwork::ipc::{AppError, Exported, Profile, TemplateInfo};
use groundwork::library::{LibraryPage, ListSort};
use groundwork::model::{Role, Template};
use tauri::State;
use uuid::Uuid;

fn bad(message: impl Into<String>) -> AppError {
    AppError::rejected(message)
}

fn brief_id(s: &str) -> Result<Uuid, AppError> {
    Uuid::parse_str(s).map_err(|_| bad(format!("not a brief id: {s:?}")))
}

type Res<T> = Result<T, AppError>;

#[tauri::command]
pub async fn profile(state: State<'_, AppState>) -> Res<Profile> {
    let engine = state.handle.engine().await;
    let id = engine.identity();
    let confirmed = engine
        .store()
        .setting("profile_confirmed")
        .await
        .map_err(|e| AppError::from(groundwork::EngineError::from(e)))?
        .is_some();
    Ok(Profile {
        name: id.name.clone(),
        role: id.role,
        device: id.device_id(),
        confirmed,
        data_dir: state.data_dir.display().to_string(),
        // empty: exports ask where to go ("Save as…")
        export_dir: state
            .export_dir
            .as_ref()
            .map(|d| d.display().to_string())
            .unwrap_or_default(),
        listen: state
            .listen
            .lock()
            .unwrap_or_else(|p| p.into_inner())
            .clone(),
        autopilot: std::env::var("GROUNDWORK_AUTOPILOT").ok(),
    })
}

/// A figure reported by the UI (time to interactive, brief open, save acknowledgements).
/// Logged; with `GROUNDWORK_METRICS` set also printed on stdout with the wall-clock time in
/// milliseconds, for `scripts/bench-app.sh`.
#[tauri::command]
pub fn metric(name: String, value: f64, detail: String) {
    tracing::debug!(%name, value, "metric");
    if std::env::var_os("GROUNDWORK_METRICS").is_some() {
        let now = std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .map(|d| d.as_millis())
            .unwrap_or(0);
        let name: String = name
            .chars()
            .filter(|c| c.is_ascii_alphanumeric() || *c == '_')
            .take(40)
            .collect();
        let detail: String = detail
            .chars()
            .filter(|c| !c.is_control())
            .take(200_000)
            .collect();
        println!("METRIC {name} {value} {now} {detail}");
    }
}

/// A brief's sync status: every other device sharing it, connected or when last heard, and
/// how many of this device's changes it has not seen (see `groundwork::status`).
#[tauri::command]
pub async fn sync_status(
    state: State<'_, AppState>,
    brief: String,
) -> Res<groundwork::status::BriefStatus> {
    let id = brief_id(&brief)?;
    Ok(state.handle.sync_status(id).await?)
}

/// Every device this one has met, and whether it is linked now.
#[tauri::command]
pub async fn devices(state: State<'_, AppState>) -> Res<Vec<groundwork::status::KnownDevice>> {
    Ok(state.handle.devices().await?)
}

/// Adds a device by address (host:port): remembered and dialed.
#[tauri::command]
pub async fn add_peer(state: State<'_, AppState>, addr: String) -> Res<()> {
    Ok(state.handle.add_peer(&addr).await?)
}

/// The brief's relays ("Sync beyond this network").
#[tauri::command]
pub async fn relays(
    state: State<'_, AppState>,
    brief: String,
) -> Res<Vec<groundwork::frontend::RelayView>> {
    let id = brief_id(&brief)?;
    Ok(state.handle.relays(id).await?)
}

/// Relays the brief through a Yjs server from this device (the UI asked for confirmation).
#[tauri::command]
pub async fn add_relay(
    state: State<'_, AppState>,
    brief: String,
    url: String,
    token: Option<String>,
    token_in: String,
) -> Res<()> {
    let id = brief_id(&brief)?;
    Ok(state.handle.add_relay(id, &url, token, &token_in).await?)
}

/// Stops relaying the brief through a server.
#[tauri::command]
pub async fn remove_relay(state: State<'_, AppState>, brief: String, url: String) -> Res<()> {
    let id = brief_id(&brief)?;
    Ok(state.handle.remove_relay(id, &url).await?)
}

/// The person dismissed the brief's merge receipt.
#[tauri::command]
pub async fn dismiss_receipt(state: State<'_, AppState>, brief: String) -> Res<()> {
    let id = brief_id(&brief)?;
    Ok(state.handle.dismiss_receipt(id).await?)
}

/// The UI keeps the window open after a close request: edits could not be stored and it asks
/// the person (see `closing`).
#[tauri::command]
pub fn hold_close(state: State<'_, AppState>) {
    tracing::info!("close held: edits not stored yet");
    state.closing.hold();
}

#[tauri::command]
pub async fn set_profile(state: State<'_, AppState>, name: String, role: String) -> Res<()> {
    let role: Role = role.parse().map_err(|e| bad(format!("{e}")))?;
    Ok(state.handle.set_profile(&name, role).await?)
}

#[tauri::command]
pub fn templates() -> Vec<TemplateInfo> {
    Template::ALL
        .iter()
        .map(|t| TemplateInfo {
            id: *t,
            label: t.label().to_string(),
            sections: t
                .sections()
                .iter()
                .map(|(s, _)| (*s, t.heading(*s).to_string()))
                .collect(),
        })
        .collect()
}

#[tauri::command]
pub async fn list_briefs(
    state: State<'_, AppState>,
    query: String,
    sort: ListSort,
    limit: usize,
) -> Res<LibraryPage> {
    let engine = state.handle.engine().await;
    let list = state.library.page(&engine, &query, sort, limit).await?;
    state.trimmer.soon();
    Ok(list)
}

#[tauri::command]
pub async fn create_brief(
    state: State<'_, AppState>,
    title: String,
    template: String,
) -> Res<String> {
    let template: Template = template.parse().map_err(|e| bad(format!("{e}")))?;
    let title = title.trim();
    if title.is_empty() || title.chars().count() > 200 {
        return Err(bad("a title must have 1 to 200 characters"));
    }
    let engine = state.handle.engine().await;
    let b = engine.create(title, template).await?;
    Ok(b.id().to_string())
}

#[tauri::command]
pub async fn import_markdown(state: State<'_, AppState>, markdown: String) -> Res<String> {
    let engine = state.handle.engine().await;
    Ok(frontend::import_markdown(&engine, &markdown)
        .await?
        .to_string())
}

/// Attaches the UI's Yjs document for a brief. Returns the editor id that `close_brief` and
/// the editor's link take, with what the engine sent while attaching (the whole state, its
/// step 1, presence); everything after goes over the link (`editor_socket`).
#[tauri::command]
pub async fn open_brief(
    state: State<'_, AppState>,
    brief: String,
    client_id: u64,
) -> Res<tauri::ipc::Response> {
    let id = brief_id(&brief)?;
    let (editor, first) = state.sockets.attach(id, Some(client_id)).await?;
    state.trimmer.soon();
    let Some(reply) = open_reply(editor, &first) else {
        state.sockets.close(editor);
        return Err(bad("the brief's state is too large to hand to the editor"));
    };
    Ok(tauri::ipc::Response::new(reply))
}

/// The `open_brief` reply: the editor id as a u64, little-endian, then each message as a u32
/// little-endian length and its bytes (as in a batch on the editor's link, ARCHITECTURE.md
/// "IPC"). `None` if a message does not fit a u32 length.
pub fn open_reply(editor: u64, messages: &[Vec<u8>]) -> Option<Vec<u8>> {
    let len = 8 + messages.iter().map(|m| 4 + m.len()).sum::<usize>();
    let mut out = Vec::with_capacity(len);
    out.extend_from_slice(&editor.to_le_bytes());
    for m in messages {
        socket::frame(&mut out, m)?;
    }
    Some(out)
}

/// Where an open editor connects for its link to the engine: a loopback WebSocket URL with
/// this run's token (the page adds `&editor=<id>`; see `groundwork::frontend::socket`).
#[tauri::command]
pub fn editor_socket(state: State<'_, AppState>) -> String {
    state.sockets.url()
}

#[tauri::command]
pub fn close_brief(state: State<'_, AppState>, editor: u64) {
    state.sockets.close(editor);
}

#[tauri::command]
pub async fn brief_op(
    state: State<'_, AppState>,
    brief: String,
    op: serde_json::Value,
) -> Res<serde_json::Value> {
    let id = brief_id(&brief)?;
    let op = BriefOp::from_json(op)?;
    Ok(state.handle.apply(id, op).await?)
}

/// Renders the brief from its live document and writes it to the export folder.
#[tauri::command]
pub async fn export_brief(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    brief: String,
    format: String,
) -> Res<Option<Exported>> {
    let id = brief_id(&brief)?;
    let format: ExportFormat = serde_json::from_value(serde_json::Value::String(format))
        .map_err(|_| bad("format must be markdown, html, json or pdf"))?;
    let (title, content) = state.handle.render(id, format).await?;
    let bytes = frontend::finish(&title, format, content).await?;
    let kind = match format {
        ExportFormat::Markdown => files::MARKDOWN,
        ExportFormat::Html => files::Kind {
            name: "HTML",
            extension: "html",
        },
        ExportFormat::Json => files::Kind {
            name: "JSON",
            extension: "json",
        },
        ExportFormat::Pdf => files::Kind {
            name: "PDF",
            extension: "pdf",
        },
    };
    files::save(&app, "Save brief as", &title, kind, &bytes).await
}

/// One decision of the brief as an ADR (MADR layout, Markdown), through "Save as…".
#[tauri::command]
pub async fn export_decision(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
    brief: String,
    decision: String,
) -> Res<Option<Exported>> {
    let id = brief_id(&brief)?;
    let (stem, content) = state.handle.render_adr(id, decision).await?;
    files::save(
        &app,
        "Save decision as",
        &stem,
        files::MARKDOWN,
        content.as_bytes(),
    )
    .await
}

/// "Open…": a Markdown file chosen in the platform's dialog, imported as a new brief; its id,
/// or `None` if the person cancelled.
#[tauri::command]
pub async fn open_markdown(
    app: tauri::AppHandle,
    state: State<'_, AppState>,
) -> Res<Option<String>> {
    let Some(markdown) = files::open_text(&app, "Open a Markdown brief", files::MARKDOWN).await?
    else {
        return Ok(None);
    };
    let engine = state.handle.engine().await;
    Ok(Some(
        frontend::import_markdown(&engine, &markdown)
            .await?
            .to_string(),
    ))
}

/// A one-line invite code for a brief. Without `options`, the code shown before while it
/// stays valid; with them, a new code (days valid, single use). A device that joins with it
/// asks the brief's members.
#[tauri::command]
pub async fn invite_brief(
    state: State<'_, AppState>,
    brief: String,
    options: Option<groundwork::sharing::InviteOptions>,
) -> Res<String> {
    let id = brief_id(&brief)?;
    // the app's codes always ask a member
    let options = options.map(|o| groundwork::sharing::InviteOptions { ask: true, ..o });
    Ok(state.handle.invite(id, options).await?)
}

/// Adds a brief from an invite code; it fills in once a member approved this device.
#[tauri::command]
pub async fn join_brief(state: State<'_, AppState>, code: String) -> Res<String> {
    Ok(state.handle.join(&code).await?.to_string())
}

/// The brief's roster and this device's own join, for the People and devices panel.
#[tauri::command]
pub async fn access(state: State<'_, AppState>, brief: String) -> Res<groundwork::sharing::Access> {
    let id = brief_id(&brief)?;
    Ok(state.handle.access(id).await?)
}

/// Approves a device that asks to join the brief.
#[tauri::command]
pub async fn approve_device(state: State<'_, AppState>, brief: String, device: String) -> Res<()> {
    let id = brief_id(&brief)?;
    Ok(state.handle.approve(id, device).await?)
}

/// Removes a device from the brief (or declines its request); the secret is rotated.
#[tauri::command]
pub async fn remove_device(state: State<'_, AppState>, brief: String, device: String) -> Res<()> {
    let id = brief_id(&brief)?;
    Ok(state.handle.remove(id, device).await?)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn open_reply_frames_the_editor_and_each_message() {
        let r = open_reply(0x0102, &[vec![7, 8, 9], vec![], vec![1]]).expect("fits");
        assert_eq!(
            r,
            [
                &[2, 1, 0, 0, 0, 0, 0, 0][..],
                &[3, 0, 0, 0, 7, 8, 9],
                &[0, 0, 0, 0],
                &[1, 0, 0, 0, 1]
            ]
            .concat()
        );
        assert_eq!(open_reply(5, &[]).expect("fits"), 5u64.to_le_bytes());
    }
}

/// The brief that was open when the app last ended (see `placement`), to reopen at start.
#[tauri::command]
pub fn last_brief(state: State<'_, AppState>) -> Option<String> {
    state.placement.get().brief
}

/// What the window shows now: a brief (its id), or the list (`None`); kept at once, so even a
/// crash reopens it.
#[tauri::command]
pub fn remember_brief(state: State<'_, AppState>, brief: Option<String>) -> Res<()> {
    let brief = brief
        .map(|b| brief_id(&b))
        .transpose()?
        .map(|id| id.to_string());
    state.placement.update(true, |p| p.brief = brief);
    Ok(())
}

/// Who writes for each yrs client id of a brief, to colour its text by author.
#[tauri::command]
pub async fn authors(
    state: State<'_, AppState>,
    brief: String,
) -> Res<Vec<groundwork::brief::KnownClient>> {
    let id = brief_id(&brief)?;
    Ok(state.handle.authors(id).await?)
}

/// A brief's versions, oldest first (the history panel).
#[tauri::command]
pub async fn versions(
    state: State<'_, AppState>,
    brief: String,
) -> Res<Vec<groundwork::brief::VersionInfo>> {
    let id = brief_id(&brief)?;
    Ok(state.handle.versions(id).await?)
}

/// How each section differs between a version and now.
#[tauri::command]
pub async fn version_diff(
    state: State<'_, AppState>,
    brief: String,
    version: String,
) -> Res<Vec<groundwork::brief::SectionDiff>> {
    let id = brief_id(&brief)?;
    Ok(state.handle.version_diff(id, version).await?)
}

/// The sections others changed since this device's person last looked at the brief.
#[tauri::command]
pub async fn since_looked(
    state: State<'_, AppState>,
    brief: String,
) -> Res<Vec<groundwork::brief::SectionChange>> {
    let id = brief_id(&brief)?;
    Ok(state.handle.since_looked(id).await?)
}

/// The person has seen the brief as it is now ("mark as seen", and closing it).
#[tauri::command]
pub async fn mark_seen(state: State<'_, AppState>, brief: String) -> Res<()> {
    let id = brief_id(&brief)?;
    Ok(state.handle.mark_seen(id).await?)
}

/// A version as it read (read-only): each section and its text then.
#[tauri::command]
pub async fn version_sections(
    state: State<'_, AppState>,
    brief: String,
    version: String,
) -> Res<Vec<(groundwork::Section, String)>> {
    let id = brief_id(&brief)?;
    Ok(state.handle.version_sections(id, version).await?)
}
