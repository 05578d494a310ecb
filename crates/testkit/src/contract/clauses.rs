//! One test function per MUST clause of the `IdentityProvider` port (`authport_domain::port`),
//! each named by the clause it checks. They talk to the port only, plus the [`Subject`]'s tap,
//! proxy and arrangements.

use std::collections::HashMap;

use authport_domain::{
    AuthenticatedUser, BackendError, ChallengeSession, ChangePasswordError, DeleteAccountError, Email, LogInError,
    NewPassword, NewPasswordError, Password, RefreshError, RefreshToken, SignUpError, TokenSet, User,
};
use authport_userpool::claims::{AccessClaims, IdClaims};
use secrecy::SecretString;

use super::{Call, Fault, Operation, Subject};
use crate::{STRONG_PASSWORD, tokens, unique_email};

fn email(tag: &str) -> Email {
    Email::parse(&unique_email(tag)).expect("a valid address")
}

fn password(raw: &str) -> Password {
    Password::parse(SecretString::from(raw)).expect("a possible password")
}

/// `raw` as a new password, which must meet the subject's policy.
fn new_password(subject: &Subject, raw: &str) -> NewPassword {
    subject.provider.password_policy().check(SecretString::from(raw)).expect("meets the policy")
}

async fn signed_up(subject: &Subject, tag: &str) -> (Email, User) {
    let email = email(tag);
    let user = subject.provider.create_user(&email, &new_password(subject, STRONG_PASSWORD)).await.expect("signed up");
    (email, user)
}

async fn logged_in(subject: &Subject, tag: &str) -> (Email, TokenSet) {
    let (email, _) = signed_up(subject, tag).await;
    let tokens = subject.provider.authenticate(&email, &password(STRONG_PASSWORD)).await.expect("logged in");
    (email, tokens)
}

/// Who the access token of `tokens` names, as the server's verifier would tell.
fn user_of(tokens: &TokenSet) -> AuthenticatedUser {
    let claims: AccessClaims = tokens::claims(tokens.access_token.expose());
    AuthenticatedUser { id: authport_domain::UserId::parse(claims.sub).expect("sub"), username: claims.username }
}

/// The kind of a backend error, for the classification clauses.
fn kind(err: &BackendError) -> &'static str {
    match err {
        BackendError::RateLimited { .. } => "rate_limited",
        BackendError::Unavailable(_) => "unavailable",
        BackendError::Unexpected(_) => "unexpected",
    }
}

/// `create_user`: "Creates a confirmed user who can log in at once."
pub async fn a_new_user_can_log_in_at_once(subject: &Subject) {
    let email = email("new");
    let user = subject.provider.create_user(&email, &new_password(subject, STRONG_PASSWORD)).await.expect("created");
    assert_eq!(user.email, email);
    assert!(!user.id.as_str().is_empty());
    let tokens = subject.provider.authenticate(&email, &password(STRONG_PASSWORD)).await.expect("logs in at once");
    let claims: AccessClaims = tokens::claims(tokens.access_token.expose());
    assert_eq!((claims.sub.as_str(), claims.username.as_str()), (user.id.as_str(), email.as_str()));
}

/// `create_user`: `UserExists` when a user with this (normalised) e-mail exists; the existing
/// user is untouched.
pub async fn a_duplicate_is_user_exists(subject: &Subject) {
    let (email, _) = signed_up(subject, "dup").await;
    let err = subject.provider.create_user(&email, &new_password(subject, "Another-Pass-1")).await.expect_err("dup");
    assert!(matches!(err, SignUpError::UserExists), "{err:?}");
    subject.provider.authenticate(&email, &password(STRONG_PASSWORD)).await.expect("the first password still works");
    let err = subject.provider.authenticate(&email, &password("Another-Pass-1")).await.expect_err("not replaced");
    assert!(matches!(err, LogInError::InvalidCredentials), "{err:?}");
}

/// `create_user`: decided atomically by the backend, "so that of N concurrent calls for one
/// address exactly one succeeds".
pub async fn of_concurrent_duplicates_exactly_one_is_created(subject: &Subject) {
    let email = email("race");
    let password = new_password(subject, STRONG_PASSWORD);
    let attempts = (0..16).map(|_| subject.provider.create_user(&email, &password));
    let mut outcomes: HashMap<&str, usize> = HashMap::new();
    for outcome in futures::future::join_all(attempts).await {
        let outcome = match outcome {
            Ok(_) => "created",
            Err(SignUpError::UserExists) => "user exists",
            Err(err) => panic!("neither created nor a duplicate: {err:?}"),
        };
        *outcomes.entry(outcome).or_default() += 1;
    }
    assert_eq!(outcomes, HashMap::from([("created", 1), ("user exists", 15)]));
}

/// `create_user`: `WeakPassword` only when the backend's own policy rejects a password the
/// domain's accepted — so a password meeting `password_policy()` is created or refused as weak
/// (with the rules that explain it), never an error; and never `InvalidEmail`.
pub async fn a_password_meeting_the_policy_is_created_or_refused_as_weak(subject: &Subject) {
    let policy = subject.provider.password_policy();
    let fill = |len: usize| format!("Aa1!{}", "x".repeat(len.saturating_sub(4)));
    let candidates = [
        fill(policy.min_length),
        fill(100),
        fill(authport_domain::model::password::MAX_PASSWORD_CHARS),
        format!("{} inner space", fill(policy.min_length)),
        format!("{}\u{0}nul", fill(policy.min_length)),
    ];
    for raw in candidates {
        let email = email("policy");
        let new = policy.check(SecretString::from(raw.clone())).expect("meets the port's policy");
        match subject.provider.create_user(&email, &new).await {
            Ok(_) => {
                subject.provider.authenticate(&email, &password(&raw)).await.expect("and logs in with it");
            }
            Err(SignUpError::WeakPassword(weak)) => assert!(!weak.violations.is_empty(), "{} chars", raw.len()),
            Err(err) => panic!("a password of {} chars meeting the policy: {err:?}", raw.chars().count()),
        }
    }
}

/// `create_user`: "On any error no user may be left behind (a retry must be able to succeed)"
/// — the sign-up's last backend step fails on purpose, then the same address signs up.
pub async fn a_failed_sign_up_leaves_no_user_behind(subject: &Subject) {
    let email = email("half");
    subject.tap.arm(subject.last_sign_up_step(), Fault::Unavailable);
    let err = subject.provider.create_user(&email, &new_password(subject, STRONG_PASSWORD)).await.expect_err("fails");
    assert!(matches!(&err, SignUpError::Backend(BackendError::Unavailable(_))), "{err:?}");
    subject.provider.create_user(&email, &new_password(subject, "Second-Try-9")).await.expect("the retry succeeds");
    subject.provider.authenticate(&email, &password("Second-Try-9")).await.expect("with the retry's password");
}

/// Every operation: `Backend` with `RateLimited` when the backend throttles, `Unavailable` when
/// it cannot be reached, `Unexpected` for anything else — each failure made on purpose at the
/// call the operation makes.
pub async fn backend_failures_are_classified(subject: &Subject) {
    let (email, tokens) = logged_in(subject, "classified").await;
    let user = user_of(&tokens);
    let mut faults = vec![(Fault::Unavailable, "unavailable"), (Fault::Unexpected, "unexpected")];
    if subject.throttles() {
        faults.push((Fault::Throttled, "rate_limited"));
    }
    let operations = [
        Operation::CreateUser,
        Operation::Authenticate,
        Operation::CompleteNewPassword,
        Operation::Refresh,
        Operation::LogOut,
        Operation::Ready,
    ];
    for operation in operations {
        let Some(call) = subject.call_of(operation) else { continue };
        for (fault, expected) in &faults {
            subject.tap.arm(call, *fault);
            let mark = subject.tap.mark();
            let provider = &subject.provider;
            let outcome = match operation {
                Operation::CreateUser => provider
                    .create_user(&self::email("classified"), &new_password(subject, STRONG_PASSWORD))
                    .await
                    .err()
                    .map(|e| match e {
                        SignUpError::Backend(err) => kind(&err),
                        other => panic!("{operation:?}: {other:?}"),
                    }),
                Operation::Authenticate => {
                    provider.authenticate(&email, &password(STRONG_PASSWORD)).await.err().map(|e| match e {
                        LogInError::Backend(err) => kind(&err),
                        other => panic!("{operation:?}: {other:?}"),
                    })
                }
                Operation::CompleteNewPassword => {
                    let session = ChallengeSession::new("s".repeat(64));
                    let new = new_password(subject, STRONG_PASSWORD);
                    provider.complete_new_password(&email, &session, &new).await.err().map(|e| match e {
                        NewPasswordError::Backend(err) => kind(&err),
                        other => panic!("{operation:?}: {other:?}"),
                    })
                }
                Operation::Refresh => provider.refresh(&tokens.refresh_token).await.err().map(|e| match e {
                    RefreshError::Backend(err) => kind(&err),
                    other => panic!("{operation:?}: {other:?}"),
                }),
                Operation::LogOut => provider.log_out(&user).await.err().map(|e| kind(&e)),
                Operation::Ready => provider.ready().await.err().map(|e| kind(&e)),
            };
            assert_eq!(outcome, Some(*expected), "{operation:?} with {fault:?} at {call}");
            assert!(subject.tap.calls_since(mark).iter().any(|c| c.name == call), "{operation:?} called {call}");
        }
    }
}

/// Every operation of a remote backend: `Unavailable` when it cannot be reached — the signing
/// keys too when they are the backend's ("fetched on every call": no stale answer) — and
/// serving again once it is back.
pub async fn an_unreachable_backend_is_unavailable(subject: &Subject) {
    let (email, tokens) = logged_in(subject, "outage").await;
    let user = user_of(&tokens);
    subject.take_backend_away().await;
    let unavailable = |err: &BackendError| matches!(err, BackendError::Unavailable(_));
    let err = subject.provider.create_user(&self::email("outage"), &new_password(subject, STRONG_PASSWORD)).await;
    assert!(matches!(&err, Err(SignUpError::Backend(e)) if unavailable(e)), "create_user: {err:?}");
    let err = subject.provider.authenticate(&email, &password(STRONG_PASSWORD)).await;
    assert!(matches!(&err, Err(LogInError::Backend(e)) if unavailable(e)), "authenticate: {err:?}");
    let err = subject.provider.refresh(&tokens.refresh_token).await;
    assert!(matches!(&err, Err(RefreshError::Backend(e)) if unavailable(e)), "refresh: {err:?}");
    let err = subject.provider.log_out(&user).await;
    assert!(matches!(&err, Err(e) if unavailable(e)), "log_out: {err:?}");
    let new = new_password(subject, "Changed-Pass-7");
    let err = subject.provider.change_password(&user, &password(STRONG_PASSWORD), &new).await;
    assert!(matches!(&err, Err(ChangePasswordError::Backend(e)) if unavailable(e)), "change_password: {err:?}");
    let err = subject.provider.delete_user(&user, &password(STRONG_PASSWORD)).await;
    assert!(matches!(&err, Err(DeleteAccountError::Backend(e)) if unavailable(e)), "delete_user: {err:?}");
    let err = subject.provider.ready().await;
    assert!(matches!(&err, Err(e) if unavailable(e)), "ready: {err:?}");
    let keys = subject.provider.signing_keys().await;
    if subject.keys_are_the_backends() {
        assert!(matches!(&keys, Err(e) if unavailable(e)), "signing_keys: {keys:?}");
    } else {
        keys.expect("keys of the adapter's own");
    }
    subject.bring_backend_back().await;
    subject.provider.ready().await.expect("ready again");
    subject.provider.authenticate(&email, &password(STRONG_PASSWORD)).await.expect("serving again");
}

/// `authenticate`: `InvalidCredentials` both for an unknown e-mail and for a wrong password.
pub async fn unknown_user_and_wrong_password_are_invalid_credentials(subject: &Subject) {
    let (email, _) = signed_up(subject, "known").await;
    let err = subject.provider.authenticate(&email, &password("Correct-Horse-8")).await.expect_err("wrong");
    assert!(matches!(err, LogInError::InvalidCredentials), "{err:?}");
    let err =
        subject.provider.authenticate(&self::email("ghost"), &password(STRONG_PASSWORD)).await.expect_err("unknown");
    assert!(matches!(err, LogInError::InvalidCredentials), "{err:?}");
}

/// `authenticate`: the two cases "indistinguishable in timing", checked as the same work: the
/// same calls to the backend and the same number of password verifications, which is not none.
pub async fn unknown_user_and_wrong_password_cost_the_same(subject: &Subject) {
    let (email, _) = signed_up(subject, "timing").await;
    let work = |mark: usize, verified: u64| {
        let mut calls: Vec<Call> = subject.tap.calls_since(mark);
        calls.sort();
        (calls, subject.password_verifications() - verified)
    };
    let (mark, verified) = (subject.tap.mark(), subject.password_verifications());
    let _ = subject.provider.authenticate(&email, &password("Correct-Horse-8")).await.expect_err("wrong");
    let wrong_password = work(mark, verified);
    let (mark, verified) = (subject.tap.mark(), subject.password_verifications());
    let _ =
        subject.provider.authenticate(&self::email("ghost"), &password(STRONG_PASSWORD)).await.expect_err("unknown");
    let unknown_user = work(mark, verified);
    assert_eq!(wrong_password, unknown_user);
    assert!(wrong_password.1 > 0 || !wrong_password.0.is_empty(), "some work was done: {wrong_password:?}");
}

/// `authenticate` gives `PasswordChangeRequired` to a user who must replace a temporary
/// password, and `complete_new_password` answers it: `WeakPassword` when the backend's own
/// policy rejects the new one (the session stays usable; where the backend has a policy
/// stricter than the one it names), then tokens, once (a spent session is `InvalidSession`).
pub async fn a_temporary_password_is_replaced_through_its_challenge(subject: &Subject) {
    let email = email("temporary");
    subject.create_user_with_temporary_password(email.as_str(), "Temp0rary!").await;
    let err = subject.provider.authenticate(&email, &password("Temp0rary!")).await.expect_err("challenged");
    let LogInError::PasswordChangeRequired { session } = err else { panic!("{err:?}") };
    if let Some(refused) = subject.password_only_the_backend_refuses() {
        let err = subject.provider.complete_new_password(&email, &session, &new_password(subject, &refused)).await;
        assert!(matches!(&err, Err(NewPasswordError::WeakPassword(w)) if !w.violations.is_empty()), "{err:?}");
    }
    let tokens = subject
        .provider
        .complete_new_password(&email, &session, &new_password(subject, "N3w-password"))
        .await
        .expect("the challenge is answered");
    assert_eq!(user_of(&tokens).username, email.as_str());
    subject.provider.authenticate(&email, &password("N3w-password")).await.expect("the new password works");
    let err = subject.provider.complete_new_password(&email, &session, &new_password(subject, "N3w-password-2")).await;
    assert!(matches!(err, Err(NewPasswordError::InvalidSession)), "a spent session: {err:?}");
}

/// `complete_new_password`: `InvalidSession` when the session is unknown or another user's.
pub async fn an_unknown_or_foreign_session_is_invalid(subject: &Subject) {
    let (email, _) = signed_up(subject, "session").await;
    for bogus in [String::new(), "short".to_owned(), "s".repeat(64), "s".repeat(3000)] {
        let session = ChallengeSession::new(bogus.clone());
        let err =
            subject.provider.complete_new_password(&email, &session, &new_password(subject, "N3w-password")).await;
        assert!(matches!(err, Err(NewPasswordError::InvalidSession)), "{} chars: {err:?}", bogus.len());
    }
    let (ann, bob) = (self::email("ann"), self::email("bob"));
    subject.create_user_with_temporary_password(ann.as_str(), "Temp0rary!").await;
    subject.create_user_with_temporary_password(bob.as_str(), "Temp0rary!").await;
    let err = subject.provider.authenticate(&ann, &password("Temp0rary!")).await.expect_err("challenged");
    let LogInError::PasswordChangeRequired { session } = err else { panic!("{err:?}") };
    let err = subject.provider.complete_new_password(&bob, &session, &new_password(subject, "B0b-new-pass")).await;
    assert!(matches!(err, Err(NewPasswordError::InvalidSession)), "Ann's session for Bob: {err:?}");
    let err = subject.provider.authenticate(&bob, &password("B0b-new-pass")).await.expect_err("Bob's is unchanged");
    assert!(matches!(err, LogInError::InvalidCredentials), "{err:?}");
}

/// `refresh`: `InvalidToken` for a token the backend did not issue, or that expired, was
/// revoked by `log_out`, or whose user is gone — each where the harness can bring it about.
pub async fn refresh_refuses_tokens_not_issued_expired_revoked_or_orphaned(subject: &Subject) {
    let invalid = |outcome: Result<_, RefreshError>, what: &str| {
        assert!(
            matches!(outcome, Err(RefreshError::InvalidToken)),
            "{what}: {:?}",
            outcome.map(|_: authport_domain::RefreshedTokens| ())
        );
    };
    // (A well-formed token Cognito never issued is not among them: moto answers it with an
    // internal error, where Cognito answers NotAuthorized.)
    for foreign in ["not-a-refresh-token", &"x".repeat(64)] {
        invalid(subject.provider.refresh(&RefreshToken::new(foreign)).await, foreign);
    }

    let (_, tokens) = logged_in(subject, "revoked").await;
    subject.provider.refresh(&tokens.refresh_token).await.expect("valid before log-out");
    subject.provider.log_out(&user_of(&tokens)).await.expect("logged out");
    invalid(subject.provider.refresh(&tokens.refresh_token).await, "revoked");

    if let Some(expiring) = subject.with_expired_refresh_tokens().await {
        let (email, _) = signed_up(subject, "expired").await;
        let tokens = expiring.provider.authenticate(&email, &password(STRONG_PASSWORD)).await.expect("logged in");
        invalid(expiring.provider.refresh(&tokens.refresh_token).await, "expired");
        invalid(subject.provider.refresh(&tokens.refresh_token).await, "expired, asked elsewhere");
    }

    let (email, tokens) = logged_in(subject, "orphaned").await;
    if subject.remove_user(email.as_str()).await {
        invalid(subject.provider.refresh(&tokens.refresh_token).await, "the user is gone");
    }
}

/// `log_out`: revokes every refresh token of the user (a global sign-out), and only theirs.
pub async fn log_out_revokes_every_refresh_token_of_the_user(subject: &Subject) {
    let (email, first) = logged_in(subject, "global").await;
    let second = subject.provider.authenticate(&email, &password(STRONG_PASSWORD)).await.expect("logged in again");
    let (_, other) = logged_in(subject, "bystander").await;
    subject.provider.log_out(&user_of(&first)).await.expect("logged out");
    for (what, tokens) in [("first", &first), ("second", &second)] {
        let outcome = subject.provider.refresh(&tokens.refresh_token).await;
        assert!(matches!(outcome, Err(RefreshError::InvalidToken)), "{what} session: {:?}", outcome.map(|_| ()));
    }
    subject.provider.refresh(&other.refresh_token).await.expect("another user's session is untouched");
}

/// The password every account clause changes to.
const CHANGED_PASSWORD: &str = "Changed-Pass-7";

/// `change_password`: the new password alone logs in, and the tokens it returns work.
pub async fn a_changed_password_replaces_the_old_one(subject: &Subject) {
    let (email, tokens) = logged_in(subject, "change").await;
    let changed = subject
        .provider
        .change_password(&user_of(&tokens), &password(STRONG_PASSWORD), &new_password(subject, CHANGED_PASSWORD))
        .await
        .expect("changed");
    assert_eq!(user_of(&changed), user_of(&tokens), "the same user");
    subject.provider.refresh(&changed.refresh_token).await.expect("the returned session works");
    let old = subject.provider.authenticate(&email, &password(STRONG_PASSWORD)).await;
    assert!(matches!(old, Err(LogInError::InvalidCredentials)), "the old password: {:?}", old.map(|_| ()));
    subject.provider.authenticate(&email, &password(CHANGED_PASSWORD)).await.expect("the new password");
}

/// `change_password`: every refresh token issued before is revoked — this session's and the
/// user's others — and no one else's.
pub async fn a_password_change_revokes_every_other_session(subject: &Subject) {
    let (email, first) = logged_in(subject, "sessions").await;
    let second = subject.provider.authenticate(&email, &password(STRONG_PASSWORD)).await.expect("another session");
    let (_, bystander) = logged_in(subject, "bystander").await;
    let changed = subject
        .provider
        .change_password(&user_of(&first), &password(STRONG_PASSWORD), &new_password(subject, CHANGED_PASSWORD))
        .await
        .expect("changed");
    for (what, tokens) in [("this", &first), ("the other", &second)] {
        let outcome = subject.provider.refresh(&tokens.refresh_token).await;
        assert!(matches!(outcome, Err(RefreshError::InvalidToken)), "{what} session: {:?}", outcome.map(|_| ()));
    }
    subject.provider.refresh(&changed.refresh_token).await.expect("the new session");
    subject.provider.refresh(&bystander.refresh_token).await.expect("another user's session is untouched");
}

/// `change_password`: a wrong current password is `InvalidCredentials` and changes nothing; so
/// is a user who is gone.
pub async fn a_wrong_current_password_changes_nothing(subject: &Subject) {
    let (email, tokens) = logged_in(subject, "wrong-current").await;
    let user = user_of(&tokens);
    let new = new_password(subject, CHANGED_PASSWORD);
    let err = subject.provider.change_password(&user, &password("Correct-Horse-8"), &new).await.expect_err("wrong");
    assert!(matches!(err, ChangePasswordError::InvalidCredentials), "{err:?}");
    subject.provider.refresh(&tokens.refresh_token).await.expect("the session stays");
    subject.provider.authenticate(&email, &password(STRONG_PASSWORD)).await.expect("the password stays");
    subject.provider.delete_user(&user, &password(STRONG_PASSWORD)).await.expect("deleted");
    let gone = subject.provider.change_password(&user, &password(STRONG_PASSWORD), &new).await.expect_err("gone");
    assert!(matches!(gone, ChangePasswordError::InvalidCredentials), "{gone:?}");
}

/// `delete_user`: a wrong password is `InvalidCredentials` and deletes nothing.
pub async fn a_wrong_password_deletes_nothing(subject: &Subject) {
    let (email, tokens) = logged_in(subject, "wrong-delete").await;
    let err = subject.provider.delete_user(&user_of(&tokens), &password("Correct-Horse-8")).await.expect_err("wrong");
    assert!(matches!(err, DeleteAccountError::InvalidCredentials), "{err:?}");
    subject.provider.authenticate(&email, &password(STRONG_PASSWORD)).await.expect("still there");
}

/// `delete_user`: the user is gone with their sessions; a log-in is `InvalidCredentials`, a
/// refresh `InvalidToken`, a second deletion `InvalidCredentials`, and the address can be signed
/// up again.
pub async fn a_deleted_account_is_gone_and_its_address_free(subject: &Subject) {
    let (email, tokens) = logged_in(subject, "delete").await;
    let user = user_of(&tokens);
    subject.provider.delete_user(&user, &password(STRONG_PASSWORD)).await.expect("deleted");
    let log_in = subject.provider.authenticate(&email, &password(STRONG_PASSWORD)).await;
    assert!(matches!(log_in, Err(LogInError::InvalidCredentials)), "{:?}", log_in.map(|_| ()));
    let refresh = subject.provider.refresh(&tokens.refresh_token).await;
    assert!(matches!(refresh, Err(RefreshError::InvalidToken)), "{:?}", refresh.map(|_| ()));
    let again = subject.provider.delete_user(&user, &password(STRONG_PASSWORD)).await.expect_err("gone");
    assert!(matches!(again, DeleteAccountError::InvalidCredentials), "{again:?}");
    let created = subject.provider.create_user(&email, &new_password(subject, STRONG_PASSWORD)).await.expect("free");
    assert_ne!(created.id, user.id, "a new user");
    // The deleted user's token names a user who is gone, not the new one.
    let old_token = subject.provider.delete_user(&user, &password(STRONG_PASSWORD)).await;
    assert!(matches!(old_token, Err(DeleteAccountError::InvalidCredentials)), "{old_token:?}");
    subject.provider.authenticate(&email, &password(STRONG_PASSWORD)).await.expect("the new user stays");
}

/// `log_out`: idempotent — again after a log-out, and for a user who never logged in.
pub async fn log_out_is_idempotent(subject: &Subject) {
    let (_, tokens) = logged_in(subject, "twice").await;
    let user = user_of(&tokens);
    subject.provider.log_out(&user).await.expect("logged out");
    subject.provider.log_out(&user).await.expect("and again");
    let outcome = subject.provider.refresh(&tokens.refresh_token).await;
    assert!(matches!(outcome, Err(RefreshError::InvalidToken)), "{:?}", outcome.map(|_| ()));
    let (email, created) = signed_up(subject, "never-logged-in").await;
    let never = AuthenticatedUser { id: created.id, username: email.as_str().to_owned() };
    subject.provider.log_out(&never).await.expect("nothing to revoke");
}

/// `signing_keys`: the keys verify (RS256, by `kid`) the tokens the backend issues, at log-in
/// and at refresh.
pub async fn the_signing_keys_verify_the_tokens(subject: &Subject) {
    let (_, issued) = logged_in(subject, "keys").await;
    let refreshed = subject.provider.refresh(&issued.refresh_token).await.expect("refreshed");
    let keys = subject.provider.signing_keys().await.expect("keys");
    let jwks = serde_json::json!({
        "keys": keys.iter().map(|k| serde_json::json!({ "kty": "RSA", "kid": k.kid, "n": k.n, "e": k.e })).collect::<Vec<_>>()
    });
    for token in [&issued.access_token, &refreshed.access_token] {
        tokens::verify::<AccessClaims>(token.expose(), &jwks, None);
    }
    for token in [&issued.id_token, &refreshed.id_token] {
        tokens::verify::<IdClaims>(token.expose(), &jwks, None);
    }
}

/// `token_audience`: the `iss` and `client_id` the access tokens carry (and the id tokens'
/// `iss` and `aud`).
pub async fn tokens_carry_the_token_audience(subject: &Subject) {
    let audience = subject.provider.token_audience();
    let (_, tokens) = logged_in(subject, "audience").await;
    let access: AccessClaims = tokens::claims(tokens.access_token.expose());
    let id: IdClaims = tokens::claims(tokens.id_token.expose());
    assert_eq!(
        (access.iss.as_str(), access.client_id.as_str()),
        (audience.issuer.as_str(), audience.client_id.as_str())
    );
    assert_eq!((id.iss.as_str(), id.aud.as_str()), (audience.issuer.as_str(), audience.client_id.as_str()));
}

/// `ready`: answers `Ok` from a call to the backend, and that call changes no data.
pub async fn ready_answers_and_changes_no_data(subject: &Subject) {
    let mark = subject.tap.mark();
    subject.provider.ready().await.expect("ready");
    let calls = subject.tap.calls_since(mark);
    assert!(!calls.is_empty(), "ready asked the backend");
    assert!(calls.iter().all(|call| !call.writes), "{calls:?}");
}
