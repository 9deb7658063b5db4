//! The IPC contract between the desktop shell and the UI: the types the shell returns that
//! are not already the engine's (the person's profile, templates, errors, exports). Every
//! type the UI receives derives `ts_rs::TS`; `tests/ipc_types.rs` writes their TypeScript to
//! `ui/src/ipc.generated.ts` and fails when that file is not current, so the UI's types are
//! never written by hand.

use crate::engine::EngineError;
use crate::model::{Role, Section, Template};
use crate::net::FrontendError;
use serde::Serialize;
use ts_rs::TS;

/// An error as the UI receives it: a stable kind and a sentence for people.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, TS)]
pub struct AppError {
    pub kind: ErrorKind,
    pub message: String,
}

/// What kind of failure an [`AppError`] is; the UI decides what to show by it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, TS)]
#[serde(rename_all = "snake_case")]
pub enum ErrorKind {
    NoSuchBrief,
    NotAttached,
    Rejected,
    Storage,
    Stopped,
}

impl AppError {
    /// Bad input from the UI.
    pub fn rejected(message: impl Into<String>) -> AppError {
        AppError {
            kind: ErrorKind::Rejected,
            message: message.into(),
        }
    }
}

impl From<FrontendError> for AppError {
    fn from(e: FrontendError) -> AppError {
        let kind = match &e {
            FrontendError::NoSuchBrief(_) => ErrorKind::NoSuchBrief,
            FrontendError::NotAttached(_) => ErrorKind::NotAttached,
            FrontendError::Rejected(_) => ErrorKind::Rejected,
            FrontendError::Storage(_) => ErrorKind::Storage,
            FrontendError::Stopped => ErrorKind::Stopped,
        };
        AppError {
            kind,
            message: e.to_string(),
        }
    }
}

impl From<EngineError> for AppError {
    fn from(e: EngineError) -> AppError {
        AppError {
            kind: ErrorKind::Storage,
            message: e.to_string(),
        }
    }
}

/// The person using this device and where the app keeps things.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Profile {
    pub name: String,
    pub role: Role,
    pub device: String,
    /// False until the person confirmed name and role (the first-run screen).
    pub confirmed: bool,
    pub data_dir: String,
    pub export_dir: String,
    pub listen: Option<String>,
    /// Benchmark mode (`GROUNDWORK_AUTOPILOT`), see `scripts/bench-app.sh`.
    pub autopilot: Option<String>,
}

/// A template the new-brief dialog offers: its sections and their headings.
#[derive(Debug, Clone, Serialize, TS)]
pub struct TemplateInfo {
    pub id: Template,
    pub label: String,
    pub sections: Vec<(Section, String)>,
}

/// A file written by an export.
#[derive(Debug, Clone, Serialize, TS)]
pub struct Exported {
    pub path: String,
    pub bytes: usize,
}
