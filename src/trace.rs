//! Editing traces (../shared/data): gzip'd JSON `{startContent, endContent, txns: [{patches:
//! [[pos, del, ins], ...]}]}`, replayed by the benchmark, tests and `groundwork replay`.

use serde::Deserialize;
use std::path::{Path, PathBuf};

#[derive(Debug, thiserror::Error)]
pub enum TraceError {
    #[error("cannot read trace {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("trace {path} is not valid: {detail}")]
    Format { path: PathBuf, detail: String },
}

/// One patch: at `pos` (characters; the traces are ASCII) delete `delete`, then insert.
#[derive(Debug, Clone)]
pub struct Patch {
    pub pos: u32,
    pub delete: u32,
    pub insert: String,
}

#[derive(Debug, Clone)]
pub struct Trace {
    pub start: String,
    pub end: String,
    pub patches: Vec<Patch>,
}

#[derive(Deserialize)]
struct RawTrace {
    #[serde(rename = "startContent")]
    start: String,
    #[serde(rename = "endContent")]
    end: String,
    txns: Vec<RawTxn>,
}

#[derive(Deserialize)]
struct RawTxn {
    patches: Vec<(u32, u32, String)>,
}

impl Trace {
    pub fn load(path: &Path) -> Result<Trace, TraceError> {
        let file = std::fs::File::open(path).map_err(|source| TraceError::Io {
            path: path.to_path_buf(),
            source,
        })?;
        let reader = std::io::BufReader::new(flate2::read::GzDecoder::new(file));
        let raw: RawTrace = serde_json::from_reader(reader).map_err(|e| TraceError::Format {
            path: path.to_path_buf(),
            detail: e.to_string(),
        })?;
        let patches = raw
            .txns
            .into_iter()
            .flat_map(|t| t.patches)
            .map(|(pos, delete, insert)| Patch {
                pos,
                delete,
                insert,
            })
            .collect();
        Ok(Trace {
            start: raw.start,
            end: raw.end,
            patches,
        })
    }
}
