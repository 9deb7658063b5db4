//! Sharing a brief, for the CLI and the app alike: making invite codes (expiry, single use,
//! whether joining asks a member), joining with one, approving a device that asks, and
//! removing a device — which rotates the brief's secret, handed to the remaining devices by
//! the running peer ([`crate::peer`]). The rules themselves (who is admitted) live in the
//! brief's roster ([`crate::brief::RosterEntry`]); SYNC.md says what they promise.

use crate::brief::{Brief, RosterEntry};
use crate::engine::Engine;
use crate::frontend::{rejected, storage, Handle};
use crate::invite::{new_code_id, Invite, DEFAULT_DAYS};
use crate::model::Template;
use crate::net::FrontendError;
use serde::{Deserialize, Serialize};
use uuid::Uuid;

/// What a new invite code allows.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, Serialize, ts_rs::TS)]
pub struct InviteOptions {
    /// Days the code stays valid (1 to 365).
    pub days: u32,
    /// Only one device may use it.
    pub single_use: bool,
    /// A device that presents it asks a member, who approves it. `false` admits it outright
    /// (for a headless device set up by a script, say); the app always asks.
    pub ask: bool,
}

impl Default for InviteOptions {
    fn default() -> Self {
        InviteOptions {
            days: DEFAULT_DAYS,
            single_use: false,
            ask: true,
        }
    }
}

/// What the People and devices panel shows about a brief's access.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct Access {
    /// Approved devices, devices asking to join, removed ones.
    pub roster: Vec<RosterEntry>,
    /// This device's key (hex).
    pub me: String,
    /// Where this device's own join stands, while no member approved it: what to tell the
    /// person ("waiting for a member of the brief to approve this device").
    pub joining: Option<String>,
}

/// Unix seconds now.
pub fn unix_now() -> i64 {
    std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .map(|d| d.as_secs() as i64)
        .unwrap_or(0)
}

/// Makes a new invite code for brief `b` (its live document), recorded in the brief.
pub fn make_invite(
    b: &Brief,
    secret: [u8; 32],
    opts: InviteOptions,
    now_s: i64,
) -> Result<Invite, FrontendError> {
    if !(1..=365).contains(&opts.days) {
        return Err(rejected("a code is valid for 1 to 365 days"));
    }
    let code = new_code_id().map_err(|_| storage("no randomness available"))?;
    let expires_at = now_s + i64::from(opts.days) * 86_400;
    b.claim_roster();
    b.add_invite(
        &crate::identity::hex(&code),
        expires_at,
        opts.single_use,
        opts.ask,
    );
    Ok(Invite {
        brief: b.id(),
        secret,
        code,
        expires_at: expires_at as u64,
    })
}

/// The newest code this device made for `b` that can be shown again: asks, several uses,
/// valid for at least one more day. The share dialog shows it rather than minting a code
/// each time it opens.
pub fn reusable_invite(b: &Brief, secret: [u8; 32], now_s: i64) -> Option<Invite> {
    let me = b.local().device;
    let r = b
        .invites()
        .into_iter()
        .find(|r| r.by == me && r.ask && !r.single_use && r.expires_at > now_s + 86_400)?;
    let code = crate::invite::code_from_hex(&r.code)?;
    Some(Invite {
        brief: b.id(),
        secret,
        code,
        expires_at: r.expires_at as u64,
    })
}

async fn secret_for(engine: &Engine, brief: Uuid) -> Result<[u8; 32], FrontendError> {
    let fresh = crate::invite::new_secret().map_err(|_| storage("no randomness available"))?;
    engine
        .store()
        .set_brief_secret(brief, &fresh)
        .await
        .map_err(storage)
}

async fn resolve(engine: &Engine, brief: &str) -> Result<Uuid, FrontendError> {
    engine
        .resolve(brief)
        .await
        .map_err(|_| FrontendError::NoSuchBrief(brief.to_string()))
}

/// Runs `op` on a brief opened from the database and stores what it changed (the CLI's way:
/// a running `serve` picks the rows up).
async fn with_stored<T>(
    engine: &Engine,
    brief: Uuid,
    op: impl FnOnce(&Brief) -> Result<T, FrontendError>,
) -> Result<T, FrontendError> {
    let ob = engine.open_brief(brief).await.map_err(storage)?;
    let out = op(&ob.brief)?;
    engine.flush(&ob.brief).await.map_err(storage)?;
    Ok(out)
}

/// A new invite code for a brief (the CLI).
pub async fn invite(
    engine: &Engine,
    brief: &str,
    opts: InviteOptions,
) -> Result<String, FrontendError> {
    let id = resolve(engine, brief).await?;
    let secret = secret_for(engine, id).await?;
    let now = unix_now();
    with_stored(engine, id, |b| make_invite(b, secret, opts, now))
        .await
        .map(|i| i.encode())
}

/// Adds a brief from an invite code. It stays empty, and this device presents the code to
/// the brief's members, until one of them approves it (or at once, for a code that does not
/// ask). Joining a brief this device already holds changes nothing.
pub async fn join(engine: &Engine, code: &str) -> Result<Uuid, FrontendError> {
    let invite = Invite::decode(code.trim()).map_err(rejected)?;
    if (invite.expires_at as i64) < unix_now() {
        return Err(rejected(
            "the invite code has expired; ask a member of the brief for a new one",
        ));
    }
    engine
        .store()
        .insert_brief(invite.brief, "", Template::ProblemFirst.as_str())
        .await
        .map_err(storage)?;
    engine
        .store()
        .set_join(invite.brief, &invite.secret, &invite.code)
        .await
        .map_err(storage)?;
    Ok(invite.brief)
}

/// Approves a device that asks to join (the CLI).
pub async fn approve(
    engine: &Engine,
    brief: &str,
    device: &str,
) -> Result<RosterEntry, FrontendError> {
    let id = resolve(engine, brief).await?;
    with_stored(engine, id, |b| approve_on(b, device)).await
}

/// Removes a device from a brief (the CLI): recorded in the roster, and the brief's secret
/// rotated; the running peer hands the new one to the remaining devices.
pub async fn remove(
    engine: &Engine,
    brief: &str,
    device: &str,
) -> Result<RosterEntry, FrontendError> {
    let id = resolve(engine, brief).await?;
    let entry = with_stored(engine, id, |b| remove_on(b, device)).await?;
    rotate(engine, id).await?;
    Ok(entry)
}

fn approve_on(b: &Brief, device: &str) -> Result<RosterEntry, FrontendError> {
    b.approve_device(device).map_err(rejected)
}

fn remove_on(b: &Brief, device: &str) -> Result<RosterEntry, FrontendError> {
    b.remove_device(device).map_err(rejected)
}

async fn rotate(engine: &Engine, brief: Uuid) -> Result<(), FrontendError> {
    if engine
        .store()
        .brief_secret(brief)
        .await
        .map_err(storage)?
        .is_some()
    {
        engine.store().rotate_secret(brief).await.map_err(storage)?;
    }
    Ok(())
}

fn to_json<T: Serialize>(v: T) -> Result<serde_json::Value, FrontendError> {
    serde_json::to_value(v).map_err(storage)
}

impl Handle {
    /// An invite code for a brief: a new one made with `opts`, or with `None` the code the
    /// share dialog showed before while it stays valid (else a new one with the defaults).
    pub async fn invite(
        &self,
        brief: Uuid,
        opts: Option<InviteOptions>,
    ) -> Result<String, FrontendError> {
        let secret = secret_for(&*self.engine().await, brief).await?;
        let now = unix_now();
        let code = self
            .edit(
                brief,
                Box::new(move |b: &Brief| {
                    let invite = match opts {
                        Some(o) => make_invite(b, secret, o, now)?,
                        None => match reusable_invite(b, secret, now) {
                            Some(i) => i,
                            None => make_invite(b, secret, InviteOptions::default(), now)?,
                        },
                    };
                    Ok(serde_json::Value::String(invite.encode()))
                }),
            )
            .await?;
        Ok(code.as_str().unwrap_or_default().to_string())
    }

    /// The brief's roster (approved devices, devices asking to join, removed ones) and
    /// this device's own join.
    pub async fn access(&self, brief: Uuid) -> Result<Access, FrontendError> {
        let v = self
            .edit(brief, Box::new(|b: &Brief| to_json(b.roster())))
            .await?;
        let roster = serde_json::from_value(v).map_err(storage)?;
        let engine = self.engine().await;
        let joining = engine
            .store()
            .join_state(brief)
            .await
            .map_err(storage)?
            .map(|j| j.describe().to_string());
        Ok(Access {
            roster,
            me: engine.identity().device_id(),
            joining,
        })
    }

    /// Approves a device that asks to join.
    pub async fn approve(&self, brief: Uuid, device: String) -> Result<(), FrontendError> {
        self.edit(
            brief,
            Box::new(move |b: &Brief| to_json(approve_on(b, &device)?)),
        )
        .await?;
        Ok(())
    }

    /// Removes a device (or declines its request); the brief's secret is rotated.
    pub async fn remove(&self, brief: Uuid, device: String) -> Result<(), FrontendError> {
        self.edit(
            brief,
            Box::new(move |b: &Brief| to_json(remove_on(b, &device)?)),
        )
        .await?;
        rotate(&*self.engine().await, brief).await
    }

    /// Joins a brief with an invite code.
    pub async fn join(&self, code: &str) -> Result<Uuid, FrontendError> {
        join(&*self.engine().await, code).await
    }
}
