//! One app per data directory. The first app started on a data directory holds an exclusive
//! lock on `<data dir>/app.lock` and listens on the Unix socket `<data dir>/app.sock`; a
//! second launch on the same directory finds the lock taken, asks the first (over the socket)
//! to bring its window forward, and exits instead of opening the database twice. Another data
//! directory has its own lock, so a second directory still runs a second app.
//!
//! The lock is the operating system's (`flock`), so it goes with the process however it
//! ends; a socket file left by a killed app is replaced. The socket carries one word, `raise`,
//! from a process of the same user (the data directory is the person's own).

use std::io::{BufRead, BufReader, Write};
use std::os::unix::net::{UnixListener, UnixStream};
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// This process is the data directory's app: keep this alive while the window is open.
pub struct Primary {
    _lock: std::fs::File,
    listener: UnixListener,
    socket: PathBuf,
}

/// What starting on a data directory found.
pub enum Start {
    /// No other app runs on it: this one does.
    Primary(Primary),
    /// Another app runs on it and was asked to come forward.
    Raised,
}

#[derive(Debug, thiserror::Error)]
pub enum InstanceError {
    #[error("cannot use {path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
}

fn io(path: &Path) -> impl FnOnce(std::io::Error) -> InstanceError + '_ {
    move |source| InstanceError::Io {
        path: path.to_path_buf(),
        source,
    }
}

/// Becomes the data directory's app, or asks the one running to come forward. While the
/// running one is starting or closing (lock held, socket not answering) this waits for it, up
/// to `patience`, then takes over if the lock came free.
pub fn start(data_dir: &Path, patience: Duration) -> Result<Start, InstanceError> {
    std::fs::create_dir_all(data_dir).map_err(io(data_dir))?;
    let lock_path = data_dir.join("app.lock");
    let socket = data_dir.join("app.sock");
    let lock = std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(&lock_path)
        .map_err(io(&lock_path))?;
    let deadline = Instant::now() + patience;
    loop {
        match lock.try_lock() {
            Ok(()) => {
                // a socket file left by an app that was killed: nobody listens on it
                let _ = std::fs::remove_file(&socket);
                let listener = UnixListener::bind(&socket).map_err(io(&socket))?;
                return Ok(Start::Primary(Primary {
                    _lock: lock,
                    listener,
                    socket,
                }));
            }
            Err(std::fs::TryLockError::WouldBlock) => {
                if raise(&socket).is_ok() {
                    return Ok(Start::Raised);
                }
                if Instant::now() >= deadline {
                    return Err(InstanceError::Io {
                        path: socket,
                        source: std::io::Error::other(
                            "another app holds this data directory and does not answer",
                        ),
                    });
                }
                // the other app is starting (not listening yet) or closing (lock not yet
                // released): look again shortly
                std::thread::sleep(Duration::from_millis(50));
            }
            Err(std::fs::TryLockError::Error(e)) => return Err(io(&lock_path)(e)),
        }
    }
}

/// Asks the app listening on `socket` to bring its window forward; Ok once it said so.
fn raise(socket: &Path) -> std::io::Result<()> {
    let mut s = UnixStream::connect(socket)?;
    s.set_read_timeout(Some(Duration::from_secs(2)))?;
    s.write_all(b"raise\n")?;
    let mut answer = String::new();
    BufReader::new(s).read_line(&mut answer)?;
    if answer.trim() == "raised" {
        Ok(())
    } else {
        Err(std::io::Error::other("unexpected answer"))
    }
}

impl Primary {
    /// Answers later launches on a thread of its own: each `raise` runs `on_raise`, which
    /// says whether the window came forward (not while it closes: the launch then waits for
    /// this app to end and starts in its place).
    pub fn serve(self, on_raise: impl Fn() -> bool + Send + 'static) {
        std::thread::spawn(move || {
            for conn in self.listener.incoming() {
                let Ok(conn) = conn else { continue };
                let _ = conn.set_read_timeout(Some(Duration::from_secs(2)));
                let mut line = String::new();
                let mut reader = BufReader::new(&conn);
                if reader.read_line(&mut line).is_ok() && line.trim() == "raise" && on_raise() {
                    let _ = (&conn).write_all(b"raised\n");
                }
            }
            let _ = std::fs::remove_file(&self.socket);
            drop(self._lock);
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::Arc;

    #[test]
    fn a_second_start_on_a_directory_raises_the_first_and_another_directory_runs() {
        let a = tempfile::tempdir().unwrap();
        let b = tempfile::tempdir().unwrap();
        let Start::Primary(first) = start(a.path(), Duration::from_secs(5)).unwrap() else {
            panic!("the first start is the app");
        };
        let raised = Arc::new(AtomicUsize::new(0));
        let r = raised.clone();
        first.serve(move || {
            r.fetch_add(1, Ordering::SeqCst);
            true
        });
        assert!(matches!(
            start(a.path(), Duration::from_secs(5)).unwrap(),
            Start::Raised
        ));
        assert_eq!(raised.load(Ordering::SeqCst), 1);
        assert!(matches!(
            start(b.path(), Duration::from_secs(5)).unwrap(),
            Start::Primary(_)
        ));
    }

    #[test]
    fn a_socket_left_by_a_killed_app_is_replaced() {
        let a = tempfile::tempdir().unwrap();
        // a socket file with nobody listening, and no lock held
        drop(UnixListener::bind(a.path().join("app.sock")).unwrap());
        assert!(a.path().join("app.sock").exists());
        assert!(matches!(
            start(a.path(), Duration::from_secs(5)).unwrap(),
            Start::Primary(_)
        ));
    }
}
