//! The user-pool engine: Cognito's rules, once, over a [`PoolStore`]. Both inbound faces use it —
//! authport's `/v1` API through [`crate::LocalIdentityProvider`] (the default pool and client),
//! and Cognito's own wire protocol — so neither re-implements a rule.
//!
//! Its answers that are not successes are [`PoolError`]s: Cognito's exceptions with Cognito's
//! messages. Time comes from an injected [`Clock`], so expiry is tested without sleeping.

mod account;
pub mod admin;
pub mod auth;
pub mod emulator;
mod error;
mod keys;
pub mod public;
mod srp_auth;
pub mod users;

use std::collections::BTreeMap;
use std::sync::{Arc, PoisonError, RwLock};
use std::time::{Duration, SystemTime};

use authport_domain::{AccessToken, IdToken, RefreshToken, RsaPublicKey, TokenAudience, WeakPassword};
use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use rand::RngCore as _;

pub use self::account::TokenUser;
pub use self::error::{PoolError, not_authorized};
use self::keys::KeyRing;
pub use self::srp_auth::PasswordVerifierChallenge;
use crate::clock::Clock;
use crate::hashing::{HashCost, HashError, HashLimits, PasswordHasher};
use crate::model::{
    AppClient, ChallengeName, ClientId, Pool, PoolId, PoolUser, StoredRefreshToken, StoredSession, TakenSession,
    UserStatus,
};
use crate::store::{InsertError, PoolStore, StoreError};
use crate::tokens::{SigningKey, SigningKeyError, TokenSubject, hash_refresh_token, new_refresh_token};

/// Why the engine could not be set up.
#[derive(Debug, thiserror::Error)]
pub enum PoolSetupError {
    #[error("cannot prepare password hashing")]
    Hashing(#[source] authport_domain::BoxError),
    #[error(transparent)]
    Key(#[from] SigningKeyError),
    #[error("cannot read or store the default pool or its signing key")]
    Store(#[from] StoreError),
}

/// Tokens of a successful sign-in or refresh.
#[derive(Debug)]
pub struct IssuedTokens {
    pub access_token: AccessToken,
    pub id_token: IdToken,
    /// `None` on a refresh: Cognito keeps the refresh token it was given.
    pub refresh_token: Option<RefreshToken>,
    pub expires_in: Duration,
}

/// What a password sign-in leads to.
#[derive(Debug)]
pub enum SignIn {
    Tokens(IssuedTokens),
    /// The user must answer `challenge` with `session` (opaque, single use, expiring).
    Challenge {
        challenge: ChallengeName,
        session: String,
        /// Boxed: a user is far bigger than a token set.
        user: Box<PoolUser>,
    },
    /// USER_SRP_AUTH's PASSWORD_VERIFIER challenge, answered without a session.
    PasswordVerifier(srp_auth::PasswordVerifierChallenge),
}

/// What setting a password stores: its argon2id hash, and its SRP verifier for USER_SRP_AUTH.
#[derive(Debug, Clone)]
pub(crate) struct PasswordSecrets {
    hash: String,
    srp: crate::srp::Verifier,
}

impl PasswordSecrets {
    /// Makes them `user`'s password.
    fn apply_to(&self, user: &mut PoolUser) {
        user.password_hash.clone_from(&self.hash);
        user.srp = Some(self.srp.clone());
    }
}

/// Every this many challenge sessions and refresh tokens stored, the expired ones are swept in
/// the background, a batch of [`SWEEP_BATCH`] of each: the tables stay the size of what is live
/// (every USER_SRP_AUTH log-in stores a session).
const SWEEP_EVERY: u64 = 64;
const SWEEP_BATCH: u32 = 1000;
/// Sessions are kept an hour past their expiry, so that a late answer is told it expired rather
/// than that it is unknown.
const SESSION_GRACE: Duration = Duration::from_secs(3600);
/// Refresh tokens are kept a day past theirs: an access token minted from one (which lives at
/// most a day) checks it for revocation until it expires itself.
const REFRESH_TOKEN_GRACE: Duration = Duration::from_secs(86_400);

/// How many times an update of a user is retried when another one changed the user first.
const UPDATE_ATTEMPTS: usize = 8;

/// The engine. Cheap to share behind an `Arc`.
#[derive(Debug)]
pub struct UserPools<S> {
    store: Arc<S>,
    hasher: PasswordHasher,
    clock: Arc<dyn Clock>,
    keys: KeyRing,
    /// The default pool and client as the flags set them: nothing else changes them (the
    /// Cognito API refuses to), so they are read from here rather than from the store.
    defaults: RwLock<Option<(Pool, AppClient)>>,
    /// Sessions and refresh tokens stored so far, for the sweep.
    stored: std::sync::atomic::AtomicU64,
}

impl<S: PoolStore> UserPools<S> {
    /// An engine over `store`; logs a warning when the hash cost is the tests' one.
    pub async fn new(
        store: Arc<S>,
        hash_cost: HashCost,
        hash_limits: HashLimits,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, PoolSetupError> {
        if hash_cost == HashCost::InsecureFastForTests {
            tracing::warn!("INSECURE password hashing parameters in use (tests only): never use them in production");
        }
        let hasher = PasswordHasher::new(hash_cost, hash_limits).await.map_err(PoolSetupError::Hashing)?;
        Ok(Self {
            store,
            hasher,
            clock,
            keys: KeyRing::default(),
            defaults: RwLock::default(),
            stored: std::sync::atomic::AtomicU64::new(0),
        })
    }

    pub fn store(&self) -> &Arc<S> {
        &self.store
    }

    /// argon2 verifications performed so far (real and dummy), for metrics and tests.
    pub fn password_verifications(&self) -> u64 {
        self.hasher.verifications()
    }

    /// argon2 computations running now.
    pub fn hashes_in_flight(&self) -> usize {
        self.hasher.in_flight()
    }

    /// Calls waiting for an argon2 slot now.
    pub fn hashes_waiting(&self) -> usize {
        self.hasher.waiting()
    }

    /// Makes `pool` and `client` the default ones (their settings are the process's flags) and
    /// readies the pool's signing key: `key_pem` when configured (one key for access and id
    /// tokens, as the `/v1` API has always published), else the keys the store holds. A pool with
    /// neither gets its keys on first use, like every pool, so that start-up generates none.
    pub async fn install_default_pool(
        &self,
        pool: &Pool,
        client: &AppClient,
        key_pem: Option<&str>,
    ) -> Result<(), PoolSetupError> {
        self.store.install_default_pool(pool, client).await?;
        match key_pem {
            Some(pem) => self.keys.install_single(&pool.id, SigningKey::from_pem(pem)?),
            // Read now, so that a key the store cannot give stops the start rather than a request.
            None => match self.store.pool_keys(&pool.id).await? {
                Some(pems) => drop(self.keys.install(&pool.id, &pems)?),
                None => tracing::info!(pool = %pool.id, "the default pool's signing keys will be made on first use"),
            },
        }
        *self.defaults.write().unwrap_or_else(PoisonError::into_inner) = Some((pool.clone(), client.clone()));
        Ok(())
    }

    /// Whether `id` is the default client's.
    pub fn is_default_client(&self, id: &ClientId) -> bool {
        self.defaults
            .read()
            .unwrap_or_else(PoisonError::into_inner)
            .as_ref()
            .is_some_and(|(_, client)| &client.id == id)
    }

    /// Whether `id` is the default pool's, whose settings the flags own.
    pub fn is_default_pool(&self, id: &PoolId) -> bool {
        self.defaults.read().unwrap_or_else(PoisonError::into_inner).as_ref().is_some_and(|(pool, _)| &pool.id == id)
    }

    async fn pool(&self, id: &PoolId) -> Result<Pool, PoolError> {
        let default = self.defaults.read().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some((pool, _)) = default.filter(|(pool, _)| &pool.id == id) {
            return Ok(pool);
        }
        self.store.pool(id).await?.ok_or_else(|| PoolError::no_such_pool(id))
    }

    /// The client `id` of pool `pool`.
    async fn client_of(&self, pool: &Pool, id: &ClientId) -> Result<AppClient, PoolError> {
        let default = self.defaults.read().unwrap_or_else(PoisonError::into_inner).clone();
        if let Some((_, client)) = default.filter(|(_, client)| &client.id == id && client.pool_id == pool.id) {
            return Ok(client);
        }
        match self.store.client(id).await? {
            Some(client) if client.pool_id == pool.id => Ok(client),
            _ => Err(PoolError::no_such_client(id)),
        }
    }

    /// The hash and the SRP verifier of `password` for the user named `username` in `pool`, both
    /// computed off the reactor.
    async fn password_secrets(
        &self,
        pool: &Pool,
        username: &str,
        password: &str,
    ) -> Result<PasswordSecrets, PoolError> {
        let hash = self.hasher.hash(password).await.map_err(hashing)?;
        let srp = self.srp_verifier(pool, username, password).await?;
        Ok(PasswordSecrets { hash, srp })
    }

    async fn srp_verifier(
        &self,
        pool: &Pool,
        username: &str,
        password: &str,
    ) -> Result<crate::srp::Verifier, PoolError> {
        let pool_name = crate::srp::pool_name(pool.id.as_str()).unwrap_or_default().to_owned();
        let (username, password) = (username.to_owned(), secrecy::SecretString::from(password.to_owned()));
        self.hasher
            .run_cpu_bound(move || {
                use secrecy::ExposeSecret as _;
                crate::srp::make_verifier(&pool_name, &username, password.expose_secret())
            })
            .await
            .map_err(hashing)
    }

    fn check_policy(pool: &Pool, password: &str) -> Result<(), PoolError> {
        let violations = pool.policy.violations(password);
        if violations.is_empty() { Ok(()) } else { Err(PoolError::InvalidPassword(WeakPassword { violations })) }
    }

    /// Creates a confirmed user with a permanent password in one atomic insert (Cognito's
    /// AdminCreateUser + AdminSetUserPassword(Permanent), without a moment in between when the
    /// user exists with another password).
    pub async fn create_confirmed_user(
        &self,
        pool_id: &PoolId,
        username: &str,
        attributes: BTreeMap<String, String>,
        password: &str,
    ) -> Result<PoolUser, PoolError> {
        let pool = self.pool(pool_id).await?;
        self.create_user(&pool, Some(username), username, attributes, password, UserStatus::Confirmed, |_| ()).await
    }

    /// Creates a user holding a temporary password (status FORCE_CHANGE_PASSWORD): signing in
    /// answers NEW_PASSWORD_REQUIRED until a permanent password is chosen.
    pub async fn create_user_with_temporary_password(
        &self,
        pool_id: &PoolId,
        username: &str,
        attributes: BTreeMap<String, String>,
        temporary_password: &str,
    ) -> Result<PoolUser, PoolError> {
        let pool = self.pool(pool_id).await?;
        self.create_user(
            &pool,
            Some(username),
            username,
            attributes,
            temporary_password,
            UserStatus::ForceChangePassword,
            |_| (),
        )
        .await
    }

    /// Creates a user named `username` (or, when `None`, by their new `sub`), unique in the
    /// pool under the key of `signs_in_as` (the user name, or the alias the pool signs in with);
    /// `prepare` completes the user before it is stored.
    #[allow(clippy::too_many_arguments)]
    async fn create_user(
        &self,
        pool: &Pool,
        username: Option<&str>,
        signs_in_as: &str,
        attributes: BTreeMap<String, String>,
        password: &str,
        status: UserStatus,
        prepare: impl FnOnce(&mut PoolUser),
    ) -> Result<PoolUser, PoolError> {
        Self::check_policy(pool, password)?;
        let sub = uuid::Uuid::new_v4();
        let username = username.map_or_else(|| sub.to_string(), str::to_owned);
        let PasswordSecrets { hash: password_hash, srp } = self.password_secrets(pool, &username, password).await?;
        let now = self.clock.now();
        let username_key = pool.username_key(signs_in_as);
        let mut user = PoolUser {
            pool_id: pool.id.clone(),
            sub,
            username,
            username_key,
            attributes,
            status,
            enabled: true,
            password_hash,
            password_set_at: now,
            failed_sign_ins: 0,
            locked_until: None,
            pending_code: None,
            srp: Some(srp),
            created_at: now,
            last_modified_at: now,
            revision: 0,
        };
        prepare(&mut user);
        match self.store.insert_user(&user).await {
            Ok(()) => Ok(user),
            Err(InsertError::Duplicate) => Err(PoolError::UsernameExists),
            Err(InsertError::NoSuchPool) => Err(PoolError::no_such_pool(&pool.id)),
            Err(InsertError::Store(err)) => Err(err.into()),
        }
    }

    /// Signs a user in with a password (ADMIN_USER_PASSWORD_AUTH): tokens, or the challenge the
    /// user must answer first.
    ///
    /// An unknown user costs one password verification, like a wrong password (against a dummy
    /// hash), so the two cannot be told apart by timing; and both are answered
    /// `Incorrect username or password.` when the client prevents user existence errors.
    pub async fn sign_in_with_password(
        &self,
        pool_id: &PoolId,
        client_id: &ClientId,
        username: &str,
        password: &str,
    ) -> Result<SignIn, PoolError> {
        let pool = self.pool(pool_id).await?;
        let client = self.client_of(&pool, client_id).await?;
        let unknown = if client.prevent_user_existence_errors {
            PoolError::not_authorized(not_authorized::INCORRECT_CREDENTIALS)
        } else {
            PoolError::UserNotFound
        };
        let user = self.checked_password(&pool, username, password, None, unknown).await?;
        let user = match user {
            // A password set before authport kept SRP verifiers gets one now that it is at hand.
            user if user.srp.is_none() => {
                let srp = self.srp_verifier(&pool, &user.username, password).await?;
                self.update_user(user, |user| {
                    user.srp.get_or_insert_with(|| srp.clone());
                    Ok(())
                })
                .await?
            }
            user => user,
        };
        self.signed_in(&pool, &client, user).await
    }

    /// The user `username` (whose sub must be `sub`, when given) if `password` is theirs: a
    /// wrong one is counted by the lock-out, and a user who is not there costs what a wrong
    /// password does (a verification against a dummy hash, and a write of nothing) and is
    /// answered `unknown`.
    async fn checked_password(
        &self,
        pool: &Pool,
        username: &str,
        password: &str,
        sub: Option<&uuid::Uuid>,
        unknown: PoolError,
    ) -> Result<PoolUser, PoolError> {
        let user = self.store.user(&pool.id, &pool.username_key(username)).await?;
        let user = user.filter(|u| sub.is_none_or(|sub| &u.sub == sub));
        let valid =
            self.hasher.verify(password, user.as_ref().map(|u| u.password_hash.as_str())).await.map_err(hashing)?;
        let Some(user) = user else {
            self.store.update_user(&self.nobody(pool)).await?;
            return Err(unknown);
        };
        self.count_password_check(user, valid).await
    }

    /// The outcome of a log-in whose password (or SRP proof of it) was right: refused for a
    /// disabled or unconfirmed user, NEW_PASSWORD_REQUIRED for a temporary password, else tokens.
    async fn signed_in(&self, pool: &Pool, client: &AppClient, user: PoolUser) -> Result<SignIn, PoolError> {
        if !user.enabled {
            return Err(PoolError::not_authorized(not_authorized::USER_DISABLED));
        }
        match user.status {
            UserStatus::Confirmed => Ok(SignIn::Tokens(self.issue(pool, client, &user, None).await?)),
            UserStatus::Unconfirmed => Err(PoolError::UserNotConfirmed),
            UserStatus::ResetRequired => Err(PoolError::PasswordResetRequired),
            UserStatus::ForceChangePassword => {
                let now = self.clock.now();
                let validity = Duration::from_secs(u64::from(pool.temporary_password_validity_days) * 86_400);
                if user.password_set_at + validity <= now {
                    return Err(PoolError::not_authorized(not_authorized::TEMPORARY_PASSWORD_EXPIRED));
                }
                let session = random_token();
                let stored = StoredSession {
                    token_hash: hash_refresh_token(&session),
                    pool_id: pool.id.clone(),
                    client_id: client.id.clone(),
                    sub: user.sub,
                    challenge: ChallengeName::NewPasswordRequired,
                    expires_at: now + client.auth_session_validity(),
                    srp_key: None,
                };
                self.store.insert_session(&stored).await?;
                self.stored_one_more();
                Ok(SignIn::Challenge { challenge: ChallengeName::NewPasswordRequired, session, user: Box::new(user) })
            }
        }
    }

    /// Applies Cognito's lock-out to a password check of `user` whose outcome is `valid`: a
    /// sign-in during a lock-out is refused whatever the password, a wrong password counts a
    /// failure, a right one clears the count. The user as stored after it.
    async fn count_password_check(&self, user: PoolUser, valid: bool) -> Result<PoolUser, PoolError> {
        let now = self.clock.now();
        let lockout = Lockout::of(&user, now);
        if lockout.locked {
            return Err(PoolError::not_authorized(not_authorized::PASSWORD_ATTEMPTS_EXCEEDED));
        }
        if !valid {
            // Counted on the freshest copy: concurrent failures each count (unless one of them
            // locked the user out meanwhile: attempts during a lock-out count for nothing).
            self.update_user(user, |user| {
                let current = Lockout::of(user, now);
                if !current.locked {
                    user.failed_sign_ins = current.failures + 1;
                    user.locked_until = Some(now + Lockout::duration(user.failed_sign_ins));
                }
                Ok(())
            })
            .await?;
            return Err(PoolError::not_authorized(not_authorized::INCORRECT_CREDENTIALS));
        }
        if user.failed_sign_ins > 0 || user.locked_until.is_some() {
            self.update_user(user, |user| {
                user.failed_sign_ins = 0;
                user.locked_until = None;
                Ok(())
            })
            .await
        } else {
            Ok(user)
        }
    }

    /// Answers NEW_PASSWORD_REQUIRED: the session must be this user's and client's, unexpired and
    /// unused; the new password must meet the policy. Sets it as the user's permanent password
    /// and issues tokens.
    ///
    /// The session is spent by the first answer that reaches the store, even one whose password
    /// the policy refuses — as Cognito's session is (a retry starts from a new sign-in).
    pub async fn answer_new_password(
        &self,
        pool_id: &PoolId,
        client_id: &ClientId,
        session: &str,
        username: &str,
        new_password: &str,
    ) -> Result<IssuedTokens, PoolError> {
        self.answer_new_password_with(pool_id, client_id, session, username, new_password, Vec::new()).await
    }

    /// [`UserPools::answer_new_password`], also setting `attributes` (the challenge's
    /// `userAttributes.<name>` answers).
    pub(crate) async fn answer_new_password_with(
        &self,
        pool_id: &PoolId,
        client_id: &ClientId,
        session: &str,
        username: &str,
        new_password: &str,
        attributes: Vec<(String, String)>,
    ) -> Result<IssuedTokens, PoolError> {
        let pool = self.pool(pool_id).await?;
        let client = self.client_of(&pool, client_id).await?;
        Self::check_policy(&pool, new_password)?;
        let now = self.clock.now();
        let stored = match self.store.take_session(&hash_refresh_token(session), now).await? {
            TakenSession::First(stored) => stored,
            TakenSession::AlreadyUsed(_) | TakenSession::Unknown => {
                return Err(PoolError::not_authorized(not_authorized::INVALID_SESSION));
            }
        };
        if stored.expires_at <= now {
            return Err(PoolError::not_authorized(not_authorized::SESSION_EXPIRED));
        }
        let user = self.find_user(&pool, username).await.ok();
        let Some(user) = user
            .filter(|u| u.sub == stored.sub && stored.pool_id == pool.id && stored.client_id == client.id)
            .filter(|_| stored.challenge == ChallengeName::NewPasswordRequired)
        else {
            return Err(PoolError::not_authorized(not_authorized::INVALID_SESSION));
        };
        let secrets = self.password_secrets(&pool, &user.username, new_password).await?;
        let user = self
            .update_user(user, |user| {
                if user.status != UserStatus::ForceChangePassword {
                    return Err(PoolError::not_authorized(not_authorized::INVALID_SESSION));
                }
                secrets.apply_to(user);
                user.status = UserStatus::Confirmed;
                user.password_set_at = now;
                for (name, value) in &attributes {
                    user.attributes.insert(name.clone(), value.clone());
                }
                Ok(())
            })
            .await?;
        self.issue(&pool, &client, &user, None).await
    }

    /// New access and id tokens for a refresh token issued to `client_id` in this pool; the
    /// refresh token itself is kept (Cognito returns none).
    pub async fn refresh(
        &self,
        pool_id: &PoolId,
        client_id: &ClientId,
        refresh_token: &str,
    ) -> Result<IssuedTokens, PoolError> {
        self.refresh_checked(pool_id, client_id, refresh_token, |_| Ok(())).await
    }

    /// [`UserPools::refresh`], with `check` of the token's user (its SECRET_HASH) before tokens are minted.
    pub(crate) async fn refresh_checked(
        &self,
        pool_id: &PoolId,
        client_id: &ClientId,
        refresh_token: &str,
        check: impl FnOnce(&PoolUser) -> Result<(), PoolError>,
    ) -> Result<IssuedTokens, PoolError> {
        let pool = self.pool(pool_id).await?;
        let client = self.client_of(&pool, client_id).await?;
        let invalid = PoolError::not_authorized(not_authorized::INVALID_REFRESH_TOKEN);
        let Some(token) = self.store.refresh_token(&hash_refresh_token(refresh_token)).await? else {
            return Err(invalid);
        };
        if token.pool_id != pool.id || token.client_id != client.id || token.expires_at <= self.clock.now() {
            return Err(invalid);
        }
        if token.revoked_at.is_some() {
            return Err(PoolError::not_authorized(not_authorized::REFRESH_TOKEN_REVOKED));
        }
        let Some(user) = self.store.user_by_sub(&pool.id, &token.sub).await? else {
            return Err(invalid);
        };
        check(&user)?;
        if !user.enabled {
            return Err(PoolError::not_authorized(not_authorized::USER_DISABLED));
        }
        self.issue(&pool, &client, &user, Some(&token.origin_jti)).await
    }

    /// Revokes every refresh token of the user (AdminUserGlobalSignOut); idempotent.
    pub async fn global_sign_out(&self, pool_id: &PoolId, sub: &uuid::Uuid) -> Result<u64, PoolError> {
        Ok(self.store.revoke_refresh_tokens(pool_id, sub, self.clock.now()).await?)
    }

    /// The public keys of the pool's JWKS (one entry per distinct key).
    pub async fn public_keys(&self, pool_id: &PoolId) -> Result<Vec<RsaPublicKey>, PoolError> {
        Ok(self.keys.signer(self.store.as_ref(), pool_id).await?.public_keys())
    }

    /// One round trip to the store; changes nothing.
    pub async fn ping(&self) -> Result<(), StoreError> {
        self.store.ping().await
    }

    /// Counts one more session or refresh token stored; every [`SWEEP_EVERY`]th starts a sweep
    /// of the expired ones in the background (a failure is logged: the next sweep tries again).
    fn stored_one_more(&self) {
        use std::sync::atomic::Ordering;
        if self.stored.fetch_add(1, Ordering::Relaxed) % SWEEP_EVERY != SWEEP_EVERY - 1 {
            return;
        }
        let now = self.clock.now();
        let before = |grace: Duration| now.checked_sub(grace).unwrap_or(SystemTime::UNIX_EPOCH);
        let (sessions, tokens) = (before(SESSION_GRACE), before(REFRESH_TOKEN_GRACE));
        let store = Arc::clone(&self.store);
        tokio::spawn(async move {
            match store.sweep_expired(sessions, tokens, SWEEP_BATCH).await {
                Ok(0) => {}
                Ok(swept) => tracing::debug!(swept, "expired challenge sessions and refresh tokens deleted"),
                Err(err) => tracing::warn!(error = %err, "sweeping expired sessions and refresh tokens failed"),
            }
        });
    }

    /// A user that is not stored: updating it writes nothing, at the cost of a real update.
    fn nobody(&self, pool: &Pool) -> PoolUser {
        let now = self.clock.now();
        PoolUser {
            pool_id: pool.id.clone(),
            sub: uuid::Uuid::nil(),
            username: String::new(),
            username_key: String::new(),
            attributes: BTreeMap::new(),
            status: UserStatus::Confirmed,
            enabled: false,
            password_hash: String::new(),
            password_set_at: now,
            failed_sign_ins: 0,
            locked_until: None,
            pending_code: None,
            srp: None,
            created_at: now,
            last_modified_at: now,
            revision: -1,
        }
    }

    /// Applies `change` to the freshest copy of `user` and writes it, again if another writer
    /// got there first.
    async fn update_user(
        &self,
        mut user: PoolUser,
        change: impl Fn(&mut PoolUser) -> Result<(), PoolError>,
    ) -> Result<PoolUser, PoolError> {
        for _ in 0..UPDATE_ATTEMPTS {
            change(&mut user)?;
            user.last_modified_at = self.clock.now();
            if self.store.update_user(&user).await? {
                user.revision += 1;
                return Ok(user);
            }
            user = self.store.user_by_sub(&user.pool_id, &user.sub).await?.ok_or(PoolError::UserNotFound)?;
        }
        Err(PoolError::Internal(format!("user {} kept changing under {UPDATE_ATTEMPTS} updates", user.sub).into()))
    }

    /// Mints access and id tokens for `user` from `client`: for a refresh, continuing the log-in
    /// `refreshed` names; else for a new log-in, with a new stored refresh token.
    async fn issue(
        &self,
        pool: &Pool,
        client: &AppClient,
        user: &PoolUser,
        refreshed: Option<&str>,
    ) -> Result<IssuedTokens, PoolError> {
        let signer = self.keys.signer(self.store.as_ref(), &pool.id).await?;
        let audience = TokenAudience { issuer: pool.issuer.clone(), client_id: client.id.to_string() };
        let ttl = client.access_token_validity.duration();
        let subject = token_subject(user);
        let now = self.clock.now();
        let origin_jti = refreshed.map_or_else(|| uuid::Uuid::new_v4().to_string(), str::to_owned);
        let origin = origin_jti.clone();
        let minted = self
            .hasher
            .run_cpu_bound(move || signer.mint(&audience, ttl, &subject, now, &origin))
            .await
            .map_err(hashing)?;
        let (access_token, id_token) = minted.map_err(|e| PoolError::Internal(Box::new(e)))?;
        let refresh_token = if refreshed.is_none() {
            let (token, token_hash) = new_refresh_token();
            let stored = StoredRefreshToken {
                token_hash,
                pool_id: pool.id.clone(),
                client_id: client.id.clone(),
                sub: user.sub,
                origin_jti,
                expires_at: now + client.refresh_token_validity.duration(),
                revoked_at: None,
            };
            self.store.insert_refresh_token(&stored).await?;
            self.stored_one_more();
            Some(token)
        } else {
            None
        };
        Ok(IssuedTokens { access_token, id_token, refresh_token, expires_in: ttl })
    }
}

/// Cognito's temporary lock-out: after five failed sign-ins in a row, the user is locked out for
/// 2^(n-5) seconds at the n-th (at most about 15 minutes); attempts during a lock-out are
/// refused with `Password attempts exceeded` and count for nothing; a success after it, or
/// 15 minutes without a failure, starts the count again.
#[derive(Debug, Clone, Copy)]
struct Lockout {
    /// Failures in a row that still count.
    failures: u32,
    locked: bool,
}

impl Lockout {
    const FREE_FAILURES: u32 = 5;
    const LONGEST: Duration = Duration::from_secs(900);
    const FORGOTTEN_AFTER: Duration = Duration::from_secs(900);

    /// How long the `failures`-th failure in a row locks the user out.
    fn duration(failures: u32) -> Duration {
        match failures.checked_sub(Self::FREE_FAILURES) {
            None => Duration::ZERO,
            Some(n) => Duration::from_secs(1u64.checked_shl(n).unwrap_or(u64::MAX)).min(Self::LONGEST),
        }
    }

    /// The user's state at `now`. `locked_until` is the last failure plus its lock-out.
    fn of(user: &PoolUser, now: SystemTime) -> Self {
        let Some(until) = user.locked_until else { return Self { failures: 0, locked: false } };
        if now < until {
            return Self { failures: user.failed_sign_ins, locked: true };
        }
        let last_failure = until.checked_sub(Self::duration(user.failed_sign_ins)).unwrap_or(until);
        let forgotten = now.duration_since(last_failure).is_ok_and(|quiet| quiet >= Self::FORGOTTEN_AFTER);
        Self { failures: if forgotten { 0 } else { user.failed_sign_ins }, locked: false }
    }
}

/// Who the tokens are about: the user's sub, and their e-mail address (or, lacking one, the
/// user name) for the claims that carry it.
fn token_subject(user: &PoolUser) -> TokenSubject {
    TokenSubject {
        sub: user.sub.to_string(),
        username: user.username.clone(),
        email: user.attribute("email").map(str::to_owned),
        email_verified: user.attribute("email_verified").map(|v| v == "true"),
    }
}

fn hashing(err: HashError) -> PoolError {
    PoolError::Hashing(err)
}

/// An opaque, unguessable string (a session).
fn random_token() -> String {
    let mut bytes = [0u8; 48];
    rand::rngs::OsRng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

#[cfg(test)]
mod tests;
