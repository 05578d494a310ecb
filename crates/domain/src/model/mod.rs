//! Value types. Each one is parsed once at the edge and is valid from then on.

pub mod email;
pub mod password;
pub mod token;
pub mod user;
