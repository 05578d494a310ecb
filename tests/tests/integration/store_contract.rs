//! The contract suite of the engine's store seam (`authport_testkit::store_contract`): every
//! clause against the memory and the PostgreSQL store, each on fresh data.

macro_rules! store_contract {
    ($($clause:ident),* $(,)?) => {
        /// Every clause's name.
        const CLAUSES: &[&str] = &[$(stringify!($clause)),*];
        mod memory {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $clause() {
                    use authport_testkit::store_contract::{StoreSubject, $clause};
                    $clause(&StoreSubject::memory()).await;
                }
            )*
        }
        mod postgres {
            $(
                #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
                async fn $clause() {
                    use authport_testkit::store_contract::{StoreSubject, $clause};
                    let Some(subject) = StoreSubject::postgres().await else { return };
                    $clause(&subject).await;
                }
            )*
        }
    };
}

authport_testkit::store_contract_clauses!(store_contract);

/// The store seam's docs name the test of each of its clauses (`contract: <name>`): every name
/// there is a clause of the suite, and every clause is named there.
#[test]
fn the_store_seam_names_the_test_of_every_clause() {
    let seam = std::fs::read_to_string(authport_testkit::repo_root().join("crates/userpool/src/store/mod.rs"))
        .expect("store/mod.rs");
    let named: std::collections::BTreeSet<&str> =
        seam.split("contract: `").skip(1).map(|mention| mention.split('`').next().unwrap_or_default()).collect();
    let clauses: std::collections::BTreeSet<&str> = CLAUSES.iter().copied().collect();
    assert_eq!(named, clauses, "the clauses named in store/mod.rs and those of the suite");
}
