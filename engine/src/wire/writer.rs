//! `Writer`: the emitter's counterpart of `Reader`, with length back-patching.

use super::error::EmitError;

pub(crate) type EmitResult<T = ()> = Result<T, EmitError>;

/// An append-only output buffer.
#[derive(Debug, Default)]
pub(crate) struct Writer {
    buf: Vec<u8>,
}

impl Writer {
    pub(crate) fn new() -> Self {
        Self::default()
    }

    /// A writer for a whole message or payload chain: one allocation for the
    /// common sizes (an IKE_SA_INIT with a 256-byte MODP value stays under 512 bytes),
    /// instead of the buffer doubling its way up from a few bytes.
    pub(crate) fn for_message() -> Self {
        Self {
            buf: Vec::with_capacity(512),
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.buf.len()
    }

    pub(crate) fn into_bytes(self) -> Vec<u8> {
        self.buf
    }

    pub(crate) fn u8(&mut self, v: u8) {
        self.buf.push(v);
    }

    pub(crate) fn u16(&mut self, v: u16) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn u32(&mut self, v: u32) {
        self.buf.extend_from_slice(&v.to_be_bytes());
    }

    pub(crate) fn bytes(&mut self, v: &[u8]) {
        self.buf.extend_from_slice(v);
    }

    pub(crate) fn zeros(&mut self, n: usize) {
        self.buf.resize(self.buf.len() + n, 0);
    }

    /// Reserves a two-octet length field; returns its position.
    pub(crate) fn placeholder_u16(&mut self) -> usize {
        let at = self.buf.len();
        self.u16(0);
        at
    }

    /// Reserves a four-octet length field; returns its position.
    pub(crate) fn placeholder_u32(&mut self) -> usize {
        let at = self.buf.len();
        self.u32(0);
        at
    }

    /// Writes `len() - start` into the two-octet field at `at`.
    pub(crate) fn patch_len_u16(
        &mut self,
        at: usize,
        start: usize,
        field: &'static str,
    ) -> EmitResult {
        let length = self.buf.len() - start;
        let v = u16::try_from(length)
            .map_err(|_| EmitError::too_long(field, length, usize::from(u16::MAX)))?;
        if let Some(slot) = self.buf.get_mut(at..at + 2) {
            slot.copy_from_slice(&v.to_be_bytes());
        }
        Ok(())
    }

    /// Writes `len() - start` into the four-octet field at `at`.
    pub(crate) fn patch_len_u32(
        &mut self,
        at: usize,
        start: usize,
        field: &'static str,
    ) -> EmitResult {
        let length = self.buf.len() - start;
        let v = u32::try_from(length)
            .map_err(|_| EmitError::too_long(field, length, u32::MAX as usize))?;
        if let Some(slot) = self.buf.get_mut(at..at + 4) {
            slot.copy_from_slice(&v.to_be_bytes());
        }
        Ok(())
    }
}

/// A count or size that must fit one octet.
pub(crate) fn fit_u8(n: usize, field: &'static str) -> EmitResult<u8> {
    u8::try_from(n).map_err(|_| EmitError::too_long(field, n, usize::from(u8::MAX)))
}

/// A count or size that must fit two octets.
pub(crate) fn fit_u16(n: usize, field: &'static str) -> EmitResult<u16> {
    u16::try_from(n).map_err(|_| EmitError::too_long(field, n, usize::from(u16::MAX)))
}
