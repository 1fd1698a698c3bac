//! prf+ (RFC 7296 §2.13):
//!
//! ```text
//! prf+ (K,S) = T1 | T2 | T3 | T4 | ...
//! T1 = prf (K, S | 0x01)
//! T2 = prf (K, T1 | S | 0x02)
//! T3 = prf (K, T2 | S | 0x03)
//! ```
//!
//! The counter is one octet, so prf+ yields at most 255 PRF outputs.

use super::provider::Prf;
use super::{CryptoError, Secret};

/// `len` octets of prf+(`key`, `seed[0] | seed[1] | ...`).
pub fn prf_plus(
    prf: &dyn Prf,
    key: &[u8],
    seed: &[&[u8]],
    len: usize,
) -> Result<Secret, CryptoError> {
    let block = prf.output_len();
    let max = block * 255;
    if len > max {
        return Err(CryptoError::InvalidLength {
            what: "prf+ output (at most 255 PRF blocks, RFC 7296 §2.13)".into(),
            expected: max,
            actual: len,
        });
    }
    let mut out = Vec::with_capacity(len + block);
    let mut previous = Secret::default();
    let mut counter: u8 = 1;
    while out.len() < len {
        let mut parts: Vec<&[u8]> = Vec::with_capacity(seed.len() + 2);
        parts.push(previous.as_bytes());
        parts.extend_from_slice(seed);
        let counter_octet = [counter];
        parts.push(&counter_octet);
        let t = prf.compute(key, &parts);
        out.extend_from_slice(t.as_bytes());
        previous = t;
        counter = counter.wrapping_add(1);
    }
    out.truncate(len);
    Ok(Secret::new(out))
}
