//! Where the window was and what it showed: its size, position and maximised state, the brief
//! that was open and the folder last used for a file, kept in `window.json` in the data
//! directory (so two data directories, two app instances, each remember their own) and
//! restored at the next start.
//!
//! The geometry is taken from the window's own move and resize events and written when the
//! window closes; the open brief is written as soon as the UI opens a brief or goes back to the
//! list, so a crash still reopens it. The file is replaced atomically (written beside, then
//! renamed); a missing or unreadable file means the defaults of `tauri.conf.json`, never an
//! error at start. A saved position that no monitor shows any more (a laptop unplugged from its
//! second screen) is not used: the window then opens where the platform puts it.

use serde::{Deserialize, Serialize};
use std::path::{Path, PathBuf};
use std::sync::Mutex;

/// The file in the data directory.
pub const FILE: &str = "window.json";
/// Smaller than this is not a size anybody chose (the window's own minimum is larger).
const MIN: u32 = 200;

/// What is remembered. Physical pixels, as the platform reports them.
#[derive(Clone, Debug, Default, PartialEq, Serialize, Deserialize)]
pub struct Placement {
    /// Size and position of the window when not maximised.
    pub width: Option<u32>,
    pub height: Option<u32>,
    pub x: Option<i32>,
    pub y: Option<i32>,
    #[serde(default)]
    pub maximized: bool,
    /// The brief that was open (its id), or none when the list was shown.
    pub brief: Option<String>,
    /// The folder a file was last saved to or opened from (see `files`).
    #[serde(default)]
    pub folder: Option<PathBuf>,
}

#[derive(Debug, thiserror::Error)]
pub enum PlacementError {
    #[error("cannot write {path}: {source}")]
    Write {
        path: PathBuf,
        source: std::io::Error,
    },
}

impl Placement {
    /// What `dir` remembers; the defaults if nothing (or nothing readable) is there.
    pub fn load(dir: &Path) -> Placement {
        let path = dir.join(FILE);
        let Ok(bytes) = std::fs::read(&path) else {
            return Placement::default();
        };
        match serde_json::from_slice::<Placement>(&bytes) {
            Ok(mut p) => {
                if p.width.is_some_and(|w| w < MIN) || p.height.is_some_and(|h| h < MIN) {
                    p.width = None;
                    p.height = None;
                }
                p
            }
            Err(e) => {
                tracing::warn!(path = %path.display(), error = %e, "window placement unreadable; using the defaults");
                Placement::default()
            }
        }
    }

    /// Writes it to `dir`, replacing the old file in one rename.
    pub fn save(&self, dir: &Path) -> Result<(), PlacementError> {
        let path = dir.join(FILE);
        let tmp = dir.join(format!("{FILE}.tmp"));
        let bytes = serde_json::to_vec_pretty(self).unwrap_or_default();
        std::fs::write(&tmp, bytes)
            .and_then(|()| std::fs::rename(&tmp, &path))
            .map_err(|source| PlacementError::Write { path, source })
    }

    /// The saved position, if it lies on one of `monitors` (each x, y, width, height).
    pub fn position_on(&self, monitors: &[(i32, i32, u32, u32)]) -> Option<(i32, i32)> {
        let (x, y) = (self.x?, self.y?);
        // the window's top left corner, nudged in a little: a title bar there can be grabbed
        let (px, py) = (x.saturating_add(40), y.saturating_add(10));
        monitors
            .iter()
            .any(|&(mx, my, mw, mh)| {
                px >= mx
                    && py >= my
                    && i64::from(px) < i64::from(mx) + i64::from(mw)
                    && i64::from(py) < i64::from(my) + i64::from(mh)
            })
            .then_some((x, y))
    }
}

/// The remembered placement of the running window, written to the data directory.
pub struct Memory {
    dir: PathBuf,
    now: Mutex<Placement>,
}

impl Memory {
    pub fn load(dir: &Path) -> Memory {
        Memory {
            dir: dir.to_path_buf(),
            now: Mutex::new(Placement::load(dir)),
        }
    }

    pub fn get(&self) -> Placement {
        self.now.lock().unwrap_or_else(|p| p.into_inner()).clone()
    }

    /// Changes it in memory; `store` also writes it now.
    pub fn update(&self, store: bool, change: impl FnOnce(&mut Placement)) {
        let mut now = self.now.lock().unwrap_or_else(|p| p.into_inner());
        change(&mut now);
        if store {
            self.write(&now);
        }
    }

    /// Writes what is in memory.
    pub fn store(&self) {
        let now = self.get();
        self.write(&now);
    }

    fn write(&self, p: &Placement) {
        if let Err(e) = p.save(&self.dir) {
            // the window's place is a convenience: not being able to keep it is not an error
            tracing::warn!(error = %e, "window placement not kept");
        }
    }
}

/// Puts `window` where `memory` says it was.
pub fn restore(window: &tauri::WebviewWindow, memory: &Memory) {
    let p = memory.get();
    if let (Some(w), Some(h)) = (p.width, p.height) {
        let _ = window.set_size(tauri::PhysicalSize::new(w, h));
    }
    let monitors: Vec<_> = window
        .available_monitors()
        .unwrap_or_default()
        .iter()
        .map(|m| {
            let (pos, size) = (m.position(), m.size());
            (pos.x, pos.y, size.width, size.height)
        })
        .collect();
    if let Some((x, y)) = p.position_on(&monitors) {
        let _ = window.set_position(tauri::PhysicalPosition::new(x, y));
    }
    if p.maximized {
        let _ = window.maximize();
    }
    tracing::info!(?p.width, ?p.height, ?p.x, ?p.y, p.maximized, "window placement restored");
}

/// Follows a window event: the new size or position (only while not maximised, so
/// un-maximising later returns to the size chosen before).
pub fn follow(window: &tauri::Window, memory: &Memory, event: &tauri::WindowEvent) {
    let maximized = window.is_maximized().unwrap_or(false);
    match event {
        tauri::WindowEvent::Resized(size) if size.width > 0 && size.height > 0 => {
            memory.update(false, |p| {
                p.maximized = maximized;
                if !maximized {
                    p.width = Some(size.width);
                    p.height = Some(size.height);
                }
            });
        }
        tauri::WindowEvent::Moved(pos) => memory.update(false, |p| {
            if !maximized {
                p.x = Some(pos.x);
                p.y = Some(pos.y);
            }
        }),
        tauri::WindowEvent::CloseRequested { .. } => memory.store(),
        _ => {}
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn kept_and_read_back() {
        let dir = tempfile::tempdir().unwrap();
        assert_eq!(Placement::load(dir.path()), Placement::default());
        let p = Placement {
            width: Some(900),
            height: Some(640),
            x: Some(120),
            y: Some(80),
            maximized: false,
            brief: Some("7d0c3f4e-0000-4000-8000-000000000001".into()),
            folder: Some(dir.path().join("exports")),
        };
        p.save(dir.path()).unwrap();
        assert_eq!(Placement::load(dir.path()), p);
        assert!(!dir.path().join("window.json.tmp").exists());
    }

    #[test]
    fn unreadable_or_silly_is_the_default() {
        let dir = tempfile::tempdir().unwrap();
        std::fs::write(dir.path().join(FILE), b"{not json").unwrap();
        assert_eq!(Placement::load(dir.path()), Placement::default());
        std::fs::write(
            dir.path().join(FILE),
            br#"{"width":3,"height":2,"x":0,"y":0}"#,
        )
        .unwrap();
        let p = Placement::load(dir.path());
        assert_eq!((p.width, p.height, p.x), (None, None, Some(0)));
    }

    #[test]
    fn a_position_off_every_monitor_is_dropped() {
        let p = Placement {
            x: Some(2000),
            y: Some(100),
            ..Placement::default()
        };
        let laptop = [(0, 0, 1280, 800)];
        let docked = [(0, 0, 1280, 800), (1280, 0, 1920, 1080)];
        assert_eq!(p.position_on(&laptop), None);
        assert_eq!(p.position_on(&docked), Some((2000, 100)));
        assert_eq!(Placement::default().position_on(&docked), None);
    }
}
