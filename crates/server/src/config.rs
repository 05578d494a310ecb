//! Configuration: every option is a flag and an environment variable (`authport --help`).

use std::net::SocketAddr;
use std::path::PathBuf;

use authport_domain::PasswordPolicy;
use clap::{ArgAction, Args, Parser, ValueEnum};

#[derive(Debug, Parser)]
#[command(
    name = "authport",
    version,
    about = "Sign-up and log-in with e-mail + password, backed by AWS Cognito or a local fake."
)]
pub struct Cli {
    #[command(flatten)]
    pub config: Config,
}

/// Which identity backend serves the API.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum Backend {
    /// In-memory fake (users vanish on restart): the default for local development.
    Memory,
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
}

/// Token options of the fake backends (memory, postgres).
#[derive(Debug, Clone, Args)]
pub struct TokenOptions {
    /// `iss` claim of issued tokens [default: http://<listen address>].
    #[arg(long, env = "AUTHPORT_ISSUER")]
    pub issuer: Option<String>,

    /// `client_id` / `aud` claim of issued tokens.
    #[arg(long = "token-client-id", env = "AUTHPORT_TOKEN_CLIENT_ID", default_value = "authport-local")]
    pub client_id: String,

    /// Access and id token lifetime in seconds (`expires_in`).
    #[arg(long, env = "AUTHPORT_ACCESS_TOKEN_TTL", default_value_t = 3600, value_parser = clap::value_parser!(u64).range(60..=86_400))]
    pub access_token_ttl: u64,

    /// Refresh token lifetime in seconds.
    #[arg(long, env = "AUTHPORT_REFRESH_TOKEN_TTL", default_value_t = 30 * 86_400, value_parser = clap::value_parser!(u64).range(3600..=315_360_000))]
    pub refresh_token_ttl: u64,

    /// RSA private key (PKCS#8 or PKCS#1 PEM) to sign tokens with [default: generated at start-up].
    #[arg(long, env = "AUTHPORT_SIGNING_KEY_FILE")]
    pub signing_key_file: Option<PathBuf>,

    /// Password hashing cost.
    #[arg(long, env = "AUTHPORT_HASH_COST", value_enum, default_value_t = HashCostArg::Owasp)]
    pub hash_cost: HashCostArg,
}

/// The password policy of the fake backends (Cognito reads its pool's policy instead).
/// Defaults are Cognito's defaults.
#[derive(Debug, Clone, Args)]
pub struct PolicyOptions {
    /// Minimum password length (6..=99, as in Cognito).
    #[arg(long, env = "AUTHPORT_PASSWORD_MIN_LENGTH", default_value_t = 8, value_parser = clap::value_parser!(u16).range(6..=99))]
    pub password_min_length: u16,

    /// Require a lower-case letter.
    #[arg(long, env = "AUTHPORT_PASSWORD_REQUIRE_LOWERCASE", default_value_t = true, action = ArgAction::Set)]
    pub password_require_lowercase: bool,

    /// Require an upper-case letter.
    #[arg(long, env = "AUTHPORT_PASSWORD_REQUIRE_UPPERCASE", default_value_t = true, action = ArgAction::Set)]
    pub password_require_uppercase: bool,

    /// Require a digit.
    #[arg(long, env = "AUTHPORT_PASSWORD_REQUIRE_DIGIT", default_value_t = true, action = ArgAction::Set)]
    pub password_require_digit: bool,

    /// Require a symbol (Cognito's set: ^ $ * . [ ] { } ( ) ? " ! @ # % & / \ , > < ' : ; | _ ~ ` = + -).
    #[arg(long, env = "AUTHPORT_PASSWORD_REQUIRE_SYMBOL", default_value_t = true, action = ArgAction::Set)]
    pub password_require_symbol: bool,
}

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
        assert_eq!(cli.config.backend, Backend::Memory);
        assert_eq!(cli.config.listen, "127.0.0.1:3000".parse().expect("addr"));
        assert_eq!(cli.config.policy.policy(), PasswordPolicy::default());
        assert_eq!(cli.config.tokens.access_token_ttl, 3600);
    }
}
