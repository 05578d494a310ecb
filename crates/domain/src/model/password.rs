use std::fmt;

use secrecy::{ExposeSecret, SecretString};

/// Cognito's hard upper bound on password length, whatever the pool's policy says.
pub const MAX_PASSWORD_CHARS: usize = 256;

/// The characters Cognito counts as symbols (its documented special-character set).
/// A space also counts, but only inside the password: Cognito rejects leading and trailing
/// white space, see [`PolicyRule::NoSurroundingWhitespace`].
pub const COGNITO_SYMBOLS: &str = "^$*.[]{}()?\"!@#%&/\\,><':;|_~`=+- ";

/// A password offered at log-in: any non-empty string up to [`MAX_PASSWORD_CHARS`].
///
/// It is *not* checked against the policy (a pool's policy may have changed since the user
/// chose it). The secret never appears in `Debug` output.
#[derive(Clone)]
pub struct Password(SecretString);

impl Password {
    /// `None` when the string cannot be anybody's password (empty or too long), so callers
    /// can answer "invalid credentials" without touching a backend or hashing megabytes.
    pub fn parse(raw: SecretString) -> Option<Self> {
        let len = raw.expose_secret().chars().count();
        (1..=MAX_PASSWORD_CHARS).contains(&len).then_some(Self(raw))
    }

    pub fn expose(&self) -> &str {
        self.0.expose_secret()
    }
}

impl fmt::Debug for Password {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Password([REDACTED])")
    }
}

/// A password chosen at sign-up that satisfies the active [`PasswordPolicy`].
/// Only [`PasswordPolicy::check`] makes one.
#[derive(Clone)]
pub struct NewPassword(Password);

impl NewPassword {
    pub fn expose(&self) -> &str {
        self.0.expose()
    }

    /// The same secret, as a log-in credential.
    pub fn as_password(&self) -> &Password {
        &self.0
    }
}

impl fmt::Debug for NewPassword {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("NewPassword([REDACTED])")
    }
}

/// One rule of the password policy. The HTTP edge reports every violated rule.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum PolicyRule {
    /// At least `min_length` characters.
    MinLength(usize),
    /// At most [`MAX_PASSWORD_CHARS`] characters.
    MaxLength(usize),
    /// At least one lower-case letter (a–z).
    Lowercase,
    /// At least one upper-case letter (A–Z).
    Uppercase,
    /// At least one digit (0–9).
    Digit,
    /// At least one of [`COGNITO_SYMBOLS`].
    Symbol,
    /// No white space at the start or end (Cognito's own rule, not configurable).
    NoSurroundingWhitespace,
}

impl fmt::Display for PolicyRule {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::MinLength(n) => write!(f, "must be at least {n} characters long"),
            Self::MaxLength(n) => write!(f, "must be at most {n} characters long"),
            Self::Lowercase => f.write_str("must contain a lower-case letter"),
            Self::Uppercase => f.write_str("must contain an upper-case letter"),
            Self::Digit => f.write_str("must contain a digit"),
            Self::Symbol => f.write_str("must contain a symbol"),
            Self::NoSurroundingWhitespace => f.write_str("must not begin or end with white space"),
        }
    }
}

/// Every rule a rejected password broke, in a stable order.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("the password does not meet the password policy ({} rule(s) violated)", .violations.len())]
pub struct WeakPassword {
    pub violations: Vec<PolicyRule>,
}

/// The password policy, shaped like a Cognito user pool's `PasswordPolicyType`.
///
/// Each backend names the one it enforces (`IdentityProvider::password_policy`): the local
/// backends their configured one, the Cognito backend the pool's own (read at start-up).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PasswordPolicy {
    pub min_length: usize,
    pub require_lowercase: bool,
    pub require_uppercase: bool,
    pub require_digit: bool,
    pub require_symbol: bool,
}

impl Default for PasswordPolicy {
    fn default() -> Self {
        Self::COGNITO_DEFAULT
    }
}

impl PasswordPolicy {
    /// Cognito's default policy: 8 characters with lower, upper, digit and symbol.
    pub const COGNITO_DEFAULT: Self = Self {
        min_length: 8,
        require_lowercase: true,
        require_uppercase: true,
        require_digit: true,
        require_symbol: true,
    };

    /// Checks a candidate against every rule and reports *all* violations at once.
    pub fn check(&self, candidate: SecretString) -> Result<NewPassword, WeakPassword> {
        let violations = self.violations(candidate.expose_secret());
        if violations.is_empty() { Ok(NewPassword(Password(candidate))) } else { Err(WeakPassword { violations }) }
    }

    /// The rules `candidate` breaks, in declaration order of [`PolicyRule`].
    pub fn violations(&self, candidate: &str) -> Vec<PolicyRule> {
        let len = candidate.chars().count();
        let has = |pred: fn(char) -> bool| candidate.chars().any(pred);
        let checks = [
            (len < self.min_length, PolicyRule::MinLength(self.min_length)),
            (len > MAX_PASSWORD_CHARS, PolicyRule::MaxLength(MAX_PASSWORD_CHARS)),
            (self.require_lowercase && !has(|c| c.is_ascii_lowercase()), PolicyRule::Lowercase),
            (self.require_uppercase && !has(|c| c.is_ascii_uppercase()), PolicyRule::Uppercase),
            (self.require_digit && !has(|c| c.is_ascii_digit()), PolicyRule::Digit),
            (self.require_symbol && !has_symbol(candidate), PolicyRule::Symbol),
            (
                candidate.starts_with(char::is_whitespace) || candidate.ends_with(char::is_whitespace),
                PolicyRule::NoSurroundingWhitespace,
            ),
        ];
        checks.into_iter().filter_map(|(violated, rule)| violated.then_some(rule)).collect()
    }
}

fn has_symbol(candidate: &str) -> bool {
    // A space only counts when it is inside the password (Cognito's rule).
    let inner = candidate.trim();
    inner.chars().any(|c| COGNITO_SYMBOLS.contains(c))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn secret(s: &str) -> SecretString {
        SecretString::from(s.to_owned())
    }

    #[test]
    fn accepts_a_password_meeting_the_default_policy() {
        let ok = PasswordPolicy::default().check(secret("Correct-Horse-9"));
        assert_eq!(ok.expect("strong").expose(), "Correct-Horse-9");
    }

    #[test]
    fn lists_every_violated_rule() {
        let err = PasswordPolicy::default().check(secret("abc")).expect_err("weak");
        assert_eq!(
            err.violations,
            vec![PolicyRule::MinLength(8), PolicyRule::Uppercase, PolicyRule::Digit, PolicyRule::Symbol]
        );
        let err = PasswordPolicy::default().check(secret("")).expect_err("weak");
        assert_eq!(err.violations.len(), 5);
    }

    #[test]
    fn every_cognito_symbol_counts() {
        for symbol in COGNITO_SYMBOLS.chars().filter(|c| *c != ' ') {
            let candidate = format!("Abcdef1{symbol}");
            assert!(PasswordPolicy::default().check(secret(&candidate)).is_ok(), "{symbol:?}");
        }
        assert!(PasswordPolicy::default().check(secret("Abc def1")).is_ok(), "inner space");
        let err = PasswordPolicy::default().check(secret("Abcdefg1 ")).expect_err("weak");
        assert_eq!(err.violations, vec![PolicyRule::Symbol, PolicyRule::NoSurroundingWhitespace]);
        let err = PasswordPolicy::default().check(secret("Abcdefg1€")).expect_err("weak");
        assert_eq!(err.violations, vec![PolicyRule::Symbol], "non-Cognito symbol");
    }

    #[test]
    fn enforces_the_maximum_length_in_characters() {
        let at_max = format!("Aa1!{}", "x".repeat(MAX_PASSWORD_CHARS - 4));
        assert!(PasswordPolicy::default().check(secret(&at_max)).is_ok());
        let over = format!("{at_max}x");
        let err = PasswordPolicy::default().check(secret(&over)).expect_err("weak");
        assert_eq!(err.violations, vec![PolicyRule::MaxLength(MAX_PASSWORD_CHARS)]);
    }

    #[test]
    fn relaxed_policy_only_checks_what_it_requires() {
        let policy = PasswordPolicy {
            min_length: 6,
            require_lowercase: true,
            require_uppercase: false,
            require_digit: false,
            require_symbol: false,
        };
        assert!(policy.check(secret("abcdef")).is_ok());
        assert_eq!(policy.violations("ABCDE"), vec![PolicyRule::MinLength(6), PolicyRule::Lowercase]);
    }

    #[test]
    fn log_in_passwords_have_length_bounds_only() {
        assert!(Password::parse(secret("x")).is_some());
        assert!(Password::parse(secret("")).is_none());
        assert!(Password::parse(secret(&"x".repeat(MAX_PASSWORD_CHARS + 1))).is_none());
    }

    #[test]
    fn secrets_stay_out_of_debug_output() {
        let password = PasswordPolicy::default().check(secret("Correct-Horse-9")).expect("strong");
        assert!(!format!("{password:?}").contains("Horse"));
        assert!(!format!("{:?}", password.as_password()).contains("Horse"));
    }
}
