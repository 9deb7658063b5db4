//! Device identity: a stable X25519 key pair (it authenticates the device to peers in the
//! Noise handshake), a display name and a default role. The store persists it; this module
//! only makes and describes it.

use crate::brief::Member;
use crate::model::Role;
use x25519_dalek::{PublicKey, StaticSecret};

/// This device's identity.
#[derive(Clone)]
pub struct Identity {
    secret: [u8; 32],
    pub public: [u8; 32],
    pub name: String,
    pub role: Role,
}

impl std::fmt::Debug for Identity {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Identity")
            .field("public", &self.device_id())
            .field("name", &self.name)
            .field("role", &self.role)
            .finish_non_exhaustive()
    }
}

#[derive(Debug, thiserror::Error)]
pub enum IdentityError {
    #[error("the operating system's random number generator failed: {0}")]
    Random(String),
    #[error("stored device key is malformed")]
    BadKey,
    #[error("a display name must not be empty")]
    EmptyName,
}

impl Identity {
    /// A new identity with a fresh key pair.
    pub fn generate(name: &str, role: Role) -> Result<Identity, IdentityError> {
        let mut secret = [0u8; 32];
        getrandom::fill(&mut secret).map_err(|e| IdentityError::Random(e.to_string()))?;
        Ok(Self::from_secret(secret, name, role))
    }

    pub fn from_secret(secret: [u8; 32], name: &str, role: Role) -> Identity {
        let public = PublicKey::from(&StaticSecret::from(secret)).to_bytes();
        Identity {
            secret,
            public,
            name: name.to_string(),
            role,
        }
    }

    /// Rebuilds an identity from stored bytes, checking the public key matches the secret.
    pub fn from_stored(
        secret: &[u8],
        public: &[u8],
        name: &str,
        role: Role,
    ) -> Result<Identity, IdentityError> {
        let secret: [u8; 32] = secret.try_into().map_err(|_| IdentityError::BadKey)?;
        let id = Self::from_secret(secret, name, role);
        if id.public.as_slice() != public {
            return Err(IdentityError::BadKey);
        }
        Ok(id)
    }

    pub fn secret_bytes(&self) -> &[u8; 32] {
        &self.secret
    }

    /// The device id: hex of the public key.
    pub fn device_id(&self) -> String {
        hex(&self.public)
    }

    /// This identity as a brief member in the given role.
    pub fn member(&self, role: Option<Role>) -> Member {
        Member {
            device: self.device_id(),
            name: self.name.clone(),
            role: role.unwrap_or(self.role),
        }
    }
}

/// Lower-case hex.
pub fn hex(bytes: &[u8]) -> String {
    data_encoding::HEXLOWER.encode(bytes)
}

/// The bytes of [`hex`]'s output; `None` for anything else.
pub fn unhex(s: &str) -> Option<Vec<u8>> {
    data_encoding::HEXLOWER.decode(s.as_bytes()).ok()
}

/// A default display name for a new device: the user name from the environment.
pub fn default_name() -> String {
    std::env::var("USER")
        .or_else(|_| std::env::var("USERNAME"))
        .ok()
        .filter(|s| !s.trim().is_empty())
        .unwrap_or_else(|| "Someone".to_string())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_are_stable_and_checked() {
        let a = Identity::generate("Dana", Role::Pm).unwrap();
        let b = Identity::from_stored(a.secret_bytes(), &a.public, "Dana", Role::Pm).unwrap();
        assert_eq!(a.device_id(), b.device_id());
        assert_eq!(a.device_id().len(), 64);
        assert!(Identity::from_stored(&[1; 31], &a.public, "x", Role::Pm).is_err());
        assert!(Identity::from_stored(a.secret_bytes(), &[0; 32], "x", Role::Pm).is_err());
        assert_ne!(
            a.public,
            Identity::generate("Eli", Role::Engineer).unwrap().public
        );
    }
}
