//! Accepting peers: the listening socket, and what an unauthenticated connection may cost
//! before its Noise handshake completes (a bounded number of handshakes, per address too).

use super::connection::{run_connection, Event};
use super::lock;
use crate::transport;
use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;
use tokio::net::TcpListener;
use tokio::sync::mpsc;

/// Most handshakes in progress at once, from anywhere.
pub const MAX_HANDSHAKES: usize = 64;
/// Most handshakes in progress at once from one IP address.
pub const MAX_HANDSHAKES_PER_ADDRESS: usize = 8;

/// Counts the handshakes in progress per address; a slot is given back when dropped.
#[derive(Clone, Default)]
struct AddressSlots(Arc<Mutex<HashMap<std::net::IpAddr, usize>>>);

struct AddressSlot {
    slots: AddressSlots,
    ip: std::net::IpAddr,
}

impl AddressSlots {
    fn take(&self, ip: std::net::IpAddr) -> Option<AddressSlot> {
        let mut m = lock(&self.0);
        let n = m.entry(ip).or_insert(0);
        if *n >= MAX_HANDSHAKES_PER_ADDRESS {
            return None;
        }
        *n += 1;
        Some(AddressSlot {
            slots: self.clone(),
            ip,
        })
    }
}

impl Drop for AddressSlot {
    fn drop(&mut self) {
        let mut m = lock(&self.slots.0);
        if let Some(n) = m.get_mut(&self.ip) {
            *n -= 1;
            if *n == 0 {
                m.remove(&self.ip);
            }
        }
    }
}

/// Accepts connections. What an unauthenticated connection may cost is bounded: at most
/// [`MAX_HANDSHAKES`] handshakes run at once ([`MAX_HANDSHAKES_PER_ADDRESS`] from one
/// address), each with a few KiB of buffers and [`transport::HANDSHAKE_TIMEOUT`] to finish;
/// a connection beyond those limits is closed at once.
pub(super) async fn accept_loop(
    listener: TcpListener,
    secret: [u8; 32],
    events: mpsc::UnboundedSender<Event>,
    next_id: Arc<std::sync::atomic::AtomicU64>,
) {
    let handshakes = Arc::new(tokio::sync::Semaphore::new(MAX_HANDSHAKES));
    let per_address = AddressSlots::default();
    let mut refused_since_log = 0u64;
    loop {
        let (stream, addr) = match listener.accept().await {
            Ok(a) => a,
            Err(e) => {
                // out of file descriptors, say: wait instead of spinning on the error
                tracing::warn!(error = %e, "accept failed");
                tokio::time::sleep(Duration::from_millis(100)).await;
                continue;
            }
        };
        let slot = per_address.take(addr.ip());
        let permit = handshakes.clone().try_acquire_owned().ok();
        let (Some(slot), Some(permit)) = (slot, permit) else {
            refused_since_log += 1;
            if refused_since_log.is_power_of_two() {
                tracing::warn!(%addr, refused = refused_since_log, "too many handshakes in progress; connection closed");
            }
            drop(stream);
            continue;
        };
        let events = events.clone();
        let next_id = next_id.clone();
        tokio::spawn(async move {
            let _ = stream.set_nodelay(true);
            let handshake = transport::accept(stream, &secret).await;
            drop((slot, permit));
            match handshake {
                Ok(ch) => {
                    run_connection(ch, false, addr.to_string(), events, next_id).await;
                }
                Err(e) => {
                    tracing::debug!(%addr, error = %e, "handshake failed; connection dropped")
                }
            }
        });
    }
}
