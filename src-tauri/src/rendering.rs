//! How the window's web view draws: with or without OpenGL compositing.
//!
//! WebKitGTK composites the page with OpenGL. On a machine without a GPU (no DRM render node:
//! virtual machines, remote desktops, a CI box under Xvfb) Mesa emulates GL on the CPU
//! (llvmpipe). There compositing buys nothing and costs a lot: measured with the large brief
//! open, the web process held about 95 MB more and opening the brief took about 130 ms
//! longer, because llvmpipe's threads compete with layout and JavaScript for the CPU. So
//! without a render node the app asks WebKit to draw without compositing
//! (`WEBKIT_DISABLE_COMPOSITING_MODE`); with a GPU nothing changes.
//!
//! A person can decide instead: `GROUNDWORK_COMPOSITING=on` or `off`, or WebKit's own
//! `WEBKIT_DISABLE_COMPOSITING_MODE` set beforehand, always win.

use std::path::Path;

/// What was decided, and why (logged at start).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Compositing {
    /// WebKit's default: GL compositing.
    On(&'static str),
    /// Drawn without compositing.
    Off(&'static str),
}

/// What the decision rests on, read from the machine by [`Facts::read`].
#[derive(Debug, Clone, Default)]
pub struct Facts {
    /// `GROUNDWORK_COMPOSITING`, if set.
    pub asked: Option<String>,
    /// `WEBKIT_DISABLE_COMPOSITING_MODE` is already set.
    pub webkit_told: bool,
    /// `LIBGL_ALWAYS_SOFTWARE` is set to something other than `0`/empty.
    pub software_gl: bool,
    /// A DRM render node (`/dev/dri/renderD*`) exists.
    pub render_node: bool,
}

impl Facts {
    pub fn read() -> Facts {
        let software_gl = std::env::var("LIBGL_ALWAYS_SOFTWARE")
            .map(|v| !v.is_empty() && v != "0" && !v.eq_ignore_ascii_case("false"))
            .unwrap_or(false);
        Facts {
            asked: std::env::var("GROUNDWORK_COMPOSITING").ok(),
            webkit_told: std::env::var_os("WEBKIT_DISABLE_COMPOSITING_MODE").is_some(),
            software_gl,
            render_node: has_render_node(Path::new("/dev/dri")),
        }
    }
}

fn has_render_node(dri: &Path) -> bool {
    std::fs::read_dir(dri)
        .map(|entries| {
            entries
                .filter_map(Result::ok)
                .any(|e| e.file_name().to_string_lossy().starts_with("renderD"))
        })
        .unwrap_or(false)
}

/// The rule (pure, so it is tested without touching the machine).
pub fn decide(f: &Facts) -> Compositing {
    match f.asked.as_deref().map(str::trim) {
        Some(v) if v.eq_ignore_ascii_case("on") || v == "1" => {
            return Compositing::On("GROUNDWORK_COMPOSITING=on")
        }
        Some(v) if v.eq_ignore_ascii_case("off") || v == "0" => {
            return Compositing::Off("GROUNDWORK_COMPOSITING=off")
        }
        _ => {}
    }
    if f.webkit_told {
        return Compositing::Off("WEBKIT_DISABLE_COMPOSITING_MODE is set");
    }
    if f.software_gl {
        return Compositing::Off("LIBGL_ALWAYS_SOFTWARE: GL runs on the CPU");
    }
    if !f.render_node {
        return Compositing::Off("no GPU render node: GL would run on the CPU");
    }
    Compositing::On("a GPU render node is present")
}

/// Decides and applies the decision to this process's environment, which WebKit reads when
/// it starts its web process. Must run first in `main`, before any thread exists.
pub fn apply() -> Compositing {
    let facts = Facts::read();
    let decision = decide(&facts);
    match decision {
        Compositing::Off(_) if !facts.webkit_told => {
            std::env::set_var("WEBKIT_DISABLE_COMPOSITING_MODE", "1")
        }
        // only an explicit "on" gets here with WebKit's switch set: it overrides it
        Compositing::On(_) if facts.webkit_told => {
            std::env::remove_var("WEBKIT_DISABLE_COMPOSITING_MODE")
        }
        _ => {}
    }
    decision
}

#[cfg(test)]
mod tests {
    use super::*;

    fn facts(render_node: bool) -> Facts {
        Facts {
            render_node,
            ..Facts::default()
        }
    }

    #[test]
    fn a_gpu_keeps_compositing_and_no_gpu_drops_it() {
        assert!(matches!(decide(&facts(true)), Compositing::On(_)));
        assert!(matches!(decide(&facts(false)), Compositing::Off(_)));
    }

    #[test]
    fn software_gl_drops_compositing_even_with_a_render_node() {
        let f = Facts {
            software_gl: true,
            ..facts(true)
        };
        assert!(matches!(decide(&f), Compositing::Off(_)));
    }

    #[test]
    fn a_person_decides_over_the_machine() {
        for (asked, on) in [
            ("on", true),
            ("ON", true),
            ("1", true),
            ("off", false),
            ("0", false),
        ] {
            for node in [true, false] {
                let f = Facts {
                    asked: Some(asked.into()),
                    webkit_told: true,
                    ..facts(node)
                };
                assert_eq!(
                    matches!(decide(&f), Compositing::On(_)),
                    on,
                    "{asked} {node}"
                );
            }
        }
        // an unknown value is ignored, not guessed at
        let f = Facts {
            asked: Some("maybe".into()),
            ..facts(true)
        };
        assert!(matches!(decide(&f), Compositing::On(_)));
    }

    #[test]
    fn webkits_own_switch_is_respected() {
        let f = Facts {
            webkit_told: true,
            ..facts(true)
        };
        assert!(matches!(decide(&f), Compositing::Off(_)));
    }

    #[test]
    fn render_nodes_are_found_by_name() {
        let dir = std::env::temp_dir().join(format!("gw-dri-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&dir);
        std::fs::create_dir_all(&dir).expect("temp dir");
        assert!(!has_render_node(&dir));
        std::fs::write(dir.join("card0"), b"").expect("write");
        assert!(!has_render_node(&dir));
        std::fs::write(dir.join("renderD128"), b"").expect("write");
        assert!(has_render_node(&dir));
        assert!(!has_render_node(&dir.join("missing")));
        let _ = std::fs::remove_dir_all(&dir);
    }
}
