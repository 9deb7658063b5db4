//! Briefs to and from files: the export formats, rendering a brief in one (a PDF laid out off
//! the engine's loop), writing an export without overwriting or leaving half a file, and
//! creating a brief from Markdown.

use super::{rejected, storage};
use crate::brief::Brief;
use crate::engine::Engine;
use crate::model::Template;
use crate::net::FrontendError;
use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use uuid::Uuid;

/// An export format.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
#[serde(rename_all = "lowercase")]
pub enum ExportFormat {
    Markdown,
    Html,
    Json,
    Pdf,
}

impl ExportFormat {
    pub fn extension(self) -> &'static str {
        match self {
            ExportFormat::Markdown => "md",
            ExportFormat::Html => "html",
            ExportFormat::Json => "json",
            ExportFormat::Pdf => "pdf",
        }
    }
}

/// A brief in an export format. A PDF is laid out from the Markdown export; `finish` does that
/// outside the engine's loop (it takes a moment), so here it is still Markdown.
pub fn render(b: &Brief, format: ExportFormat) -> String {
    match format {
        ExportFormat::Markdown | ExportFormat::Pdf => crate::export::to_markdown(b),
        ExportFormat::Html => crate::export::to_html(b),
        ExportFormat::Json => crate::export::to_json(b),
    }
}

/// What [`render`] made, as the file's bytes: a PDF is laid out here (on a blocking thread).
pub async fn finish(
    title: &str,
    format: ExportFormat,
    rendered: String,
) -> Result<Vec<u8>, FrontendError> {
    if format != ExportFormat::Pdf {
        return Ok(rendered.into_bytes());
    }
    let title = if title.trim().is_empty() {
        "Untitled brief".to_string()
    } else {
        title.to_string()
    };
    tokio::task::spawn_blocking(move || crate::pdf::from_markdown(&title, &rendered))
        .await
        .map_err(|_| FrontendError::Stopped)?
        .map_err(rejected)
}

/// Writes an export next to the user's other downloads: `<dir>/<title>.<ext>`, never
/// overwriting (a number is added). The file is written to a temporary name, synced and
/// renamed, so a crash never leaves half a file under the final name.
pub fn write_export(
    dir: &Path,
    title: &str,
    format: ExportFormat,
    content: &str,
) -> Result<PathBuf, FrontendError> {
    write_export_bytes(dir, title, format.extension(), content.as_bytes())
}

/// [`write_export`] for any content: `<dir>/<title>.<ext>`, never overwriting.
pub fn write_export_bytes(
    dir: &Path,
    title: &str,
    ext: &str,
    bytes: &[u8],
) -> Result<PathBuf, FrontendError> {
    std::fs::create_dir_all(dir).map_err(storage)?;
    let stem = file_stem(title);
    let mut path = dir.join(format!("{stem}.{ext}"));
    let mut n = 2;
    while path.exists() {
        path = dir.join(format!("{stem} ({n}).{ext}"));
        n += 1;
    }
    write_file(&path, bytes)?;
    Ok(path)
}

/// Writes `bytes` to exactly `path` (a file the person chose), replacing what was there only
/// once the new content is on disk: written beside it as `.NAME.partial`, synced, renamed.
pub fn write_file(path: &Path, bytes: &[u8]) -> Result<(), FrontendError> {
    let name = path
        .file_name()
        .ok_or_else(|| rejected(format!("not a file name: {}", path.display())))?;
    let dir = path.parent().unwrap_or(Path::new("."));
    let tmp = dir.join(format!(".{}.partial", name.to_string_lossy()));
    let write = || -> std::io::Result<()> {
        use std::io::Write;
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(bytes)?;
        f.sync_all()?;
        std::fs::rename(&tmp, path)
    };
    write().map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        storage(format!("cannot write {}: {e}", path.display()))
    })
}

/// A file name from a title: path separators and control characters dropped, length capped.
pub fn file_stem(title: &str) -> String {
    let cleaned: String = title
        .chars()
        .map(|c| match c {
            '/' | '\\' | ':' | '*' | '?' | '"' | '<' | '>' | '|' => '-',
            c if c.is_control() => ' ',
            c => c,
        })
        .collect();
    let cleaned = cleaned.trim().trim_start_matches('.').trim();
    let capped: String = cleaned.chars().take(80).collect();
    if capped.is_empty() {
        "brief".into()
    } else {
        capped
    }
}

/// Creates a brief from Markdown (the export format or free-form headings).
pub async fn import_markdown(engine: &Engine, markdown: &str) -> Result<Uuid, FrontendError> {
    if markdown.len() > 8 * 1024 * 1024 {
        return Err(rejected("the file is larger than 8 MiB"));
    }
    let parsed = crate::export::parse_markdown(markdown.as_bytes()).map_err(rejected)?;
    let template = parsed.template.unwrap_or(Template::ProblemFirst);
    let b = engine
        .create(&parsed.title, template)
        .await
        .map_err(storage)?;
    crate::export::fill_brief(&b, &parsed);
    engine.flush(&b).await.map_err(storage)?;
    Ok(b.id())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn file_stems_are_safe() {
        assert_eq!(file_stem("a/b\\c:d"), "a-b-c-d");
        assert_eq!(file_stem("../../etc/passwd"), "-..-etc-passwd");
        assert_eq!(file_stem("   "), "brief");
        assert_eq!(file_stem("\u{7}x"), "x");
        assert_eq!(file_stem(&"é".repeat(200)).chars().count(), 80);
    }
}
