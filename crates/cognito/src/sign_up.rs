//! Sign-up: `AdminCreateUser` (user name = normalised e-mail, `email` + `email_verified`, no
//! invitation), then `AdminSetUserPassword(Permanent)`, compensated by `AdminDeleteUser`.

use authport_domain::{BackendError, Email, NewPassword, SignUpError, User, UserId};
use aws_sdk_cognitoidentityprovider::operation::RequestId as _;
use aws_sdk_cognitoidentityprovider::types::{AttributeType, MessageActionType, UserType};

use crate::error::{AwsError, sign_up_error};
use crate::provider::Inner;

impl Inner {
    /// AdminCreateUser (confirmed e-mail, no invitation, no temporary password), then
    /// AdminSetUserPassword(Permanent) so the user is CONFIRMED; compensates on failure.
    pub(crate) async fn create_user(&self, email: &Email, password: &NewPassword) -> Result<User, SignUpError> {
        let username = email.as_str();
        let created = self
            .client
            .admin_create_user()
            .user_pool_id(&self.user_pool_id)
            .username(username)
            .user_attributes(attribute("email", username)?)
            .user_attributes(attribute("email_verified", "true")?)
            .message_action(MessageActionType::Suppress)
            .send()
            .await
            .map_err(|err| sign_up_error(AwsError::from_sdk("AdminCreateUser", err), || self.weak(password)))?;
        let Some(id) = created.user().and_then(user_id) else {
            self.delete_half_created(username).await;
            let request_id = created.request_id().unwrap_or("none");
            return Err(SignUpError::Backend(BackendError::Unexpected(
                format!("AdminCreateUser returned no user id (request id {request_id})").into(),
            )));
        };
        let set = self
            .client
            .admin_set_user_password()
            .user_pool_id(&self.user_pool_id)
            .username(username)
            .password(password.expose())
            .permanent(true)
            .send()
            .await;
        if let Err(err) = set {
            let err = AwsError::from_sdk("AdminSetUserPassword", err);
            self.delete_half_created(username).await;
            return Err(sign_up_error(err, || self.weak(password)));
        }
        Ok(User { id, email: email.clone() })
    }

    /// Compensation: removes a user whose password could not be set, so a retry can succeed.
    async fn delete_half_created(&self, username: &str) {
        let deleted = self.client.admin_delete_user().user_pool_id(&self.user_pool_id).username(username).send().await;
        match deleted {
            Ok(_) => tracing::info!("sign-up failed after AdminCreateUser; the new user was deleted again"),
            Err(err) => {
                let err = AwsError::from_sdk("AdminDeleteUser", err);
                tracing::error!(
                    code = err.code(),
                    request_id = err.request_id(),
                    error = %err,
                    "COMPENSATION FAILED: a user without a password is left in the pool and blocks sign-up \
                     for this address until deleted (AdminDeleteUser)"
                );
            }
        }
    }
}

fn attribute(name: &str, value: &str) -> Result<AttributeType, SignUpError> {
    AttributeType::builder()
        .name(name)
        .value(value)
        .build()
        .map_err(|err| SignUpError::Backend(BackendError::Unexpected(Box::new(err))))
}

/// The user's `sub`; pools whose user names are e-mail addresses also return it as `Username`.
fn user_id(user: &UserType) -> Option<UserId> {
    let sub = user.attributes().iter().find(|a| a.name() == "sub").and_then(|a| a.value());
    sub.or(user.username()).and_then(UserId::parse)
}
