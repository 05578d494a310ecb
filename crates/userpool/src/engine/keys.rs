//! Each pool's token signers, loaded from the store on first use and kept for the process's
//! life (a pool's keys never change). A pool that has none yet gets two new keys — one for
//! access tokens, one for id tokens, as Cognito signs them — generated off the reactor on the
//! first use of its tokens, so that creating a pool costs no key generation.

use std::collections::HashMap;
use std::sync::{Arc, Mutex, PoisonError};

use super::PoolError;
use crate::model::PoolId;
use crate::store::{PoolKeysPem, PoolStore};
use crate::tokens::{SigningKey, SigningKeyError, TokenIssuer};

#[derive(Debug, Default)]
pub(super) struct KeyRing {
    signers: Mutex<HashMap<PoolId, Arc<TokenIssuer>>>,
}

impl KeyRing {
    /// Uses `key` for both kinds of token in `pool`.
    pub fn install_single(&self, pool: &PoolId, key: SigningKey) {
        tracing::info!(pool = %pool, kid = %key.public_key().kid, "token signing key ready");
        let key = Arc::new(key);
        self.put(pool, Arc::new(TokenIssuer::new(Arc::clone(&key), key)));
    }

    /// Uses the stored `pems` for `pool`.
    pub fn install(&self, pool: &PoolId, pems: &PoolKeysPem) -> Result<Arc<TokenIssuer>, SigningKeyError> {
        let access = Arc::new(SigningKey::from_pem(&pems.access)?);
        let id = if pems.id == pems.access { Arc::clone(&access) } else { Arc::new(SigningKey::from_pem(&pems.id)?) };
        tracing::info!(pool = %pool, access = %access.public_key().kid, id = %id.public_key().kid, "token signing keys ready");
        Ok(self.put(pool, Arc::new(TokenIssuer::new(access, id))))
    }

    /// Keeps `signer` for `pool`, unless another was kept first (then that one is returned).
    fn put(&self, pool: &PoolId, signer: Arc<TokenIssuer>) -> Arc<TokenIssuer> {
        let mut signers = self.signers.lock().unwrap_or_else(PoisonError::into_inner);
        Arc::clone(signers.entry(pool.clone()).or_insert(signer))
    }

    /// Drops a deleted pool's signer.
    pub fn forget(&self, pool: &PoolId) {
        self.signers.lock().unwrap_or_else(PoisonError::into_inner).remove(pool);
    }

    fn cached(&self, pool: &PoolId) -> Option<Arc<TokenIssuer>> {
        self.signers.lock().unwrap_or_else(PoisonError::into_inner).get(pool).cloned()
    }

    /// The pool's signer: cached, else the store's keys, else new ones stored for every process
    /// (of racing processes, all end up with the keys the store kept).
    pub async fn signer(&self, store: &impl PoolStore, pool: &PoolId) -> Result<Arc<TokenIssuer>, PoolError> {
        if let Some(signer) = self.cached(pool) {
            return Ok(signer);
        }
        let pems = match store.pool_keys(pool).await? {
            Some(pems) => pems,
            None => {
                let candidate = tokio::task::spawn_blocking(|| {
                    Ok::<_, SigningKeyError>(PoolKeysPem {
                        access: SigningKey::generate()?.pem().to_owned(),
                        id: SigningKey::generate()?.pem().to_owned(),
                    })
                })
                .await
                .map_err(|e| PoolError::Internal(Box::new(e)))?
                .map_err(|e| PoolError::Internal(Box::new(e)))?;
                store.put_pool_keys(pool, candidate).await?
            }
        };
        self.install(pool, &pems).map_err(|e| PoolError::Internal(Box::new(e)))
    }
}
