//! The recorder a `Reader` carries while dissecting: it turns the parser's reads into
//! the `Field` tree. Without one, parsing records nothing and renders nothing.

use crate::wire::dissect::catalogue;
use std::ops::Range;

use super::catalogue::FieldId;
use super::decrypt::Decryptor;
use super::field::Field;
use crate::wire::error::WireError;
use crate::wire::header::IkeHeader;

/// Open structures, innermost last; `stack[0]` is the root whose children are the
/// dissection's top-level fields.
///
/// Leaves are recorded in reading order, so `covered_end` (the end of the furthest
/// leaf) is where explained bytes stop; the error leaves of a malformed buffer start
/// there, which keeps exactly one leaf per byte (see `record_error`).
pub(crate) struct Recorder<'a> {
    stack: Vec<Field>,
    error_recorded: bool,
    covered_end: usize,
    pub(crate) decryptor: Option<&'a mut dyn Decryptor>,
    pub(crate) header: Option<IkeHeader>,
}

impl core::fmt::Debug for Recorder<'_> {
    fn fmt(&self, f: &mut core::fmt::Formatter<'_>) -> core::fmt::Result {
        f.debug_struct("Recorder")
            .field("depth", &self.stack.len())
            .field("error_recorded", &self.error_recorded)
            .field("has_decryptor", &self.decryptor.is_some())
            .finish()
    }
}

/// A point to roll back to (see `Reader::attempt`).
#[derive(Debug, Clone, Copy)]
pub(crate) struct Mark {
    depth: usize,
    children: usize,
    error_recorded: bool,
    covered_end: usize,
}

impl<'a> Recorder<'a> {
    pub(crate) fn new(decryptor: Option<&'a mut dyn Decryptor>) -> Self {
        Self {
            stack: vec![Field::root()],
            error_recorded: false,
            covered_end: 0,
            decryptor,
            header: None,
        }
    }

    pub(crate) fn push_leaf(&mut self, field: Field) {
        if let Some(top) = self.stack.last_mut() {
            top.children.push(field);
        }
    }

    pub(crate) fn open(&mut self, id: FieldId, start: usize) {
        self.stack
            .push(Field::with_id(id, start..start, String::new()));
    }

    pub(crate) fn close(&mut self, end: usize, value: String) {
        if self.stack.len() < 2 {
            return;
        }
        if let Some(mut field) = self.stack.pop() {
            field.range.end = end.max(field.range.start);
            field.value = value;
            self.push_leaf(field);
        }
    }

    /// Records the error where the parser stopped, once, in the innermost open
    /// structure: a "Malformed" leaf over the octets nobody read, from the end of the
    /// last leaf to `end` (the end of that structure's bounds). When every octet up to
    /// `end` was read (the fault is in a value already shown, such as an IKE Length
    /// that disagrees with the datagram), the leaf is empty: an annotation at the point
    /// where reading stopped that claims no octet. Either way every octet stays in
    /// exactly one leaf; the error itself names the offending field and offset.
    pub(crate) fn record_error(&mut self, error: &WireError, end: usize) {
        if self.error_recorded {
            return;
        }
        self.error_recorded = true;
        let start = self.covered_end;
        self.push_leaf(Field::leaf(
            &catalogue::DISSECT_MALFORMED,
            start..end.max(start),
            error.to_string(),
        ));
        self.covered_end = self.covered_end.max(end);
    }

    /// Where explained octets stop: the end of the furthest leaf recorded so far.
    pub(crate) fn covered_end(&self) -> usize {
        self.covered_end
    }

    /// After an error: one "Unparsed" leaf, in the outermost structure, over the
    /// octets from where the innermost failing structure ended to `end`.
    pub(crate) fn record_unparsed(&mut self, end: usize) {
        let start = self.covered_end;
        if end <= start {
            return;
        }
        self.push_leaf(Field::leaf(
            &catalogue::DISSECT_UNPARSED,
            start..end,
            format!("{} octets", end - start),
        ));
        self.covered_end = end;
    }

    pub(crate) fn mark(&self) -> Mark {
        Mark {
            depth: self.stack.len(),
            children: self.stack.last().map_or(0, |f| f.children.len()),
            error_recorded: self.error_recorded,
            covered_end: self.covered_end,
        }
    }

    pub(crate) fn rollback(&mut self, mark: Mark) {
        self.stack.truncate(mark.depth.max(1));
        if let Some(top) = self.stack.last_mut() {
            top.children.truncate(mark.children);
        }
        self.error_recorded = mark.error_recorded;
        self.covered_end = mark.covered_end;
    }

    /// The top-level fields (closing any structure still open).
    pub(crate) fn finish(mut self, end: usize) -> Vec<Field> {
        while self.stack.len() > 1 {
            self.close(end, "(incomplete)".to_owned());
        }
        self.stack
            .pop()
            .map(|root| root.children)
            .unwrap_or_default()
    }

    pub(crate) fn set_last_decrypted(&mut self, block: super::field::DecryptedBlock) {
        if let Some(leaf) = self
            .stack
            .last_mut()
            .and_then(|top| top.children.last_mut())
        {
            leaf.decrypted = Some(Box::new(block));
        }
    }

    pub(crate) fn leaf_at(&mut self, range: Range<usize>, id: FieldId, value: String) {
        self.covered_end = self.covered_end.max(range.end);
        self.push_leaf(Field::with_id(id, range, value));
    }
}
