//! Groundwork's engine: problem-first briefs as yrs (Yjs-compatible) documents, stored in
//! SQLite, driven by a headless CLI. No GUI dependency: the desktop shell and the sync service
//! are thin layers over this crate. See ARCHITECTURE.md for the module map, the document
//! schema and the storage format.

pub mod adr;
pub mod allocator;
pub mod blob;
pub mod body;
pub mod brief;
pub mod cli;
pub mod discovery;
pub mod engine;
pub mod export;
pub mod failpoint;
pub mod frontend;
pub mod fuzzing;
pub mod identity;
pub mod invite;
pub mod ipc;
pub mod library;
pub mod mdescape;
pub mod model;
pub mod net;
pub mod pdf;
pub mod peer;
pub mod relay;
pub mod retry;
pub mod richtext;
pub mod sharing;
pub mod status;
pub mod store;
pub mod sync;
pub mod trace;
pub mod transport;
pub mod typing;
pub mod validate;

pub use brief::{Brief, BriefError, Member};
pub use engine::{Engine, EngineError};
pub use model::{ConcernKind, ConcernStatus, Role, Section, Template};
pub use store::{Store, StoreError};
