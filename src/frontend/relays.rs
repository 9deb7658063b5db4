//! A brief's relays for the app's sharing panel ("Sync beyond this network", issue 16): the
//! relays recorded in the brief with who added them and whether this device uses each, adding
//! one (recorded in the brief through the running peer, so every member sees it at once, and
//! this device's token kept in its settings) and removing one.

use super::{rejected, storage, Handle};
use crate::brief::Brief;
use crate::net::FrontendError;
use crate::relay::{RelaySetting, RelayUrl, TokenIn};
use serde::Serialize;
use uuid::Uuid;

/// One relay of a brief, as the sharing panel shows it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ts_rs::TS)]
pub struct RelayView {
    pub url: String,
    /// The room on the server (the address's path).
    pub room: String,
    /// Who added it ("" for one this device uses whose record has not arrived yet).
    pub by: String,
    pub role: String,
    /// When (RFC 3339).
    pub at: String,
    /// This device keeps a connection to it.
    pub used_here: bool,
}

impl Handle {
    /// The brief's relays: recorded in the brief, and those this device uses.
    pub async fn relays(&self, brief: Uuid) -> Result<Vec<RelayView>, FrontendError> {
        let records = self.read(brief, move |b: &Brief| b.relays()).await?;
        let mine = self
            .engine()
            .await
            .relay_settings(brief)
            .await
            .map_err(storage)?;
        let room = |url: &str| RelayUrl::parse(url).map(|u| u.room()).unwrap_or_default();
        let mut out: Vec<RelayView> = records
            .into_iter()
            .map(|r| RelayView {
                room: room(&r.url),
                used_here: mine.iter().any(|m| m.url == r.url),
                url: r.url,
                by: r.by,
                role: r.role,
                at: r.at,
            })
            .collect();
        for m in mine {
            if !out.iter().any(|r| r.url == m.url) {
                out.push(RelayView {
                    room: room(&m.url),
                    url: m.url,
                    by: String::new(),
                    role: String::new(),
                    at: String::new(),
                    used_here: true,
                });
            }
        }
        Ok(out)
    }

    /// Relays the brief through `url` from this device (recorded in the brief if it is not
    /// yet); `token_in` is `query` or `header`.
    pub async fn add_relay(
        &self,
        brief: Uuid,
        url: &str,
        token: Option<String>,
        token_in: &str,
    ) -> Result<(), FrontendError> {
        let url = RelayUrl::parse(url).map_err(rejected)?;
        let token_in: TokenIn = token_in.parse().map_err(rejected)?;
        let token = token.filter(|t| !t.trim().is_empty());
        let record = url.to_string();
        self.edit(
            brief,
            Box::new(move |b: &Brief| {
                b.add_relay(&record);
                Ok(serde_json::Value::Null)
            }),
        )
        .await?;
        let engine = self.engine().await;
        let mut list = engine.relay_settings(brief).await.map_err(storage)?;
        list.retain(|s| s.url != url.as_str());
        list.push(RelaySetting {
            url: url.to_string(),
            token,
            token_in,
        });
        engine
            .set_relay_settings(brief, &list)
            .await
            .map_err(storage)
    }

    /// Stops relaying the brief through `url`: its record leaves the brief for every member,
    /// and this device stops using it.
    pub async fn remove_relay(&self, brief: Uuid, url: &str) -> Result<(), FrontendError> {
        let url = url.to_string();
        let record = url.clone();
        self.edit(
            brief,
            Box::new(move |b: &Brief| {
                b.remove_relay(&record);
                Ok(serde_json::Value::Null)
            }),
        )
        .await?;
        let engine = self.engine().await;
        let mut list = engine.relay_settings(brief).await.map_err(storage)?;
        list.retain(|s| s.url != url);
        engine
            .set_relay_settings(brief, &list)
            .await
            .map_err(storage)
    }
}
