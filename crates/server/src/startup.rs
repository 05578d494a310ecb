//! Wiring: configuration → backend adapter → use cases → warp server.

use std::future::Future;
use std::net::SocketAddr;
use std::pin::Pin;
use std::sync::Arc;
use std::time::Duration;

use anyhow::Context as _;
use authport_cognito::{CognitoIdentityProvider, CognitoSettings};
use authport_domain::{AuthService, IdentityProvider};
use authport_userpool::clock::{AdjustableClock, Clock, SystemClock};
use authport_userpool::engine::emulator::Seed;
use authport_userpool::{
    DatabaseUrl, HashCost, LocalConfig, LocalIdentityProvider, MemoryStore, PoolStore, PostgresConfig, PostgresStore,
    redact_url,
};
use clap::Parser as _;
use secrecy::ExposeSecret as _;
use tokio::net::TcpListener;

use crate::config::{Backend, Cli, CognitoOptions, Command, Config, DatabaseOptions, HashCostArg};
use crate::http;
use crate::limits::RateLimits;
use crate::verifier::AccessTokenVerifier;

/// A bound, ready-to-serve authport.
pub struct Application {
    local_addr: SocketAddr,
    listener: TcpListener,
    service: AuthService,
    limits: Arc<RateLimits>,
    cognito_api: Option<CognitoApiServer>,
}

/// Serves a listener until the shutdown future resolves.
type Serve = Box<
    dyn FnOnce(TcpListener, Pin<Box<dyn Future<Output = ()> + Send>>) -> Pin<Box<dyn Future<Output = ()> + Send>>
        + Send,
>;

/// The Cognito API's listener and what serves it (made where the engine's store type is known).
struct CognitoApiServer {
    addr: SocketAddr,
    listener: TcpListener,
    serve: Serve,
}

impl std::fmt::Debug for Application {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Application").field("local_addr", &self.local_addr).field("service", &self.service).finish()
    }
}

impl Application {
    /// Binds the listener, then builds the configured backend (the local backends' default issuer is
    /// the bound address, so it must be known first).
    pub async fn build(config: Config) -> anyhow::Result<Self> {
        let listener =
            TcpListener::bind(config.listen).await.with_context(|| format!("cannot listen on {}", config.listen))?;
        let local_addr = listener.local_addr()?;
        let cognito_api = match config.cognito_api.cognito_api_listen {
            Some(addr) => Some(bind_cognito_api(&config, addr).await?),
            None => None,
        };
        let (service, serve_cognito_api) = build_service(&config, local_addr).await?;
        let cognito_api = cognito_api.zip(serve_cognito_api).map(|((addr, listener), serve)| CognitoApiServer {
            addr,
            listener,
            serve,
        });
        let _ = crate::metrics::handle(); // the recorder, before the first request
        let limits = Arc::new(config.limits.rate_limits()?);
        limits.connect().await;
        match config.limits.shared_store()? {
            None => tracing::info!(?limits, "rate limits, in this process"),
            Some(url) => tracing::info!(?limits, store = %url, "rate limits, shared"),
        }
        Ok(Self { local_addr, listener, service, limits, cognito_api })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    /// Where the Cognito API listens, when it was asked for.
    pub fn cognito_api_addr(&self) -> Option<SocketAddr> {
        self.cognito_api.as_ref().map(|api| api.addr)
    }

    pub fn service(&self) -> &AuthService {
        &self.service
    }

    /// Serves until `shutdown` resolves, then finishes in-flight requests.
    pub async fn run_until(self, shutdown: impl Future<Output = ()> + Send + 'static) {
        if let Some(api) = &self.cognito_api {
            tracing::info!(address = %api.addr, "Cognito API listening (signatures are not verified: development and tests only)");
        }
        tracing::info!(backend = self.service.backend_name(), address = %self.local_addr, "authport listening");
        let verifier = Arc::new(AccessTokenVerifier::new(self.service.clone()));
        self.limits.spawn_cleanup();
        let routes = http::routes(http::AppState { service: self.service, verifier, limits: self.limits });
        let (stop, stopped) = tokio::sync::watch::channel(false);
        let stopping = |mut stopped: tokio::sync::watch::Receiver<bool>| async move {
            let _ = stopped.wait_for(|stop| *stop).await;
        };
        let cognito_api =
            self.cognito_api.map(|api| tokio::spawn((api.serve)(api.listener, Box::pin(stopping(stopped.clone())))));
        tokio::spawn(async move {
            shutdown.await;
            let _ = stop.send(true);
        });
        crate::serve::serve(self.listener, routes, stopping(stopped)).await;
        if let Some(api) = cognito_api {
            let _ = api.await;
        }
        tracing::info!("authport stopped");
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) {
        self.run_until(shutdown_signal()).await;
    }
}

/// Binds the Cognito API's listener: only for the local backends, only on loopback unless
/// allowed explicitly.
async fn bind_cognito_api(config: &Config, addr: SocketAddr) -> anyhow::Result<(SocketAddr, TcpListener)> {
    if config.backend == Backend::Cognito {
        anyhow::bail!("--cognito-api-listen serves the local backends' pools: use --backend memory or postgres");
    }
    if !crate::cognito_api::is_loopback(addr) && !config.cognito_api.cognito_api_allow_non_loopback {
        anyhow::bail!(
            "--cognito-api-listen {addr} is not a loopback address: the Cognito API verifies no signatures, so anyone \
             who reaches it can manage every pool; add --cognito-api-allow-non-loopback to serve it there anyway"
        );
    }
    let listener =
        TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr} (--cognito-api-listen)"))?;
    Ok((listener.local_addr()?, listener))
}

/// What the local backends are built with besides the flags: the seed file, read before
/// anything connects so that a bad one stops the start at once, and the test clock.
#[derive(Debug, Default)]
struct LocalExtras {
    seed: Option<Seed>,
    test_clock: Option<Arc<AdjustableClock>>,
}

impl LocalExtras {
    fn read(config: &Config) -> anyhow::Result<Self> {
        let options = &config.cognito_api;
        if options.cognito_api_test_clock && options.cognito_api_listen.is_none() {
            anyhow::bail!("--cognito-api-test-clock is moved through the Cognito API: add --cognito-api-listen");
        }
        let seed = options.cognito_seed.as_deref().map(crate::cognito_api::seed::read).transpose()?;
        let test_clock = options.cognito_api_test_clock.then(|| {
            tracing::warn!("the test clock is on (--cognito-api-test-clock): POST /_authport/clock moves time forward");
            Arc::new(AdjustableClock::default())
        });
        Ok(Self { seed, test_clock })
    }
}

/// Applies the seed to `provider`'s engine, and makes what serves the Cognito API over it.
async fn cognito_api_server<S: PoolStore>(
    config: &Config,
    provider: &LocalIdentityProvider<S>,
    extras: LocalExtras,
) -> anyhow::Result<Serve> {
    let api = Arc::new(crate::cognito_api::Api {
        engine: Arc::clone(provider.engine()),
        issuer_base: config.cognito_api.cognito_api_issuer_base.clone(),
        seed: extras.seed,
        test_clock: extras.test_clock,
    });
    crate::cognito_api::apply_seed(&api)
        .await
        .map_err(|err| anyhow::anyhow!("cannot apply the seed file: {}", err.message))?;
    Ok(Box::new(move |listener, shutdown| Box::pin(crate::cognito_api::serve(api, listener, shutdown))))
}

/// Builds the use cases over the adapter `config.backend` names, and what serves the Cognito
/// API over a local backend's engine.
async fn build_service(config: &Config, local_addr: SocketAddr) -> anyhow::Result<(AuthService, Option<Serve>)> {
    let (provider, serve): (Arc<dyn IdentityProvider>, _) = match config.backend {
        Backend::Memory => {
            let extras = LocalExtras::read(config)?;
            let local = local_config(config, local_addr, &extras)?;
            let provider = LocalIdentityProvider::new(Arc::new(MemoryStore::new()), local).await?;
            let serve = cognito_api_server(config, &provider, extras).await?;
            (Arc::new(provider), Some(serve))
        }
        Backend::Postgres => {
            let extras = LocalExtras::read(config)?;
            let local = local_config(config, local_addr, &extras)?;
            // Without --signing-key-file the key comes from the database, shared by all processes.
            let store = connect_postgres(&config.database).await?;
            let provider = LocalIdentityProvider::new(Arc::new(store), local).await?;
            let serve = cognito_api_server(config, &provider, extras).await?;
            (Arc::new(provider), Some(serve))
        }
        Backend::Cognito => (Arc::new(connect_cognito(&config.cognito).await?), None),
    };
    tracing::info!(backend = provider.name(), policy = ?provider.password_policy(), "password policy");
    let limit = Duration::from_millis(config.limits.request_timeout_ms);
    let provider: Arc<dyn IdentityProvider> = Arc::new(crate::timeout::TimeLimited::new(provider, limit));
    Ok((AuthService::new(provider), serve))
}

/// The PostgreSQL store, its schema migrated (fails within the acquire timeout when the
/// database cannot be reached).
async fn connect_postgres(options: &DatabaseOptions) -> anyhow::Result<PostgresStore> {
    let raw = options.database_url.as_ref().context("the postgres backend needs --database-url (or DATABASE_URL)")?;
    let url = DatabaseUrl::parse(raw.expose_secret())
        .with_context(|| format!("--database-url {}", redact_url(raw.expose_secret())))?;
    let redacted = url.redacted();
    let config = PostgresConfig {
        url,
        max_connections: options.database_max_connections,
        acquire_timeout: Duration::from_millis(options.database_acquire_timeout_ms),
        statement_timeout: Duration::from_millis(options.database_statement_timeout_ms),
    };
    PostgresStore::connect(&config)
        .await
        .with_context(|| format!("cannot connect to PostgreSQL at {redacted} and migrate its schema"))
}

/// The Cognito adapter; fails when the pool's password policy cannot be read (DescribeUserPool).
async fn connect_cognito(options: &CognitoOptions) -> anyhow::Result<CognitoIdentityProvider> {
    let settings = cognito_settings(options)?;
    let user_pool_id = settings.user_pool_id.clone();
    CognitoIdentityProvider::connect(settings)
        .await
        .with_context(|| format!("cannot start the cognito backend with user pool {user_pool_id}"))
}

/// Empty values count as unset (compose files pass `VAR: ${VAR:-}`).
fn cognito_settings(options: &CognitoOptions) -> anyhow::Result<CognitoSettings> {
    let given = |value: &Option<String>| value.clone().filter(|v| !v.trim().is_empty());
    let user_pool_id =
        given(&options.user_pool_id).context("the cognito backend needs --user-pool-id (or COGNITO_USER_POOL_ID)")?;
    let client_id =
        given(&options.cognito_client_id).context("the cognito backend needs --client-id (or COGNITO_CLIENT_ID)")?;
    let operation_timeout = Duration::from_millis(options.cognito_timeout_ms);
    let mut settings = CognitoSettings::new(user_pool_id, client_id);
    settings.client_secret = options.client_secret.clone().filter(|s| !s.expose_secret().is_empty());
    settings.region = given(&options.aws_region);
    settings.endpoint_url = given(&options.cognito_endpoint);
    settings.jwks_url = given(&options.cognito_jwks_url);
    settings.issuer = given(&options.cognito_issuer);
    settings.operation_timeout = operation_timeout;
    settings.attempt_timeout = options
        .cognito_attempt_timeout_ms
        .map_or(CognitoSettings::DEFAULT_ATTEMPT_TIMEOUT.min(operation_timeout), Duration::from_millis);
    settings.max_attempts = options.cognito_max_attempts;
    Ok(settings)
}

/// `authport migrate`: applies the pending PostgreSQL migrations, then returns.
pub async fn migrate(options: &DatabaseOptions) -> anyhow::Result<()> {
    let store = connect_postgres(options).await?;
    store.close().await;
    Ok(())
}

fn local_config(config: &Config, local_addr: SocketAddr, extras: &LocalExtras) -> anyhow::Result<LocalConfig> {
    let tokens = &config.tokens;
    let signing_key_pem = match &tokens.signing_key_file {
        Some(path) => Some(
            std::fs::read_to_string(path)
                .with_context(|| format!("cannot read signing key file {}", path.display()))?,
        ),
        None => None,
    };
    Ok(LocalConfig {
        pool_id: tokens.pool_id.clone(),
        issuer: tokens.issuer.clone().unwrap_or_else(|| format!("http://{local_addr}")),
        client_id: tokens.client_id.clone(),
        access_token_ttl: Duration::from_secs(tokens.access_token_ttl),
        refresh_token_ttl: Duration::from_secs(tokens.refresh_token_ttl),
        policy: config.policy.policy(),
        hash_cost: match tokens.hash_cost {
            HashCostArg::Owasp => HashCost::Owasp,
            HashCostArg::InsecureFastForTests => HashCost::InsecureFastForTests,
        },
        hash_limits: config.limits.hash_limits(),
        signing_key_pem,
        clock: match &extras.test_clock {
            Some(clock) => Arc::clone(clock) as Arc<dyn Clock>,
            None => Arc::new(SystemClock),
        },
    })
}

/// The `authport` binary: parses the command line, sets up logging, then [`run`]s on a
/// multi-thread tokio runtime.
///
/// It lives here rather than in `main.rs` so that the whole server (every warp filter, the SDK
/// calls, …) is compiled once, in this library: an `async` entry point awaited from the binary
/// would make rustc generate all of it again in the binary crate (docs/benchmarks.md, "Time of
/// `just bench`").
pub fn main() -> anyhow::Result<()> {
    let cli = Cli::parse();
    crate::telemetry::init(cli.config.log_format);
    tokio::runtime::Builder::new_multi_thread().enable_all().build()?.block_on(run(cli))
}

/// The binary's entry point once logging is set up.
pub async fn run(cli: Cli) -> anyhow::Result<()> {
    match cli.command {
        Some(Command::Migrate) => migrate(&cli.config.database).await,
        None => {
            let app = Application::build(cli.config).await?;
            app.run_until_stopped().await;
            Ok(())
        }
    }
}

fn shutdown_signal() -> Pin<Box<dyn Future<Output = ()> + Send>> {
    Box::pin(async {
        let ctrl_c = async {
            if let Err(err) = tokio::signal::ctrl_c().await {
                tracing::error!(%err, "cannot listen for Ctrl-C");
                std::future::pending::<()>().await;
            }
        };
        #[cfg(unix)]
        let terminate = async {
            match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
                Ok(mut sig) => {
                    sig.recv().await;
                }
                Err(err) => {
                    tracing::error!(%err, "cannot listen for SIGTERM");
                    std::future::pending::<()>().await;
                }
            }
        };
        #[cfg(not(unix))]
        let terminate = std::future::pending::<()>();
        tokio::select! {
            () = ctrl_c => {},
            () = terminate => {},
        }
        tracing::info!("shutdown signal received, finishing in-flight requests");
    })
}
