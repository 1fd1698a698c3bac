//! Algorithm keywords in strongSwan's proposal syntax (`aes256gcm16`, `prfsha256`,
//! `x25519`, ...), for the algorithms IKElab implements, plus the names strongSwan
//! knows for algorithms IKElab does not implement (so they can be rejected with a
//! clear message, and printed when they appear in charon's `default` proposals).
//!
//! Learned from strongSwan's `proposal_keywords_static.txt` (5.9.8); this is our own
//! table of the subset we need, not a copy of it.

use crate::wire::iana::{DhId, EncrId, EsnId, IntegId, PrfId, TransformType};

use super::Algorithm;

/// What a keyword stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Keyword {
    /// An algorithm IKElab implements.
    Supported(Algorithm),
    /// `none`/`modpnone`: no key exchange (no PFS for ESP; dropped from IKE).
    KeyExchangeNone,
    /// A strongSwan keyword for an algorithm IKElab does not implement.
    Unsupported(Algorithm),
    /// A strongSwan keyword IKElab neither implements nor can name as a transform.
    UnsupportedOther(&'static str),
}

const fn encr(id: EncrId, bits: Option<u16>) -> Algorithm {
    Algorithm {
        kind: TransformType::ENCR,
        id: id.0,
        key_bits: bits,
    }
}

const fn integ(id: IntegId) -> Algorithm {
    Algorithm {
        kind: TransformType::INTEG,
        id: id.0,
        key_bits: None,
    }
}

const fn prf(id: PrfId) -> Algorithm {
    Algorithm {
        kind: TransformType::PRF,
        id: id.0,
        key_bits: None,
    }
}

const fn dh(id: DhId) -> Algorithm {
    Algorithm {
        kind: TransformType::DH,
        id: id.0,
        key_bits: None,
    }
}

const fn esn(id: EsnId) -> Algorithm {
    Algorithm {
        kind: TransformType::ESN,
        id: id.0,
        key_bits: None,
    }
}

/// Fixed-name keywords: (keyword, meaning). The first keyword listed for an
/// algorithm is the one `keyword_for` prints.
const FIXED: &[(&str, Keyword)] = &[
    // Integrity (RFC 2404, RFC 4868).
    (
        "sha256",
        Keyword::Supported(integ(IntegId::HMAC_SHA2_256_128)),
    ),
    (
        "sha2_256",
        Keyword::Supported(integ(IntegId::HMAC_SHA2_256_128)),
    ),
    (
        "sha384",
        Keyword::Supported(integ(IntegId::HMAC_SHA2_384_192)),
    ),
    (
        "sha2_384",
        Keyword::Supported(integ(IntegId::HMAC_SHA2_384_192)),
    ),
    (
        "sha512",
        Keyword::Supported(integ(IntegId::HMAC_SHA2_512_256)),
    ),
    (
        "sha2_512",
        Keyword::Supported(integ(IntegId::HMAC_SHA2_512_256)),
    ),
    ("sha1", Keyword::Supported(integ(IntegId::HMAC_SHA1_96))),
    ("sha", Keyword::Supported(integ(IntegId::HMAC_SHA1_96))),
    // PRFs (RFC 7296, RFC 4868).
    ("prfsha256", Keyword::Supported(prf(PrfId::HMAC_SHA2_256))),
    ("prfsha384", Keyword::Supported(prf(PrfId::HMAC_SHA2_384))),
    ("prfsha512", Keyword::Supported(prf(PrfId::HMAC_SHA2_512))),
    ("prfsha1", Keyword::Supported(prf(PrfId::HMAC_SHA1))),
    // Key exchange (RFC 3526, RFC 5903, RFC 8031).
    ("modp2048", Keyword::Supported(dh(DhId::MODP_2048))),
    ("modp3072", Keyword::Supported(dh(DhId::MODP_3072))),
    ("modp4096", Keyword::Supported(dh(DhId::MODP_4096))),
    ("ecp256", Keyword::Supported(dh(DhId::ECP_256))),
    ("ecp384", Keyword::Supported(dh(DhId::ECP_384))),
    ("ecp521", Keyword::Supported(dh(DhId::ECP_521))),
    ("x25519", Keyword::Supported(dh(DhId::CURVE25519))),
    ("curve25519", Keyword::Supported(dh(DhId::CURVE25519))),
    ("x448", Keyword::Supported(dh(DhId::CURVE448))),
    ("curve448", Keyword::Supported(dh(DhId::CURVE448))),
    ("none", Keyword::KeyExchangeNone),
    ("modpnone", Keyword::KeyExchangeNone),
    // ESN (RFC 7296 §3.3.2 type 5).
    ("esn", Keyword::Supported(esn(EsnId::ESN))),
    ("noesn", Keyword::Supported(esn(EsnId::NO_ESN))),
    // ChaCha20-Poly1305 (RFC 7634: no Key Length attribute).
    (
        "chacha20poly1305",
        Keyword::Supported(encr(EncrId::CHACHA20_POLY1305, None)),
    ),
    // ENCR_NULL (RFC 2410): integrity-only ESP, for teaching. The parser refuses
    // it in IKE proposals and without an integrity algorithm (`parse::check`).
    ("null", Keyword::Supported(encr(EncrId::NULL, None))),
    // Known to strongSwan, not implemented here.
    ("3des", Keyword::Unsupported(encr(EncrId::TRIPLE_DES, None))),
    ("des", Keyword::Unsupported(encr(EncrId::DES, None))),
    (
        "cast128",
        Keyword::Unsupported(encr(EncrId::CAST, Some(128))),
    ),
    (
        "chacha20poly1305compat",
        Keyword::Unsupported(encr(EncrId::CHACHA20_POLY1305, Some(256))),
    ),
    ("aesxcbc", Keyword::Unsupported(integ(IntegId::AES_XCBC_96))),
    ("aescmac", Keyword::Unsupported(integ(IntegId::AES_CMAC_96))),
    ("md5", Keyword::Unsupported(integ(IntegId::HMAC_MD5_96))),
    (
        "md5_128",
        Keyword::Unsupported(integ(IntegId::HMAC_MD5_128)),
    ),
    (
        "sha1_160",
        Keyword::Unsupported(integ(IntegId::HMAC_SHA1_160)),
    ),
    (
        "sha256_96",
        Keyword::UnsupportedOther("HMAC-SHA2-256-96 (a private-use draft ID)"),
    ),
    (
        "sha2_256_96",
        Keyword::UnsupportedOther("HMAC-SHA2-256-96 (a private-use draft ID)"),
    ),
    (
        "camelliaxcbc",
        Keyword::UnsupportedOther("Camellia-XCBC (a private-use ID)"),
    ),
    ("prfaesxcbc", Keyword::Unsupported(prf(PrfId::AES128_XCBC))),
    ("prfaescmac", Keyword::Unsupported(prf(PrfId::AES128_CMAC))),
    ("prfmd5", Keyword::Unsupported(prf(PrfId::HMAC_MD5))),
    (
        "prfcamelliaxcbc",
        Keyword::UnsupportedOther("PRF Camellia-XCBC (a private-use ID)"),
    ),
    ("modp768", Keyword::Unsupported(dh(DhId::MODP_768))),
    ("modp1024", Keyword::Unsupported(dh(DhId::MODP_1024))),
    ("modp1536", Keyword::Unsupported(dh(DhId::MODP_1536))),
    ("modp6144", Keyword::Unsupported(dh(DhId::MODP_6144))),
    ("modp8192", Keyword::Unsupported(dh(DhId::MODP_8192))),
    (
        "modp1024s160",
        Keyword::Unsupported(dh(DhId::MODP_1024_160)),
    ),
    (
        "modp2048s224",
        Keyword::Unsupported(dh(DhId::MODP_2048_224)),
    ),
    (
        "modp2048s256",
        Keyword::Unsupported(dh(DhId::MODP_2048_256)),
    ),
    ("ecp192", Keyword::Unsupported(dh(DhId::ECP_192))),
    ("ecp224", Keyword::Unsupported(dh(DhId::ECP_224))),
    ("ecp224bp", Keyword::Unsupported(dh(DhId::BRAINPOOL_P224R1))),
    ("ecp256bp", Keyword::Unsupported(dh(DhId::BRAINPOOL_P256R1))),
    ("ecp384bp", Keyword::Unsupported(dh(DhId::BRAINPOOL_P384R1))),
    ("ecp512bp", Keyword::Unsupported(dh(DhId::BRAINPOOL_P512R1))),
    (
        "modpnull",
        Keyword::UnsupportedOther("the MODP_NULL test group"),
    ),
];

/// Families of keywords strongSwan builds from a cipher name, a key size and a
/// mode, e.g. `aes256gcm16`, `camellia128ctr`, `blowfish192`. Returns `None` if
/// `word` is not of that shape.
fn parse_cipher_family(word: &str) -> Option<Keyword> {
    let (cipher, rest) = ["aes", "camellia", "blowfish", "serpent", "twofish"]
        .iter()
        .find_map(|c| word.strip_prefix(c).map(|rest| (*c, rest)))?;
    // Key size: absent (default 128) or 128/192/256.
    let (bits, mode) = match rest.get(..3) {
        Some(digits @ ("128" | "192" | "256")) => (digits.parse::<u16>().ok()?, &rest[3..]),
        // Without a key size only the plain (CBC) name exists: `aes`, `camellia`.
        _ if rest.is_empty() => (128, rest),
        _ => return None,
    };
    // Mode and ICV: "" (CBC), "ctr", "gcm"/"ccm" + ICV in octets or bits, "gmac".
    let (mode, icv) = match mode {
        "" => ("cbc", 0),
        "ctr" => ("ctr", 0),
        "gmac" => ("gmac", 0),
        _ => {
            let (name, digits) = mode.split_at(mode.len().min(3));
            let icv = match digits {
                "" | "16" | "128" => 16,
                "12" | "96" => 12,
                "8" | "64" => 8,
                _ => return None,
            };
            (name, icv)
        }
    };
    let id = match (cipher, mode, icv) {
        ("aes", "cbc", _) => EncrId::AES_CBC,
        ("aes", "ctr", _) => EncrId::AES_CTR,
        ("aes", "gmac", _) => EncrId::NULL_AUTH_AES_GMAC,
        ("aes", "gcm", 16) => EncrId::AES_GCM_16,
        ("aes", "gcm", 12) => EncrId::AES_GCM_12,
        ("aes", "gcm", 8) => EncrId::AES_GCM_8,
        ("aes", "ccm", 16) => EncrId::AES_CCM_16,
        ("aes", "ccm", 12) => EncrId::AES_CCM_12,
        ("aes", "ccm", 8) => EncrId::AES_CCM_8,
        ("camellia", "cbc", _) => EncrId::CAMELLIA_CBC,
        ("camellia", "ctr", _) => EncrId::CAMELLIA_CTR,
        ("camellia", "ccm", 16) => EncrId::CAMELLIA_CCM_16,
        ("camellia", "ccm", 12) => EncrId::CAMELLIA_CCM_12,
        ("camellia", "ccm", 8) => EncrId::CAMELLIA_CCM_8,
        ("blowfish", "cbc", _) => EncrId::BLOWFISH,
        ("serpent", "cbc", _) => return Some(Keyword::UnsupportedOther("Serpent-CBC")),
        ("twofish", "cbc", _) => return Some(Keyword::UnsupportedOther("Twofish-CBC")),
        _ => return None,
    };
    let algorithm = encr(id, Some(bits));
    let supported = matches!(
        id,
        EncrId::AES_CBC
            | EncrId::AES_GCM_16
            | EncrId::AES_GCM_12
            | EncrId::AES_GCM_8
            | EncrId::CAMELLIA_CBC
            | EncrId::BLOWFISH
    );
    Some(if supported {
        Keyword::Supported(algorithm)
    } else {
        Keyword::Unsupported(algorithm)
    })
}

/// Looks a keyword up (case-insensitively, as strongSwan does).
pub(crate) fn lookup(word: &str) -> Option<Keyword> {
    let word = word.to_ascii_lowercase();
    FIXED
        .iter()
        .find(|(name, _)| *name == word)
        .map(|(_, keyword)| *keyword)
        .or_else(|| parse_cipher_family(&word))
}

/// The keyword `lookup` maps back to `algorithm`, as strongSwan users write it.
pub(crate) fn keyword_for(algorithm: &Algorithm) -> Option<String> {
    keyword_parts(algorithm).map(|k| k.to_string())
}

/// A keyword without building a string: a fixed word, or a cipher family with its
/// key size and mode (`aes` `256` `gcm16`).
#[derive(Debug, Clone, Copy)]
pub(crate) enum KeywordParts {
    Fixed(&'static str),
    Cipher {
        cipher: &'static str,
        bits: u16,
        mode: &'static str,
    },
}

impl core::fmt::Display for KeywordParts {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        match self {
            Self::Fixed(word) => f.write_str(word),
            Self::Cipher { cipher, bits, mode } => write!(f, "{cipher}{bits}{mode}"),
        }
    }
}

/// See [`keyword_for`].
pub(crate) fn keyword_parts(algorithm: &Algorithm) -> Option<KeywordParts> {
    if algorithm.kind == TransformType::ENCR {
        let id = EncrId(algorithm.id);
        let bits = algorithm.key_bits;
        let (cipher, mode) = match id {
            EncrId::CHACHA20_POLY1305 if bits.is_none() => {
                return Some(KeywordParts::Fixed("chacha20poly1305"));
            }
            EncrId::AES_CBC => ("aes", ""),
            EncrId::AES_CTR => ("aes", "ctr"),
            EncrId::AES_GCM_16 => ("aes", "gcm16"),
            EncrId::AES_GCM_12 => ("aes", "gcm12"),
            EncrId::AES_GCM_8 => ("aes", "gcm8"),
            EncrId::AES_CCM_16 => ("aes", "ccm16"),
            EncrId::AES_CCM_12 => ("aes", "ccm12"),
            EncrId::AES_CCM_8 => ("aes", "ccm8"),
            EncrId::NULL_AUTH_AES_GMAC => ("aes", "gmac"),
            EncrId::CAMELLIA_CBC => ("camellia", ""),
            EncrId::CAMELLIA_CTR => ("camellia", "ctr"),
            EncrId::CAMELLIA_CCM_16 => ("camellia", "ccm16"),
            EncrId::CAMELLIA_CCM_12 => ("camellia", "ccm12"),
            EncrId::CAMELLIA_CCM_8 => ("camellia", "ccm8"),
            EncrId::BLOWFISH => ("blowfish", ""),
            _ => {
                return fixed_keyword(algorithm);
            }
        };
        let bits = bits?;
        if !matches!(bits, 128 | 192 | 256) {
            return None;
        }
        return Some(KeywordParts::Cipher { cipher, bits, mode });
    }
    fixed_keyword(algorithm)
}

fn fixed_keyword(algorithm: &Algorithm) -> Option<KeywordParts> {
    FIXED.iter().find_map(|(name, keyword)| match keyword {
        Keyword::Supported(a) | Keyword::Unsupported(a) if a == algorithm => {
            Some(KeywordParts::Fixed(name))
        }
        _ => None,
    })
}

/// Every keyword spelling we know, for "did you mean" suggestions.
fn all_keywords() -> Vec<String> {
    let mut words: Vec<String> = FIXED.iter().map(|(name, _)| (*name).to_owned()).collect();
    for bits in ["128", "192", "256"] {
        for mode in ["", "gcm16", "gcm12", "gcm8", "ctr", "ccm16"] {
            words.push(format!("aes{bits}{mode}"));
        }
        words.push(format!("camellia{bits}"));
        words.push(format!("blowfish{bits}"));
    }
    words.extend(["aes", "camellia", "blowfish"].map(String::from));
    words
}

/// Levenshtein distance between two short ASCII words.
fn distance(a: &str, b: &str) -> usize {
    let b: Vec<char> = b.chars().collect();
    let mut row: Vec<usize> = (0..=b.len()).collect();
    for (i, ca) in a.chars().enumerate() {
        let mut previous = row[0];
        row[0] = i + 1;
        for (j, cb) in b.iter().enumerate() {
            let current = row[j + 1];
            row[j + 1] = if ca == *cb {
                previous
            } else {
                1 + previous.min(row[j]).min(current)
            };
            previous = current;
        }
    }
    row[b.len()]
}

/// Known keywords within edit distance 2 of `word`, closest first (at most 3).
pub(crate) fn suggestions(word: &str) -> Vec<String> {
    let word = word.to_ascii_lowercase();
    let mut scored: Vec<(usize, String)> = all_keywords()
        .into_iter()
        .map(|k| (distance(&word, &k), k))
        .filter(|(d, _)| *d <= 2)
        .collect();
    scored.sort();
    scored.dedup_by(|a, b| a.1 == b.1);
    scored.into_iter().take(3).map(|(_, k)| k).collect()
}
