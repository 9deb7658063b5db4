//! Sharing and sync from the command line: invite codes, joining, approving and removing
//! devices, running a headless peer (`serve`), the peers met and a brief's sync status. They are
//! top-level commands (flattened into [`super::Command`]); SYNC.md says what happens on the wire.

use super::*;

#[derive(Subcommand, Debug)]
pub enum SharingCommand {
    /// Print a new invite code for a brief. A device that joins with it asks the brief's
    /// members, and receives nothing until one of them approves it (`groundwork approve`).
    Invite {
        brief: String,
        /// Days the code stays valid
        #[arg(long, default_value_t = crate::invite::DEFAULT_DAYS)]
        days: u32,
        /// Only one device may join with it
        #[arg(long)]
        single_use: bool,
        /// Admit a device that presents the code without asking (a headless device set up
        /// by a script, where nobody is there to approve it)
        #[arg(long)]
        no_ask: bool,
    },
    /// Add a brief from an invite code; this device asks the brief's members, and the brief
    /// fills in once one of them approved it and a peer holding it is reached.
    Join { code: String },
    /// Approve a device that asks to join a brief (see `groundwork status BRIEF`).
    Approve {
        brief: String,
        /// The device: its key (or a unique prefix of it) or its person's name
        device: String,
    },
    /// Remove a device from a brief (or decline its request). The brief's secret is rotated
    /// and handed to the remaining devices; the removed device keeps what it already had,
    /// and is sent nothing made after.
    Remove {
        brief: String,
        /// The device: its key (or a unique prefix of it) or its person's name
        device: String,
    },
    /// Run a headless peer until SIGINT or SIGTERM.
    Serve {
        /// Address to listen on
        #[arg(long, default_value = "0.0.0.0:7471")]
        listen: String,
        /// A peer to connect to (repeatable), for networks where multicast is blocked
        #[arg(long = "peer", value_name = "HOST:PORT")]
        peers: Vec<String>,
        /// Do not announce or discover peers over mDNS
        #[arg(long)]
        no_mdns: bool,
        /// Benchmark aid: type into this brief's evidence section while serving, as a person
        /// would (one character per edit, each stored and relayed like an app edit)
        #[arg(long, hide = true, value_name = "BRIEF")]
        type_into: Option<String>,
        /// Benchmark aid: characters per second typed with --type-into
        #[arg(long, hide = true, default_value_t = 5)]
        type_rate: u32,
    },
    /// List peers this device has seen.
    Peers,
    /// Per peer: whether it has all of this device's changes to a brief, and when it was seen.
    Status { brief: String },
}

pub(super) async fn run(engine: &mut Engine, command: SharingCommand) -> Result<(), CliError> {
    match command {
        SharingCommand::Invite {
            brief,
            days,
            single_use,
            no_ask,
        } => {
            let opts = crate::sharing::InviteOptions {
                days,
                single_use,
                ask: !no_ask,
            };
            out(crate::sharing::invite(engine, &brief, opts).await?);
        }
        SharingCommand::Join { code } => {
            crate::invite::Invite::decode(code.trim())?; // the CLI's own wording for a bad code
            let id = crate::sharing::join(engine, &code).await?;
            out(format!(
                "joined {id}; this device asks the brief's members, and the brief fills in once one of them approved it (groundwork serve)"
            ));
        }
        SharingCommand::Approve { brief, device } => {
            let e = crate::sharing::approve(engine, &brief, &device).await?;
            out(format!(
                "approved {} ({})",
                e.name,
                &e.device[..16.min(e.device.len())]
            ));
        }
        SharingCommand::Remove { brief, device } => {
            let e = crate::sharing::remove(engine, &brief, &device).await?;
            out(format!(
                "removed {} ({}) from the brief; its secret was rotated. That device keeps what it already had and is sent nothing made from now on.",
                e.name,
                &e.device[..16.min(e.device.len())]
            ));
        }
        SharingCommand::Serve {
            listen,
            peers,
            no_mdns,
            type_into,
            type_rate,
        } => {
            let mut cfg = crate::net::ServeConfig {
                listen,
                peers,
                mdns: !no_mdns,
                ..Default::default()
            };
            if let Some(ms) = std::env::var("GROUNDWORK_PRESENCE_TIMEOUT_MS")
                .ok()
                .and_then(|v| v.parse().ok())
            {
                cfg.presence_timeout = std::time::Duration::from_millis(ms);
                cfg.presence_renew = std::time::Duration::from_millis((ms / 2).max(1));
            }
            let typist = match type_into {
                Some(brief) => Some(engine.resolve(&brief).await?),
                None => None,
            };
            let placeholder = Engine::open(engine.data_dir()).await?;
            let engine = std::mem::replace(engine, placeholder);
            let (tx, commands) = tokio::sync::mpsc::unbounded_channel();
            if let Some(brief) = typist {
                tokio::spawn(typist_task(tx.clone(), brief, type_rate.max(1)));
            }
            crate::net::serve_with(
                engine,
                cfg,
                |addr| out(format!("listening on {addr}")),
                shutdown_signal(),
                crate::net::Frontend {
                    commands: Some(commands),
                    notices: None,
                },
            )
            .await?;
            drop(tx);
        }
        SharingCommand::Peers => {
            let peers = engine.store().peers().await.map_err(EngineError::from)?;
            if peers.is_empty() {
                out("no peers seen yet");
            }
            for p in peers {
                let name = if p.name.is_empty() {
                    "(unknown)"
                } else {
                    &p.name
                };
                out(format!(
                    "{}  {}  {}  {}  last seen {}",
                    &p.device[..16],
                    name,
                    if p.address.is_empty() {
                        "-"
                    } else {
                        &p.address
                    },
                    p.source,
                    format_time(p.last_seen)
                ));
            }
        }
        SharingCommand::Status { brief } => {
            let b = open(engine, &brief).await?;
            let mine = engine.identity().device_id();
            if let Some(reason) = engine
                .store()
                .refusal(b.id())
                .await
                .map_err(EngineError::from)?
            {
                out(format!("refused: {reason}"));
            }
            if let Some(join) = engine
                .store()
                .join_state(b.id())
                .await
                .map_err(EngineError::from)?
            {
                out(format!("{}: joining, {}", b.id(), join.describe()));
            }
            let approved: Vec<String> = b
                .roster()
                .into_iter()
                .filter(|e| e.state == crate::brief::DeviceState::Approved)
                .map(|e| format!("{} ({})", e.name, e.role))
                .collect();
            if !approved.is_empty() {
                out(format!("devices in the brief: {}", approved.join(", ")));
            }
            for e in b.roster() {
                let short = &e.device[..16.min(e.device.len())];
                match e.state {
                    crate::brief::DeviceState::Asking => out(format!(
                        "{} ({}) asks to join (device {short}): groundwork approve {} {short}",
                        e.name,
                        e.role,
                        b.id()
                    )),
                    crate::brief::DeviceState::Removed => out(format!(
                        "removed: {} ({}), device {short}; it keeps what it had before",
                        e.name, e.role
                    )),
                    crate::brief::DeviceState::Approved => {}
                }
            }
            let members: Vec<_> = b
                .members()
                .into_iter()
                .filter(|m| b.admits(&m.device))
                .collect();
            let status = crate::status::brief_status(engine.store(), b.id(), &mine, &members, &[])
                .await
                .map_err(EngineError::from)?;
            out(format!(
                "{}: {} of your changes on this device",
                b.id(),
                status.changes
            ));
            if status.devices.is_empty() {
                out(format!("{}: no peer has synced this brief yet", b.id()));
            }
            for d in &status.devices {
                let heard = match (d.as_of, d.last_seen) {
                    (Some(at), Some(seen)) => {
                        format!(
                            " (as of {}); last seen {}",
                            format_time(at),
                            format_time(seen)
                        )
                    }
                    (None, Some(seen)) => format!("; last seen {}", format_time(seen)),
                    _ => String::new(),
                };
                out(format!("{}{heard}", d.describe()));
            }
            if let Some(r) = &status.receipt {
                out("merged after being apart (until dismissed in the app):");
                for line in r.lines() {
                    out(format!("  {line}"));
                }
            }
            let present = engine
                .store()
                .presence(b.id(), 60_000)
                .await
                .map_err(EngineError::from)?;
            for p in present {
                let v: serde_json::Value = serde_json::from_str(&p).unwrap_or_default();
                // a stock Yjs client (through a relay) names itself as `user.name`
                let stock = v["name"].as_str().is_none() && v["user"]["name"].is_string();
                out(format!(
                    "here now: {} ({}){}",
                    v["name"]
                        .as_str()
                        .or(v["user"]["name"].as_str())
                        .unwrap_or("someone"),
                    v["role"]
                        .as_str()
                        .unwrap_or(if stock { "Yjs client" } else { "?" }),
                    v["section"]
                        .as_str()
                        .map(|s| format!(" in {s}"))
                        .unwrap_or_default()
                ));
            }
        }
    }
    Ok(())
}

/// Completes on SIGINT or SIGTERM.
async fn shutdown_signal() {
    let ctrl_c = tokio::signal::ctrl_c();
    #[cfg(unix)]
    {
        let mut term =
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(t) => t,
                Err(_) => {
                    let _ = ctrl_c.await;
                    return;
                }
            };
        tokio::select! {
            _ = ctrl_c => {}
            _ = term.recv() => {}
        }
    }
    #[cfg(not(unix))]
    {
        let _ = ctrl_c.await;
    }
}

/// `serve --type-into`: one character every 1/rate s at the end of the first paragraph of
/// the brief's evidence section, through the running peer as an app edit goes (applied, relayed, stored).
async fn typist_task(
    tx: tokio::sync::mpsc::UnboundedSender<crate::net::Command>,
    brief: uuid::Uuid,
    rate: u32,
) {
    let mut tick = tokio::time::interval(std::time::Duration::from_secs(1) / rate);
    tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    for i in 0u64.. {
        tick.tick().await;
        let (reply, done) = tokio::sync::oneshot::channel();
        let c = char::from(b'a' + (i % 26) as u8);
        let op: crate::net::EditOp = Box::new(move |b: &Brief| {
            // at the end of the first paragraph (the offset is clamped to its length)
            b.insert_text(Section::Evidence, u32::MAX, &c.to_string());
            Ok(serde_json::Value::Null)
        });
        if tx
            .send(crate::net::Command::Edit { brief, op, reply })
            .is_err()
        {
            return;
        }
        if !matches!(done.await, Ok(Ok(_))) {
            tracing::warn!(%brief, "typist edit failed");
        }
    }
}
