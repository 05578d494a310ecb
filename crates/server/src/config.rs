//! Configuration: every option is a flag and an environment variable (`authport --help`).

use std::net::SocketAddr;
use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;
use authport_cognito::CognitoSettings;
use authport_domain::PasswordPolicy;
use authport_userpool::{LocalConfig, PostgresConfig};
use clap::{ArgAction, Args, Parser, Subcommand, ValueEnum};
use secrecy::{ExposeSecret as _, SecretString};

use crate::limits::{FailurePolicy, Rate, RateLimits, RedisLimits, RedisUrl, SharedStore};

/// An adapter's default duration as the whole milliseconds of a `--…-ms` option.
const fn ms(duration: Duration) -> u64 {
    duration.as_millis() as u64
}

#[derive(Debug, Parser)]
#[command(
    name = "authport",
    version,
    about = "Sign-up and log-in with e-mail + password, backed by AWS Cognito or by authport's own user pools in memory or PostgreSQL."
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    #[command(flatten)]
    pub config: Config,
}

/// What to do instead of serving (the default).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Subcommand)]
pub enum Command {
    /// Apply the PostgreSQL schema migrations of the postgres backend (`--database-url`), then exit.
    Migrate,
}

/// Which identity backend serves the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// authport's own user pool in memory (users vanish on restart): the default for local development.
    Memory,
    /// authport's own user pool in PostgreSQL (`--database-url`): users survive restarts, processes share them.
    Postgres,
    /// An AWS Cognito user pool (`--user-pool-id`, `--client-id`): the production backend.
    Cognito,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum LogFormat {
    Pretty,
    Json,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum HashCostArg {
    /// argon2id m=19456 KiB, t=2, p=1 (OWASP).
    Owasp,
    /// argon2id m=8 KiB, t=1: INSECURE, only for tests.
    InsecureFastForTests,
}

#[derive(Debug, Clone, Args)]
pub struct Config {
    /// Identity backend.
    #[arg(long, env = "AUTHPORT_BACKEND", value_enum, default_value_t = Backend::Memory)]
    pub backend: Backend,

    /// Address to listen on (port 0 picks a free port).
    #[arg(long, env = "AUTHPORT_LISTEN", default_value = "127.0.0.1:3000")]
    pub listen: SocketAddr,

    /// Log output format.
    #[arg(long, env = "AUTHPORT_LOG_FORMAT", value_enum, default_value_t = LogFormat::Pretty)]
    pub log_format: LogFormat,

    #[command(flatten)]
    pub tokens: TokenOptions,

    #[command(flatten)]
    pub policy: PolicyOptions,

    #[command(flatten)]
    pub database: DatabaseOptions,

    #[command(flatten)]
    pub cognito: CognitoOptions,

    #[command(flatten)]
    pub limits: LimitOptions,

    #[command(flatten)]
    pub cognito_api: CognitoApiOptions,
}

/// Cognito's own wire protocol on the local backends (memory, postgres): a second listener for
/// AWS SDKs, off unless asked for.
#[derive(Debug, Clone, Args)]
pub struct CognitoApiOptions {
    /// Serve Cognito's API (AWS JSON 1.1, signatures NOT verified: development and tests) on
    /// this address, e.g. 127.0.0.1:9229. Point SDKs at it with
    /// AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER=http://127.0.0.1:9229.
    #[arg(long, env = "AUTHPORT_COGNITO_API_LISTEN")]
    pub cognito_api_listen: Option<SocketAddr>,

    /// Allow --cognito-api-listen on an address other than loopback (anyone who reaches it can
    /// manage every pool).
    #[arg(long, env = "AUTHPORT_COGNITO_API_ALLOW_NON_LOOPBACK")]
    pub cognito_api_allow_non_loopback: bool,

    /// The base of the issuer of pools created through the Cognito API (`<base>/<poolId>`)
    /// [default: https://cognito-idp.<region>.amazonaws.com, as Cognito's].
    #[arg(long, env = "AUTHPORT_COGNITO_API_ISSUER_BASE")]
    pub cognito_api_issuer_base: Option<String>,

    /// A JSON file of user pools, app clients and users with fixed ids (docs/cognito-api.md,
    /// "Seed file"), created at start where they are not stored yet (what is stored wins; a
    /// difference is logged) and again after every POST /_authport/reset.
    #[arg(long, env = "AUTHPORT_COGNITO_SEED")]
    pub cognito_seed: Option<std::path::PathBuf>,

    /// TESTING ONLY: POST /_authport/clock on the Cognito API moves the local backends' clock
    /// forward (expiry of temporary passwords, sessions, codes and tokens, for both APIs of
    /// this process).
    #[arg(long, env = "AUTHPORT_COGNITO_API_TEST_CLOCK")]
    pub cognito_api_test_clock: bool,
}

/// Production limits: rate limits, the password-hashing pool, the request timeout.
#[derive(Debug, Clone, Args)]
pub struct LimitOptions {
    /// Time limit of a request's backend calls in milliseconds; when it runs out the request is
    /// answered 503 backend_unavailable.
    #[arg(long, env = "AUTHPORT_REQUEST_TIMEOUT_MS", default_value_t = 15_000, value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub request_timeout_ms: u64,

    /// Sign-up and log-in attempts per minute from one client IP (0 = no limit).
    #[arg(long, env = "AUTHPORT_RATE_LIMIT_IP_PER_MINUTE", default_value_t = 60)]
    pub rate_limit_ip_per_minute: u32,

    /// Attempts one client IP may make at once before the per-minute rate applies
    /// [default: the per-minute rate].
    #[arg(long, env = "AUTHPORT_RATE_LIMIT_IP_BURST", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_ip_burst: Option<u32>,

    /// Sign-up and log-in attempts per minute for one (normalised) e-mail address, whatever the
    /// client IP (0 = no limit).
    #[arg(long, env = "AUTHPORT_RATE_LIMIT_EMAIL_PER_MINUTE", default_value_t = 10)]
    pub rate_limit_email_per_minute: u32,

    /// Attempts for one e-mail address at once before the per-minute rate applies
    /// [default: the per-minute rate].
    #[arg(long, env = "AUTHPORT_RATE_LIMIT_EMAIL_BURST", value_parser = clap::value_parser!(u32).range(1..))]
    pub rate_limit_email_burst: Option<u32>,

    /// Where the rate-limit budgets are kept: `memory` (each process its own), or a Redis that
    /// every process shares — redis://[user:password@]host:port[/db], rediss://… (TLS), or a
    /// Redis Cluster: redis-cluster://[user:password@]host:port,host:port,… (rediss-cluster://
    /// with TLS). The password is never logged.
    #[arg(long, env = "AUTHPORT_RATE_LIMIT_STORE", default_value = "memory", hide_env_values = true, value_parser = parse_secret)]
    pub rate_limit_store: SecretString,

    /// Longest wait for the shared rate-limit store in one check, in milliseconds; then the
    /// failure policy applies.
    #[arg(long, env = "AUTHPORT_RATE_LIMIT_STORE_TIMEOUT_MS", default_value_t = 50, value_parser = clap::value_parser!(u64).range(1..=10_000))]
    pub rate_limit_store_timeout_ms: u64,

    /// What the rate limits do while the shared store fails or is slower than its timeout:
    /// `local` (each process keeps its own budgets), `open` (no limits) or `closed` (limited
    /// requests are answered 503 backend_unavailable).
    #[arg(long, env = "AUTHPORT_RATE_LIMIT_STORE_FAILURE", value_enum, default_value_t = FailurePolicy::Local)]
    pub rate_limit_store_failure: FailurePolicy,

    /// CA certificates (a PEM file) that the shared store's TLS certificate must chain to
    /// [default: the system's roots].
    #[arg(long, env = "AUTHPORT_RATE_LIMIT_STORE_CA_FILE")]
    pub rate_limit_store_ca_file: Option<PathBuf>,

    /// Prefix of the shared store's keys (deployments sharing one Redis need their own).
    #[arg(long, env = "AUTHPORT_RATE_LIMIT_KEY_PREFIX", default_value = "authport:rate-limit:")]
    pub rate_limit_key_prefix: String,

    /// A reverse proxy (IP address, repeatable or comma-separated) whose X-Forwarded-For is
    /// believed: for requests from it, the client IP is the right-most X-Forwarded-For hop that
    /// is not a trusted proxy. Without it, X-Forwarded-For is ignored.
    #[arg(long = "trusted-proxy", env = "AUTHPORT_TRUSTED_PROXIES", value_delimiter = ',')]
    pub trusted_proxies: Vec<std::net::IpAddr>,

    /// Password hashes (argon2) computed at once by the local backends [default: the available cores].
    #[arg(long, env = "AUTHPORT_HASH_CONCURRENCY", value_parser = clap::value_parser!(u32).range(1..=1024))]
    pub hash_concurrency: Option<u32>,

    /// Sign-ups/log-ins allowed to wait for a hashing slot; beyond that they are answered 503 at
    /// once [default: 64 per available core].
    #[arg(long, env = "AUTHPORT_HASH_QUEUE", value_parser = clap::value_parser!(u32).range(0..=1_000_000))]
    pub hash_queue: Option<u32>,
}

impl LimitOptions {
    /// `--rate-limit-store`: `None` for `memory`, else the Redis it names. Parsed here rather
    /// than by clap, whose error for a bad value would show the value — password and all.
    pub fn shared_store(&self) -> anyhow::Result<Option<RedisUrl>> {
        let raw = self.rate_limit_store.expose_secret().trim();
        if raw == "memory" {
            return Ok(None);
        }
        let url = RedisUrl::parse(raw)
            .with_context(|| format!("--rate-limit-store {}", authport_userpool::redact_url(raw)))?;
        Ok(Some(url))
    }

    /// The rate limits these options describe (a shared store is connected lazily).
    pub fn rate_limits(&self) -> anyhow::Result<RateLimits> {
        let rate = |per_minute: u32, burst: Option<u32>| Rate { per_minute, burst: burst.unwrap_or(per_minute) };
        let shared = match self.shared_store()? {
            None => None,
            Some(url) => {
                let timeout = Duration::from_millis(self.rate_limit_store_timeout_ms);
                let ca = match &self.rate_limit_store_ca_file {
                    Some(path) => Some(std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?),
                    None => None,
                };
                let store = RedisLimits::new(&url, &self.rate_limit_key_prefix, timeout, ca)?;
                Some(SharedStore { store: Box::new(store), timeout, on_failure: self.rate_limit_store_failure })
            }
        };
        Ok(RateLimits::new(
            rate(self.rate_limit_ip_per_minute, self.rate_limit_ip_burst),
            rate(self.rate_limit_email_per_minute, self.rate_limit_email_burst),
            self.trusted_proxies.clone(),
            shared,
        ))
    }

    /// The hashing pool's bounds, defaults filled in for this machine.
    pub fn hash_limits(&self) -> authport_userpool::HashLimits {
        let mut limits = authport_userpool::HashLimits::for_this_machine();
        if let Some(n) = self.hash_concurrency {
            limits.concurrency = n as usize;
        }
        if let Some(n) = self.hash_queue {
            limits.queue = n as usize;
        }
        limits
    }
}

/// PostgreSQL options of the postgres backend (also read by `authport migrate`).
#[derive(Debug, Clone, Args)]
pub struct DatabaseOptions {
    /// PostgreSQL URL, postgres://user[:password]@host[:port]/database (the password is never logged).
    /// Required by the postgres backend and `authport migrate`, and only checked by them (another
    /// project's DATABASE_URL in the environment does not stop the other backends).
    #[arg(long, env = "DATABASE_URL", hide_env_values = true, global = true, value_parser = parse_secret)]
    pub database_url: Option<SecretString>,

    /// Maximum number of pooled PostgreSQL connections.
    #[arg(long, env = "AUTHPORT_DATABASE_MAX_CONNECTIONS", global = true, default_value_t = PostgresConfig::DEFAULT_MAX_CONNECTIONS, value_parser = clap::value_parser!(u32).range(1..=1000))]
    pub database_max_connections: u32,

    /// How long a request waits for a PostgreSQL connection (opening one included) before it
    /// answers 503 backend_unavailable, in milliseconds.
    #[arg(long, env = "AUTHPORT_DATABASE_ACQUIRE_TIMEOUT_MS", global = true, default_value_t = ms(PostgresConfig::DEFAULT_ACQUIRE_TIMEOUT), value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub database_acquire_timeout_ms: u64,

    /// Server-side statement_timeout of every PostgreSQL connection, in milliseconds.
    #[arg(long, env = "AUTHPORT_DATABASE_STATEMENT_TIMEOUT_MS", global = true, default_value_t = ms(PostgresConfig::DEFAULT_STATEMENT_TIMEOUT), value_parser = clap::value_parser!(u64).range(100..=600_000))]
    pub database_statement_timeout_ms: u64,
}

/// Options of the cognito backend. AWS credentials come from the standard AWS chain
/// (AWS_ACCESS_KEY_ID / AWS_SECRET_ACCESS_KEY, AWS_PROFILE, web identity, ECS, EC2 metadata);
/// the password policy is the pool's own (the --password-* options do not apply).
#[derive(Debug, Clone, Args)]
pub struct CognitoOptions {
    /// Cognito user pool id, e.g. eu-west-1_AbCdEf123. Required by the cognito backend.
    #[arg(long, env = "COGNITO_USER_POOL_ID")]
    pub user_pool_id: Option<String>,

    /// App client id; the client must allow ALLOW_ADMIN_USER_PASSWORD_AUTH. Required by the cognito backend.
    #[arg(long = "client-id", env = "COGNITO_CLIENT_ID")]
    pub cognito_client_id: Option<String>,

    /// App client secret, if the client has one (then every call carries a SECRET_HASH).
    #[arg(long, env = "COGNITO_CLIENT_SECRET", hide_env_values = true, value_parser = parse_secret)]
    pub client_secret: Option<SecretString>,

    /// AWS region [default: the region the user pool id starts with, else the standard AWS chain].
    #[arg(long, env = "AWS_REGION")]
    pub aws_region: Option<String>,

    /// Cognito endpoint URL, for emulators such as moto (AWS_ENDPOINT_URL works as well: aws-config
    /// reads it) [default: AWS's regional endpoint].
    #[arg(long, env = "AWS_ENDPOINT_URL_COGNITO_IDENTITY_PROVIDER")]
    pub cognito_endpoint: Option<String>,

    /// URL of the pool's JWKS [default: <endpoint>/<user pool id>/.well-known/jwks.json].
    #[arg(long, env = "COGNITO_JWKS_URL")]
    pub cognito_jwks_url: Option<String>,

    /// `iss` of the pool's tokens, checked on every access token
    /// [default: https://cognito-idp.<region>.amazonaws.com/<user pool id>].
    #[arg(long, env = "COGNITO_ISSUER")]
    pub cognito_issuer: Option<String>,

    /// Time limit of one Cognito operation, retries included, in milliseconds.
    #[arg(long, env = "AUTHPORT_COGNITO_TIMEOUT_MS", default_value_t = ms(CognitoSettings::DEFAULT_OPERATION_TIMEOUT), value_parser = clap::value_parser!(u64).range(100..=60_000))]
    pub cognito_timeout_ms: u64,

    /// Time limit of one attempt of a Cognito operation, in milliseconds [default: the adapter's
    /// (2000), at most the operation time limit].
    #[arg(long, env = "AUTHPORT_COGNITO_ATTEMPT_TIMEOUT_MS", value_parser = clap::value_parser!(u64).range(50..=60_000))]
    pub cognito_attempt_timeout_ms: Option<u64>,

    /// Attempts per Cognito operation (standard retry mode with backoff; 1 = no retries).
    #[arg(long, env = "AUTHPORT_COGNITO_MAX_ATTEMPTS", default_value_t = CognitoSettings::DEFAULT_MAX_ATTEMPTS, value_parser = clap::value_parser!(u32).range(1..=i64::from(CognitoSettings::MAX_ATTEMPTS_LIMIT)))]
    pub cognito_max_attempts: u32,
}

fn parse_secret(raw: &str) -> Result<SecretString, std::convert::Infallible> {
    Ok(SecretString::from(raw))
}

/// Token options of the local backends (memory, postgres).
#[derive(Debug, Clone, Args)]
pub struct TokenOptions {
    /// `iss` claim of issued tokens [default: http://<listen address>].
    #[arg(long, env = "AUTHPORT_ISSUER")]
    pub issuer: Option<String>,

    /// The id of the pool the `/v1` API's users are in, in Cognito's format
    /// (`<region>_<letters and digits>`): the Cognito API addresses them by it.
    #[arg(long = "pool-id", env = "AUTHPORT_POOL_ID", default_value = LocalConfig::DEFAULT_POOL_ID)]
    pub pool_id: String,

    /// `client_id` / `aud` claim of issued tokens: the id of the `/v1` API's app client.
    #[arg(long = "token-client-id", env = "AUTHPORT_TOKEN_CLIENT_ID", default_value = LocalConfig::DEFAULT_CLIENT_ID)]
    pub client_id: String,

    /// Access and id token lifetime in seconds (`expires_in`).
    #[arg(long, env = "AUTHPORT_ACCESS_TOKEN_TTL", default_value_t = LocalConfig::DEFAULT_ACCESS_TOKEN_TTL.as_secs(), value_parser = clap::value_parser!(u64).range(60..=86_400))]
    pub access_token_ttl: u64,

    /// Refresh token lifetime in seconds.
    #[arg(long, env = "AUTHPORT_REFRESH_TOKEN_TTL", default_value_t = LocalConfig::DEFAULT_REFRESH_TOKEN_TTL.as_secs(), value_parser = clap::value_parser!(u64).range(3600..=315_360_000))]
    pub refresh_token_ttl: u64,

    /// RSA private key (PKCS#8 or PKCS#1 PEM) to sign tokens with [default: generated at start-up].
    #[arg(long, env = "AUTHPORT_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,

    /// Password hashing cost.
    #[arg(long, env = "AUTHPORT_HASH_COST", value_enum, default_value_t = HashCostArg::Owasp)]
    pub hash_cost: HashCostArg,
}

/// The password policy of the local backends (Cognito reads its pool's policy instead).
/// Defaults are Cognito's defaults (`PasswordPolicy::default()`).
#[derive(Debug, Clone, Args)]
pub struct PolicyOptions {
    /// Minimum password length (6..=99, as in Cognito).
    #[arg(long, env = "AUTHPORT_PASSWORD_MIN_LENGTH", default_value_t = DEFAULT_POLICY.min_length as u16, value_parser = clap::value_parser!(u16).range(6..=99))]
    pub password_min_length: u16,

    /// Require a lower-case letter.
    #[arg(long, env = "AUTHPORT_PASSWORD_REQUIRE_LOWERCASE", default_value_t = DEFAULT_POLICY.require_lowercase, action = ArgAction::Set)]
    pub password_require_lowercase: bool,

    /// Require an upper-case letter.
    #[arg(long, env = "AUTHPORT_PASSWORD_REQUIRE_UPPERCASE", default_value_t = DEFAULT_POLICY.require_uppercase, action = ArgAction::Set)]
    pub password_require_uppercase: bool,

    /// Require a digit.
    #[arg(long, env = "AUTHPORT_PASSWORD_REQUIRE_DIGIT", default_value_t = DEFAULT_POLICY.require_digit, action = ArgAction::Set)]
    pub password_require_digit: bool,

    /// Require a symbol (Cognito's set: ^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + -).
    #[arg(long, env = "AUTHPORT_PASSWORD_REQUIRE_SYMBOL", default_value_t = DEFAULT_POLICY.require_symbol, action = ArgAction::Set)]
    pub password_require_symbol: bool,
}

const DEFAULT_POLICY: PasswordPolicy = PasswordPolicy::COGNITO_DEFAULT;

impl PolicyOptions {
    pub fn policy(&self) -> PasswordPolicy {
        PasswordPolicy {
            min_length: usize::from(self.password_min_length),
            require_lowercase: self.password_require_lowercase,
            require_uppercase: self.password_require_uppercase,
            require_digit: self.password_require_digit,
            require_symbol: self.password_require_symbol,
        }
    }
}

#[cfg(test)]
mod tests {
    use clap::CommandFactory as _;

    use super::*;

    #[test]
    fn the_command_line_is_well_formed() {
        Cli::command().debug_assert();
    }

    #[test]
    fn defaults_are_memory_on_localhost_3000_with_cognitos_policy() {
        let cli = Cli::try_parse_from(["authport"]).expect("defaults parse");
        assert_eq!(cli.command, None);
        assert_eq!(cli.config.backend, Backend::Memory);
        assert_eq!(cli.config.listen, "127.0.0.1:3000".parse().expect("addr"));
        assert_eq!(cli.config.policy.policy(), PasswordPolicy::default());
        assert_eq!(cli.config.tokens.access_token_ttl, 3600);
    }

    // The environment is process-wide and tests run in parallel: these tests only pass flags,
    // and hold when DATABASE_URL happens to be set.

    #[test]
    fn postgres_takes_its_url_and_pool_settings() {
        let cli = Cli::try_parse_from([
            "authport",
            "--backend",
            "postgres",
            "--database-url",
            "postgres://ann:s3cret@db:5432/app",
            "--database-max-connections",
            "4",
            "--database-acquire-timeout-ms",
            "1500",
            "--database-statement-timeout-ms",
            "2500",
        ])
        .expect("postgres parses");
        assert_eq!(cli.config.backend, Backend::Postgres);
        let db = &cli.config.database;
        let url = db.database_url.as_ref().expect("url");
        assert_eq!(secrecy::ExposeSecret::expose_secret(url), "postgres://ann:s3cret@db:5432/app");
        assert_eq!((db.database_max_connections, db.database_acquire_timeout_ms), (4, 1500));
        assert_eq!(db.database_statement_timeout_ms, 2500);
        assert!(!format!("{cli:?}").contains("s3cret"), "the password never reaches Debug output");
    }

    #[test]
    fn pool_defaults_are_ten_connections_three_seconds_five_seconds() {
        let cli = Cli::try_parse_from(["authport", "--backend", "postgres", "--database-url", "postgres://db/app"])
            .expect("parses");
        let db = &cli.config.database;
        assert_eq!(
            (db.database_max_connections, db.database_acquire_timeout_ms, db.database_statement_timeout_ms),
            (10, 3000, 5000)
        );
    }

    #[test]
    fn bad_database_settings_are_refused() {
        for args in [
            &["authport", "--database-url", "postgres://db/app", "--database-max-connections", "0"][..],
            &["authport", "--database-url", "postgres://db/app", "--database-acquire-timeout-ms", "5"],
        ] {
            assert!(Cli::try_parse_from(args).is_err(), "{args:?}");
        }
    }

    #[test]
    fn cognito_takes_its_pool_client_and_limits() {
        let cli = Cli::try_parse_from([
            "authport",
            "--backend",
            "cognito",
            "--user-pool-id",
            "eu-west-1_AbC",
            "--client-id",
            "client-1",
            "--client-secret",
            "s3cret-value",
            "--aws-region",
            "eu-west-1",
            "--cognito-endpoint",
            "http://127.0.0.1:5000",
            "--cognito-jwks-url",
            "http://127.0.0.1:5000/jwks.json",
            "--cognito-timeout-ms",
            "3000",
            "--cognito-attempt-timeout-ms",
            "1000",
            "--cognito-max-attempts",
            "2",
        ])
        .expect("cognito parses");
        assert_eq!(cli.config.backend, Backend::Cognito);
        let c = &cli.config.cognito;
        assert_eq!(
            (c.user_pool_id.as_deref(), c.cognito_client_id.as_deref()),
            (Some("eu-west-1_AbC"), Some("client-1"))
        );
        assert_eq!(c.client_secret.as_ref().map(secrecy::ExposeSecret::expose_secret), Some("s3cret-value"));
        assert_eq!(c.aws_region.as_deref(), Some("eu-west-1"));
        assert_eq!(c.cognito_endpoint.as_deref(), Some("http://127.0.0.1:5000"));
        assert_eq!(c.cognito_jwks_url.as_deref(), Some("http://127.0.0.1:5000/jwks.json"));
        assert_eq!((c.cognito_timeout_ms, c.cognito_attempt_timeout_ms, c.cognito_max_attempts), (3000, Some(1000), 2));
        assert!(!format!("{cli:?}").contains("s3cret-value"), "the secret never reaches Debug output");
        assert!(Cli::try_parse_from(["authport", "--cognito-max-attempts", "0"]).is_err());
    }

    #[test]
    fn a_bad_rate_limit_store_is_refused_without_showing_its_password() {
        let cli = Cli::try_parse_from(["authport", "--rate-limit-store", "redis://ann:pw-s3cret@cache:63a79"])
            .expect("the value is a secret: clap does not parse it");
        let err = format!("{:#}", cli.config.limits.shared_store().expect_err("no port"));
        assert!(err.contains("redis://ann:***@") || err.contains("<not a URL>"), "{err}");
        assert!(!err.contains("pw-s3cret") && !format!("{cli:?}").contains("pw-s3cret"), "{err}");
        let cli = Cli::try_parse_from(["authport"]).expect("defaults");
        assert!(cli.config.limits.shared_store().expect("memory").is_none());
    }

    #[test]
    fn the_database_url_is_only_checked_by_the_postgres_backend() {
        // Another project's DATABASE_URL must not stop `authport --backend memory`.
        let cli = Cli::try_parse_from(["authport", "--database-url", "sqlite://other.db"]).expect("parses");
        assert_eq!(cli.config.backend, Backend::Memory);
    }

    #[test]
    fn migrate_is_a_subcommand_that_accepts_the_database_options_on_either_side() {
        let url = "postgres://db/app";
        let after = Cli::try_parse_from(["authport", "migrate", "--database-url", url]).expect("parses");
        let before = Cli::try_parse_from(["authport", "--database-url", url, "migrate"]).expect("parses");
        for cli in [after, before] {
            assert_eq!(cli.command, Some(Command::Migrate));
            assert_eq!(cli.config.database.database_url.as_ref().map(secrecy::ExposeSecret::expose_secret), Some(url));
        }
    }
}
