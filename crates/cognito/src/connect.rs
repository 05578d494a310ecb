//! Setting the adapter up: the SDK client (explicit region, endpoint, timeouts, retries), the
//! pool's password policy from `DescribeUserPool`, where its keys are and who issues its tokens.

use std::sync::Arc;

use aws_config::meta::region::RegionProviderChain;
use aws_config::retry::RetryConfig;
use aws_config::timeout::TimeoutConfig;
use aws_config::{BehaviorVersion, ConfigLoader, Region};
use aws_sdk_cognitoidentityprovider::{Client, config};

use crate::challenge_owners::ChallengeOwners;
use crate::error::AwsError;
use crate::jwks::{self, JwksSource};
use crate::policy;
use crate::provider::{CognitoIdentityProvider, Inner};
use crate::readiness::Readiness;
use crate::settings::{CognitoSettings, CognitoSetupError};

impl CognitoIdentityProvider {
    /// Builds the SDK client (explicit region, optional endpoint, operation/attempt/connect
    /// timeouts, standard retries) and reads the pool's password policy with
    /// `DescribeUserPool`, so a wrong pool, region or credential fails start-up.
    pub async fn connect(settings: CognitoSettings) -> Result<Self, CognitoSetupError> {
        Self::connect_with(settings, |loader| loader, |client| client).await
    }

    /// [`Self::connect`], with hooks on the AWS configuration before it is loaded (e.g. a
    /// credentials provider or an HTTP client: emulator tests use `|loader|
    /// loader.test_credentials()`) and on the Cognito client's configuration (e.g. an
    /// interceptor). Settings win over what the hooks set for region, endpoint, timeouts and
    /// retries.
    pub async fn connect_with(
        settings: CognitoSettings,
        customize: impl FnOnce(ConfigLoader) -> ConfigLoader,
        customize_client: impl FnOnce(config::Builder) -> config::Builder,
    ) -> Result<Self, CognitoSetupError> {
        settings.validate()?;
        let timeouts = TimeoutConfig::builder()
            .operation_timeout(settings.operation_timeout)
            .operation_attempt_timeout(settings.attempt_timeout)
            .connect_timeout(settings.connect_timeout.min(settings.attempt_timeout))
            .build();
        // A pool lives in the region its id names: prefer that to the environment's guess
        // (which may end in a slow instance-metadata lookup).
        let region = RegionProviderChain::first_try(settings.region.clone().map(Region::new))
            .or_else(settings.pool_region().map(|r| Region::new(r.to_owned())))
            .or_default_provider();
        let mut loader = customize(aws_config::defaults(BehaviorVersion::latest()))
            .region(region)
            .timeout_config(timeouts)
            .retry_config(RetryConfig::standard().with_max_attempts(settings.max_attempts));
        if let Some(endpoint) = &settings.endpoint_url {
            loader = loader.endpoint_url(endpoint);
        }
        let sdk_config = loader.load().await;
        let region = sdk_config.region().ok_or(CognitoSetupError::NoRegion)?.to_string();
        if settings.pool_region().is_some_and(|pool_region| pool_region != region) {
            tracing::warn!(%region, user_pool_id = %settings.user_pool_id, "the region differs from the pool id's prefix");
        }
        // `endpoint_url()` also reflects AWS_ENDPOINT_URL, which aws-config reads itself.
        let endpoint = sdk_config.endpoint_url().map(str::to_owned);
        let client = Client::from_conf(customize_client(config::Builder::from(&sdk_config)).build());

        let described =
            client.describe_user_pool().user_pool_id(&settings.user_pool_id).send().await.map_err(|err| {
                CognitoSetupError::DescribeUserPool {
                    user_pool_id: settings.user_pool_id.clone(),
                    source: Box::new(AwsError::from_sdk("DescribeUserPool", err)),
                }
            })?;
        let pool_policy = described.user_pool().and_then(|p| p.policies()).and_then(|p| p.password_policy());
        if pool_policy.is_none() {
            tracing::warn!("DescribeUserPool returned no password policy; using Cognito's default policy");
        }
        let policy = policy::from_pool(pool_policy);

        let http = reqwest::Client::builder()
            .timeout(settings.operation_timeout)
            .connect_timeout(settings.connect_timeout)
            .user_agent(concat!("authport-cognito/", env!("CARGO_PKG_VERSION")))
            .build()
            .map_err(CognitoSetupError::HttpClient)?;
        let jwks_url = settings
            .jwks_url
            .clone()
            .unwrap_or_else(|| jwks::default_url(endpoint.as_deref(), &region, &settings.user_pool_id));

        // Cognito's issuer is always the AWS address, also behind a custom endpoint (moto does the same).
        let issuer = settings
            .issuer
            .clone()
            .unwrap_or_else(|| format!("https://cognito-idp.{region}.amazonaws.com/{}", settings.user_pool_id));
        tracing::info!(
            user_pool_id = %settings.user_pool_id,
            %region,
            %issuer,
            endpoint = endpoint.as_deref().unwrap_or("AWS"),
            jwks_url = %jwks_url,
            client_secret = settings.client_secret.is_some(),
            ?policy,
            "Cognito user pool ready; its password policy is the domain policy"
        );
        Ok(Self {
            inner: Arc::new(Inner {
                client,
                user_pool_id: settings.user_pool_id,
                client_id: settings.client_id,
                client_secret: settings.client_secret,
                policy,
                jwks: JwksSource::new(http, jwks_url),
                challenges: ChallengeOwners::default(),
                issuer,
                readiness: Readiness::answered_now(settings.readiness_reuse),
            }),
        })
    }

    /// Where the signing keys are fetched from.
    pub fn jwks_url(&self) -> &str {
        self.inner.jwks.url()
    }
}
