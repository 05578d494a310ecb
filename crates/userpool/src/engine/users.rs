//! ListUsers: a pool's users, filtered as Cognito filters them (`<attribute> = "<value>"` or
//! `<attribute> ^= "<prefix>"` on the searchable attributes) and paged.

use super::{PoolError, UserPools};
use crate::model::{PoolId, PoolUser};
use crate::store::PoolStore;

/// The attributes ListUsers can filter on.
pub const SEARCHABLE: [&str; 10] = [
    "username",
    "email",
    "phone_number",
    "name",
    "given_name",
    "family_name",
    "preferred_username",
    "cognito:user_status",
    "status",
    "sub",
];

/// How a filter compares.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Match {
    /// `=`
    Exact,
    /// `^=`
    Prefix,
}

/// A parsed ListUsers `Filter`.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserFilter {
    pub attribute: String,
    pub matching: Match,
    pub value: String,
}

fn parse_error() -> PoolError {
    PoolError::InvalidParameter("Error while parsing filter.".to_owned())
}

impl UserFilter {
    /// Parses `attribute = "value"` / `attribute ^= "value"` (white space around the operator
    /// optional; `\"` and `\\` escape inside the quotes). `None` for an empty filter.
    pub fn parse(filter: &str) -> Result<Option<Self>, PoolError> {
        let filter = filter.trim();
        if filter.is_empty() {
            return Ok(None);
        }
        let (attribute, rest, matching) = if let Some((attribute, rest)) = filter.split_once("^=") {
            (attribute, rest, Match::Prefix)
        } else if let Some((attribute, rest)) = filter.split_once('=') {
            (attribute, rest, Match::Exact)
        } else {
            return Err(parse_error());
        };
        let attribute = attribute.trim();
        let quoted = rest.trim();
        let inner = quoted.strip_prefix('"').and_then(|q| q.strip_suffix('"')).ok_or_else(parse_error)?;
        let mut value = String::with_capacity(inner.len());
        let mut chars = inner.chars();
        while let Some(c) = chars.next() {
            match c {
                '\\' => value.push(chars.next().ok_or_else(parse_error)?),
                '"' => return Err(parse_error()),
                other => value.push(other),
            }
        }
        if attribute.is_empty() || attribute.contains(char::is_whitespace) {
            return Err(parse_error());
        }
        if !SEARCHABLE.contains(&attribute) {
            return Err(PoolError::InvalidParameter(format!("Invalid search attribute: {attribute}")));
        }
        Ok(Some(Self { attribute: attribute.to_owned(), matching, value }))
    }

    /// The value of the filtered attribute of `user`.
    fn value_of<'u>(&self, user: &'u PoolUser) -> Option<std::borrow::Cow<'u, str>> {
        use std::borrow::Cow;
        match self.attribute.as_str() {
            "username" => Some(Cow::Borrowed(user.username.as_str())),
            "sub" => Some(Cow::Owned(user.sub.to_string())),
            "cognito:user_status" => Some(Cow::Borrowed(user.status.as_str())),
            "status" => Some(Cow::Borrowed(if user.enabled { "Enabled" } else { "Disabled" })),
            other => user.attribute(other).map(Cow::Borrowed),
        }
    }

    pub fn matches(&self, user: &PoolUser) -> bool {
        // The status is compared regardless of case; everything else as written.
        let fold = |text: &str| {
            if self.attribute == "cognito:user_status" { text.to_uppercase() } else { text.to_owned() }
        };
        let wanted = fold(&self.value);
        self.value_of(user).is_some_and(|value| match self.matching {
            Match::Exact => fold(&value) == wanted,
            Match::Prefix => fold(&value).starts_with(&wanted),
        })
    }
}

impl<S: PoolStore> UserPools<S> {
    /// The pool's users that `filter` selects, ordered by user name key.
    pub async fn list_users(&self, pool_id: &PoolId, filter: Option<&UserFilter>) -> Result<Vec<PoolUser>, PoolError> {
        let pool = self.pool(pool_id).await?;
        let users = self.store.users(&pool.id).await?;
        Ok(users.into_iter().filter(|user| filter.is_none_or(|f| f.matches(user))).collect())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn filters_parse_as_cognitos() {
        let filter = UserFilter::parse(r#"email ^= "ann""#).expect("parses").expect("a filter");
        assert_eq!(
            (filter.attribute.as_str(), filter.matching, filter.value.as_str()),
            ("email", Match::Prefix, "ann")
        );
        let filter = UserFilter::parse(r#"name="say \"hi\"""#).expect("parses").expect("a filter");
        assert_eq!((filter.matching, filter.value.as_str()), (Match::Exact, r#"say "hi""#));
        assert_eq!(UserFilter::parse("  ").expect("empty"), None);
        for bad in [r#"email = ann"#, r#"email "ann""#, r#"= "ann""#, r#"email = "a"b""#] {
            assert_eq!(UserFilter::parse(bad).expect_err(bad).to_string(), "Error while parsing filter.", "{bad}");
        }
        let err = UserFilter::parse(r#"locale = "en""#).expect_err("not searchable");
        assert_eq!(err.exception(), "InvalidParameterException");
    }
}
