//! A session's lifecycle: `REFRESH_TOKEN_AUTH` and `AdminUserGlobalSignOut`.

use authport_domain::{AccessToken, AuthenticatedUser, BackendError, RefreshError, RefreshToken, RefreshedTokens};
use aws_sdk_cognitoidentityprovider::operation::RequestId as _;
use aws_sdk_cognitoidentityprovider::types::AuthFlowType;

use crate::error::{AwsError, USER_NOT_FOUND, refresh_error};
use crate::provider::Inner;
use crate::refresh_token;
use crate::tokens::session_tokens;

impl Inner {
    /// AdminInitiateAuth `REFRESH_TOKEN_AUTH` (with `SECRET_HASH` over the user name carried in
    /// authport's refresh token, see `refresh_token.rs`).
    pub(crate) async fn refresh(&self, token: &RefreshToken) -> Result<RefreshedTokens, RefreshError> {
        let Some((username, cognito_token)) = refresh_token::unwrap(token) else {
            return Err(RefreshError::InvalidToken);
        };
        let mut request = self
            .client
            .admin_initiate_auth()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::RefreshTokenAuth)
            .auth_parameters("REFRESH_TOKEN", cognito_token);
        if let Some(hash) = self.secret_hash(&username) {
            request = request.auth_parameters("SECRET_HASH", hash);
        }
        let answer = request.send().await.map_err(|err| refresh_error(AwsError::from_sdk("AdminInitiateAuth", err)))?;
        let request_id = answer.request_id().unwrap_or("none");
        let (access_token, id_token, expires_in) =
            session_tokens(answer.authentication_result(), request_id).map_err(BackendError::Unexpected)?;
        Ok(RefreshedTokens { access_token: AccessToken::new(access_token), id_token, expires_in })
    }

    /// AdminUserGlobalSignOut: revokes every refresh token of the user. A user who no longer
    /// exists has nothing left to revoke.
    pub(crate) async fn log_out(&self, user: &AuthenticatedUser) -> Result<(), BackendError> {
        let signed_out = self
            .client
            .admin_user_global_sign_out()
            .user_pool_id(&self.user_pool_id)
            .username(&user.username)
            .send()
            .await;
        match signed_out {
            Ok(_) => Ok(()),
            Err(err) => {
                let err = AwsError::from_sdk("AdminUserGlobalSignOut", err);
                if err.code() == Some(USER_NOT_FOUND) {
                    return Ok(());
                }
                Err(err.into_failure())
            }
        }
    }
}
