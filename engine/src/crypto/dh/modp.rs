//! MODP groups 14, 15 and 16 (RFC 3526 §3-§5), generator 2.
//!
//! Private exponent: a uniformly random value of `exponent_bits` bits, at least twice
//! the group's security strength (NIST SP 800-57 Part 1: 112, 128 and ~150 bits for
//! 2048-, 3072- and 4096-bit groups) and above RFC 3526 §8's lower estimates (220,
//! 260 and 300 bits): 256, 320 and 384 bits. A full-size exponent costs 5-8 times
//! more (TOOLCHAIN.md: ~1 ms vs 5-7 ms for MODP-2048) for no security gain, because
//! the groups are safe primes and the discrete log in the subgroup is the limit.
//! The exponentiation is constant-time in the exponent (crypto-bigint's bounded
//! Montgomery ladder; only the public bound `exponent_bits` shows in its timing).
//!
//! Peer values are checked as RFC 6989 §2.2 requires for safe-prime groups:
//! 1 < y < p-1, with exactly the length of the prime (RFC 7296 §3.4).

use std::sync::OnceLock;

use crypto_bigint::modular::{BoxedMontyForm, BoxedMontyParams};
use crypto_bigint::{BoxedUint, Odd};
use rand_core::CryptoRng;
use zeroize::Zeroizing;

use super::{MAX_DRAWS, random_bytes, wrong_length};
use crate::crypto::provider::{ActiveKeyExchange, KeyExchangeGroup};
use crate::crypto::secret::from_hex;
use crate::crypto::{CryptoError, PublicValueDefect, Secret};
use crate::wire::iana::DhId;

/// A MODP group: prime, generator 2, private exponent size.
pub struct ModpGroup {
    id: DhId,
    bits: u32,
    exponent_bits: u32,
    prime_hex: &'static str,
    params: OnceLock<Option<BoxedMontyParams>>,
}

impl core::fmt::Debug for ModpGroup {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        write!(f, "ModpGroup({:?}, {} bits)", self.id, self.bits)
    }
}

impl ModpGroup {
    const fn new(id: DhId, bits: u32, exponent_bits: u32, prime_hex: &'static str) -> Self {
        Self {
            id,
            bits,
            exponent_bits,
            prime_hex,
            params: OnceLock::new(),
        }
    }

    /// The prime p, big-endian, `bits / 8` octets.
    pub fn prime(&self) -> Vec<u8> {
        from_hex(self.prime_hex).unwrap_or_default()
    }

    /// Bits of the private exponent this group draws.
    pub fn exponent_bits(&self) -> u32 {
        self.exponent_bits
    }

    fn len(&self) -> usize {
        (self.bits / 8) as usize
    }

    /// Montgomery parameters for p, computed once. `None` only if the hard-coded
    /// prime were not an odd number of the stated size (checked by the tests).
    fn params(&self) -> Option<&BoxedMontyParams> {
        self.params
            .get_or_init(|| {
                let p = BoxedUint::from_be_slice(&self.prime(), self.bits).ok()?;
                let odd = Option::<Odd<BoxedUint>>::from(Odd::new(p))?;
                Some(BoxedMontyParams::new_vartime(odd))
            })
            .as_ref()
    }

    fn exchange_from_exponent(
        &self,
        exponent: BoxedUint,
    ) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        let params = self.params().ok_or(CryptoError::Unsupported {
            what: format!("{} parameters", self.id),
        })?;
        let two = BoxedUint::from_be_slice(&[2], self.bits).map_err(|_| internal(self.id))?;
        let public = BoxedMontyForm::new(two, params)
            .pow_bounded_exp(&exponent, self.exponent_bits)
            .retrieve();
        Ok(Box::new(ActiveModp {
            id: self.id,
            bits: self.bits,
            exponent_bits: self.exponent_bits,
            params: params.clone(),
            public: fixed_width(&public.to_be_bytes(), self.len()),
            exponent: Zeroizing::new(exponent),
        }))
    }
}

fn internal(id: DhId) -> CryptoError {
    CryptoError::Unsupported {
        what: format!("{id} arithmetic"),
    }
}

/// Left-pads (or keeps the low-order octets of) `bytes` to exactly `len` octets.
fn fixed_width(bytes: &[u8], len: usize) -> Vec<u8> {
    let mut out = vec![0u8; len];
    let take = bytes.len().min(len);
    out[len - take..].copy_from_slice(&bytes[bytes.len() - take..]);
    out
}

impl KeyExchangeGroup for ModpGroup {
    fn id(&self) -> DhId {
        self.id
    }

    fn public_len(&self) -> usize {
        self.len()
    }

    fn start(&self, rng: &mut dyn CryptoRng) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        for _ in 0..MAX_DRAWS {
            let bytes = Zeroizing::new(random_bytes(rng, (self.exponent_bits / 8) as usize));
            // An exponent of 0 or 1 would make g^x public; drawing one has probability
            // 2^-255 or less, but costs nothing to exclude.
            let too_small = match bytes.split_last() {
                Some((last, higher)) => *last <= 1 && higher.iter().all(|b| *b == 0),
                None => true,
            };
            if too_small {
                continue;
            }
            let exponent =
                BoxedUint::from_be_slice(&bytes, self.bits).map_err(|_| internal(self.id))?;
            return self.exchange_from_exponent(exponent);
        }
        Err(CryptoError::RngFailure { group: self.id.0 })
    }

    fn start_with_private(
        &self,
        private: &[u8],
    ) -> Result<Box<dyn ActiveKeyExchange>, CryptoError> {
        if private.len() * 8 > self.exponent_bits as usize {
            return Err(CryptoError::InvalidLength {
                what: "MODP private exponent".into(),
                expected: (self.exponent_bits / 8) as usize,
                actual: private.len(),
            });
        }
        let x = BoxedUint::from_be_slice(private, self.bits).map_err(|_| internal(self.id))?;
        self.exchange_from_exponent(x)
    }
}

struct ActiveModp {
    id: DhId,
    bits: u32,
    exponent_bits: u32,
    params: BoxedMontyParams,
    public: Vec<u8>,
    exponent: Zeroizing<BoxedUint>,
}

impl ActiveKeyExchange for ActiveModp {
    fn group(&self) -> DhId {
        self.id
    }

    fn public_value(&self) -> &[u8] {
        &self.public
    }

    fn complete(&self, peer_public: &[u8]) -> Result<Secret, CryptoError> {
        let len = (self.bits / 8) as usize;
        if peer_public.len() != len {
            return Err(wrong_length(self.id, len, peer_public.len()));
        }
        let y = BoxedUint::from_be_slice(peer_public, self.bits).map_err(|_| internal(self.id))?;
        let p = self.params.modulus().as_ref().clone();
        let one = BoxedUint::one_with_precision(self.bits);
        let p_minus_one = p.wrapping_sub(&one);
        // RFC 6989 §2.2 / RFC 7296 §2.12: reject 0, 1, p-1 and anything >= p.
        let reason = if y <= one {
            Some(PublicValueDefect::ZeroOrOne)
        } else if y == p_minus_one {
            Some(PublicValueDefect::PMinusOne)
        } else if y >= p {
            Some(PublicValueDefect::NotBelowPrime)
        } else {
            None
        };
        if let Some(reason) = reason {
            return Err(CryptoError::InvalidPublicValue {
                group: self.id.0,
                reason,
            });
        }
        let shared = BoxedMontyForm::new(y, &self.params)
            .pow_bounded_exp(&self.exponent, self.exponent_bits)
            .retrieve();
        // §2.14: g^ir is the length of the prime, padded with zeros on the left.
        let bytes = Zeroizing::new(shared.to_be_bytes());
        Ok(Secret::new(fixed_width(&bytes, len)))
    }
}

/// RFC 3526 §3: 2^2048 - 2^1984 - 1 + 2^64 * { [2^1918 pi] + 124476 }.
const MODP_2048_P: &str = concat!(
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
    "15728E5A8AACAA68FFFFFFFFFFFFFFFF",
);

/// RFC 3526 §4: 2^3072 - 2^3008 - 1 + 2^64 * { [2^2942 pi] + 1690314 }.
const MODP_3072_P: &str = concat!(
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

/// RFC 3526 §5: 2^4096 - 2^4032 - 1 + 2^64 * { [2^3966 pi] + 240904 }.
const MODP_4096_P: &str = concat!(
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
    "43DB5BFCE0FD108E4B82D120A92108011A723C12A787E6D7",
    "88719A10BDBA5B2699C327186AF4E23C1A946834B6150BDA",
    "2583E9CA2AD44CE8DBBBC2DB04DE8EF92E8EFC141FBECAA6",
    "287C59474E6BC05D99B2964FA090C3A2233BA186515BE7ED",
    "1F612970CEE2D7AFB81BDD762170481CD0069127D5B05AA9",
    "93B4EA988D8FDDC186FFB7DC90A6C08F4DF435C934063199",
    "FFFFFFFFFFFFFFFF",
);

pub static MODP_2048: ModpGroup = ModpGroup::new(DhId::MODP_2048, 2048, 256, MODP_2048_P);
pub static MODP_3072: ModpGroup = ModpGroup::new(DhId::MODP_3072, 3072, 320, MODP_3072_P);
pub static MODP_4096: ModpGroup = ModpGroup::new(DhId::MODP_4096, 4096, 384, MODP_4096_P);
