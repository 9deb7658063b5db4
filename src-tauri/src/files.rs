//! Files the person picks: "Save as…" for exports and "Open…" for imports, through the
//! platform's own dialogs (tauri-plugin-dialog: GTK's file chooser on Linux), opening in the
//! folder used last (kept with the window's placement, see `placement`). The shell writes and
//! reads the chosen file itself; the web view gets no file-system access.
//!
//! With `GROUNDWORK_EXPORT_DIR` set, exports go into that folder without a dialog (for
//! scripts and tests that do not drive a dialog), named after the brief and never overwriting.

use crate::AppState;
use groundwork::frontend;
use groundwork::ipc::{AppError, Exported};
use std::path::{Path, PathBuf};
use tauri::{AppHandle, Manager};
use tauri_plugin_dialog::DialogExt;

/// The largest Markdown file "Open…" reads (a brief is far smaller; this is a pasted novel).
pub const MAX_IMPORT_BYTES: u64 = 16 << 20;

/// A file type offered in a dialog: its name and extension.
#[derive(Clone, Copy, Debug)]
pub struct Kind {
    pub name: &'static str,
    pub extension: &'static str,
}

pub const MARKDOWN: Kind = Kind {
    name: "Markdown",
    extension: "md",
};

/// Where an export goes: asks with "Save as…" (`None` if the person cancels), or, with
/// `GROUNDWORK_EXPORT_DIR` set, writes into that folder. Then writes `bytes` there.
pub async fn save(
    app: &AppHandle,
    title: &str,
    stem: &str,
    kind: Kind,
    bytes: &[u8],
) -> Result<Option<Exported>, AppError> {
    let state = app.state::<AppState>();
    if let Some(dir) = &state.export_dir {
        let path = frontend::write_export_bytes(dir, stem, kind.extension, bytes)?;
        return Ok(Some(exported(&path, bytes)));
    }
    let suggested = format!("{}.{}", frontend::file_stem(stem), kind.extension);
    let mut dialog = app
        .dialog()
        .file()
        .set_title(title)
        .set_file_name(&suggested)
        .add_filter(kind.name, &[kind.extension]);
    if let Some(dir) = last_folder(&state) {
        dialog = dialog.set_directory(dir);
    }
    if let Some(w) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&w);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog.save_file(move |p| {
        let _ = tx.send(p);
    });
    let Some(chosen) = rx.await.ok().flatten().and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    let path = with_extension(chosen, kind.extension);
    frontend::write_file(&path, bytes)?;
    remember_folder(&state, &path);
    tracing::info!(path = %path.display(), bytes = bytes.len(), "exported");
    Ok(Some(exported(&path, bytes)))
}

/// Asks with "Open…" for a file of `kind` and reads it as text; `None` if the person cancels.
pub async fn open_text(
    app: &AppHandle,
    title: &str,
    kind: Kind,
) -> Result<Option<String>, AppError> {
    let state = app.state::<AppState>();
    let mut dialog = app
        .dialog()
        .file()
        .set_title(title)
        .add_filter(kind.name, &[kind.extension, "markdown", "txt"]);
    if let Some(dir) = last_folder(&state) {
        dialog = dialog.set_directory(dir);
    }
    if let Some(w) = app.get_webview_window("main") {
        dialog = dialog.set_parent(&w);
    }
    let (tx, rx) = tokio::sync::oneshot::channel();
    dialog.pick_file(move |p| {
        let _ = tx.send(p);
    });
    let Some(path) = rx.await.ok().flatten().and_then(|p| p.into_path().ok()) else {
        return Ok(None);
    };
    let text = read_text(&path)?;
    remember_folder(&state, &path);
    Ok(Some(text))
}

/// A text file, refused with a sentence if it is too large or not UTF-8.
pub fn read_text(path: &Path) -> Result<String, AppError> {
    let bad = |why: String| AppError::rejected(format!("cannot open {}: {why}", path.display()));
    let len = std::fs::metadata(path)
        .map_err(|e| bad(e.to_string()))?
        .len();
    if len > MAX_IMPORT_BYTES {
        return Err(bad(format!(
            "it is {} MB; a brief to import is at most {} MB",
            len >> 20,
            MAX_IMPORT_BYTES >> 20
        )));
    }
    let bytes = std::fs::read(path).map_err(|e| bad(e.to_string()))?;
    String::from_utf8(bytes).map_err(|_| bad("it is not UTF-8 text".into()))
}

/// The chosen path, with the extension added if the person typed a name without one.
pub fn with_extension(path: PathBuf, extension: &str) -> PathBuf {
    if path.extension().is_some() {
        path
    } else {
        path.with_extension(extension)
    }
}

fn exported(path: &Path, bytes: &[u8]) -> Exported {
    Exported {
        path: path.display().to_string(),
        bytes: bytes.len(),
    }
}

/// The folder used last, or at first the person's documents folder (else their home).
fn last_folder(state: &AppState) -> Option<PathBuf> {
    state
        .placement
        .get()
        .folder
        .filter(|d| d.is_dir())
        .or_else(|| {
            let dirs = directories::UserDirs::new()?;
            Some(
                dirs.document_dir()
                    .filter(|d| d.is_dir())
                    .unwrap_or(dirs.home_dir())
                    .to_path_buf(),
            )
        })
}

fn remember_folder(state: &AppState, path: &Path) {
    if let Some(dir) = path.parent() {
        let dir = dir.to_path_buf();
        state.placement.update(true, |p| p.folder = Some(dir));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_name_without_extension_gets_one() {
        assert_eq!(
            with_extension(PathBuf::from("/tmp/brief"), "md"),
            PathBuf::from("/tmp/brief.md")
        );
        assert_eq!(
            with_extension(PathBuf::from("/tmp/brief.markdown"), "md"),
            PathBuf::from("/tmp/brief.markdown")
        );
    }

    #[test]
    fn large_or_binary_files_are_refused_in_words() {
        let dir = tempfile::tempdir().unwrap();
        let ok = dir.path().join("ok.md");
        std::fs::write(&ok, "# Title\n").unwrap();
        assert_eq!(read_text(&ok).unwrap(), "# Title\n");
        let binary = dir.path().join("bin.md");
        std::fs::write(&binary, [0xff, 0xfe, 0x00]).unwrap();
        assert!(read_text(&binary)
            .unwrap_err()
            .message
            .contains("not UTF-8"));
        let big = dir.path().join("big.md");
        std::fs::File::create(&big)
            .unwrap()
            .set_len(MAX_IMPORT_BYTES + 1)
            .unwrap();
        assert!(read_text(&big)
            .unwrap_err()
            .message
            .contains("at most 16 MB"));
        assert!(read_text(&dir.path().join("missing.md")).is_err());
    }
}
