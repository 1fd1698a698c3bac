//! The anti-replay window (RFC 4303 §3.4.3) and Extended Sequence Number inference
//! (RFC 4303 Appendix A).
//!
//! The window remembers which of the last `size` sequence numbers below the highest
//! authenticated one were received. The bitmap is a ring of `size` bits rounded up
//! to a power of two of 64-bit words, indexed by `sequence mod ring bits` (a mask,
//! not a division, on every packet), allocated once when the SA is set up: checking
//! and updating never touch the heap, and an SA costs about the window it was
//! configured with (swanctl's default 32 takes one word, the default 128 two, the
//! largest, [`MAX_WINDOW`], 64 words).
//!
//! Receiving is two steps, as §3.4.3 orders them: [`ReplayWindow::check`] before the
//! ICV is verified (cheap rejection of duplicates and old packets; with ESN it also
//! infers the high 32 bits the ICV needs), and [`ReplayWindow::commit`] only after
//! the ICV verified, so forged packets cannot move the window.

use core::fmt;

/// The largest configurable window, in packets.
pub const MAX_WINDOW: u32 = 4096;
/// The size [`ReplayWindow::default`] gives. A CHILD SA takes its configuration's
/// `replay_window` instead (swanctl.conf's default there is 32).
pub const DEFAULT_WINDOW: u32 = 128;
/// The window used only to infer the ESN high half when replay protection is
/// disabled (a window of 0 has no "bottom" to reason from, RFC 4303 Appendix A2.1).
const ESN_INFERENCE_WINDOW: u32 = 32;

/// Why a sequence number was refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ReplayError {
    /// Already received (RFC 4303 §3.4.3: "duplicate").
    Duplicate { sequence: u64 },
    /// Left of the window: too old to tell, so dropped (§3.4.3).
    TooOld { sequence: u64, lowest_accepted: u64 },
    /// Sequence number 0 is never sent: the first packet carries 1 (§3.3.3).
    Zero,
}

impl fmt::Display for ReplayError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Duplicate { sequence } => {
                write!(f, "sequence number {sequence} was already received")
            }
            Self::TooOld {
                sequence,
                lowest_accepted,
            } => write!(
                f,
                "sequence number {sequence} is left of the window (lowest accepted {lowest_accepted})"
            ),
            Self::Zero => f.write_str("sequence number 0 is never sent (RFC 4303 §3.3.3)"),
        }
    }
}

/// One inbound ESP SA's window.
#[derive(Clone, PartialEq, Eq)]
pub struct ReplayWindow {
    /// Configured size in packets; 0 disables the check (§3.4.3: the receiver may
    /// disable it, e.g. for manual keying; the sender keeps counting).
    size: u32,
    /// 64-bit sequence numbers (§2.2.1).
    esn: bool,
    /// The highest authenticated sequence number (0: none yet).
    top: u64,
    /// The ring: at least `size` bits, a power of two of whole words.
    bitmap: Box<[u64]>,
}

impl fmt::Debug for ReplayWindow {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("ReplayWindow")
            .field("size", &self.size)
            .field("esn", &self.esn)
            .field("top", &self.top)
            .finish_non_exhaustive()
    }
}

impl Default for ReplayWindow {
    fn default() -> Self {
        Self::new(DEFAULT_WINDOW, false)
    }
}

impl ReplayWindow {
    /// A window of `size` packets (clamped to [`MAX_WINDOW`]; 0 disables it).
    pub fn new(size: u32, esn: bool) -> Self {
        let size = size.min(MAX_WINDOW);
        let words = (size.div_ceil(64).max(1) as usize).next_power_of_two();
        Self {
            size,
            esn,
            top: 0,
            bitmap: vec![0; words].into_boxed_slice(),
        }
    }

    /// Bits in the ring (a multiple of 64, at least `size`).
    fn ring_bits(&self) -> u64 {
        self.bitmap.len() as u64 * 64
    }

    /// The configured size (after clamping).
    pub fn size(&self) -> u32 {
        self.size
    }

    /// The highest sequence number received and authenticated so far.
    pub fn highest(&self) -> u64 {
        self.top
    }

    /// The full sequence number a received low half stands for: itself without ESN;
    /// with ESN the high half inferred as in RFC 4303 Appendix A2.1 (`Tl`, `Th`: low
    /// and high half of the top of the window, `W` its size). `None` if the number
    /// would lie before the first packet (`Th - 1` with `Th = 0`).
    pub fn infer(&self, low: u32) -> Option<u64> {
        if !self.esn {
            return Some(u64::from(low));
        }
        let window = if self.size == 0 {
            ESN_INFERENCE_WINDOW
        } else {
            self.size
        };
        let top_low = self.top as u32;
        let top_high = (self.top >> 32) as u32;
        // The bottom of the window, Tl - W + 1, taken mod 2^32.
        let bottom = top_low.wrapping_sub(window).wrapping_add(1);
        let high = if top_low >= window - 1 {
            // Case A: the window lies within one subspace of 2^32.
            if low >= bottom {
                Some(top_high)
            } else {
                // Beyond the top, in the next subspace.
                top_high.checked_add(1)
            }
        } else if low >= bottom {
            // Case B: the window spans two subspaces; `low` is in its older part.
            top_high.checked_sub(1)
        } else {
            Some(top_high)
        };
        high.map(|h| (u64::from(h) << 32) | u64::from(low))
    }

    /// Checks a received low half before the ICV is verified (§3.4.3) and returns
    /// the full sequence number to authenticate and then [`commit`](Self::commit).
    pub fn check(&self, low: u32) -> Result<u64, ReplayError> {
        let Some(sequence) = self.infer(low) else {
            return Err(ReplayError::TooOld {
                sequence: u64::from(low),
                lowest_accepted: self.lowest_accepted(),
            });
        };
        if sequence == 0 {
            return Err(ReplayError::Zero);
        }
        if self.size == 0 || sequence > self.top {
            return Ok(sequence);
        }
        if self.top - sequence >= u64::from(self.size) {
            return Err(ReplayError::TooOld {
                sequence,
                lowest_accepted: self.lowest_accepted(),
            });
        }
        if self.bit(sequence) {
            return Err(ReplayError::Duplicate { sequence });
        }
        Ok(sequence)
    }

    /// Records an authenticated sequence number (after the ICV verified, §3.4.3):
    /// slides the window right if it is the new top, marks it received. Checks
    /// again, so a caller cannot commit a duplicate by mistake.
    pub fn commit(&mut self, sequence: u64) -> Result<(), ReplayError> {
        if sequence == 0 {
            return Err(ReplayError::Zero);
        }
        if self.size != 0 && sequence <= self.top {
            if self.top - sequence >= u64::from(self.size) {
                return Err(ReplayError::TooOld {
                    sequence,
                    lowest_accepted: self.lowest_accepted(),
                });
            }
            if self.bit(sequence) {
                return Err(ReplayError::Duplicate { sequence });
            }
        }
        if sequence > self.top {
            self.clear_between(self.top, sequence);
            self.top = sequence;
        }
        self.set_bit(sequence);
        Ok(())
    }

    /// The lowest sequence number the window still accepts.
    fn lowest_accepted(&self) -> u64 {
        if self.size == 0 {
            return 1;
        }
        self.top
            .saturating_sub(u64::from(self.size))
            .saturating_add(1)
            .max(1)
    }

    fn position(&self, sequence: u64) -> (usize, u64) {
        // `ring_bits` is a power of two (`new`).
        let bit = (sequence & (self.ring_bits() - 1)) as usize;
        (bit / 64, 1u64 << (bit % 64))
    }

    fn bit(&self, sequence: u64) -> bool {
        let (word, mask) = self.position(sequence);
        self.bitmap.get(word).is_some_and(|w| w & mask != 0)
    }

    fn set_bit(&mut self, sequence: u64) {
        let (word, mask) = self.position(sequence);
        if let Some(w) = self.bitmap.get_mut(word) {
            *w |= mask;
        }
    }

    /// Forgets the bits of `old_top + 1 ..= new_top` (their slots held numbers that
    /// are now out of the window).
    fn clear_between(&mut self, old_top: u64, new_top: u64) {
        let shift = new_top - old_top;
        if shift >= self.ring_bits() {
            self.bitmap.fill(0);
            return;
        }
        let mut sequence = old_top + 1;
        while sequence <= new_top {
            let (word, _) = self.position(sequence);
            let bit = (sequence % 64) as u32;
            if bit == 0 && new_top - sequence >= 63 {
                // A whole word at once.
                if let Some(w) = self.bitmap.get_mut(word) {
                    *w = 0;
                }
                sequence += 64;
            } else {
                let (_, mask) = self.position(sequence);
                if let Some(w) = self.bitmap.get_mut(word) {
                    *w &= !mask;
                }
                sequence += 1;
            }
        }
    }
}
