//! Cognito's `SECRET_HASH` for app clients that have a client secret.

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD;
use hmac::{Hmac, Mac as _};
use secrecy::{ExposeSecret as _, SecretString};
use sha2::Sha256;

/// `Base64(HMAC-SHA256(key = client secret, message = username + client id))`, as
/// Cognito documents it. Every call that names a user sends it when a secret is configured.
///
/// The value proves knowledge of the secret, so it is never logged either.
pub fn secret_hash(client_secret: &SecretString, username: &str, client_id: &str) -> String {
    let mut mac = <Hmac<Sha256>>::new_from_slice(client_secret.expose_secret().as_bytes())
        .expect("HMAC accepts keys of any length");
    mac.update(username.as_bytes());
    mac.update(client_id.as_bytes());
    STANDARD.encode(mac.finalize().into_bytes())
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Vectors computed independently with Python's `hmac` module:
    /// `base64.b64encode(hmac.new(secret, user + client, hashlib.sha256).digest())`.
    #[test]
    fn matches_independently_computed_vectors() {
        let secret = SecretString::from("secret");
        assert_eq!(secret_hash(&secret, "user", "client"), "wvW87lzZoI+qQCVGmWVBJLlucdJ65huAVP1z+0MgA6E=");

        let secret = SecretString::from("6d1f6f0e-8bd6-4b1c-9f1e-2f4f1c1b2a3d");
        assert_eq!(
            secret_hash(&secret, "ann@example.com", "4k2m1n3b5v6c7x8z9l0p1o2i3u"),
            "yDrf//LU28ASnhicqFZvbij0VulEGH5MtonI6ev6s/Y="
        );
    }

    #[test]
    fn the_message_is_username_then_client_id() {
        let secret = SecretString::from("secret");
        assert_ne!(secret_hash(&secret, "user", "client"), secret_hash(&secret, "client", "user"));
    }
}
