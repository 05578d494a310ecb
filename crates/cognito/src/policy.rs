//! The pool's password policy (`DescribeUserPool`) as the domain's [`PasswordPolicy`].

use authport_domain::{PasswordPolicy, PolicyRule, WeakPassword};
use aws_sdk_cognitoidentityprovider::types::PasswordPolicyType;

/// Converts a pool's `PasswordPolicyType`; `None` (no policy in the answer) is Cognito's
/// default policy.
///
/// Real Cognito always returns every field. moto 5.2.5 echoes only the fields the pool was
/// created with (MOTO_NOTES.md a): a missing `MinimumLength` is enforced by moto as 5; we use
/// Cognito's default of 8 instead, which is stricter, so authport never accepts a password the
/// pool rejects (test `missing_fields_take_cognitos_defaults`). Missing `Require*` flags arrive
/// from the SDK as `false` while moto enforces them as `true`: nothing here can tell the
/// difference, so emulator pools must be created with all five fields.
pub(crate) fn from_pool(policy: Option<&PasswordPolicyType>) -> PasswordPolicy {
    let Some(policy) = policy else {
        return PasswordPolicy::default();
    };
    let min_length = policy
        .minimum_length()
        .and_then(|n| usize::try_from(n).ok())
        .filter(|n| *n > 0)
        .unwrap_or(PasswordPolicy::default().min_length);
    PasswordPolicy {
        min_length,
        require_lowercase: policy.require_lowercase(),
        require_uppercase: policy.require_uppercase(),
        require_digit: policy.require_numbers(),
        require_symbol: policy.require_symbols(),
    }
}

/// Why the pool rejected (`InvalidPasswordException`) a password the domain policy accepted.
///
/// The use cases check every password against the pool's policy (read at start-up) before
/// calling Cognito, so the local rules usually find nothing: the pool's policy changed since
/// start-up, or the backend has rules of its own (moto rejects every password of 99 or more
/// characters, MOTO_NOTES.md d, where Cognito accepts 256). Cognito's message is not a
/// stable interface, so the answer lists the policy's requirements: the client can show them,
/// and a `WeakPassword` is never empty (test `a_rejection_nothing_explains_lists_the_requirements`;
/// against moto, `a_password_the_pool_refuses_after_creating_the_user_leaves_no_user_behind` in
/// `tests/tests/integration/cognito.rs`).
pub(crate) fn explain_rejection(policy: &PasswordPolicy, password: &str) -> WeakPassword {
    let violations = policy.violations(password);
    if !violations.is_empty() {
        return WeakPassword { violations };
    }
    tracing::warn!(
        ?policy,
        "the user pool rejected a password that meets its policy as read at start-up; \
         if the pool's policy changed, restart authport to adopt it"
    );
    WeakPassword { violations: requirements(policy) }
}

/// Every rule `policy` imposes, in the order of [`PolicyRule`].
fn requirements(policy: &PasswordPolicy) -> Vec<PolicyRule> {
    let optional = [
        (policy.require_lowercase, PolicyRule::Lowercase),
        (policy.require_uppercase, PolicyRule::Uppercase),
        (policy.require_digit, PolicyRule::Digit),
        (policy.require_symbol, PolicyRule::Symbol),
    ];
    std::iter::once(PolicyRule::MinLength(policy.min_length))
        .chain(optional.into_iter().filter_map(|(required, rule)| required.then_some(rule)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn converts_every_field() {
        let pool = PasswordPolicyType::builder()
            .minimum_length(12)
            .require_lowercase(true)
            .require_uppercase(false)
            .require_numbers(true)
            .require_symbols(false)
            .build();
        assert_eq!(
            from_pool(Some(&pool)),
            PasswordPolicy {
                min_length: 12,
                require_lowercase: true,
                require_uppercase: false,
                require_digit: true,
                require_symbol: false,
            }
        );
    }

    #[test]
    fn missing_fields_take_cognitos_defaults() {
        assert_eq!(from_pool(None), PasswordPolicy::default());
        // moto echoes a partial policy: no MinimumLength (moto would enforce 5).
        let partial = PasswordPolicyType::builder()
            .require_lowercase(true)
            .require_uppercase(true)
            .require_numbers(true)
            .require_symbols(true)
            .build();
        assert_eq!(from_pool(Some(&partial)).min_length, 8);
        let nonsense = PasswordPolicyType::builder().minimum_length(-1).build();
        assert_eq!(from_pool(Some(&nonsense)).min_length, 8);
    }

    #[test]
    fn a_rejection_the_policy_explains_lists_the_violations() {
        let policy = PasswordPolicy { min_length: 20, ..PasswordPolicy::default() };
        let weak = explain_rejection(&policy, "Passw0rd!");
        assert_eq!(weak.violations, vec![PolicyRule::MinLength(20)]);
    }

    #[test]
    fn a_rejection_nothing_explains_lists_the_requirements() {
        // moto's 99-character cap: the domain accepts up to 256 characters.
        let long = format!("Aa1!{}", "x".repeat(100));
        let weak = explain_rejection(&PasswordPolicy::default(), &long);
        assert_eq!(
            weak.violations,
            vec![
                PolicyRule::MinLength(8),
                PolicyRule::Lowercase,
                PolicyRule::Uppercase,
                PolicyRule::Digit,
                PolicyRule::Symbol
            ]
        );
        let relaxed = PasswordPolicy {
            min_length: 6,
            require_lowercase: false,
            require_uppercase: false,
            require_digit: true,
            require_symbol: false,
        };
        assert_eq!(explain_rejection(&relaxed, "abc123").violations, vec![PolicyRule::MinLength(6), PolicyRule::Digit]);
    }
}
