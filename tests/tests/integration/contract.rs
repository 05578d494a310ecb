//! The contract suite of the `IdentityProvider` port (`authport_testkit::contract`): every clause
//! against every adapter it applies to, each on a fresh store or pool of its own.

/// `mod <adapter> { #[tokio::test] async fn <clause>() }` for every adapter and clause.
macro_rules! contract {
    (every: [$($every:ident),* $(,)?], remote: [$($remote:ident),* $(,)?] $(,)?) => {
        /// Every clause's name.
        const CLAUSES: &[&str] = &[$(stringify!($every),)* $(stringify!($remote)),*];
        contract!(@adapter memory, Memory, $($every),*);
        contract!(@adapter postgres, Postgres, $($every,)* $($remote),*);
        contract!(@adapter cognito, Cognito, $($every,)* $($remote),*);
        // The Cognito adapter on authport's own Cognito API, on either engine (dogfooding).
        contract!(@adapter cognito_on_authport_memory, CognitoOnAuthportMemory, $($every,)* $($remote),*);
        contract!(@adapter cognito_on_authport_postgres, CognitoOnAuthportPostgres, $($every,)* $($remote),*);
    };
    (@adapter $module:ident, $backend:ident, $($clause:ident),*) => {
        mod $module {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $clause() {
                    use authport_testkit::contract::{Subject, clauses};
                    let Some(subject) = Subject::new(authport_testkit::Backend::$backend).await else { return };
                    clauses::$clause(&subject).await;
                }
            )*
        }
    };
}

authport_testkit::contract_clauses!(contract);

/// The port's docs name the test of each of its MUST clauses (`contract: <name>`): every name
/// there is a clause of the suite, and every clause is named there.
#[test]
fn the_port_names_the_test_of_every_clause() {
    let port =
        std::fs::read_to_string(authport_testkit::repo_root().join("crates/domain/src/port.rs")).expect("port.rs");
    let mut named = std::collections::BTreeSet::new();
    for mention in port.split("contract:").skip(1) {
        let mention = mention.split(')').next().unwrap_or_default();
        // The backticked names, across the `///` of wrapped lines.
        for (i, name) in mention.split('`').enumerate() {
            if i % 2 == 1 && !name.is_empty() && name.chars().all(|c| c.is_ascii_lowercase() || c == '_') {
                named.insert(name.to_owned());
            }
        }
    }
    let clauses: std::collections::BTreeSet<String> = CLAUSES.iter().map(|c| (*c).to_owned()).collect();
    assert_eq!(named, clauses, "the clauses named in port.rs and those of the contract suite");
}
