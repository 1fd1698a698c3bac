//! Deterministic RNGs for tests: a seeded ChaCha20 and one that replays given octets
//! (to reproduce published vectors whose IV is fixed).

use core::convert::Infallible;

use rand_core::{TryCryptoRng, TryRng};

/// A seeded ChaCha20 RNG.
pub(crate) fn seeded(seed: u8) -> rand_chacha::ChaCha20Rng {
    use rand_core::SeedableRng;
    rand_chacha::ChaCha20Rng::from_seed([seed; 32])
}

/// Returns the given octets, then zeros. Only for reproducing known answers.
pub(crate) struct ReplayRng {
    bytes: Vec<u8>,
    position: usize,
}

impl ReplayRng {
    pub(crate) fn new(bytes: &[u8]) -> Self {
        Self {
            bytes: bytes.to_vec(),
            position: 0,
        }
    }
}

impl TryRng for ReplayRng {
    type Error = Infallible;

    fn try_next_u32(&mut self) -> Result<u32, Infallible> {
        let mut b = [0u8; 4];
        self.try_fill_bytes(&mut b)?;
        Ok(u32::from_le_bytes(b))
    }

    fn try_next_u64(&mut self) -> Result<u64, Infallible> {
        let mut b = [0u8; 8];
        self.try_fill_bytes(&mut b)?;
        Ok(u64::from_le_bytes(b))
    }

    fn try_fill_bytes(&mut self, dst: &mut [u8]) -> Result<(), Infallible> {
        for byte in dst {
            *byte = self.bytes.get(self.position).copied().unwrap_or(0);
            self.position += 1;
        }
        Ok(())
    }
}

impl TryCryptoRng for ReplayRng {}
