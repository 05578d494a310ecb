//! [`Subject`]: one adapter under contract, built the way the server builds it, with the tap,
//! the proxy and the arrangements the clauses need.

use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use authport_cognito::{CognitoIdentityProvider, CognitoSettings};
use authport_domain::IdentityProvider;
use authport_userpool::{
    DatabaseUrl, HashCost, HashLimits, LocalConfig, LocalIdentityProvider, MemoryStore, PostgresConfig, PostgresStore,
};
use aws_sdk_cognitoidentityprovider::config::Credentials;
use tokio::sync::Mutex;

use super::tap::{Tap, TapInterceptor, TappedStore};
use crate::Backend;
use crate::moto::{self, MotoPool};
use crate::postgres::TestDatabase;
use crate::proxy::TcpProxy;

/// The port's operations that call the backend, for arming faults at the call each one makes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Operation {
    CreateUser,
    Authenticate,
    CompleteNewPassword,
    Refresh,
    LogOut,
    Ready,
}

/// The store of a local provider (kept to build a second provider on the same data).
#[derive(Debug, Clone)]
enum LocalStore {
    Memory(Arc<TappedStore<MemoryStore>>),
    Postgres(Arc<TappedStore<PostgresStore>>),
}

/// A local provider, typed (for the arrangements made through its engine).
#[derive(Debug, Clone)]
enum LocalProvider {
    Memory(Arc<LocalIdentityProvider<TappedStore<MemoryStore>>>),
    Postgres(Arc<LocalIdentityProvider<TappedStore<PostgresStore>>>),
}

/// An adapter under contract.
pub struct Subject {
    /// The port, built as the server builds it (the server also bounds each call's time).
    pub provider: Arc<dyn IdentityProvider>,
    /// Sees the adapter's calls to its backend, and fails chosen ones.
    pub tap: Arc<Tap>,
    backend: Backend,
    verifications: Box<dyn Fn() -> u64 + Send + Sync>,
    local_store: Option<LocalStore>,
    local: Option<LocalProvider>,
    /// Between the adapter and a remote backend.
    proxy: Option<Mutex<TcpProxy>>,
    database: Option<Arc<TestDatabase>>,
    pool: Option<MotoPool>,
}

impl std::fmt::Debug for Subject {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Subject").field("backend", &self.backend).finish_non_exhaustive()
    }
}

/// Generous enough for a loaded machine, short enough that an outage is answered in a second.
const TIMEOUT: Duration = Duration::from_millis(1000);

impl Subject {
    /// The adapter for `backend` on a fresh store or pool of its own, or `None` when the
    /// backend's component is unavailable here (after [`crate::skip_or_fail`]).
    pub async fn new(backend: Backend) -> Option<Self> {
        Some(match backend {
            Backend::Memory => {
                let tap = Arc::new(Tap::default());
                let store = LocalStore::Memory(Arc::new(TappedStore::new(MemoryStore::new(), Arc::clone(&tap))));
                Self::local(backend, tap, store, None, None, local_config()).await
            }
            Backend::Postgres => {
                let database = TestDatabase::create().await?;
                let proxy = TcpProxy::start(database.server_addr().await).await;
                let url = DatabaseUrl::parse(&database.url_via(proxy.addr())).expect("database URL");
                let config =
                    PostgresConfig { acquire_timeout: TIMEOUT, statement_timeout: TIMEOUT, ..PostgresConfig::new(url) };
                let store = PostgresStore::connect(&config).await.expect("the test database migrates");
                let tap = Arc::new(Tap::default());
                let store = LocalStore::Postgres(Arc::new(TappedStore::new(store, Arc::clone(&tap))));
                Self::local(backend, tap, store, Some(proxy), Some(database), local_config()).await
            }
            Backend::Cognito => Self::cognito(moto::test_pool().await?, Backend::Cognito).await,
            Backend::CognitoOnAuthportMemory | Backend::CognitoOnAuthportPostgres => {
                Self::cognito(crate::emulator::pool(backend.emulator_engine()?).await?, backend).await
            }
        })
    }

    async fn local(
        backend: Backend,
        tap: Arc<Tap>,
        store: LocalStore,
        proxy: Option<TcpProxy>,
        database: Option<Arc<TestDatabase>>,
        config: LocalConfig,
    ) -> Self {
        let (provider, verifications, local): (Arc<dyn IdentityProvider>, Box<dyn Fn() -> u64 + Send + Sync>, _) =
            match &store {
                LocalStore::Memory(store) => {
                    let provider =
                        Arc::new(LocalIdentityProvider::new(Arc::clone(store), config).await.expect("provider"));
                    let counted = Arc::clone(&provider);
                    (
                        provider.clone(),
                        Box::new(move || counted.password_verifications()),
                        LocalProvider::Memory(provider),
                    )
                }
                LocalStore::Postgres(store) => {
                    let provider =
                        Arc::new(LocalIdentityProvider::new(Arc::clone(store), config).await.expect("provider"));
                    let counted = Arc::clone(&provider);
                    (
                        provider.clone(),
                        Box::new(move || counted.password_verifications()),
                        LocalProvider::Postgres(provider),
                    )
                }
            };
        Self {
            provider,
            tap,
            backend,
            verifications,
            local_store: Some(store),
            local: Some(local),
            proxy: proxy.map(Mutex::new),
            database,
            pool: None,
        }
    }

    async fn cognito(pool: MotoPool, backend: Backend) -> Self {
        let upstream: SocketAddr =
            pool.endpoint.trim_start_matches("http://").parse().expect("moto listens on an IP address");
        let proxy = TcpProxy::start(upstream).await;
        let mut settings = CognitoSettings::new(&pool.pool_id, &pool.client_id);
        settings.endpoint_url = Some(format!("http://{}", proxy.addr()));
        settings.region = Some(moto::REGION.to_owned());
        // One attempt, so that a failure made on purpose is not retried away.
        settings.max_attempts = 1;
        settings.operation_timeout = TIMEOUT;
        settings.attempt_timeout = TIMEOUT;
        settings.readiness_reuse = Duration::ZERO;
        let tap = Arc::new(Tap::default());
        let interceptor = TapInterceptor(Arc::clone(&tap));
        let provider = CognitoIdentityProvider::connect_with(
            settings,
            |loader| {
                loader
                    .credentials_provider(Credentials::new("test", "test", None, None, "authport-contract"))
                    .empty_test_environment()
            },
            |client| client.interceptor(interceptor),
        )
        .await
        .expect("the adapter connects to moto");
        Self {
            provider: Arc::new(provider),
            tap,
            backend,
            verifications: Box::new(|| 0),
            local_store: None,
            local: None,
            proxy: Some(Mutex::new(proxy)),
            database: None,
            pool: Some(pool),
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// Password verifications the adapter performed itself so far (Cognito's happen in Cognito).
    pub fn password_verifications(&self) -> u64 {
        (self.verifications)()
    }

    /// The backend call `operation` makes first (where a fault is armed to make it fail), or
    /// `None` when the operation calls no backend here.
    pub fn call_of(&self, operation: Operation) -> Option<&'static str> {
        match (self.local_store.is_some(), operation) {
            (true, Operation::CreateUser) => Some("insert_user"),
            (true, Operation::Authenticate) => Some("user"),
            (true, Operation::CompleteNewPassword) => Some("take_session"),
            (true, Operation::Refresh) => Some("refresh_token"),
            (true, Operation::LogOut) => Some("revoke_refresh_tokens"),
            (true, Operation::Ready) => Some("ping"),
            (false, Operation::CreateUser) => Some("AdminCreateUser"),
            (false, Operation::Authenticate | Operation::Refresh) => Some("AdminInitiateAuth"),
            (false, Operation::CompleteNewPassword) => Some("AdminRespondToAuthChallenge"),
            (false, Operation::LogOut) => Some("AdminUserGlobalSignOut"),
            (false, Operation::Ready) => Some("DescribeUserPool"),
        }
    }

    /// The last backend call of a sign-up: after it fails, the user must not be left behind.
    pub fn last_sign_up_step(&self) -> &'static str {
        if self.local_store.is_some() { "insert_user" } else { "AdminSetUserPassword" }
    }

    /// Whether the signing keys are the backend's (Cognito's JWKS) rather than the adapter's own.
    pub fn keys_are_the_backends(&self) -> bool {
        self.local_store.is_none()
    }

    /// Whether the backend can throttle (Cognito); stores never do.
    pub fn throttles(&self) -> bool {
        self.local_store.is_none()
    }

    /// Cuts the way to a remote backend: refused connections, pooled ones closed.
    ///
    /// # Panics
    /// For a backend with no remote part (memory).
    pub async fn take_backend_away(&self) {
        self.proxy.as_ref().expect("a remote backend").lock().await.stop().await;
    }

    /// Opens the way to the remote backend again, on the same address.
    pub async fn bring_backend_back(&self) {
        self.proxy.as_ref().expect("a remote backend").lock().await.restart().await;
    }

    /// A second adapter on the same data whose refresh tokens have expired as soon as they are
    /// issued (the local providers; Cognito's refresh tokens live for an hour at least).
    pub async fn with_expired_refresh_tokens(&self) -> Option<Subject> {
        let store = self.local_store.clone()?;
        let config = LocalConfig { refresh_token_ttl: Duration::ZERO, ..local_config() };
        Some(Self::local(self.backend, Arc::clone(&self.tap), store, None, self.database.clone(), config).await)
    }

    /// Removes the user behind the adapter's back (PostgreSQL: the row; authport's Cognito API:
    /// AdminDeleteUser; memory cannot, and moto answers a refresh for a removed user with an
    /// internal error).
    pub async fn remove_user(&self, email: &str) -> bool {
        if let (Some(pool), Some(_)) = (&self.pool, self.backend.emulator_engine()) {
            moto::client(&pool.endpoint)
                .admin_delete_user()
                .user_pool_id(&pool.pool_id)
                .username(email.to_lowercase())
                .send()
                .await
                .expect("AdminDeleteUser");
            return true;
        }
        let Some(database) = &self.database else { return false };
        let mut conn = database.connect().await;
        let deleted = sqlx::query("DELETE FROM users WHERE username_key = lower($1)")
            .bind(email)
            .execute(&mut conn)
            .await
            .expect("delete the user")
            .rows_affected();
        assert_eq!(deleted, 1, "{email} existed");
        true
    }

    /// A user with a temporary password, as an administrator creates one (AdminCreateUser).
    pub async fn create_user_with_temporary_password(&self, email: &str, temporary: &str) {
        let attributes = std::collections::BTreeMap::from([
            ("email".to_owned(), email.to_owned()),
            ("email_verified".to_owned(), "true".to_owned()),
        ]);
        let created = match &self.local {
            Some(LocalProvider::Memory(p)) => {
                p.engine().create_user_with_temporary_password(p.pool_id(), email, attributes, temporary).await
            }
            Some(LocalProvider::Postgres(p)) => {
                p.engine().create_user_with_temporary_password(p.pool_id(), email, attributes, temporary).await
            }
            None => {
                let pool = self.pool.as_ref().expect("moto's pool");
                pool.create_user_with_temporary_password(email, temporary).await;
                return;
            }
        };
        created.expect("the user is created");
    }

    /// A new password that the port's own policy accepts and the backend refuses, where there is
    /// one: moto refuses more than 99 characters, which the port's policy allows (up to 256).
    /// The local providers and authport's Cognito API enforce exactly the policy they name.
    pub fn password_only_the_backend_refuses(&self) -> Option<String> {
        (self.backend == Backend::Cognito).then(|| format!("Aa1!{}", "x".repeat(120)))
    }
}

/// The local providers as the tests run them: cheap hashing, the harness's signing key.
fn local_config() -> LocalConfig {
    let pem = std::fs::read_to_string(crate::app::signing_key_file()).expect("the harness's signing key");
    LocalConfig {
        issuer: "http://authport.contract".to_owned(),
        client_id: "contract-client".to_owned(),
        hash_cost: HashCost::InsecureFastForTests,
        hash_limits: HashLimits { concurrency: 2, queue: 256 },
        signing_key_pem: Some(pem),
        ..LocalConfig::default()
    }
}
