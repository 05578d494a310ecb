//! The `/v1` API's account self-service: a password change that ends every other session of
//! the user (authport's rule: a user changes their password when they fear someone else is
//! logged in — Cognito's own ChangePassword, on the Cognito API, keeps them), and an account
//! deletion that asks for the password again, so that a stolen access token alone cannot close
//! an account. Both check the password as a log-in does, lock-out included.

use super::{IssuedTokens, PoolError, UserPools, not_authorized};
use crate::model::{ClientId, Pool, PoolId, PoolUser};
use crate::store::PoolStore;

/// The user an access token names: their user name, and their `sub`, which must still be the
/// one of the user stored under that name (not someone who signed up again with the address).
#[derive(Debug, Clone, Copy)]
pub struct TokenUser<'a> {
    pub username: &'a str,
    pub sub: &'a uuid::Uuid,
}

fn incorrect() -> PoolError {
    PoolError::not_authorized(not_authorized::INCORRECT_CREDENTIALS)
}

impl<S: PoolStore> UserPools<S> {
    /// The token's user, if `password` is theirs and they may log in.
    async fn reauthenticated(&self, pool: &Pool, user: TokenUser<'_>, password: &str) -> Result<PoolUser, PoolError> {
        let found = self.checked_password(pool, user.username, password, Some(user.sub), incorrect()).await?;
        if !found.enabled {
            return Err(PoolError::not_authorized(not_authorized::USER_DISABLED));
        }
        Ok(found)
    }

    /// Sets `new_password` (which must meet the policy) once `current` checked out, revokes every
    /// refresh token of the user, and logs them in again from `client_id`.
    pub async fn replace_password(
        &self,
        pool_id: &PoolId,
        client_id: &ClientId,
        user: TokenUser<'_>,
        current: &str,
        new_password: &str,
    ) -> Result<IssuedTokens, PoolError> {
        let pool = self.pool(pool_id).await?;
        let client = self.client_of(&pool, client_id).await?;
        Self::check_policy(&pool, new_password)?;
        let found = self.reauthenticated(&pool, user, current).await?;
        let secrets = self.password_secrets(&pool, &found.username, new_password).await?;
        let now = self.clock.now();
        let found = self
            .update_user(found, |stored| {
                secrets.apply_to(stored);
                stored.password_set_at = now;
                Ok(())
            })
            .await?;
        self.store.revoke_refresh_tokens(&pool.id, &found.sub, now).await?;
        self.issue(&pool, &client, &found, None).await
    }

    /// Deletes the user, with their sessions and refresh tokens, once `password` checked out.
    pub async fn delete_account(&self, pool_id: &PoolId, user: TokenUser<'_>, password: &str) -> Result<(), PoolError> {
        let pool = self.pool(pool_id).await?;
        let found = self.reauthenticated(&pool, user, password).await?;
        if self.store.delete_user(&pool.id, &found.sub).await? { Ok(()) } else { Err(incorrect()) }
    }
}
