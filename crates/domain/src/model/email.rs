use std::fmt;

/// The longest address accepted (RFC 5321 path limit minus the angle brackets).
pub const MAX_EMAIL_LEN: usize = 254;

/// A syntactically valid, normalised e-mail address: trimmed and lower-cased.
///
/// Two addresses that differ only in case are the *same* user on every backend, so the
/// normalised form is what adapters store, compare and send to Cognito as the user name.
#[derive(Clone, PartialEq, Eq, Hash)]
pub struct Email(String);

/// Why a string is not an acceptable e-mail address.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum EmailError {
    #[error("the e-mail address is empty")]
    Empty,
    #[error("the e-mail address is longer than {MAX_EMAIL_LEN} characters")]
    TooLong,
    #[error("the e-mail address is not valid")]
    Invalid,
}

impl Email {
    /// Parses and normalises an address: surrounding whitespace is trimmed, the whole address
    /// is lower-cased, then checked with the `email_address` crate (RFC 5322 addr-spec).
    /// Display-name forms (`Ann <ann@example.com>`), control characters and inner whitespace
    /// are rejected.
    pub fn parse(raw: &str) -> Result<Self, EmailError> {
        let trimmed = raw.trim();
        if trimmed.is_empty() {
            return Err(EmailError::Empty);
        }
        if trimmed.chars().count() > MAX_EMAIL_LEN {
            return Err(EmailError::TooLong);
        }
        let normalised = trimmed.to_lowercase();
        let plain_addr_spec = !normalised.chars().any(|c| c.is_whitespace() || c.is_control() || c == '<' || c == '>');
        if plain_addr_spec && email_address::EmailAddress::is_valid(&normalised) {
            Ok(Self(normalised))
        } else {
            Err(EmailError::Invalid)
        }
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A form safe for logs: first character of the local part and the domain (`a***@example.com`).
    pub fn masked(&self) -> String {
        match self.0.split_once('@') {
            Some((local, domain)) => {
                let first = local.chars().next().unwrap_or('*');
                format!("{first}***@{domain}")
            }
            None => "***".to_owned(),
        }
    }
}

impl fmt::Display for Email {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

impl fmt::Debug for Email {
    /// Debug output is masked: addresses are personal data and end up in logs.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Email({})", self.masked())
    }
}

impl AsRef<str> for Email {
    fn as_ref(&self) -> &str {
        &self.0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn trims_and_lower_cases() {
        let email = Email::parse("  Ann.Smith@Example.COM \n").expect("valid");
        assert_eq!(email.as_str(), "ann.smith@example.com");
    }

    #[test]
    fn rejects_empty_and_blank() {
        assert_eq!(Email::parse(""), Err(EmailError::Empty));
        assert_eq!(Email::parse("   "), Err(EmailError::Empty));
    }

    #[test]
    fn rejects_malformed() {
        for raw in [
            "no-at-sign",
            "@example.com",
            "ann@",
            "ann@@example.com",
            "ann smith@example.com",
            "Ann <ann@example.com>",
            "ann@exa mple.com",
            "ann\u{0}@example.com",
        ] {
            assert_eq!(Email::parse(raw), Err(EmailError::Invalid), "{raw:?}");
        }
    }

    #[test]
    fn enforces_the_length_limit() {
        let local = "a".repeat(64);
        let label = "b".repeat(59);
        let ok = format!("{local}@{label}.{label}.{label}.example");
        assert!(ok.len() <= MAX_EMAIL_LEN, "{}", ok.len());
        assert!(Email::parse(&ok).is_ok());
        let too_long = format!("{local}@{}.com", "c".repeat(200));
        assert_eq!(Email::parse(&too_long), Err(EmailError::TooLong));
    }

    #[test]
    fn debug_is_masked() {
        let email = Email::parse("ann@example.com").expect("valid");
        assert_eq!(format!("{email:?}"), "Email(a***@example.com)");
    }
}
