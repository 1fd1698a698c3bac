//! Known-answer tests: every vector is quoted from a named published source (the
//! source and section are cited above each one), never produced by this code.
//!
//! How the vectors were obtained here (no direct web access): from public copies of
//! the RFC text and of NIST's test files quoted in other projects, each value
//! cross-checked in at least two independent copies; the RFC 3526 primes are
//! additionally verified against the RFC's closed formula (`dh::rfc3526_*`).

mod cipher;
mod dh;
mod hmac;
mod kdf;
pub(crate) mod rfc7634;

/// Hex to octets; whitespace is ignored so vectors can be laid out as in the RFCs.
pub(crate) fn h(text: &str) -> Vec<u8> {
    let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
    super::from_hex(&compact).unwrap_or_else(|| panic!("bad hex in test vector: {text}"))
}

/// The one value all providers computed; panics naming the ones that differ.
pub(crate) fn agreed<T: PartialEq + core::fmt::Debug>(
    mut results: impl Iterator<Item = (&'static str, T)>,
) -> T {
    let (first_name, first) = results.next().expect("at least one provider");
    for (name, value) in results {
        assert_eq!(value, first, "{name} and {first_name} disagree");
    }
    first
}
