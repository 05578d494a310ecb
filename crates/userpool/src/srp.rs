//! Server side of Amazon Cognito's SRP-6a password login (`USER_SRP_AUTH`, answered by the
//! `PASSWORD_VERIFIER` challenge), computed exactly as the Cognito clients compute it:
//! `AuthenticationHelper` and `CognitoUser` of the npm package `amazon-cognito-identity-js`, and
//! pycognito's `aws_srp`.
//!
//! The flow, with the helpers that serve each step:
//!
//! 1. When a password is set: [`make_verifier`]; store [`Verifier::salt`] and
//!    [`Verifier::verifier`]. They depend on the pool name ([`pool_name`]) and on the
//!    `USER_ID_FOR_SRP` the server will later announce (Cognito's internal user name, not an alias
//!    the user may type), so a rename or a move to another pool needs a new verifier.
//! 2. `InitiateAuth` with `AuthParameters.SRP_A`: [`parse_a`] (refuse the login when it fails),
//!    [`server_ephemeral`], then answer `PASSWORD_VERIFIER` with `SALT` = [`salt_hex`],
//!    `SRP_B` = [`b_hex`], `SECRET_BLOCK` (opaque bytes of the server's choosing, base64),
//!    `USER_ID_FOR_SRP` and `USERNAME` (pycognito answers with, and computes `SECRET_HASH` over,
//!    the latter). The session key depends on neither the block nor the timestamp, so
//!    [`session_key`] can be derived now and kept (with the block) for step 3 instead of A and
//!    the ephemeral.
//! 3. `RespondToAuthChallenge`: check that `PASSWORD_CLAIM_SECRET_BLOCK` is the block sent in
//!    step 2 and that [`is_cognito_timestamp`] accepts `TIMESTAMP`, then [`claim_signature`]
//!    and [`signature_matches`] against `PASSWORD_CLAIM_SIGNATURE`.
//!
//! Every integer that enters a hash is encoded as the JS `padHex` does (minimal big-endian bytes,
//! plus a zero byte when the top bit is set), not with the fixed-width padding of RFC 5054:
//! clients hash exactly these bytes, so any other encoding makes every login fail.
//!
//! The modular exponentiations use `num-bigint`, which is not constant time: the timing of
//! [`server_ephemeral`] and [`session_key`] depends on the private `b` and on the verifier.

use std::fmt;
use std::sync::LazyLock;

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use hkdf::Hkdf;
use hmac::{Hmac, Mac};
use num_bigint::BigUint;
use rand::RngCore;
use rand::rngs::OsRng;
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;

/// RFC 3526 group 15 (3072-bit MODP), as `initN` in `AuthenticationHelper.js`.
const N_HEX: &str = concat!(
    "FFFFFFFFFFFFFFFFC90FDAA22168C234C4C6628B80DC1CD1",
    "29024E088A67CC74020BBEA63B139B22514A08798E3404DD",
    "EF9519B3CD3A431B302B0A6DF25F14374FE1356D6D51C245",
    "E485B576625E7EC6F44C42E9A637ED6B0BFF5CB6F406B7ED",
    "EE386BFB5A899FA5AE9F24117C4B1FE649286651ECE45B3D",
    "C2007CB8A163BF0598DA48361C55D39A69163FA8FD24CF5F",
    "83655D23DCA3AD961C62F356208552BB9ED529077096966D",
    "670C354E4ABC9804F1746C08CA18217C32905E462E36CE3B",
    "E39E772C180E86039B2783A2EC07A28FB5C55DF06F4C52C9",
    "DE2BCBF6955817183995497CEA956AE515D2261898FA0510",
    "15728E5A8AAAC42DAD33170D04507A33A85521ABDF1CBA64",
    "ECFB850458DBEF0A8AEA71575D060C7DB3970F85A6E1E4C7",
    "ABF5AE8CDB0933D71E8C94E04A25619DCEE3D2261AD2EE6B",
    "F12FFA06D98A0864D87602733EC86A64521F2B18177B200C",
    "BBE117577A615D6C770988C0BAD946E208E24FA074E5AB31",
    "43DB5BFCE0FD108E4B82D120A93AD2CAFFFFFFFFFFFFFFFF",
);

/// Bytes of N, the width of the verifier and of B as stored here.
const N_LEN: usize = 384;

/// Salt length Cognito's own helper uses (`generateHashDevice`: 16 random bytes).
const SALT_LEN: usize = 16;

/// 256 random bits: twice the ~128-bit security of group 15, as private exponents need.
const PRIVATE_B_LEN: usize = 32;

/// `infoBits` of `AuthenticationHelper`.
const HKDF_INFO: &[u8] = b"Caldera Derived Key";

/// A client's SRP_A is `BigInteger.toString(16)` of a value below N: at most 768 digits. The
/// bound keeps a hostile A from costing more than one ordinary multiplication.
const MAX_A_HEX_LEN: usize = 1024;

static N: LazyLock<BigUint> =
    LazyLock::new(|| BigUint::parse_bytes(N_HEX.as_bytes(), 16).expect("N_HEX is valid hexadecimal"));

static G: LazyLock<BigUint> = LazyLock::new(|| BigUint::from(2u8));

/// k = H(padHex(N) || padHex(g)), as the JS constructor computes it (not RFC 5054's H(N || PAD(g))).
static K: LazyLock<BigUint> = LazyLock::new(|| hash_to_int(&[&pad_bytes(&N), &pad_bytes(&G)]));

/// What the server stores for a password: the salt and v = g^x mod N, both big-endian.
#[derive(Clone, PartialEq, Eq)]
pub struct Verifier {
    /// Random bytes; the hashes use their value as an integer, so leading zero bytes don't count.
    pub salt: Vec<u8>,
    /// v, left-padded with zeros to the 384 bytes of N.
    pub verifier: Vec<u8>,
}

impl fmt::Debug for Verifier {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Verifier")
            .field("salt", &format_args!("<{} bytes>", self.salt.len()))
            .field("verifier", &format_args!("<{} bytes>", self.verifier.len()))
            .finish()
    }
}

/// The server's half of one login attempt, kept from `InitiateAuth` to `RespondToAuthChallenge`.
#[derive(Clone, PartialEq, Eq)]
pub struct ServerEphemeral {
    /// b, big-endian. Secret: with it and the verifier anyone can answer the challenge.
    pub private_b: Vec<u8>,
    /// B = (k·v + g^b) mod N, left-padded with zeros to the 384 bytes of N.
    pub public_b: Vec<u8>,
}

impl fmt::Debug for ServerEphemeral {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ServerEphemeral")
            .field("private_b", &format_args!("<redacted>"))
            .field("public_b", &format_args!("<{} bytes>", self.public_b.len()))
            .finish()
    }
}

/// The client's A, checked by [`parse_a`]: 0 < A < N.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PublicA(BigUint);

impl PublicA {
    /// A in lowercase hex without leading zeros, as the clients send it.
    pub fn to_hex(&self) -> String {
        self.0.to_str_radix(16)
    }
}

/// The pool name that goes into every hash: what the clients take as `UserPoolId.split('_')[1]`,
/// e.g. `"AbC123"` for `"us-east-1_AbC123"`. `None` when the id has no `_`.
pub fn pool_name(pool_id: &str) -> Option<&str> {
    pool_id.split('_').nth(1)
}

/// A verifier for `password` with a fresh random salt.
pub fn make_verifier(pool_name: &str, user_id_for_srp: &str, password: &str) -> Verifier {
    let mut salt = vec![0u8; SALT_LEN];
    OsRng.fill_bytes(&mut salt);
    make_verifier_with_salt(pool_name, user_id_for_srp, password, &salt)
}

/// A verifier for `password` with the given salt.
pub fn make_verifier_with_salt(pool_name: &str, user_id_for_srp: &str, password: &str, salt: &[u8]) -> Verifier {
    let x = private_x(pool_name, user_id_for_srp, password, &BigUint::from_bytes_be(salt));
    Verifier { salt: salt.to_vec(), verifier: to_fixed(&g_pow(&x)) }
}

/// `SALT` as sent in the challenge: the JS `padHex` of the salt's value (even length, a leading
/// `00` when the high bit is set, otherwise no leading zero bytes). pycognito hashes the SALT
/// string as it arrives, only fixing odd lengths and high bits; the JS client reparses it as an
/// integer. Both hash the same bytes only when no superfluous leading zeros are sent, which this
/// form guarantees.
pub fn salt_hex(verifier: &Verifier) -> String {
    pad_hex(&BigUint::from_bytes_be(&verifier.salt))
}

/// A fresh random b and B = (k·v + g^b) mod N for the stored `verifier`.
pub fn server_ephemeral(verifier: &[u8]) -> ServerEphemeral {
    let v = BigUint::from_bytes_be(verifier) % &*N;
    loop {
        let mut private_b = vec![0u8; PRIVATE_B_LEN];
        OsRng.fill_bytes(&mut private_b);
        if let Some(public_b) = public_b_for(&v, &BigUint::from_bytes_be(&private_b)) {
            return ServerEphemeral { private_b, public_b: to_fixed(&public_b) };
        }
    }
}

/// `SRP_B` as sent in the challenge: lowercase hex without leading zeros (what Java's
/// `BigInteger.toString(16)` gives). Both clients parse it as an integer, so the form only has to
/// be valid hex.
pub fn b_hex(ephemeral: &ServerEphemeral) -> String {
    BigUint::from_bytes_be(&ephemeral.public_b).to_str_radix(16)
}

/// Parses the client's `SRP_A` (hex, any case, any length parity). `None` when it is not hex, or
/// when A mod N == 0 (the SRP-6a safeguard: such an A fixes the session key whatever the
/// password), or when A >= N, which no client produces since A = g^a mod N.
pub fn parse_a(hex: &str) -> Option<PublicA> {
    if hex.is_empty() || hex.len() > MAX_A_HEX_LEN || !hex.bytes().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let a = BigUint::parse_bytes(hex.as_bytes(), 16)?;
    (a != BigUint::ZERO && a < *N).then_some(PublicA(a))
}

/// The key both sides derive for one log-in:
/// K = HKDF-SHA256(salt = padHex(u), ikm = padHex(S), info = "Caldera Derived Key"), 16 bytes,
/// S = (A·v^u)^b mod N and u = H(padHex(A) || padHex(B)). It depends on neither the secret block
/// nor the timestamp, so the server can derive it when it issues the challenge and keep only it.
///
/// `None` when the inputs are unusable: u == 0 (the client refuses it too), or a verifier, b or
/// B that is 0 mod N, which would make S guessable.
pub fn session_key(verifier: &[u8], ephemeral: &ServerEphemeral, a: &PublicA) -> Option<[u8; 16]> {
    let n = &*N;
    let v = BigUint::from_bytes_be(verifier) % n;
    let b = BigUint::from_bytes_be(&ephemeral.private_b);
    let public_b = BigUint::from_bytes_be(&ephemeral.public_b) % n;
    if v == BigUint::ZERO || b == BigUint::ZERO || public_b == BigUint::ZERO {
        return None;
    }
    let u = hash_to_int(&[&pad_bytes(&a.0), &pad_bytes(&public_b)]);
    if u == BigUint::ZERO {
        return None;
    }
    let s = (&a.0 * v.modpow(&u, n) % n).modpow(&b, n);
    let mut key = [0u8; 16];
    Hkdf::<Sha256>::new(Some(&pad_bytes(&u)), &pad_bytes(&s)).expand(HKDF_INFO, &mut key).ok()?;
    Some(key)
}

/// The `PASSWORD_CLAIM_SIGNATURE` a client that knows the password sends with `key`
/// ([`session_key`]): HMAC-SHA256(K, poolName || userIdForSrp || secretBlock || timestamp).
///
/// `secret_block` is the server's own copy of the bytes it sent base64-encoded as `SECRET_BLOCK`
/// (the clients sign its base64 decoding).
pub fn claim_signature(
    key: &[u8; 16],
    pool_name: &str,
    user_id_for_srp: &str,
    secret_block: &[u8],
    timestamp: &str,
) -> [u8; 32] {
    let mut mac = Hmac::<Sha256>::new_from_slice(key).expect("HMAC takes keys of any length");
    mac.update(pool_name.as_bytes());
    mac.update(user_id_for_srp.as_bytes());
    mac.update(secret_block);
    mac.update(timestamp.as_bytes());
    mac.finalize().into_bytes().into()
}

/// [`session_key`] and [`claim_signature`] in one (the tests' view of a whole answer).
#[cfg(test)]
pub fn expected_signature(
    pool_name: &str,
    user_id_for_srp: &str,
    verifier: &[u8],
    ephemeral: &ServerEphemeral,
    a: &PublicA,
    secret_block: &[u8],
    timestamp: &str,
) -> Option<[u8; 32]> {
    let key = session_key(verifier, ephemeral, a)?;
    Some(claim_signature(&key, pool_name, user_id_for_srp, secret_block, timestamp))
}

/// Whether the client's base64 `PASSWORD_CLAIM_SIGNATURE` is `expected`, compared in constant
/// time. False when the claim is not standard padded base64 of 32 bytes.
pub fn signature_matches(expected: &[u8; 32], claim_base64: &str) -> bool {
    match BASE64.decode(claim_base64) {
        Ok(claim) if claim.len() == expected.len() => expected.ct_eq(claim.as_slice()).into(),
        _ => false,
    }
}

/// Whether `s` is a `TIMESTAMP` as the clients write it: JS `getNowString`,
/// `"ddd MMM D HH:mm:ss UTC YYYY"` with English names, the day of the month not zero-padded,
/// e.g. `"Thu Dec 3 14:08:27 UTC 2026"`, naming a real date whose weekday is right.
///
/// Cognito answers `TIMESTAMP format should be EEE MMM d HH:mm:ss z yyyy in english.` to text it
/// cannot parse, and a zero-padded day has been seen to fail there as a wrong password (it
/// appears to sign its own rendering of the date), so other forms cannot log in there either.
pub fn is_cognito_timestamp(s: &str) -> bool {
    const WEEKDAYS: [&str; 7] = ["Sun", "Mon", "Tue", "Wed", "Thu", "Fri", "Sat"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];

    let parts: Vec<&str> = s.split(' ').collect();
    let [weekday, month, day, time, zone, year] = parts.as_slice() else {
        return false;
    };
    let (Some(weekday), Some(month)) =
        (WEEKDAYS.iter().position(|w| w == weekday), MONTHS.iter().position(|m| m == month))
    else {
        return false;
    };
    let Some(day) = decimal(day, 1, 2).filter(|_| !day.starts_with('0')) else {
        return false;
    };
    let Some(year) = decimal(year, 4, 4).filter(|_| !year.starts_with('0')) else {
        return false;
    };
    let time = time.as_bytes();
    if time.len() != 8 || time[2] != b':' || time[5] != b':' || *zone != "UTC" {
        return false;
    }
    let field = |at: usize| std::str::from_utf8(&time[at..at + 2]).ok().and_then(|t| decimal(t, 2, 2));
    let (Some(hours), Some(minutes), Some(seconds)) = (field(0), field(3), field(6)) else {
        return false;
    };
    if hours > 23 || minutes > 59 || seconds > 59 {
        return false;
    }

    let month = month as u32 + 1;
    let leap = year.is_multiple_of(4) && (!year.is_multiple_of(100) || year.is_multiple_of(400));
    let month_days = match month {
        2 if leap => 29,
        2 => 28,
        4 | 6 | 9 | 11 => 30,
        _ => 31,
    };
    (1..=month_days).contains(&day) && weekday_of(year, month, day) == weekday
}

/// The value of `digits` when it is `min..=max` ASCII digits.
fn decimal(digits: &str, min: usize, max: usize) -> Option<u32> {
    ((min..=max).contains(&digits.len()) && digits.bytes().all(|c| c.is_ascii_digit()))
        .then(|| digits.parse().ok())
        .flatten()
}

/// Day of the week, 0 = Sunday, of a proleptic Gregorian date (days-from-civil arithmetic).
fn weekday_of(year: u32, month: u32, day: u32) -> usize {
    let year = i64::from(year) - i64::from(month <= 2);
    let era = year.div_euclid(400);
    let year_of_era = year - era * 400;
    let shifted_month = (i64::from(month) + 9) % 12;
    let day_of_year = (153 * shifted_month + 2) / 5 + i64::from(day) - 1;
    let day_of_era = year_of_era * 365 + year_of_era / 4 - year_of_era / 100 + day_of_year;
    let days_since_epoch = era * 146_097 + day_of_era - 719_468;
    // 1970-01-01 was a Thursday.
    (days_since_epoch + 4).rem_euclid(7) as usize
}

/// x = H(padHex(salt) || H(poolName || userIdForSrp || ":" || password)), strings as UTF-8.
fn private_x(pool_name: &str, user_id_for_srp: &str, password: &str, salt: &BigUint) -> BigUint {
    let identity = Sha256::new()
        .chain_update(pool_name)
        .chain_update(user_id_for_srp)
        .chain_update(":")
        .chain_update(password)
        .finalize();
    hash_to_int(&[&pad_bytes(salt), &identity])
}

/// B = (k·v + g^b) mod N, or `None` when b or B is 0 (the client refuses B ≡ 0).
fn public_b_for(v: &BigUint, b: &BigUint) -> Option<BigUint> {
    if *b == BigUint::ZERO {
        return None;
    }
    let public_b = (&*K * v + g_pow(b)) % &*N;
    (public_b != BigUint::ZERO).then_some(public_b)
}

/// Bytes of the exponents raised to by [`g_pow`]'s table: x (a SHA-256) and b.
const EXPONENT_BYTES: usize = 32;

/// `g^(j · 256^i) mod N` at `i · 256 + j`, for every byte `j` of an exponent of
/// [`EXPONENT_BYTES`]: 8192 values (3 MiB), made once, on first use (~8 000 multiplications).
static G_POWERS: LazyLock<Vec<BigUint>> = LazyLock::new(|| {
    let mut table = Vec::with_capacity(EXPONENT_BYTES * 256);
    let mut base = G.clone();
    for _ in 0..EXPONENT_BYTES {
        let mut power = BigUint::from(1u8);
        for _ in 0..256 {
            table.push(power.clone());
            power = power * &base % &*N;
        }
        // `base^256`: the next byte's base.
        base = power;
    }
    table
});

/// `g^e mod N` with the fixed-base table: one multiplication per non-zero byte of `e` instead
/// of an exponentiation (every password set and every challenge raises g to a 256-bit power).
fn g_pow(e: &BigUint) -> BigUint {
    let bytes = e.to_bytes_le();
    if bytes.len() > EXPONENT_BYTES {
        return G.modpow(e, &N);
    }
    let table = &*G_POWERS;
    bytes
        .iter()
        .enumerate()
        .filter(|(_, byte)| **byte != 0)
        .fold(BigUint::from(1u8), |acc, (i, byte)| acc * &table[i * 256 + usize::from(*byte)] % &*N)
}

/// SHA-256 of the concatenated parts, read as a big-endian integer.
fn hash_to_int(parts: &[&[u8]]) -> BigUint {
    let mut hasher = Sha256::new();
    for part in parts {
        hasher.update(part);
    }
    BigUint::from_bytes_be(&hasher.finalize())
}

/// The bytes of the JS `padHex` of a non-negative integer: its minimal big-endian bytes (one zero
/// byte for 0), with a zero byte in front when the top bit is set, as Java's
/// `BigInteger.toByteArray()` does.
fn pad_bytes(x: &BigUint) -> Vec<u8> {
    let bytes = x.to_bytes_be();
    if bytes[0] & 0x80 != 0 {
        let mut padded = Vec::with_capacity(bytes.len() + 1);
        padded.push(0);
        padded.extend_from_slice(&bytes);
        padded
    } else {
        bytes
    }
}

/// The JS `padHex` itself, lowercase.
fn pad_hex(x: &BigUint) -> String {
    hex_of(&pad_bytes(x))
}

fn hex_of(bytes: &[u8]) -> String {
    use std::fmt::Write as _;
    bytes.iter().fold(String::with_capacity(bytes.len() * 2), |mut out, b| {
        let _ = write!(out, "{b:02x}");
        out
    })
}

/// Big-endian, left-padded with zeros to the width of N (`x` must be below N).
fn to_fixed(x: &BigUint) -> Vec<u8> {
    let bytes = x.to_bytes_be();
    let mut out = vec![0u8; N_LEN.saturating_sub(bytes.len())];
    out.extend_from_slice(&bytes);
    out
}

/// The client's side, written from AuthenticationHelper.js (with B - k·g^x kept non-negative),
/// for tests that play a client — one that may type a wrong password — without node.
#[cfg(test)]
pub(crate) mod test_client {
    use super::*;

    /// A client's random `a`.
    pub(crate) fn small_a() -> BigUint {
        let mut bytes = [0u8; 32];
        OsRng.fill_bytes(&mut bytes);
        BigUint::from_bytes_be(&bytes)
    }

    /// `SRP_A` for `small_a`, as the client sends it.
    pub(crate) fn public_a_hex(small_a: &BigUint) -> String {
        G.modpow(small_a, &N).to_str_radix(16)
    }

    /// `PASSWORD_CLAIM_SIGNATURE` (base64) for the challenge's `(SALT, SRP_B)`.
    pub(crate) fn signature(
        pool: &str,
        user_id_for_srp: &str,
        password: &str,
        small_a: &BigUint,
        challenge: (&str, &str),
        secret_block: &[u8],
        timestamp: &str,
    ) -> String {
        let (salt_hex, b_hex) = challenge;
        let big = |hex: &str| BigUint::parse_bytes(hex.as_bytes(), 16).expect("hex");
        let n = &*N;
        let public_a = G.modpow(small_a, n);
        let public_b = big(b_hex);
        let u = hash_to_int(&[&pad_bytes(&public_a), &pad_bytes(&public_b)]);
        let x = private_x(pool, user_id_for_srp, password, &big(salt_hex));
        let k_gx = &*K * G.modpow(&x, n) % n;
        let base = (public_b + n - k_gx) % n;
        let s = base.modpow(&(small_a + &u * &x), n);
        let mut key = [0u8; 16];
        Hkdf::<Sha256>::new(Some(&pad_bytes(&u)), &pad_bytes(&s)).expand(HKDF_INFO, &mut key).expect("16 bytes");
        let mut mac = Hmac::<Sha256>::new_from_slice(&key).expect("any key length");
        for part in [pool.as_bytes(), user_id_for_srp.as_bytes(), secret_block, timestamp.as_bytes()] {
            mac.update(part);
        }
        BASE64.encode(mac.finalize().into_bytes())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn big(hex: &str) -> BigUint {
        BigUint::parse_bytes(hex.as_bytes(), 16).unwrap()
    }

    #[test]
    fn pad_hex_follows_the_js_helper() {
        // The positive examples of the padHex doc comment in AuthenticationHelper.js, and more.
        for (value, padded) in [
            ("0", "00"),
            ("14", "14"),
            ("38", "38"),
            ("ec", "00ec"),
            ("c8", "00c8"),
            ("80", "0080"),
            ("7f", "7f"),
            ("abc", "0abc"),
            ("8bc", "08bc"),
            ("1234", "1234"),
            ("ff00", "00ff00"),
        ] {
            assert_eq!(pad_hex(&big(value)), padded, "padHex({value})");
        }
        let n = pad_hex(&N);
        assert_eq!(n.len(), 2 + N_LEN * 2);
        assert!(n.starts_with("00ffffffffffffffffc90f"));
    }

    #[test]
    fn the_fixed_base_table_raises_g_as_modpow_does() {
        let exponents = [
            BigUint::ZERO,
            BigUint::from(1u8),
            BigUint::from(255u8),
            BigUint::from(256u16),
            (BigUint::from(1u8) << 256u32) - 1u8,
            big("a509f73a1d282573bbbfa5661d8eacfc0f54b8da403f401b1e587203d53ffde5"),
            BigUint::from(1u8) << 300u32,
        ];
        for e in exponents {
            assert_eq!(g_pow(&e), G.modpow(&e, &N), "g^{e:x}");
        }
    }

    #[test]
    fn k_is_the_value_the_js_helper_computes() {
        // `new AuthenticationHelper(..).k.toString(16)` in amazon-cognito-identity-js 6.3.21,
        // printed by `node js/client.js --k`.
        assert_eq!(K.to_str_radix(16), "538282c4354742d7cbbde2359fcf67f9f5b3a6b08791e5011b43b8a5b66d9ee6");
    }

    #[test]
    fn pool_name_is_the_part_after_the_underscore() {
        assert_eq!(pool_name("us-east-1_AbC123"), Some("AbC123"));
        assert_eq!(pool_name("nounderscore"), None);
    }

    #[test]
    fn parse_a_refuses_zero_modulo_n_and_non_hex() {
        assert_eq!(parse_a(""), None);
        assert_eq!(parse_a("0"), None);
        assert_eq!(parse_a("0000"), None);
        assert_eq!(parse_a(N_HEX), None);
        assert_eq!(parse_a(&(&*N * 2u8).to_str_radix(16)), None);
        assert_eq!(parse_a(&(&*N + 1u8).to_str_radix(16)), None);
        assert_eq!(parse_a("12_34"), None);
        assert_eq!(parse_a("+1234"), None);
        assert_eq!(parse_a("xyz"), None);
        assert_eq!(parse_a(&"1".repeat(MAX_A_HEX_LEN + 1)), None);

        assert_eq!(parse_a("abc").unwrap().to_hex(), "abc");
        assert_eq!(parse_a("00ABC").unwrap().to_hex(), "abc");
        let below_n = (&*N - 1u8).to_str_radix(16);
        assert_eq!(parse_a(&below_n).unwrap().to_hex(), below_n);
    }

    #[test]
    fn ephemeral_is_fresh_and_b_valid() {
        let v = make_verifier("Pool", "user", "password");
        assert_eq!(v.salt.len(), SALT_LEN);
        assert_eq!(v.verifier.len(), N_LEN);
        let one = server_ephemeral(&v.verifier);
        let two = server_ephemeral(&v.verifier);
        assert_ne!(one.private_b, two.private_b);
        assert_eq!(one.public_b.len(), N_LEN);
        let public_b = BigUint::from_bytes_be(&one.public_b);
        assert!(public_b != BigUint::ZERO && public_b < *N);
        assert_eq!(big(&b_hex(&one)), public_b);
    }

    #[test]
    fn debug_redacts_secrets() {
        let v = make_verifier("Pool", "user", "password");
        let e = server_ephemeral(&v.verifier);
        let shown = format!("{v:?} {e:?}");
        assert!(!shown.contains(&hex_of(&v.salt)), "{shown}");
        assert!(!shown.contains(&hex_of(&v.verifier[N_LEN - 8..])), "{shown}");
        assert!(!shown.contains(&hex_of(&e.private_b)), "{shown}");
    }

    #[test]
    fn salt_hex_is_canonical() {
        let with = |salt: &[u8]| salt_hex(&make_verifier_with_salt("P", "u", "p", salt));
        assert_eq!(with(&[0, 0, 0x12, 0x34]), "1234");
        assert_eq!(with(&[0, 0x9a, 0x34]), "009a34");
        assert_eq!(with(&[0x0a, 0xbc]), "0abc");
        assert_eq!(with(&[0; 4]), "00");
        // Leading zero bytes don't change the verifier: the clients never see them.
        assert_eq!(
            make_verifier_with_salt("P", "u", "p", &[0, 0x12]).verifier,
            make_verifier_with_salt("P", "u", "p", &[0x12]).verifier
        );
    }

    #[test]
    fn signature_matches_checks_base64_and_length() {
        let expected = [7u8; 32];
        assert!(signature_matches(&expected, &BASE64.encode(expected)));
        assert!(!signature_matches(&expected, &BASE64.encode([8u8; 32])));
        assert!(!signature_matches(&expected, &BASE64.encode([7u8; 31])));
        assert!(!signature_matches(&expected, &BASE64.encode([7u8; 33])));
        assert!(!signature_matches(&expected, "not base64!"));
        assert!(!signature_matches(&expected, ""));
    }

    #[test]
    fn timestamps_in_the_js_format_only() {
        for good in [
            "Thu Dec 3 14:08:27 UTC 2026",
            "Thu Jan 1 00:00:00 UTC 1970",
            "Tue Feb 29 23:59:59 UTC 2028",
            "Tue Feb 29 12:00:00 UTC 2000",
            "Sat Dec 31 09:05:01 UTC 2033",
            "Mon Oct 16 10:00:00 UTC 2023",
        ] {
            assert!(is_cognito_timestamp(good), "{good}");
        }
        for bad in [
            "",
            "Thu Dec 03 14:08:27 UTC 2026", // zero-padded day
            "Tue Dec 3 14:08:27 UTC 2026",  // wrong weekday
            "Thu Dec  3 14:08:27 UTC 2026", // C asctime padding
            "Thu Dec 3 14:08:27 UTC 2026 ", // trailing space
            "Thu Dec 3 14:08:27 GMT 2026",  // other zone name
            "Thu Dec 3 14:8:27 UTC 2026",   // unpadded minutes
            "Thu Dec 3 24:08:27 UTC 2026",  // hour 24
            "Thu Dec 3 14:08:60 UTC 2026",  // leap second (JS never writes one)
            "thu dec 3 14:08:27 UTC 2026",  // case
            "Thursday Dec 3 14:08:27 UTC 2026",
            "Fri Feb 29 00:00:00 UTC 2030", // no such date
            "Mon Feb 29 00:00:00 UTC 1900", // 1900 was not a leap year
            "Thu Dec 3 14:08:27 UTC 26",    // short year
            "Thu Dec 3 14:08:27 UTC +2026",
            "Thu Dec +3 14:08:27 UTC 2026",
            "Thu Dec 3 14:08:27 +0000 2026",
        ] {
            assert!(!is_cognito_timestamp(bad), "{bad}");
        }
    }

    use super::test_client::signature as rust_client_signature;

    fn hex_bytes(hex: &str) -> Vec<u8> {
        (0..hex.len()).step_by(2).map(|i| u8::from_str_radix(&hex[i..i + 2], 16).unwrap()).collect()
    }

    // A known answer produced by both unmodified clients, amazon-cognito-identity-js 6.3.21
    // (`js/client.js`) and pycognito 2024.5.1 (`py/client.py`), run with
    // SRP_FIXED_SMALL_A = KAT_SMALL_A and SRP_FIXED_TIMESTAMP = KAT_TIMESTAMP for pool id
    // `eu-west-1_Kat0Pool` and password KAT_PASSWORD, answering the challenge this module derives
    // from KAT_SALT and KAT_B. The live clients run against the server in the SDK suites and
    // the browser test.
    const KAT_POOL_ID: &str = "eu-west-1_Kat0Pool";
    const KAT_USER_ID: &str = "kat.user@example.com";
    const KAT_PASSWORD: &str = "Pässwörd-ü€𝄞 1";
    /// Two leading zero bytes: SALT drops one of them, keeping the `00` that the high bit needs.
    const KAT_SALT: &str = "00009f95226cd661260ef7ecd7ed8274";
    const KAT_B: &str = "a509f73a1d282573bbbfa5661d8eacfc0f54b8da403f401b1e587203d53ffde5";
    const KAT_SMALL_A: &str = concat!(
        "af4890d34be036f3ec2a2811244e5a82b4ff013ed91afe7c4df26532c0b8f699ae73a80de12465ce954a2e14",
        "989402dc15b56d09c0c8ad70e2b979a8f5bd180fa16de47b4385e0921c35c74a14029433077108856b946696",
        "dd5097595cf15b4ed41d0a6d311bb69aaf6d2c474344b228304575c507a8eb6f6458f4a141dd48cf",
    );
    const KAT_A: &str = concat!(
        "c7b7752ca4d7ff5a459fd755acfcbee7fd793b470a6e221abcecb17841a0f77faf47bb5b21a8a6153b0019c8079503a7",
        "94954e26a735af804e0971d8295ec1c165a5a24ee86447f4beb7977addaef2407869dc787969fe6f87fe504aba042f31",
        "1373bce4021075315ab647b8078b858428cb3702811f40a2ffed0796bbb97dcf102c3d5d53a90f8356f7bf9d36ad32fd",
        "b8eaa13f49aa5b08625bd6dc57dc3758341adccec73a54637e05c96014f17b92a67bb4d6e040db396a08106e70b133f9",
        "faeadfbbef555718b8717aa525528447c4fa222d116bcda845565b98e2601d61465207ba474d870b94e17756bc5b85f5",
        "79733f319751991f8a521c587a2115f15741cfd3d7fdf395aeb8e634d6aa477b13e1563b2d0b10fcca498fdd19ecc61f",
        "2d83d8327ade9ec03ebaea26f5a8472f3dcea4f745b935f8344d49743fda7238be889220d527f007621ed734cb655f7f",
        "7959f4ba051bc3f6ecd57e590573a3f2cd18e36ceae4f9f2c9ea1cbb2304a74bbf58421f8473a4df72296f2ed30f15cb",
    );
    const KAT_TIMESTAMP: &str = "Thu Dec 3 14:08:27 UTC 2026";
    const KAT_SIGNATURE: &str = "uFAnBEcYvTkQP93WtyRTXOBSgHXk3uZGFFpawASNnN4=";

    fn kat_secret_block() -> Vec<u8> {
        (0u8..64).collect()
    }

    fn kat_verifier(password: &str) -> Verifier {
        make_verifier_with_salt("Kat0Pool", KAT_USER_ID, password, &hex_bytes(KAT_SALT))
    }

    fn kat_ephemeral(verifier: &Verifier) -> ServerEphemeral {
        let b = big(KAT_B);
        let v = BigUint::from_bytes_be(&verifier.verifier);
        ServerEphemeral { private_b: b.to_bytes_be(), public_b: to_fixed(&public_b_for(&v, &b).unwrap()) }
    }

    #[test]
    fn known_answer_from_the_js_and_python_clients() {
        assert_eq!(pool_name(KAT_POOL_ID), Some("Kat0Pool"));
        let verifier = kat_verifier(KAT_PASSWORD);
        assert_eq!(salt_hex(&verifier), "009f95226cd661260ef7ecd7ed8274");
        let ephemeral = kat_ephemeral(&verifier);
        let a = parse_a(KAT_A).unwrap();
        assert_eq!(G.modpow(&big(KAT_SMALL_A), &N), a.0);
        let block = kat_secret_block();
        let signature = |pool: &str, user: &str, block: &[u8], timestamp: &str| {
            expected_signature(pool, user, &verifier.verifier, &ephemeral, &a, block, timestamp).unwrap()
        };

        assert!(signature_matches(&signature("Kat0Pool", KAT_USER_ID, &block, KAT_TIMESTAMP), KAT_SIGNATURE));
        assert!(!signature_matches(
            &signature("Kat0Pool", KAT_USER_ID, &block, "Thu Dec 3 14:08:28 UTC 2026"),
            KAT_SIGNATURE
        ));
        assert!(!signature_matches(&signature("Kat0Pool", KAT_USER_ID, &block[1..], KAT_TIMESTAMP), KAT_SIGNATURE));
        assert!(!signature_matches(
            &signature("Kat0Pool", "Kat.User@example.com", &block, KAT_TIMESTAMP),
            KAT_SIGNATURE
        ));
        assert!(!signature_matches(&signature("Kat1Pool", KAT_USER_ID, &block, KAT_TIMESTAMP), KAT_SIGNATURE));

        // `rust_client_signature` agrees with the real clients.
        let client = rust_client_signature(
            "Kat0Pool",
            KAT_USER_ID,
            KAT_PASSWORD,
            &big(KAT_SMALL_A),
            (&salt_hex(&verifier), &b_hex(&ephemeral)),
            &block,
            KAT_TIMESTAMP,
        );
        assert_eq!(client, KAT_SIGNATURE);
    }

    #[test]
    fn wrong_password_does_not_match() {
        let pool = "AbC123";
        let user = "someone@example.com";
        let verifier = make_verifier(pool, user, "the right password");
        let small_a = big(KAT_SMALL_A);
        let a = parse_a(&G.modpow(&small_a, &N).to_str_radix(16)).unwrap();
        let block = b"secret block";
        let timestamp = "Thu Dec 3 14:08:27 UTC 2026";
        for (password, should_match) in
            [("the right password", true), ("the right password ", false), ("The right password", false), ("", false)]
        {
            let ephemeral = server_ephemeral(&verifier.verifier);
            let claim = rust_client_signature(
                pool,
                user,
                password,
                &small_a,
                (&salt_hex(&verifier), &b_hex(&ephemeral)),
                block,
                timestamp,
            );
            let expected =
                expected_signature(pool, user, &verifier.verifier, &ephemeral, &a, block, timestamp).unwrap();
            assert_eq!(signature_matches(&expected, &claim), should_match, "{password:?}");
        }
    }

    #[test]
    fn degenerate_server_values_are_refused() {
        let verifier = kat_verifier(KAT_PASSWORD);
        let ephemeral = kat_ephemeral(&verifier);
        let a = parse_a(KAT_A).unwrap();
        let check = |v: &[u8], e: &ServerEphemeral| expected_signature("P", "u", v, e, &a, b"", KAT_TIMESTAMP);
        assert!(check(&verifier.verifier, &ephemeral).is_some());
        assert!(check(&[], &ephemeral).is_none());
        assert!(check(&to_fixed(&N.clone()), &ephemeral).is_none());
        let zero_b = ServerEphemeral { private_b: vec![0; 32], ..ephemeral.clone() };
        assert!(check(&verifier.verifier, &zero_b).is_none());
        let zero_public_b = ServerEphemeral { public_b: vec![], ..ephemeral };
        assert!(check(&verifier.verifier, &zero_public_b).is_none());
    }
}
