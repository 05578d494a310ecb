//! authport's Cognito refresh tokens: `<base64url(user name)>.<Cognito refresh token>`.
//!
//! `REFRESH_TOKEN_AUTH` with an app-client secret needs a `SECRET_HASH` over the user's
//! *Cognito* user name — which the refresh request (`{"refresh_token"}`) does not carry and
//! Cognito's opaque refresh token does not reveal. So authport hands out the Cognito token
//! prefixed with the user name (taken from the access token's `username` claim at log-in).
//! The prefix grants nothing: Cognito still verifies its own token, and a forged name only
//! makes the `SECRET_HASH` wrong.

use authport_domain::RefreshToken;
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

pub(crate) fn wrap(username: &str, cognito_refresh_token: &str) -> RefreshToken {
    RefreshToken::new(format!("{}.{cognito_refresh_token}", URL_SAFE_NO_PAD.encode(username)))
}

/// `(user name, Cognito refresh token)`, or `None` for a token authport did not hand out.
pub(crate) fn unwrap(token: &RefreshToken) -> Option<(String, &str)> {
    let (name, inner) = token.expose().split_once('.')?;
    let name = String::from_utf8(URL_SAFE_NO_PAD.decode(name).ok()?).ok()?;
    (!name.is_empty() && !inner.is_empty()).then_some((name, inner))
}

/// A string claim (`username`, `sub`) of a Cognito access token (read, not verified: it came
/// straight from Cognito over TLS).
pub(crate) fn access_token_claim(access_token: &str, name: &str) -> Option<String> {
    let payload = access_token.split('.').nth(1)?;
    let claims: serde_json::Value = serde_json::from_slice(&URL_SAFE_NO_PAD.decode(payload).ok()?).ok()?;
    claims.get(name)?.as_str().map(str::to_owned)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn round_trips_and_rejects_foreign_tokens() {
        // Cognito's refresh tokens are JWEs: dots inside the inner token must survive.
        let token = wrap("ann@example.com", "eyJj.abc.def.ghi.jkl");
        assert_eq!(unwrap(&token), Some(("ann@example.com".to_owned(), "eyJj.abc.def.ghi.jkl")));
        for foreign in ["", "no-dot", ".inner", "!!!.inner", "YW5u."] {
            assert_eq!(unwrap(&RefreshToken::new(foreign)), None, "{foreign:?}");
        }
    }

    #[test]
    fn reads_the_claims_of_an_access_token() {
        let token = format!("h.{}.sig", URL_SAFE_NO_PAD.encode(r#"{"sub":"s","username":"ann@example.com"}"#));
        assert_eq!(access_token_claim(&token, "username").as_deref(), Some("ann@example.com"));
        assert_eq!(access_token_claim(&token, "sub").as_deref(), Some("s"));
        assert_eq!(access_token_claim(&token, "email"), None);
        assert_eq!(access_token_claim("not-a-jwt", "username"), None);
    }
}
