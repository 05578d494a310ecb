//! The identifiers of user pools and app clients, in Cognito's formats, so that client libraries
//! that parse them (the region out of a pool id, a client id's length) accept authport's.
//!
//! - A pool id is `<region>_<9 letters and digits>` (`us-east-1_AbC123xyz`); botocore's
//!   `UserPoolIdType` allows `[\w-]+_[0-9a-zA-Z]+`, at most 55 characters.
//! - A client id is 26 lower-case letters and digits; botocore's `ClientIdType` allows `[\w+]+`,
//!   at most 128.
//! - A client secret is 51 lower-case letters and digits.

use std::fmt;

use rand::Rng as _;
use rand::distributions::Uniform;
use secrecy::SecretString;

const ALPHANUMERIC: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
const LOWER_ALPHANUMERIC: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";

fn random_from(alphabet: &[u8], len: usize) -> String {
    let pick = Uniform::new(0, alphabet.len());
    rand::thread_rng().sample_iter(pick).take(len).map(|i| char::from(alphabet[i])).collect()
}

/// An identifier that does not have its type's format.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{0:?} is not a valid {1}")]
pub struct InvalidId(pub String, pub &'static str);

/// A user pool's id: `<region>_<suffix>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PoolId(String);

impl PoolId {
    /// A new id in `region`, Cognito's shape: nine random letters and digits after the `_`.
    ///
    /// # Errors
    /// When `region` is not a region name (letters, digits, `-`).
    pub fn generate(region: &str) -> Result<Self, InvalidId> {
        Self::parse(&format!("{region}_{}", random_from(ALPHANUMERIC, 9)))
    }

    /// Accepts what Cognito accepts: `[\w-]+_[0-9a-zA-Z]+`, 1–55 characters.
    ///
    /// # Errors
    /// When `id` has another shape.
    pub fn parse(id: &str) -> Result<Self, InvalidId> {
        let invalid = || InvalidId(id.to_owned(), "user pool id");
        if id.len() > 55 {
            return Err(invalid());
        }
        let (region, suffix) = id.rsplit_once('_').ok_or_else(invalid)?;
        let region_ok = !region.is_empty() && region.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-');
        let suffix_ok = !suffix.is_empty() && suffix.chars().all(|c| c.is_ascii_alphanumeric());
        if region_ok && suffix_ok { Ok(Self(id.to_owned())) } else { Err(invalid()) }
    }

    /// The region the pool lives in: what comes before the last `_`.
    pub fn region(&self) -> &str {
        self.0.rsplit_once('_').map_or("", |(region, _)| region)
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for PoolId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// An app client's id.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ClientId(String);

impl ClientId {
    /// A new id, Cognito's shape: 26 random lower-case letters and digits.
    pub fn generate() -> Self {
        Self(random_from(LOWER_ALPHANUMERIC, 26))
    }

    /// Accepts what Cognito accepts in a request: `[\w+]+`, 1–128 characters.
    ///
    /// # Errors
    /// When `id` has another shape.
    pub fn parse(id: &str) -> Result<Self, InvalidId> {
        let ok = (1..=128).contains(&id.len()) && id.chars().all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '+');
        if ok { Ok(Self(id.to_owned())) } else { Err(InvalidId(id.to_owned(), "client id")) }
    }

    /// The id of the `/v1` API's client, from `--token-client-id`: 1–128 visible ASCII
    /// characters. Wider than [`ClientId::parse`] because the tokens already issued carry it
    /// (the default, `authport-local`, has a `-`).
    ///
    /// # Errors
    /// When `id` is empty, longer or holds other characters.
    pub fn configured(id: &str) -> Result<Self, InvalidId> {
        let ok = (1..=128).contains(&id.len()) && id.chars().all(|c| c.is_ascii_graphic());
        if ok { Ok(Self(id.to_owned())) } else { Err(InvalidId(id.to_owned(), "client id")) }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }
}

impl fmt::Display for ClientId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// A new app client secret: 51 random lower-case letters and digits.
pub fn generate_client_secret() -> SecretString {
    SecretString::from(random_from(LOWER_ALPHANUMERIC, 51))
}

#[cfg(test)]
mod tests {
    use secrecy::ExposeSecret as _;

    use super::*;

    #[test]
    fn generated_pool_ids_have_cognitos_shape_and_name_their_region() {
        let id = PoolId::generate("eu-west-1").expect("a region");
        let (region, suffix) = id.as_str().split_once('_').expect("an underscore");
        assert_eq!((region, id.region()), ("eu-west-1", "eu-west-1"));
        assert_eq!(suffix.len(), 9);
        assert!(suffix.chars().all(|c| c.is_ascii_alphanumeric()), "{id}");
        assert_eq!(PoolId::parse(id.as_str()), Ok(id));
    }

    #[test]
    fn pool_ids_are_parsed_as_cognito_validates_them() {
        for good in ["us-east-1_AbC123xyz", "local_1", "eu_central_1_x"] {
            assert!(PoolId::parse(good).is_ok(), "{good}");
        }
        let too_long = format!("us-east-1_{}", "a".repeat(46));
        for bad in ["", "nounderscore", "_abc", "us-east-1_", "us-east-1_ab-c", "us east_1", too_long.as_str()] {
            assert!(PoolId::parse(bad).is_err(), "{bad:?}");
        }
        assert_eq!(PoolId::parse("eu_central_1_x").map(|id| id.region().to_owned()), Ok("eu_central_1".to_owned()));
    }

    #[test]
    fn generated_client_ids_and_secrets_have_cognitos_shape() {
        let id = ClientId::generate();
        assert_eq!(id.as_str().len(), 26);
        assert!(id.as_str().chars().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()), "{id}");
        assert_ne!(ClientId::generate(), id);
        let secret = generate_client_secret();
        assert_eq!(secret.expose_secret().len(), 51);
        assert!(secret.expose_secret().chars().all(|c| c.is_ascii_digit() || c.is_ascii_lowercase()));
    }

    #[test]
    fn client_ids_are_parsed_as_cognito_validates_them() {
        for good in ["authport", "6vcbl0onlgd6ilgk5tke2ot7b4", "a_b+c"] {
            assert!(ClientId::parse(good).is_ok(), "{good}");
        }
        let too_long = "a".repeat(129);
        for bad in ["", "with space", "dash-ed", too_long.as_str()] {
            assert!(ClientId::parse(bad).is_err(), "{bad:?}");
        }
        assert!(ClientId::configured("authport-local").is_ok());
        for bad in ["", "with space", "tab\t", too_long.as_str()] {
            assert!(ClientId::configured(bad).is_err(), "{bad:?}");
        }
    }
}
