//! Anti-DoS cookies (RFC 7296 §2.6).
//!
//! Above a threshold of half-open IKE SAs, a responder answers an IKE_SA_INIT request
//! that carries no valid cookie with nothing but a COOKIE notify, keeping no state.
//! The initiator repeats its request with that notify first; only then does the
//! responder spend a Diffie-Hellman computation. The RFC's suggested construction:
//!
//! ```text
//! Cookie = <VersionIDofSecret> | Hash(Ni | IPi | SPIi | <secret>)
//! ```
//!
//! Here the hash is HMAC-SHA-256 keyed with the secret (a keyed hash is what the
//! construction needs), over Ni | IPi | SPIi, from the crypto provider; the secret
//! comes from the engine's random source when the engine is created.

use std::net::IpAddr;

use rand_core::CryptoRng;
use subtle::ConstantTimeEq;

use crate::config::PeerConfig;
use crate::crypto::{CryptoProvider, Secret};
pub use crate::event::CookiePolicy;
use crate::wire::IkeSpi;
use crate::wire::iana::PrfId;

/// The responder's cookie secret.
#[derive(Debug)]
pub(crate) struct CookieSecret {
    version: u8,
    secret: Secret,
}

impl CookieSecret {
    pub(crate) fn new(rng: &mut dyn CryptoRng) -> Self {
        let mut secret = vec![0u8; 32];
        rng.fill_bytes(&mut secret);
        Self {
            version: 1,
            secret: Secret::new(secret),
        }
    }

    /// The cookie for this initiator's nonce, address and SPI, or `None` if the
    /// provider lacks HMAC-SHA-256.
    pub(crate) fn cookie(
        &self,
        provider: &CryptoProvider,
        ni: &[u8],
        ip: IpAddr,
        spi_i: IkeSpi,
    ) -> Option<Vec<u8>> {
        let prf = provider.prf(PrfId::HMAC_SHA2_256)?;
        let ip_octets = match ip {
            IpAddr::V4(a) => a.octets().to_vec(),
            IpAddr::V6(a) => a.octets().to_vec(),
        };
        let mac = prf.compute(self.secret.as_bytes(), &[ni, &ip_octets, &spi_i.0]);
        let mut cookie = Vec::with_capacity(1 + mac.len());
        cookie.push(self.version);
        cookie.extend_from_slice(mac.as_bytes());
        Some(cookie)
    }

    /// Whether `received` is the cookie this responder gives for these values
    /// (constant-time comparison).
    pub(crate) fn verify(
        &self,
        provider: &CryptoProvider,
        received: &[u8],
        ni: &[u8],
        ip: IpAddr,
        spi_i: IkeSpi,
    ) -> bool {
        self.cookie(provider, ni, ip, spi_i)
            .is_some_and(|expected| {
                expected.len() == received.len() && bool::from(expected.ct_eq(received))
            })
    }
}

impl CookiePolicy {
    /// Applies `config`'s thresholds to the current counts (which do not yet include
    /// the request at hand: it is counted here, as charon counts queued requests).
    pub(crate) fn evaluate(config: &PeerConfig, half_open: usize, from_ip: usize) -> Self {
        let count = |n: usize| u32::try_from(n).unwrap_or(u32::MAX).saturating_add(1);
        let (half_open, half_open_from_ip) = (count(half_open), count(from_ip));
        let reached = |threshold: u32, n: u32| threshold != 0 && n >= threshold;
        Self {
            half_open,
            half_open_from_ip,
            threshold: config.cookie_threshold,
            threshold_ip: config.cookie_threshold_ip,
            required: config.dos_protection
                && (reached(config.cookie_threshold, half_open)
                    || reached(config.cookie_threshold_ip, half_open_from_ip)),
        }
    }
}

/// Whether IKE_SA_INITs from this IP are dropped outright (strongSwan's
/// `block_threshold`: too many half-open SAs from one address).
pub(crate) fn blocked(config: &PeerConfig, from_ip: usize) -> bool {
    config.dos_protection
        && config.block_threshold != 0
        && u32::try_from(from_ip).unwrap_or(u32::MAX) >= config.block_threshold
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::crypto::RUST_CRYPTO;
    use std::net::Ipv4Addr;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    struct Counter(u8);
    impl rand_core::TryRng for Counter {
        type Error = core::convert::Infallible;
        fn try_next_u32(&mut self) -> Result<u32, Self::Error> {
            Ok(u32::from(self.0))
        }
        fn try_next_u64(&mut self) -> Result<u64, Self::Error> {
            Ok(u64::from(self.0))
        }
        fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Self::Error> {
            for b in dst {
                self.0 = self.0.wrapping_add(1);
                *b = self.0;
            }
            Ok(())
        }
    }
    impl rand_core::TryCryptoRng for Counter {}

    #[test]
    fn cookie_binds_nonce_address_and_spi() {
        let secret = CookieSecret::new(&mut Counter(0));
        let ip = IpAddr::V4(Ipv4Addr::new(192, 0, 2, 2));
        let spi = IkeSpi::from(42);
        let c = secret
            .cookie(&RUST_CRYPTO, b"nonce", ip, spi)
            .unwrap_or_default();
        assert_eq!(c.len(), 33);
        assert_eq!(c[0], 1);
        assert!(secret.verify(&RUST_CRYPTO, &c, b"nonce", ip, spi));
        assert!(!secret.verify(&RUST_CRYPTO, &c, b"other", ip, spi));
        assert!(!secret.verify(
            &RUST_CRYPTO,
            &c,
            b"nonce",
            IpAddr::V4(Ipv4Addr::LOCALHOST),
            spi
        ));
        assert!(!secret.verify(&RUST_CRYPTO, &c, b"nonce", ip, IkeSpi::from(43)));
        assert!(!secret.verify(&RUST_CRYPTO, &c[..32], b"nonce", ip, spi));
    }

    #[test]
    fn thresholds_count_the_request_at_hand() {
        let mut config = PeerConfig {
            cookie_threshold: 1,
            ..PeerConfig::default()
        };
        assert!(CookiePolicy::evaluate(&config, 0, 0).required);
        config.cookie_threshold = 30;
        assert!(!CookiePolicy::evaluate(&config, 0, 0).required);
        assert!(CookiePolicy::evaluate(&config, 29, 0).required);
        // Per IP (default 3): two half-open from one address, the third asks.
        assert!(CookiePolicy::evaluate(&config, 2, 2).required);
        config.dos_protection = false;
        assert!(!CookiePolicy::evaluate(&config, 100, 100).required);
        config.cookie_threshold = 0;
        config.cookie_threshold_ip = 0;
        config.dos_protection = true;
        assert!(!CookiePolicy::evaluate(&config, 100, 100).required);
        assert!(blocked(&config, 5));
        assert!(!blocked(&config, 4));
    }
}
