//! What the engine sends to each open editor (a teammate's keystrokes, carets, acknowledgements),
//! queued until the editor fetches it. The UI keeps one `editor_messages` call pending per open
//! brief; it returns with every message queued by then, as one batch, and the UI calls again.
//!
//! Why not a Tauri `Channel`: on Linux a channel hands each message under 1 KiB to the page by
//! *evaluating a script* that carries it, and in a joint session that is dozens of new scripts a
//! second, each compiled and kept by the web process (issue 14's memory figure). A batch is one
//! command reply however many messages it holds. (That reply is bytes over Tauri's `ipc://`
//! custom protocol where the page's CSP allows it; ours does not, so Tauri's postMessage
//! fallback carries it, as one evaluated script per reply — ARCHITECTURE.md, "The UI's
//! document is a peer".)
//!
//! A batch is each message as a u32 little-endian length followed by its bytes (the framing of
//! the `open_brief` reply after its editor id); an empty reply means the editor is closed.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use tokio::sync::mpsc::UnboundedReceiver;

/// A batch stops growing past this many bytes; what did not fit goes in the next one.
pub const MAX_BATCH: usize = 4 << 20;

/// Appends one message to a batch: its length as a u32 little-endian, then its bytes.
/// `None` (and nothing appended) if the message does not fit a u32 length.
pub fn frame(out: &mut Vec<u8>, message: &[u8]) -> Option<()> {
    let n = u32::try_from(message.len()).ok()?;
    out.extend_from_slice(&n.to_le_bytes());
    out.extend_from_slice(message);
    Some(())
}

struct Queue {
    rx: UnboundedReceiver<Vec<u8>>,
    /// The message that did not fit in the last batch: first in the next.
    held: Option<Vec<u8>>,
}

/// The open editors' queues, by editor id.
#[derive(Default)]
pub struct Outboxes {
    queues: Mutex<HashMap<u64, Arc<tokio::sync::Mutex<Queue>>>>,
}

impl Outboxes {
    fn queues(&self) -> std::sync::MutexGuard<'_, HashMap<u64, Arc<tokio::sync::Mutex<Queue>>>> {
        self.queues.lock().unwrap_or_else(|p| p.into_inner())
    }

    /// Starts keeping what the engine sends to `editor`.
    pub fn open(&self, editor: u64, rx: UnboundedReceiver<Vec<u8>>) {
        let queue = Queue { rx, held: None };
        self.queues()
            .insert(editor, Arc::new(tokio::sync::Mutex::new(queue)));
    }

    /// Forgets an editor's queue (a pending `next_batch` ends once the engine lets go of it).
    pub fn close(&self, editor: u64) {
        self.queues().remove(&editor);
    }

    /// Waits for at least one message for `editor` and returns everything queued by then (up
    /// to about `MAX_BATCH` bytes), framed. `None` once the editor is closed (or was never
    /// opened): the engine dropped its end, or `close` was called.
    pub async fn next_batch(&self, editor: u64) -> Option<Vec<u8>> {
        let queue = self.queues().get(&editor).cloned()?;
        let mut q = queue.lock().await;
        let first = match q.held.take() {
            Some(m) => m,
            None => match q.rx.recv().await {
                Some(m) => m,
                None => {
                    drop(q);
                    self.close(editor);
                    return None;
                }
            },
        };
        let mut out = Vec::new();
        let mut next = Some(first);
        while let Some(m) = next.take() {
            if !out.is_empty() && out.len() + 4 + m.len() > MAX_BATCH {
                q.held = Some(m);
                break;
            }
            if frame(&mut out, &m).is_none() {
                tracing::error!(
                    editor,
                    bytes = m.len(),
                    "a message too large for the editor"
                );
                return None;
            }
            if out.len() < MAX_BATCH {
                next = q.rx.try_recv().ok();
            }
        }
        Some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::future::Future;

    fn unframe(mut b: &[u8]) -> Vec<Vec<u8>> {
        let mut out = Vec::new();
        while !b.is_empty() {
            let n = u32::from_le_bytes(b[..4].try_into().unwrap()) as usize;
            out.push(b[4..4 + n].to_vec());
            b = &b[4 + n..];
        }
        out
    }

    #[tokio::test]
    async fn a_batch_is_everything_queued_in_order_and_ends_when_the_engine_lets_go() {
        let boxes = Outboxes::default();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        boxes.open(7, rx);
        for m in [vec![1u8], vec![], vec![2, 3]] {
            tx.send(m).unwrap();
        }
        let batch = boxes.next_batch(7).await.unwrap();
        assert_eq!(unframe(&batch), vec![vec![1u8], vec![], vec![2, 3]]);
        // the poll waits for the next message
        let waiting = boxes.next_batch(7);
        tokio::pin!(waiting);
        let mut cx = std::task::Context::from_waker(std::task::Waker::noop());
        assert!(waiting.as_mut().poll(&mut cx).is_pending());
        tx.send(vec![9]).unwrap();
        assert_eq!(unframe(&waiting.await.unwrap()), vec![vec![9u8]]);
        drop(tx);
        assert!(boxes.next_batch(7).await.is_none());
        assert!(
            boxes.next_batch(8).await.is_none(),
            "an editor never opened"
        );
    }

    #[tokio::test]
    async fn a_large_burst_is_split_into_batches_and_nothing_is_lost() {
        let boxes = Outboxes::default();
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel();
        boxes.open(1, rx);
        let sent: Vec<Vec<u8>> = (0..9u8).map(|i| vec![i; MAX_BATCH / 4]).collect();
        for m in &sent {
            tx.send(m.clone()).unwrap();
        }
        drop(tx);
        let mut got = Vec::new();
        let mut batches = 0;
        while let Some(b) = boxes.next_batch(1).await {
            assert!(b.len() <= MAX_BATCH || unframe(&b).len() == 1);
            got.extend(unframe(&b));
            batches += 1;
        }
        assert_eq!(got, sent);
        assert!(batches >= 3, "{batches} batches");
    }

    #[tokio::test]
    async fn closing_ends_a_poll_once_the_engine_lets_go() {
        let boxes = Arc::new(Outboxes::default());
        let (tx, rx) = tokio::sync::mpsc::unbounded_channel::<Vec<u8>>();
        boxes.open(3, rx);
        let b = boxes.clone();
        let poll = tokio::spawn(async move { b.next_batch(3).await });
        tokio::task::yield_now().await;
        boxes.close(3);
        drop(tx); // the engine's detach drops its sender
        assert!(poll.await.unwrap().is_none());
        assert!(boxes.next_batch(3).await.is_none());
    }
}
