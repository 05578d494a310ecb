//! Log-in: `AdminInitiateAuth` with `ADMIN_USER_PASSWORD_AUTH`; a user holding a temporary
//! password gets a `NEW_PASSWORD_REQUIRED` challenge, answered with `AdminRespondToAuthChallenge`.

use authport_domain::{
    BackendError, ChallengeSession, Email, LogInError, NewPassword, NewPasswordError, Password, TokenSet,
};
use aws_sdk_cognitoidentityprovider::operation::RequestId as _;
use aws_sdk_cognitoidentityprovider::types::{AuthFlowType, ChallengeNameType};

use crate::challenge_owners::Owner;
use crate::error::{AwsError, log_in_error, new_password_error};
use crate::provider::Inner;
use crate::tokens::tokens;

/// Cognito's length limits on a challenge `Session` (API reference of `RespondToAuthChallenge`).
const SESSION_LEN: std::ops::RangeInclusive<usize> = 20..=2048;

impl Inner {
    pub(crate) async fn authenticate(&self, email: &Email, password: &Password) -> Result<TokenSet, LogInError> {
        let username = email.as_str();
        let mut request = self
            .client
            .admin_initiate_auth()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .auth_flow(AuthFlowType::AdminUserPasswordAuth)
            .auth_parameters("USERNAME", username)
            .auth_parameters("PASSWORD", password.expose());
        if let Some(hash) = self.secret_hash(username) {
            request = request.auth_parameters("SECRET_HASH", hash);
        }
        let answer = request.send().await.map_err(|err| log_in_error(AwsError::from_sdk("AdminInitiateAuth", err)))?;
        let request_id = answer.request_id().unwrap_or("none");
        match answer.challenge_name() {
            None => tokens(answer.authentication_result(), request_id, username)
                .map_err(|e| LogInError::from(BackendError::Unexpected(e))),
            Some(ChallengeNameType::NewPasswordRequired) => {
                let session = answer.session().filter(|s| !s.is_empty()).ok_or_else(|| {
                    LogInError::Backend(BackendError::Unexpected(
                        format!("NEW_PASSWORD_REQUIRED without a session (request id {request_id})").into(),
                    ))
                })?;
                self.challenges.remember(session, username);
                Err(LogInError::PasswordChangeRequired { session: ChallengeSession::new(session) })
            }
            // MFA and other challenges need flows authport does not offer.
            Some(other) => Err(LogInError::Backend(BackendError::Unexpected(
                format!("unsupported authentication challenge {other} (request id {request_id})").into(),
            ))),
        }
    }

    pub(crate) async fn complete_new_password(
        &self,
        email: &Email,
        session: &ChallengeSession,
        new_password: &NewPassword,
    ) -> Result<TokenSet, NewPasswordError> {
        let username = email.as_str();
        let session = session.expose();
        // Cognito rejects a Session outside 20..=2048 characters with InvalidParameterException
        // before looking at it; moto accepts any string and answers ResourceNotFoundException.
        // Neither is a server fault: both are an invalid session (test
        // `malformed_sessions_are_invalid_without_a_call`).
        if !SESSION_LEN.contains(&session.chars().count()) {
            return Err(NewPasswordError::InvalidSession);
        }
        if self.challenges.owner(session, username) == Owner::Other {
            tracing::info!("new password refused: the session was issued to another user");
            return Err(NewPasswordError::InvalidSession);
        }
        let mut request = self
            .client
            .admin_respond_to_auth_challenge()
            .user_pool_id(&self.user_pool_id)
            .client_id(&self.client_id)
            .challenge_name(ChallengeNameType::NewPasswordRequired)
            .session(session)
            .challenge_responses("USERNAME", username)
            .challenge_responses("NEW_PASSWORD", new_password.expose());
        if let Some(hash) = self.secret_hash(username) {
            request = request.challenge_responses("SECRET_HASH", hash);
        }
        let answer = match request.send().await {
            Ok(answer) => answer,
            Err(err) => {
                let err = new_password_error(AwsError::from_sdk("AdminRespondToAuthChallenge", err), || {
                    self.weak(new_password)
                });
                if matches!(err, NewPasswordError::InvalidSession) {
                    self.challenges.forget(session);
                }
                return Err(err);
            }
        };
        self.challenges.forget(session);
        let request_id = answer.request_id().unwrap_or("none");
        match answer.challenge_name() {
            None => tokens(answer.authentication_result(), request_id, username)
                .map_err(|e| NewPasswordError::from(BackendError::Unexpected(e))),
            Some(other) => Err(NewPasswordError::Backend(BackendError::Unexpected(
                format!("unsupported follow-up challenge {other} (request id {request_id})").into(),
            ))),
        }
    }
}
