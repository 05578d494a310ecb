//! Account self-service on Cognito. The password is checked with the log-in flow
//! (`AdminInitiateAuth`, so Cognito's lock-out counts a wrong one), then a change is
//! `AdminSetUserPassword(Permanent)` + `AdminUserGlobalSignOut` + a log-in with the new password
//! — Cognito's own `ChangePassword` keeps the other sessions, which `/v1` must not — and a
//! deletion is `AdminDeleteUser`.

use authport_domain::{
    AuthenticatedUser, BackendError, ChangePasswordError, DeleteAccountError, Email, LogInError, NewPassword, Password,
    TokenSet,
};

use crate::error::{AwsError, USER_NOT_FOUND, account_error};
use crate::provider::Inner;
use crate::refresh_token::access_token_claim;

/// Why a password check did not let the user through.
enum Refused {
    InvalidCredentials,
    Backend(BackendError),
}

impl Inner {
    /// Logs the token's user in with `password`: their tokens if it is theirs, and the user
    /// named by the address is still the one the token was issued to.
    async fn check_password(
        &self,
        user: &AuthenticatedUser,
        email: &Email,
        password: &Password,
    ) -> Result<TokenSet, Refused> {
        match self.authenticate(email, password).await {
            Ok(tokens)
                if access_token_claim(tokens.access_token.expose(), "sub").as_deref() == Some(user.id.as_str()) =>
            {
                Ok(tokens)
            }
            Ok(_) => {
                tracing::info!("the address now names another user than the access token's");
                Err(Refused::InvalidCredentials)
            }
            // A user whose password an administrator reset holds no access token of theirs.
            Err(LogInError::InvalidCredentials | LogInError::PasswordChangeRequired { .. }) => {
                Err(Refused::InvalidCredentials)
            }
            Err(LogInError::Backend(err)) => Err(Refused::Backend(err)),
        }
    }

    pub(crate) async fn change_password(
        &self,
        user: &AuthenticatedUser,
        current: &Password,
        new_password: &NewPassword,
    ) -> Result<TokenSet, ChangePasswordError> {
        let Ok(email) = Email::parse(&user.username) else { return Err(ChangePasswordError::InvalidCredentials) };
        self.check_password(user, &email, current).await.map_err(|refused| match refused {
            Refused::InvalidCredentials => ChangePasswordError::InvalidCredentials,
            Refused::Backend(err) => ChangePasswordError::Backend(err),
        })?;
        self.client
            .admin_set_user_password()
            .user_pool_id(&self.user_pool_id)
            .username(&user.username)
            .password(new_password.expose())
            .permanent(true)
            .send()
            .await
            .map_err(|err| {
                account_error(AwsError::from_sdk("AdminSetUserPassword", err), || self.weak(new_password))
            })?;
        // Every refresh token of the user, the one of the check above included.
        self.log_out(user).await?;
        self.authenticate(&email, new_password.as_password()).await.map_err(|err| match err {
            LogInError::Backend(err) => ChangePasswordError::Backend(err),
            // The password was just set: the user went, or someone else changed it meanwhile.
            LogInError::InvalidCredentials | LogInError::PasswordChangeRequired { .. } => {
                ChangePasswordError::InvalidCredentials
            }
        })
    }

    pub(crate) async fn delete_user(
        &self,
        user: &AuthenticatedUser,
        password: &Password,
    ) -> Result<(), DeleteAccountError> {
        let Ok(email) = Email::parse(&user.username) else { return Err(DeleteAccountError::InvalidCredentials) };
        self.check_password(user, &email, password).await.map_err(|refused| match refused {
            Refused::InvalidCredentials => DeleteAccountError::InvalidCredentials,
            Refused::Backend(err) => DeleteAccountError::Backend(err),
        })?;
        // Revoked first, so that no refresh token outlives the user even for a moment (moto
        // keeps a deleted user's refresh tokens and fails on them with a 500, MOTO_NOTES.md m).
        self.log_out(user).await.map_err(DeleteAccountError::Backend)?;
        let deleted =
            self.client.admin_delete_user().user_pool_id(&self.user_pool_id).username(&user.username).send().await;
        match deleted {
            Ok(_) => Ok(()),
            Err(err) => {
                let err = AwsError::from_sdk("AdminDeleteUser", err);
                if err.code() == Some(USER_NOT_FOUND) {
                    return Err(DeleteAccountError::InvalidCredentials);
                }
                Err(DeleteAccountError::Backend(err.into_failure()))
            }
        }
    }
}
