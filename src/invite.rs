//! Invite codes: one line that grants access to one brief.
//!
//! `gw1` + base32 (RFC 4648, lower case, no padding) of `brief id (16 bytes) || secret (32
//! bytes) || crc32 of both (4 bytes)`: 86 characters, pasteable into a chat. The secret is what
//! authorizes a device for the brief during sync (see SYNC.md); the checksum catches typos.

use data_encoding::BASE32_NOPAD;
use uuid::Uuid;

pub const PREFIX: &str = "gw1";

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Invite {
    pub brief: Uuid,
    pub secret: [u8; 32],
}

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum InviteError {
    #[error("this is not a Groundwork invite code (it should start with '{PREFIX}')")]
    Prefix,
    #[error("the invite code is damaged (wrong characters or length); copy it again")]
    Malformed,
    #[error("the invite code is damaged (checksum mismatch); copy it again")]
    Checksum,
}

impl Invite {
    /// A new random secret for `brief`.
    pub fn generate(brief: Uuid) -> Result<Invite, getrandom::Error> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret)?;
        Ok(Invite { brief, secret })
    }

    pub fn encode(&self) -> String {
        let mut raw = Vec::with_capacity(52);
        raw.extend_from_slice(self.brief.as_bytes());
        raw.extend_from_slice(&self.secret);
        let crc = crc32fast::hash(&raw);
        raw.extend_from_slice(&crc.to_le_bytes());
        format!("{PREFIX}{}", BASE32_NOPAD.encode(&raw).to_ascii_lowercase())
    }

    pub fn decode(code: &str) -> Result<Invite, InviteError> {
        let code: String = code.chars().filter(|c| !c.is_whitespace()).collect();
        let body = code
            .strip_prefix(PREFIX)
            .or_else(|| code.strip_prefix(&PREFIX.to_ascii_uppercase()))
            .ok_or(InviteError::Prefix)?;
        let raw = BASE32_NOPAD
            .decode(body.to_ascii_uppercase().as_bytes())
            .map_err(|_| InviteError::Malformed)?;
        if raw.len() != 52 {
            return Err(InviteError::Malformed);
        }
        let crc = u32::from_le_bytes([raw[48], raw[49], raw[50], raw[51]]);
        if crc32fast::hash(&raw[..48]) != crc {
            return Err(InviteError::Checksum);
        }
        let brief = Uuid::from_slice(&raw[..16]).map_err(|_| InviteError::Malformed)?;
        let mut secret = [0u8; 32];
        secret.copy_from_slice(&raw[16..48]);
        Ok(Invite { brief, secret })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trip_and_damage() {
        let inv = Invite::generate(Uuid::new_v4()).unwrap();
        let code = inv.encode();
        assert!(code.len() < 100, "{}", code.len());
        assert_eq!(Invite::decode(&code).unwrap(), inv);
        assert_eq!(
            Invite::decode(&format!("  {} ", code.to_uppercase())).unwrap(),
            inv
        );
        assert_eq!(Invite::decode("hello"), Err(InviteError::Prefix));
        assert_eq!(Invite::decode("gw1!!!"), Err(InviteError::Malformed));
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
