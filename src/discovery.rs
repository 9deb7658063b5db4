//! LAN discovery over mDNS (DNS-SD): announces `_groundwork._tcp.local.` with a random
//! instance name and no TXT data beyond the protocol version — no device key, no name, no
//! brief. Discovery only yields addresses; who is behind one is learned in the authenticated
//! Noise handshake, and which briefs are shared only through brief tags.

use crate::net::Event;
use mdns_sd::{ServiceDaemon, ServiceEvent, ServiceInfo};
use std::net::SocketAddr;
use tokio::sync::mpsc;

pub const SERVICE_TYPE: &str = "_groundwork._tcp.local.";

pub struct Discovery {
    daemon: ServiceDaemon,
    fullname: String,
}

impl Discovery {
    pub(crate) fn start(
        port: u16,
        events: mpsc::UnboundedSender<Event>,
    ) -> Result<Discovery, String> {
        let daemon = ServiceDaemon::new().map_err(|e| e.to_string())?;
        let token = crate::identity::hex(&crate::brief::random_client_id().to_le_bytes()[..4])
            + &crate::identity::hex(&crate::brief::random_client_id().to_le_bytes()[..4]);
        let instance = format!("gw-{token}");
        let host = format!("{instance}.local.");
        let info = ServiceInfo::new(SERVICE_TYPE, &instance, &host, "", port, &[("v", "1")][..])
            .map_err(|e| e.to_string())?
            .enable_addr_auto();
        let fullname = info.get_fullname().to_string();
        daemon.register(info).map_err(|e| e.to_string())?;
        let receiver = daemon.browse(SERVICE_TYPE).map_err(|e| e.to_string())?;
        let own = fullname.clone();
        tokio::spawn(async move {
            while let Ok(event) = receiver.recv_async().await {
                if let ServiceEvent::ServiceResolved(svc) = event {
                    if svc.get_fullname() == own {
                        continue;
                    }
                    for ip in svc.get_addresses_v4() {
                        let addr = SocketAddr::new(ip.into(), svc.get_port());
                        if events.send(Event::Discovered { addr }).is_err() {
                            return;
                        }
                    }
                }
            }
        });
        tracing::info!(%fullname, "announcing on mDNS");
        Ok(Discovery { daemon, fullname })
    }
}

impl Drop for Discovery {
    fn drop(&mut self) {
        let _ = self.daemon.unregister(&self.fullname);
        let _ = self.daemon.shutdown();
    }
}
