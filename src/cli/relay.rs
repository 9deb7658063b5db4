//! `groundwork relay add|list|remove`: a brief's relays (issue 16). Adding one records it in
//! the brief (every member sees it, with who and when) and keeps this device's token in its
//! settings; a running peer (`serve`, the app) on this device then keeps a connection to it.

use super::{open, out, CliError};
use crate::engine::Engine;
use crate::relay::{RelaySetting, RelayUrl, TokenIn};
use clap::Subcommand;

#[derive(Subcommand, Debug)]
pub enum RelayCommand {
    /// Relay a brief through the Yjs server room at URL (wss://host/room; ws:// only to this
    /// machine). The server sees the brief's whole text: every member is shown that it is
    /// relayed, where, since when and by whom. A brief this device does not hold yet, given by
    /// its whole id, is joined through the relay.
    Add {
        brief: String,
        url: String,
        /// A token the server asks for
        #[arg(long)]
        token: Option<String>,
        /// Where the token goes: `query` (?token=…) or `header` (Authorization: Bearer …)
        #[arg(long, default_value = "query")]
        token_in: String,
    },
    /// The brief's relays: address, who added it and when, whether this device uses it.
    List { brief: String },
    /// Stop relaying the brief through URL (its record leaves the brief for every member).
    Remove { brief: String, url: String },
}

pub async fn run(engine: &mut Engine, command: RelayCommand) -> Result<(), CliError> {
    match command {
        RelayCommand::Add {
            brief,
            url,
            token,
            token_in,
        } => {
            let url = RelayUrl::parse(&url)?;
            let token_in: TokenIn = token_in.parse()?;
            // a brief this device does not hold yet, named by its whole id: joined through the
            // relay (it arrives from the room once a running peer connects)
            let (b, joined) = match uuid::Uuid::parse_str(brief.trim()) {
                Ok(id) if engine.resolve(&brief).await.is_err() => (engine.adopt(id).await?, true),
                _ => (open(engine, &brief).await?, false),
            };
            // joining: the relay's record comes with the brief (whoever added it first)
            if !joined {
                b.add_relay(url.as_str());
            }
            engine.flush(&b).await?;
            let mut list = engine.relay_settings(b.id()).await?;
            list.retain(|s| s.url != url.as_str());
            list.push(RelaySetting {
                url: url.to_string(),
                token,
                token_in,
            });
            engine.set_relay_settings(b.id(), &list).await?;
            out(format!(
                "relayed through {url} (room {}): the server holds this brief's whole text; every member is shown it",
                url.room()
            ));
        }
        RelayCommand::List { brief } => {
            let b = open(engine, &brief).await?;
            let mine = engine.relay_settings(b.id()).await?;
            for r in b.relays() {
                let here = if mine.iter().any(|s| s.url == r.url) {
                    "used by this device"
                } else {
                    "not used by this device (`relay add` to use it)"
                };
                out(format!(
                    "{}\tadded by {} ({}) {}\t{here}",
                    r.url, r.by, r.role, r.at
                ));
            }
        }
        RelayCommand::Remove { brief, url } => {
            let b = open(engine, &brief).await?;
            let url = RelayUrl::parse(&url).map(|u| u.to_string()).unwrap_or(url);
            let mut list = engine.relay_settings(b.id()).await?;
            let had = list.len();
            list.retain(|s| s.url != url);
            let recorded = b.remove_relay(&url);
            if !recorded && list.len() == had {
                return Err(CliError::NoRelay {
                    brief: b.id().to_string(),
                    url,
                });
            }
            engine.flush(&b).await?;
            engine.set_relay_settings(b.id(), &list).await?;
        }
    }
    Ok(())
}
