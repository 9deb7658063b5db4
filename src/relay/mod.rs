//! Relays beyond one LAN (issue 16): a brief synced through a stock Yjs WebSocket server (the
//! y-websocket server, y-sweet, Hocuspocus) in the room its URL names. This module owns what a
//! relay *is* — its address, checked ([`RelayUrl`]), and where its token goes — and how a
//! running peer keeps a connection to one ([`connect`]: the WebSocket client, backoff with
//! jitter). The messages on it are y-websocket's: bare y-sync messages (sync step 1 / step 2 /
//! update, awareness, awareness query), handled by the peer machine as a relay link
//! ([`crate::peer`], `peer/relays.rs`), validated like a peer's.
//!
//! A stock server merges what it relays, so it holds the brief in plain form: adding a relay is
//! recorded in the brief ([`crate::brief::RelayRecord`]) so every member sees where it goes.

mod connect;

pub use connect::{backoff_ms, run_relay, RelayEvent, BYTES_SENT};

use std::net::IpAddr;

/// Why a relay address is not accepted.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum RelayError {
    #[error("{0:?} is not a WebSocket address (ws://host/room or wss://host/room)")]
    NotWebSocket(String),
    #[error("{0:?} is not encrypted: a relay needs wss:// (ws:// only to this machine)")]
    NotEncrypted(String),
    #[error("{0:?} names no room: the path after the host is the room (wss://host/room)")]
    NoRoom(String),
    #[error("{0:?} carries a user name, password or fragment: give a token with --token")]
    Credentials(String),
    #[error("a token goes in the query or a header, not {0:?}")]
    TokenPlacement(String),
}

/// Where the token is passed: `?token=…` in the URL (y-websocket servers' `params`), or an
/// `Authorization: Bearer …` header.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize, Default)]
#[serde(rename_all = "lowercase")]
pub enum TokenIn {
    #[default]
    Query,
    Header,
}

impl std::str::FromStr for TokenIn {
    type Err = RelayError;
    fn from_str(s: &str) -> Result<TokenIn, RelayError> {
        match s {
            "query" => Ok(TokenIn::Query),
            "header" => Ok(TokenIn::Header),
            other => Err(RelayError::TokenPlacement(other.to_string())),
        }
    }
}

/// A relay's address, checked: `wss://` (or `ws://` to a loopback address), a host, and a
/// room (the path, as y-websocket puts the room after the server's address).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct RelayUrl(String);

impl RelayUrl {
    pub fn parse(s: &str) -> Result<RelayUrl, RelayError> {
        let s = s.trim();
        let u = url::Url::parse(s).map_err(|_| RelayError::NotWebSocket(s.to_string()))?;
        let host = match u.host() {
            Some(h) => h,
            None => return Err(RelayError::NotWebSocket(s.to_string())),
        };
        if !u.username().is_empty() || u.password().is_some() || u.fragment().is_some() {
            return Err(RelayError::Credentials(s.to_string()));
        }
        match u.scheme() {
            "wss" => {}
            "ws" => {
                let loopback = match host {
                    url::Host::Domain(d) => d.eq_ignore_ascii_case("localhost"),
                    url::Host::Ipv4(a) => IpAddr::V4(a).is_loopback(),
                    url::Host::Ipv6(a) => IpAddr::V6(a).is_loopback(),
                };
                if !loopback {
                    return Err(RelayError::NotEncrypted(s.to_string()));
                }
            }
            _ => return Err(RelayError::NotWebSocket(s.to_string())),
        }
        if u.path().trim_matches('/').is_empty() {
            return Err(RelayError::NoRoom(s.to_string()));
        }
        Ok(RelayUrl(u.to_string()))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The room, as the server reads it (the path without its leading slash).
    pub fn room(&self) -> String {
        url::Url::parse(&self.0)
            .map(|u| u.path().trim_start_matches('/').to_string())
            .unwrap_or_default()
    }

    /// The address to connect to, with the token in the query when it goes there.
    pub fn with_token(&self, token: Option<&str>, token_in: TokenIn) -> String {
        match (token, token_in, url::Url::parse(&self.0)) {
            (Some(t), TokenIn::Query, Ok(mut u)) => {
                u.query_pairs_mut().append_pair("token", t);
                u.to_string()
            }
            // (a RelayUrl always parses: it was made by `parse`)
            _ => self.0.clone(),
        }
    }
}

impl std::fmt::Display for RelayUrl {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0)
    }
}

/// This device's settings for one relay of a brief (`relay:<brief id>` in the engine's
/// settings, a JSON list): the token never goes into the brief.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct RelaySetting {
    pub url: String,
    #[serde(default)]
    pub token: Option<String>,
    #[serde(default)]
    pub token_in: TokenIn,
}

/// The engine setting a brief's relays on this device are kept under.
pub fn setting_key(brief: uuid::Uuid) -> String {
    format!("relay:{brief}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_relay_needs_tls_except_to_this_machine() {
        assert!(RelayUrl::parse("wss://yjs.example.com/team-briefs").is_ok());
        assert!(RelayUrl::parse("ws://127.0.0.1:1234/room").is_ok());
        assert!(RelayUrl::parse("ws://localhost:1234/room").is_ok());
        assert!(RelayUrl::parse("ws://[::1]:1234/room").is_ok());
        assert_eq!(
            RelayUrl::parse("ws://10.0.0.2:1234/room"),
            Err(RelayError::NotEncrypted("ws://10.0.0.2:1234/room".into()))
        );
        assert!(matches!(
            RelayUrl::parse("https://example.com/room"),
            Err(RelayError::NotWebSocket(_))
        ));
        assert!(matches!(
            RelayUrl::parse("wss://example.com/"),
            Err(RelayError::NoRoom(_))
        ));
        assert!(matches!(
            RelayUrl::parse("wss://me:pw@example.com/room"),
            Err(RelayError::Credentials(_))
        ));
        assert!(matches!(
            RelayUrl::parse("not a url"),
            Err(RelayError::NotWebSocket(_))
        ));
        let u = RelayUrl::parse("wss://example.com/briefs/onboarding").unwrap();
        assert_eq!(u.room(), "briefs/onboarding");
        assert_eq!(
            u.with_token(Some("a&b"), TokenIn::Query),
            "wss://example.com/briefs/onboarding?token=a%26b"
        );
        assert_eq!(u.with_token(Some("x"), TokenIn::Header), u.as_str());
    }
}
