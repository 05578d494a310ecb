//! What the user pools hold, as Cognito names it: pools, app clients, users, challenge sessions,
//! refresh tokens and their identifiers. Plain data: the rules live in [`crate::engine`].

pub mod client;
pub mod ids;
pub mod message;
pub mod pool;
pub mod user;

pub use client::{AppClient, ExplicitAuthFlow, TimeUnit, Validity};
pub use ids::{ClientId, InvalidId, PoolId, generate_client_secret};
pub use message::{DeliveryMedium, Message, MessageKind};
pub use pool::{Pool, UsernameAttribute};
pub use user::{
    ChallengeName, CodePurpose, PendingCode, PoolUser, StoredRefreshToken, StoredSession, TakenSession, UserStatus,
};
