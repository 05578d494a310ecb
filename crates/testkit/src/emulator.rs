//! authport's own Cognito API as the emulator under authport's Cognito adapter — the
//! dogfooding rows of the contract and conformance suites, with no emulator-deviation handling.
//!
//! One emulator per test binary and engine (memory, PostgreSQL), like moto's one process; each
//! test gets a pool of its own in it ([`pool`]). It runs on a thread with a tokio runtime of its
//! own, so it outlives the runtime of the test that started it.

use std::sync::{Arc, OnceLock};

use authport_server::cognito_api::{self, Api};
use authport_userpool::model::PoolId;
use authport_userpool::{
    HashCost, HashLimits, LocalConfig, LocalIdentityProvider, MemoryStore, PoolStore, PostgresConfig, PostgresStore,
};

use crate::moto::{MotoPool, PoolSpec, create_pool_at};
use crate::postgres::TestDatabase;

/// The engine the emulator keeps its pools in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Engine {
    Memory,
    Postgres,
}

/// Where a running emulator keeps its pools' keys.
#[derive(Debug, Clone)]
enum Keys {
    Memory(Arc<MemoryStore>),
    Postgres(Arc<TestDatabase>),
}

/// A running emulator.
#[derive(Debug)]
pub struct Emulator {
    pub endpoint: String,
    keys: Keys,
}

impl Emulator {
    /// The private key (PKCS#8 PEM) that signs the access tokens of `pool`.
    pub async fn access_key_pem(&self, pool: &str) -> Option<String> {
        let pool = PoolId::parse(pool).ok()?;
        match &self.keys {
            // The memory store's calls take a lock and nothing else: any runtime will do.
            Keys::Memory(store) => store.pool_keys(&pool).await.ok().flatten().map(|keys| keys.access),
            Keys::Postgres(db) => {
                let mut conn = db.connect().await;
                sqlx::query_scalar("SELECT access_key_pem FROM pool_signing_keys WHERE pool_id = $1")
                    .bind(pool.as_str())
                    .fetch_optional(&mut conn)
                    .await
                    .expect("the emulator's keys")
            }
        }
    }
}

/// The test binary's emulator on `engine`, started on first use; `None` when its engine is not
/// available here (after [`crate::skip_or_fail`]).
pub fn emulator(engine: Engine) -> Option<&'static Emulator> {
    static MEMORY: OnceLock<Option<Emulator>> = OnceLock::new();
    static POSTGRES: OnceLock<Option<Emulator>> = OnceLock::new();
    let cell = match engine {
        Engine::Memory => &MEMORY,
        Engine::Postgres => &POSTGRES,
    };
    cell.get_or_init(|| start(engine)).as_ref()
}

/// A fresh pool (with a secret-less and a secret app client) in the emulator on `engine`.
pub async fn pool(engine: Engine) -> Option<MotoPool> {
    let emulator = emulator(engine)?;
    Some(create_pool_at(&emulator.endpoint, &PoolSpec::default()).await.expect("a pool in authport's Cognito API"))
}

fn start(engine: Engine) -> Option<Emulator> {
    let (ready, started) = std::sync::mpsc::channel();
    std::thread::Builder::new()
        .name(format!("authport-cognito-emulator-{engine:?}"))
        .spawn(move || {
            let runtime =
                tokio::runtime::Builder::new_multi_thread().worker_threads(2).enable_all().build().expect("runtime");
            runtime.block_on(async move {
                let config = LocalConfig {
                    hash_cost: HashCost::InsecureFastForTests,
                    hash_limits: HashLimits { concurrency: 2, queue: 1024 },
                    ..LocalConfig::default()
                };
                let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.expect("a loopback port");
                let endpoint = format!("http://{}", listener.local_addr().expect("bound"));
                match engine {
                    Engine::Memory => {
                        let store = Arc::new(MemoryStore::new());
                        let provider = LocalIdentityProvider::new(Arc::clone(&store), config).await.expect("engine");
                        let api = Arc::new(Api::new(Arc::clone(provider.engine())));
                        let _ = ready.send(Some(Emulator { endpoint, keys: Keys::Memory(store) }));
                        cognito_api::serve(api, listener, std::future::pending()).await;
                    }
                    Engine::Postgres => {
                        let Some(db) = TestDatabase::create().await else {
                            let _ = ready.send(None);
                            return;
                        };
                        let url = authport_userpool::DatabaseUrl::parse(&db.url()).expect("database URL");
                        let store =
                            PostgresStore::connect(&PostgresConfig::new(url)).await.expect("the database migrates");
                        let provider = LocalIdentityProvider::new(Arc::new(store), config).await.expect("engine");
                        let api = Arc::new(Api::new(Arc::clone(provider.engine())));
                        let _ = ready.send(Some(Emulator { endpoint, keys: Keys::Postgres(db) }));
                        cognito_api::serve(api, listener, std::future::pending()).await;
                    }
                }
            });
        })
        .expect("the emulator's thread");
    started.recv().expect("the emulator starts")
}
