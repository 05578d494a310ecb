//! The tokens of a successful authentication, read from Cognito's `AuthenticationResult`.

use std::time::Duration;

use authport_domain::{AccessToken, BoxError, IdToken, TokenSet};
use aws_sdk_cognitoidentityprovider::types::AuthenticationResultType;

use crate::refresh_token;

/// The tokens of a successful authentication; all three are required. The refresh token is
/// handed out wrapped with the user's Cognito user name (see `refresh_token.rs`): the
/// access token's `username` claim, else the name the caller authenticated with.
pub(crate) fn tokens(
    result: Option<&AuthenticationResultType>,
    request_id: &str,
    username: &str,
) -> Result<TokenSet, BoxError> {
    let (access_token, id_token, expires_in) = session_tokens(result, request_id)?;
    let refresh_token = result
        .and_then(|r| r.refresh_token())
        .filter(|t| !t.is_empty())
        .ok_or_else(|| missing("a refresh token", request_id))?;
    let cognito_username =
        refresh_token::access_token_claim(&access_token, "username").unwrap_or_else(|| username.to_owned());
    Ok(TokenSet {
        refresh_token: refresh_token::wrap(&cognito_username, refresh_token),
        access_token: AccessToken::new(access_token),
        id_token,
        expires_in,
    })
}

/// Access token (raw), id token and lifetime of an authentication result, all required.
pub(crate) fn session_tokens(
    result: Option<&AuthenticationResultType>,
    request_id: &str,
) -> Result<(String, IdToken, Duration), BoxError> {
    let result = result.ok_or_else(|| missing("an authentication result", request_id))?;
    let non_empty = |t: Option<&str>| t.filter(|t| !t.is_empty()).map(str::to_owned);
    let expires_in =
        u64::try_from(result.expires_in()).ok().filter(|s| *s > 0).ok_or_else(|| missing("ExpiresIn", request_id))?;
    let access_token = non_empty(result.access_token()).ok_or_else(|| missing("an access token", request_id))?;
    let id_token = non_empty(result.id_token()).ok_or_else(|| missing("an id token", request_id))?;
    Ok((access_token, IdToken::new(id_token), Duration::from_secs(expires_in)))
}

fn missing(what: &str, request_id: &str) -> BoxError {
    format!("Cognito answered without {what} (request id {request_id})").into()
}
