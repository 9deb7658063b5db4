//! Fault injection for crash tests. A failpoint is a named place in the code; the environment
//! variable `GROUNDWORK_FAILPOINT=name:action` arms one of them in a process, with action
//! `error` (the operation returns an error) or `abort` (the process dies on the spot, as a
//! crash or kill -9 would). Unarmed failpoints cost one relaxed load.

use std::sync::OnceLock;

#[derive(Debug, Clone, PartialEq, Eq)]
enum Action {
    Error,
    Abort,
}

fn armed() -> &'static Option<(String, Action)> {
    static ARMED: OnceLock<Option<(String, Action)>> = OnceLock::new();
    ARMED.get_or_init(|| {
        let v = std::env::var("GROUNDWORK_FAILPOINT").ok()?;
        let (name, action) = v.rsplit_once(':')?;
        let action = match action {
            "error" => Action::Error,
            "abort" => Action::Abort,
            _ => return None,
        };
        Some((name.to_string(), action))
    })
}

/// Returns true when the failpoint `name` is armed with `error`; aborts the process when it is
/// armed with `abort`.
pub fn hit(name: &str) -> bool {
    match armed() {
        Some((n, Action::Abort)) if n == name => {
            tracing::error!(failpoint = name, "failpoint abort");
            std::process::abort()
        }
        Some((n, Action::Error)) if n == name => true,
        _ => false,
    }
}
