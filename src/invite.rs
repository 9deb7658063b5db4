//! Invite codes: one line that lets a device ask to join one brief.
//!
//! `gw2` + base32 (RFC 4648, lower case, no padding) of
//! `brief id (16) || secret (32) || code id (8) || expires at (u64 LE, unix seconds) || crc32 of
//! all before (4)`: 112 characters, pasteable into a chat. The secret lets the device prove,
//! in the Hello of every session, that it was given a code for the brief; the members' devices
//! then check the code id against the brief's invite record (expiry, single use) and its
//! roster (approved by a member) before they send it anything — see SYNC.md ("Joining").
//! The checksum catches typos. Codes of the first format (`gw1`, no code id, no expiry) are
//! refused: they predate approval.

use data_encoding::BASE32_NOPAD;
use uuid::Uuid;

pub const PREFIX: &str = "gw2";
const OLD_PREFIX: &str = "gw1";
const LEN: usize = 16 + 32 + 8 + 8;
/// How long a code stays valid unless chosen otherwise.
pub const DEFAULT_DAYS: u32 = 7;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub brief: Uuid,
    pub secret: [u8; 32],
    /// Names the invite record in the brief (expiry, single use, who made it).
    pub code: [u8; 8],
    /// Unix seconds after which members refuse the code.
    pub expires_at: u64,
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteError {
    #[error("this is not a Groundwork invite code (it should start with '{PREFIX}')")]
    Prefix,
    #[error("this invite code was made by an earlier version of Groundwork; ask for a new one")]
    Old,
    #[error("the invite code is damaged (wrong characters or length); copy it again")]
    Malformed,
    #[error("the invite code is damaged (checksum mismatch); copy it again")]
    Checksum,
}

impl Invite {
    pub fn encode(&self) -> String {
        let mut raw = Vec::with_capacity(LEN + 4);
        raw.extend_from_slice(self.brief.as_bytes());
        raw.extend_from_slice(&self.secret);
        raw.extend_from_slice(&self.code);
        raw.extend_from_slice(&self.expires_at.to_le_bytes());
        let crc = crc32fast::hash(&raw);
        raw.extend_from_slice(&crc.to_le_bytes());
        format!("{PREFIX}{}", BASE32_NOPAD.encode(&raw).to_ascii_lowercase())
    }

    pub fn decode(code: &str) -> Result<Invite, InviteError> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let lower = code.to_ascii_lowercase();
        if lower.starts_with(OLD_PREFIX) {
            return Err(InviteError::Old);
        }
        let body = lower.strip_prefix(PREFIX).ok_or(InviteError::Prefix)?;
        let raw = BASE32_NOPAD
            .decode(body.to_ascii_uppercase().as_bytes())
            .map_err(|_| InviteError::Malformed)?;
        if raw.len() != LEN + 4 {
            return Err(InviteError::Malformed);
        }
        let crc = u32::from_le_bytes([raw[LEN], raw[LEN + 1], raw[LEN + 2], raw[LEN + 3]]);
        if crc32fast::hash(&raw[..LEN]) != crc {
            return Err(InviteError::Checksum);
        }
        let brief = Uuid::from_slice(&raw[..16]).map_err(|_| InviteError::Malformed)?;
        let mut secret = [0u8; 32];
        secret.copy_from_slice(&raw[16..48]);
        let mut code = [0u8; 8];
        code.copy_from_slice(&raw[48..56]);
        let mut exp = [0u8; 8];
        exp.copy_from_slice(&raw[56..64]);
        Ok(Invite {
            brief,
            secret,
            code,
            expires_at: u64::from_le_bytes(exp),
        })
    }

    /// The code id as stored in the brief's invite record.
    pub fn code_hex(&self) -> String {
        crate::identity::hex(&self.code)
    }
}

/// A fresh random code id.
pub fn new_code_id() -> Result<[u8; 8], getrandom::Error> {
    let mut id = [0u8; 8];
    getrandom::fill(&mut id)?;
    Ok(id)
}

/// A code id from its hex form (as stored in the brief).
pub fn code_from_hex(s: &str) -> Option<[u8; 8]> {
    let raw = data_encoding::HEXLOWER_PERMISSIVE
        .decode(s.as_bytes())
        .ok()?;
    raw.try_into().ok()
}

/// A fresh random brief secret.
pub fn new_secret() -> Result<[u8; 32], getrandom::Error> {
    let mut s = [0u8; 32];
    getrandom::fill(&mut s)?;
    Ok(s)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let inv = Invite {
            brief: Uuid::new_v4(),
            secret: new_secret().unwrap(),
            code: new_code_id().unwrap(),
            expires_at: 1_900_000_000,
        };
        let code = inv.encode();
        assert!(code.len() < 120, "{}", code.len());
        assert_eq!(Invite::decode(&code).unwrap(), inv);
        assert_eq!(
            Invite::decode(&format!("  {} ", code.to_uppercase())).unwrap(),
            inv
        );
        assert_eq!(Invite::decode("hello"), Err(InviteError::Prefix));
        assert_eq!(Invite::decode("gw1abcdef"), Err(InviteError::Old));
        assert_eq!(Invite::decode("gw2!!!"), Err(InviteError::Malformed));
        let mut bad: Vec<char> = code.chars().collect();
        let i = bad.len() / 2;
        bad[i] = if bad[i] == 'a' { 'b' } else { 'a' };
        let bad: String = bad.into_iter().collect();
        assert!(matches!(
            Invite::decode(&bad),
            Err(InviteError::Checksum) | Err(InviteError::Malformed)
        ));
    }
}
