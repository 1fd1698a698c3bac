//! The Internet checksum (RFC 1071): the 16-bit one's complement of the one's
//! complement sum of the data taken as big-endian 16-bit words. IPv4's header
//! checksum (RFC 791 §3.1) and UDP's checksum (RFC 768, RFC 8200 §8.1) use it.

/// A running one's complement sum, fed in pieces (pseudo-header, header, payload).
///
/// Pieces may have odd lengths: a dangling octet is paired with the first octet of
/// the next piece, exactly as if all pieces were one buffer.
#[derive(Debug, Clone, Copy, Default)]
pub struct OnesComplementSum {
    sum: u64,
    pending: Option<u8>,
}

impl OnesComplementSum {
    pub const fn new() -> Self {
        Self {
            sum: 0,
            pending: None,
        }
    }

    /// Adds `bytes` to the sum.
    pub fn add(&mut self, bytes: &[u8]) -> &mut Self {
        let mut rest = bytes;
        if let Some(high) = self.pending.take() {
            match rest.split_first() {
                Some((&low, tail)) => {
                    self.sum += u64::from(u16::from_be_bytes([high, low]));
                    rest = tail;
                }
                None => {
                    self.pending = Some(high);
                    return self;
                }
            }
        }
        let mut words = rest.chunks_exact(2);
        for word in &mut words {
            self.sum += u64::from(u16::from_be_bytes([word[0], word[1]]));
        }
        self.pending = words.remainder().first().copied();
        self
    }

    /// Adds a 16-bit word.
    pub fn add_u16(&mut self, word: u16) -> &mut Self {
        self.add(&word.to_be_bytes())
    }

    /// The folded sum (without the final complement). A buffer that includes its own
    /// correct checksum sums to 0xFFFF.
    pub fn folded(&self) -> u16 {
        // RFC 1071 §4.1: an odd final octet is padded with a zero octet.
        let mut sum = self.sum + self.pending.map_or(0, |high| u64::from(high) << 8);
        while sum > 0xFFFF {
            sum = (sum & 0xFFFF) + (sum >> 16);
        }
        // The loop leaves at most 16 bits.
        u16::try_from(sum).unwrap_or(u16::MAX)
    }

    /// The checksum to transmit: the one's complement of the folded sum.
    pub fn checksum(&self) -> u16 {
        !self.folded()
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// RFC 1071 §3 works a sum by hand: the words 0001 f203 f4f5 f6f7 sum to
    /// 0x220d (one's complement, after folding the carries 2 into ddf0 → ddf2).
    #[test]
    fn rfc1071_worked_example() {
        let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7];
        let mut sum = OnesComplementSum::new();
        sum.add(&bytes);
        assert_eq!(sum.folded(), 0xddf2);
        assert_eq!(sum.checksum(), 0x220d);
    }

    #[test]
    fn pieces_of_odd_length_sum_like_one_buffer() {
        let bytes = [0x00, 0x01, 0xf2, 0x03, 0xf4, 0xf5, 0xf6, 0xf7, 0x12];
        let mut whole = OnesComplementSum::new();
        whole.add(&bytes);
        let mut pieces = OnesComplementSum::new();
        pieces
            .add(&bytes[..3])
            .add(&[])
            .add(&bytes[3..4])
            .add(&bytes[4..]);
        assert_eq!(whole.folded(), pieces.folded());
    }
}
