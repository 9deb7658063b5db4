//! What a front end (the desktop shell, a benchmark) and a running peer say to each other:
//! the commands it sends ([`Command`]), the errors they fail with ([`FrontendError`]), the
//! notices it receives ([`Notice`]) and the channels that carry them ([`Frontend`]).

use crate::brief::Brief;
use tokio::sync::{mpsc, oneshot};
use uuid::Uuid;

/// What a front end (the desktop shell, a benchmark) sends to a running peer.
pub enum Command {
    /// A v1 update made by a local editor for a brief: applied to the engine's document,
    /// relayed to peers at once, stored at the next tick.
    LocalUpdate { brief: Uuid, update: Vec<u8> },
    /// Attaches a local editor (the UI's Yjs document) to a brief, opening it if needed: the
    /// editor becomes one more peer of the engine's document. `out` receives y-sync messages
    /// (sync step 2 with the whole state and a sync step 1 at once, then every change and
    /// presence update from elsewhere). `client_id` is the editor's Yjs client id, recorded as
    /// this device's person in the brief's members. Replies with the editor's id.
    Attach {
        brief: Uuid,
        client_id: Option<u64>,
        out: mpsc::UnboundedSender<Vec<u8>>,
        reply: oneshot::Sender<Result<u64, FrontendError>>,
    },
    /// Detaches an editor; its presence is withdrawn.
    Detach { editor: u64 },
    /// A y-sync message from an attached editor (sync step 1/2, update, awareness). Handled
    /// like a peer's message (validated, never trusted); what it changed is relayed to peers
    /// and other editors at once. `reply` fires once the change is stored: that is the
    /// acknowledgement.
    Message {
        editor: u64,
        message: Vec<u8>,
        reply: Option<oneshot::Sender<Result<(), FrontendError>>>,
    },
    /// Runs `op` on a brief's live document (opening it if needed), relays what it changed to
    /// peers and editors, and replies with its result once the change is stored.
    Edit {
        brief: Uuid,
        op: EditOp,
        reply: oneshot::Sender<Result<serde_json::Value, FrontendError>>,
    },
    /// The person using this device changed name or role.
    Profile { name: String, role: crate::Role },
    /// Keep a link to `addr` (host:port) up, as `--peer` does.
    Dial { addr: String },
    /// Which devices (hex keys) are linked to this one now.
    Connected { reply: oneshot::Sender<Vec<String>> },
}

/// An operation on a live brief; see [`Command::Edit`].
pub type EditOp = Box<dyn FnOnce(&Brief) -> Result<serde_json::Value, FrontendError> + Send>;

impl std::fmt::Debug for Command {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Command::LocalUpdate { brief, update } => {
                write!(f, "LocalUpdate({brief}, {} bytes)", update.len())
            }
            Command::Attach { brief, .. } => write!(f, "Attach({brief})"),
            Command::Detach { editor } => write!(f, "Detach({editor})"),
            Command::Message {
                editor, message, ..
            } => {
                write!(f, "Message({editor}, {} bytes)", message.len())
            }
            Command::Edit { brief, .. } => write!(f, "Edit({brief})"),
            Command::Profile { name, role } => write!(f, "Profile({name}, {role})"),
            Command::Connected { .. } => write!(f, "Connected"),
            Command::Dial { addr } => write!(f, "Dial({addr})"),
        }
    }
}

/// Why a front end's command failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, serde::Serialize)]
#[serde(tag = "kind", content = "detail", rename_all = "snake_case")]
pub enum FrontendError {
    #[error("no brief {0} in this data directory")]
    NoSuchBrief(String),
    #[error("editor {0} is not attached")]
    NotAttached(u64),
    #[error("rejected: {0}")]
    Rejected(String),
    #[error("could not store the change: {0}")]
    Storage(String),
    #[error("the engine has stopped")]
    Stopped,
}

/// What a running peer tells a front end.
#[derive(Debug, Clone)]
pub enum Notice {
    /// Updates from a peer were applied to a brief (v1 updates, as integrated), leaving the
    /// brief at `state_vector`.
    Changed {
        brief: Uuid,
        updates: Vec<Vec<u8>>,
        state_vector: yrs::StateVector,
    },
}

/// Channels that connect a front end to [`serve_with`].
#[derive(Default)]
pub struct Frontend {
    pub commands: Option<mpsc::UnboundedReceiver<Command>>,
    pub notices: Option<mpsc::UnboundedSender<Notice>>,
}
