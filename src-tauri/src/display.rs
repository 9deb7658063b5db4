//! Whether a window can be opened at all. Tauri's event loop panics when GTK cannot open a
//! display (no desktop session, `DISPLAY` naming a server that is gone, the server refusing the
//! connection). The shell checks first and, when there is no display, exits with one sentence
//! that says so and status 1, before anything else starts.

/// Opens the display the window will use (GTK, on Linux), or says why it cannot.
pub fn check() -> Result<(), String> {
    #[cfg(target_os = "linux")]
    {
        let var = |k: &str| std::env::var(k).ok().filter(|v| !v.is_empty());
        gtk::init()
            .map_err(|_| describe(var("WAYLAND_DISPLAY").as_deref(), var("DISPLAY").as_deref()))
    }
    #[cfg(not(target_os = "linux"))]
    Ok(())
}

/// The sentence for a display that could not be opened.
pub fn describe(wayland: Option<&str>, x11: Option<&str>) -> String {
    match (wayland, x11) {
        (None, None) => "cannot open a window: there is no display (neither WAYLAND_DISPLAY nor \
                         DISPLAY is set); start Groundwork from a desktop session, or use the \
                         `groundwork` CLI"
            .to_string(),
        (w, x) => format!(
            "cannot open a window: the display could not be opened (WAYLAND_DISPLAY={}, \
             DISPLAY={})",
            w.unwrap_or("unset"),
            x.unwrap_or("unset")
        ),
    }
}

#[cfg(test)]
mod tests {
    use super::describe;

    #[test]
    fn says_which_display_failed() {
        assert!(describe(None, None).contains("there is no display"));
        let s = describe(None, Some(":987"));
        assert!(
            s.contains("DISPLAY=:987") && s.contains("WAYLAND_DISPLAY=unset"),
            "{s}"
        );
        let s = describe(Some("wayland-1"), None);
        assert!(
            s.contains("WAYLAND_DISPLAY=wayland-1") && s.contains("DISPLAY=unset"),
            "{s}"
        );
    }
}
