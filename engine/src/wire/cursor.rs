//! `Reader`: the one cursor every parser in `wire` reads through.
//!
//! It bounds every read (no indexing that can panic on peer bytes), reports errors with
//! the absolute offset and the field's name, and, when it carries a `Recorder`, writes
//! each field it reads into the dissection tree. Values are rendered by closures that
//! only run while dissecting, so `Message::parse` pays nothing for the explanations.

use std::ops::Range;

use super::dissect::decrypt::{SkDecryptRequest, SkOutcome};
use super::dissect::field::DecryptedBlock;
use super::dissect::recorder::Recorder;
use super::error::{ErrorKind, WireError};
use super::iana::PayloadType;

pub(crate) use super::dissect::catalogue::Doc;
use super::dissect::catalogue::FieldId;

pub(crate) type WireResult<T> = Result<T, WireError>;

/// A bounded cursor over a buffer, optionally recording a dissection.
#[derive(Debug)]
pub(crate) struct Reader<'a> {
    buf: &'a [u8],
    pos: usize,
    end: usize,
    rec: Option<Recorder<'a>>,
}

impl<'a> Reader<'a> {
    /// A reader that only parses.
    pub(crate) fn new(buf: &'a [u8]) -> Self {
        Self {
            buf,
            pos: 0,
            end: buf.len(),
            rec: None,
        }
    }

    /// A reader that parses and records the dissection.
    pub(crate) fn recording(buf: &'a [u8], recorder: Recorder<'a>) -> Self {
        Self {
            rec: Some(recorder),
            ..Self::new(buf)
        }
    }

    pub(crate) fn into_recorder(self) -> Option<Recorder<'a>> {
        self.rec
    }

    pub(crate) fn recorder(&mut self) -> Option<&mut Recorder<'a>> {
        self.rec.as_mut()
    }

    pub(crate) fn is_recording(&self) -> bool {
        self.rec.is_some()
    }

    pub(crate) fn pos(&self) -> usize {
        self.pos
    }

    /// Octets left before the current limit.
    pub(crate) fn remaining(&self) -> usize {
        self.end.saturating_sub(self.pos)
    }

    pub(crate) fn buffer(&self) -> &'a [u8] {
        self.buf
    }

    /// Consumes `n` octets and returns their absolute range.
    pub(crate) fn take(&mut self, n: usize, field: &'static str) -> WireResult<Range<usize>> {
        if n > self.remaining() {
            return Err(WireError::new(
                self.pos,
                field,
                ErrorKind::Truncated {
                    needed: n,
                    available: self.remaining(),
                },
            ));
        }
        let start = self.pos;
        self.pos += n;
        Ok(start..self.pos)
    }

    pub(crate) fn slice(&self, range: Range<usize>) -> &'a [u8] {
        self.buf.get(range).unwrap_or_default()
    }

    fn take_array<const N: usize>(
        &mut self,
        field: &'static str,
    ) -> WireResult<([u8; N], Range<usize>)> {
        let range = self.take(N, field)?;
        let mut out = [0u8; N];
        out.copy_from_slice(self.slice(range.clone()));
        Ok((out, range))
    }

    /// Reads one octet without recording it (for fields recorded with a dynamic meaning).
    pub(crate) fn raw_u8(&mut self, field: &'static str) -> WireResult<(u8, Range<usize>)> {
        self.take_array::<1>(field).map(|(b, r)| (b[0], r))
    }

    pub(crate) fn raw_u16(&mut self, field: &'static str) -> WireResult<(u16, Range<usize>)> {
        self.take_array::<2>(field)
            .map(|(b, r)| (u16::from_be_bytes(b), r))
    }

    pub(crate) fn raw_u32(&mut self, field: &'static str) -> WireResult<(u32, Range<usize>)> {
        self.take_array::<4>(field)
            .map(|(b, r)| (u32::from_be_bytes(b), r))
    }

    pub(crate) fn raw_bytes(
        &mut self,
        n: usize,
        field: &'static str,
    ) -> WireResult<(&'a [u8], Range<usize>)> {
        let range = self.take(n, field)?;
        Ok((self.slice(range.clone()), range))
    }

    /// Reads and records a one-octet field.
    pub(crate) fn u8(&mut self, doc: &Doc, render: impl FnOnce(u8) -> String) -> WireResult<u8> {
        let (v, range) = self.raw_u8(doc.name)?;
        self.leaf(range, doc, || render(v));
        Ok(v)
    }

    /// Reads and records a two-octet big-endian field.
    pub(crate) fn u16(&mut self, doc: &Doc, render: impl FnOnce(u16) -> String) -> WireResult<u16> {
        let (v, range) = self.raw_u16(doc.name)?;
        self.leaf(range, doc, || render(v));
        Ok(v)
    }

    /// Reads and records a four-octet big-endian field.
    pub(crate) fn u32(&mut self, doc: &Doc, render: impl FnOnce(u32) -> String) -> WireResult<u32> {
        let (v, range) = self.raw_u32(doc.name)?;
        self.leaf(range, doc, || render(v));
        Ok(v)
    }

    /// Reads and records `n` octets (nothing is recorded when `n` is 0).
    pub(crate) fn bytes(
        &mut self,
        n: usize,
        doc: &Doc,
        render: impl FnOnce(&'a [u8]) -> String,
    ) -> WireResult<&'a [u8]> {
        let (v, range) = self.raw_bytes(n, doc.name)?;
        self.leaf(range, doc, || render(v));
        Ok(v)
    }

    /// Reads and records everything up to the current limit.
    pub(crate) fn rest(&mut self, doc: &Doc, render: impl FnOnce(&'a [u8]) -> String) -> &'a [u8] {
        let n = self.remaining();
        let start = self.pos;
        self.pos += n;
        let v = self.slice(start..self.pos);
        self.leaf(start..self.pos, doc, || render(v));
        v
    }

    /// Records a leaf (no-op when not recording or when the range is empty).
    pub(crate) fn leaf(&mut self, range: Range<usize>, doc: &Doc, value: impl FnOnce() -> String) {
        if range.is_empty() {
            return;
        }
        if let Some(rec) = self.rec.as_mut() {
            rec.leaf_at(range, doc.id, value());
        }
    }

    /// Records a leaf whose catalogue entry depends on its value: `explain` renders
    /// the value and picks the entry (e.g. a zero Responder's SPI has an entry of its
    /// own).
    pub(crate) fn leaf_explained(
        &mut self,
        range: Range<usize>,
        explain: impl FnOnce() -> (String, FieldId),
    ) {
        if range.is_empty() {
            return;
        }
        if let Some(rec) = self.rec.as_mut() {
            let (value, id) = explain();
            rec.leaf_at(range, id, value);
        }
    }

    /// Attaches a decrypted block to the leaf recorded last.
    pub(crate) fn attach_decrypted(&mut self, block: DecryptedBlock) {
        if let Some(rec) = self.rec.as_mut() {
            rec.set_last_decrypted(block);
        }
    }

    /// Parses a structure made of several fields and records it as one node.
    pub(crate) fn group<T>(
        &mut self,
        doc: &Doc,
        parse: impl FnOnce(&mut Self) -> WireResult<T>,
        value: impl FnOnce(&T) -> String,
    ) -> WireResult<T> {
        self.group_titled(|| doc.id, parse, value)
    }

    /// As `group`, with the catalogue entry picked only when recording.
    pub(crate) fn group_titled<T>(
        &mut self,
        title: impl FnOnce() -> FieldId,
        parse: impl FnOnce(&mut Self) -> WireResult<T>,
        value: impl FnOnce(&T) -> String,
    ) -> WireResult<T> {
        let start = self.pos;
        if let Some(rec) = self.rec.as_mut() {
            rec.open(title(), start);
        }
        let result = parse(self);
        let (pos, end) = (self.pos, self.end);
        if let Some(rec) = self.rec.as_mut() {
            match &result {
                Ok(t) => rec.close(pos, value(t)),
                Err(e) => {
                    // The innermost failing structure gets the "Malformed" leaf up to
                    // its bounds; each structure then ends where its children end, and
                    // `finish` puts what lies beyond in one "Unparsed" leaf.
                    rec.record_error(e, end.min(self.buf.len()));
                    rec.close(rec.covered_end().max(start), "(malformed)".to_owned());
                }
            }
        }
        result
    }

    /// Runs `parse` with the limit lowered to `len` octets from here, then restores it.
    /// The caller has checked `len` against `remaining()` and reported any overrun.
    pub(crate) fn limit<T>(
        &mut self,
        len: usize,
        field: &'static str,
        parse: impl FnOnce(&mut Self) -> WireResult<T>,
    ) -> WireResult<T> {
        if len > self.remaining() {
            return Err(WireError::new(
                self.pos,
                field,
                ErrorKind::LengthOverrun {
                    length: len,
                    available: self.remaining(),
                },
            ));
        }
        let saved = self.end;
        self.end = self.pos + len;
        let result = parse(self);
        self.end = saved;
        result
    }

    /// Fails with `TrailingBytes` unless the limit has been reached.
    pub(crate) fn expect_end(&self, field: &'static str) -> WireResult<()> {
        match self.remaining() {
            0 => Ok(()),
            count => Err(WireError::new(
                self.pos,
                field,
                ErrorKind::TrailingBytes { count },
            )),
        }
    }

    /// Runs `parse`; on error, rewinds the cursor and removes what it recorded, so the
    /// caller can fall back to a plainer reading of the same bytes.
    pub(crate) fn attempt<T>(
        &mut self,
        parse: impl FnOnce(&mut Self) -> WireResult<T>,
    ) -> WireResult<T> {
        let (pos, end) = (self.pos, self.end);
        let mark = self.rec.as_ref().map(Recorder::mark);
        let result = parse(self);
        if result.is_err() {
            self.pos = pos;
            self.end = end;
            if let (Some(rec), Some(mark)) = (self.rec.as_mut(), mark) {
                rec.rollback(mark);
            }
        }
        result
    }

    /// Asks the decryptor (if any) for an SK / SKF payload's plaintext; `None` when
    /// there is no decryptor.
    pub(crate) fn decrypt(
        &mut self,
        payload: Range<usize>,
        body: Range<usize>,
        first_payload: PayloadType,
        fragment: Option<(u16, u16)>,
    ) -> Option<SkOutcome> {
        let buf = self.buf;
        let rec = self.rec.as_mut()?;
        let header = rec.header.clone()?;
        let decryptor = rec.decryptor.as_mut()?;
        Some(decryptor.open_sk(&SkDecryptRequest {
            header: &header,
            message: buf,
            payload,
            body,
            first_payload,
            fragment,
        }))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    const DOC: Doc = Doc::new(99_999, "Test", "RFC 0 §0", "A test field.");

    #[test]
    fn reads_are_bounded_and_typed() {
        let mut r = Reader::new(&[1, 2, 3]);
        assert_eq!(r.u16(&DOC, |v| v.to_string()), Ok(0x0102));
        let err = r.u16(&DOC, |v| v.to_string()).unwrap_err();
        assert_eq!(err.offset, 2);
        assert_eq!(
            err.kind,
            ErrorKind::Truncated {
                needed: 2,
                available: 1
            }
        );
        assert_eq!(r.u8(&DOC, |v| v.to_string()), Ok(3));
        assert_eq!(r.remaining(), 0);
    }

    #[test]
    fn limit_restores_the_outer_bound() {
        let mut r = Reader::new(&[1, 2, 3, 4]);
        let inner = r.limit(2, "len", |r| {
            let v = r.rest(&DOC, |_| String::new()).to_vec();
            Ok(v)
        });
        assert_eq!(inner, Ok(vec![1, 2]));
        assert_eq!(r.remaining(), 2);
        assert!(r.limit(3, "len", |_| Ok(())).is_err());
        assert!(r.expect_end("end").is_err());
    }

    #[test]
    fn attempt_rewinds_on_error() {
        let mut r = Reader::recording(&[1, 2], Recorder::new(None));
        let failed: WireResult<()> = r.attempt(|r| {
            r.u8(&DOC, |v| v.to_string())?;
            r.u16(&DOC, |v| v.to_string())?;
            Ok(())
        });
        assert!(failed.is_err());
        assert_eq!(r.pos(), 0);
        let fields = r
            .into_recorder()
            .map(|rec| rec.finish(2))
            .unwrap_or_default();
        assert!(fields.is_empty());
    }
}
