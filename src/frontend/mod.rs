//! What a front end (the desktop shell) needs from a running peer, with no GUI in sight:
//! a cloneable [`Handle`] over the hub's command channel ([`crate::net::Command`]), the typed
//! brief operations the UI asks for ([`BriefOp`]); export to files and import from Markdown
//! (`files.rs`), a brief's relays (`relays.rs`) and the open editor's WebSocket link
//! (`socket.rs`). The brief library with search is [`crate::library`] (re-exported here). The
//! shell only turns IPC calls into these.

mod files;
mod relays;
pub mod socket;
pub use files::{
    file_stem, finish, import_markdown, render, write_export, write_export_bytes, write_file,
    ExportFormat,
};
pub use relays::RelayView;

use crate::brief::{Brief, NewDecision};
use crate::engine::Engine;
use crate::model::{ConcernKind, ConcernStatus, Role, Section, Template};
use crate::net::{Command, EditOp, FrontendError};
use crate::status::{BriefStatus, KnownDevice};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot, RwLock, RwLockReadGuard};
use uuid::Uuid;

pub use crate::library::{Library, LibraryEntry};

/// A front end's end of a running peer. Cheap to clone.
#[derive(Clone)]
pub struct Handle {
    tx: mpsc::UnboundedSender<Command>,
    engine: Arc<RwLock<Engine>>,
}

impl Handle {
    /// `engine` is a second engine on the same data directory for library work (listing,
    /// creating, importing); live documents are only ever touched through the hub.
    pub fn new(tx: mpsc::UnboundedSender<Command>, engine: Engine) -> Handle {
        Handle {
            tx,
            engine: Arc::new(RwLock::new(engine)),
        }
    }

    /// The library engine (listing, creating, importing, settings).
    pub async fn engine(&self) -> RwLockReadGuard<'_, Engine> {
        self.engine.read().await
    }

    fn send(&self, cmd: Command) -> Result<(), FrontendError> {
        self.tx.send(cmd).map_err(|_| FrontendError::Stopped)
    }

    /// Attaches an editor to a brief; see [`Command::Attach`].
    pub async fn attach(
        &self,
        brief: Uuid,
        client_id: Option<u64>,
        out: mpsc::UnboundedSender<Vec<u8>>,
    ) -> Result<u64, FrontendError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Attach {
            brief,
            client_id,
            out,
            reply,
        })?;
        rx.await.map_err(|_| FrontendError::Stopped)?
    }

    /// Hands a local update to the hub without waiting (see [`Command::LocalUpdate`]).
    pub fn local_update(&self, brief: Uuid, update: Vec<u8>) {
        let _ = self.send(Command::LocalUpdate { brief, update });
    }

    pub fn detach(&self, editor: u64) {
        let _ = self.send(Command::Detach { editor });
    }

    /// Sends an editor's y-sync message; returns once what it changed is stored.
    pub async fn message(&self, editor: u64, message: Vec<u8>) -> Result<(), FrontendError> {
        self.submit(editor, message)?.await
    }

    /// Hands an editor's y-sync message to the hub now, without waiting: messages submitted
    /// one after another are applied in that order. The returned future resolves once what
    /// the message changed is stored (or with why it was refused or not stored).
    pub fn submit(
        &self,
        editor: u64,
        message: Vec<u8>,
    ) -> Result<
        impl std::future::Future<Output = Result<(), FrontendError>> + Send + 'static,
        FrontendError,
    > {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Message {
            editor,
            message,
            reply: Some(reply),
        })?;
        Ok(async move { rx.await.map_err(|_| FrontendError::Stopped)? })
    }

    /// Runs a typed operation on a brief's live document; returns once it is stored.
    pub async fn apply(
        &self,
        brief: Uuid,
        op: BriefOp,
    ) -> Result<serde_json::Value, FrontendError> {
        self.edit(brief, Box::new(move |b: &Brief| op.apply(b)))
            .await
    }

    /// A brief's title and its rendering in `format`, from the live document.
    pub async fn render(
        &self,
        brief: Uuid,
        format: ExportFormat,
    ) -> Result<(String, String), FrontendError> {
        self.read(brief, move |b: &Brief| (b.title(), render(b, format)))
            .await
    }

    /// The sections others changed since this device's person last looked (empty before the
    /// first look).
    pub async fn since_looked(
        &self,
        brief: Uuid,
    ) -> Result<Vec<crate::brief::SectionChange>, FrontendError> {
        let mark = self
            .engine()
            .await
            .seen_mark(brief)
            .await
            .map_err(storage)?;
        let Some(mark) = mark else {
            return Ok(Vec::new());
        };
        self.read(brief, move |b: &Brief| b.changed_since(&mark))
            .await
    }

    /// Marks the brief as seen by this device's person: what it has now.
    pub async fn mark_seen(&self, brief: Uuid) -> Result<(), FrontendError> {
        let mark = self.read(brief, move |b: &Brief| b.seen_now()).await?;
        let json = serde_json::to_string(&mark).map_err(storage)?;
        let engine = self.engine().await;
        engine
            .store()
            .put_seen_mark(brief, &json)
            .await
            .map_err(storage)
    }

    /// A brief's versions, oldest first.
    pub async fn versions(
        &self,
        brief: Uuid,
    ) -> Result<Vec<crate::brief::VersionInfo>, FrontendError> {
        self.read(brief, move |b: &Brief| b.versions()).await
    }

    /// A version as it read: each section's text then.
    pub async fn version_sections(
        &self,
        brief: Uuid,
        version: String,
    ) -> Result<Vec<(Section, String)>, FrontendError> {
        self.read(brief, move |b: &Brief| b.version_sections(&version))
            .await?
            .map_err(rejected)
    }

    /// How each section differs between a version and now.
    pub async fn version_diff(
        &self,
        brief: Uuid,
        version: String,
    ) -> Result<Vec<crate::brief::SectionDiff>, FrontendError> {
        self.read(brief, move |b: &Brief| b.version_diff(&version))
            .await?
            .map_err(rejected)
    }

    /// Who writes for each client id in a brief ("who wrote what" in the editor).
    pub async fn authors(
        &self,
        brief: Uuid,
    ) -> Result<Vec<crate::brief::KnownClient>, FrontendError> {
        self.read(brief, move |b: &Brief| b.known_clients()).await
    }

    /// One decision of a brief as an ADR (file name stem, Markdown), from the live document.
    pub async fn render_adr(
        &self,
        brief: Uuid,
        decision: String,
    ) -> Result<(String, String), FrontendError> {
        self.read(brief, move |b: &Brief| {
            let adr = crate::adr::decision_adr(b, &decision).map_err(rejected)?;
            let d = b
                .decisions()
                .into_iter()
                .find(|d| d.id.starts_with(decision.trim()));
            let stem = match d {
                Some(d) => format!("ADR {} {}", d.date, d.decision),
                None => "ADR".to_string(),
            };
            Ok((stem, adr))
        })
        .await?
    }

    /// Reads something from a brief's live document (on the hub, between other edits).
    pub async fn read<T: Send + 'static>(
        &self,
        brief: Uuid,
        f: impl FnOnce(&Brief) -> T + Send + 'static,
    ) -> Result<T, FrontendError> {
        let (tx, rx) = oneshot::channel();
        self.edit(
            brief,
            Box::new(move |b: &Brief| {
                let _ = tx.send(f(b));
                Ok(serde_json::Value::Null)
            }),
        )
        .await?;
        rx.await.map_err(|_| FrontendError::Stopped)
    }

    /// Runs any operation on a brief's live document; returns once it is stored.
    pub async fn edit(&self, brief: Uuid, op: EditOp) -> Result<serde_json::Value, FrontendError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Edit { brief, op, reply })?;
        rx.await.map_err(|_| FrontendError::Stopped)?
    }

    /// The devices linked to this one now (hex keys).
    pub async fn connected(&self) -> Result<Vec<String>, FrontendError> {
        let (reply, rx) = oneshot::channel();
        self.send(Command::Connected { reply })?;
        rx.await.map_err(|_| FrontendError::Stopped)
    }

    /// A brief's sync status (see [`crate::status`]): its members read from the live
    /// document, the devices linked now from the running peer, the rest from the database.
    pub async fn sync_status(&self, brief: Uuid) -> Result<BriefStatus, FrontendError> {
        let (members, asking) = self
            .read(brief, move |b: &Brief| {
                let members: Vec<_> = b
                    .members()
                    .into_iter()
                    .filter(|m| b.admits(&m.device))
                    .collect();
                let asking: Vec<String> = b
                    .roster()
                    .into_iter()
                    .filter(|e| e.state == crate::brief::DeviceState::Asking)
                    .map(|e| e.name)
                    .collect();
                (members, asking)
            })
            .await?;
        let connected = self.connected().await?;
        let engine = self.engine().await;
        let me = engine.identity().device_id();
        let mut status =
            crate::status::brief_status(engine.store(), brief, &me, &members, &connected)
                .await
                .map_err(|e| FrontendError::Storage(e.to_string()))?;
        status.asking = asking;
        Ok(status)
    }

    /// Every device this one has met, and whether it is linked now.
    pub async fn devices(&self) -> Result<Vec<KnownDevice>, FrontendError> {
        let connected = self.connected().await?;
        let engine = self.engine().await;
        crate::status::known_devices(engine.store(), &connected)
            .await
            .map_err(|e| FrontendError::Storage(e.to_string()))
    }

    /// Adds a device by address (`host:port`, for networks that block multicast): checked,
    /// remembered (dialed whenever this device runs) and dialed now.
    pub async fn add_peer(&self, addr: &str) -> Result<(), FrontendError> {
        let addr = addr.trim();
        let bad = || {
            FrontendError::Rejected(format!(
                "{:?} is not an address: give host:port, such as 192.168.1.20:7471",
                addr.chars().take(80).collect::<String>()
            ))
        };
        let (host, port) = addr.rsplit_once(':').ok_or_else(bad)?;
        if host.is_empty() || addr.len() > 255 || port.parse::<u16>().map_or(true, |p| p == 0) {
            return Err(bad());
        }
        let resolved = tokio::time::timeout(
            std::time::Duration::from_secs(3),
            tokio::net::lookup_host(addr),
        )
        .await;
        let found = match resolved {
            Ok(Ok(mut a)) => a.next().is_some(),
            _ => false,
        };
        if !found {
            return Err(FrontendError::Rejected(format!(
                "cannot find {:?} on the network",
                addr.chars().take(80).collect::<String>()
            )));
        }
        self.engine()
            .await
            .store()
            .add_manual_address(addr)
            .await
            .map_err(|e| FrontendError::Storage(e.to_string()))?;
        self.send(Command::Dial {
            addr: addr.to_string(),
        })
    }

    /// The person dismissed a brief's merge receipt.
    pub async fn dismiss_receipt(&self, brief: Uuid) -> Result<(), FrontendError> {
        self.engine()
            .await
            .store()
            .dismiss_receipt(brief)
            .await
            .map_err(|e| FrontendError::Storage(e.to_string()))
    }

    /// Changes this device's person: stored in the identity, used by the running peer.
    pub async fn set_profile(&self, name: &str, role: Role) -> Result<(), FrontendError> {
        let name = name.trim();
        if name.is_empty() || name.chars().count() > 80 {
            return Err(FrontendError::Rejected(
                "a name must have 1 to 80 characters".into(),
            ));
        }
        let mut engine = self.engine.write().await;
        engine
            .set_identity(Some(name), Some(role))
            .await
            .map_err(storage)?;
        engine
            .store()
            .set_setting("profile_confirmed", "1")
            .await
            .map_err(storage)?;
        self.send(Command::Profile {
            name: name.to_string(),
            role,
        })
    }
}

pub(crate) fn storage(e: impl std::fmt::Display) -> FrontendError {
    FrontendError::Storage(e.to_string())
}

pub(crate) fn rejected(e: impl std::fmt::Display) -> FrontendError {
    FrontendError::Rejected(e.to_string())
}

/// The operations the UI performs on a brief's structured parts (section text is edited
/// through the editor's Yjs document instead). Deserialised from the UI's JSON: unknown ops,
/// fields or names are typed errors, never guesses.
#[derive(Debug, Clone, Deserialize)]
#[serde(tag = "op", rename_all = "snake_case", deny_unknown_fields)]
pub enum BriefOp {
    /// The brief as the editor shows it (everything but section text).
    View,
    SetTitle {
        title: String,
    },
    SignOff {
        role: Role,
    },
    AddDecision {
        #[serde(flatten)]
        decision: DecisionInputFlat,
    },
    EditDecision {
        id: String,
        #[serde(flatten)]
        decision: DecisionInputFlat,
    },
    AddConcern {
        role: Role,
        kind: ConcernKind,
        text: String,
    },
    SetConcernStatus {
        id: String,
        status: ConcernStatus,
    },
    AddQuestion {
        text: String,
    },
    ResolveQuestion {
        id: String,
        resolved: bool,
    },
    /// Starts a comment thread on `len` units of a section's body from `index`.
    AddComment {
        section: Section,
        index: u32,
        len: u32,
        text: String,
        #[serde(default)]
        tag: Option<String>,
    },
    ReplyComment {
        thread: String,
        text: String,
    },
    ResolveComment {
        thread: String,
        resolved: bool,
    },
    TagComment {
        thread: String,
        tag: String,
    },
    /// Turns a thread into a concern of `kind`, or (no kind) an open question.
    CommentToEntry {
        thread: String,
        #[serde(default)]
        kind: Option<ConcernKind>,
    },
    /// Saves the brief as it reads now as a named version.
    SaveVersion {
        name: String,
    },
    /// Restores a version (every section, or one) as a new change.
    RestoreVersion {
        version: String,
        #[serde(default)]
        section: Option<Section>,
    },
}

/// A decision-log entry as the UI sends it, flattened into its op.
#[derive(Debug, Clone, Default, Deserialize)]
pub struct DecisionInputFlat {
    pub decision: String,
    #[serde(default)]
    pub context: String,
    #[serde(default)]
    pub alternatives: String,
    #[serde(default)]
    pub tradeoffs: String,
    #[serde(default)]
    pub decided_by: Vec<Role>,
    #[serde(default)]
    pub rests_on: Vec<Section>,
}

impl From<DecisionInputFlat> for NewDecision {
    fn from(d: DecisionInputFlat) -> NewDecision {
        NewDecision {
            decision: d.decision,
            context: d.context,
            alternatives: d.alternatives,
            tradeoffs: d.tradeoffs,
            decided_by: d.decided_by,
            rests_on: d.rests_on,
        }
    }
}

/// One section as a template lays it out.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct LayoutSection {
    pub section: Section,
    pub heading: String,
    pub problem_space: bool,
}

/// What the editor screen shows besides the text: [`BriefView`] without section text, plus
/// the template's layout.
#[derive(Debug, Clone, Serialize, ts_rs::TS)]
pub struct EditorView {
    pub id: String,
    pub title: String,
    pub template: Template,
    pub template_label: String,
    pub created_at: String,
    pub layout: Vec<LayoutSection>,
    pub signoff: crate::brief::SignoffStatus,
    pub decisions: Vec<crate::brief::Decision>,
    pub concerns: Vec<crate::brief::Concern>,
    pub questions: Vec<crate::brief::Question>,
    pub members: Vec<crate::brief::Member>,
    /// Comment threads, each with where its anchor lies now.
    pub comments: Vec<crate::brief::CommentThread>,
    /// Changes from a peer were refused for this reason (a newer version's document schema):
    /// the app says so on the brief.
    pub refused: Option<String>,
}

pub fn editor_view(b: &Brief) -> EditorView {
    let template = b.template();
    EditorView {
        id: b.id().to_string(),
        title: b.title(),
        template,
        template_label: template.label().to_string(),
        created_at: b.created_at(),
        layout: template
            .sections()
            .iter()
            .map(|(s, _)| LayoutSection {
                section: *s,
                heading: template.heading(*s).to_string(),
                problem_space: s.is_problem_space(),
            })
            .collect(),
        signoff: b.signoff_status(),
        decisions: b.decisions(),
        concerns: b.concerns(),
        questions: b.questions(),
        members: b.members(),
        comments: b.comments(),
        refused: b.refused(),
    }
}

fn json(v: impl Serialize) -> Result<serde_json::Value, FrontendError> {
    serde_json::to_value(v).map_err(rejected)
}

impl BriefOp {
    /// Parses an op from the UI's JSON.
    pub fn from_json(v: serde_json::Value) -> Result<BriefOp, FrontendError> {
        serde_json::from_value(v)
            .map_err(|e| FrontendError::Rejected(format!("bad operation: {e}")))
    }

    /// Applies the op to a live brief.
    pub fn apply(self, b: &Brief) -> Result<serde_json::Value, FrontendError> {
        match self {
            BriefOp::View => json(editor_view(b)),
            BriefOp::SetTitle { title } => {
                let title = title.trim();
                if title.is_empty() || title.chars().count() > 200 {
                    return Err(rejected("a title must have 1 to 200 characters"));
                }
                if title != b.title() {
                    b.set_title(title);
                }
                json(editor_view(b))
            }
            BriefOp::SignOff { role } => {
                b.sign_off(role);
                json(editor_view(b))
            }
            BriefOp::AddDecision { decision } => {
                b.add_decision(decision.into()).map_err(rejected)?;
                json(editor_view(b))
            }
            BriefOp::EditDecision { id, decision } => {
                b.edit_decision(&id, decision.into()).map_err(rejected)?;
                json(editor_view(b))
            }
            BriefOp::AddConcern { role, kind, text } => {
                b.add_concern(role, kind, &text).map_err(rejected)?;
                json(editor_view(b))
            }
            BriefOp::SetConcernStatus { id, status } => {
                b.set_concern_status(&id, status).map_err(rejected)?;
                json(editor_view(b))
            }
            BriefOp::AddQuestion { text } => {
                b.add_question(&text).map_err(rejected)?;
                json(editor_view(b))
            }
            BriefOp::AddComment {
                section,
                index,
                len,
                text,
                tag,
            } => {
                b.add_comment(section, index, len, &text, tag.as_deref())
                    .map_err(rejected)?;
                json(editor_view(b))
            }
            BriefOp::ReplyComment { thread, text } => {
                b.reply(&thread, &text).map_err(rejected)?;
                json(editor_view(b))
            }
            BriefOp::ResolveComment { thread, resolved } => {
                b.set_comment_resolved(&thread, resolved)
                    .map_err(rejected)?;
                json(editor_view(b))
            }
            BriefOp::TagComment { thread, tag } => {
                b.set_comment_tag(&thread, &tag).map_err(rejected)?;
                json(editor_view(b))
            }
            BriefOp::CommentToEntry { thread, kind } => {
                b.comment_to_entry(&thread, kind).map_err(rejected)?;
                json(editor_view(b))
            }
            BriefOp::SaveVersion { name } => {
                b.save_version(&name, crate::brief::VersionKind::Named)
                    .map_err(rejected)?;
                json(editor_view(b))
            }
            BriefOp::RestoreVersion { version, section } => {
                b.restore_version(&version, section).map_err(rejected)?;
                json(editor_view(b))
            }
            BriefOp::ResolveQuestion { id, resolved } => {
                b.resolve_question(&id, resolved).map_err(rejected)?;
                json(editor_view(b))
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ops_parse_from_ui_json_and_reject_unknowns() {
        let op = BriefOp::from_json(serde_json::json!({"op": "sign_off", "role": "engineer"}));
        assert!(matches!(
            op,
            Ok(BriefOp::SignOff {
                role: Role::Engineer
            })
        ));
        let op = BriefOp::from_json(serde_json::json!({
            "op": "add_decision", "decision": "Ship it", "rests_on": ["problem", "metrics"]
        }));
        match op {
            Ok(BriefOp::AddDecision { decision }) => {
                assert_eq!(decision.rests_on, vec![Section::Problem, Section::Metrics])
            }
            other => panic!("{other:?}"),
        }
        for bad in [
            serde_json::json!({"op": "sign_off", "role": "ceo"}),
            serde_json::json!({"op": "drop_tables"}),
            serde_json::json!({"role": "pm"}),
            serde_json::json!({"op": "set_title", "title": "x", "extra": 1}),
        ] {
            assert!(
                matches!(
                    BriefOp::from_json(bad.clone()),
                    Err(FrontendError::Rejected(_))
                ),
                "{bad}"
            );
        }
    }
}
